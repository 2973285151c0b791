/*
 * cputime.c: what a process has used: times() and getrusage(), from exo's count of the ring-3
 * time of the process's envs (env_cputime, call 43; libos/thread sums the threads). All of it
 * is user time: exo's own time is no process's, so the system times are 0. Children's times
 * (tms_cutime, RUSAGE_CHILDREN) are not collected yet: 0.
 */
#include "sigstate.h"

#include <los/uaccess.h>

#include <posix/calls.h>
#include <thread/thread.h>

#define CLK_TCK 100 /* sysconf(_SC_CLK_TCK): times() counts in these */
#define LNX_RUSAGE_SELF 0
#define LNX_RUSAGE_CHILDREN (-1)
#define LNX_RUSAGE_THREAD 1

struct lnx_tms {
    int64_t utime, stime, cutime, cstime;
};

struct lnx_rusage {
    struct lnx_timeval utime, stime;
    int64_t rest[14]; /* maxrss .. nivcsw */
};

static uint64_t clock_ticks(uint64_t tsc)
{
    return sig_tsc_to_ns(tsc) / (1000000000ull / CLK_TCK);
}

long posix_times(const long a[6])
{
    if (a[0]) {
        struct lnx_tms t = {.utime = (int64_t)clock_ticks(los_process_cputime())};
        if (los_copy_to_user((void *)a[0], &t, sizeof t) < 0)
            return -LNX_EFAULT;
    }
    return (long)clock_ticks(sig_rdtsc()); /* since boot: an arbitrary point, as POSIX allows */
}

long posix_getrusage(const long a[6])
{
    uint64_t tsc;
    if (a[0] == LNX_RUSAGE_SELF)
        tsc = los_process_cputime();
    else if (a[0] == LNX_RUSAGE_THREAD)
        tsc = los_thread_cputime();
    else if (a[0] == LNX_RUSAGE_CHILDREN)
        tsc = 0;
    else
        return -LNX_EINVAL;
    uint64_t us = sig_tsc_to_ns(tsc) / 1000;
    struct lnx_rusage r = {.utime = {(int64_t)(us / 1000000), (int64_t)(us % 1000000)}};
    return los_copy_to_user((void *)a[1], &r, sizeof r) < 0 ? -LNX_EFAULT : 0;
}
