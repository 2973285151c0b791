/*
 * pmap.c: env page tables (see pmap.h). Table pages belong to exo (state KERNEL); leaf entries
 * carry the env's chosen protection, always user-accessible, no-execute unless EXO_PROT_X.
 */
#include <exo/error.h>
#include <exo/page.h>
#include <exo/percpu.h>
#include <exo/pmap.h>
#include <exo/tlb.h>
#include <exo/vm.h>
#include <exo/x86.h>

#define USER_PML4_SLOTS 256 /* entries 0-255 are the user half */

extern struct exo_pages exo_pages;

static uint64_t *table(uint64_t phys)
{
    return phys_to_virt(phys & PTE_ADDR);
}

int pmap_create(uint64_t *pml4)
{
    int r = vm_new_table(&exo_pages, pml4);
    if (r < 0)
        return r;
    uint64_t *dst = table(*pml4), *src = table(vm_kernel_pml4);
    for (int i = USER_PML4_SLOTS; i < 512; i++)
        dst[i] = src[i]; /* exo's half: the same tables in every address space */
    return EXO_OK;
}

/* The leaf entry for va, creating intermediate tables if `create`; NULL if absent or no memory. */
static uint64_t *walk(uint64_t pml4, uint64_t va, int create)
{
    uint64_t *t = table(pml4);
    for (int shift = 39; shift > 12; shift -= 9) {
        uint64_t *e = &t[(va >> shift) & 511];
        if (!(*e & PTE_P)) {
            uint64_t phys;
            if (!create || vm_new_table(&exo_pages, &phys) < 0)
                return NULL;
            *e = phys | PTE_P | PTE_W | PTE_U; /* the leaf decides the real protection */
        }
        t = table(*e);
    }
    return &t[(va >> EXO_PAGE_SHIFT) & 511];
}

/* The page a present entry maps, counted in its maps field if it is RAM in exo's table (a
 * device's registers are not: those are found by walking, as before). */
static struct exo_page *counted(uint64_t pte)
{
    uint64_t ppn = (pte & PTE_ADDR) >> EXO_PAGE_SHIFT;
    if (!(pte & PTE_P) || ppn >= exo_pages.count)
        return 0;
    struct exo_page *p = &exo_pages.page[ppn];
    return p->state == EXO_PAGE_OWNED || p->state == EXO_PAGE_KERNEL || p->state == EXO_PAGE_SHARED
               ? p
               : 0;
}

/* A shared page belongs to its mappings: once the last is gone (and every CPU has stopped
 * using it: called after the shootdown, or when no CPU runs in the tables), exo frees it. */
static void shared_gone(uint64_t pte)
{
    uint64_t ppn = (pte & PTE_ADDR) >> EXO_PAGE_SHIFT;
    struct exo_page *p = counted(pte);
    if (p && p->state == EXO_PAGE_SHARED && !p->maps)
        exo_page_free_shared(&exo_pages, ppn);
}

/* The entry at (pml4, va) that mapped pte is gone. */
static void unmapped(uint64_t pte, uint64_t pml4, uint64_t va)
{
    struct exo_page *p = counted(pte);
    if (!p)
        return;
    if (p->maps)
        p->maps--;
    if (p->hint_pml4 == pml4 >> EXO_PAGE_SHIFT && p->hint_va == va)
        p->hint_pml4 = 0; /* a hint never names a mapping that is gone */
}

/* A mapping at va was removed or reduced: no CPU may keep using the old one (tlb.h). */
static void flush(uint64_t pml4, uint64_t va)
{
    tlb_shootdown(pml4, &va, 1);
}

int pmap_enter(uint64_t pml4, uint64_t va, uint64_t ppn, uint32_t prot)
{
    uint64_t *pte = walk(pml4, va, 1);
    if (!pte)
        return EXO_E_NOMEM;
    uint64_t nx = vm_nx_bit && !(prot & EXO_PROT_X) ? PTE_NX : 0, old = *pte;
    *pte = ppn << EXO_PAGE_SHIFT | PTE_P | PTE_U | (prot & EXO_PROT_W ? PTE_W : 0) | nx |
           (prot & PMAP_UNCACHED ? PTE_PCD | PTE_PWT : 0) | (prot & EXO_PROT_XONLY ? PTE_PKEY1 : 0);
    unmapped(old, pml4, va);
    struct exo_page *now = counted(*pte);
    if (now) {
        now->maps++;
        now->hint_pml4 = (uint32_t)(pml4 >> EXO_PAGE_SHIFT);
        now->hint_va = va;
    }
    if ((old & PTE_P) && old != *pte) /* x86 caches no absent entries: only a change needs it */
        flush(pml4, va);
    shared_gone(old);
    return EXO_OK;
}

uint64_t pmap_lookup(uint64_t pml4, uint64_t va, uint32_t *prot)
{
    uint64_t *pte = walk(pml4, va, 0);
    if (!pte || !(*pte & PTE_P))
        return 0;
    if (prot)
        *prot = EXO_PROT_R | (*pte & PTE_W ? EXO_PROT_W : 0) |
                (vm_nx_bit && (*pte & PTE_NX) ? 0 : EXO_PROT_X) |
                (*pte & PTE_PKEY1 ? EXO_PROT_XONLY : 0);
    return *pte;
}

