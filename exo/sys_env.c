/*
 * sys_env.c: the env calls: create, start, destroy, yield, watching an end, and copying
 * capabilities. Each call first decodes and checks every argument, then acts in steps that
 * cannot fail halfway.
 */
#include <exo/cpu.h>
#include <exo/error.h>
#include <exo/event.h>
#include <exo/lapic.h>
#include <exo/percpu.h>
#include <exo/trap.h>
#include <exo/sched.h>
#include <exo/syscall.h>

#include <stddef.h>

int64_t sys_env_self(void)
{
    return caller()->id;
}

/* Live envs o has made by env_create (threads = 0) or its live threads (threads = 1). */
static uint32_t made_by(const struct env *o, int threads)
{
    uint32_t n = 0;
    for (int i = 0; i < (int)env_top; i++) {
        const struct env *e = &envs[i];
        if (e->state == ENV_FREE || e == o)
            continue;
        n += threads ? e->owner == o->id : e->parent == o->id && e->owner == e->id;
    }
    return n;
}

int64_t sys_env_create(void)
{
    struct env *self = caller(), *child;
    /* A process server's bound (env_limit): a process cannot make envs behind its back. */
    if (made_by(env_owner(self), 0) >= env_owner(self)->max_creates)
        return EXO_E_PERM;
    int slot = cap_slot(self);
    if (slot < 0)
        return slot;
    /* A thread's children are its process's: they outlive the thread, as after fork. */
    int r = env_alloc(self->owner, &child);
    if (r < 0)
        return r;
    *env_cap(self, (uint64_t)slot) =
        (struct cap){.type = CAP_ENV, .rights = EXO_RIGHTS_ENV, .obj = child->id};
    return slot;
}

int64_t sys_env_thread(uint64_t env)
{
    struct env *self = caller(), *t, *th;
    int r = cap_env(self, env, EXO_RIGHT_MAP, &t); /* the thread may touch all of env's memory */
    if (r < 0)
        return r;
    if (made_by(env_owner(t), 1) >= env_owner(t)->max_threads)
        return EXO_E_PERM;
    int slot = cap_slot(self);
    if (slot < 0)
        return slot;
    r = env_alloc_thread(env_owner(t), &th);
    if (r < 0)
        return r;
    *env_cap(self, (uint64_t)slot) =
        (struct cap){.type = CAP_ENV, .rights = EXO_RIGHT_RUN | EXO_RIGHT_DESTROY, .obj = th->id};
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

int64_t sys_env_cputime(uint64_t env)
{
    struct env *t;
    int r = cap_env(caller(), env, EXO_RIGHT_RUN, &t);
    if (r < 0)
        return r;
    /* The caller's was charged at this call's entry; an env running on another CPU has its
     * time since its last entry into exo (at most a timer tick) still to come. */
    return (int64_t)(t->cpu_tsc & ~(1ull << 63));
}

int64_t sys_fs_set(uint64_t base)
{
    if (base >= EXO_USER_TOP) /* a kernel address would let user code read exo through %fs */
        return EXO_E_RANGE;
    caller()->fs_base = base; /* env_run loads it on the way back */
    return 0;
}

int64_t sys_gs_set(uint64_t base)
{
    if (base >= EXO_USER_TOP) /* as fs_set's: %gs: must never reach exo's memory */
        return EXO_E_RANGE;
    caller()->gs_base = base; /* env_run loads it on the way back */
    return 0;
}

int64_t sys_cap_copy(uint64_t cap, uint64_t env, uint64_t rights)
{
    struct env *self = caller(), *t;
    if (cap >= EXO_NCAPS || env_cap(self, cap)->type == CAP_NONE)
        return EXO_E_NOENT;
    int r = cap_env(self, env, EXO_RIGHT_MAP, &t);
    if (r < 0)
        return r;
    int slot = cap_slot(t);
    if (slot < 0)
        return slot;
    struct cap *c = env_cap(t, (uint64_t)slot); /* a thread's table is its owner's */
    *c = *env_cap(self, cap);
    c->rights &= (uint16_t)rights; /* a copy never has more rights than its source */
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
    if (t->watch && t->watcher != self->id && env_by_id(t->watcher))
        return EXO_E_PERM; /* another's watch (a process server's on its process) stays */
    t->watcher = ref ? self->id : 0;
    t->watch = ref; /* a dead event's ref no longer resolves: the post at the end is dropped */
    return t->id;
}

int64_t sys_env_limit(uint64_t env, uint64_t creates, uint64_t threads)
{
    struct env *self = caller(), *t;
    int r = cap_env(self, env, EXO_RIGHT_DESTROY, &t);
    if (r < 0)
        return r;
    t = env_owner(t); /* a thread's bounds are its process's */
    uint32_t c = creates >= EXO_LIMIT_NONE ? EXO_LIMIT_NONE : (uint32_t)creates;
    uint32_t th = threads >= EXO_LIMIT_NONE ? EXO_LIMIT_NONE : (uint32_t)threads;
    /* Its own bounds (through EXO_CAP_SELF, which has DESTROY) an env may only lower: only
     * whoever made it raises them. */
    if (t == env_owner(self) && (c > t->max_creates || th > t->max_threads))
        return EXO_E_PERM;
    t->max_creates = c;
    t->max_threads = th;
    return 0;
}

int64_t sys_cap_drop(uint64_t env, uint64_t cap)
{
    struct env *self = caller(), *t;
    if (cap >= EXO_NCAPS || env_cap(self, cap)->type == CAP_NONE)
        return EXO_E_NOENT;
    int r = cap_env(self, env, EXO_RIGHT_MAP, &t);
    if (r < 0)
        return r;
    const struct cap what = *env_cap(self, cap);
    int n = 0;
    for (uint64_t i = 1; i < EXO_NCAPS; i++) { /* slot 0 (EXO_CAP_SELF) always stays */
        struct cap *c = env_cap(t, i);         /* a thread's table is its owner's */
        /* An env's threads run in its address space: taking back an env takes them too. */
        const struct env *th =
            what.type == CAP_ENV && c->type == CAP_ENV ? env_by_id((uint32_t)c->obj) : NULL;
        if ((c->type == what.type && c->obj == what.obj) || (th && th->owner == what.obj)) {
            *c = (struct cap){0};
            n++;
        }
    }
    return n;
}

/* Marks e stopped or not; one running on another CPU is sent away from it at once. */
static void stop_one(struct env *e, uint32_t stop)
{
    e->stopped = stop;
    if (stop && e->oncpu && e->oncpu != this_cpu())
        lapic_ipi(e->oncpu->lapic_id, ICR_FIXED | VEC_RESCHED); /* trap_from_user reschedules */
    if (!stop && e->state == ENV_RUNNABLE)
        sched_kick();
}

int64_t sys_env_stop(uint64_t env, uint64_t stop)
{
    struct env *self = caller(), *t;
    int r = cap_env(self, env, EXO_RIGHT_DESTROY, &t);
    if (r < 0)
        return r;
    if (stop > 1)
        return EXO_E_INVAL;
    int64_t was = t->stopped != 0;
    stop_one(t, (uint32_t)stop);
    if (env_owner(t) == t) /* a process's env: its threads with it */
        for (int i = 0; i < (int)env_top; i++)
            if (envs[i].state != ENV_FREE && &envs[i] != t && envs[i].owner == t->id)
                stop_one(&envs[i], (uint32_t)stop);
    if (self->stopped) { /* it stopped itself (or its process): off the CPU until continued */
        self->tf.rax = (uint64_t)was;
        sched_run();
    }
    return was;
}
