/*
 * test_paging.c: host unit test of efi/paging.c.
 *
 * Builds the loader's page tables in aligned host memory (host pointers stand in for physical
 * addresses, as they do in the identity-mapped loader) and translates addresses with a software
 * 4-level walk.
 */
#include "paging.h"

#include <check.h>
#include <exo/bootinfo.h>
#include <stdlib.h>

#define NOT_MAPPED UINT64_MAX

/* Software page walk: the physical address va maps to, or NOT_MAPPED. Also flags NX/user bits. */
static uint64_t walk(uint64_t cr3, uint64_t va, uint64_t *page_size)
{
    const uint64_t *t = (const uint64_t *)(uintptr_t)cr3;
    for (int level = 3; level >= 0; level--) {
        uint64_t e = t[(va >> (12 + 9 * level)) & 511];
        if (!(e & LDR_PTE_P) || !(e & LDR_PTE_W) || (e >> 63))
            return NOT_MAPPED;
        if (level == 0 || (level == 1 && (e & LDR_PTE_PS))) {
            uint64_t size = 1ull << (12 + 9 * level);
            *page_size = size;
            return (e & LDR_PTE_ADDR & ~(size - 1)) + (va & (size - 1));
        }
        if (e & LDR_PTE_PS) /* 1 GiB pages are not allowed */
            return NOT_MAPPED;
        t = (const uint64_t *)(uintptr_t)(e & LDR_PTE_ADDR);
    }
    return NOT_MAPPED;
}

static void expect(const char *what, uint64_t got, uint64_t want)
{
    CHECK_MSG(got == want, "%s: got 0x%llx, want 0x%llx", what, (unsigned long long)got,
              (unsigned long long)want);
}

static void check_layout(const char *name, const struct ldr_paging_req *r)
{
    size_t n = ldr_paging_pages(r);
    CHECK_MSG(n != 0, "%s: request refused", name);
    if (n == 0)
        return;
    void *pool = aligned_alloc(4096, n * 4096);
    memset(pool, 0xcc, n * 4096); /* the builder must zero what it uses */
    uint64_t cr3 = ldr_paging_build(r, pool, n);
    expect("cr3 is the pool's first page", cr3, (uint64_t)(uintptr_t)pool);

    char what[160];
    uint64_t size = 0;
    const uint64_t probes[] = {0,         0x1000,     0x1fffff,       0x200000,
                               0x7fe0123, 0xfee00000, r->map_top - 1, r->map_top - 0x200000};
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        uint64_t pa = probes[i];
        snprintf(what, sizeof(what), "%s identity 0x%llx", name, (unsigned long long)pa);
        expect(what, walk(cr3, pa, &size), pa);
        expect("identity uses 2 MiB pages", size, 1ull << 21);
        snprintf(what, sizeof(what), "%s direct map 0x%llx", name, (unsigned long long)pa);
        expect(what, walk(cr3, EXO_DIRECT_MAP + pa, &size), pa);
    }
    snprintf(what, sizeof(what), "%s identity at map_top unmapped", name);
    expect(what, walk(cr3, r->map_top, &size), NOT_MAPPED);
    snprintf(what, sizeof(what), "%s direct map at map_top unmapped", name);
    expect(what, walk(cr3, EXO_DIRECT_MAP + r->map_top, &size), NOT_MAPPED);

    for (uint64_t off = 0; off < r->kernel_size; off += 0x1000) {
        uint64_t got = walk(cr3, r->kernel_virt + off + 0x123, &size);
        if (got != r->kernel_phys + off + 0x123 || size != 0x1000) {
            snprintf(what, sizeof(what), "%s kernel +0x%llx", name, (unsigned long long)off);
            expect(what, got, r->kernel_phys + off + 0x123);
            break;
        }
    }
    snprintf(what, sizeof(what), "%s below kernel unmapped", name);
    expect(what, walk(cr3, r->kernel_virt - 0x1000, &size), NOT_MAPPED);
    if (r->kernel_virt + r->kernel_size != 0) {
        snprintf(what, sizeof(what), "%s above kernel unmapped", name);
        expect(what, walk(cr3, r->kernel_virt + r->kernel_size, &size), NOT_MAPPED);
    }
    free(pool);
}

TEST_CASE(map_top)
{
    expect("map_top of 256 MiB", ldr_paging_map_top(256ull << 20), 4ull << 30);
    expect("map_top of 4 GiB", ldr_paging_map_top(4ull << 30), 4ull << 30);
    expect("map_top of 4 GiB + 1", ldr_paging_map_top((4ull << 30) + 1), 5ull << 30);
    expect("map_top of 1 TiB - 1", ldr_paging_map_top((1ull << 40) - 1), 1ull << 40);
}

static const struct ldr_paging_req small = {4ull << 30, 0xffffffff80100000ull, 0x3e00000, 0x25000};

TEST_CASE(layouts)
{
    check_layout("4 GiB", &small);
    /* Kernel crossing a 2 MiB and a 1 GiB boundary, map_top over 512 GiB (two PDPTs). */
    struct ldr_paging_req big = {513ull << 30, 0xffffffffbfffe000ull, 0x12345000, 0x403000};
    check_layout("513 GiB", &big);
    /* Kernel ending exactly at 2^64. */
    struct ldr_paging_req top = {4ull << 30, 0xfffffffffffff000ull, 0x1000, 0x1000};
    check_layout("top page", &top);
}

TEST_CASE(refused_requests)
{
    struct ldr_paging_req bad = small;
    bad.map_top = (4ull << 30) + 4096;
    expect("unaligned map_top refused", ldr_paging_pages(&bad), 0);
    bad = small;
    bad.map_top = LDR_MAP_TOP_MAX + (1ull << 30);
    expect("huge map_top refused", ldr_paging_pages(&bad), 0);
    bad = small;
    bad.kernel_virt = 0x100000;
    expect("low kernel refused", ldr_paging_pages(&bad), 0);
    bad = small;
    bad.kernel_size = 0x2000;
    bad.kernel_virt = 0xfffffffffffff000ull;
    expect("wrapping kernel refused", ldr_paging_pages(&bad), 0);
    static uint64_t tiny[512] __attribute__((aligned(4096)));
    expect("short pool refused", ldr_paging_build(&small, tiny, 1), 0);
}
