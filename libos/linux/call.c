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

#include <los/los.h>
#include <los/uaccess.h>
#include <los/upcall.h>

#include <signal/sig.h>
#include <thread/thread.h>

int lnx_stats; /* TESSERA_LINUX_STATS=1 in the binary's environment: a report at exit */
static uint64_t calls_left; /* (with lnx_stats) trapped calls of sites the scanner left */

/* Direct calls: each thread's own count (struct lnx_gs, entry.S), rows ended included, and
 * fastpath.c's corrections. */
static uint64_t fast_calls(void)
{
    uint64_t n = lnx_calls_fast;
    for (int i = 0; i < LOS_THREAD_MAX + 1; i++)
        n += __atomic_load_n(&lnx_gs[i].fast, __ATOMIC_RELAXED);
    return n;
}

/* The exit report: how calls came in, what the scanner made of the sites (the binary's, its
 * interpreter's and the libraries mapped since), and how many trapped calls came from a site it
 * found but left (red zone, unsure, prefixed, over the table: the rest trapped from code it never
 * saw, such as code made at run time). */
static void report(void)
{
    const struct lnx_scan_stats *s = &lnx_fast.scan;
    los_printf("linux: %lu calls direct, %lu trapped; %u sites rewritten, %u red zone, %u unsure, "
               "%u prefixed, %u over the table; %lu calls at sites left to trap\n",
               (unsigned long)fast_calls(), (unsigned long)lnx_calls_trap, lnx_fast.nsites,
               s->sites[LNX_SITE_REDZONE], s->sites[LNX_SITE_UNSURE], s->sites[LNX_SITE_PREFIXED],
               lnx_fast.full, (unsigned long)calls_left);
}

/* The calling thread's upcall state page and stack (libos/thread): the first thread's fixed
 * ones, or its row's. */
static void upcall_area(uint64_t *state, uint64_t *top)
{
    *state = LOS_UPCALL_STATE_VA;
    *top = LOS_UPCALL_STACK_TOP;
    los_thread_upcall_area(state, top);
}

long lnx_fast_call(struct exo_regs *u)
{
    if (!lnx_fast_site(u->rip - 2)) {
        /* Into the trampoline page some other way than a rewritten site: a call through a NULL
         * (or small) pointer. Linux faults at the target, the return address pushed: so do we,
         * at 0 (the sled hides where in it the call landed). */
        u->rsp -= 8;
        uint64_t ret = u->rip; /* back in its slot: the entry's pushfq wrote the flags there */
        los_copy_to_user((void *)u->rsp, &ret, 8);
        u->rip = 0;
        uint64_t state, top;
        upcall_area(&state, &top);
        lnx_fetch_fault(u, 0, state, top);
    }
    int n = (int)u->rax;
    uint64_t site = u->rip;
    long r = lnx_call(u);
    if (n == LNX_getpid && r > 0) { /* the leaf in lnx_fast_entry answers this site next time */
        struct lnx_gs *g = &lnx_gs[los_thread_row() + 1];
        g->pid = (uint64_t)r;
        __atomic_store_n(&g->site, site, __ATOMIC_SEQ_CST);
        if (!lnx_fast_site(site - 2)) /* dropped meanwhile by another thread (its forget may */
            __atomic_store_n(&g->site, 0, __ATOMIC_SEQ_CST); /* have come before our store) */
    }
    return r;
}

/* A reflected (trapped) call, from entry.S: counted when it came from a site the scanner left. */
long lnx_trap_call(struct exo_regs *u)
{
    if (lnx_stats && lnx_fast_left(u->rip - 2))
        __atomic_fetch_add(&calls_left, 1, __ATOMIC_RELAXED);
    return lnx_call(u);
}

long lnx_call(struct exo_regs *u)
{
    long n = (int)u->rax; /* Linux's number is eax, signed (do_syscall_64's int nr) */
    long r0 = los_syscall_fast(n, (long)u->rdi, (long)u->rsi); /* nothing to deliver after */
    if (r0 != LOS_NOT_FAST)
        return r0;
    if (lnx_stats && (n == LNX_exit_group || (n == LNX_exit && los_thread_row() < 0)))
        report(); /* the process's end (not each thread's exit: pthread_exit's) */
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
        if (n == LNX_mmap || n == LNX_munmap || n == LNX_mremap) /* code in, gone, moved */
            lnx_fast_mapped(n, a, r);
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
                uint64_t state, top;
                upcall_area(&state, &top); /* the caller's own */
                lnx_deliver(u, state, top);
            }
            if (los_sig_unsettled())
                proc_attention_set();
        }
        if (r != -LOS_ERESTARTSYS)
            return r;
    } /* interrupted, and no handler runs: made again at once */
}
