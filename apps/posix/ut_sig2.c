/*
 * ut_sig2.c: the second round of signals (libos/signal, libos/proc's pm_sigq.c), with exact
 * values: who sent a signal (si_pid, si_uid, si_code SI_USER / SI_QUEUE / SI_TKILL), real-time
 * signals queued one per send in order while standard ones coalesce, sigqueue and its errors,
 * sigwaitinfo / sigtimedwait (timeout with EAGAIN, EINTR for a handled signal), what exec
 * keeps (mask, ignored set, pending signals; handlers back to default).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "usertests.h"

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

static void block(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, NULL);
}

static sigset_t only(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    return s;
}

/* sigtimedwait for sig with a zero timeout: the signal, or -errno. */
static int poll_sig(int sig, siginfo_t *si)
{
    sigset_t s = only(sig);
    struct timespec zero = {0, 0};
    int r = sigtimedwait(&s, si, &zero);
    return r < 0 ? -errno : r;
}

static void on_any(int sig)
{
    (void)sig;
}

USERTEST(sig2_rt_signals_queue_in_order)
{
    int rt = SIGRTMIN;
    block(rt);
    block(rt + 1);
    for (int i = 1; i <= 3; i++)
        CHECK_EQ(sigqueue(getpid(), rt, (union sigval){.sival_int = i}), 0);
    CHECK_EQ(sigqueue(getpid(), rt + 1, (union sigval){.sival_int = 9}), 0);
    sigset_t p;
    CHECK_EQ(sigpending(&p), 0);
    CHECK_EQ(sigismember(&p, rt), 1);
    CHECK_EQ(sigismember(&p, rt + 1), 1);
    CHECK_EQ(sigismember(&p, SIGUSR1), 0);
    sigset_t both = only(rt);
    sigaddset(&both, rt + 1);
    for (int i = 1; i <= 3; i++) { /* the lower signal first, each instance in send order */
        siginfo_t si;
        memset(&si, 0xff, sizeof si);
        CHECK_EQ(sigwaitinfo(&both, &si), rt);
        CHECK_EQ(si.si_signo, rt);
        CHECK_EQ(si.si_code, SI_QUEUE);
        CHECK_EQ(si.si_pid, getpid());
        CHECK_EQ(si.si_uid, getuid());
        CHECK_EQ(si.si_value.sival_int, i);
    }
    siginfo_t si;
    CHECK_EQ(sigwaitinfo(&both, &si), rt + 1);
    CHECK_EQ(si.si_value.sival_int, 9);
    CHECK_EQ(sigpending(&p), 0);
    CHECK_EQ(sigismember(&p, rt), 0);
    CHECK_EQ(sigismember(&p, rt + 1), 0);
    CHECK_EQ(poll_sig(rt, &si), -EAGAIN);
    return 0;
}

USERTEST(sig2_standard_signals_coalesce)
{
    block(SIGUSR1);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 5}), 0);
    siginfo_t si;
    /* raise is tkill to this thread: pending for it (coalesced), apart from the process's
     * pending one sigqueue made, as on Linux; the thread's is taken first. */
    CHECK_EQ(poll_sig(SIGUSR1, &si), SIGUSR1);
    CHECK_EQ(si.si_code, SI_TKILL); /* the first one's siginfo */
    CHECK_EQ(si.si_pid, getpid());
    CHECK_EQ(poll_sig(SIGUSR1, &si), SIGUSR1);
    CHECK_EQ(si.si_code, SI_QUEUE);
    CHECK_EQ(si.si_value.sival_int, 5);
    CHECK_EQ(poll_sig(SIGUSR1, &si), -EAGAIN);
    /* tgkill to ourselves: SI_TKILL too; another tid of no thread of ours: ESRCH. */
    CHECK_EQ(syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1), 0);
    CHECK_EQ(poll_sig(SIGUSR1, &si), SIGUSR1);
    CHECK_EQ(si.si_code, SI_TKILL);
    CHECK_EQ(syscall(SYS_tgkill, getpid(), 77777, SIGUSR1), -1);
    CHECK_EQ(errno, ESRCH);
    return 0;
}

