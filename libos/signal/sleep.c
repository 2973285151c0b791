/*
 * sleep.c: waiting for time or a signal, without spinning: nanosleep, clock_nanosleep
 * (relative and TIMER_ABSTIME), pause, rt_sigsuspend, and los_sig_wait_until under them
 * (sched_yield is libos/thread's), one exo event_wait_until per wake-up (exo call 36: the deadline
 * is a TSC reading). A sleep is never shorter than asked: it ends at the first exo tick at or after
 * its deadline. Interrupted by a handled signal, a sleep returns EINTR (with the time left
 * for a relative one), never restarts (signal(7): sleeps ignore SA_RESTART).
 */
#include "sigstate.h"

#include <los/los.h>
#include <los/uaccess.h>

#include <posix/calls.h>

#define NS 1000000000ull
#define LNX_TIMER_ABSTIME 1

int64_t los_sig_wake_event = -1;

uint64_t sig_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

uint64_t sig_ns_to_tsc(uint64_t ns) /* rounded up: a deadline is never early */
{
    unsigned __int128 t = (unsigned __int128)ns * posix_tsc_hz + NS - 1;
    t /= NS;
    return t > ~0ull >> 2 ? ~0ull >> 2 : (uint64_t)t;
}

uint64_t sig_tsc_to_ns(uint64_t ticks)
{
    return (uint64_t)((unsigned __int128)ticks * NS / posix_tsc_hz);
}

/* The event a sleep waits on: the process server's, or one of our own made at first use. */
static int64_t wake_event(void)
{
    if (los_sig_wake_event < 0)
        los_sig_wake_event = exo_event_create();
    return los_sig_wake_event;
}

long los_sig_wait_until(uint64_t deadline)
{
    for (;;) {
        long r = los_sig_interrupt();
        if (r)
            return r;
        uint64_t now = sig_rdtsc(), until = deadline, timer = sig_timer_deadline();
        if (deadline && now >= deadline)
            return 0;
        if (timer && (!until || timer < until))
            until = timer; /* the timer's expiry is a signal to wake for */
        int64_t ev = wake_event();
        if (ev < 0)
            return posix_errno(ev);
        int64_t w =
            until ? exo_event_wait_until((uint64_t)ev, until) : exo_event_wait((uint64_t)ev);
        if (w < 0 && w != EXO_E_NOENT)
            return posix_errno(w);
        if (w == EXO_E_NOENT) /* the server's event ended: sleep on our own from now on */
            los_sig_wake_event = -1;
    }
}

/* A request's nanoseconds, or -EINVAL / -EFAULT. */
static int64_t request_ns(const void *p)
{
    struct lnx_timespec ts;
    if (los_copy_from_user(&ts, p, sizeof ts) < 0)
        return -LNX_EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NS)
        return -LNX_EINVAL;
    if ((uint64_t)ts.tv_sec > (~0ull >> 2) / NS)
        return (int64_t)(~0ull >> 2); /* centuries: as good as forever */
    return ts.tv_sec * (int64_t)NS + ts.tv_nsec;
}

/* Sleeps ns on the TSC; on a signal writes what is left to rem (if given). */
static long sleep_rel(uint64_t ns, void *rem)
{
    uint64_t deadline = sig_rdtsc() + sig_ns_to_tsc(ns);
    long r = los_sig_wait_until(deadline);
    if (!r)
        return 0;
    if (r != -LNX_EINTR && r != -LOS_ERESTARTSYS)
        return r;
    if (rem) {
        uint64_t now = sig_rdtsc(), left = now < deadline ? sig_tsc_to_ns(deadline - now) : 0;
        struct lnx_timespec ts = {(int64_t)(left / NS), (int64_t)(left % NS)};
        if (los_copy_to_user(rem, &ts, sizeof ts) < 0)
            return -LNX_EFAULT;
    }
    return -LNX_EINTR;
}

long posix_nanosleep(const long a[6])
{
    int64_t ns = request_ns((const void *)a[0]);
    return ns < 0 ? ns : sleep_rel((uint64_t)ns, (void *)a[1]);
}

long posix_clock_nanosleep(const long a[6])
{
    long clk = a[0], flags = a[1];
    uint64_t now;
    if (clk == LNX_CLOCK_THREAD_CPUTIME_ID || posix_clock_ns(clk, &now) < 0)
        return -LNX_EINVAL;
    int64_t ns = request_ns((const void *)a[2]);
    if (ns < 0)
        return ns;
    if (!(flags & LNX_TIMER_ABSTIME))
        return sleep_rel((uint64_t)ns, (void *)a[3]);
    /* Absolute: every clock here is the TSC's, so the target is a TSC reading. */
    uint64_t deadline = sig_rdtsc() + ((uint64_t)ns > now ? sig_ns_to_tsc((uint64_t)ns - now) : 0);
    long r = los_sig_wait_until(deadline);
    return r == -LOS_ERESTARTSYS ? -LNX_EINTR : r;
}

long posix_pause(const long a[6])
{
    (void)a;
    long r = los_sig_wait_until(0);
    return r == -LOS_ERESTARTSYS ? -LNX_EINTR : r;
}

long posix_rt_sigsuspend(const long a[6])
{
    uint64_t mask;
    if (a[1] != 8)
        return -LNX_EINVAL;
    if (los_copy_from_user(&mask, (const void *)a[0], sizeof mask) < 0)
        return -LNX_EFAULT;
    sig_me()->suspend_mask = sig_me()->blocked;
    sig_me()->suspended = 1; /* the first handler's frame restores suspend_mask */
    sig_me()->blocked = mask & ~SIG_UNBLOCKABLE;
    sig_hold_publish(); /* pm leaves what the temporary mask blocks pending */
    long r = los_sig_wait_until(0);
    if (r != -LNX_EINTR && r != -LOS_ERESTARTSYS) { /* an error: no signal to restore it */
        sig_me()->blocked = sig_me()->suspend_mask;
        sig_me()->suspended = 0;
        sig_hold_publish();
        return r;
    }
    return -LNX_EINTR;
}

void los_sig_call_mask(uint64_t mask)
{
    sig_me()->suspend_mask = sig_me()->blocked;
    sig_me()->suspended = 1; /* the first handler's frame restores suspend_mask */
    sig_me()->blocked = mask & ~SIG_UNBLOCKABLE;
    sig_hold_publish();
}

void los_sig_call_mask_end(void)
{
    if (sig_me()->suspended) {
        sig_me()->blocked = sig_me()->suspend_mask;
        sig_me()->suspended = 0;
        sig_hold_publish();
    }
}
