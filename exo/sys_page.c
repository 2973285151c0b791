/*
 * sys_page.c: pages as exposed resources. An env names physical pages by number, takes them,
 * maps them, grants them. Secure binding: ownership and capabilities are checked here, once,
 * when a page is bound into page tables; the MMU enforces the binding on every access after.
 */
#include <exo/cpu.h>
#include <exo/error.h>
#include <exo/iommu.h>
#include <exo/net_rx.h>
#include <exo/page.h>
#include <exo/pmap.h>
#include <exo/revoke.h>
#include <exo/syscall.h>
#include <exo/vio.h>
#include <exo/vm.h>

extern struct exo_pages exo_pages;

static int user_va_ok(uint64_t va)
{
    return va < EXO_USER_TOP && va % EXO_PAGE == 0;
}

/* EXO_OK, EXO_E_INVAL (unknown bits; no R; execute-only without X or with W), or EXO_E_NOSYS
 * (execute-only on a CPU without protection keys). */
static int prot_check(uint64_t prot)
{
    if (prot & ~(uint64_t)(EXO_PROT_R | EXO_PROT_W | EXO_PROT_X | EXO_PROT_XONLY))
        return EXO_E_INVAL;
    if (!(prot & EXO_PROT_XONLY))
        return prot & EXO_PROT_R ? EXO_OK : EXO_E_INVAL;
    if (!(prot & EXO_PROT_X) || (prot & EXO_PROT_W))
        return EXO_E_INVAL;
    return cpu_features.pku ? EXO_OK : EXO_E_NOSYS;
}

/* The env named by slot `env` (right MAP) and a valid user page address va in it. */
static int map_target(uint64_t env, uint64_t va, struct env **t)
{
    int r = cap_env(caller(), env, EXO_RIGHT_MAP, t);
    if (r < 0)
        return r;
    return user_va_ok(va) ? EXO_OK : EXO_E_INVAL;
}

int64_t sys_page_alloc(uint64_t env, uint64_t ppn)
{
    struct env *t;
    int r = cap_env(caller(), env, EXO_RIGHT_MAP, &t);
    if (r < 0)
        return r;
    /* A thread's pages are its owner's: they outlive the thread, as its siblings expect. */
    if (ppn == EXO_ANY)
        r = exo_page_alloc(&exo_pages, t->owner, &ppn);
    else
        r = exo_page_alloc_at(&exo_pages, ppn, t->owner);
    if (r < 0)
        return r;
    vm_page_zero(ppn);                /* never hand out another env's old data */
    iommu_page_gained(t->owner, ppn); /* devices t holds whole may reach it */
    return (int64_t)ppn;
}

/* Drops every grant of ppn from every capability table. */
static void drop_grants(uint64_t ppn)
{
    if (!exo_pages.page[ppn].granted)
        return; /* never granted since its last drop: no table names it */
    exo_pages.page[ppn].granted = 0;
    for (int i = 0; i < (int)env_top; i++) {
        if (envs[i].state == ENV_FREE)
            continue; /* a new env's table starts empty */
        for (int c = 0; c < EXO_NCAPS; c++)
            if (envs[i].caps[c].type == CAP_PAGE && envs[i].caps[c].obj == ppn)
                envs[i].caps[c] = (struct cap){0};
    }
}

int page_release(struct env *t, uint64_t ppn)
{
    /* By force: no device may write it once it moves on. One that would not reset keeps it. */
    int pinned = vio_release_page(ppn, 1) < 0;
    uint32_t owner = t->owner;
    iommu_page_lost(owner, ppn);
    pmap_remove_everywhere(ppn);
    drop_grants(ppn);
    for (int i = 0; i < (int)env_top; i++) /* the owner's and each of its threads' */
        if (envs[i].state != ENV_FREE && envs[i].owner == owner && envs[i].upcall_state_ppn == ppn)
            envs[i].upcall_rip = 0; /* its state page is gone: no more upcalls */
    net_rx_page_lost(ppn);          /* a receive ring on it: no more frames */
    return pinned ? exo_page_retire(&exo_pages, ppn, owner) : exo_page_free(&exo_pages, ppn, owner);
}

