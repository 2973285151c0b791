/*
 * action.c: the calls that set what signals do and which wait: rt_sigaction, rt_sigprocmask,
 * rt_sigpending, sigaltstack. Every pointer is read and written through los/uaccess.h (a bad
 * one is EFAULT); the order of checks is Linux's (kernel/signal.c).
 */
#include "sigstate.h"

#include <los/uaccess.h>

#include <posix/calls.h>
#include <proc/client.h>
#include <thread/thread.h>

#define SIGSET_SIZE 8 /* the kernel's sigset_t */

static int valid(long n)
{
    return n >= 1 && n <= LOS_NSIG;
}

/* The pending signal n goes away if nothing will ever run for it (POSIX: setting SIG_IGN, or
 * SIG_DFL for a signal whose default is to ignore, discards it). */
static void discard_if_ignored(int n)
{
    const struct lnx_sigaction *a = &sig.act[n];
    if (a->handler == LNX_SIG_IGN ||
        (a->handler == LNX_SIG_DFL && sig_default_action(n) == SIG_DEF_IGNORE))
        sig_discard(n);
}

/* pm acts on signals other processes send us by itself when we do not catch them (default
 * actions, ignoring): it is told which it must leave pending for us and which we ignore.
 * Pending for us: those we catch, and those every thread blocks (or waits for in
 * sigtimedwait), which POSIX keeps pending until unblocked or taken. Not sticky: musl blocks
 * every signal around fork and raise, and a set kept from then would leave a SIGTERM pending
 * for a process that never looks. pm is called only when the set changes; a signal that
 * becomes unblocked is acted on at that call's return (los_sig_return fetches). */
static uint64_t told_caught, told_ignored, told_flags, told_blocked;

/* Blocked, or waited for, in every thread: a process-directed signal waits for one. */
static uint64_t held_everywhere(void)
{
    uint64_t h = sig.main.blocked | sig.main.waitset;
    for (int i = 0; i < LOS_THREAD_MAX; i++) {
        const struct sig_thread *t = los_thread_sig_at(i);
        if (t)
            h &= t->blocked | t->waitset;
    }
    return h;
}

/* What every thread holds now, in the mailbox's sig_hold word for pm (msg.h): the masks that
 * change inside upcalls or with no pm call (a handler's sa_mask and its own signal, sigsuspend's,
 * a frame's at rt_sigreturn) are seen by pm when it would take a default action. Raising it
 * races with nothing: a signal pm acted on before is one that came before. Lowering it is safe
 * because whoever lowers it fetches next (delivery after rt_sigreturn, a call's return: pm raised
 * the attention word after the bit). Threads writing at once: stored again until it reads the
 * same; a late high value only leaves a signal pending, which the next safe point takes. */
void sig_hold_publish(void)
{
    uint64_t h = held_everywhere() & ~SIG_UNBLOCKABLE;
    for (int i = 0; i < 4; i++) {
        proc_sig_hold(h);
        uint64_t now = held_everywhere() & ~SIG_UNBLOCKABLE;
        if (now == h)
            break;
        h = now;
    }
}

void sig_tell_pm(int force)
{
    sig_hold_publish();
    uint64_t caught = 0, ignored = 0;
    uint64_t flags = sig.act[LNX_SIGCHLD].flags & LNX_SA_NOCLDSTOP ? PM_DISP_NOCLDSTOP : 0;
    for (int n = 1; n <= LOS_NSIG; n++) {
        if (sig.act[n].handler == LNX_SIG_IGN)
            ignored |= sig_bit(n);
        else if (sig.act[n].handler != LNX_SIG_DFL)
            caught |= sig_bit(n);
    }
    uint64_t blocked = held_everywhere() & ~ignored;
    caught |= blocked;
    if (!proc_present || (!force && caught == told_caught && ignored == told_ignored &&
                          flags == told_flags && blocked == told_blocked))
        return;
    struct pm_msg *m = proc_msg();
    m->a[0] = (int64_t)caught;
    m->a[1] = (int64_t)ignored;
    m->a[2] = (int64_t)flags;
    m->a[3] = (int64_t)blocked;
    if (proc_call(PM_OP_sig_disp) == 0) {
        told_caught = caught;
        told_ignored = ignored;
        told_flags = flags;
        told_blocked = blocked;
    }
}

