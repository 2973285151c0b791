/*
 * ut_proc.c: processes (usertests.h): identity from the process table pm maps read-only into
 * every process, fork, wait with exact statuses, signals between processes, groups and
 * sessions, limits, exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

/* Linux reads a pid_t or int argument as its register's low 32 bits: glibc's waitpid(-1)
 * arrives as 0xffffffff (upper half zero), which is -1, any child; found by
 * libos.boot.linux-diff (Debian's busybox-static's sh saw ECHILD at once and ran on). */
USERTEST(proc_pid_arguments_are_32_bit)
{
    const long hi = 0x100000000L;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
        _exit(5);
    int st = -1;
    CHECK_EQ(syscall(SYS_wait4, 0xffffffffL, &st, 0L, 0L), c);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 5);
    CHECK_EQ(syscall(SYS_kill, hi | getpid(), hi), 0); /* ourselves, signal 0 */
    c = fork();
    if (c == 0)
        _exit(6);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK_EQ(syscall(SYS_waitid, hi | P_PID, hi | c, &si, (long)WEXITED, 0L), 0);
    CHECK_EQ(si.si_pid, c);
    CHECK_EQ(si.si_status, 6);
    CHECK_EQ(syscall(SYS_getpgid, hi), getpgid(0));
    CHECK_EQ(syscall(SYS_getsid, hi), getsid(0));
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
    CHECK_EQ(syscall(SYS_tgkill, d, d + 1, SIGKILL), -1); /* its one thread's id is its pid */
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(syscall(SYS_tgkill, 0, d, SIGKILL), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_tgkill, d, d, SIGKILL), 0);
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
    char *big = malloc(17000); /* past pm's mailbox (PM_DATA_MAX, 16,128 bytes): E2BIG */
    CHECK_EQ(big != NULL, 1);
    memset(big, 'x', 16999);
    big[16999] = 0;
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
    free(big);
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