USERTEST(sig2_rt_queue_limit_and_errors)
{
    int rt = SIGRTMIN + 2;
    block(rt);
    int n = 0;
    while (n < 100 && sigqueue(getpid(), rt, (union sigval){.sival_int = n}) == 0)
        n++;
    CHECK_EQ(n, 32); /* SIG_RTQ_MAX */
    CHECK_EQ(errno, EAGAIN);
    siginfo_t si;
    for (int i = 0; i < 32; i++) {
        CHECK_EQ(poll_sig(rt, &si), rt);
        CHECK_EQ(si.si_value.sival_int, i);
    }
    CHECK_EQ(poll_sig(rt, &si), -EAGAIN);
    CHECK_EQ(sigqueue(getpid(), 65, (union sigval){0}), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(sigqueue(30000, SIGUSR1, (union sigval){0}), -1);
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(sigqueue(getpid(), 0, (union sigval){0}), 0);
    /* Only the kernel says si_code >= 0: to another process it is EPERM. */
    siginfo_t fake;
    memset(&fake, 0, sizeof fake);
    fake.si_code = SI_USER;
    CHECK_EQ(syscall(SYS_rt_sigqueueinfo, getppid(), SIGUSR1, &fake), -1);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, NULL), -1);
    CHECK_EQ(errno, EFAULT);
    sigset_t s = only(rt);
    struct timespec bad = {0, 1000000000};
    CHECK_EQ(syscall(SYS_rt_sigtimedwait, &s, NULL, &bad, 8), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_rt_sigtimedwait, &s, NULL, NULL, 4), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_rt_sigtimedwait, NULL, NULL, NULL, 8), -1);
    CHECK_EQ(errno, EFAULT);
    return 0;
}

USERTEST(sig2_kill_and_sigqueue_from_another_process)
{
    int rt = SIGRTMIN + 3;
    /* Blocked and caught: pm leaves them pending for sigwaitinfo (one blocked but not caught
     * would take its default action at pm: docs/concepts/signals.md). */
    CHECK_EQ(signal(SIGUSR1, on_any) == SIG_ERR, 0);
    CHECK_EQ(signal(rt, on_any) == SIG_ERR, 0);
    block(SIGUSR1);
    block(rt);
    fflush(stdout);
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        int bad = kill(parent, SIGUSR1) != 0;
        for (int i = 0; i < 3; i++)
            bad |= sigqueue(parent, rt, (union sigval){.sival_int = 100 + i}) != 0;
        _exit(bad);
    }
    CHECK_EQ(child > 0, 1);
    int st;
    CHECK_EQ(waitpid(child, &st, 0), child);
    CHECK_EQ(st, 0);
    siginfo_t si;
    sigset_t s = only(SIGUSR1);
    CHECK_EQ(sigwaitinfo(&s, &si), SIGUSR1);
    CHECK_EQ(si.si_code, SI_USER);
    CHECK_EQ(si.si_pid, child);
    CHECK_EQ(si.si_uid, getuid());
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(poll_sig(rt, &si), rt);
        CHECK_EQ(si.si_code, SI_QUEUE);
        CHECK_EQ(si.si_pid, child);
        CHECK_EQ(si.si_uid, getuid());
        CHECK_EQ(si.si_value.sival_int, 100 + i);
    }
    CHECK_EQ(poll_sig(rt, &si), -EAGAIN);
    return 0;
}

static volatile int got_usr2;
static void on_usr2(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_usr2 = sig == SIGUSR2 && si->si_code == SI_USER ? si->si_pid : -1;
}

USERTEST(sig2_handler_sees_sender)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr2;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    CHECK_EQ(sigaction(SIGUSR2, &sa, NULL), 0);
    fflush(stdout);
    pid_t parent = getpid(), child = fork();
    if (child == 0)
        _exit(kill(parent, SIGUSR2) != 0);
    int st;
    CHECK_EQ(waitpid(child, &st, 0), child); /* the handler's SA_RESTART: waitpid goes on */
    CHECK_EQ(st, 0);
    for (int i = 0; i < 100 && !got_usr2; i++)
        getppid();
    CHECK_EQ(got_usr2, child);
    return 0;
}

