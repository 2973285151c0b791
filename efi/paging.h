/*
 * paging.h: the page tables the loader hands to exo (see the entry state in exo/bootinfo.h).
 *
 * Pure code over a caller-provided pool of zeroable 4 KiB pages, so that the loader can allocate
 * every table page before it takes the final memory map, and the host tests can build the same
 * tables in malloc'd memory. Table addresses are the pool's addresses: the loader runs identity
 * mapped, so a pointer is a physical address.
 *
 * Layout: [0, map_top) with 2 MiB pages at identity and at EXO_DIRECT_MAP (both PML4 ranges share
 * the same PDPTs and PDs), the kernel image at its link address with 4 KiB pages. All entries are
 * present + writable, never NX (EFER.NXE may be off) and never 1 GiB (qemu64 has no pdpe1gb).
 */
#ifndef EFI_PAGING_H
#define EFI_PAGING_H

#include <stddef.h>
#include <stdint.h>

#define LDR_PTE_P (1ull << 0)
#define LDR_PTE_W (1ull << 1)
#define LDR_PTE_PS (1ull << 7) /* 2 MiB page in a PD entry */
#define LDR_PTE_ADDR 0x000ffffffffff000ull

#define LDR_GIB (1ull << 30)
/* The direct map may not reach the kernel's PML4 slot (511): 128 PDPTs = 64 TiB is plenty. */
#define LDR_MAP_TOP_MAX (128ull << 39)

struct ldr_paging_req {
    uint64_t map_top;     /* multiple of 1 GiB, 0 < map_top <= LDR_MAP_TOP_MAX */
    uint64_t kernel_virt; /* page aligned, >= EXO_KERNEL_BASE */
    uint64_t kernel_phys; /* page aligned */
    uint64_t kernel_size; /* page multiple, > 0, kernel_virt + kernel_size <= 2^64 */
};

/* Rounds a byte address up to the 1 GiB multiple the tables will cover (at least 4 GiB). */
uint64_t ldr_paging_map_top(uint64_t highest_addr);

/* Upper bound of pool pages ldr_paging_build() uses for req (0 if req is invalid). */
size_t ldr_paging_pages(const struct ldr_paging_req *req);

/* Builds the tables in pool (pool_pages 4 KiB-aligned pages, zeroed here). Returns the address
 * of the PML4 (the CR3 value), or 0 if req is invalid or the pool is too small. */
uint64_t ldr_paging_build(const struct ldr_paging_req *req, void *pool, size_t pool_pages);

#endif
