/*
 * sys_env.c: the env calls: create, start, destroy, yield, watching an end, and copying
 * capabilities. Each call first decodes and checks every argument, then acts in steps that
 * cannot fail halfway.
 */
#include <exo/cpu.h>
#include <exo/error.h>
#include <exo/event.h>
#include <exo/sched.h>
#include <exo/syscall.h>

#include <stddef.h>

int64_t sys_env_self(void)
{
    return caller()->id;
}

int64_t sys_env_create(void)
{
    struct env *self = caller(), *child;
    int slot = cap_slot(self);
    if (slot < 0)
        return slot;
    int r = env_alloc(self->id, &child);
    if (r < 0)
        return r;
    self->caps[slot] = (struct cap){.type = CAP_ENV, .rights = EXO_RIGHTS_ENV, .obj = child->id};
    return slot;
}

int64_t sys_env_destroy(uint64_t env)
{
    struct env *self = caller(), *t;
    int r = cap_env(self, env, EXO_RIGHT_DESTROY, &t);
    if (r < 0)
        return r;
    uint32_t me = self->id;
    env_free(t);
    if (!env_by_id(me)) /* it was us, or an ancestor of ours */
        sched_run();
    return 0;
}

int64_t sys_env_start(uint64_t env, uint64_t rip, uint64_t rsp, uint64_t arg)
{
    struct env *t;
    int r = cap_env(caller(), env, EXO_RIGHT_RUN, &t);
    if (r < 0)
        return r;
    if (rip >= EXO_USER_TOP || rsp >= EXO_USER_TOP) /* both must stay canonical for iretq */
        return EXO_E_RANGE;
    if (t->state != ENV_READY)
        return EXO_E_BUSY;
    t->tf = (struct trapframe){.rip = rip, .rsp = rsp, .rdi = arg, .rflags = 0x202};
    t->state = ENV_RUNNABLE;
    sched_kick();
    return 0;
}

int64_t sys_yield(uint64_t env)
{
    struct env *self = caller(), *t = NULL;
    if (env != EXO_ANY) {
        int r = cap_env(self, env, EXO_RIGHT_RUN, &t);
        if (r < 0)
            return r;
        if (t->state != ENV_RUNNABLE)
            return EXO_E_BUSY;
    }
    self->tf.rax = 0;
    self->slice_left = 0; /* the rest of the slice is given away */
    sched_yield(self, t);
}

int64_t sys_env_runs(uint64_t env)
{
    struct env *t;
    int r = cap_env(caller(), env, EXO_RIGHT_RUN, &t);
    if (r < 0)
        return r;
    return (int64_t)t->runs;
}

int64_t sys_env_calls(uint64_t env)
{
    struct env *t;
    int r = cap_env(caller(), env, EXO_RIGHT_RUN, &t);
    if (r < 0)
        return r;
    return (int64_t)t->calls;
}

int64_t sys_fs_set(uint64_t base)
{
    if (base >= EXO_USER_TOP) /* a kernel address would let user code read exo through %fs */
        return EXO_E_RANGE;
    caller()->fs_base = base; /* env_run loads it on the way back */
    return 0;
}

int64_t sys_cap_copy(uint64_t cap, uint64_t env, uint64_t rights)
{
    struct env *self = caller(), *t;
    if (cap >= EXO_NCAPS || self->caps[cap].type == CAP_NONE)
        return EXO_E_NOENT;
    int r = cap_env(self, env, EXO_RIGHT_MAP, &t);
    if (r < 0)
        return r;
    int slot = cap_slot(t);
    if (slot < 0)
        return slot;
    t->caps[slot] = self->caps[cap];
    t->caps[slot].rights &= (uint16_t)rights; /* a copy never has more rights than its source */
    return slot;
}

int64_t sys_env_watch(uint64_t env, uint64_t event)
{
    struct env *self = caller(), *t;
    int r = cap_env(self, env, EXO_RIGHT_DESTROY, &t);
    if (r < 0)
        return r;
    uint32_t ref = 0;
    if (event != EXO_ANY && (r = cap_event(self, event, EXO_RIGHT_POST, &ref)) < 0)
        return r;
    t->watch = ref; /* a dead event's ref no longer resolves: the post at the end is dropped */
    return t->id;
}
