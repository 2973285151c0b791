/*
 * kill.c: kill, tkill and tgkill. To this process (musl's raise is tkill of its own tid) the
 * signal is made pending here and delivered at the call's return; to any other process or
 * group it goes to the process server (los_sig_kill, libos/proc), else ESRCH.
 */
#include "sigstate.h"

#include <posix/calls.h>

static int valid(long n)
{
    return n >= 0 && n <= LOS_NSIG; /* 0: only check that the target exists */
}

static long self(long n, int code)
{
    if (n)
        los_sig_post((int)n, code, posix_pid);
    return 0;
}

static long other(long pid, long n)
{
    return los_sig_kill ? los_sig_kill(pid, (int)n) : -LNX_ESRCH;
}

long posix_kill(const long a[6])
{
    long pid = a[0], n = a[1];
    if (!valid(n))
        return -LNX_EINVAL;
    if (pid == posix_pid || (!los_sig_kill && pid == 0))
        return self(n, LNX_SI_USER); /* alone, this process is its whole group */
    if (!los_sig_kill && pid == -1)
        return -LNX_ESRCH; /* -1: everyone but init and the caller: no one */
    return other(pid, n);
}

long posix_tkill(const long a[6])
{
    long tid = a[0], n = a[1];
    if (tid <= 0 || !valid(n))
        return -LNX_EINVAL;
    return tid == posix_pid ? self(n, LNX_SI_TKILL) : other(tid, n);
}

long posix_tgkill(const long a[6])
{
    long tgid = a[0], tid = a[1], n = a[2];
    if (tgid <= 0 || tid <= 0 || !valid(n))
        return -LNX_EINVAL;
    if (tgid == posix_pid)
        return tid == posix_pid ? self(n, LNX_SI_TKILL) : -LNX_ESRCH;
    return other(tgid, n);
}
