/*
 * bootinfo.h: the one struct the EFI loader hands to exo, and the machine state at entry.
 *
 * The loader (efi/) fills a struct exo_bootinfo and jumps to the kernel ELF's entry point with
 *   - RDI = physical address of the struct (also reachable through the direct map),
 *   - interrupts off, boot services exited, the loader's GDT and a loader stack,
 *   - CR3 = loader page tables that map, with 2 MiB pages, [0, map_top) both at identity and at
 *     EXO_DIRECT_MAP + phys, and the kernel image at its link address (4 KiB pages).
 * exo copies the struct, builds its own page tables and never touches the identity map again.
 * Every address here is physical. Everything the loader allocated is EFI "loader data".
 */
#ifndef EXO_BOOTINFO_H
#define EXO_BOOTINFO_H

#include <stdint.h>

#define EXO_BOOTINFO_MAGIC 0x4f464e4953534554ull /* "TESSINFO" little-endian */
#define EXO_BOOTINFO_VERSION 1
#define EXO_DIRECT_MAP 0xffff800000000000ull  /* phys 0 in the direct map */
#define EXO_KERNEL_BASE 0xffffffff80000000ull /* lowest kernel link address */
#define EXO_CMDLINE_MAX 256

/* Pixel layouts of the GOP framebuffer (UEFI EFI_GRAPHICS_PIXEL_FORMAT, narrowed). */
enum exo_fb_format {
    EXO_FB_NONE = 0, /* no usable linear framebuffer */
    EXO_FB_RGBX = 1, /* byte 0 red, 1 green, 2 blue, 3 reserved */
    EXO_FB_BGRX = 2, /* byte 0 blue, 1 green, 2 red, 3 reserved */
};

struct exo_bootinfo {
    uint64_t magic;   /* EXO_BOOTINFO_MAGIC */
    uint32_t version; /* EXO_BOOTINFO_VERSION */
    uint32_t size;    /* sizeof(struct exo_bootinfo) as the loader knew it */

    /* The final UEFI memory map, raw, exactly as GetMemoryMap returned it before
     * ExitBootServices: desc_size is the stride (it may exceed sizeof(EFI_MEMORY_DESCRIPTOR)). */
    uint64_t mmap_phys;
    uint64_t mmap_size;
    uint64_t mmap_desc_size;
    uint32_t mmap_desc_version;
    uint32_t reserved0;

    /* Highest physical address (exclusive) mapped at identity and in the direct map. */
    uint64_t map_top;

    /* GOP linear framebuffer, 32 bits per pixel. */
    uint64_t fb_phys;
    uint64_t fb_size;  /* bytes */
    uint32_t fb_width; /* visible pixels */
    uint32_t fb_height;
    uint32_t fb_stride; /* pixels per scan line */
    uint32_t fb_format; /* enum exo_fb_format */

    uint64_t acpi_rsdp; /* ACPI 2.0+ RSDP if found, else ACPI 1.0 RSDP, else 0 */

    /* Where the kernel's loadable segments went: [kernel_virt, +kernel_size) maps to
     * [kernel_phys, +kernel_size) contiguously. */
    uint64_t kernel_phys;
    uint64_t kernel_virt;
    uint64_t kernel_size;

    /* The whole kernel ELF file as read from the ESP, kept for its symbol table. */
    uint64_t kernel_file_phys;
    uint64_t kernel_file_size;

    /* The boot archive (cpio "newc"), or 0/0 if the ESP had none. */
    uint64_t archive_phys;
    uint64_t archive_size;

    /* Time stamps (raw TSC) for the boot benchmark. */
    uint64_t tsc_loader_entry;   /* first instruction of efi_main */
    uint64_t tsc_exit_boot;      /* just after ExitBootServices succeeded */
    uint32_t exit_boot_attempts; /* 1 unless the map key went stale */
    uint32_t reserved1;

    char cmdline[EXO_CMDLINE_MAX]; /* NUL-terminated kernel command line */
};

/* EFI_MEMORY_TYPE values exo cares about (UEFI 2.x, table "Memory Type Usage"). */
enum exo_efi_memtype {
    EXO_EFI_RESERVED = 0,
    EXO_EFI_LOADER_CODE = 1,
    EXO_EFI_LOADER_DATA = 2,
    EXO_EFI_BOOT_CODE = 3,
    EXO_EFI_BOOT_DATA = 4,
    EXO_EFI_RUNTIME_CODE = 5,
    EXO_EFI_RUNTIME_DATA = 6,
    EXO_EFI_CONVENTIONAL = 7,
    EXO_EFI_UNUSABLE = 8,
    EXO_EFI_ACPI_RECLAIM = 9,
    EXO_EFI_ACPI_NVS = 10,
    EXO_EFI_MMIO = 11,
    EXO_EFI_MMIO_PORT = 12,
    EXO_EFI_PAL_CODE = 13,
    EXO_EFI_PERSISTENT = 14,
};

/* One UEFI memory descriptor (EFI_MEMORY_DESCRIPTOR), as laid out in the raw map. */
struct exo_efi_memdesc {
    uint32_t type;
    uint32_t pad;
    uint64_t phys;
    uint64_t virt;
    uint64_t pages; /* 4 KiB pages */
    uint64_t attr;
};

#endif
