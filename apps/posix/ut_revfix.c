/*
 * ut_revfix.c: what pm enforces whatever a process's libOS does (docs/concepts/processes.md):
 * who may signal whom (Linux's kill permission, pid 1 root's only, kill -1 skipping refused
 * targets), nice's ownership and PRIO_USER, one visibility rule for a fork's child (visible
 * once its env has run, reported or not), real-time queues charged per sending user while a
 * standard signal never needs a queue entry, /proc's private files, and SIGCONT continuing a
 * process that stopped itself through exo. Each test runs the unprivileged side in a child
 * that has dropped to a uid of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <exo/abi.h>
#include <proc/client.h>
#include <proc/msg.h>

#include "usertests.h"

/* Forks a child that becomes uid (real, effective, saved) and runs fn: its pid. */
static pid_t as_user(uid_t uid, int (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (setresuid(uid, uid, uid) != 0)
            _exit(99);
        int r = fn();
        fflush(stdout);
        _exit(r);
    }
    return pid;
}

/* The exit code of child pid (-1 if it did not exit). */
static int exit_code(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static int kill_as_user(void)
{
    union sigval v = {.sival_int = 1};
    pid_t root = getppid();
    CHECK_EQ(kill(root, 0), -1); /* another user's process */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(kill(root, SIGTERM), -1);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(sigqueue(root, 0, v), -1);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(kill(1, 0), -1); /* init: root's only (its signals power off, reboot, halt) */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(kill(root, SIGCONT), 0); /* SIGCONT within the session */
    CHECK_EQ(kill(-1, 0), -1);        /* every target refused */
    CHECK_EQ(errno, EPERM);
    pid_t mine = fork(); /* one of our own: kill -1 reaches it, skipping the rest */
    if (mine == 0)
        for (;;)
            pause();
    CHECK_EQ(kill(-1, 0), 0);
    CHECK_EQ(kill(mine, SIGKILL), 0);
    int st = 0;
    CHECK_EQ(waitpid(mine, &st, 0), mine);
    CHECK_EQ(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, 1);
    return 0;
}

USERTEST(revfix_kill_needs_permission)
{
    pid_t c = as_user(4242, kill_as_user);
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(exit_code(c), 0);
    return 0;
}

static int nice_as_user(void)
{
    CHECK_EQ(setpriority(PRIO_PROCESS, (id_t)getppid(), 5), -1); /* not ours */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(setpriority(PRIO_PROCESS, 0, 7), 0);
    CHECK_EQ(setpriority(PRIO_PROCESS, 0, 3), -1); /* lower: root's only */
    CHECK_EQ(errno, EACCES);
    errno = 0;
    CHECK_EQ(getpriority(PRIO_USER, 4243), 7); /* uid 4243's processes: this one */
    CHECK_EQ(getpriority(PRIO_USER, 0), 7);    /* 0: the caller's uid */
    CHECK_EQ(errno, 0);
    CHECK_EQ(getpriority(PRIO_USER, 4299), -1); /* nobody's */
    CHECK_EQ(errno, ESRCH);
    return 0;
}

USERTEST(revfix_nice_owner_and_prio_user)
{
    pid_t c = as_user(4243, nice_as_user);
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(exit_code(c), 0);
    return 0;
}

/* pm's fork op by hand, as a hostile parent would use it: the child's pid, its capability. */
static long fork_op(uint64_t *cap)
{
    long pid = proc_call(PM_OP_fork);
    *cap = (uint64_t)proc_msg()->r[0];
    return pid;
}

static long fork_done_op(long pid, long err)
{
    proc_msg()->a[0] = pid;
    proc_msg()->a[1] = err;
    return proc_call(PM_OP_fork_done);
}

/* A child whose parent never reports fork_done: invisible while its env has never run (a copy
 * being made), visible, killable and waitable once it has run. */
USERTEST(revfix_embryo_visible_once_run)
{
    char path[64];
    uint64_t cap;
    long pid = fork_op(&cap);
    CHECK_EQ(pid > 0, 1);
    long k = kill((pid_t)pid, 0), ke = errno;
    long g = getpgid((pid_t)pid), ge = errno;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    long o = open(path, O_RDONLY), oe = errno;
    CHECK_EQ(fork_done_op(pid, -1), 0); /* a failed copy: pm ends it */
    CHECK_EQ(k, -1);
    CHECK_EQ(ke, ESRCH);
    CHECK_EQ(g, -1);
    CHECK_EQ(ge, ESRCH);
    CHECK_EQ(o, -1);
    CHECK_EQ(oe, ENOENT);

    /* Started (a page of `jmp .`), never reported. */
    unsigned char *code =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(code != MAP_FAILED, 1);
    code[0] = 0xeb;
    code[1] = 0xfe;
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, (uint64_t)code);
    CHECK_EQ(pte > 0, 1);
    pid = fork_op(&cap);
    CHECK_EQ(pid > 0, 1);
    const uint64_t va = 0x10000000;
    int64_t r = exo_page_map(cap, va, (uint64_t)pte >> EXO_PAGE_SHIFT, EXO_PROT_R | EXO_PROT_X);
    if (r == 0)
        r = exo_env_start(cap, va, 0, 0);
    for (int i = 0; r == 0 && exo_env_runs(cap) <= 0 && i < 100000; i++)
        sched_yield();
    g = getpgid((pid_t)pid);
    k = kill((pid_t)pid, SIGKILL);
    ke = errno;
    if (k != 0)
        fork_done_op(pid, -1); /* (no fix: do not leave it spinning) */
    CHECK_EQ(r, 0);
    CHECK_EQ(g, getpgid(0));
    CHECK_EQ(k, 0);
    (void)ke;
    CHECK_EQ(fork_done_op(pid, 0), 0); /* reported at last: a child to wait for */
    int st = 0;
    CHECK_EQ(waitpid((pid_t)pid, &st, 0), pid);
    CHECK_EQ(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, 1);
    munmap(code, 4096);
    return 0;
}

