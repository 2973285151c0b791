/*
 * pct.c: protected control transfer (see pct.h). One transfer at a time per callee: a callee
 * that is serving a call, or is itself blocked in pct_call, is EXO_E_BUSY, so the one saved
 * context per env (env.pct_saved_*) is always enough and a reply always finds its caller.
 */
#include <exo/event.h>
#include <exo/lapic.h>
#include <exo/percpu.h>
#include <exo/trap.h>
#include <exo/pct.h>
#include <exo/sched.h>
#include <exo/syscall.h>

int64_t sys_pct_entry(uint64_t rip, uint64_t stack_top)
{
    struct env *self = caller();
    if (rip == 0) { /* unregister: calls into us are EXO_E_NOENT again */
        self->pct_rip = 0;
        return 0;
    }
    if (rip >= EXO_USER_TOP || stack_top == 0 || stack_top > EXO_USER_TOP || stack_top % 16)
        return EXO_E_INVAL;
    self->pct_rip = rip;
    self->pct_rsp = stack_top;
    return 0;
}

int64_t sys_pct_call(uint64_t env, uint64_t a0, uint64_t a1)
{
    struct env *self = caller(), *t;
    int r = cap_env(self, env, EXO_RIGHT_CALL, &t);
    if (r < 0)
        return r;
    if (t == self)
        return EXO_E_INVAL; /* we cannot both wait for the reply and give it */
    if (!t->pct_rip)
        return EXO_E_NOENT;
    if (t->pct_caller || t->pct_callee || (t->state != ENV_RUNNABLE && t->state != ENV_BLOCKED))
        return EXO_E_BUSY;
    if (t->oncpu && self->claim_until > exo_ticks)
        return EXO_E_BUSY; /* t may be calling us right now: two claims would wait each other out */
    if (t->oncpu) {
        /* Running on another CPU: its context is not ours to set aside yet. That CPU is asked
         * to let go (no CPU picks t for a tick or two), and this call is made again from
         * ring 3: the syscall instruction is 2 bytes, and rax still holds the call number. */
        t->claim_until = exo_ticks + 2;
        lapic_ipi(t->oncpu->lapic_id, ICR_FIXED | VEC_RESCHED);
        self->tf.rip -= 2;
        return (int64_t)self->tf.rax;
    }
    t->claim_until = 0;
    t->rest_until = 0; /* resting after a yield (sched_yield) or not, the call runs now */

    /* Set the callee's context aside; its entry runs as if called: rsp + 8 16-byte aligned. */
    t->pct_saved_tf = t->tf;
    t->pct_saved_state = t->state;
    t->pct_saved_wait = t->wait_event;
    t->pct_saved_deadline = t->wait_deadline; /* a timed wait inside the call must not end it */
    t->wait_event = 0;
    t->wait_deadline = 0;
    t->tf = (struct trapframe){.rip = t->pct_rip,
                               .rsp = t->pct_rsp - 8,
                               .rdi = self->owner, /* a thread calls for its process */
                               .rsi = a0,
                               .rdx = a1,
                               .rflags = 0x202};
    t->pct_caller = self->id;
    t->state = ENV_RUNNABLE;
    t->slice_left = self->slice_left; /* the call runs on the caller's time */

    self->pct_callee = t->id;
    self->state = ENV_BLOCKED; /* pct_return (or the callee's end) sets our rax */
    sched_switch_to(t);
}

int64_t sys_pct_return(uint64_t r0)
{
    struct env *self = caller();
    if (!self->pct_caller)
        return EXO_E_INVAL; /* not serving a transfer */
    struct env *c = env_by_id(self->pct_caller);

    self->pct_caller = 0;
    self->tf = self->pct_saved_tf;
    if (self->pct_saved_state == ENV_BLOCKED) {
        event_rewait(self, self->pct_saved_wait); /* posts during the call count */
        if (self->state == ENV_BLOCKED)           /* past already: the next tick ends it with 0 */
            self->wait_deadline = self->pct_saved_deadline;
    } else
        self->state = self->pct_saved_state;

    if (c && c->pct_callee == self->id) { /* the caller may have ended meanwhile */
        c->pct_callee = 0;
        c->tf.rax = r0;
        c->state = ENV_RUNNABLE;
        c->slice_left = self->slice_left;
        sched_kick(); /* self stays runnable too: another CPU may take it */
        sched_switch_to(c);
    }
    sched_switch_to(self);
}

void pct_env_freed(const struct env *e)
{
    struct env *c = env_by_id(e->pct_caller);
    if (c && c->pct_callee == e->id) {
        c->pct_callee = 0;
        c->tf.rax = (uint64_t)(int64_t)EXO_E_NOENT;
        c->state = ENV_RUNNABLE;
        sched_kick();
    }
}
