/*
 * wait.c: rt_sigtimedwait (sigwaitinfo, sigtimedwait, sigwait): takes a pending signal of the
 * set out without running anything for it and returns its number and siginfo; a real-time
 * signal's instances come out one per call, oldest first. While it waits, the set is unblocked
 * (as Linux does) so that los_sig_wait_until wakes for it; a handled signal outside the set
 * ends the wait with EINTR (its handler runs at the call's return), never a restart; the
 * timeout ends it with EAGAIN (a zero timeout only looks).
 */
#include "sigstate.h"

#include <los/uaccess.h>

#include <posix/calls.h>

#define NS 1000000000ull

/* A pending signal of set taken out: its number, its siginfo copied out. */
static long take_one(uint64_t set, void *uinfo)
{
    int n = sig_next(set);
    struct lnx_siginfo info;
    sig_take_out(n, &info);
    if (uinfo && los_copy_to_user(uinfo, &info, sizeof info) < 0)
        return -LNX_EFAULT;
    return n;
}

long posix_rt_sigtimedwait(const long a[6])
{
    uint64_t set;
    if (a[3] != 8)
        return -LNX_EINVAL;
    if (los_copy_from_user(&set, (const void *)a[0], sizeof set) < 0)
        return -LNX_EFAULT;
    set &= ~SIG_UNBLOCKABLE;
    uint64_t deadline = 0;
    int look_only = 0;
    if (a[2]) {
        struct lnx_timespec ts;
        if (los_copy_from_user(&ts, (const void *)a[2], sizeof ts) < 0)
            return -LNX_EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NS)
            return -LNX_EINVAL;
        uint64_t ns = (uint64_t)ts.tv_sec > (~0ull >> 2) / NS
                          ? ~0ull >> 2
                          : (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
        look_only = ns == 0;
        deadline = look_only ? 0 : sig_rdtsc() + sig_ns_to_tsc(ns);
    }
    for (;;) {
        sig_ready(); /* others' signals, the timer's */
        uint64_t p = sig_pending_me() & set;
        if (p)
            return take_one(p, (void *)a[1]);
        if (look_only || (deadline && sig_rdtsc() >= deadline))
            return -LNX_EAGAIN;
        uint64_t blocked = sig_me()->blocked;
        sig_me()->waitset = set; /* a blocked signal of the set is not dropped as ignored */
        sig_me()->blocked &= ~set;
        long r = los_sig_wait_until(deadline);
        sig_me()->blocked = blocked;
        if (r < 0 && r != -LNX_EINTR && r != -LOS_ERESTARTSYS) {
            sig_me()->waitset = 0;
            return r;
        }
        sig_ready();
        sig_me()->waitset = 0;
        p = sig_pending_me();
        if (p & set)
            return take_one(p & set, (void *)a[1]);
        if (p & ~sig_me()->blocked)
            return -LNX_EINTR; /* delivered at the return: sigtimedwait never restarts */
        if (!r)
            return -LNX_EAGAIN;
    }
}
