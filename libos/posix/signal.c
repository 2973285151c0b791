/*
 * signal.c: signal masks, before there are signals: no signal is ever delivered, so every
 * mask is empty and changing it is accepted and has no effect. Signals arrive later (upcalls).
 */
#include <posix/calls.h>

#include <los/los.h>

long posix_rt_sigprocmask(const long a[6])
{
    if (a[3] != 8) /* sizeof(kernel sigset_t), as Linux checks */
        return -LNX_EINVAL;
    if (a[2])
        *(uint64_t *)a[2] = 0;
    return 0;
}
