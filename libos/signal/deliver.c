/*
 * deliver.c: delivering signals. Everything here runs as an upcall (exo's fault and slice
 * upcalls, or the libOS's own through los_sig_enter), with the interrupted context in the
 * state page: a handler is started by writing a Linux frame (frame.h) on the chosen stack and
 * pointing the saved context at the handler, so the upcall's resume enters it; sigreturn
 * loads the saved context back from the frame. A fault inside an upcall would end the env
 * (exo allows no nested upcall), so every page a frame goes to is checked with exo first,
 * and sigreturn reads the frame before entering (sigreturn's call, below).
 */
#include "sigstate.h"

#include <los/cow.h>
#include <los/los.h>
#include <los/spawn.h>
#include <los/uaccess.h>
#include <los/upcall.h>

#include <posix/calls.h>
#include <proc/client.h>
#include <proc/layout.h>
#include <thread/thread.h>

struct sig_state sig = {.altstack = {.ss_flags = LNX_SS_DISABLE}};
volatile long los_sig_in_call;

extern uint64_t los_upcall_fpu_mask, los_upcall_fpu_size; /* core/upcall.c */

#define RED_ZONE 128        /* skipped below the interrupted rsp, as Linux does */
#define USER_FLAGS 0xcd5ull /* CF PF AF ZF SF DF OF: the flags a frame may set */
#define XSAVE_HEADER 512    /* XSTATE_BV, XCOMP_BV, then reserved bytes to 576 */
#define MXCSR_OFF 24
#define MXCSR_MASK_OFF 28
#define FPU_MAX 4096 /* the largest image sigreturn takes */

static void __attribute__((noreturn)) die(int n, int core)
{
    if (los_sig_die)
        los_sig_die(n, core);
    los_printf("los: process %ld killed by signal %d%s\n", sig_pid(), n,
               core ? " (core dumped)" : "");
    los_exit(128 + n);
}

struct sig_thread *sig_me(void)
{
    struct sig_thread *t = los_thread_sig();
    return t ? t : &sig.main;
}

uint64_t sig_pending_me(void)
{
    return __atomic_load_n(&sig.pending, __ATOMIC_SEQ_CST) |
           __atomic_load_n(&sig_me()->pending, __ATOMIC_SEQ_CST);
}

void los_sig_thread_new(void *area)
{
    *(struct sig_thread *)area = (struct sig_thread){.blocked = sig_me()->blocked};
}

static int ignored_now(int n)
{
    const struct lnx_sigaction *a = &sig.act[n];
    return a->handler == LNX_SIG_IGN ||
           (a->handler == LNX_SIG_DFL && sig_default_action(n) == SIG_DEF_IGNORE);
}

long sig_post_thread(struct sig_thread *t, int n, uint32_t uid)
{
    uint64_t b = sig_bit(n);
    if (ignored_now(n) && !((t->blocked | t->waitset) & b))
        return 0;
    if (!(__atomic_fetch_or(&t->pending, b, __ATOMIC_SEQ_CST) & b)) {
        t->tkill_uid = uid;
        __atomic_fetch_add(&sig.directed, 1, __ATOMIC_SEQ_CST);
    }
    proc_attention_set(); /* after the bit: the next call's return looks */
    if (t != sig_me()) {
        los_thread_kick(t == &sig.main ? NULL : t); /* a futex wait it blocks in ends */
        if (proc_present)              /* it may sleep on the process's wake event, which */
            proc_call(PM_OP_sig_wake); /* only pm may post */
    }
    return 0;
}

long sig_post_thread_timer(struct sig_thread *t, int n)
{
    if (!(__atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & sig_bit(n)))
        __atomic_fetch_or(&t->timer, sig_bit(n), __ATOMIC_SEQ_CST);
    return sig_post_thread(t, n, 0);
}

struct sig_thread *sig_thread_of(long tid)
{
    if (tid == sig_pid())
        return &sig.main;
    return tid >= LOS_THREAD_TID_BASE ? los_thread_sig_of(tid) : NULL;
}

