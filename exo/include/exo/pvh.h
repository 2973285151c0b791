/*
 * pvh.h: exo's second way in, the Xen PVH boot ABI that QEMU's `-kernel` (and microVM monitors)
 * use. pvh.S enters in 32-bit mode with EBX = physical address of a struct exo_pvh_start_info,
 * builds boot page tables and calls pvh_main (pvh_entry.c), which turns the start info into the
 * same struct exo_bootinfo the EFI loader hands over (pvh.c) and calls exo_main.
 *
 * The conversion is pure: memory is read through a caller-supplied reader, so host tests feed
 * it synthetic guest memory.
 */
#ifndef EXO_PVH_H
#define EXO_PVH_H

#include <exo/bootinfo.h>

#define EXO_PVH_MAGIC 0x336ec578u /* "xEn3" */
#define EXO_PVH_MAX_E820 128      /* QEMU's option ROM passes at most 128 entries */
#define EXO_PVH_MAX_MODULES 64    /* more modules than any monitor passes: corrupt */
#define EXO_PVH_LOADER_RANGES 6   /* kernel, archive, start info, memmap, modlist, cmdline */
/* Each RAM entry may be split around every loader range: the worst case, with room to spare. */
#define EXO_PVH_MAX_DESC (EXO_PVH_MAX_E820 + 2 * EXO_PVH_LOADER_RANGES + 4)

/* xen/include/public/arch-x86/hvm/start_info.h, version 1. */
struct exo_pvh_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr; /* NUL-terminated, or 0 */
    uint64_t rsdp_paddr;    /* or 0 */
    uint64_t memmap_paddr;  /* version >= 1 */
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct exo_pvh_module {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

struct exo_pvh_memmap_entry { /* e820 style */
    uint64_t addr;
    uint64_t size;
    uint32_t type; /* enum exo_e820_type */
    uint32_t reserved;
};

enum exo_e820_type {
    EXO_E820_RAM = 1,
    EXO_E820_RESERVED = 2,
    EXO_E820_ACPI = 3,
    EXO_E820_NVS = 4,
    EXO_E820_UNUSABLE = 5,
    EXO_E820_DISABLED = 6,
    EXO_E820_PMEM = 7,
};

/* Returns a pointer through which [phys, phys + len) can be read, or NULL if that range is not
 * readable (beyond what the boot page tables map, or wrapping). */
typedef const void *(*exo_pvh_reader)(void *ctx, uint64_t phys, uint64_t len);

struct exo_pvh_env {
    exo_pvh_reader read;
    void *ctx;
    uint64_t map_limit;   /* readable physical addresses end here: RAM above is left out */
    uint64_t kernel_phys; /* the loaded image, boot page tables and stack included */
    uint64_t kernel_virt;
    uint64_t kernel_size;
    uint64_t tsc;                /* entry time stamp */
    struct exo_efi_memdesc *map; /* where the synthesized memory map goes ... */
    uint64_t map_phys;           /* ... and its physical address, for the boot info */
};

/* What the conversion noticed, for the console. */
struct exo_pvh_report {
    const char *why;      /* which check failed (NULL on success) */
    uint64_t ram_dropped; /* bytes of RAM at or above map_limit left out of the map */
    int rsdp_scanned;     /* rsdp_paddr was 0 and the BIOS area was searched */
};

/* Fills *bi (all of it) from the start info at start_info_phys and writes up to
 * EXO_PVH_MAX_DESC descriptors to env->map. RAM becomes EFI conventional memory except where
 * the kernel, the archive (module 0), the start info, its memory map, module list and command
 * line lie: those are loader data. Returns 0, or
 *   EXO_E_RANGE   a structure or string is unreadable, or the kernel or archive is not in RAM,
 *                 or the command line does not fit EXO_CMDLINE_MAX,
 *   EXO_E_INVAL   wrong magic, or version 0 (no memory map),
 *   EXO_E_CORRUPT an empty/oversized/overflowing memory map or module list, no RAM,
 * with report->why saying which. */
int exo_pvh_bootinfo(const struct exo_pvh_env *env, uint64_t start_info_phys,
                     struct exo_bootinfo *bi, struct exo_pvh_report *report);

/* The EFI memory type a PVH (e820) type becomes. */
uint32_t exo_pvh_efi_type(uint32_t e820_type);

#endif