int64_t sys_page_free(uint64_t env, uint64_t ppn)
{
    struct env *t;
    int r = cap_env(caller(), env, EXO_RIGHT_MAP, &t);
    if (r < 0)
        return r;
    if (!exo_page_owned_by(&exo_pages, ppn, t->owner))
        return EXO_E_PERM;
    if (vio_release_page(ppn, 0) < 0)
        return EXO_E_BUSY; /* a device still holds a descriptor naming it */
    if (net_rx_holds_page(ppn))
        return EXO_E_BUSY; /* a registered receive ring: exo writes it (nf_ring 0 first) */
    revoke_forget(ppn);    /* a pending reclaim of it is answered */
    return page_release(t, ppn);
}

/* A shared page has no owner and no grant counts: it is bound read-only by passing on a
 * binding (the caller maps it at va with at least prot), or writable only by the one env that
 * maps it, at that mapping (the caller holds MAP on t): t's owner takes it (TAKE). */
#define TAKE 1
static int may_bind_shared(struct env *self, struct env *t, uint64_t va, uint64_t ppn,
                           uint64_t prot)
{
    uint32_t held;
    if (prot & EXO_PROT_W) {
        uint64_t pte = pmap_lookup(t->pml4, va, NULL);
        int only = exo_pages.page[ppn].maps == 1 && (pte & PTE_ADDR) >> EXO_PAGE_SHIFT == ppn;
        return only ? TAKE : EXO_E_PERM;
    }
    uint64_t pte = pmap_lookup(self->pml4, va, &held);
    return pte && (pte & PTE_ADDR) >> EXO_PAGE_SHIFT == ppn && (prot & ~held) == 0 ? EXO_OK
                                                                                   : EXO_E_PERM;
}

/* May the caller bind ppn at va into t with prot? Its owner must be the caller, t, or an env
 * the caller holds MAP on; or t must hold a grant for ppn covering prot; or the caller passes
 * on a binding it holds: it has ppn mapped at the same va with at least prot (how a libOS
 * shares its read-only boot archive with the envs it spawns). */
static int may_bind(struct env *self, struct env *t, uint64_t va, uint64_t ppn, uint64_t prot)
{
    if (exo_page_state(&exo_pages, ppn) == EXO_PAGE_SHARED)
        return may_bind_shared(self, t, va, ppn, prot);
    if (exo_page_state(&exo_pages, ppn) != EXO_PAGE_OWNED)
        return EXO_E_PERM; /* free, exo's, firmware's, MMIO or no RAM at all */
    uint32_t owner = exo_pages.page[ppn].owner;
    if (owner == self->owner || owner == t->owner)
        return EXO_OK;
    for (int c = 0; c < EXO_NCAPS; c++) {
        const struct cap *k = env_cap(self, (uint64_t)c);
        if (k->type == CAP_ENV && k->obj == owner && (k->rights & EXO_RIGHT_MAP))
            return EXO_OK;
    }
    for (int c = 0; c < EXO_NCAPS; c++) {
        const struct cap *k = env_cap(t, (uint64_t)c);
        if (k->type == CAP_PAGE && k->obj == ppn && (prot & ~(uint64_t)k->rights) == 0)
            return EXO_OK;
    }
    uint32_t held;
    uint64_t pte = pmap_lookup(self->pml4, va, &held);
    if (pte && (pte & PTE_ADDR) >> EXO_PAGE_SHIFT == ppn && (prot & ~held) == 0)
        return EXO_OK;
    return EXO_E_PERM;
}

/* t's owner takes the shared page ppn, which only t maps (may_bind said TAKE). */
static void take(struct env *t, uint64_t ppn)
{
    exo_page_take(&exo_pages, ppn, t->owner);
    iommu_page_gained(t->owner, ppn); /* devices t holds whole may reach it */
}

int64_t sys_page_map(uint64_t env, uint64_t va, uint64_t ppn, uint64_t prot)
{
    struct env *self = caller(), *t;
    int r = map_target(env, va, &t);
    if (r < 0)
        return r;
    if ((r = prot_check(prot)) < 0)
        return r;
    r = may_bind(self, t, va, ppn, prot);
    if (r < 0)
        return r;
    if (r == TAKE)
        take(t, ppn);
    return pmap_enter(t->pml4, va, ppn, (uint32_t)prot);
}

int64_t sys_page_unmap(uint64_t env, uint64_t va)
{
    struct env *t;
    int r = map_target(env, va, &t);
    return r < 0 ? r : pmap_remove(t->pml4, va);
}

