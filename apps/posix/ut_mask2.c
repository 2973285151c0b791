/*
 * ut_mask2.c: masks pm cannot be told with a call (usertests.h). A signal another process sends
 * while the target's handler runs with it in sa_mask (or the signal itself, without
 * SA_NODEFER), or while sigsuspend's mask holds it, stays pending until that mask ends, then
 * takes its default action with the exact wait status (libos/signal/action.c's sig_hold word
 * in the mailbox, read by pm); SIGCHLD's siginfo for exits, kills, core dumps, stops and
 * continues (CLD_*, si_status, si_pid, si_uid); a group orphaned by setpgid with a stopped
 * member gets SIGHUP then SIGCONT; FUTEX_WAIT ended by a handled signal (EINTR, or made again
 * with SA_RESTART), whether another thread or another process sent it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "usertests.h"

#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG (no linux/futex.h here) */
#define FUTEX_WAKE_PRIVATE 129

static int up[2], go[2]; /* child to parent, parent to child */

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void say(char c)
{
    if (write(up[1], &c, 1) != 1)
        _exit(3);
}

static char hear(void)
{
    char c = 0;
    return read(up[0], &c, 1) == 1 ? c : 0;
}

/* A handler that says 'h', waits for the parent's go, then says 'e' and returns. */
static void waits_for_go(int s)
{
    (void)s;
    char c;
    say('h');
    if (read(go[0], &c, 1) != 1)
        _exit(4);
    say('e');
}

static void set_action(int sig, void (*fn)(int), int flags, int masked)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (masked)
        sigaddset(&sa.sa_mask, masked);
    sigaction(sig, &sa, NULL);
}

/* A child whose SIGUSR1 handler is waits_for_go (flags, sa_mask holding masked), pausing until
 * it runs; said 'x' and exit 9 if it ever gets past the handler alive. */
static pid_t handler_kid(int flags, int masked)
{
    if (pipe(up) < 0 || pipe(go) < 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(up[0]);
        set_action(SIGUSR1, waits_for_go, flags, masked);
        say('r');
        pause();
        say('x');
        _exit(9);
    }
    close(up[1]);
    return pid;
}

static void closeall(void)
{
    close(up[0]);
    close(go[0]);
    close(go[1]);
}

/* 1 if child k ended killed by sig (not dumped), reaped. */
static int killed_by(pid_t k, int sig)
{
    int st = -1;
    return waitpid(k, &st, 0) == k && WIFSIGNALED(st) && WTERMSIG(st) == sig && !WCOREDUMP(st);
}

USERTEST(mask2_sa_mask_holds_sigterm_until_the_handler_returns)
{
    int st = -1;
    pid_t k = handler_kid(0, SIGTERM);
    CHECK_EQ(k > 0, 1);
    CHECK_EQ(hear(), 'r');
    CHECK_EQ(kill(k, SIGUSR1), 0);
    CHECK_EQ(hear(), 'h'); /* its handler runs, SIGTERM blocked by sa_mask */
    CHECK_EQ(kill(k, SIGTERM), 0);
    nap_ms(30);
    CHECK_EQ(waitpid(k, &st, WNOHANG), 0); /* pending, not acted on by pm */
    CHECK_EQ(write(go[1], "g", 1), 1);
    CHECK_EQ(hear(), 'e');              /* the handler finished */
    CHECK_EQ(killed_by(k, SIGTERM), 1); /* at its return */
    CHECK_EQ(hear(), 0);                /* never past it: no 'x' */
    closeall();
    return 0;
}

USERTEST(mask2_own_signal_waits_while_its_reset_handler_runs)
{
    int st = -1;
    pid_t k = handler_kid(SA_RESETHAND, 0); /* the signal itself blocked while it runs */
    CHECK_EQ(k > 0, 1);
    CHECK_EQ(hear(), 'r');
    CHECK_EQ(kill(k, SIGUSR1), 0);
    CHECK_EQ(hear(), 'h');
    CHECK_EQ(kill(k, SIGUSR1), 0); /* its default now (terminate), but blocked */
    nap_ms(30);
    CHECK_EQ(waitpid(k, &st, WNOHANG), 0);
    CHECK_EQ(write(go[1], "g", 1), 1);
    CHECK_EQ(hear(), 'e');
    CHECK_EQ(killed_by(k, SIGUSR1), 1);
    CHECK_EQ(hear(), 0);
    closeall();
    return 0;
}

