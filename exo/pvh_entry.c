/*
 * pvh_entry.c: the C half of the PVH boot path. pvh.S arrives here in 64-bit mode on the boot
 * stack, with its own page tables mapping [0, map_limit) at identity and in the direct map; this
 * file builds the boot info from the start info (pvh.c) and enters exo_main exactly as the EFI
 * path does.
 */
#include <common/archive.h>
#include <exo/console.h>
#include <exo/error.h>
#include <exo/power.h>
#include <exo/pvh.h>
#include <exo/vm.h>
#include <exo/x86.h>

extern char __kernel_start[], __kernel_end[];
void exo_main(uint64_t bi_phys, uint64_t tsc_entry);
void pvh_main(uint64_t start_info_phys, uint64_t tsc, uint64_t map_limit);

/* In the kernel image, so the page table keeps them (the image is loader data). */
static struct exo_bootinfo pvh_bootinfo;
static struct exo_efi_memdesc pvh_memmap[EXO_PVH_MAX_DESC];

static uint64_t kernel_to_phys(const void *p)
{
    return (uint64_t)p - EXO_KERNEL_BASE; /* pvh.S runs the image where its p_paddr says */
}

static const void *read_direct(void *ctx, uint64_t phys, uint64_t len)
{
    uint64_t limit = *(const uint64_t *)ctx;
    return phys <= limit && len <= limit - phys ? phys_to_virt(phys) : NULL;
}

/* Backtraces want the kernel's symbol table: use an exo.elf in the archive if there is one. */
static void find_kernel_file(struct exo_bootinfo *bi)
{
    struct exo_archive_entry e;
    if (bi->archive_size && exo_archive_find(phys_to_virt(bi->archive_phys), bi->archive_size,
                                             "exo.elf", &e) == EXO_OK) {
        bi->kernel_file_phys = bi->archive_phys + ((const char *)e.data -
                                                   (const char *)phys_to_virt(bi->archive_phys));
        bi->kernel_file_size = e.size;
    }
}

void pvh_main(uint64_t start_info_phys, uint64_t tsc, uint64_t map_limit)
{
    serial_init(); /* exo_main does it again; harmless, and failures below need it */
    struct exo_pvh_env env = {
        .read = read_direct,
        .ctx = &map_limit,
        .map_limit = map_limit,
        .kernel_phys = kernel_to_phys(__kernel_start),
        .kernel_virt = (uint64_t)__kernel_start,
        .kernel_size = (uint64_t)(__kernel_end - __kernel_start),
        .tsc = tsc,
        .map = pvh_memmap,
        .map_phys = kernel_to_phys(pvh_memmap),
    };
    struct exo_pvh_report rep;
    int r = exo_pvh_bootinfo(&env, start_info_phys, &pvh_bootinfo, &rep);
    if (r < 0) {
        kprintf("exo: pvh: start info at 0x%lx rejected: %s (%s)\n", start_info_phys, rep.why,
                exo_strerror(r));
        exo_fail("cannot start without a valid PVH start info");
    }
    if (rep.ram_dropped)
        kprintf("exo: pvh: no 1 GiB pages, so the boot page tables map only %lu MiB: "
                "%lu MiB of RAM above are left out\n",
                map_limit >> 20, rep.ram_dropped >> 20);
    if (rep.rsdp_scanned && !pvh_bootinfo.acpi_rsdp)
        kprintf("exo: pvh: no ACPI RSDP from the monitor or in the BIOS area\n");
    find_kernel_file(&pvh_bootinfo);
    exo_main(kernel_to_phys(&pvh_bootinfo), rdtsc());
}
