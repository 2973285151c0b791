/*
 * process.c: who the process is and how it ends. In a process pm made (libos/proc), the pid
 * and parent come from the process table, mapped read-only (a load, no exo call), and exit
 * and exit_group hand pm the status its parent's wait reads. Otherwise (a program init ran
 * without pm) the pid is the env's id, read once at start. There are no users yet, so every
 * id is 0 (root).
 */
#include <posix/calls.h>
#include <proc/client.h>
#include <proc/status.h>

#include <los/los.h>

long posix_pid, posix_ppid;

long posix_getpid(const long a[6])
{
    (void)a;
    return proc_present ? proc_self()->pid : posix_pid;
}

long posix_gettid(const long a[6])
{
    return posix_getpid(a); /* one thread per process */
}

long posix_getppid(const long a[6])
{
    (void)a;
    return proc_present ? proc_self()->ppid : posix_ppid;
}

long posix_set_tid_address(const long a[6])
{
    return posix_getpid(a); /* no threads to wake at exit yet */
}

long posix_getuid(const long a[6])
{
    (void)a;
    return 0;
}

long posix_geteuid(const long a[6])
{
    (void)a;
    return 0;
}

long posix_getgid(const long a[6])
{
    (void)a;
    return 0;
}

long posix_getegid(const long a[6])
{
    (void)a;
    return 0;
}

long posix_exit(const long a[6])
{
    proc_exit(PROC_W_EXITED((int)a[0]));
}

long posix_exit_group(const long a[6])
{
    proc_exit(PROC_W_EXITED((int)a[0]));
}
