/*
 * paging.c: builds the loader's 4-level page tables from a pre-allocated pool (see paging.h).
 */
#include "paging.h"

#include <exo/bootinfo.h>

#define PAGE 4096ull
#define MIB2 (1ull << 21)
#define GIB512 (1ull << 39)

struct pool {
    uint8_t *next;
    size_t left;
};

static uint64_t *pool_take(struct pool *p)
{
    if (p->left == 0)
        return NULL;
    uint64_t *t = (uint64_t *)p->next;
    for (int i = 0; i < 512; i++)
        t[i] = 0;
    p->next += PAGE;
    p->left--;
    return t;
}

static uint64_t table_addr(const uint64_t *t)
{
    return (uint64_t)(uintptr_t)t;
}

static uint64_t *entry_table(uint64_t e)
{
    return (uint64_t *)(uintptr_t)(e & LDR_PTE_ADDR);
}

/* The next-level table under t[idx], created from the pool if absent. */
static uint64_t *next_level(struct pool *p, uint64_t *t, unsigned idx)
{
    if (t[idx] & LDR_PTE_P)
        return entry_table(t[idx]);
    uint64_t *n = pool_take(p);
    if (n)
        t[idx] = table_addr(n) | LDR_PTE_P | LDR_PTE_W;
    return n;
}

uint64_t ldr_paging_map_top(uint64_t highest_addr)
{
    if (highest_addr < 4 * LDR_GIB)
        highest_addr = 4 * LDR_GIB;
    if (highest_addr > UINT64_MAX - (LDR_GIB - 1))
        return UINT64_MAX & ~(LDR_GIB - 1); /* absurd; ldr_paging_pages() will refuse it */
    return (highest_addr + LDR_GIB - 1) & ~(LDR_GIB - 1);
}

static int req_ok(const struct ldr_paging_req *r)
{
    if (r->map_top == 0 || r->map_top % LDR_GIB || r->map_top > LDR_MAP_TOP_MAX)
        return 0;
    if (r->kernel_virt < EXO_KERNEL_BASE || r->kernel_virt % PAGE || r->kernel_phys % PAGE)
        return 0;
    if (r->kernel_size == 0 || r->kernel_size % PAGE)
        return 0;
    /* end may be exactly 2^64, i.e. 0 after wrapping */
    if (r->kernel_size - 1 > UINT64_MAX - r->kernel_virt)
        return 0;
    return 1;
}

size_t ldr_paging_pages(const struct ldr_paging_req *r)
{
    if (!req_ok(r))
        return 0;
    uint64_t pdpts = (r->map_top + GIB512 - 1) / GIB512;
    uint64_t pds = r->map_top / LDR_GIB;
    /* Kernel: one PDPT under PML4[511], a PD per GiB touched, a PT per 2 MiB touched. */
    uint64_t kpds = r->kernel_size / LDR_GIB + 2;
    uint64_t kpts = r->kernel_size / MIB2 + 2;
    return (size_t)(1 + pdpts + pds + 1 + kpds + kpts);
}

uint64_t ldr_paging_build(const struct ldr_paging_req *r, void *pool_mem, size_t pool_pages)
{
    if (!req_ok(r) || pool_pages < ldr_paging_pages(r))
        return 0;
    struct pool p = {pool_mem, pool_pages};
    uint64_t *pml4 = pool_take(&p);

    /* Low half and direct map: PML4[i] and PML4[256 + i] point at the same PDPT. */
    const unsigned dm_slot = (unsigned)((EXO_DIRECT_MAP >> 39) & 511);
    for (uint64_t gib = 0; gib < r->map_top / LDR_GIB; gib++) {
        unsigned l4 = (unsigned)(gib / 512);
        uint64_t *pdpt = next_level(&p, pml4, l4);
        if (!pdpt)
            return 0;
        pml4[dm_slot + l4] = pml4[l4];
        uint64_t *pd = next_level(&p, pdpt, (unsigned)(gib % 512));
        if (!pd)
            return 0;
        for (unsigned i = 0; i < 512; i++)
            pd[i] = (gib * LDR_GIB + i * MIB2) | LDR_PTE_P | LDR_PTE_W | LDR_PTE_PS;
    }

    /* The kernel image, 4 KiB at a time. */
    for (uint64_t off = 0; off < r->kernel_size; off += PAGE) {
        uint64_t va = r->kernel_virt + off;
        uint64_t *pdpt = next_level(&p, pml4, (unsigned)((va >> 39) & 511));
        uint64_t *pd = pdpt ? next_level(&p, pdpt, (unsigned)((va >> 30) & 511)) : NULL;
        uint64_t *pt = pd ? next_level(&p, pd, (unsigned)((va >> 21) & 511)) : NULL;
        if (!pt)
            return 0;
        pt[(va >> 12) & 511] = (r->kernel_phys + off) | LDR_PTE_P | LDR_PTE_W;
    }
    return table_addr(pml4);
}