void sig_take_out(int n, struct lnx_siginfo *info)
{
    struct sig_thread *me = sig_me();
    uint64_t b = sig_bit(n);
    if (__atomic_fetch_and(&me->pending, ~b, __ATOMIC_SEQ_CST) & b) {
        __atomic_fetch_sub(&sig.directed, 1, __ATOMIC_SEQ_CST);
        *info = (struct lnx_siginfo){.si_signo = n, .si_code = LNX_SI_TKILL};
        info->u.proc.pid = (int32_t)sig_pid();
        info->u.proc.uid = me->tkill_uid;
        if (__atomic_fetch_and(&me->timer, ~b, __ATOMIC_SEQ_CST) & b)
            *info = (struct lnx_siginfo){.si_signo = n, .si_code = LNX_SI_TIMER};
        return;
    }
    __atomic_fetch_and(&sig.pending, ~b, __ATOMIC_SEQ_CST);
    sig_dequeue(n, info);
}

long los_sig_post_from(int n, int code, long pid, uint32_t uid, int64_t value)
{
    if (n < 1 || n > LOS_NSIG)
        return -LNX_EINVAL;
    uint64_t b = sig_bit(n);
    int ignored = ignored_now(n);
    if (ignored && !((sig_me()->blocked | sig_me()->waitset) & b)) /* a blocked one waits: its
                                                          disposition may change */
        return 0;
    struct lnx_siginfo in = {.si_signo = n, .si_code = code};
    in.u.proc.pid = (int32_t)pid;
    in.u.proc.uid = uid;
    in.u.raw[1] = (uint64_t)value; /* si_value, after pid and uid */
    if (n >= SIG_RTMIN) {
        if (sig.rtq_n == SIG_RTQ_MAX)
            return -LNX_EAGAIN;
        sig.rtq[sig.rtq_n++] = in;
    } else if (!(__atomic_load_n(&sig.pending, __ATOMIC_RELAXED) & b)) {
        sig.info[n] = in;
    }
    __atomic_fetch_or(&sig.pending, b, __ATOMIC_SEQ_CST);
    proc_attention_set(); /* after the bit: the next call's return looks */
    return 0;
}

void los_sig_post(int n, int code, long pid)
{
    los_sig_post_from(n, code, pid, 0, 0);
}

void sig_dequeue(int n, struct lnx_siginfo *info)
{
    if (n < SIG_RTMIN) {
        *info = sig.info[n];
        if (info->si_code == LNX_SI_TIMER)
            info->u.proc.uid = (uint32_t)sig_timer_taken(info->u.proc.pid);
        return;
    }
    int i = 0, more = 0;
    while (i < sig.rtq_n && sig.rtq[i].si_signo != n)
        i++;
    if (i == sig.rtq_n) { /* pending with no instance queued (exec kept only the bit) */
        *info = (struct lnx_siginfo){.si_signo = n, .si_code = LNX_SI_USER};
        return;
    }
    *info = sig.rtq[i];
    if (info->si_code == LNX_SI_TIMER) /* si_overrun, as the signal is taken */
        info->u.proc.uid = (uint32_t)sig_timer_taken(info->u.proc.pid);
    for (int j = i; j + 1 < sig.rtq_n; j++) {
        sig.rtq[j] = sig.rtq[j + 1];
        more |= sig.rtq[j].si_signo == n;
    }
    sig.rtq_n--;
    if (more)
        __atomic_fetch_or(&sig.pending, sig_bit(n), __ATOMIC_SEQ_CST);
}

void sig_discard(int n)
{
    __atomic_fetch_and(&sig.pending, ~sig_bit(n), __ATOMIC_SEQ_CST);
    if (__atomic_fetch_and(&sig_me()->pending, ~sig_bit(n), __ATOMIC_SEQ_CST) & sig_bit(n))
        __atomic_fetch_sub(&sig.directed, 1, __ATOMIC_SEQ_CST); /* (other threads' stay) */
    int k = 0;
    for (int i = 0; i < sig.rtq_n; i++)
        if (sig.rtq[i].si_signo != n)
            sig.rtq[k++] = sig.rtq[i];
    sig.rtq_n = k;
}