USERTEST(sig2_sigtimedwait_timeout_and_wakeup)
{
    CHECK_EQ(signal(SIGUSR2, on_any) == SIG_ERR, 0); /* caught: pm leaves it pending */
    block(SIGUSR2);
    sigset_t s = only(SIGUSR2);
    struct timespec t = {0, 50 * 1000000};
    long long t0 = now_ns();
    CHECK_EQ(sigtimedwait(&s, NULL, &t), -1);
    CHECK_EQ(errno, EAGAIN);
    long long dt = now_ns() - t0;
    CHECK_EQ(dt >= 50 * 1000000ll, 1);
    CHECK_EQ(dt < 5000 * 1000000ll, 1); /* a bound, not a time: the machine may be loaded */
    /* A signal another process sends later ends the wait. */
    fflush(stdout);
    pid_t parent = getpid(), child = fork();
    if (child == 0) {
        struct timespec d = {0, 20 * 1000000};
        nanosleep(&d, NULL);
        _exit(kill(parent, SIGUSR2) != 0);
    }
    struct timespec long_t = {20, 0};
    siginfo_t si;
    CHECK_EQ(sigtimedwait(&s, &si, &long_t), SIGUSR2);
    CHECK_EQ(si.si_pid, child);
    int st;
    CHECK_EQ(waitpid(child, &st, 0), child);
    CHECK_EQ(st, 0);
    return 0;
}

static volatile int alarms;
static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

USERTEST(sig2_sigtimedwait_eintr)
{
    block(SIGUSR2);
    CHECK_EQ(signal(SIGALRM, on_alarm) == SIG_ERR, 0);
    struct itimerval it = {{0, 0}, {0, 30000}};
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    sigset_t s = only(SIGUSR2);
    struct timespec t = {10, 0};
    long long t0 = now_ns();
    /* The raw call: musl's sigtimedwait makes it again after EINTR. */
    CHECK_EQ(syscall(SYS_rt_sigtimedwait, &s, NULL, &t, 8), -1);
    CHECK_EQ(errno, EINTR);
    CHECK_EQ(alarms, 1);
    CHECK_EQ(now_ns() - t0 < 5000 * 1000000ll, 1);
    return 0;
}

/* exec's far side (usertests --sig2-exec): SIGUSR1 blocked and pending, SIGUSR2 ignored,
 * SIGTERM (handled before exec) default, SIGINT's mask bit off. */
int ut_sig2_exec(void);
int ut_sig2_exec(void)
{
    sigset_t m, p;
    struct sigaction a;
    if (sigprocmask(SIG_BLOCK, NULL, &m) || sigpending(&p))
        return 2;
    if (!sigismember(&m, SIGUSR1) || sigismember(&m, SIGINT) || !sigismember(&p, SIGUSR1))
        return 3;
    if (sigaction(SIGUSR2, NULL, &a) || a.sa_handler != SIG_IGN)
        return 4;
    if (sigaction(SIGTERM, NULL, &a) || a.sa_handler != SIG_DFL)
        return 5;
    siginfo_t si;
    sigset_t s = only(SIGUSR1);
    struct timespec zero = {0, 0};
    if (sigtimedwait(&s, &si, &zero) != SIGUSR1)
        return 6;
    /* An ignored signal sent now is dropped. */
    if (raise(SIGUSR2) || sigpending(&p) || sigismember(&p, SIGUSR2))
        return 7;
    return 0;
}

static void on_term(int sig)
{
    (void)sig;
}

USERTEST(sig2_exec_keeps_mask_ignored_pending)
{
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        block(SIGUSR1);
        signal(SIGUSR2, SIG_IGN);
        signal(SIGTERM, on_term);
        raise(SIGUSR1);
        char *argv[] = {"usertests", "--sig2-exec", NULL};
        execve("/usertests", argv, NULL);
        _exit(99);
    }
    int st;
    CHECK_EQ(waitpid(child, &st, 0), child);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 0);
    return 0;
}

static volatile int vt_hits, prof_hits;
static void on_vt(int sig)
{
    if (sig == SIGVTALRM)
        vt_hits++;
    else if (sig == SIGPROF)
        prof_hits++;
}

