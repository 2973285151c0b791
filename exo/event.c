/*
 * event.c: notification objects (see event.h) and their calls: create, post, wait. A post
 * with a waiter hands the post straight to it (the waiter's call returns 1); a post with none
 * adds to the count, which the next wait takes whole without blocking.
 */
#include <exo/event.h>
#include <exo/irq.h>
#include <exo/sched.h>
#include <exo/syscall.h>
#include <exo/x86.h>

#include <stddef.h>

struct event {
    uint32_t ref;     /* nonzero while the slot is used; (ref - 1) % EXO_NEVENT is the slot */
    uint32_t creator; /* env id: the event ends with it */
    uint64_t count;   /* posts no waiter has taken yet */
    uint32_t cursor;  /* env slot after the last one woken: waiters wake in turn */
};

static struct event events[EXO_NEVENT];
static uint32_t generation = 1;

static struct event *event_by_ref(uint32_t ref)
{
    struct event *v = &events[(ref - 1) % EXO_NEVENT];
    return ref && v->ref == ref ? v : NULL;
}

int cap_event(struct env *e, uint64_t slot, uint32_t rights, uint32_t *ref)
{
    if (slot >= EXO_NCAPS)
        return EXO_E_RANGE;
    const struct cap *c = env_cap(e, slot);
    if (c->type != CAP_EVENT || !event_by_ref((uint32_t)c->obj))
        return EXO_E_NOENT;
    if ((c->rights & rights) != rights)
        return EXO_E_PERM;
    *ref = (uint32_t)c->obj;
    return EXO_OK;
}

int event_alive(uint32_t ref)
{
    return event_by_ref(ref) != NULL;
}

/* Makes the blocked waiter w runnable with its wait's result. */
static void wake(struct env *w, int64_t result)
{
    w->wait_event = 0;
    w->wait_deadline = 0;
    w->tf.rax = (uint64_t)result;
    w->state = ENV_RUNNABLE;
    sched_kick();
}

int event_post_ref(uint32_t ref)
{
    struct event *v = event_by_ref(ref);
    if (!v)
        return EXO_E_NOENT;
    for (uint32_t k = 0; k < env_top; k++) {
        uint32_t i = (v->cursor + k) % env_top;
        if (envs[i].state == ENV_BLOCKED && envs[i].wait_event == ref) {
            wake(&envs[i], 1);
            v->cursor = i + 1;
            return EXO_OK;
        }
    }
    v->count++;
    return EXO_OK;
}

void event_rewait(struct env *e, uint32_t ref)
{
    struct event *v = event_by_ref(ref);
    if (!v) {
        wake(e, EXO_E_NOENT);
    } else if (v->count) {
        wake(e, (int64_t)v->count);
        v->count = 0;
    } else {
        e->wait_event = ref;
        e->state = ENV_BLOCKED;
    }
}

void event_env_freed(const struct env *e)
{
    for (int n = 0; n < EXO_NEVENT; n++) {
        uint32_t ref = events[n].ref;
        if (!ref || events[n].creator != e->id)
            continue;
        events[n] = (struct event){0};
        for (int i = 0; i < (int)env_top; i++) /* nobody stays blocked on a dead event */
            if (envs[i].state == ENV_BLOCKED && envs[i].wait_event == ref)
                wake(&envs[i], EXO_E_NOENT);
    }
}

/* Does anything still name event reference `ref` (a capability, an interrupt binding, a
 * waiter's saved context)? */
static int ref_named(uint32_t ref)
{
    for (int i = 0; i < (int)env_top; i++) {
        const struct env *e = &envs[i];
        if (e->state == ENV_FREE)
            continue;
        if (e->wait_event == ref || e->watch == ref || (e->pct_caller && e->pct_saved_wait == ref))
            return 1;
        for (int c = 0; c < EXO_NCAPS; c++)
            if (e->caps[c].type == CAP_EVENT && e->caps[c].obj == ref)
                return 1;
    }
    return irq_names(ref);
}

int64_t sys_event_create(void)
{
    struct env *self = caller();
    int slot = cap_slot(self);
    if (slot < 0)
        return slot;
    for (uint32_t n = 0; n < EXO_NEVENT; n++) {
        if (events[n].ref)
            continue;
        /* (ref - 1) % NEVENT == n, and ref never wraps to 0. Refs repeat after 2^22 events in
         * a slot: skip one still named, or a stale capability or binding would reach the new
         * event. */
        uint32_t ref;
        do
            ref = (generation++ % (0xffffffffu / EXO_NEVENT)) * EXO_NEVENT + n + 1;
        while (ref_named(ref));
        /* A thread's event is its process's: it lives on when the thread ends. */
        events[n] = (struct event){.ref = ref, .creator = self->owner};
        *env_cap(self, (uint64_t)slot) =
            (struct cap){.type = CAP_EVENT, .rights = EXO_RIGHT_POST | EXO_RIGHT_WAIT, .obj = ref};
        return slot;
    }
    return EXO_E_NOMEM;
}

int64_t sys_event_post(uint64_t event)
{
    uint32_t ref;
    int r = cap_event(caller(), event, EXO_RIGHT_POST, &ref);
    if (r < 0)
        return r;
    return event_post_ref(ref);
}

/* Both waits: deadline 0 waits for as long as it takes. */
static int64_t wait(uint64_t event, uint64_t deadline)
{
    struct env *self = caller();
    uint32_t ref;
    int r = cap_event(self, event, EXO_RIGHT_WAIT, &ref);
    if (r < 0)
        return r;
    event_rewait(self, ref);
    if (self->state == ENV_RUNNABLE)
        return (int64_t)self->tf.rax; /* it was posted already: no block */
    if (deadline && rdtsc() >= deadline) {
        self->wait_event = 0; /* nothing posted, and the time is up already */
        self->state = ENV_RUNNABLE;
        return 0;
    }
    self->wait_deadline = deadline;
    sched_run(); /* a post, the event's end or the deadline sets our rax, makes us runnable */
}

int64_t sys_event_wait(uint64_t event)
{
    return wait(event, 0);
}

int64_t sys_event_wait_until(uint64_t event, uint64_t deadline)
{
    return wait(event, deadline ? deadline : 1); /* 0: a poll, like any past deadline */
}

void event_timeouts(void)
{
    uint64_t now = rdtsc();
    for (int i = 0; i < (int)env_top; i++)
        if (envs[i].state == ENV_BLOCKED && envs[i].wait_event && envs[i].wait_deadline &&
            envs[i].wait_deadline <= now)
            wake(&envs[i], 0);
}