/* Signals others sent (the process server), and the timer's. */
static void fetch(void)
{
    if (los_sig_fetch) {
        uint64_t set = los_sig_fetch();
        while (set) {
            int n = __builtin_ctzll(set) + 1;
            set &= set - 1;
            los_sig_post(n, LNX_SI_USER, 0);
        }
    }
    sig_timer_poll();
}

int los_sig_unsettled(void)
{
    return __atomic_load_n(&sig.pending, __ATOMIC_SEQ_CST) != 0 ||
           __atomic_load_n(&sig.directed, __ATOMIC_SEQ_CST) != 0 || sig_timer_armed();
}

int sig_ready(void)
{
    fetch();
    return (sig_pending_me() & ~sig_me()->blocked) != 0;
}

/* Does taking signal n restart an interrupted call? (SA_RESTART, or no handler runs.) */
static int restarts(int n)
{
    const struct lnx_sigaction *a = &sig.act[n];
    if (a->handler == LNX_SIG_IGN)
        return 1;
    if (a->handler == LNX_SIG_DFL)
        return sig_default_action(n) == SIG_DEF_IGNORE || sig_default_action(n) == SIG_DEF_STOP;
    return (a->flags & LNX_SA_RESTART) != 0;
}

int los_sig_ready(void)
{
    return sig_ready();
}

int los_sig_next_restarts(void)
{
    return restarts(sig_next(sig_pending_me() & ~sig_me()->blocked));
}

long los_sig_interrupt(void)
{
    if (!sig_ready())
        return 0;
    int n = sig_next(sig_pending_me() & ~sig_me()->blocked);
    return restarts(n) ? -LOS_ERESTARTSYS : -LNX_EINTR;
}

long los_sig_peek(void)
{
    sig_timer_poll();
    uint64_t blocked = sig_me()->blocked;
    uint64_t set = sig_pending_me() & ~blocked;
    if (proc_present) /* pm's bits: only those the process catches or holds are set there */
        set |= __atomic_load_n(&proc_self()->pending, __ATOMIC_SEQ_CST) & ~blocked;
    if (!set)
        return 0;
    return restarts(sig_next(set)) ? -LOS_ERESTARTSYS : -LNX_EINTR;
}

int los_sig_may_interrupt(void)
{
    if (sig_timer_armed())
        return 1;
    uint64_t caught = 0;
    for (int n = 1; n <= LOS_NSIG; n++)
        if (sig.act[n].handler != LNX_SIG_DFL && sig.act[n].handler != LNX_SIG_IGN)
            caught |= sig_bit(n);
    return proc_present && (caught & ~sig_me()->blocked) != 0;
}

long los_sig_return(long r)
{
    if (!sig_ready())
        return r;
    if (r == -LOS_ERESTARTSYS) {
        int n = sig_next(sig_pending_me() & ~sig_me()->blocked);
        if (!restarts(n))
            r = -LNX_EINTR;
    }
    return los_sig_enter(SIG_OP_DELIVER, r, 0);
}

/* 1 if every page of [lo, hi) is mapped writable (growing the stack where it may grow, paging
 * in an alternate stack's pages never touched). */
static int writable(uint64_t lo, uint64_t hi)
{
    if (lo >= hi || hi > EXO_USER_TOP)
        return 0;
    for (uint64_t va = lo & ~(EXO_PAGE - 1); va < hi; va += EXO_PAGE) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
        if (pte >= 0 ? !(pte & EXO_PROT_W) && !los_cow_break(va)
                     : !sig_stack_grow_at(va) && !posix_memory_demand(va))
            return 0; /* a copy-on-write page is made ours here, a demand page paged in: the
                       * frame's stores would fault */
    }
    return 1;
}

static int on_altstack(uint64_t sp)
{
    const struct lnx_stack *a = &sig.altstack;
    return !(a->ss_flags & LNX_SS_DISABLE) && sp > a->ss_sp && sp - a->ss_sp <= a->ss_size;
}