static long long cpu_ns(clockid_t c)
{
    struct timespec t;
    if (clock_gettime(c, &t) != 0)
        return -1;
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

/* ITIMER_VIRTUAL and ITIMER_PROF count CPU time: a loop that computes gets them; CPU clocks
 * move while computing and not while asleep (bounds: the machine may be loaded). */
USERTEST(sig2_cpu_time_and_virtual_timers)
{
    long long p0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    CHECK_EQ(p0 > 0, 1);
    CHECK_EQ(t0 > 0, 1);
    struct timespec d = {0, 100 * 1000000};
    CHECK_EQ(nanosleep(&d, NULL), 0);
    long long p1 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK_EQ(p1 - p0 < 100 * 1000000ll, 1); /* asleep: no CPU time (or little) */
    CHECK_EQ(signal(SIGVTALRM, on_vt) == SIG_ERR, 0);
    CHECK_EQ(signal(SIGPROF, on_vt) == SIG_ERR, 0);
    struct itimerval v = {{0, 20000}, {0, 20000}}, got;
    CHECK_EQ(setitimer(ITIMER_VIRTUAL, &v, NULL), 0);
    CHECK_EQ(setitimer(ITIMER_PROF, &v, NULL), 0);
    CHECK_EQ(getitimer(ITIMER_VIRTUAL, &got), 0);
    CHECK_EQ(got.it_interval.tv_sec, 0);
    CHECK_EQ(got.it_interval.tv_usec, 20000);
    CHECK_EQ(got.it_value.tv_sec, 0);
    CHECK_EQ(got.it_value.tv_usec > 0 && got.it_value.tv_usec <= 20000, 1);
    long long w0 = now_ns();
    volatile unsigned long x = 0;
    while ((vt_hits < 3 || prof_hits < 3) && now_ns() - w0 < 60 * 1000000000ll)
        x++; /* computing, no call in the loop but the clock's */
    CHECK_EQ(vt_hits >= 3, 1);
    CHECK_EQ(prof_hits >= 3, 1);
    long long p2 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK_EQ(p2 - p1 >= 3 * 20 * 1000000ll - 20 * 1000000ll, 1); /* three periods, about */
    CHECK_EQ(p2 - p1 <= now_ns() - w0 + 20 * 1000000ll, 1);
    struct itimerval zero = {{0, 0}, {0, 0}};
    CHECK_EQ(setitimer(ITIMER_VIRTUAL, &zero, NULL), 0);
    CHECK_EQ(setitimer(ITIMER_PROF, &zero, NULL), 0);
    CHECK_EQ(setitimer(3, &zero, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    struct tms tm;
    clock_t now = times(&tm);
    CHECK_EQ(now > 0, 1);
    CHECK_EQ(tm.tms_utime >= (p2 / 10000000) - 1, 1); /* clock ticks of 10 ms */
    CHECK_EQ(tm.tms_stime, 0);
    struct rusage ru;
    CHECK_EQ(getrusage(RUSAGE_SELF, &ru), 0);
    CHECK_EQ(ru.ru_utime.tv_sec * 1000000ll + ru.ru_utime.tv_usec >= p2 / 1000, 1);
    CHECK_EQ(getrusage(RUSAGE_CHILDREN, &ru), 0);
    CHECK_EQ(getrusage(5, &ru), -1);
    CHECK_EQ(errno, EINVAL);
    return 0;
}

/* POSIX timers: SIGEV_SIGNAL with its value and SI_TIMER, an interval, overruns while the
 * signal waits blocked, SIGEV_NONE read by timer_gettime, errors. */
USERTEST(sig2_posix_timers)
{
    int rt = SIGRTMIN + 4;
    block(rt);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = rt;
    ev.sigev_value.sival_int = 4242;
    timer_t t;
    CHECK_EQ(timer_create(CLOCK_MONOTONIC, &ev, &t), 0);
    struct itimerspec its = {{0, 10 * 1000000}, {0, 10 * 1000000}}, cur;
    CHECK_EQ(timer_settime(t, 0, &its, NULL), 0);
    CHECK_EQ(timer_gettime(t, &cur), 0);
    CHECK_EQ(cur.it_interval.tv_nsec, 10 * 1000000);
    sigset_t s = only(rt);
    siginfo_t si;
    CHECK_EQ(sigwaitinfo(&s, &si), rt);
    CHECK_EQ(si.si_code, SI_TIMER);
    CHECK_EQ(si.si_value.sival_int, 4242);
    /* Blocked and pending for 100 ms: later expiries are overruns of one signal. */
    long long w0 = now_ns();
    while (now_ns() - w0 < 100 * 1000000ll)
        ;
    CHECK_EQ(sigwaitinfo(&s, &si), rt);
    CHECK_EQ(si.si_overrun >= 1, 1);
    CHECK_EQ(timer_getoverrun(t), si.si_overrun);
    CHECK_EQ(timer_delete(t), 0);
    CHECK_EQ(timer_gettime(t, &cur), -1);
    CHECK_EQ(errno, EINVAL);
    /* SIGEV_NONE: no signal, the time left still runs down. */
    ev.sigev_notify = SIGEV_NONE;
    CHECK_EQ(timer_create(CLOCK_REALTIME, &ev, &t), 0);
    struct itimerspec one = {{0, 0}, {5, 0}};
    CHECK_EQ(timer_settime(t, 0, &one, NULL), 0);
    CHECK_EQ(timer_gettime(t, &cur), 0);
    CHECK_EQ(cur.it_value.tv_sec <= 4 || (cur.it_value.tv_sec == 5 && cur.it_value.tv_nsec == 0),
             1);
    CHECK_EQ(cur.it_value.tv_sec >= 0, 1);
    CHECK_EQ(timer_delete(t), 0);
    CHECK_EQ(timer_create(99, NULL, &t), -1);
    CHECK_EQ(errno, EINVAL);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = 65;
    CHECK_EQ(timer_create(CLOCK_MONOTONIC, &ev, &t), -1);
    CHECK_EQ(errno, EINVAL);
    return 0;
}

/* ---- threads: a mask each, signals to one thread ---- */

static volatile long handled_by;
static volatile int t_go, t_done, t_inherited;
static volatile long t_tid;

static void on_usr(int sig)
{
    (void)sig;
    handled_by = syscall(SYS_gettid);
}

static long tid(void)
{
    return syscall(SYS_gettid);
}

/* Inherits the creator's mask (SIGUSR1 blocked), unblocks SIGUSR1 for itself, then waits,
 * making calls (safe points), until the test says it is done. */
static void *unblocker(void *arg)
{
    (void)arg;
    sigset_t m;
    pthread_sigmask(SIG_BLOCK, NULL, &m);
    t_inherited = sigismember(&m, SIGUSR1);
    sigset_t u = only(SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &u, NULL);
    t_tid = tid();
    t_go = 1;
    while (!t_done)
        sched_yield();
    return NULL;
}

USERTEST(sig2_thread_masks_and_process_signal)
{
    handled_by = 0;
    CHECK_EQ(signal(SIGUSR1, on_usr) == SIG_ERR, 0);
    sigset_t b = only(SIGUSR1);
    CHECK_EQ(pthread_sigmask(SIG_BLOCK, &b, NULL), 0);
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, unblocker, NULL), 0);
    while (!t_go)
        sched_yield();
    CHECK_EQ(t_inherited, 1);
    /* A process-directed signal goes to the thread that does not block it. */
    CHECK_EQ(kill(getpid(), SIGUSR1), 0);
    for (long i = 0; i < 2000000 && !handled_by; i++)
        sched_yield();
    CHECK_EQ(handled_by, t_tid);
    sigset_t m;
    CHECK_EQ(pthread_sigmask(SIG_BLOCK, NULL, &m), 0);
    CHECK_EQ(sigismember(&m, SIGUSR1), 1); /* the thread's unblock was its own */
    t_done = 1;
    CHECK_EQ(pthread_join(th, NULL), 0);
    return 0;
}

static volatile int w_blocked, w_got, w_code;
static void *waiter(void *arg)
{
    (void)arg;
    sigset_t b = only(SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &b, NULL);
    t_tid = tid();
    w_blocked = 1;
    siginfo_t si;
    w_got = sigwaitinfo(&b, &si);
    w_code = si.si_code;
    while (!t_done)
        sched_yield();
    return NULL;
}

USERTEST(sig2_pthread_kill_one_thread)
{
    handled_by = 0;
    CHECK_EQ(signal(SIGUSR2, on_usr) == SIG_ERR, 0);
    /* To ourselves: the handler runs in this thread before pthread_kill returns. */
    CHECK_EQ(pthread_kill(pthread_self(), SIGUSR2), 0);
    CHECK_EQ(handled_by, tid());
    /* To a thread that blocks it and waits for it: it is that thread's alone, not ours
     * (we do not block it, and no handler runs here). */
    handled_by = 0;
    t_done = 0;
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, waiter, NULL), 0);
    while (!w_blocked)
        sched_yield();
    CHECK_EQ(pthread_kill(th, SIGUSR2), 0);
    for (long i = 0; i < 2000000 && !w_got; i++)
        sched_yield();
    CHECK_EQ(w_got, SIGUSR2);
    CHECK_EQ(w_code, SI_TKILL);
    CHECK_EQ(handled_by, 0);
    t_done = 1;
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(syscall(SYS_tgkill, getpid(), t_tid, SIGUSR2), -1); /* it has ended */
    CHECK_EQ(errno, ESRCH);
    return 0;
}