static void on_sig(int s)
{
    (void)s;
}

/* A child of uid (-1: root's) catching SIGRTMIN and SIGUSR1 (a byte to usr1_fd for each),
 * returned once its handlers are in. */
static int ready[2] = {-1, -1}, usr1_fd = -1;
static void on_usr1(int s)
{
    (void)s;
    write(usr1_fd, "u", 1);
}

static pid_t catcher(int uid)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* a group of its own: stopped in the runner's (orphaned) group, it would bring
         * SIGHUP to the whole group when a member ends */
        if (setpgid(0, 0) != 0 || (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0))
            _exit(99);
        signal(SIGRTMIN, on_sig);
        signal(SIGUSR1, on_usr1);
        write(ready[1], "r", 1);
        for (;;)
            pause();
    }
    char c;
    read(ready[0], &c, 1);
    return pid;
}

static int stop_it(pid_t pid)
{
    int st = 0;
    return kill(pid, SIGSTOP) == 0 && waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st);
}

static pid_t rt_targets[8];

/* Queues per SIGRTMIN to each of n targets from `first`: 0, or which failed (10 + t). */
static int queue_as_user(int first, int n, int per)
{
    union sigval v = {.sival_int = 7};
    for (int t = first; t < first + n; t++)
        for (int i = 0; i < per; i++)
            if (sigqueue(rt_targets[t], SIGRTMIN, v) != 0)
                return errno == EAGAIN ? 10 + t : 1;
    return 0;
}

