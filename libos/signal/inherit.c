/*
 * inherit.c: what a new process takes of its parent's signal state. fork copies the whole
 * address space, so dispositions, mask and alternate stack come along by themselves; only
 * what POSIX says a child starts without (pending signals, the timer) and what is exo's
 * per env (the upcall registration, the wake event's slot) is set here. exec builds a new
 * env from scratch: the mask, the pending set and the ignored signals are carried over.
 */
#include "sigstate.h"

#include <los/upcall.h>

#include <proc/client.h>
#include <proc/layout.h>

int los_sig_fork_child(void)
{
    __atomic_store_n(&sig.pending, 0, __ATOMIC_SEQ_CST);
    /* The forking thread is the child's only, first thread: its mask is the child's. */
    struct sig_thread me = *sig_me();
    sig.main = (struct sig_thread){.blocked = me.blocked};
    proc_sig_hold(me.blocked); /* its mailbox is new: what it holds (a handler's mask too) */
    sig.directed = 0;
    sig.rtq_n = 0;
    sig_timer_disarm();
    los_sig_wake_event =
        proc_present ? (int64_t)((const struct proc_mbox *)PROC_MBOX_VA)->wake_cap : -1;
    return los_upcall_register();
}

void los_sig_exec_save(struct los_sig_exec *e)
{
    e->blocked = sig_me()->blocked;
    e->pending = sig_pending_me();
    e->ignored = 0;
    for (int n = 1; n <= LOS_NSIG; n++)
        if (sig.act[n].handler == LNX_SIG_IGN)
            e->ignored |= sig_bit(n);
}

void los_sig_exec_restore(const struct los_sig_exec *e)
{
    for (int n = 1; n <= LOS_NSIG; n++)
        if (e->ignored & sig_bit(n) & ~SIG_UNBLOCKABLE)
            sig.act[n].handler = LNX_SIG_IGN;
    sig_me()->blocked = e->blocked & ~SIG_UNBLOCKABLE;
    /* What was pending in the old image stays, as sent by no one (its siginfo did not come
     * along); pm's own pending bits never left the process table. */
    for (uint64_t set = e->pending; set; set &= set - 1)
        los_sig_post(__builtin_ctzll(set) + 1, LNX_SI_USER, 0);
    sig_tell_pm(1); /* pm forgot the old image's handlers: what it must leave pending now */
}
