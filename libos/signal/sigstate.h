/*
 * sigstate.h: the signal part's inside, shared by its files: the process's signal state and
 * the helpers between delivery, the calls and the timer.
 */
#ifndef SIGSTATE_H
#define SIGSTATE_H

#include <signal/sig.h>
#include <signal/sigset.h>

#include <exo/abi.h>

#define SIG_RTMIN 32   /* the first real-time signal: each instance queues */
#define SIG_RTQ_MAX 32 /* real-time instances pending at once (more: EAGAIN) */

struct sig_state {
    struct lnx_sigaction act[LOS_NSIG + 1]; /* by signal number */
    uint64_t pending;                       /* changed atomically: upcalls post too */
    uint64_t blocked;
    struct lnx_siginfo info[LOS_NSIG + 1]; /* a pending signal's siginfo (the first sent) */
    struct lnx_stack altstack;             /* ss_flags LNX_SS_DISABLE when there is none */
    uint64_t suspend_mask;                 /* sigsuspend: the mask to restore after it */
    int suspended;                         /* 1 while suspend_mask is valid */
    uint64_t waitset;                      /* sigtimedwait's set: blocked for the ignore check */
    int rtq_n;                             /* queued real-time instances, oldest first */
    struct lnx_siginfo rtq[SIG_RTQ_MAX];
};

extern struct sig_state sig;

/* Ops of the LOS_UPCALL_SELF upcall (enter.S's los_sig_enter). */
#define SIG_OP_DELIVER 1
#define SIG_OP_RETURN 2

/* Enters the libOS's own upcall with op and arg, as if at the return of this call with
 * value in rax; returns what rax holds when that context resumes (value, unless a frame it
 * returned through says otherwise). */
long los_sig_enter(long op, long value, uint64_t arg);

/* The restorer of handlers installed without SA_RESTORER: rt_sigreturn. */
void los_sig_restorer(void);

/* Takes signal n's next instance out (its pending bit already cleared by the caller): its
 * siginfo into *info. A real-time signal with more instances queued is pending again. */
void sig_dequeue(int n, struct lnx_siginfo *info);
/* Drops every pending instance of n (it is ignored now). */
void sig_discard(int n);
/* Tells pm the signals it must leave pending for this process (caught or blocked) when that
 * set grew (action.c); force: also when it shrank (dispositions changed). */
void sig_tell_pm(int force);

/* 1 if a signal is deliverable now (fetching others' signals and the timer's first). */
int sig_ready(void);

/* The real-time timer (itimer.c): posts SIGALRM if it has expired; its deadline (TSC, 0 if
 * disarmed). */
void sig_timer_poll(void);
uint64_t sig_timer_deadline(void);
int sig_timer_armed(void); /* 1 while a timer is armed */
/* POSIX timer id's signal is taken: its overrun count until now (timer_getoverrun's). */
int32_t sig_timer_taken(int id);
void sig_timer_disarm(void);

/* The stack's growth (guard.c): maps the page at addr if it lies in the stack's reserve
 * below its mapped part, above the guard. 1 if it did. */
int sig_stack_grow_at(uint64_t addr);
int sig_stack_pager(struct exo_upcall_state *s);
void sig_stack_room(uint64_t rsp);

/* This process's pid (the process table's when the process server made it). */
long sig_pid(void);

/* TSC conversions (the clock's rate, libos/posix/clock.c). */
uint64_t sig_ns_to_tsc(uint64_t ns);
uint64_t sig_tsc_to_ns(uint64_t ticks);
uint64_t sig_rdtsc(void);

#endif