int pmap_remove(uint64_t pml4, uint64_t va)
{
    uint64_t *pte = walk(pml4, va, 0);
    if (!pte || !(*pte & PTE_P))
        return EXO_E_NOENT;
    uint64_t old = *pte;
    unmapped(old, pml4, va);
    *pte = 0;
    flush(pml4, va);
    shared_gone(old);
    return EXO_OK;
}

/* Calls fn on every present leaf entry of the user half of the tables at pml4. */
static void each_user_entry(uint64_t pml4,
                            void (*fn)(uint64_t pml4, uint64_t *e, uint64_t va, void *ctx),
                            void *ctx)
{
    uint64_t *l4 = table(pml4);
    for (uint64_t i = 0; i < USER_PML4_SLOTS; i++) {
        if (!(l4[i] & PTE_P))
            continue;
        uint64_t *l3 = table(l4[i]);
        for (uint64_t j = 0; j < 512; j++) {
            if (!(l3[j] & PTE_P))
                continue;
            uint64_t *l2 = table(l3[j]);
            for (uint64_t k = 0; k < 512; k++) {
                if (!(l2[k] & PTE_P))
                    continue;
                uint64_t *l1 = table(l2[k]);
                for (uint64_t m = 0; m < 512; m++)
                    if (l1[m] & PTE_P)
                        fn(pml4, &l1[m], i << 39 | j << 30 | k << 21 | m << EXO_PAGE_SHIFT, ctx);
            }
        }
    }
}

/* The first present leaf at or after va in the subtree of table t at level `shift` (39: PML4),
 * or 0 with *va past the subtree. Absent entries are stepped over whole. */
static int find_leaf(uint64_t *t, int shift, uint64_t *va)
{
    uint64_t span = 1ull << shift;
    for (uint64_t i = (*va >> shift) & 511; i < 512; i++) {
        if (t[i] & PTE_P) {
            if (shift == EXO_PAGE_SHIFT || find_leaf(table(t[i]), shift - 9, va))
                return 1;
        } else {
            *va = (*va & ~(span - 1)) + span; /* the next entry's first address */
        }
        if (shift == 39 && *va >= EXO_USER_TOP)
            return 0;
        if (((*va >> shift) & 511) == 0)
            return 0; /* wrapped into the next entry of the level above */
    }
    return 0;
}

int64_t pmap_next(uint64_t pml4, uint64_t va)
{
    return find_leaf(table(pml4), 39, &va) ? (int64_t)va : EXO_E_NOENT;
}

struct drop { /* what pmap_remove_everywhere collects for one address space */
    uint64_t ppn;
    uint32_t n;
    uint64_t va[TLB_BATCH];
};

static void drop_if_ppn(uint64_t pml4, uint64_t *e, uint64_t va, void *ctx)
{
    struct drop *d = ctx;
    (void)pml4;
    if ((*e & PTE_ADDR) >> EXO_PAGE_SHIFT == d->ppn) {
        unmapped(*e, pml4, va);
        *e = 0;
        if (d->n < TLB_BATCH)
            d->va[d->n] = va;
        d->n++;
    }
}

/* Is pml4 a live env's address space? (A hint is only ever followed into one.) */
static int live_pml4(uint64_t pml4)
{
    for (int i = 0; i < (int)env_top; i++)
        if (envs[i].state != ENV_FREE && envs[i].pml4 == pml4)
            return 1;
    return 0;
}

void pmap_remove_everywhere(uint64_t ppn)
{
    struct exo_page *p = counted(ppn << EXO_PAGE_SHIFT | PTE_P);
    if (p && p->maps && p->hint_pml4) { /* the one entry the hint names, without a walk */
        uint64_t pml4 = (uint64_t)p->hint_pml4 << EXO_PAGE_SHIFT, va = p->hint_va;
        uint64_t *e = live_pml4(pml4) ? walk(pml4, va, 0) : 0;
        if (e && (*e & PTE_P) && (*e & PTE_ADDR) >> EXO_PAGE_SHIFT == ppn) {
            unmapped(*e, pml4, va);
            *e = 0;
            flush(pml4, va);
        }
    }
    for (int i = 0; i < (int)env_top; i++) {
        if (p && !p->maps)
            return; /* no entry maps it (any more): nothing to walk */
        if (envs[i].state == ENV_FREE || envs[i].owner != envs[i].id) /* a thread: its owner's */
            continue;
        struct drop d = {.ppn = ppn};
        each_user_entry(envs[i].pml4, drop_if_ppn, &d);
        if (d.n) /* one batched shootdown per address space, before the page moves on */
            tlb_shootdown(envs[i].pml4, d.va, d.n > TLB_BATCH ? TLB_FULL : d.n);
    }
}

