/*
 * env.c: the env table, capability lookup, and entering or ending an env (see env.h).
 */
#include <exo/console.h>
#include <exo/cpu.h>
#include <exo/env.h>
#include <exo/error.h>
#include <exo/event.h>
#include <exo/fpu.h>
#include <exo/page.h>
#include <exo/percpu.h>
#include <exo/lock.h>
#include <exo/net.h>
#include <exo/pct.h>
#include <exo/tlb.h>
#include <exo/vio.h>
#include <exo/pmap.h>
#include <exo/sched.h>
#include <exo/upcall.h>
#include <exo/vm.h>
#include <exo/x86.h>

struct env envs[EXO_NENV];
uint32_t env_top;
static uint32_t generation = 1;
static int ids_wrapped; /* env ids have started to repeat */
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

/* Does a live env's table still name env id `id` (the env itself has ended)? */
static int id_named(uint32_t id)
{
    for (int i = 0; i < (int)env_top; i++)
        for (int c = 0; envs[i].state != ENV_FREE && c < EXO_NCAPS; c++)
            if (envs[i].caps[c].type == CAP_ENV && envs[i].caps[c].obj == id)
                return 1;
    return 0;
}

/* A free slot made a READY env with tables pml4 (a new address space if 0) and owner `owner`
 * (itself if 0). */
static int alloc(uint32_t parent, uint64_t pml4, uint32_t owner, struct env **out)
{
    for (int i = 0; i < EXO_NENV; i++) {
        struct env *e = &envs[i];
        if (e->state != ENV_FREE)
            continue;
        if (!pml4) {
            int r = pmap_create(&pml4);
            if (r < 0)
                return r;
        }
        *e = (struct env){.parent = parent, .state = ENV_READY, .pml4 = pml4};
        if ((uint32_t)i >= env_top)
            env_top = (uint32_t)i + 1;
        /* (id - 1) % NENV == i. Ids wrap after 2^24 uses of a slot: from then on skip any a
         * stale capability still names, or it would resolve, with its rights, to the new env
         * (before, no id repeats: no table needs a look). */
        do {
            if (generation >= 0xffffffffu / EXO_NENV) {
                generation = 1;
                ids_wrapped = 1;
            }
            e->id = (uint32_t)(generation++ * EXO_NENV + i + 1);
        } while (ids_wrapped && id_named(e->id));
        e->owner = owner ? owner : e->id;
        e->max_creates = e->max_threads = EXO_LIMIT_NONE; /* until its creator sets one */
        e->caps[EXO_CAP_SELF] =
            (struct cap){.type = CAP_ENV, .rights = EXO_RIGHTS_ENV, .obj = e->id};
        fpu_env_init(e);
        *out = e;
        return EXO_OK;
    }
    return EXO_E_NOMEM;
}

int env_alloc(uint32_t parent, struct env **out)
{
    return alloc(parent, 0, 0, out);
}

int env_alloc_thread(struct env *owner, struct env **out)
{
    int r = alloc(owner->id, owner->pml4, owner->id, out);
    if (r >= 0)
        (*out)->stopped = owner->stopped; /* a stopped process's new thread waits with it */
    return r;
}

struct env *env_owner(const struct env *e)
{
    /* A thread's owner outlives it: the owner's end ends its children, threads first. */
    return e->owner == e->id ? (struct env *)e : env_by_id(e->owner);
}

struct cap *env_cap(const struct env *e, uint64_t slot)
{
    const struct env *t = slot == EXO_CAP_SELF ? e : env_owner(e);
    return (struct cap *)&t->caps[slot];
}

