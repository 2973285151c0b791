/*
 * vm.h: exo's own page tables. The upper half holds the direct map of physical memory (every
 * page at EXO_DIRECT_MAP + phys) and the kernel image with per-section protections; the lower
 * half is left empty for envs.
 */
#ifndef EXO_VM_H
#define EXO_VM_H

#include <exo/bootinfo.h>
#include <exo/page.h>

/* x86-64 page-table entry bits, exo's tables and envs' alike. */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
/* Protection key 1 (PTE bits 59..62 hold the key): EXO_PROT_XONLY's pages. */
#define PTE_PKEY1 (1ull << 59)
#define PTE_PKEY_MASK (0xfull << 59)
/* PKRU as exo keeps it on every CPU: key 1 access- and write-disabled (bits 2 and 3), every
 * other key open. Data accesses to key 1's pages fault; instruction fetches do not. */
#define PKRU_EXO 0xcu
#define PTE_ADDR 0x000ffffffffff000ull

static inline void *phys_to_virt(uint64_t phys)
{
    return (void *)(EXO_DIRECT_MAP + phys);
}

/* Zeroes physical page ppn through the direct map: every page exo hands out or builds on
 * (page tables, envs' new pages, queue rings) is cleared here and nowhere else. */
void vm_page_zero(uint64_t ppn);

/* Takes a page from `pages` for exo (state KERNEL), zeroes it for use as a page table and
 * returns its physical address: every page-table page, exo's and envs', comes from here. */
int vm_new_table(struct exo_pages *pages, uint64_t *phys);

/* Builds the kernel page tables from pages taken out of `pages`, and switches to them. */
int vm_init(const struct exo_bootinfo *bi, struct exo_pages *pages);

/* Maps device registers [phys, phys+len) uncached into exo's MMIO window (boot time only: envs
 * made later see it) and returns their address; EXO_E_RANGE when the window is full. */
int vm_map_mmio(struct exo_pages *pages, uint64_t phys, uint64_t len, volatile void **va);

/* Physical address of exo's top-level page table. */
extern uint64_t vm_kernel_pml4;

/* 1 if page-table entries may carry the no-execute bit (EFER.NXE is on). */
extern int vm_nx_bit;

#endif