USERTEST(mask2_sa_nodefer_lets_its_own_signal_in)
{
    pid_t k = handler_kid(SA_RESETHAND | SA_NODEFER, 0);
    CHECK_EQ(k > 0, 1);
    CHECK_EQ(hear(), 'r');
    CHECK_EQ(kill(k, SIGUSR1), 0);
    CHECK_EQ(hear(), 'h');
    CHECK_EQ(kill(k, SIGUSR1), 0); /* not blocked: kills inside the handler */
    CHECK_EQ(killed_by(k, SIGUSR1), 1);
    CHECK_EQ(hear(), 0); /* no 'e' */
    closeall();
    return 0;
}

USERTEST(mask2_signal_outside_sa_mask_kills_inside_the_handler)
{
    pid_t k = handler_kid(SA_NODEFER, 0);
    CHECK_EQ(k > 0, 1);
    CHECK_EQ(hear(), 'r');
    CHECK_EQ(kill(k, SIGUSR1), 0);
    CHECK_EQ(hear(), 'h');
    CHECK_EQ(kill(k, SIGTERM), 0); /* held by nothing: pm acts at once */
    CHECK_EQ(killed_by(k, SIGTERM), 1);
    CHECK_EQ(hear(), 0);
    closeall();
    return 0;
}

static void says_h(int s)
{
    (void)s;
    say('h');
}

USERTEST(mask2_sigsuspend_mask_holds_sigterm_until_it_returns)
{
    if (pipe(up) < 0 || pipe(go) < 0)
        return 1;
    fflush(stdout);
    pid_t k = fork();
    if (k == 0) {
        close(up[0]);
        set_action(SIGUSR1, says_h, 0, 0);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        sigprocmask(SIG_BLOCK, &s, NULL); /* SIGUSR1 only inside sigsuspend */
        sigemptyset(&s);
        sigaddset(&s, SIGTERM);
        say('r');
        sigsuspend(&s); /* SIGTERM held in here; back to {SIGUSR1} after the handler */
        say('x');
        _exit(9);
    }
    close(up[1]);
    int st = -1;
    CHECK_EQ(k > 0, 1);
    CHECK_EQ(hear(), 'r');
    nap_ms(100); /* it is in sigsuspend by then (its next call after saying 'r') */
    CHECK_EQ(kill(k, SIGTERM), 0);
    nap_ms(30);
    CHECK_EQ(waitpid(k, &st, WNOHANG), 0); /* held by sigsuspend's mask */
    CHECK_EQ(kill(k, SIGUSR1), 0);
    CHECK_EQ(hear(), 'h');              /* the handler ran; its return restores the mask */
    CHECK_EQ(killed_by(k, SIGTERM), 1); /* before sigsuspend returned to it */
    CHECK_EQ(hear(), 0);
    closeall();
    return 0;
}

/* --- SIGCHLD's siginfo ---------------------------------------------------------------------- */

static volatile int chld_n, chld_code, chld_status, chld_pid, chld_uid;

static void on_chld(int s, siginfo_t *si, void *uc)
{
    (void)s;
    (void)uc;
    chld_n++;
    chld_code = si->si_code;
    chld_status = si->si_status;
    chld_pid = si->si_pid;
    chld_uid = (int)si->si_uid;
}

static void chld_reset(void)
{
    chld_n = chld_code = chld_status = chld_pid = chld_uid = -1;
    chld_n = 0;
}

static pid_t pauser(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0); /* its own group: a stop is not an orphaned group's to discard */
        for (;;)
            pause();
    }
    if (pid > 0)
        setpgid(pid, pid);
    return pid;
}