/* Process groups and sessions with Linux's checks; killpg reaches a whole group. */
USERTEST(proc_groups_and_sessions)
{
    pid_t me = getpid(), runner = getppid();
    CHECK_EQ(getpgrp(), runner); /* inherited from the runner, a session and group leader */
    CHECK_EQ(getpgid(0), runner);
    CHECK_EQ(getsid(0), runner);
    CHECK_EQ(getpgid(me), runner);
    CHECK_EQ(getpgid(99999), -1);
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(getsid(99999), -1);
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(setsid(), me); /* not a group leader: a new session */
    CHECK_EQ(getsid(0), me);
    CHECK_EQ(getpgrp(), me);
    CHECK_EQ(setsid(), -1); /* now it leads a group */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(setpgid(0, 0), -1); /* a session leader keeps its group */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(setpgid(0, -1), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(setpgid(99999, 0), -1);
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(setpgid(runner, 0), -1); /* not ours */
    CHECK_EQ(errno, ESRCH);
    pid_t a = child(spin), b = child(spin);
    CHECK_EQ(getsid(a), me);
    CHECK_EQ(getpgid(a), me);
    CHECK_EQ(setpgid(a, a), 0); /* a leads a new group */
    CHECK_EQ(getpgid(a), a);
    CHECK_EQ(setpgid(b, a), 0); /* b joins it */
    CHECK_EQ(getpgid(b), a);
    CHECK_EQ(setpgid(b, 77777), -1); /* no such group in the session */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(killpg(a, SIGTERM), 0);
    int st = 0;
    CHECK_EQ(waitpid(-a, &st, 0) > 0, 1); /* by group */
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    CHECK_EQ(waitpid(-a, &st, 0) > 0, 1);
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    CHECK_EQ(waitpid(-a, &st, 0), -1);
    CHECK_EQ(errno, ECHILD);
    CHECK_EQ(killpg(a, SIGTERM), -1); /* the group is gone */
    CHECK_EQ(errno, ESRCH);
    return 0;
}

static int forker(void)
{
    while (fork() > 0)
        ; /* every process forks until the limit says no, then waits to be killed */
    spin();
    return 0;
}

/* Processes in the table pm counts against RLIMIT_NPROC (all but init, zombies included). */
static int procs_now(void)
{
    const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
    int n = 0;
    for (int s = 1; s < PROC_MAX; s++)
        n += t->e[s].state != PROC_FREE;
    return n;
}

/* A bounded fork bomb: with RLIMIT_NPROC = now + 5, exactly 5 more processes come to be
 * (children forking too), every further fork is EAGAIN, and once they are killed and reaped
 * the system forks as before. */
USERTEST(proc_fork_bomb_is_bounded)
{
    struct rlimit rl;
    CHECK_EQ(getrlimit(RLIMIT_NPROC, &rl), 0);
    CHECK_EQ(rl.rlim_cur, PROC_MAX);
    CHECK_EQ(rl.rlim_max, PROC_MAX);
    CHECK_EQ(setpgid(0, 0), 0); /* a group of our own for the bomb */
    rlim_t lim = (rlim_t)procs_now() + 5;
    rl = (struct rlimit){lim + 1, lim};
    CHECK_EQ(setrlimit(RLIMIT_NPROC, &rl), -1); /* cur above max */
    CHECK_EQ(errno, EINVAL);
    rl = (struct rlimit){lim, lim};
    CHECK_EQ(setrlimit(RLIMIT_NPROC, &rl), 0);
    rl = (struct rlimit){lim, lim + 1};
    CHECK_EQ(setrlimit(RLIMIT_NPROC, &rl), -1); /* the hard limit only goes down */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(getrlimit(RLIMIT_NPROC, &rl), 0);
    CHECK_EQ(rl.rlim_cur, lim);
    CHECK_EQ(syscall(SYS_getrlimit, RLIMIT_NPROC, NULL), -1);
    CHECK_EQ(errno, EFAULT);
    pid_t first = child(forker);
    CHECK_EQ(first > 0, 1);
    const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
    pid_t me = getpid();
    int bombs = 0;
    for (int i = 0; i < 3000 && (rlim_t)procs_now() < lim; i++)
        proc_yield(); /* until the bomb has reached the limit */
    CHECK_EQ((rlim_t)procs_now(), lim);
    fflush(stdout);
    CHECK_EQ(fork(), -1);
    CHECK_EQ(errno, EAGAIN);
    /* Counted first, killed after: a bomb killed while it copies its child takes that
     * unfinished child with it (pm's death rule), which a scan still to come would miss. */
    pid_t bomb[8];
    for (int s = 1; s < PROC_MAX; s++)
        if (t->e[s].state == PROC_ALIVE && t->e[s].pgid == me && t->e[s].pid != me && bombs < 8)
            bomb[bombs++] = t->e[s].pid;
    CHECK_EQ(bombs, 5);
    for (int i = 0; i < bombs; i++)
        kill(bomb[i], SIGKILL);
    int st = 0;
    CHECK_EQ(waitpid(first, &st, 0), first);
    CHECK_EQ(WTERMSIG(st), SIGKILL);
    for (int i = 0; i < 3000 && (rlim_t)procs_now() >= lim; i++)
        proc_yield(); /* init reaps the orphans */
    pid_t again = child(exit_42);
    CHECK_EQ(again > 0, 1);
    CHECK_EQ(waitpid(again, &st, 0), again);
    CHECK_EQ(st, 42 << 8);
    return 0;
}

/* Maps populated chunks of `step` pages (MAP_POPULATE: the break and anonymous memory are
 * paged in at their first touch, so only a populated mapping fails when memory is gone) while
 * it can: how many pages it took. The chunks stay mapped. */
static long fill_pages(long step)
{
    long n = 0;
    while (mmap(NULL, step * 4096, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0) != MAP_FAILED)
        n += step;
    return n;
}

/* In a process of its own (its pages go back in one piece when it ends): fill memory, give
 * 64 pages back, fork. The copy runs out: ENOMEM, and every page the half-made child took is
 * back: exactly those 64 pages can be taken again. */
static int enomem_fork(void)
{
    fflush(stdout);
    pid_t warm = fork(); /* pm keeps a slot's mailbox pages: have the slot's made already */
    if (warm == 0)
        _exit(0);
    if (warm < 0 || waitpid(warm, NULL, 0) != warm)
        return 5;
    char *room = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (room == MAP_FAILED)
        return 1;
    long filled = fill_pages(64);
    filled += fill_pages(1); /* small steps: a failed step frees what it took, page by page */
    if (filled < 1000)
        return 1;
    if (munmap(room, 64 * 4096) != 0)
        return 2;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    if (pid != -1 || errno != ENOMEM)
        return 3;
    long again = fill_pages(1);
    if (again != 64)
        printf("    after the failed fork: %ld pages, not 64\n", again);
    return again == 64 ? 0x55 : 4;
}

USERTEST(proc_fork_enomem_leaves_no_trace)
{
    pid_t pid = child(enomem_fork);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0x55 << 8);
    pid = child(exit_42); /* and the system forks as before */
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 42 << 8);
    return 0;
}

