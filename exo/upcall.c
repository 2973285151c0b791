/*
 * upcall.c: upcalls (see upcall.h), the registration call, and the path every trap from ring 3
 * takes: a fault becomes an upcall or, with no handler, ends only the faulting env; a timer
 * tick may end the slice.
 */
#include <exo/error.h>
#include <exo/irq.h>
#include <exo/lapic.h>
#include <exo/page.h>
#include <exo/percpu.h>
#include <exo/pmap.h>
#include <exo/revoke.h>
#include <exo/sched.h>
#include <exo/trap.h>
#include <exo/syscall.h>
#include <exo/upcall.h>
#include <exo/vm.h>
#include <exo/x86.h>

extern struct exo_pages exo_pages;

int64_t sys_upcall_set(uint64_t handler, uint64_t stack_top, uint64_t state_va)
{
    struct env *self = caller();
    if (handler == 0) { /* unregister: faults end the env again */
        self->upcall_rip = 0;
        return 0;
    }
    if (handler >= EXO_USER_TOP || stack_top < 16 || stack_top > EXO_USER_TOP || stack_top % 16 ||
        state_va >= EXO_USER_TOP || state_va % EXO_PAGE)
        return EXO_E_INVAL;
    uint64_t ppn;
    if (pmap_user_page(self, state_va, 1, &ppn) < 0)
        return EXO_E_FAULT;
    if (!exo_page_owned_by(&exo_pages, ppn, self->owner))
        return EXO_E_PERM; /* exo writes the state page: it must be the env's own (its owner's) */
    self->upcall_rip = handler;
    self->upcall_rsp = stack_top;
    self->upcall_state_va = state_va;
    self->upcall_state_ppn = ppn;
    return 0;
}

int upcall_deliver(struct env *e, uint64_t kind, uint64_t vector, uint64_t error, uint64_t addr)
{
    if (!e->upcall_rip)
        return EXO_E_NOENT;
    uint64_t ppn = e->upcall_state_ppn;
    if (!exo_page_owned_by(&exo_pages, ppn, e->owner))
        return EXO_E_FAULT;
    struct exo_upcall_state *s = phys_to_virt(ppn * EXO_PAGE);
    if (s->in_upcall)
        return EXO_E_BUSY;
    const struct trapframe *t = &e->tf;
    s->in_upcall = 1;
    s->kind = kind;
    s->vector = vector;
    s->error = error;
    s->addr = addr;
    s->regs = (struct exo_regs){t->r15, t->r14, t->r13, t->r12, t->r11,    t->r10,
                                t->r9,  t->r8,  t->rbp, t->rdi, t->rsi,    t->rdx,
                                t->rcx, t->rbx, t->rax, t->rip, t->rflags, t->rsp};
    e->tf.rip = e->upcall_rip;
    e->tf.rsp = e->upcall_rsp - 8; /* as if called: rsp + 8 is 16-byte aligned */
    e->tf.rdi = e->upcall_state_va;
    return EXO_OK;
}

static void fault(struct env *e, struct trapframe *tf)
{
    uint64_t addr = tf->vector == 14 ? read_cr2() : 0;
    int r = upcall_deliver(e, EXO_UPCALL_FAULT, tf->vector, tf->error, addr);
    if (r == EXO_E_NOENT)
        env_kill(e, "fault with no upcall handler", tf);
    if (r == EXO_E_BUSY)
        env_kill(e, "fault inside its upcall handler", tf);
    if (r < 0)
        env_kill(e, "fault, and its upcall state page is gone", tf);
}

void trap_from_user(struct trapframe *tf)
{
    struct env *e = env_current();
    if (!e) { /* another CPU ended our env while it ran here (env_free) */
        if (tf->vector >= 32)
            trap_interrupt(tf);
        sched_run();
    }
    e->tf = *tf;
    if (tf->vector == VEC_TIMER) {
        timer_tick();
        revoke_tick(e); /* may redirect e into its REVOKE handler, or take a page */
        lapic_eoi();
        if (sched_tick(e)) {
            /* Slice used up. An env with a handler learns of it: its context goes to its own
             * state page and it resumes in the handler next time (if it is not in one). */
            upcall_deliver(e, EXO_UPCALL_SLICE, this_cpu()->id, this_cpu()->ticks, 0);
            sched_run(); /* the next runnable env, maybe e again */
        }
        if (e->stopped)
            sched_run(); /* stopped while it ran (the IPI may have been lost to an idle hlt) */
    } else if (tf->vector < 32) {
        fault(e, tf);
    } else if (tf->vector == VEC_RESCHED) {
        lapic_eoi(); /* a kick for an idle CPU, or a transfer elsewhere wants e's context */
        if (!sched_may_run(e))
            sched_run();
    } else {
        trap_interrupt(tf); /* a device vector (a post on its event), an IOMMU fault: as in idle */
    }
    env_run(e);
}
