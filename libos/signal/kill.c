/*
 * kill.c: tkill, musl's raise: to this process the signal is made pending here and delivered
 * at the call's return (with si_code SI_TKILL and our pid, as Linux gives); another tid is
 * another process here (one thread each), which the process server reaches. kill and tgkill
 * are the process server's (libos/proc/posix_proc.c): to ourselves they come back through
 * its pending set (los_sig_fetch).
 */
#include "sigstate.h"

#include <posix/calls.h>

long proc_kill(long pid, long sig); /* libos/proc/posix_proc.c */

long sig_pid(void)
{
    static const long none[6];
    return posix_getpid(none);
}

long posix_tkill(const long a[6])
{
    long tid = a[0], n = a[1];
    if (tid <= 0 || n < 0 || n > LOS_NSIG)
        return -LNX_EINVAL;
    if (tid != sig_pid())
        return proc_kill(tid, n);
    if (n)
        los_sig_post((int)n, LNX_SI_TKILL, tid);
    return 0;
}