static volatile int tid_ready, tid_got, tid_code;
static void *timer_waiter(void *arg)
{
    (void)arg;
    sigset_t b = only(SIGRTMIN + 5);
    pthread_sigmask(SIG_BLOCK, &b, NULL);
    t_tid = tid();
    tid_ready = 1;
    siginfo_t si;
    struct timespec t = {10, 0};
    tid_got = sigtimedwait(&b, &si, &t);
    tid_code = si.si_code;
    return NULL;
}

/* SIGEV_THREAD_ID: the timer's signal goes to that thread alone, with SI_TIMER. */
USERTEST(sig2_timer_to_one_thread)
{
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, timer_waiter, NULL), 0);
    while (!tid_ready)
        sched_yield();
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGRTMIN + 5;
    ev.sigev_notify_thread_id = (pid_t)t_tid;
    timer_t t;
    CHECK_EQ(timer_create(CLOCK_MONOTONIC, &ev, &t), 0);
    struct itimerspec its = {{0, 0}, {0, 20 * 1000000}};
    CHECK_EQ(timer_settime(t, 0, &its, NULL), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(tid_got, SIGRTMIN + 5);
    CHECK_EQ(tid_code, SI_TIMER);
    CHECK_EQ(timer_delete(t), 0);
    ev.sigev_notify_thread_id = 77777;
    CHECK_EQ(timer_create(CLOCK_MONOTONIC, &ev, &t), -1);
    CHECK_EQ(errno, EINVAL);
    return 0;
}