/* The handler starts with the x87/SSE/AVX registers in their initial state (as on Linux):
 * with XSAVE, XSTATE_BV 0 makes XRSTOR load every component's initial value; MXCSR is
 * loaded from the image either way. */
static void fpu_clean(uint8_t *fpu)
{
    if (!los_upcall_fpu_mask) {
        for (uint64_t i = 0; i < 512; i++)
            fpu[i] = 0;
        *(uint16_t *)fpu = 0x37f; /* FCW after FNINIT */
    } else {
        *(uint64_t *)(fpu + XSAVE_HEADER) = 0;
    }
    *(uint32_t *)(fpu + MXCSR_OFF) = 0x1f80;
}

/* Writes signal n's frame for the context in s, and points s at handler a. 0 if the frame's
 * stack cannot take it. */
static int frame_build(struct exo_upcall_state *s, int n, const struct lnx_sigaction *a,
                       const struct lnx_siginfo *info, uint64_t oldmask)
{
    uint64_t rsp = s->regs.rsp, sp = rsp - RED_ZONE;
    int onstack = on_altstack(rsp);
    int to_alt = (a->flags & LNX_SA_ONSTACK) && !(sig.altstack.ss_flags & LNX_SS_DISABLE);
    if (to_alt && !onstack)
        sp = sig.altstack.ss_sp + sig.altstack.ss_size;
    uint64_t fpsz = los_upcall_fpu_size;
    uint64_t fp = (sp - fpsz - 4) & ~63ull;
    uint64_t fr = ((fp - sizeof(struct lnx_rt_sigframe)) & ~15ull) - 8;
    if (fr > sp || ((to_alt || onstack) && fr < sig.altstack.ss_sp))
        return 0; /* the alternate stack is too small, or overflowed */
    if (!writable(fr, fp + fpsz + 4))
        return 0;

    uint8_t *fpu = los_upcall_fpu(s);
    uint8_t *img = (uint8_t *)fp;
    for (uint64_t i = 0; i < fpsz; i++)
        img[i] = fpu[i];
    *(uint32_t *)(img + fpsz) = LNX_FP_XSTATE_MAGIC2;
    if (los_upcall_fpu_mask) { /* the software words that say an XSAVE image follows */
        uint32_t *sw = (uint32_t *)(img + LNX_FPX_SW_BYTES);
        sw[0] = LNX_FP_XSTATE_MAGIC1;
        sw[1] = (uint32_t)fpsz + 4;                /* extended_size */
        *(uint64_t *)&sw[2] = los_upcall_fpu_mask; /* xfeatures */
        sw[4] = (uint32_t)fpsz;                    /* xstate_size */
    }

    struct lnx_rt_sigframe *f = (struct lnx_rt_sigframe *)fr;
    const struct exo_regs *g = &s->regs;
    f->pretcode = a->flags & LNX_SA_RESTORER ? a->restorer : (uint64_t)los_sig_restorer;
    f->uc.uc_flags = LNX_UC_SIGCONTEXT_SS | LNX_UC_STRICT_RESTORE_SS |
                     (los_upcall_fpu_mask ? LNX_UC_FP_XSTATE : 0);
    f->uc.uc_link = 0;
    f->uc.uc_stack = sig.altstack;
    f->uc.uc_stack.pad = 0;
    if (onstack)
        f->uc.uc_stack.ss_flags = LNX_SS_ONSTACK;
    f->uc.uc_mcontext = (struct lnx_sigcontext){.r8 = g->r8,
                                                .r9 = g->r9,
                                                .r10 = g->r10,
                                                .r11 = g->r11,
                                                .r12 = g->r12,
                                                .r13 = g->r13,
                                                .r14 = g->r14,
                                                .r15 = g->r15,
                                                .rdi = g->rdi,
                                                .rsi = g->rsi,
                                                .rbp = g->rbp,
                                                .rbx = g->rbx,
                                                .rdx = g->rdx,
                                                .rax = g->rax,
                                                .rcx = g->rcx,
                                                .rsp = g->rsp,
                                                .rip = g->rip,
                                                .eflags = g->rflags,
                                                .cs = 0x33,
                                                .ss = 0x2b,
                                                .oldmask = oldmask,
                                                .fpstate = fp};
    if (s->kind == EXO_UPCALL_FAULT) {
        f->uc.uc_mcontext.err = s->error;
        f->uc.uc_mcontext.trapno = s->vector;
        f->uc.uc_mcontext.cr2 = s->addr;
    }
    f->uc.uc_mcontext.reserved1[0] = (uint64_t)los_sig_in_call; /* the libOS's, restored too */
    f->uc.uc_sigmask = oldmask;
    f->info = *info;

    fpu_clean(fpu);
    s->regs.rip = a->handler;
    s->regs.rsp = fr;
    s->regs.rdi = (uint64_t)n;
    s->regs.rsi = (uint64_t)&f->info;
    s->regs.rdx = (uint64_t)&f->uc;
    s->regs.rax = 0;
    s->regs.rflags &= ~0x400ull; /* DF clear, as the ABI wants at a call */
    los_sig_in_call = 0;
    return 1;
}

