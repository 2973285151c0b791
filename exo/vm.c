/*
 * vm.c: building exo's page tables (see vm.h) and leaving the loader's. Text is read-only and
 * executable, everything else is no-execute (when the CPU has NX), read-only data is read-only,
 * and the pages under the boot stack and under each AP's kernel stack (smp.c) are left unmapped
 * so an overflow faults.
 */
#include <exo/cpu.h>
#include <exo/error.h>
#include <exo/smp.h>
#include <exo/vm.h>
#include <exo/x86.h>

#include <stddef.h>

#define LARGE_PAGE (2ull << 20)

extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];
extern char exo_stack_guard[];

uint64_t vm_kernel_pml4;
int vm_nx_bit;      /* 1 once EFER.NXE is on */
static uint64_t nx; /* PTE_NX if the CPU has it, else 0 (the bit would be reserved) */

static uint64_t *table_at(uint64_t phys)
{
    return phys_to_virt(phys);
}

void vm_page_zero(uint64_t ppn)
{
    uint64_t *p = phys_to_virt(ppn << EXO_PAGE_SHIFT);
    for (uint64_t i = 0; i < EXO_PAGE / sizeof *p; i++)
        p[i] = 0;
}

int vm_new_table(struct exo_pages *pages, uint64_t *phys)
{
    uint64_t ppn;
    int r = exo_page_alloc(pages, EXO_OWNER_KERNEL, &ppn);
    if (r < 0)
        return r;
    *phys = ppn << EXO_PAGE_SHIFT;
    vm_page_zero(ppn);
    return EXO_OK;
}

/* The entry for `va` in the table at `depth` (0 = PML4 ... 3 = PT), creating the tables on the
 * way; NULL if out of memory. */
static uint64_t *walk(struct exo_pages *pages, uint64_t va, int depth)
{
    uint64_t *t = table_at(vm_kernel_pml4);
    for (int level = 0; level < depth; level++) {
        uint64_t *e = &t[(va >> (39 - 9 * level)) & 511];
        if (!(*e & PTE_P)) {
            uint64_t phys;
            if (vm_new_table(pages, &phys) < 0)
                return NULL;
            *e = phys | PTE_P | PTE_W; /* leaf entries carry the real protection */
        }
        t = table_at(*e & PTE_ADDR);
    }
    return &t[(va >> (39 - 9 * depth)) & 511];
}

static int map_direct(struct exo_pages *pages, uint64_t top)
{
    for (uint64_t pa = 0; pa < top; pa += LARGE_PAGE) {
        uint64_t *e = walk(pages, EXO_DIRECT_MAP + pa, 2);
        if (!e)
            return EXO_E_NOMEM;
        *e = pa | PTE_P | PTE_W | PTE_PS | PTE_G | nx;
    }
    return EXO_OK;
}

static uint64_t kernel_prot(uint64_t va)
{
    if (va < (uint64_t)__text_end)
        return PTE_P | PTE_G;
    if (va < (uint64_t)__rodata_end)
        return PTE_P | PTE_G | nx;
    return PTE_P | PTE_W | PTE_G | nx;
}

static int map_kernel(const struct exo_bootinfo *bi, struct exo_pages *pages)
{
    for (uint64_t va = (uint64_t)__kernel_start & ~(EXO_PAGE - 1); va < (uint64_t)__kernel_end;
         va += EXO_PAGE) {
        if (va == (uint64_t)exo_stack_guard || smp_stack_guard(va))
            continue;
        uint64_t *e = walk(pages, va, 3);
        if (!e)
            return EXO_E_NOMEM;
        *e = (bi->kernel_phys + (va - bi->kernel_virt)) | kernel_prot(va);
    }
    return EXO_OK;
}

/* Device registers get their own uncached window: the direct map is write-back and stops at
 * map_top, while 64-bit BARs often sit far above RAM. Mappings are made at boot, before any env
 * copies exo's half of the page tables, and never removed. */
#define MMIO_BASE 0xffffc00000000000ull
#define MMIO_SIZE (1ull << 30)
static uint64_t mmio_next = MMIO_BASE;

int vm_map_mmio(struct exo_pages *pages, uint64_t phys, uint64_t len, volatile void **va)
{
    uint64_t first = phys & ~(EXO_PAGE - 1), end = (phys + len + EXO_PAGE - 1) & ~(EXO_PAGE - 1);
    if (len == 0 || end < first || end - first > MMIO_BASE + MMIO_SIZE - mmio_next)
        return EXO_E_RANGE;
    uint64_t base = mmio_next;
    for (uint64_t pa = first; pa < end; pa += EXO_PAGE) {
        uint64_t *e = walk(pages, base + (pa - first), 3);
        if (!e)
            return EXO_E_NOMEM;
        *e = pa | PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G | nx;
    }
    mmio_next += end - first;
    *va = (volatile void *)(base + (phys - first));
    return EXO_OK;
}

int vm_init(const struct exo_bootinfo *bi, struct exo_pages *pages)
{
    if (cpu_features.nx) {
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
        nx = PTE_NX;
        vm_nx_bit = 1;
    }
    int r = vm_new_table(pages, &vm_kernel_pml4);
    if (r == EXO_OK)
        r = map_direct(pages, bi->map_top);
    if (r == EXO_OK)
        r = map_kernel(bi, pages);
    if (r < 0)
        return r;
    write_cr0(read_cr0() | CR0_WP); /* exo itself cannot write read-only pages either */
    write_cr3(vm_kernel_pml4);
    if (cpu_features.pge)
        write_cr4(read_cr4() | CR4_PGE);
    return EXO_OK;
}
