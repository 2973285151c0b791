/*
 * call.c: a reflected Linux call, run by the same libOS code a native program's los_syscall
 * runs (the calls.def table), with Linux's boundary: arguments from rdi, rsi, rdx, r10, r8,
 * r9, the result (or -errno) in rax. At its return pending signals go to the binary's own
 * context (not the runtime's), and a call a signal interrupted is made again, or rewound as
 * Linux rewinds it: with SA_RESTART and a handler, rip goes back 2 bytes to the `syscall`
 * and rax holds its number again, so the call is made anew after the handler's rt_sigreturn.
 * clone of a thread and clone3 are clone.c's: the new thread needs the caller's registers.
 */
#include <linux_rt/lnx.h>

#include <posix/calls.h>
#include <proc/client.h>

#include <signal/sig.h>
#include <thread/thread.h>

long lnx_call(struct exo_regs *u)
{
    long n = (long)u->rax;
    long a[6] = {(long)u->rdi, (long)u->rsi, (long)u->rdx, (long)u->r10, (long)u->r8, (long)u->r9};
    if (n == LNX_rt_sigreturn) /* Linux's takes no argument: the frame's ucontext is at rsp (the
                                  handler's `ret` popped pretcode); the libOS's takes it */
        a[0] = (long)u->rsp;
    for (;;) {
        long r;
        if (n == LNX_clone) /* a thread needs our registers */
            r = lnx_clone(u, a);
        else if (n == LNX_clone3)
            r = lnx_clone3(u, a);
        else
            r = los_syscall_call(n, a);
        if (!proc_present || *PROC_ATTENTION) {
            if (proc_present)
                __atomic_store_n(PROC_ATTENTION, 0, __ATOMIC_SEQ_CST);
            if (los_sig_ready()) {
                if (r != -LOS_ERESTARTSYS) {
                    u->rax = (uint64_t)r;
                } else if (los_sig_next_restarts()) {
                    u->rax = (uint64_t)n; /* the call again, after the handler */
                    u->rip -= 2;          /* `syscall` is 0f 05 */
                } else {
                    u->rax = (uint64_t)-LNX_EINTR;
                }
                struct los_upcall_area at = los_thread_upcall_area(); /* the caller's own */
                lnx_deliver(u, at.state, at.stack_top);
            }
            if (los_sig_unsettled())
                proc_attention_set();
        }
        if (r != -LOS_ERESTARTSYS)
            return r;
    } /* interrupted, and no handler runs: made again at once */
}
