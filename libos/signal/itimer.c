/*
 * itimer.c: the real-time interval timer (setitimer/getitimer ITIMER_REAL, alarm). Its
 * deadline is a TSC reading checked at every safe point (a call's return, a sleep's wake-up,
 * which it bounds, a slice-end upcall while the program computes): SIGALRM comes within one
 * time slice of the expiry even in a loop that makes no call. An interval re-arms it from the
 * old deadline (expiries missed meanwhile are one signal, as on Linux). ITIMER_VIRTUAL and
 * ITIMER_PROF are not kept (EINVAL): exo counts no per-env CPU time yet.
 */
#include "sigstate.h"

#include <los/uaccess.h>

#include <posix/calls.h>
#include <proc/client.h>

#define LNX_ITIMER_REAL 0
#define US 1000000ull

struct lnx_itimerval {
    struct lnx_timeval it_interval, it_value;
};

static uint64_t deadline, interval; /* TSC; deadline 0: disarmed */

void sig_timer_disarm(void)
{
    deadline = interval = 0;
}

uint64_t sig_timer_deadline(void)
{
    return deadline;
}

int sig_timer_armed(void)
{
    return deadline != 0;
}

/* An armed timer keeps the "look at signals" word raised: each call's return polls it. */
static void armed(void)
{
    if (deadline)
        proc_attention_set();
}

/* Called from a call's return and from the slice-end upcall, which may interrupt the former
 * between its read and its write: the expiry is claimed by one compare-and-swap, so only one
 * of them posts SIGALRM (two posts made a one-shot timer's handler run twice). */
void sig_timer_poll(void)
{
    uint64_t d = __atomic_load_n(&deadline, __ATOMIC_SEQ_CST);
    if (!d)
        return;
    uint64_t now = sig_rdtsc();
    if (now < d)
        return;
    uint64_t next = interval ? d + ((now - d) / interval + 1) * interval : 0;
    if (!__atomic_compare_exchange_n(&deadline, &d, next, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return; /* the other path took this expiry */
    los_sig_post(LNX_SIGALRM, LNX_SI_KERNEL, 0);
}

static struct lnx_timeval tv_of(uint64_t ticks)
{
    uint64_t us = (sig_tsc_to_ns(ticks) + 999) / 1000; /* time left: rounded up */
    return (struct lnx_timeval){(int64_t)(us / US), (int64_t)(us % US)};
}

static void now_value(struct lnx_itimerval *v)
{
    uint64_t now = sig_rdtsc(), d = deadline;
    v->it_value = d ? tv_of(d > now ? d - now : 1) : (struct lnx_timeval){0, 0};
    v->it_interval = tv_of(interval);
}

static int valid(const struct lnx_timeval *t)
{
    return t->tv_sec >= 0 && t->tv_usec >= 0 && t->tv_usec < (int64_t)US;
}

static uint64_t ticks_of(const struct lnx_timeval *t)
{
    return sig_ns_to_tsc((uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_usec * 1000);
}

long posix_getitimer(const long a[6])
{
    if (a[0] != LNX_ITIMER_REAL)
        return -LNX_EINVAL;
    struct lnx_itimerval v;
    now_value(&v);
    return los_copy_to_user((void *)a[1], &v, sizeof v) < 0 ? -LNX_EFAULT : 0;
}

long posix_setitimer(const long a[6])
{
    struct lnx_itimerval v = {0}, old;
    if (a[0] != LNX_ITIMER_REAL)
        return -LNX_EINVAL;
    if (a[1] && los_copy_from_user(&v, (const void *)a[1], sizeof v) < 0)
        return -LNX_EFAULT; /* NULL: a zero timer (disarm), as Linux takes it */
    if (!valid(&v.it_value) || !valid(&v.it_interval))
        return -LNX_EINVAL;
    now_value(&old);
    uint64_t t = ticks_of(&v.it_value);
    interval = ticks_of(&v.it_interval);
    deadline = t ? sig_rdtsc() + t : 0;
    armed();
    if (a[2] && los_copy_to_user((void *)a[2], &old, sizeof old) < 0)
        return -LNX_EFAULT;
    return 0;
}

long posix_alarm(const long a[6])
{
    struct lnx_itimerval old;
    now_value(&old);
    uint64_t secs = (uint64_t)(unsigned int)a[0];
    interval = 0;
    deadline = secs ? sig_rdtsc() + sig_ns_to_tsc(secs * 1000000000ull) : 0;
    armed();
    /* Seconds left, rounded to nearest; a timer still armed never says 0. */
    long left = (long)old.it_value.tv_sec + (old.it_value.tv_usec >= 500000);
    return !left && (old.it_value.tv_usec || old.it_value.tv_sec) ? 1 : left;
}
