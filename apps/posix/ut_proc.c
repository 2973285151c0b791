/*
 * ut_proc.c: processes (usertests.h): identity from the process table pm maps read-only into
 * every process, fork, wait with exact statuses, signals between processes, groups and
 * sessions, limits, exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <posix/posix.h>
#include <proc/client.h>
#include <proc/layout.h>
#include <proc/table.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usertests.h"

/* getpid and getppid are loads from the table: exact values, no exo call, and the table is
 * read-only (a store to it would end us: checked in a child once fork exists). */
USERTEST(proc_identity_from_the_table)
{
    const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
    CHECK_EQ(proc_present, 1);
    CHECK_EQ(t->magic, PROC_TABLE_MAGIC);
    CHECK_EQ(t->version, PROC_TABLE_VERSION);
    CHECK_EQ(t->e[0].pid, 1); /* init */
    const struct proc_entry *me = proc_self();
    CHECK_EQ(me->state, PROC_ALIVE);
    long before = los_exo_calls();
    pid_t pid = getpid(), ppid = getppid();
    long calls = los_exo_calls() - before;
    CHECK_EQ(calls, 1); /* the second count itself */
    CHECK_EQ(pid, me->pid);
    CHECK_EQ(ppid, me->ppid);
    CHECK_EQ(syscall(SYS_gettid), pid);
    CHECK_EQ(pid >= 2, 1);
    return 0;
}

/* Forks a child that runs fn and exits with its result (0..255). */
static pid_t child(int (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    return pid;
}

static int spin(void)
{
    for (volatile int forever = 1; forever;)
        proc_yield();
    return 0;
}

static int exit_42(void)
{
    return 42;
}

/* Exact statuses: exit codes (masked to 8 bits), the pid waited for, nothing left after. */
USERTEST(proc_fork_wait_exact_status)
{
    static const int codes[] = {0, 1, 42, 255, 256, 257};
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(codes[i]);
        CHECK_EQ(pid > getpid(), 1);
        int st = -1;
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK_EQ(WIFEXITED(st), 1);
        CHECK_EQ(WIFSIGNALED(st), 0);
        CHECK_EQ(WEXITSTATUS(st), codes[i] & 0xff);
        CHECK_EQ(st, (codes[i] & 0xff) << 8);
    }
    CHECK_EQ(waitpid(-1, NULL, 0), -1); /* all reaped */
    CHECK_EQ(errno, ECHILD);
    /* exit() (atexit, stdio) rather than _exit, and wait(NULL) */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        exit(3);
    int st = 0;
    CHECK_EQ(wait(&st), pid);
    CHECK_EQ(WEXITSTATUS(st), 3);
    return 0;
}

static int global = 1;

/* The child has a copy of everything: data, heap, stack; its writes stay its own; it knows
 * who it and its parent are. */
USERTEST(proc_fork_copies_memory)
{
    int local = 10;
    char *heap = malloc(100000);
    CHECK_EQ(heap != NULL, 1);
    memset(heap, 0x5a, 100000);
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int bad = global != 1 || local != 10 || heap[0] != 0x5a || heap[99999] != 0x5a;
        bad |= getppid() != parent || getpid() == parent;
        global = 2;
        local = 20;
        heap[5] = 0;
        _exit(bad ? 1 : 77);
    }
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 77 << 8);
    CHECK_EQ(global, 1);
    CHECK_EQ(local, 10);
    CHECK_EQ(heap[5], 0x5a);
    free(heap);
    return 0;
}

/* fork returns in the child with every callee-saved register as the parent had it. */
uint64_t ut_fork_probe(uint64_t out[6]);
__asm__(".text\n"
        "ut_fork_probe:\n"
        "  push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
        "  push %rdi\n"
        "  movabs $0x1111111111111111, %rbx\n movabs $0x2222222222222222, %rbp\n"
        "  movabs $0x1212121212121212, %r12\n movabs $0x1313131313131313, %r13\n"
        "  movabs $0x1414141414141414, %r14\n movabs $0x1515151515151515, %r15\n"
        "  call fork\n"
        "  mov (%rsp), %rdi\n"
        "  mov %rbx, 0(%rdi)\n mov %rbp, 8(%rdi)\n mov %r12, 16(%rdi)\n"
        "  mov %r13, 24(%rdi)\n mov %r14, 32(%rdi)\n mov %r15, 40(%rdi)\n"
        "  pop %rdi\n pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
        "  ret\n");

