/*
 * itimer.c: the process's timers: the interval timers (setitimer/getitimer: ITIMER_REAL,
 * ITIMER_VIRTUAL, ITIMER_PROF; alarm) and POSIX timers (timer_create, timer_settime,
 * timer_gettime, timer_getoverrun, timer_delete; SIGEV_SIGNAL and SIGEV_NONE). A timer is a
 * deadline on its clock: the TSC for the real-time clocks, exo's count of the process's (or
 * thread's) ring-3 time for the CPU-time clocks (env_cputime, call 43: ITIMER_VIRTUAL and
 * ITIMER_PROF both count it, exo's own time being no process's). Deadlines are checked at
 * every safe point (a call's return, a sleep's wake-up, which a real-time deadline bounds, a
 * slice-end upcall while the program computes): a signal comes within one time slice of the
 * expiry even in a loop that makes no call. An interval re-arms from the old deadline;
 * expiries missed meanwhile are one signal, counted as the POSIX timer's overrun.
 */
#include "sigstate.h"

#include <los/uaccess.h>

#include <posix/calls.h>
#include <proc/client.h>
#include <thread/thread.h>

#define NS 1000000000ull
#define US 1000000ull
#define NITIMERS 3 /* ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
#define NPOSIX 8   /* POSIX timers at once (timer_create: EAGAIN past it) */
#define LNX_SIGEV_SIGNAL 0
#define LNX_SIGEV_NONE 1
#define LNX_SIGEV_THREAD_ID 4
#define LNX_TIMER_ABSTIME 1

enum { CLK_REAL, CLK_PROCESS, CLK_THREAD };

struct tmr {
    uint64_t deadline, interval; /* in the clock's ticks; deadline 0: disarmed */
    int clock;                   /* CLK_* */
    int signo;                   /* 0: SIGEV_NONE */
    int code;                    /* SI_KERNEL (itimers), SI_TIMER */
    int used;                    /* a POSIX timer's slot is taken */
    long tid;                    /* SIGEV_THREAD_ID: the thread it signals (0: the process) */
    int64_t value;               /* sigev_value */
    int32_t overrun, overrun_last;
};

static struct tmr tmrs[NITIMERS + NPOSIX] = {
    {.clock = CLK_REAL, .signo = LNX_SIGALRM, .code = LNX_SI_KERNEL},
    {.clock = CLK_PROCESS, .signo = LNX_SIGVTALRM, .code = LNX_SI_KERNEL},
    {.clock = CLK_PROCESS, .signo = LNX_SIGPROF, .code = LNX_SI_KERNEL},
};

struct lnx_itimerval {
    struct lnx_timeval it_interval, it_value;
};
struct lnx_itimerspec {
    struct lnx_timespec it_interval, it_value;
};
struct lnx_sigevent {
    int64_t value;
    int32_t signo, notify;
    int32_t tid, pad[11];
};

static uint64_t clock_now(int clk)
{
    return clk == CLK_REAL      ? sig_rdtsc()
           : clk == CLK_PROCESS ? los_process_cputime()
                                : los_thread_cputime();
}

void sig_timer_disarm(void)
{
    for (int i = 0; i < NITIMERS + NPOSIX; i++) {
        tmrs[i].deadline = tmrs[i].interval = 0;
        if (i >= NITIMERS)
            tmrs[i].used = 0; /* a child has no POSIX timers (fork) */
    }
}

uint64_t sig_timer_deadline(void)
{
    uint64_t d = 0;
    for (int i = 0; i < NITIMERS + NPOSIX; i++)
        if (tmrs[i].deadline && tmrs[i].clock == CLK_REAL && (!d || tmrs[i].deadline < d))
            d = tmrs[i].deadline;
    return d;
}

int sig_timer_armed(void)
{
    for (int i = 0; i < NITIMERS + NPOSIX; i++)
        if (tmrs[i].deadline)
            return 1;
    return 0;
}

/* An armed timer keeps the "look at signals" word raised: each call's return polls it. */
static void armed(void)
{
    if (sig_timer_armed())
        proc_attention_set();
}