/* Takes signal n (no longer pending) for the context in s: its handler's frame, nothing
 * (ignored), or the process's end. 1 if a frame was built. */
static int take(struct exo_upcall_state *s, int n, const struct lnx_siginfo *in)
{
    struct lnx_sigaction *a = &sig.act[n];
    struct lnx_siginfo info = *in;
    if (a->handler == LNX_SIG_IGN)
        return 0;
    if (a->handler == LNX_SIG_DFL) {
        switch (sig_default_action(n)) {
        case SIG_DEF_IGNORE:
            return 0;
        case SIG_DEF_STOP: /* stopping is the process server's (job control) */
            if (los_sig_stop)
                los_sig_stop(n);
            return 0;
        case SIG_DEF_TERM:
            die(n, 0);
        case SIG_DEF_CORE:
            die(n, 1);
        }
    }
    uint64_t oldmask = sig_me()->suspended ? sig_me()->suspend_mask : sig_me()->blocked;
    if (!frame_build(s, n, a, &info, oldmask))
        die(LNX_SIGSEGV, 1); /* no room for the frame: Linux forces SIGSEGV */
    sig_me()->suspended = 0;
    sig_me()->blocked |= a->mask | (a->flags & LNX_SA_NODEFER ? 0 : sig_bit(n));
    sig_me()->blocked &= ~SIG_UNBLOCKABLE;
    sig_hold_publish(); /* pm leaves what the handler blocks pending (no pm call in an upcall) */
    if (a->flags & LNX_SA_RESETHAND) {
        a->handler = LNX_SIG_DFL;
        a->flags &= ~(uint64_t)LNX_SA_SIGINFO;
    }
    return 1;
}

/* Every deliverable signal, each handler's frame on top of the previous one (the last one
 * taken runs first, as on Linux). */
static void deliver_all(struct exo_upcall_state *s)
{
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < LOS_NSIG; k++) { /* each pass takes one signal out */
            fetch();
            uint64_t set = sig_pending_me() & ~sig_me()->blocked;
            if (!set)
                break;
            int n = sig_next(set);
            struct lnx_siginfo info;
            sig_take_out(n, &info);
            take(s, n, &info);
        }
        if (!sig_me()->suspended)
            break;
        /* sigsuspend woke, but no handler ran: its mask ends here, and what it held may be
         * deliverable now (pm left it pending: it is fetched in the next round) */
        sig_me()->blocked = sig_me()->suspend_mask;
        sig_me()->suspended = 0;
        sig_hold_publish();
    }
}

/* What rt_sigreturn hands its upcall: the frame's context, read while faults were safe. */
struct sig_restore {
    struct lnx_ucontext uc;
    uint8_t fpu[FPU_MAX] __attribute__((aligned(64)));
    int has_fpu;
};
static struct sig_restore restore_buf; /* the first thread's; another's is in its row */
_Static_assert(sizeof(struct sig_restore) <= LOS_THREAD_ROW_TOP - LOS_THREAD_RESTORE_OFF,
               "a thread's rt_sigreturn buffer fits its row's pages");