USERTEST(proc_fork_keeps_callee_saved_registers)
{
    static const uint64_t want[6] = {0x1111111111111111, 0x2222222222222222, 0x1212121212121212,
                                     0x1313131313131313, 0x1414141414141414, 0x1515151515151515};
    uint64_t got[6] = {0};
    fflush(stdout);
    long pid = (long)ut_fork_probe(got);
    if (pid == 0)
        _exit(memcmp(got, want, sizeof want) == 0 ? 9 : 1);
    CHECK_EQ(pid > 0, 1);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(got[i], want[i]);
    int st = 0;
    CHECK_EQ(waitpid((pid_t)pid, &st, 0), pid);
    CHECK_EQ(st, 9 << 8);
    return 0;
}

/* ECHILD for no child at all and for a pid that is not ours; WNOHANG answers 0 while the
 * child lives; a child killed (by a third process) while we wait in waitpid wakes us with the
 * exact signal. */
USERTEST(proc_wait_echild_wnohang_and_killed_while_waiting)
{
    CHECK_EQ(waitpid(-1, NULL, 0), -1);
    CHECK_EQ(errno, ECHILD);
    CHECK_EQ(waitpid(1, NULL, WNOHANG), -1); /* init is not our child */
    CHECK_EQ(errno, ECHILD);
    CHECK_EQ(waitpid(-1, NULL, 0x100), -1); /* no such option */
    CHECK_EQ(errno, EINVAL);
    pid_t spinner = child(spin);
    CHECK_EQ(spinner > 0, 1);
    int st = -1;
    CHECK_EQ(waitpid(spinner, &st, WNOHANG), 0);
    CHECK_EQ(st, -1); /* untouched */
    fflush(stdout);
    pid_t killer = fork();
    if (killer == 0) {
        for (int i = 0; i < 20; i++)
            proc_yield(); /* let the parent block in waitpid first (not needed to pass) */
        _exit(kill(spinner, SIGKILL) == 0 ? 0 : 1);
    }
    CHECK_EQ(waitpid(spinner, &st, 0), spinner);
    CHECK_EQ(WIFSIGNALED(st), 1);
    CHECK_EQ(WTERMSIG(st), SIGKILL);
    CHECK_EQ(WCOREDUMP(st), 0);
    CHECK_EQ(waitpid(killer, &st, 0), killer);
    CHECK_EQ(st, 0);
    return 0;
}

/* Default actions pm takes for a process that catches nothing: terminate (SIGTERM), core
 * (SIGQUIT: the core flag), ignore (SIGCHLD: it lives on); signal 0 only checks; ESRCH and
 * EINVAL exactly. waitid reports the same ends with its own codes. */
USERTEST(proc_kill_default_actions_and_waitid)
{
    pid_t a = child(spin), b = child(spin);
    CHECK_EQ(kill(a, 0), 0);
    CHECK_EQ(kill(a, SIGCHLD), 0); /* ignored by default */
    CHECK_EQ(kill(a, SIGTERM), 0);
    CHECK_EQ(kill(b, SIGQUIT), 0);
    int st = 0;
    CHECK_EQ(waitpid(a, &st, 0), a);
    CHECK_EQ(WIFSIGNALED(st), 1);
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    CHECK_EQ(WCOREDUMP(st), 0);
    siginfo_t si;
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, (id_t)b, &si, WEXITED), 0);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_DUMPED);
    CHECK_EQ(si.si_pid, b);
    CHECK_EQ(si.si_status, SIGQUIT);
    CHECK_EQ(kill(a, 0), -1); /* reaped: gone */
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(kill(getpid(), 65), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(kill(99999, SIGTERM), -1);
    CHECK_EQ(errno, ESRCH);
    /* waitid: WNOHANG with a live child zeroes the info; WNOWAIT leaves the zombie */
    pid_t c = child(exit_42), d = child(spin);
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, (id_t)d, &si, WEXITED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, 0);
    CHECK_EQ(si.si_signo, 0);
    CHECK_EQ(waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT), 0);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_status, 42);
    CHECK_EQ(waitpid(c, &st, 0), c); /* still there to reap */
    CHECK_EQ(st, 42 << 8);
    CHECK_EQ(waitid(P_PID, (id_t)d, &si, WNOHANG), -1); /* no WEXITED */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(waitid(7, 0, &si, WEXITED), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(kill(d, SIGKILL), 0);
    CHECK_EQ(waitpid(d, &st, 0), d);
    CHECK_EQ(WTERMSIG(st), SIGKILL);
    return 0;
}