/* The signals part's hooks: exit by a signal's default action gives the parent that exact
 * status (core flag too); a signal the process says it catches stays pending for it, and
 * los_sig_fetch takes it (once). */
static int die_by_segv(void)
{
    proc_sig_die(SIGSEGV, 1);
}

static int catch_usr1(void)
{
    struct pm_msg *m = proc_msg();
    m->a[0] = 1ll << (SIGUSR1 - 1);
    m->a[1] = 0;
    if (proc_call(PM_OP_sig_disp) != 0 || setpgid(0, 0) != 0) /* (the group says: ready) */
        return 1;
    uint64_t got;
    while (!(got = proc_sig_fetch()))
        proc_yield();
    return got == 1ull << (SIGUSR1 - 1) && proc_sig_fetch() == 0 ? 0x44 : 2;
}

/* A child's end reaches a parent that catches SIGCHLD (pm posts it only to a catcher: the
 * default is to ignore it), through the libOS's delivery at a call's return. */
static volatile int chld_caught;

static void on_chld(int sig)
{
    chld_caught += sig == SIGCHLD;
}

static int sigchld_when_caught(void)
{
    pid_t c = child(exit_42);
    if (waitpid(c, NULL, 0) != c || chld_caught != 0)
        return 1; /* ignored by default: discarded */
    struct sigaction sa = {0};
    sa.sa_handler = on_chld;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) != 0)
        return 2;
    c = child(exit_42);
    if (waitpid(c, NULL, 0) != c)
        return 3;
    for (int i = 0; i < 3000 && chld_caught == 0; i++)
        proc_yield(); /* delivered at a call's return at the latest */
    return chld_caught == 1 ? 0x45 : 4;
}

USERTEST(proc_signal_hooks)
{
    pid_t pid = child(die_by_segv);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFSIGNALED(st), 1);
    CHECK_EQ(WTERMSIG(st), SIGSEGV);
    CHECK_EQ(WCOREDUMP(st) != 0, 1);
    pid = child(catch_usr1);
    for (int i = 0; i < 3000 && getpgid(pid) != pid; i++)
        proc_yield(); /* until it has told pm it catches USR1 */
    CHECK_EQ(kill(pid, SIGUSR1), 0);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0x44 << 8);
    pid = child(sigchld_when_caught);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0x45 << 8);
    return 0;
}

/* Bad pointers to the process calls: EFAULT, and nothing happens (the child is not reaped by
 * a wait that could not store its status). */