int64_t sys_page_protect(uint64_t env, uint64_t va, uint64_t prot)
{
    struct env *self = caller(), *t;
    int r = map_target(env, va, &t);
    if (r < 0)
        return r;
    if ((r = prot_check(prot)) < 0)
        return r;
    uint64_t pte = pmap_lookup(t->pml4, va, NULL);
    if (!pte)
        return EXO_E_NOENT;
    uint64_t ppn = (pte & PTE_ADDR) >> EXO_PAGE_SHIFT;
    r = may_bind(self, t, va, ppn, prot); /* raising protection is a new binding */
    if (r < 0)
        return r;
    if (r == TAKE)
        take(t, ppn);
    return pmap_enter(t->pml4, va, ppn, (uint32_t)prot);
}

int64_t sys_page_grant(uint64_t ppn, uint64_t env, uint64_t prot)
{
    struct env *self = caller(), *t;
    int r = cap_env(self, env, 0, &t);
    if (r < 0)
        return r;
    if ((r = prot_check(prot)) < 0)
        return r;
    if (!exo_page_owned_by(&exo_pages, ppn, self->owner))
        return EXO_E_PERM;
    int slot = cap_slot(t);
    if (slot < 0)
        return slot;
    *env_cap(t, (uint64_t)slot) =
        (struct cap){.type = CAP_PAGE, .rights = (uint16_t)prot, .obj = ppn};
    exo_pages.page[ppn].granted = 1; /* (copies of it, cap_copy, need one first) */
    return slot;
}

int64_t sys_page_lookup(uint64_t env, uint64_t va)
{
    struct env *t;
    int r = map_target(env, va, &t);
    if (r < 0)
        return r;
    uint32_t prot;
    uint64_t pte = pmap_lookup(t->pml4, va, &prot);
    if (!pte)
        return EXO_E_NOENT;
    uint64_t ppn = (pte & PTE_ADDR) >> EXO_PAGE_SHIFT;
    if (exo_page_state(&exo_pages, ppn) == EXO_PAGE_SHARED)
        prot |= EXO_LOOKUP_SHARED;
    return (int64_t)((pte & PTE_ADDR) | prot);
}

int64_t sys_page_next(uint64_t env, uint64_t va)
{
    struct env *t;
    int r = cap_env(caller(), env, EXO_RIGHT_MAP, &t);
    if (r < 0)
        return r;
    if (va % EXO_PAGE)
        return EXO_E_INVAL;
    return va >= EXO_USER_TOP ? EXO_E_NOENT : pmap_next(t->pml4, va);
}

int64_t sys_page_count(void)
{
    return (int64_t)exo_pages.nstate[EXO_PAGE_FREE];
}

/* Is ppn the upcall state page of a live env? exo writes it: it must stay its owner's own. */
static int upcall_state(uint64_t ppn)
{
    for (int i = 0; i < EXO_NENV; i++)
        if (envs[i].state != ENV_FREE && envs[i].upcall_rip && envs[i].upcall_state_ppn == ppn)
            return 1;
    return 0;
}

int64_t sys_page_share(uint64_t env, uint64_t va)
{
    struct env *self = caller(), *t;
    int r = map_target(env, va, &t);
    if (r < 0)
        return r;
    if (t->pml4 == self->pml4)
        return EXO_E_INVAL; /* the caller's own address space: nothing to share with */
    uint32_t held;
    uint64_t pte = pmap_lookup(self->pml4, va, &held);
    if (!pte)
        return EXO_E_NOENT;
    uint64_t ppn = (pte & PTE_ADDR) >> EXO_PAGE_SHIFT;
    int own = exo_page_owned_by(&exo_pages, ppn, self->owner);
    if (!own && exo_page_state(&exo_pages, ppn) != EXO_PAGE_SHARED)
        return EXO_E_PERM; /* not the caller's to share: another's, exo's, a device's */
    /* Shared, a page has no writable mapping anywhere: this must be its only one. And it
     * leaves its owner for good, so no device, reclaim or upcall may still count on that. */
    if (own && (exo_pages.page[ppn].maps != 1 || exo_pages.page[ppn].dma || upcall_state(ppn) ||
                net_rx_holds_page(ppn)))
        return EXO_E_BUSY;
    uint32_t prot = held & ~EXO_PROT_W;
    r = pmap_enter(t->pml4, va, ppn, prot); /* the one step that can fail (a table page) */
    if (r < 0)
        return r;
    if (own) {
        drop_grants(ppn);   /* a grant would let its holder map it writable */
        revoke_forget(ppn); /* a pending reclaim of it is answered: it is no longer env's */
        iommu_page_lost(self->owner, ppn);
        exo_page_share(&exo_pages, ppn, self->owner);
    }
    return pmap_enter(self->pml4, va, ppn, prot); /* read-only now: the entry exists */
}