/* los_sig_enter on the calling thread's own upcall state page and stack: the first thread's
 * fixed ones, or its row's (libos/thread): two threads never share them. */
long los_sig_enter(long op, long value, uint64_t arg)
{
    uint64_t state = LOS_UPCALL_STATE_VA, top = LOS_UPCALL_STACK_TOP;
    los_thread_upcall_area(&state, &top);
    return los_sig_enter_at(op, value, arg, state, top);
}

static void restore(struct exo_upcall_state *s, const struct sig_restore *r)
{
    const struct lnx_sigcontext *m = &r->uc.uc_mcontext;
    s->regs = (struct exo_regs){.r15 = m->r15,
                                .r14 = m->r14,
                                .r13 = m->r13,
                                .r12 = m->r12,
                                .r11 = m->r11,
                                .r10 = m->r10,
                                .r9 = m->r9,
                                .r8 = m->r8,
                                .rbp = m->rbp,
                                .rdi = m->rdi,
                                .rsi = m->rsi,
                                .rdx = m->rdx,
                                .rcx = m->rcx,
                                .rbx = m->rbx,
                                .rax = m->rax,
                                .rip = m->rip,
                                .rflags = (s->regs.rflags & ~USER_FLAGS) | (m->eflags & USER_FLAGS),
                                .rsp = m->rsp};
    if (r->has_fpu) {
        uint8_t *fpu = los_upcall_fpu(s);
        uint32_t mask = *(uint32_t *)(fpu + MXCSR_MASK_OFF);
        for (uint64_t i = 0; i < los_upcall_fpu_size; i++)
            fpu[i] = r->fpu[i];
        /* Only what XRSTOR takes without a fault: MXCSR within its mask, a standard-form
         * header naming only the components enabled. */
        *(uint32_t *)(fpu + MXCSR_OFF) &= mask ? mask : 0xffbf;
        if (los_upcall_fpu_mask) {
            *(uint64_t *)(fpu + XSAVE_HEADER) &= los_upcall_fpu_mask;
            for (int i = 8; i < 64; i++)
                fpu[XSAVE_HEADER + i] = 0;
        }
    }
    sig_me()->blocked = r->uc.uc_sigmask & ~SIG_UNBLOCKABLE;
    sig_hold_publish(); /* lowered: deliver_all fetches what pm held for us next */
    los_sig_in_call = (long)m->reserved1[0];
}

/* LOS_UPCALL_SELF: delivery at a call's return, and sigreturn. */
static int on_self(struct exo_upcall_state *s)
{
    if (s->error == SIG_OP_RETURN)
        restore(s, (const struct sig_restore *)s->addr);
    deliver_all(s);
    return 0;
}

/* A time slice ended while the program computed: deliver now (a timer's SIGALRM, others'
 * signals); in the libOS's own code, its call's return will. */
static int on_slice(struct exo_upcall_state *s)
{
#ifdef LOS_LINUX_RUNTIME
    /* A Linux binary's threads: the interrupted thread is in a call when its rip is in the
     * libOS's range (the runtime, libos/linux), where no binary's code lives; a shared word
     * could not say which thread is. */
    int in_call = s->regs.rip >= LOS_LIBOS_LO && s->regs.rip < LOS_LIBOS_HI;
#else
    int in_call = los_sig_in_call != 0;
#endif
    if (!in_call)
        deliver_all(s);
    return 0;
}

static int on_fault(struct exo_upcall_state *s);

/* A context that cannot be resumed (its stack has no page for the resume's words): what Linux
 * sees when it resumes there, a fault at rip (taken as a fetch fault, SIGSEGV with SEGV_MAPERR
 * at rip: its first instruction, or the push that needs the stack). A handler on an alternate
 * stack runs (1: resume its context); without one the process dies, its frame having no room. */
static int on_lost(struct exo_upcall_state *s)
{
    s->vector = 14;
    s->error = 0x14; /* not present | user | instruction fetch */
    s->addr = s->regs.rip;
    on_fault(s);
    return 1;
}

