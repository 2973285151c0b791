/*
 * ut_mask.c: a signal another process sends to one that blocks it, with no handler, waits
 * (POSIX): pm leaves it pending (libos/signal/action.c tells pm the blocked set), sigpending
 * shows it, sigwaitinfo takes it with its sender's siginfo, and its default action (terminate,
 * stop) happens only when it is unblocked, with the exact wait status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usertests.h"

static void set_mask(int how, int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

/* A child (its own group: a stop is not discarded as an orphaned group's) that blocks sig,
 * says so on up, waits for a byte on go, then runs fn with the pipe back. */
static pid_t kid(int sig, int up[2], int go[2], void (*fn)(int sig, int out))
{
    if (pipe(up) < 0 || pipe(go) < 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        set_mask(SIG_BLOCK, sig);
        char c = 'r';
        if (write(up[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(3);
        fn(sig, up[1]);
        _exit(0);
    }
    if (pid > 0)
        setpgid(pid, pid);
    return pid;
}

/* Reports whether sig is pending (1 byte), then unblocks it: the default action happens. */
static void pending_then_unblock(int sig, int out)
{
    sigset_t p;
    sigemptyset(&p);
    char c = sigpending(&p) == 0 && sigismember(&p, sig) ? 1 : 0;
    if (write(out, &c, 1) != 1)
        _exit(4);
    set_mask(SIG_UNBLOCK, sig);
    c = 2; /* said after a stop's continue; never after a terminate */
    if (write(out, &c, 1) != 1)
        _exit(4);
    _exit(7);
}

static void closeall(int up[2], int go[2])
{
    close(up[0]);
    close(up[1]);
    close(go[0]);
    close(go[1]);
}

USERTEST(mask_blocked_sigterm_waits_until_unblocked)
{
    int up[2], go[2], st = -1;
    char c = 0;
    pid_t k = kid(SIGTERM, up, go, pending_then_unblock);
    CHECK_EQ(k > 0, 1);
    CHECK_EQ(read(up[0], &c, 1), 1);
    CHECK_EQ(kill(k, SIGTERM), 0);
    CHECK_EQ(waitpid(k, &st, WNOHANG), 0); /* it lives */
    CHECK_EQ(write(go[1], "g", 1), 1);
    CHECK_EQ(read(up[0], &c, 1), 1);
    CHECK_EQ(c, 1); /* sigpending showed it */
    CHECK_EQ(waitpid(k, &st, 0), k);
    CHECK_EQ(WIFSIGNALED(st), 1);
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    CHECK_EQ(WCOREDUMP(st), 0);
    closeall(up, go);
    return 0;
}

/* sigwaitinfo for sig, with no handler installed: its siginfo back (signo, code, pid). */
static void waiter(int sig, int out)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = sigwaitinfo(&s, &si);
    int v[4] = {r, si.si_signo, si.si_code, (int)si.si_pid};
    if (write(out, v, sizeof v) != (ssize_t)sizeof v)
        _exit(4);
    _exit(0);
}

USERTEST(mask_sigwaitinfo_takes_a_blocked_signal_from_another_process)
{
    int up[2], go[2], st = -1, v[4] = {0};
    char c = 0;
    pid_t k = kid(SIGUSR1, up, go, waiter);
    CHECK_EQ(k > 0, 1);
    CHECK_EQ(read(up[0], &c, 1), 1);
    CHECK_EQ(kill(k, SIGUSR1), 0); /* before or while it waits: it stays pending either way */
    CHECK_EQ(write(go[1], "g", 1), 1);
    CHECK_EQ(read(up[0], v, sizeof v), (long)sizeof v);
    CHECK_EQ(v[0], SIGUSR1);
    CHECK_EQ(v[1], SIGUSR1);
    CHECK_EQ(v[2], SI_USER);
    CHECK_EQ(v[3], getpid());
    CHECK_EQ(waitpid(k, &st, 0), k);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 0);
    closeall(up, go);
    return 0;
}

USERTEST(mask_blocked_sigtstp_stops_only_when_unblocked)
{
    int up[2], go[2], st = -1;
    char c = 0;
    pid_t k = kid(SIGTSTP, up, go, pending_then_unblock);
    CHECK_EQ(k > 0, 1);
    CHECK_EQ(read(up[0], &c, 1), 1);
    CHECK_EQ(kill(k, SIGTSTP), 0);
    CHECK_EQ(waitpid(k, &st, WUNTRACED | WNOHANG), 0); /* not stopped */
    CHECK_EQ(write(go[1], "g", 1), 1);
    CHECK_EQ(read(up[0], &c, 1), 1);
    CHECK_EQ(c, 1); /* pending */
    CHECK_EQ(waitpid(k, &st, WUNTRACED), k);
    CHECK_EQ(WIFSTOPPED(st), 1);
    CHECK_EQ(WSTOPSIG(st), SIGTSTP);
    CHECK_EQ(kill(k, SIGCONT), 0);
    CHECK_EQ(read(up[0], &c, 1), 1);
    CHECK_EQ(c, 2); /* it went on after the continue */
    CHECK_EQ(waitpid(k, &st, 0), k);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 7);
    closeall(up, go);
    return 0;
}