USERTEST(proc_bad_pointers_efault)
{
    pid_t pid = child(exit_42);
    CHECK_EQ(syscall(SYS_wait4, pid, 8L, 0L, 0L), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(syscall(SYS_wait4, pid, 0xffff800000000000L, 0L, 0L), -1); /* exo's half */
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(syscall(SYS_wait4, pid, 0L, 0L, 16L), -1); /* rusage */
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(syscall(SYS_waitid, P_PID, pid, 24L, WEXITED, 0L), -1);
    CHECK_EQ(errno, EFAULT);
    const char *text = "read-only"; /* .rodata: mapped, not writable */
    CHECK_EQ(syscall(SYS_wait4, pid, (long)text, 0L, 0L), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(syscall(SYS_prlimit64, 0L, RLIMIT_NPROC, 8L, 0L), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(syscall(SYS_prlimit64, 0L, RLIMIT_NPROC, 0L, (long)text), -1);
    CHECK_EQ(errno, EFAULT);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid); /* still there */
    CHECK_EQ(st, 42 << 8);
    return 0;
}

/* exec of a static-PIE image (ET_DYN): loaded at its bias, it runs and ends with its status. */
USERTEST(proc_exec_static_pie)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"piehello", NULL};
        execve("/piehello", argv, NULL);
        _exit(100 + errno);
    }
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0x5e << 8);
    return 0;
}

/* exo call n with two arguments, raw (native programs see no exo header). */
static long raw_exo(long n, long a0, long a1)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a0), "S"(a1) : "rcx", "r11", "memory");
    return r;
}

/* A process cannot take pm's death watch off itself (env_watch, call 34: EXO_E_PERM = -5),
 * nor hide its end that way from a waiting parent. */
USERTEST(proc_death_watch_stays)
{
    CHECK_EQ(raw_exo(34, 0 /* EXO_CAP_SELF */, -1 /* EXO_ANY */), -5);
    return 0;
}

static int kill_self_term(void)
{
    kill(getpid(), SIGTERM); /* catches nothing: the default action ends it here */
    return 7;
}

static int ignore_sigchld(void)
{
    /* through the libOS: it tells pm again at every mask change (musl's fork blocks all) */
    if (signal(SIGCHLD, SIG_IGN) == SIG_ERR)
        return 1;
    pid_t c = child(exit_42);
    if (c < 0)
        return 2;
    /* no zombie is left: the wait blocks until the child is gone, then there is none */
    return waitpid(-1, NULL, 0) == -1 && errno == ECHILD ? 0x46 : 3;
}

static int catch_64(void)
{
    struct pm_msg *m = proc_msg();
    m->a[0] = (int64_t)(1ull << 63);
    m->a[1] = 0;
    if (proc_call(PM_OP_sig_disp) != 0 || setpgid(0, 0) != 0)
        return 1;
    uint64_t got;
    while (!(got = proc_sig_fetch()))
        proc_yield();
    return got == 1ull << 63 ? 0x47 : 2;
}

static int forge_status(void)
{
    proc_exit(0x137f); /* "stopped by signal 19": not a status exit can give */
}

/* Signals and statuses at their edges: a default action on itself, SIGCHLD ignored (no
 * zombies), signal 64 fetched, a forged stopped status read as an exit. */
USERTEST(proc_signal_edges)
{
    int st = 0;
    pid_t pid = child(kill_self_term);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFSIGNALED(st), 1);
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    pid = child(ignore_sigchld);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0x46 << 8);
    pid = child(catch_64);
    for (int i = 0; i < 3000 && getpgid(pid) != pid; i++)
        proc_yield();
    CHECK_EQ(kill(pid, 64), 0);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0x47 << 8);
    pid = child(forge_status);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 0x13);
    return 0;
}

/* exec of what is not a program: a text file, and an ELF header whose program headers lie
 * far outside the file (pm reads every exec'd file's headers: a hostile one once ended pm, and
 * every process with it). Each is ENOEXEC, and the caller goes on. */
static int exec_errno(const char *path, const void *bytes, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0 || write(fd, bytes, n) != (ssize_t)n || close(fd) != 0)
        return -1;
    char *argv[] = {(char *)path, NULL};
    execve(path, argv, NULL);
    int e = errno;
    unlink(path);
    return e;
}

