/*
 * env.c: the env table, capability lookup, and entering or ending an env (see env.h).
 */
#include <exo/console.h>
#include <exo/cpu.h>
#include <exo/env.h>
#include <exo/error.h>
#include <exo/event.h>
#include <exo/page.h>
#include <exo/percpu.h>
#include <exo/lock.h>
#include <exo/pct.h>
#include <exo/tlb.h>
#include <exo/pmap.h>
#include <exo/sched.h>
#include <exo/vm.h>
#include <exo/x86.h>

struct env envs[EXO_NENV];
static uint32_t generation = 1;
extern struct exo_pages exo_pages;

void env_pop_tf(struct trapframe *tf) __attribute__((noreturn));

struct env *env_current(void)
{
    return this_cpu()->env;
}

struct env *env_by_id(uint32_t id)
{
    struct env *e = &envs[(id - 1) % EXO_NENV];
    return id && e->state != ENV_FREE && e->id == id ? e : NULL;
}

int env_alloc(uint32_t parent, struct env **out)
{
    for (int i = 0; i < EXO_NENV; i++) {
        struct env *e = &envs[i];
        if (e->state != ENV_FREE)
            continue;
        uint64_t pml4;
        int r = pmap_create(&pml4);
        if (r < 0)
            return r;
        *e = (struct env){.parent = parent, .state = ENV_READY, .pml4 = pml4};
        e->id = (uint32_t)(generation++ * EXO_NENV + i + 1); /* (id - 1) % NENV == i */
        e->caps[EXO_CAP_SELF] = (struct cap){.type = CAP_ENV, .rights = EXO_RIGHTS_ENV, .obj = e->id};
        *out = e;
        return EXO_OK;
    }
    return EXO_E_NOMEM;
}

int cap_slot(struct env *e)
{
    for (int i = 1; i < EXO_NCAPS; i++) {
        const struct cap *c = &e->caps[i];
        /* A slot naming an env that has ended resolves to nothing: reuse it. */
        if (c->type == CAP_NONE || (c->type == CAP_ENV && !env_by_id((uint32_t)c->obj)))
            return i;
    }
    return EXO_E_NOMEM;
}

int cap_env(struct env *e, uint64_t slot, uint32_t rights, struct env **out)
{
    if (slot >= EXO_NCAPS)
        return EXO_E_RANGE;
    const struct cap *c = &e->caps[slot];
    struct env *t = c->type == CAP_ENV ? env_by_id((uint32_t)c->obj) : NULL;
    if (!t)
        return EXO_E_NOENT;
    if ((c->rights & rights) != rights)
        return EXO_E_PERM;
    *out = t;
    return EXO_OK;
}

/* Frees every page e owns, after removing all mappings of it (e's and others'). */
static void free_owned_pages(const struct env *e)
{
    for (uint64_t p = 0; p < exo_pages.count; p++) {
        if (exo_page_state(&exo_pages, p) != EXO_PAGE_OWNED || exo_pages.page[p].owner != e->id)
            continue;
        pmap_remove_everywhere(p);
        exo_page_free(&exo_pages, p, e->id);
    }
}

void env_free(struct env *e)
{
    for (int i = 0; i < EXO_NENV; i++) /* children first: they may map our pages */
        if (envs[i].state != ENV_FREE && envs[i].parent == e->id && &envs[i] != e)
            env_free(&envs[i]);
    /* Running on another CPU: that CPU finds no env on its next entry to exo, and leaves e's
     * tables now (tlb_leave waits for it), before the pages and tables behind them are freed. */
    if (e->oncpu && e->oncpu != this_cpu())
        e->oncpu->env = NULL;
    e->oncpu = NULL;
    tlb_leave(e->pml4);
    free_owned_pages(e);
    if (env_current() == e) {
        pmap_activate(vm_kernel_pml4);
        this_cpu()->env = 0;
    }
    pmap_destroy(e->pml4);
    e->state = ENV_FREE;
    event_env_freed(e); /* its events end; no one stays blocked on them or on it */
    pct_env_freed(e);
    e->id = 0;
}

void env_run(struct env *e)
{
    struct percpu *c = this_cpu();
    if (c->env && c->env != e)
        c->env->oncpu = NULL;
    c->env = e;
    e->oncpu = c;
    e->last_cpu = c->id + 1;
    pmap_activate(e->pml4);
    /* Only these flags are the env's to choose; interrupts stay on, IOPL stays 0. */
    e->tf.rflags = (e->tf.rflags & 0xcd5) | 0x202;
    e->tf.cs = SEL_UCODE;
    e->tf.ss = SEL_UDATA;
    struct trapframe tf = e->tf; /* once the lock is gone, e->tf is others' to change */
    bkl_unlock();
    env_pop_tf(&tf);
}

void env_kill(struct env *e, const char *why, const struct trapframe *tf)
{
    kprintf("exo: env %u killed: %s (rip 0x%lx rsp 0x%lx", e->id, why, tf->rip, tf->rsp);
    if (tf->vector == 14)
        kprintf(" addr 0x%lx error 0x%lx", read_cr2(), tf->error);
    kprintf(")\n");
    env_free(e);
    sched_run();
}