USERTEST(mask2_sigchld_siginfo_for_stop_continue_and_ends)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    CHECK_EQ(sigaction(SIGCHLD, &sa, NULL), 0);
    int st = -1, uid = (int)getuid();

    pid_t c = pauser();
    CHECK_EQ(c > 0, 1);
    chld_reset();
    CHECK_EQ(kill(c, SIGSTOP), 0);
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(WIFSTOPPED(st), 1);
    CHECK_EQ(chld_n, 1);
    CHECK_EQ(chld_code, CLD_STOPPED);
    CHECK_EQ(chld_status, SIGSTOP);
    CHECK_EQ(chld_pid, c);
    CHECK_EQ(chld_uid, uid);

    chld_reset();
    CHECK_EQ(kill(c, SIGCONT), 0);
    CHECK_EQ(waitpid(c, &st, WCONTINUED), c);
    CHECK_EQ(WIFCONTINUED(st), 1);
    CHECK_EQ(chld_n, 1);
    CHECK_EQ(chld_code, CLD_CONTINUED);
    CHECK_EQ(chld_status, SIGCONT);
    CHECK_EQ(chld_pid, c);

    chld_reset();
    CHECK_EQ(kill(c, SIGTERM), 0);
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(WIFSIGNALED(st), 1);
    CHECK_EQ(chld_n, 1);
    CHECK_EQ(chld_code, CLD_KILLED);
    CHECK_EQ(chld_status, SIGTERM);
    CHECK_EQ(chld_pid, c);
    CHECK_EQ(chld_uid, uid);

    c = pauser();
    CHECK_EQ(c > 0, 1);
    chld_reset();
    CHECK_EQ(kill(c, SIGQUIT), 0); /* its default dumps core */
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(WCOREDUMP(st) != 0, 1);
    CHECK_EQ(chld_code, CLD_DUMPED);
    CHECK_EQ(chld_status, SIGQUIT);
    CHECK_EQ(chld_pid, c);

    chld_reset();
    fflush(stdout);
    c = fork();
    if (c == 0)
        _exit(5);
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(WEXITSTATUS(st), 5);
    CHECK_EQ(chld_n, 1);
    CHECK_EQ(chld_code, CLD_EXITED);
    CHECK_EQ(chld_status, 5);
    CHECK_EQ(chld_pid, c);
    CHECK_EQ(chld_uid, uid);
    signal(SIGCHLD, SIG_DFL);
    return 0;
}

/* --- a group orphaned by setpgid ------------------------------------------------------------ */

static void on_hup(int s)
{
    (void)s;
    say('H');
}

static void on_cont(int s)
{
    (void)s;
    say('C');
}

static volatile int q_hups;

static void q_on_hup(int s)
{
    (void)s;
    q_hups++;
}

/* Q, a child of init (its parent ended): forks C into a group of its own, waits for it to
 * stop, then joins C's group. C's only parent outside the group was Q, and Q's parent (init)
 * is in another session: the group is orphaned now, with C stopped. */
static void q_main(void)
{
    signal(SIGHUP, q_on_hup); /* Q is a member too: it gets them as well */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        signal(SIGHUP, on_hup);
        signal(SIGCONT, on_cont);
        raise(SIGSTOP);
        say('D');
        _exit(0);
    }
    setpgid(c, c);
    int st = 0;
    if (c < 0 || waitpid(c, &st, WUNTRACED) != c || !WIFSTOPPED(st))
        _exit(1);
    say('s');
    if (setpgid(0, c) != 0)
        _exit(2);
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        _exit(3);
    say(q_hups == 1 ? 'q' : 'Q');
    _exit(0);
}

USERTEST(mask2_group_orphaned_by_setpgid_gets_sighup_and_sigcont)
{
    if (pipe(up) < 0)
        return 1;
    fflush(stdout);
    pid_t m = fork();
    if (m == 0) {
        close(up[0]);
        pid_t q = fork();
        if (q == 0)
            q_main();
        _exit(q > 0 ? 0 : 1); /* Q goes to init */
    }
    close(up[1]);
    int st = -1;
    CHECK_EQ(waitpid(m, &st, 0), m);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 0);
    char b[8] = {0};
    int n = 0;
    long r;
    while (n < 5 && (r = read(up[0], b + n, 5 - (size_t)n)) > 0)
        n += (int)r;
    CHECK_EQ(n, 5);
    CHECK_EQ(b[0], 's'); /* C stopped, then Q's setpgid */
    /* C's handlers ran (HUP's frame over CONT's or the other way), then it went on */
    CHECK_EQ(memcmp(b + 1, "HCD", 3) == 0 || memcmp(b + 1, "CHD", 3) == 0, 1);
    CHECK_EQ(b[4], 'q'); /* Q saw C end well, and got one SIGHUP itself */
    close(up[0]);
    return 0;
}