static int per_uid_sender(void)
{
    CHECK_EQ(queue_as_user(0, 2, 32), 0); /* 64: this user's whole share */
    union sigval v = {.sival_int = 7};
    CHECK_EQ(sigqueue(rt_targets[2], SIGRTMIN, v), -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(kill(rt_targets[2], SIGRTMIN), -1); /* kill says so too */
    CHECK_EQ(errno, EAGAIN);
    return 0;
}

static int sender_k;
static int fill_sender(void) /* (the pool may fill before its share does: EAGAIN is fine) */
{
    int r = queue_as_user(2 * sender_k, 1, 32);
    if (r == 0 || r >= 10)
        r = queue_as_user(2 * sender_k + 1, 1, 32);
    return r >= 10 ? 0 : r;
}

static void end_all(pid_t *p, int n)
{
    for (int i = 0; i < n; i++) {
        kill(p[i], SIGKILL);
        waitpid(p[i], NULL, 0);
    }
}

/* Real-time entries are charged to the sending user (64 each); with every entry of pm's pool
 * taken, a standard signal still arrives (its bit alone: SI_USER). */
USERTEST(revfix_sigqueue_per_user_and_standard_without_entry)
{
    int u[2];
    CHECK_EQ(pipe(ready), 0);
    CHECK_EQ(pipe(u), 0);
    usr1_fd = u[1];
    for (int i = 0; i < 3; i++) {
        rt_targets[i] = catcher(4244);
        CHECK_EQ(stop_it(rt_targets[i]), 1);
    }
    pid_t s = as_user(4244, per_uid_sender);
    int code = exit_code(s);
    end_all(rt_targets, 3);
    CHECK_EQ(code, 0);

    for (int i = 0; i < 8; i++) { /* 4 users x 2 stopped targets x 32 = the pool's 256 */
        rt_targets[i] = catcher(4250 + i / 2);
        CHECK_EQ(stop_it(rt_targets[i]), 1);
    }
    pid_t last = catcher(-1);
    int bad = 0;
    for (sender_k = 0; sender_k < 4; sender_k++)
        bad |= exit_code(as_user((uid_t)(4250 + sender_k), fill_sender)) != 0;
    union sigval v = {.sival_int = 1};
    long full = sigqueue(last, SIGRTMIN, v), fe = errno; /* root's share is untouched: the pool */
    long k = kill(last, SIGUSR1);
    struct pollfd pf = {.fd = u[0], .events = POLLIN};
    int got = poll(&pf, 1, 5000);
    end_all(rt_targets, 8);
    end_all(&last, 1);
    CHECK_EQ(bad, 0);
    CHECK_EQ(full, -1);
    CHECK_EQ(fe, EAGAIN);
    CHECK_EQ(k, 0);
    CHECK_EQ(got, 1);
    close(ready[0]), close(ready[1]), close(u[0]), close(u[1]);
    return 0;
}

static int proc_as_user(void)
{
    char path[64], buf[256];
    pid_t root = getppid();
    snprintf(path, sizeof path, "/proc/%d/maps", (int)root);
    int fd = open(path, O_RDONLY);
    CHECK_EQ(fd >= 0, 1);
    CHECK_EQ(read(fd, buf, sizeof buf), -1);
    CHECK_EQ(errno, EACCES);
    close(fd);
    snprintf(path, sizeof path, "/proc/%d/exe", (int)root);
    CHECK_EQ(readlink(path, buf, sizeof buf), -1);
    CHECK_EQ(errno, EACCES);
    snprintf(path, sizeof path, "/proc/%d/cwd", (int)root);
    CHECK_EQ(readlink(path, buf, sizeof buf), -1);
    CHECK_EQ(errno, EACCES);
    snprintf(path, sizeof path, "/proc/%d/fd/0", (int)root);
    CHECK_EQ(readlink(path, buf, sizeof buf), -1);
    CHECK_EQ(errno, EACCES);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)root); /* public */
    fd = open(path, O_RDONLY);
    CHECK_EQ(fd >= 0 && read(fd, buf, sizeof buf) > 0, 1);
    close(fd);
    CHECK_EQ(readlink("/proc/self/exe", buf, sizeof buf) > 0, 1); /* its own */
    fd = open("/proc/self/maps", O_RDONLY);
    CHECK_EQ(fd >= 0 && read(fd, buf, sizeof buf) > 0, 1);
    close(fd);
    return 0;
}

USERTEST(revfix_proc_private_files)
{
    pid_t c = as_user(4245, proc_as_user);
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(exit_code(c), 0);
    /* a /proc/PID file names one process: ESRCH once it is gone */
    char path[64], buf[64];
    fflush(stdout);
    c = fork();
    if (c == 0)
        for (;;)
            pause();
    snprintf(path, sizeof path, "/proc/%d/stat", (int)c);
    int fd = open(path, O_RDONLY);
    CHECK_EQ(fd >= 0 && read(fd, buf, sizeof buf) > 0, 1);
    CHECK_EQ(kill(c, SIGKILL), 0);
    CHECK_EQ(waitpid(c, NULL, 0), c);
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), -1);
    CHECK_EQ(errno, ESRCH);
    close(fd);
    return 0;
}

/* A process that stopped itself through exo (behind pm's back) is continued by SIGCONT. */
USERTEST(revfix_sigcont_after_self_stop)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        write(p[1], "s", 1);
        exo_env_stop(EXO_CAP_SELF, 1);
        _exit(5);
    }
    char b;
    CHECK_EQ(read(p[0], &b, 1), 1);
    int st = 0, got = 0;
    for (int i = 0; i < 30 && !got; i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        kill(c, SIGCONT);
        got = waitpid(c, &st, WNOHANG) == c;
    }
    if (!got) {
        kill(c, SIGKILL);
        waitpid(c, &st, 0);
    }
    CHECK_EQ(got, 1);
    CHECK_EQ(WIFEXITED(st) && WEXITSTATUS(st) == 5, 1);
    close(p[0]);
    close(p[1]);
    return 0;
}