static int on_fault(struct exo_upcall_state *s)
{
    struct lnx_siginfo info;
    uint32_t mxcsr = *(uint32_t *)((uint8_t *)los_upcall_fpu(s) + MXCSR_OFF);
    int n = sig_from_fault(s->vector, s->error, s->addr, s->regs.rip, mxcsr, &info);
    if (n == LNX_SIGSEGV && info.si_code == LNX_SEGV_MAPERR && s->vector == 14 &&
        posix_memory_prot_none(s->addr))
        info.si_code = LNX_SEGV_ACCERR; /* mapped PROT_NONE, as Linux sees it */
    if (n == LNX_SIGSEGV && s->vector == 14 && posix_memory_sigbus(s->addr)) {
        n = LNX_SIGBUS; /* a file mapping's page past the file's end */
        info.si_signo = LNX_SIGBUS;
        info.si_code = LNX_BUS_ADRERR;
    }
    if (n == LNX_SIGTRAP && s->vector == 13) { /* int3 refused by the IDT: a fault at it, but */
        uint8_t op = *(const uint8_t *)s->regs.rip; /* #BP is a trap: resume after it */
        s->regs.rip += op == 0xcc ? 1 : 2;          /* int3, or int $3 */
    }
    const struct lnx_sigaction *a = &sig.act[n];
    /* A fault's signal cannot wait: blocked or ignored, it takes its default action (Linux's
     * force_sig). */
    if ((sig_me()->blocked & sig_bit(n)) || a->handler == LNX_SIG_IGN ||
        a->handler == LNX_SIG_DFL) {
        los_printf("los: process %ld: signal %d (code %d) at rip 0x%lx addr 0x%lx\n", sig_pid(), n,
                   info.si_code, s->regs.rip, info.u.addr);
        die(n, sig_default_action(n) == SIG_DEF_CORE);
    }
    sig.info[n] = info; /* a fault's signal below SIGRTMIN: its siginfo is the fault's */
    __atomic_fetch_or(&sig.pending, sig_bit(n), __ATOMIC_SEQ_CST);
    deliver_all(s); /* synchronous signals are taken first */
    return 0;
}

long posix_rt_sigreturn(const long a[6])
{
    struct sig_restore *r = los_thread_restore_buf();
    if (!r)
        r = &restore_buf;
    if (los_copy_from_user(&r->uc, (const void *)a[0], sizeof r->uc) < 0)
        die(LNX_SIGSEGV, 1);
    uint64_t fp = r->uc.uc_mcontext.fpstate;
    r->has_fpu = fp != 0;
    if (fp && (los_upcall_fpu_size > FPU_MAX || (fp & 63) ||
               los_copy_from_user(r->fpu, (const void *)fp, los_upcall_fpu_size) < 0))
        die(LNX_SIGSEGV, 1);
    los_sig_enter(SIG_OP_RETURN, 0, (uint64_t)r);
    die(LNX_SIGSEGV, 1); /* not reached: the upcall resumes the frame's context */
}

static int interrupt(void)
{
    return (int)los_sig_interrupt();
}

int los_sig_init(void)
{
    int r = los_upcall_init();
    if (r < 0)
        return r;
    proc_interrupt = interrupt; /* pm's would-block waits end for a signal (EINTR, restart) */
    proc_wait_deadline = sig_timer_deadline; /* ... and at the real-time timer's expiry */
    if (proc_present) /* pm posts it when another process sends us a signal */
        los_sig_wake_event = ((const struct proc_mbox *)PROC_MBOX_VA)->wake_cap;
    los_upcall_handle(EXO_UPCALL_FAULT, on_fault);
    los_upcall_handle(EXO_UPCALL_SLICE, on_slice);
    los_upcall_handle(LOS_UPCALL_SELF, on_self);
    los_upcall_pager(sig_stack_pager);
    los_upcall_room(sig_stack_room);
    los_upcall_lost(on_lost);
    return 0;
}