int cap_slot(struct env *e)
{
    for (int i = 1; i < EXO_NCAPS; i++) {
        const struct cap *c = env_cap(e, (uint64_t)i);
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
    const struct cap *c = env_cap(e, slot);
    struct env *t = c->type == CAP_ENV ? env_by_id((uint32_t)c->obj) : NULL;
    if (!t)
        return EXO_E_NOENT;
    if ((c->rights & rights) != rights)
        return EXO_E_PERM;
    *out = t;
    return EXO_OK;
}

int cap_covers_range(const struct env *e, enum cap_type type, uint64_t first, uint64_t last)
{
    for (int i = 0; i < EXO_NCAPS; i++) {
        const struct cap *c = env_cap(e, (uint64_t)i);
        if (c->type == type && (c->rights & EXO_RIGHT_BIND) && first >= (c->obj & 0xff) &&
            last <= (c->obj >> 8 & 0xff))
            return 1;
    }
    return 0;
}

int cap_covers(const struct env *e, enum cap_type type, uint64_t n)
{
    return cap_covers_range(e, type, n, n);
}

/* Frees every page e owns, after removing all mappings of it (e's and others') and every grant
 * of it: a grant outliving its page would let its holder map whoever takes that page next. */
static void free_owned_pages(const struct env *e)
{
    /* Pages mapped once are unmapped through the mapping exo remembers (pmap.c); if any is
     * mapped more often, one walk of every address space drops them all first. */
    int walk = 0, granted = 0;
    for (uint64_t p = exo_page_first_owned(&exo_pages, e->id); p != EXO_PAGE_NONE;
         p = exo_page_next_owned(&exo_pages, p, e->id)) {
        walk |=
            exo_pages.page[p].maps > 1 || (exo_pages.page[p].maps && !exo_pages.page[p].hint_pml4);
        granted |= exo_pages.page[p].granted;
        exo_pages.page[p].granted = 0; /* every grant of it goes below */
    }
    if (walk)
        pmap_remove_owned(e->id);
    for (int i = 0; i < (int)env_top && granted; i++)
        for (int c = 0; c < EXO_NCAPS && envs[i].state != ENV_FREE; c++)
            if (envs[i].caps[c].type == CAP_PAGE &&
                exo_page_owned_by(&exo_pages, envs[i].caps[c].obj, e->id))
                envs[i].caps[c] = (struct cap){0};
    uint64_t next;
    for (uint64_t p = exo_page_first_owned(&exo_pages, e->id); p != EXO_PAGE_NONE; p = next) {
        next = exo_page_next_owned(&exo_pages, p, e->id);
        pmap_remove_everywhere(p); /* nothing left to do after the walk; else the one mapping */
        if (exo_pages.page[p].dma) /* a device that would not reset may still write it */
            exo_page_retire(&exo_pages, p, e->id);
        else
            exo_page_free(&exo_pages, p, e->id);
    }
}

void env_free(struct env *e)
{
    for (int i = 0; i < (int)env_top;
         i++) /* children first (threads too): they may map our pages */
        if (envs[i].state != ENV_FREE && envs[i].parent == e->id && &envs[i] != e)
            env_free(&envs[i]);
    /* A thread owns no pages and shares its tables: ending it frees only its context. */
    int thread = e->owner != e->id;
    /* Running on another CPU: that CPU finds no env on its next entry to exo, and leaves e's
     * tables now (tlb_leave waits for it), before the pages and tables behind them are freed.
     * A thread's tables stay (its owner's, its siblings may run in them elsewhere): only its
     * CPU leaves them, at once, so the thread has run its last instruction when this returns
     * (its next fetch faults into exo, which finds no env there). */
    if (e->oncpu && e->oncpu != this_cpu()) {
        e->oncpu->env = NULL;
        if (thread)
            tlb_leave_cpu(e->oncpu, e->pml4);
    }
    e->oncpu = NULL;
    fpu_env_freed(e);
    if (!thread)
        tlb_leave(e->pml4);
    vio_env_freed(e); /* devices stop writing into its pages before they are freed */
    if (!thread)
        free_owned_pages(e);
    if (env_current() == e) {
        pmap_activate(vm_kernel_pml4);
        this_cpu()->env = 0;
    }
    if (!thread)
        pmap_destroy(e->pml4);
    e->state = ENV_FREE;
    while (env_top && envs[env_top - 1].state == ENV_FREE)
        env_top--;
    if (e->watch) /* its watcher (a process server) learns it ended, however it ended */
        event_post_ref(e->watch);
    event_env_freed(e); /* its events end; no one stays blocked on them or on it */
    pct_env_freed(e);
    net_env_freed(e); /* its packet-filter claims, its default-env role */
    e->id = 0;
}

static int canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

void env_run(struct env *e)
{
    /* iretq to a non-canonical rip #GPs in exo, not in ring 3 (Intel): a panic. Only a syscall
     * in the last bytes of user space gets here (rcx = EXO_USER_TOP); every rip exo sets itself
     * is checked. Give the env the #GP its next fetch would raise. (A non-canonical rsp is
     * loaded as is and faults in ring 3 on first use.) */
    if (!canonical(e->tf.rip)) {
        int r = upcall_deliver(e, EXO_UPCALL_FAULT, 13, 0, 0);
        if (r < 0)
            env_kill(e, "return to a non-canonical rip", &e->tf);
    }
    struct percpu *c = this_cpu();
    if (c->env && c->env != e)
        c->env->oncpu = NULL;
    c->env = e;
    e->oncpu = c;
    e->last_cpu = c->id + 1;
    e->runs++;
    pmap_activate(e->pml4);
    if (e->fpu_cpu != c) /* its x87/SSE/AVX registers, unless the CPU holds them already */
        fpu_enter(c, e);
    /* Each env has its own thread pointer; exo itself never uses FS, so nothing to save. */
    wrmsr(MSR_FS_BASE, e->fs_base);
    /* Its GS base too: env_pop_tf's swapgs makes the kernel-GS MSR the env's GS base, and an
     * entry's swapgs puts it back there, so this MSR holds the env's while exo runs. */
    wrmsr(MSR_KERNEL_GS_BASE, e->gs_base);
    /* Only these flags are the env's to choose; interrupts stay on, IOPL stays 0. */
    e->tf.rflags = (e->tf.rflags & 0xcd5) | 0x202;
    e->tf.cs = SEL_UCODE;
    e->tf.ss = SEL_UDATA;
    struct trapframe tf = e->tf; /* once the lock is gone, e->tf is others' to change */
    c->run_tsc = rdtsc();        /* from here the time is the env's (env_charge) */
    bkl_unlock();
    env_pop_tf(&tf);
}

void env_charge(void)
{
    struct percpu *c = this_cpu();
    struct env *e = env_current();
    if (e && c->run_tsc)
        e->cpu_tsc += rdtsc() - c->run_tsc;
    c->run_tsc = 0;
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
