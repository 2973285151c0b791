/*
 * syscall.c: los_syscall, where musl's system-call entry lands (libos/musl/README.md): the
 * Linux number picks a handler from the table calls.def makes; a number with none is ENOSYS,
 * said once on the console so a missing call is seen without flooding it. At the return,
 * pending signals are delivered (libos/signal); a call they interrupt may be made again.
 */
#include <posix/calls.h>

#include <los/los.h>
#include <proc/client.h>
#include <thread/thread.h>

#include <signal/sig.h>

static const posix_call_fn table[LNX_NCALLS] = {
#define POSIX_CALL(num, name) [num] = posix_##name,
#include <posix/calls.def>
#undef POSIX_CALL
};

static uint8_t enosys_seen[LNX_NCALLS + 1];

/* A call's return looks at signals (los_sig_return) only when the mailbox's attention word
 * says something may be there (proc/client.h): one load in the common case. The look clears
 * the word first and raises it again while anything stays unsettled (a blocked signal, an
 * armed timer), so a signal made pending meanwhile is never missed. */
static long look(long r)
{
    if (proc_present)
        __atomic_store_n(PROC_ATTENTION, 0, __ATOMIC_SEQ_CST);
    r = los_sig_return(r); /* handlers run here, at the call's return */
    if (los_sig_unsettled())
        proc_attention_set();
    return r;
}

long los_syscall_call(long n, const long a[6])
{
    int first = 0;
    long r;
    los_sig_in_call++;
    do { /* threads share the pm mailbox: one call at a time uses it (libos/thread) */
        int taken = los_thread_pm_enter(n);
        r = posix_dispatch(table, LNX_NCALLS, n, a, enosys_seen, &first);
        los_thread_pm_leave(taken);
    } while (r == LOS_THREAD_RECALL); /* it waited without the mailbox: make it again */
    if (first)
        los_printf("posix: system call %ld is not implemented (ENOSYS)\n", n);
    los_sig_in_call--;
    return r;
}

/* Every call but the fast paths: the table, the mailbox's owner among threads, the look. */
static long __attribute__((noinline))
slow(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    const long a[6] = {a1, a2, a3, a4, a5, a6};
    for (;;) {
        long r = los_syscall_call(n, a);
        /* The word, or what is pending in the process now: another thread's look clears the
         * word until its own handlers have run, and a signal for us meanwhile must not wait. */
        if (!proc_present || *PROC_ATTENTION || los_sig_unsettled())
            r = look(r); /* signals: handlers run here, at the call's return */
        if (r != -LOS_ERESTARTSYS)
            return r;
    } /* a handler with SA_RESTART interrupted the call: it is made again */
}

/* Fast paths: calls that change nothing, need no mailbox and cannot block. With nothing to
 * look at, the return's look may as well come first. Every path is a leaf or a tail call, so
 * no frame (a backtrace through here skips this function, not its caller). */
static inline __attribute__((always_inline)) long fast(long n, long a1, long a2)
{
    if (__builtin_expect(proc_present && !*PROC_ATTENTION, 1)) {
        if (n == LNX_getpid) /* the process table, our slot's entry (getpid's own answer) */
            return ((const struct proc_table *)PROC_TABLE_VA)
                ->e[((const struct proc_mbox *)PROC_MBOX_VA)->slot]
                .pid;
        if (n == LNX_clock_gettime && (unsigned long)a1 <= LNX_CLOCK_MONOTONIC &&
            (uint64_t)a2 <= EXO_USER_TOP - 16)
            return posix_clock_gettime_fast((void *)a2);
    }
    return LOS_NOT_FAST;
}

__attribute__((optimize("omit-frame-pointer"))) long los_syscall(long n, long a1, long a2, long a3,
                                                                 long a4, long a5, long a6)
{
    long r = fast(n, a1, a2);
    return r != LOS_NOT_FAST ? r : slow(n, a1, a2, a3, a4, a5, a6);
}

long los_syscall_fast(long n, long a1, long a2)
{
    return fast(n, a1, a2);
}

long los_exo_calls(void)
{
    return (long)exo_env_calls(EXO_CAP_SELF);
}

long los_free_pages(void)
{
    return (long)exo_page_count();
}

long los_machine(int what)
{
    return (long)exo_machine((uint64_t)what);
}