/* Handlers running and returning (rt_sigreturn) in two threads at once, each thread busy in
 * libOS calls (whose returns deliver): each thread enters its signal work on its own upcall
 * state page and stack. 300 signals to each, one at a time, every one handled by its target
 * with its registers intact (a per-thread sum kept in a register-heavy loop). */
static volatile int both_counts[2];
static volatile int both_stop;
static __thread int both_me;

static void on_both(int sig)
{
    (void)sig;
    both_counts[both_me]++;
}

static void *both_worker(void *arg)
{
    both_me = 1;
    long sum = 0, want = 0;
    for (long i = 0; !both_stop; i++) {
        sum += (long)getppid() * 0 + i; /* a libOS call: its return delivers */
        want += i;
    }
    *(long *)arg = sum == want;
    return NULL;
}

USERTEST(sig2_handlers_in_two_threads_at_once)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_both;
    CHECK_EQ(sigaction(SIGUSR2, &sa, NULL), 0);
    both_me = 0;
    both_counts[0] = both_counts[1] = 0;
    both_stop = 0;
    long ok = 0;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, both_worker, &ok), 0);
    pthread_t self = pthread_self();
    for (int i = 0; i < 300; i++) {
        CHECK_EQ(pthread_kill(t, SIGUSR2), 0);
        CHECK_EQ(pthread_kill(self, SIGUSR2), 0); /* delivered at this call's return */
        for (long spin = 0; both_counts[1] <= i && spin < 50000000; spin++)
            getppid();
        CHECK_EQ(both_counts[1], i + 1);
        CHECK_EQ(both_counts[0], i + 1);
    }
    both_stop = 1;
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(ok, 1);
    signal(SIGUSR2, SIG_DFL);
    return 0;
}
