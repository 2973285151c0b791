/*
 * clock.c: the clocks, from the TSC, with no exo call: exo calibrated the TSC at boot and says
 * its rate once (the clock call, at start-up); every reading after that is one rdtsc and a
 * multiply. exo has no wall clock yet, so CLOCK_REALTIME counts from the epoch at boot (1970);
 * the CPU-time clocks are exo's count of the time the process's (or thread's) envs ran in ring 3
 * (env_cputime, call 43: one exo call per thread asked).
 * Results go out through los/uaccess.h: a bad pointer is EFAULT.
 */
#include <posix/calls.h>

#include <los/los.h>
#include <los/uaccess.h>
#include <thread/thread.h>

#define NS 1000000000ull

uint64_t posix_tsc_hz;
static uint64_t mult; /* 10^9 * 2^32 / TSC hz */

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

void posix_clock_init(uint64_t hz)
{
    posix_tsc_hz = hz;
    mult = posix_clock_mult(hz);
}

long posix_clock_ns(long clk, uint64_t *ns)
{
    uint64_t t = rdtsc();
    switch (clk) {
    case LNX_CLOCK_REALTIME:
    case LNX_CLOCK_MONOTONIC:
    case LNX_CLOCK_MONOTONIC_RAW:
    case LNX_CLOCK_REALTIME_COARSE:
    case LNX_CLOCK_MONOTONIC_COARSE:
    case LNX_CLOCK_BOOTTIME:
        *ns = posix_tsc_to_ns(t, mult);
        return 0;
    case LNX_CLOCK_PROCESS_CPUTIME_ID: /* exo's count of ring-3 time (call 43) */
        *ns = posix_tsc_to_ns(los_process_cputime(), mult);
        return 0;
    case LNX_CLOCK_THREAD_CPUTIME_ID:
        *ns = posix_tsc_to_ns(los_thread_cputime(), mult);
        return 0;
    }
    return -LNX_EINVAL;
}

static long now(long clk, struct lnx_timespec *ts)
{
    uint64_t ns;
    long r = posix_clock_ns(clk, &ns);
    if (r < 0)
        return r;
    ts->tv_sec = (int64_t)(ns / NS);
    ts->tv_nsec = (int64_t)(ns % NS);
    return 0;
}

/* (A tail call and no frame: los_uaccess_put2's 0 or -EFAULT is the answer.) */
__attribute__((optimize("omit-frame-pointer"))) long posix_clock_gettime_fast(void *ts)
{
    uint64_t ns = (uint64_t)(((unsigned __int128)rdtsc() * mult) >> 32); /* posix_tsc_to_ns */
    return los_uaccess_put2(ts, ns / NS, ns % NS);
}

long posix_clock_gettime(const long a[6])
{
    struct lnx_timespec ts;
    long r = now(a[0], &ts);
    if (r == 0 && los_copy_to_user((void *)a[1], &ts, sizeof ts) < 0)
        return -LNX_EFAULT;
    return r;
}

long posix_clock_getres(const long a[6])
{
    struct lnx_timespec ts = {0, 1}; /* finer than 1 ns: 1 */
    long r = now(a[0], &ts);         /* checks the clock id */
    ts = (struct lnx_timespec){0, 1};
    if (r == 0 && a[1] && los_copy_to_user((void *)a[1], &ts, sizeof ts) < 0)
        return -LNX_EFAULT;
    return r;
}

long posix_gettimeofday(const long a[6])
{
    struct lnx_timespec ts;
    now(LNX_CLOCK_REALTIME, &ts);
    struct lnx_timeval tv = {ts.tv_sec, ts.tv_nsec / 1000};
    uint64_t tz = 0; /* struct timezone: UTC, no daylight saving */
    if (a[0] && los_copy_to_user((void *)a[0], &tv, sizeof tv) < 0)
        return -LNX_EFAULT;
    if (a[1] && los_copy_to_user((void *)a[1], &tz, sizeof tz) < 0)
        return -LNX_EFAULT;
    return 0;
}

long posix_time(const long a[6])
{
    struct lnx_timespec ts;
    now(LNX_CLOCK_REALTIME, &ts);
    if (a[0] && los_copy_to_user((void *)a[0], &ts.tv_sec, sizeof ts.tv_sec) < 0)
        return -LNX_EFAULT;
    return (long)ts.tv_sec;
}