static void drop_if_owner(uint64_t pml4, uint64_t *e, uint64_t va, void *ctx)
{
    uint64_t ppn = (*e & PTE_ADDR) >> EXO_PAGE_SHIFT;
    if (exo_page_owned_by(&exo_pages, ppn, *(uint32_t *)ctx)) {
        unmapped(*e, pml4, va);
        *e = 0;
        flush(pml4, va);
    }
}

void pmap_remove_owned(uint32_t owner)
{
    for (int i = 0; i < (int)env_top; i++)
        if (envs[i].state != ENV_FREE && envs[i].owner == envs[i].id) /* threads share these */
            each_user_entry(envs[i].pml4, drop_if_owner, &owner);
}

static void free_table(uint64_t phys)
{
    exo_page_free(&exo_pages, phys >> EXO_PAGE_SHIFT, EXO_OWNER_KERNEL);
}

void pmap_destroy(uint64_t pml4)
{ /* every leaf entry is counted out before its table goes (no hint may name a freed table) */
    uint64_t *l4 = table(pml4);
    for (int i = 0; i < USER_PML4_SLOTS; i++) {
        if (!(l4[i] & PTE_P))
            continue;
        uint64_t *l3 = table(l4[i]);
        for (int j = 0; j < 512; j++) {
            if (!(l3[j] & PTE_P))
                continue;
            uint64_t *l2 = table(l3[j]);
            for (int k = 0; k < 512; k++) {
                if (!(l2[k] & PTE_P))
                    continue;
                uint64_t *l1 = table(l2[k]);
                for (int m = 0; m < 512; m++) { /* its entries go with the table */
                    unmapped(l1[m], pml4,
                             (uint64_t)i << 39 | (uint64_t)j << 30 | (uint64_t)k << 21 |
                                 (uint64_t)m << EXO_PAGE_SHIFT);
                    shared_gone(l1[m]); /* no CPU runs in these tables any more */
                }
                free_table(l2[k] & PTE_ADDR);
            }
            free_table(l3[j] & PTE_ADDR);
        }
        free_table(l4[i] & PTE_ADDR);
    }
    free_table(pml4);
}

/* Is ppn a page of RAM exo manages (exo's or an env's)? Only those lie in the direct map as
 * memory: anything else an env may have mapped (a device's doorbell page, vio_direct) is
 * registers, or lies beyond the direct map altogether. */
static int ram_page(uint64_t ppn)
{
    enum exo_page_state s = exo_page_state(&exo_pages, ppn);
    return s == EXO_PAGE_KERNEL || s == EXO_PAGE_OWNED || s == EXO_PAGE_SHARED;
}

int pmap_user_page(const struct env *e, uint64_t va, int write, uint64_t *ppn)
{
    uint64_t pte = pmap_lookup(e->pml4, va, NULL);
    uint64_t p = (pte & PTE_ADDR) >> EXO_PAGE_SHIFT;
    /* An execute-only page (protection key 1) is no more readable through exo than by the
     * env itself. */
    if (!(pte & PTE_U) || (write && !(pte & PTE_W)) || (pte & PTE_PKEY_MASK) || !ram_page(p))
        return EXO_E_FAULT;
    *ppn = p;
    return EXO_OK;
}

int user_check(const struct env *e, uint64_t va, size_t len, int write)
{
    uint64_t ppn;
    if (va >= EXO_USER_TOP || len > EXO_USER_TOP - va)
        return EXO_E_FAULT;
    for (uint64_t p = va & ~(EXO_PAGE - 1); p < va + len; p += EXO_PAGE)
        if (pmap_user_page(e, p, write, &ppn) < 0)
            return EXO_E_FAULT;
    return EXO_OK;
}

/* Copies len bytes between exo memory and env memory, one page at a time, after checking every
 * page (user_check): nothing is copied unless all of it can be. */
static int user_copy(const struct env *e, uint64_t va, uint8_t *buf, size_t len, int write)
{
    int r = user_check(e, va, len, write);
    if (r < 0)
        return r;
    while (len) {
        uint64_t off = va & (EXO_PAGE - 1), n = EXO_PAGE - off, ppn;
        if (n > len)
            n = len;
        pmap_user_page(e, va, write, &ppn); /* checked above */
        uint8_t *mem = (uint8_t *)phys_to_virt(ppn * EXO_PAGE + off);
        for (uint64_t i = 0; i < n; i++) {
            if (write)
                mem[i] = buf[i];
            else
                buf[i] = mem[i];
        }
        va += n, buf += n, len -= n;
    }
    return EXO_OK;
}

int user_copy_from(const struct env *e, void *dst, uint64_t va, size_t len)
{
    return user_copy(e, va, dst, len, 0);
}

int user_copy_to(const struct env *e, uint64_t va, const void *src, size_t len)
{
    return user_copy(e, va, (uint8_t *)src, len, 1);
}

void pmap_activate(uint64_t pml4)
{
    if ((read_cr3() & PTE_ADDR) != pml4)
        write_cr3(pml4);
    this_cpu()->pml4 = pml4; /* shootdowns of pml4 now include this CPU */
}