/* --- FUTEX_WAIT and signals ---------------------------------------------------------------- */

static volatile uint32_t fx_word;
static volatile int fx_ready, fx_handled;
static volatile long fx_r;
static volatile int fx_errno;

static void fx_on_usr1(int s)
{
    (void)s;
    fx_handled++;
}

static long fx_wait(long seconds)
{
    struct timespec ts = {seconds, 0}; /* a bound, so a lost signal fails instead of hanging */
    return syscall(SYS_futex, &fx_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
}

static void *fx_waiter(void *arg)
{
    (void)arg;
    fx_ready = 1;
    fx_r = fx_wait(10);
    fx_errno = errno;
    return NULL;
}

/* A thread blocked in FUTEX_WAIT, pthread_kill'd: flags 0 gives EINTR, SA_RESTART makes the
 * wait again (a FUTEX_WAKE then finds it queued and it returns 0). */
static int fx_thread_case(int flags)
{
    set_action(SIGUSR1, fx_on_usr1, flags, 0);
    fx_word = 0;
    fx_ready = fx_handled = 0;
    fx_r = 99;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, fx_waiter, NULL), 0);
    while (!fx_ready)
        nap_ms(1);
    nap_ms(50); /* in its wait by now */
    CHECK_EQ(pthread_kill(t, SIGUSR1), 0);
    if (flags & SA_RESTART) {
        nap_ms(50);
        CHECK_EQ(fx_handled, 1);
        CHECK_EQ(syscall(SYS_futex, &fx_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
    }
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(fx_handled, 1);
    if (flags & SA_RESTART) {
        CHECK_EQ(fx_r, 0);
    } else {
        CHECK_EQ(fx_r, -1);
        CHECK_EQ(fx_errno, EINTR);
    }
    signal(SIGUSR1, SIG_DFL);
    return 0;
}

USERTEST(mask2_futex_wait_eintr_for_a_signal_to_its_thread)
{
    return fx_thread_case(0);
}

USERTEST(mask2_futex_wait_restarts_with_sa_restart)
{
    return fx_thread_case(SA_RESTART);
}

USERTEST(mask2_futex_wait_eintr_for_a_signal_from_another_process)
{
    if (pipe(up) < 0 || pipe(go) < 0)
        return 1;
    fflush(stdout);
    pid_t k = fork();
    if (k == 0) {
        close(up[0]);
        set_action(SIGUSR1, fx_on_usr1, 0, 0);
        fx_word = 0;
        say('r');
        long r = fx_wait(10); /* the only thread: pm's signal must end it */
        say(r == -1 && errno == EINTR && fx_handled == 1 ? 'i' : 'n');
        _exit(0);
    }
    close(up[1]);
    int st = -1;
    CHECK_EQ(k > 0, 1);
    CHECK_EQ(hear(), 'r');
    nap_ms(50);
    CHECK_EQ(kill(k, SIGUSR1), 0);
    CHECK_EQ(hear(), 'i');
    CHECK_EQ(waitpid(k, &st, 0), k);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 0);
    closeall();
    return 0;
}

/* --- musl's SIGEV_THREAD timers ------------------------------------------------------------- */

static volatile int ev_fired;

static void ev_notify(union sigval v)
{
    ev_fired += v.sival_int;
}

/* musl's helper thread resets its TLS after each call (__reset_tls), the libOS's word naming
 * the thread too (libos/thread finds its row again): every expiry calls the function. */
USERTEST(mask2_sigev_thread_timer_fires_every_period)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = ev_notify;
    ev.sigev_value.sival_int = 1;
    timer_t id;
    ev_fired = 0;
    CHECK_EQ(timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
    struct itimerspec its = {{0, 10000000}, {0, 10000000}}; /* every 10 ms */
    CHECK_EQ(timer_settime(id, 0, &its, NULL), 0);
    for (int i = 0; i < 300 && ev_fired < 4; i++)
        nap_ms(10);
    CHECK_EQ(timer_delete(id), 0);
    CHECK_EQ(ev_fired >= 4, 1);
    return 0;
}