USERTEST(proc_exec_refuses_what_is_no_program)
{
    CHECK_EQ(exec_errno("/tmp/ut_text", "echo hi\n", 8), ENOEXEC);
    unsigned char eh[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    eh[16] = 2;                   /* ET_EXEC */
    eh[18] = 62;                  /* EM_X86_64 */
    eh[32] = 0xff, eh[35] = 0x7f; /* e_phoff: 2 GiB and more, past the file */
    eh[54] = 56;                  /* e_phentsize */
    eh[56] = 0xff, eh[57] = 0xff; /* e_phnum: 65535 */
    CHECK_EQ(exec_errno("/tmp/ut_badelf", eh, sizeof eh), ENOEXEC);
    eh[32] = 64, eh[35] = 0; /* inside the file, but 65535 headers are not */
    CHECK_EQ(exec_errno("/tmp/ut_badelf", eh, sizeof eh), ENOEXEC);
    CHECK_EQ(getppid() > 0, 1); /* pm still answers */
    return 0;
}

/* A script's far side (usertests --shebang...): the interpreter line's one argument, then the
 * script's path as exec was given it, then exec's argv[1..]. Exit 0x34 if all holds. */
int ut_proc_shebang_check(int argc, char **argv);
int ut_proc_shebang_check(int argc, char **argv)
{
    int ok = argc == 5 && strcmp(argv[0], "/usertests") == 0 &&
             strcmp(argv[1], "--shebang  one arg") == 0 && strcmp(argv[2], "/tmp/ut_sb1") == 0 &&
             strcmp(argv[3], "x") == 0 && strcmp(argv[4], "") == 0 && argv[5] == NULL;
    if (!ok)
        for (int i = 0; i < argc; i++)
            printf("    shebang-check: argv[%d] = \"%s\"\n", i, argv[i]);
    return ok ? 0x34 : 1;
}

static int write_script(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* exec of a file starting with "#!": its interpreter runs with {INTERP, [ARG,] path,
 * argv[1..]} as Linux's binfmt_script makes it (ARG: the rest of the line, blanks around it
 * trimmed); a script naming a script works, five deep is ELOOP, a missing interpreter ENOENT,
 * "#!" alone ENOEXEC, a script without execute permission EACCES. */
USERTEST(proc_exec_shebang_script)
{
    CHECK_EQ(write_script("/tmp/ut_sb1", "#! /usertests\t--shebang  one arg \t\nnot read\n", 0755),
             0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"ignored", "x", "", NULL};
        execv("/tmp/ut_sb1", argv);
        _exit(errno);
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 0x34);
    /* 2 -> 1 -> 0 names the next; 0 is the real one: {"/usertests", ARG, "/tmp/ut_sb1", ...} */
    CHECK_EQ(write_script("/tmp/ut_sb2", "#!/tmp/ut_sb1\n", 0755), 0);
    char *loop[] = {"a", NULL};
    for (int i = 3; i <= 6; i++) { /* ut_sb3..6: each names the one before */
        char path[32], text[32];
        snprintf(path, sizeof path, "/tmp/ut_sb%d", i);
        snprintf(text, sizeof text, "#!/tmp/ut_sb%d\n", i - 1);
        CHECK_EQ(write_script(path, text, 0755), 0);
    }
    CHECK_EQ(execv("/tmp/ut_sb6", loop), -1); /* 6 -> 5 -> 4 -> 3 -> 2 -> 1: 5 scripts deep */
    CHECK_EQ(errno, ELOOP);
    CHECK_EQ(write_script("/tmp/ut_sbn", "#!/no/such/interp -x\n", 0755), 0);
    CHECK_EQ(execv("/tmp/ut_sbn", loop), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(write_script("/tmp/ut_sbe", "#!  \t\n", 0755), 0);
    CHECK_EQ(execv("/tmp/ut_sbe", loop), -1);
    CHECK_EQ(errno, ENOEXEC);
    CHECK_EQ(write_script("/tmp/ut_sbx", "#!/usertests\n", 0644), 0);
    CHECK_EQ(execv("/tmp/ut_sbx", loop), -1);
    CHECK_EQ(errno, EACCES);
    const char *names[] = {"1", "2", "3", "4", "5", "6", "n", "e", "x"};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
        char path[32];
        snprintf(path, sizeof path, "/tmp/ut_sb%s", names[i]);
        CHECK_EQ(unlink(path), 0);
    }
    return 0;
}