/* An orphan goes to init, which reaps it: the grandchild sees getppid() == 1, and once it has
 * ended nothing of it stays in the table. */
static int orphan_maker(void)
{
    fflush(stdout);
    pid_t g = fork();
    if (g == 0) {
        while (getppid() != 1)
            proc_yield();
        _exit(5);
    }
    return g > 0 ? 0 : 1; /* the middle process ends at once */
}

USERTEST(proc_orphans_go_to_init_and_are_reaped)
{
    pid_t c = child(orphan_maker);
    int st = 0;
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(st, 0);
    CHECK_EQ(waitpid(-1, NULL, WNOHANG), -1); /* the grandchild is init's, not ours */
    CHECK_EQ(errno, ECHILD);
    const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
    pid_t group = getpgrp(), runner = getppid(); /* (the runner is init's child too) */
    int left = 1;
    for (long i = 0; i < 3000 && left; i++) {
        left = 0;
        for (int s = 1; s < PROC_MAX; s++)
            left += t->e[s].state != PROC_FREE && t->e[s].pgid == group && t->e[s].ppid == 1 &&
                    t->e[s].pid != runner;
        if (left)
            proc_yield();
    }
    CHECK_EQ(left, 0);
    return 0;
}

/* The process table is read-only: a store to it ends the child (killed, not corrupting). */
static int scribble(void)
{
    ((volatile struct proc_table *)PROC_TABLE_VA)->e[0].pid = 99;
    return 0;
}

USERTEST(proc_table_is_read_only)
{
    pid_t c = child(scribble);
    int st = 0;
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(WIFSIGNALED(st), 1); /* SIGSEGV once signals map faults, SIGKILL before */
    CHECK_EQ(((const struct proc_table *)PROC_TABLE_VA)->e[0].pid, 1);
    return 0;
}

/* exec's far side (usertests --exec-check PID PPID "two words" ""): the same pid and parent,
 * every argv and envp string exact. Exit 0x33 if all holds. */
int ut_proc_exec_check(int argc, char **argv, char **envp);
int ut_proc_exec_check(int argc, char **argv, char **envp)
{
    char pid[16], ppid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    snprintf(ppid, sizeof ppid, "%d", (int)getppid());
    int ok = argc == 6 && strcmp(argv[0], "usertests") == 0 && strcmp(argv[2], pid) == 0 &&
             strcmp(argv[3], ppid) == 0 && strcmp(argv[4], "two words") == 0 &&
             strcmp(argv[5], "") == 0 && argv[6] == NULL && envp[0] &&
             strcmp(envp[0], "FOO=bar") == 0 && envp[1] && strcmp(envp[1], "EMPTY=") == 0 &&
             envp[2] == NULL && getenv("FOO") && strcmp(getenv("FOO"), "bar") == 0;
    if (!ok)
        printf("    exec-check: argc %d pid %s (argv %s) ppid %s (argv %s)\n", argc, pid,
               argc > 2 ? argv[2] : "-", ppid, argc > 3 ? argv[3] : "-");
    return ok ? 0x33 : 1;
}

/* exec replaces the image in place: same pid, same parent, argv and envp exact (checked on
 * the far side); a failed exec returns to the old image with the exact errno. */
USERTEST(proc_exec_argv_envp_same_pid)
{
    static char big[9000];
    memset(big, 'x', sizeof big - 1);
    char *none[] = {"usertests", NULL};
    CHECK_EQ(execve("/no/such/program", none, NULL), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(execve("", none, NULL), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(execve(NULL, none, NULL), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(syscall(SYS_execve, "/usertests", 8L, 0L), -1); /* (the wrapper would warn) */
    CHECK_EQ(errno, EFAULT);
    char *bad[] = {"usertests", (char *)16, NULL};
    CHECK_EQ(execve("/usertests", bad, NULL), -1);
    CHECK_EQ(errno, EFAULT);
    char *huge[] = {"usertests", big, NULL};
    CHECK_EQ(execve("/usertests", huge, NULL), -1);
    CHECK_EQ(errno, E2BIG);
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char me[16], dad[16];
        snprintf(me, sizeof me, "%d", (int)getpid());
        snprintf(dad, sizeof dad, "%d", (int)parent);
        char *argv[] = {"usertests", "--exec-check", me, dad, "two words", "", NULL};
        char *envp[] = {"FOO=bar", "EMPTY=", NULL};
        execve("/usertests", argv, envp);
        _exit(100 + errno);
    }
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0x33 << 8);
    return 0;
}