static void expire(struct tmr *t, int id, uint64_t now)
{
    uint64_t d = __atomic_load_n(&t->deadline, __ATOMIC_SEQ_CST);
    if (!d || now < d)
        return;
    uint64_t n = t->interval ? (now - d) / t->interval + 1 : 1;
    /* Called from a call's return and from the slice-end upcall, which may interrupt the
     * former between its read and its write: the expiry is claimed by one compare-and-swap,
     * so only one of them posts (two posts made a one-shot timer's handler run twice). */
    if (!__atomic_compare_exchange_n(&t->deadline, &d, t->interval ? d + n * t->interval : 0, 0,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return;
    if (!t->signo)
        return;   /* SIGEV_NONE: timer_gettime alone tells */
    if (t->tid) { /* to one thread (musl's SIGEV_THREAD helper); gone: nothing */
        struct sig_thread *th = sig_thread_of(t->tid);
        if (th && (__atomic_load_n(&th->pending, __ATOMIC_SEQ_CST) & sig_bit(t->signo)))
            t->overrun += (int32_t)n;
        else if (th)
            sig_post_thread_timer(th, t->signo);
        return;
    }
    if (id >= 0 && (__atomic_load_n(&sig.pending, __ATOMIC_SEQ_CST) & sig_bit(t->signo))) {
        t->overrun += (int32_t)n; /* its signal still waits: these expiries are overruns */
        return;
    }
    t->overrun += (int32_t)(n - 1);
    /* SI_TIMER's siginfo: si_timerid where kill's pid is; si_overrun (where its uid is) is
     * filled when the signal is taken (sig_timer_taken). */
    los_sig_post_from(t->signo, t->code, id < 0 ? 0 : id, 0, t->value);
}

int32_t sig_timer_taken(int id)
{
    if (id < 0 || id >= NPOSIX)
        return 0;
    struct tmr *t = &tmrs[NITIMERS + id];
    t->overrun_last = t->overrun;
    t->overrun = 0;
    return t->overrun_last;
}

void sig_timer_poll(void)
{
    uint64_t now[3] = {0, 0, 0};
    int have[3] = {0, 0, 0};
    for (int i = 0; i < NITIMERS + NPOSIX; i++) {
        struct tmr *t = &tmrs[i];
        if (!t->deadline)
            continue;
        if (!have[t->clock]) {
            now[t->clock] = clock_now(t->clock);
            have[t->clock] = 1;
        }
        if (now[t->clock] >= t->deadline)
            expire(t, i < NITIMERS ? -1 : i - NITIMERS, now[t->clock]);
    }
}

/* What is left of t (ticks; 1 if due and not yet polled) and its interval, in ns. */
static void left_ns(const struct tmr *t, uint64_t *value, uint64_t *interval)
{
    uint64_t now = t->deadline ? clock_now(t->clock) : 0;
    *value = t->deadline ? sig_tsc_to_ns(t->deadline > now ? t->deadline - now : 1) : 0;
    *interval = sig_tsc_to_ns(t->interval);
}

static void arm(struct tmr *t, uint64_t value_ns, uint64_t interval_ns, int abs)
{
    uint64_t now = clock_now(t->clock);
    t->interval = sig_ns_to_tsc(interval_ns);
    if (!value_ns) {
        t->deadline = 0;
    } else if (abs) { /* a time on the timer's clock: the real clocks count from the TSC's 0 */
        uint64_t at = sig_ns_to_tsc(value_ns);
        t->deadline = at > now ? at : now ? now : 1;
    } else {
        t->deadline = now + sig_ns_to_tsc(value_ns);
    }
    t->overrun = t->overrun_last = 0;
    armed();
}

/* ---- setitimer, getitimer, alarm ---- */

static struct lnx_timeval tv_of(uint64_t ns, int round_up)
{
    uint64_t us = (ns + (round_up ? 999 : 0)) / 1000;
    return (struct lnx_timeval){(int64_t)(us / US), (int64_t)(us % US)};
}

static void itimer_value(const struct tmr *t, struct lnx_itimerval *v)
{
    uint64_t value, interval;
    left_ns(t, &value, &interval);
    v->it_value = tv_of(value, 1); /* time left: rounded up */
    v->it_interval = tv_of(interval, 1);
}

static int tv_valid(const struct lnx_timeval *t)
{
    return t->tv_sec >= 0 && t->tv_usec >= 0 && t->tv_usec < (int64_t)US;
}

static uint64_t tv_ns(const struct lnx_timeval *t)
{
    return (uint64_t)t->tv_sec * NS + (uint64_t)t->tv_usec * 1000;
}

long posix_getitimer(const long a[6])
{
    if (a[0] < 0 || a[0] >= NITIMERS)
        return -LNX_EINVAL;
    struct lnx_itimerval v;
    itimer_value(&tmrs[a[0]], &v);
    return los_copy_to_user((void *)a[1], &v, sizeof v) < 0 ? -LNX_EFAULT : 0;
}

long posix_setitimer(const long a[6])
{
    struct lnx_itimerval v = {0}, old;
    if (a[0] < 0 || a[0] >= NITIMERS)
        return -LNX_EINVAL;
    if (a[1] && los_copy_from_user(&v, (const void *)a[1], sizeof v) < 0)
        return -LNX_EFAULT; /* NULL: a zero timer (disarm), as Linux takes it */
    if (!tv_valid(&v.it_value) || !tv_valid(&v.it_interval))
        return -LNX_EINVAL;
    struct tmr *t = &tmrs[a[0]];
    itimer_value(t, &old);
    arm(t, tv_ns(&v.it_value), tv_ns(&v.it_interval), 0);
    if (a[2] && los_copy_to_user((void *)a[2], &old, sizeof old) < 0)
        return -LNX_EFAULT;
    return 0;
}

long posix_alarm(const long a[6])
{
    struct lnx_itimerval old;
    itimer_value(&tmrs[0], &old);
    arm(&tmrs[0], (uint64_t)(unsigned int)a[0] * NS, 0, 0);
    /* Seconds left, rounded to nearest; a timer still armed never says 0. */
    long left = (long)old.it_value.tv_sec + (old.it_value.tv_usec >= 500000);
    return !left && (old.it_value.tv_usec || old.it_value.tv_sec) ? 1 : left;
}

/* ---- POSIX timers ---- */

static struct tmr *posix_timer(long id)
{
    if (id < 0 || id >= NPOSIX || !tmrs[NITIMERS + id].used)
        return NULL;
    return &tmrs[NITIMERS + id];
}

long posix_timer_create(const long a[6])
{
    long clk = a[0];
    int c = clk == LNX_CLOCK_PROCESS_CPUTIME_ID  ? CLK_PROCESS
            : clk == LNX_CLOCK_THREAD_CPUTIME_ID ? CLK_THREAD
                                                 : CLK_REAL;
    uint64_t ns;
    if (posix_clock_ns(clk, &ns) < 0)
        return -LNX_EINVAL;
    struct lnx_sigevent ev = {.signo = LNX_SIGALRM, .notify = LNX_SIGEV_SIGNAL};
    if (a[1] && los_copy_from_user(&ev, (const void *)a[1], sizeof ev) < 0)
        return -LNX_EFAULT;
    long to = 0;
    if (ev.notify == LNX_SIGEV_THREAD_ID) { /* one of our threads (Linux: EINVAL otherwise) */
        if (ev.tid <= 0 || !sig_thread_of(ev.tid))
            return -LNX_EINVAL;
        ev.notify = LNX_SIGEV_SIGNAL;
        to = ev.tid;
    }
    if (ev.notify != LNX_SIGEV_SIGNAL && ev.notify != LNX_SIGEV_NONE)
        return -LNX_EINVAL;
    if (ev.notify == LNX_SIGEV_SIGNAL && (ev.signo < 1 || ev.signo > LOS_NSIG))
        return -LNX_EINVAL;
    int id = 0;
    while (id < NPOSIX && tmrs[NITIMERS + id].used)
        id++;
    if (id == NPOSIX)
        return -LNX_EAGAIN;
    struct tmr t = {.clock = c,
                    .signo = ev.notify == LNX_SIGEV_NONE ? 0 : ev.signo,
                    .code = LNX_SI_TIMER,
                    .used = 1,
                    .tid = to,
                    .value = a[1] ? ev.value : id};
    int32_t out = id;
    if (los_copy_to_user((void *)a[2], &out, sizeof out) < 0)
        return -LNX_EFAULT;
    tmrs[NITIMERS + id] = t;
    return 0;
}

static int ts_valid(const struct lnx_timespec *t)
{
    return t->tv_sec >= 0 && t->tv_nsec >= 0 && t->tv_nsec < (int64_t)NS;
}

static uint64_t ts_ns(const struct lnx_timespec *t)
{
    return (uint64_t)t->tv_sec > (~0ull >> 2) / NS
               ? ~0ull >> 2
               : (uint64_t)t->tv_sec * NS + (uint64_t)t->tv_nsec;
}

static struct lnx_timespec ts_of(uint64_t ns)
{
    return (struct lnx_timespec){(int64_t)(ns / NS), (int64_t)(ns % NS)};
}

static void timer_value(const struct tmr *t, struct lnx_itimerspec *v)
{
    uint64_t value, interval;
    left_ns(t, &value, &interval);
    v->it_value = ts_of(value);
    v->it_interval = ts_of(interval);
}

long posix_timer_settime(const long a[6])
{
    struct tmr *t = posix_timer(a[0]);
    if (!t)
        return -LNX_EINVAL;
    struct lnx_itimerspec v, old;
    if (los_copy_from_user(&v, (const void *)a[2], sizeof v) < 0)
        return -LNX_EFAULT;
    if (!ts_valid(&v.it_value) || !ts_valid(&v.it_interval))
        return -LNX_EINVAL;
    timer_value(t, &old);
    if (a[3] && los_copy_to_user((void *)a[3], &old, sizeof old) < 0)
        return -LNX_EFAULT;
    arm(t, ts_ns(&v.it_value), ts_ns(&v.it_interval), (a[1] & LNX_TIMER_ABSTIME) != 0);
    return 0;
}

long posix_timer_gettime(const long a[6])
{
    struct tmr *t = posix_timer(a[0]);
    if (!t)
        return -LNX_EINVAL;
    struct lnx_itimerspec v;
    timer_value(t, &v);
    return los_copy_to_user((void *)a[1], &v, sizeof v) < 0 ? -LNX_EFAULT : 0;
}

long posix_timer_getoverrun(const long a[6])
{
    struct tmr *t = posix_timer(a[0]);
    return t ? t->overrun_last : -LNX_EINVAL;
}

long posix_timer_delete(const long a[6])
{
    struct tmr *t = posix_timer(a[0]);
    if (!t)
        return -LNX_EINVAL;
    *t = (struct tmr){0};
    return 0;
}
