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

/* One thread's signal state: its mask (each thread has its own: pthread_sigmask), the
 * signals sent to it alone (tkill/tgkill/pthread_kill to its tid), sigsuspend's and
 * sigtimedwait's. The first thread's is sig.main; the others' live in their thread rows. */
struct sig_thread {
    uint64_t blocked;
    uint64_t pending;      /* thread-directed: siginfo SI_TKILL from this process */
    uint64_t suspend_mask; /* sigsuspend: the mask to restore after it */
    uint64_t waitset;      /* sigtimedwait's set: blocked for the ignore check */
    int32_t suspended;     /* 1 while suspend_mask is valid */
    uint32_t tkill_uid;    /* the uid of its directed signals' sender (this process) */
    uint64_t timer;        /* directed signals a timer sent (SIGEV_THREAD_ID): SI_TIMER */
};
_Static_assert(sizeof(struct sig_thread) <= 6 * 8, "fits LOS_THREAD_SIG_WORDS");

struct sig_state {
    struct lnx_sigaction act[LOS_NSIG + 1]; /* by signal number */
    uint64_t pending;                       /* changed atomically: upcalls post too */
    struct lnx_siginfo info[LOS_NSIG + 1];  /* a pending signal's siginfo (the first sent) */
    struct lnx_stack altstack;              /* ss_flags LNX_SS_DISABLE when there is none */
    struct sig_thread main;                 /* the first thread's */
    uint32_t directed;                      /* thread-directed signals pending in any thread */
    int rtq_n;                              /* queued real-time instances, oldest first */
    struct lnx_siginfo rtq[SIG_RTQ_MAX];
};

extern struct sig_state sig;

/* The calling thread's state. */
struct sig_thread *sig_me(void);
/* Signals pending for the calling thread: the process's and its own. */
uint64_t sig_pending_me(void);
/* Makes n pending for thread t alone (tkill to its tid), sent by this process's uid; wakes
 * it if it sleeps. 0. */
long sig_post_thread(struct sig_thread *t, int n, uint32_t uid);
/* The same from a timer (SIGEV_THREAD_ID): SI_TIMER when taken. */
long sig_post_thread_timer(struct sig_thread *t, int n);
/* This process's thread with this tid (the first thread's is the pid), or NULL. */
struct sig_thread *sig_thread_of(long tid);
/* Takes n (pending for the calling thread) out: the thread's own instance first (SI_TKILL),
 * else the process's (sig_dequeue). */
void sig_take_out(int n, struct lnx_siginfo *info);

/* Ops of the LOS_UPCALL_SELF upcall (enter.S's los_sig_enter). */
#define SIG_OP_DELIVER 1
#define SIG_OP_RETURN 2

/* Enters the libOS's own upcall with op and arg, as if at the return of this call with
 * value in rax; returns what rax holds when that context resumes (value, unless a frame it
 * returned through says otherwise). */
long los_sig_enter(long op, long value, uint64_t arg);
/* enter.S: the same, on the given upcall state page and stack (the calling thread's). */
long los_sig_enter_at(long op, long value, uint64_t arg, uint64_t state, uint64_t top);

/* The restorer of handlers installed without SA_RESTORER: rt_sigreturn. */
void los_sig_restorer(void);

/* Takes signal n's next instance out (its pending bit already cleared by the caller): its
 * siginfo into *info. A real-time signal with more instances queued is pending again. */
void sig_dequeue(int n, struct lnx_siginfo *info);
/* Drops every pending instance of n (it is ignored now). */
void sig_discard(int n);
/* Tells pm the signals it must leave pending for this process (those caught, and those every
 * thread blocks) and those it ignores, when they changed or force (action.c). */
void sig_tell_pm(int force);
/* Writes what every thread holds now (blocked or waited for) to the mailbox's sig_hold word:
 * no pm call, safe in an upcall; after every change of a mask (action.c). */
void sig_hold_publish(void);

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
