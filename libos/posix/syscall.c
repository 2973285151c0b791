/*
 * syscall.c: los_syscall, where musl's system-call entry lands (libos/musl/README.md): the
 * Linux number picks a handler from the table calls.def makes; a number with none is ENOSYS,
 * said once on the console so a missing call is seen without flooding it. At the return,
 * pending signals are delivered (libos/signal); a call they interrupt may be made again.
 */
#include <posix/calls.h>

#include <los/los.h>
#include <thread/thread.h>

#include <signal/sig.h>

static const posix_call_fn table[LNX_NCALLS] = {
#define POSIX_CALL(num, name) [num] = posix_##name,
#include <posix/calls.def>
#undef POSIX_CALL
};

static uint8_t enosys_seen[LNX_NCALLS + 1];

long los_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    const long a[6] = {a1, a2, a3, a4, a5, a6};
    for (;;) {
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
        r = los_sig_return(r); /* signals: handlers run here, at the call's return */
        if (r != -LOS_ERESTARTSYS)
            return r;
    } /* a handler with SA_RESTART interrupted the call: it is made again */
}

long los_exo_calls(void)
{
    return (long)exo_env_calls(EXO_CAP_SELF);
}

long los_free_pages(void)
{
    return (long)exo_page_count();
}
