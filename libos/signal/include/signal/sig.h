/*
 * sig.h: signals inside one process, the face the other libOS parts use (design11.md): the
 * process's dispositions, masks and pending set, delivery at safe points (the return of every
 * libOS call, a blocking wait's wake-up, a time-slice upcall while the program computes),
 * handler frames in Linux's layout and sigreturn, faults as SIGSEGV/SIGBUS/SIGILL/SIGFPE/
 * SIGTRAP, default actions, the real-time timer. Signals from other processes reach it
 * through the process server (libos/proc), which fills the hooks below.
 */
#ifndef SIGNAL_SIG_H
#define SIGNAL_SIG_H

#include <stdint.h>

/* Linux's ERESTARTSYS, never seen by a program: a blocking call interrupted by a signal whose
 * handler has SA_RESTART returns -LOS_ERESTARTSYS; los_syscall runs the handler, then makes
 * the call again. Without SA_RESTART the program sees -EINTR. */
#define LOS_ERESTARTSYS 512

/* Hooks the process server (libos/proc/client.c) defines and fills: los_sig_fetch, the set
 * of signals the server raised with no siginfo (bit n-1: signal n: SIGCHLD, SIGPIPE), cleared
 * by the call, having posted those other processes sent (los_sig_post_from, with their sender
 * and value); called at every safe point. los_sig_die: ends the process as killed by sig (core: the
 * core flag of its wait status); never returns; NULL: the libOS prints why and exits with status
 * 128 + sig. los_sig_wake_event: the capability slot of an event the server posts when it sends
 * this process a signal, so a sleeping process wakes (-1: none; the libOS then sleeps on an event
 * of its own). kill and tgkill are the server's (libos/proc/posix_proc.c); tkill to this
 * process (musl's raise) is here. */
extern uint64_t (*los_sig_fetch)(void);
extern void (*los_sig_die)(int sig, int core);
/* los_sig_stop: a stop signal's default action reached delivery here (raise(SIGTSTP)): the
 * server stops the process (job control); returns once it is continued. NULL: ignored. */
extern void (*los_sig_stop)(int sig);
extern int64_t los_sig_wake_event;

/* For blocking loops: 0 if no signal is deliverable now; else -EINTR (-4), or
 * -LOS_ERESTARTSYS if the signal to be delivered first restarts calls (SA_RESTART, or no
 * handler runs for it). Return it from the libOS call as is: los_syscall delivers. */
long los_sig_interrupt(void);

/* For a wait that must not call pm (a futex wait: it does not hold the mailbox): what
 * los_sig_interrupt would answer, judged without fetching, from the thread's and the process's
 * pending sets and the process table's pending word (the timer polled). And whether a signal
 * from another process could interrupt such a wait (a handler this thread does not block, or
 * a timer armed): pm posts only the process's wake event, so the wait looks now and then. */
long los_sig_peek(void);
int los_sig_may_interrupt(void);

/* Makes sig (1..64) pending in this process as sent by pid with si_code code (SI_USER 0,
 * SI_KERNEL 0x80, SI_TKILL -6...). Delivered at the next safe point unless blocked. */
void los_sig_post(int sig, int code, long pid);
/* The same with the sender's uid and sigqueue's value; a standard signal already pending
 * coalesces (the first siginfo stays), a real-time one (32..64) queues each instance:
 * -EAGAIN (-11) when the queue is full, else 0. */
long los_sig_post_from(int sig, int code, long pid, uint32_t uid, int64_t value);

/* Blocks until a signal is deliverable (returns los_sig_interrupt()'s value) or until the TSC
 * reaches deadline (returns 0; deadline 0: no deadline). One exo call per wake-up, no
 * spinning; the real-time timer's expiry wakes it too. */
long los_sig_wait_until(uint64_t deadline);

/* A wait with a signal mask of its own (epoll_pwait; ppoll and pselect may use it too), as
 * rt_sigsuspend's: call_mask puts `mask` in place for the rest of the call; a handler the wait
 * lets through runs with the caller's mask saved in its frame (restored at its sigreturn); a
 * call that ends without a signal (its result is not -EINTR) puts it back with call_mask_end. */
void los_sig_call_mask(uint64_t mask);
void los_sig_call_mask_end(void);

/* At start (libos/posix's start): the upcall handlers for faults, slice ends and delivery,
 * the stack's growth. 0 or an exo error. */
int los_sig_init(void);

/* At the return of every libOS call (los_syscall), with its result: delivers what is
 * deliverable (handlers run before this returns) and returns the call's result, -EINTR in
 * place of -LOS_ERESTARTSYS if the handler does not restart, or -LOS_ERESTARTSYS if the call
 * is to be made again. */
long los_sig_return(long r);

/* 1 while something may still need a call's return to look: a signal pending (blocked ones
 * too: an unblocking call's return delivers them) or a timer armed. los_syscall raises the
 * "look" word (proc/client.h PROC_ATTENTION) again after its look when this says so. */
int los_sig_unsettled(void);

/* fork: in the child, before it returns from fork (libos/proc). Registers the upcall handler
 * (the child's memory has its pages, exo does not know the child yet), empties the pending
 * set and disarms the timer (POSIX: a child starts with none), sleeps on its own wake event
 * (its mailbox's). Dispositions, mask and alternate stack are the parent's, as POSIX wants. 0 or an
 * exo error. */
int los_sig_fork_child(void);
/* (The child's los_sig_in_call is the parent's copy: 1 inside fork's call. A fork-return
 * trampoline that returns past los_syscall's own decrement sets it to 0.) */

/* exec: what the new image keeps (POSIX): the mask, the pending set, and which signals are
 * ignored; handled ones become default. save in the old image, restore in the new one before
 * main (the process server carries the struct). */
struct los_sig_exec {
    uint64_t blocked, pending, ignored;
};
void los_sig_exec_save(struct los_sig_exec *e);
void los_sig_exec_restore(const struct los_sig_exec *e);

/* Nonzero while the libOS serves a call (los_syscall): a slice-end upcall then leaves
 * delivery to the call's return. */
extern volatile long los_sig_in_call;

#endif
