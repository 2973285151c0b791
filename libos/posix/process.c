/*
 * process.c: who the process is and how it ends. The pid is the env's id, read once at start,
 * so getpid makes no exo call; there are no users yet, so every id is 0 (root). exit and
 * exit_group end the env: exo keeps no exit status yet (wait arrives with processes).
 */
#include <posix/calls.h>

#include <los/los.h>
#include <thread/thread.h>

long posix_pid, posix_ppid;

long posix_getpid(const long a[6])
{
    (void)a;
    return posix_pid;
}

long posix_gettid(const long a[6])
{
    (void)a;
    return los_thread_tid(); /* the pid in the first thread (libos/thread) */
}

long posix_getppid(const long a[6])
{
    (void)a;
    return posix_ppid;
}

long posix_set_tid_address(const long a[6])
{
    return los_thread_set_tid_address((int *)a[0]);
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
    los_thread_exit((int)a[0]); /* the calling thread; the last one ends the process */
}

long posix_exit_group(const long a[6])
{
    los_exit((int)a[0]);
}