long posix_rt_sigaction(const long a[6])
{
    long n = a[0];
    struct lnx_sigaction act, old;
    if (a[3] != SIGSET_SIZE || !valid(n))
        return -LNX_EINVAL;
    if (a[1] && (n == LNX_SIGKILL || n == LNX_SIGSTOP))
        return -LNX_EINVAL;
    if (a[1] && los_copy_from_user(&act, (const void *)a[1], sizeof act) < 0)
        return -LNX_EFAULT;
    old = sig.act[n];
    if (a[1]) {
        act.mask &= ~SIG_UNBLOCKABLE;
        sig.act[n] = act;
        discard_if_ignored((int)n);
        sig_tell_pm(0);
    }
    if (a[2] && los_copy_to_user((void *)a[2], &old, sizeof old) < 0)
        return -LNX_EFAULT;
    return 0;
}

long posix_rt_sigprocmask(const long a[6])
{
    uint64_t set = 0, old = sig_me()->blocked;
    if (a[3] != SIGSET_SIZE)
        return -LNX_EINVAL;
    if (a[1]) {
        if (los_copy_from_user(&set, (const void *)a[1], sizeof set) < 0)
            return -LNX_EFAULT;
        uint64_t m;
        if (sig_mask_apply(sig_me()->blocked, (int)a[0], set, &m) < 0)
            return -LNX_EINVAL;
        sig_me()->blocked = m; /* newly unblocked ones are delivered at the return */
        sig_tell_pm(0);        /* what pm must leave pending changed (only then a pm call) */
    }
    if (a[2] && los_copy_to_user((void *)a[2], &old, sizeof old) < 0)
        return -LNX_EFAULT;
    return 0;
}

long posix_rt_sigpending(const long a[6])
{
    if ((unsigned long)a[1] > SIGSET_SIZE)
        return -LNX_EINVAL;
    sig_ready(); /* others' signals and the timer's count too */
    uint64_t set = sig_pending_me() & sig_me()->blocked;
    return los_copy_to_user((void *)a[0], &set, (size_t)a[1]) < 0 ? -LNX_EFAULT : 0;
}

long posix_sigaltstack(const long a[6])
{
    uint64_t sp = (uint64_t)__builtin_frame_address(0); /* on the caller's stack */
    const struct lnx_stack *cur = &sig.altstack;
    int on =
        !(cur->ss_flags & LNX_SS_DISABLE) && sp > cur->ss_sp && sp - cur->ss_sp <= cur->ss_size;
    struct lnx_stack old = {.ss_sp = cur->ss_sp, .ss_size = cur->ss_size};
    old.ss_flags = cur->ss_flags & LNX_SS_DISABLE ? LNX_SS_DISABLE : on ? LNX_SS_ONSTACK : 0;
    old.ss_flags |= cur->ss_flags & (int32_t)LNX_SS_AUTODISARM;
    if (a[0]) {
        struct lnx_stack ss;
        if (los_copy_from_user(&ss, (const void *)a[0], sizeof ss) < 0)
            return -LNX_EFAULT;
        if (on)
            return -LNX_EPERM;
        uint32_t mode = (uint32_t)ss.ss_flags & ~LNX_SS_AUTODISARM;
        if (mode != LNX_SS_DISABLE && mode != LNX_SS_ONSTACK && mode != 0)
            return -LNX_EINVAL;
        if (mode == LNX_SS_DISABLE) {
            sig.altstack = (struct lnx_stack){.ss_flags = LNX_SS_DISABLE};
        } else {
            if (ss.ss_size < LNX_MINSIGSTKSZ)
                return -LNX_ENOMEM;
            sig.altstack = (struct lnx_stack){
                .ss_sp = ss.ss_sp,
                .ss_size = ss.ss_size,
                .ss_flags = (int32_t)((uint32_t)ss.ss_flags & LNX_SS_AUTODISARM)};
        }
    }
    if (a[1] && los_copy_to_user((void *)a[1], &old, sizeof old) < 0)
        return -LNX_EFAULT;
    return 0;
}
