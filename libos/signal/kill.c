/*
 * kill.c: signals a process sends by thread id or with a siginfo of its own: tkill (musl's
 * raise) and tgkill, rt_sigqueueinfo (sigqueue) and rt_tgsigqueueinfo. To this process the
 * signal is made pending here and delivered at the call's return (tkill's si_code SI_TKILL,
 * sigqueue's SI_QUEUE and value, our pid and uid, as Linux gives); tkill and tgkill to one of
 * its threads (the first one's tid is the pid, the others' LOS_THREAD_TID_BASE + n) make it
 * pending for that thread alone (sig_post_thread). To
 * another process they go through the process server: kill with SI_TKILL, sig_queue. kill
 * itself is the process server's (libos/proc/posix_proc.c): to ourselves it comes back
 * through its pending set and sig_fetch (los_sig_fetch), with our pid and uid.
 */
#include "sigstate.h"

#include <los/uaccess.h>

#include <posix/calls.h>
#include <proc/client.h>
#include <thread/thread.h>

long proc_kill_code(long pid, long sig, long code); /* libos/proc/posix_proc.c */
long posix_cred(int which);                         /* libos/posix/files.c: 0 the real uid */

long sig_pid(void)
{
    static const long none[6];
    return posix_getpid(none);
}

static uint32_t my_uid(void)
{
    long u = posix_cred(0);
    return u < 0 ? 0 : (uint32_t)u;
}

static int ours(long tid)
{
    return tid == sig_pid() || tid >= LOS_THREAD_TID_BASE;
}

/* To one thread of ours: pending for it alone. */
static long to_thread(long tid, long n)
{
    struct sig_thread *t = sig_thread_of(tid);
    if (!t)
        return -LNX_ESRCH;
    return n ? sig_post_thread(t, (int)n, my_uid()) : 0;
}

long posix_tkill(const long a[6])
{
    long tid = (int)a[0], n = (int)a[1]; /* pid_t and int: Linux reads 32 bits of each */
    if (tid <= 0 || n < 0 || n > LOS_NSIG)
        return -LNX_EINVAL;
    if (!ours(tid))
        return proc_kill_code(tid, n, LNX_SI_TKILL);
    return to_thread(tid, n);
}

long posix_tgkill(const long a[6])
{
    long tgid = (int)a[0], tid = (int)a[1], n = (int)a[2];
    if (tgid <= 0 || tid <= 0 || n < 0 || n > LOS_NSIG)
        return -LNX_EINVAL;
    if (tgid == sig_pid())
        return to_thread(tid, n);
    if (tgid != tid)
        return -LNX_ESRCH; /* another process's thread: not reachable by tid yet */
    return proc_kill_code(tid, n, LNX_SI_TKILL);
}

/* sigqueue: pid, signal, the caller's siginfo (si_code and si_value taken from it). */
static long queue(long pid, long n, const void *uinfo)
{
    struct lnx_siginfo in;
    if (los_copy_from_user(&in, uinfo, sizeof in) < 0)
        return -LNX_EFAULT;
    if (n < 0 || n > LOS_NSIG)
        return -LNX_EINVAL;
    if (pid <= 0)
        return -LNX_ESRCH;
    int64_t value = (int64_t)in.u.raw[1];
    if (pid != sig_pid()) {
        if (!proc_present)
            return -LNX_ESRCH;
        struct pm_msg *m = proc_msg();
        m->a[0] = pid;
        m->a[1] = n;
        m->a[2] = in.si_code;
        m->a[3] = value;
        return proc_call(PM_OP_sig_queue);
    }
    if (!n)
        return 0;
    /* To ourselves Linux takes the siginfo as given (the signal number aside). */
    return los_sig_post_from((int)n, in.si_code, in.u.proc.pid, in.u.proc.uid, value);
}

long posix_rt_sigqueueinfo(const long a[6])
{
    return queue((int)a[0], (int)a[1], (const void *)a[2]);
}

long posix_rt_tgsigqueueinfo(const long a[6])
{
    long tgid = (int)a[0], tid = (int)a[1];
    if (tgid <= 0 || tid <= 0)
        return -LNX_EINVAL;
    if (tgid == sig_pid() && !ours(tid))
        return -LNX_ESRCH;
    if (tgid != sig_pid() && tgid != tid)
        return -LNX_ESRCH;
    return queue(tgid, (int)a[2], (const void *)a[3]);
}
