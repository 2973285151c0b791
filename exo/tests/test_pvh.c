/*
 * test_pvh.c: turning a PVH start info into exo's boot info (exo/pvh.c), on synthetic guest
 * memory shaped like what QEMU 7.2's -kernel hands over for `-m 256M` on q35, and on malformed
 * variants of it that must be refused with exact error codes.
 */
#include <check.h>

#include <exo/error.h>
#include <exo/memmap.h>
#include <exo/pvh.h>

#define LOW_SIZE 0x100000ull /* the fake guest: only its first MiB is readable */
#define GIB (1ull << 30)
#define SI 0x21e0   /* start info, memory map, module list, cmdline: where QEMU puts */
#define E820 0x1000 /* them (below 16 KiB), roughly */
#define MODLIST 0x2300
#define CMDLINE 0x0800
#define RSDP 0xf58d0
#define KERNEL 0x100000
#define KERNEL_SIZE 0x22000
#define ARCHIVE 0xffd6000
#define ARCHIVE_SIZE 6656
#define RAM_END 0xffdf000

static uint8_t low[LOW_SIZE];
static struct exo_efi_memdesc map[EXO_PVH_MAX_DESC];
static struct exo_bootinfo bi;
static struct exo_pvh_report rep;

static const void *read_low(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    return phys <= LOW_SIZE && len <= LOW_SIZE - phys ? low + phys : NULL;
}

static struct exo_pvh_env env(void)
{
    return (struct exo_pvh_env){
        .read = read_low,
        .map_limit = 4 * GIB,
        .kernel_phys = KERNEL,
        .kernel_virt = EXO_KERNEL_BASE + KERNEL,
        .kernel_size = KERNEL_SIZE,
        .tsc = 12345,
        .map = map,
        .map_phys = 0x120420,
    };
}

static struct exo_pvh_start_info *si(void)
{
    return (struct exo_pvh_start_info *)(low + SI);
}

static struct exo_pvh_memmap_entry *e820(void)
{
    return (struct exo_pvh_memmap_entry *)(low + E820);
}

static struct exo_pvh_module *mod(void)
{
    return (struct exo_pvh_module *)(low + MODLIST);
}

static void set_e820(int i, uint64_t addr, uint64_t size, uint32_t type)
{
    e820()[i] = (struct exo_pvh_memmap_entry){.addr = addr, .size = size, .type = type};
}

/* What QEMU 7.2 + SeaBIOS's PVH option ROM pass for -m 256M with a 6656-byte initrd. */
static void qemu_like(void)
{
    memset(low, 0, sizeof low);
    *si() = (struct exo_pvh_start_info){
        .magic = EXO_PVH_MAGIC,
        .version = 1,
        .nr_modules = 1,
        .modlist_paddr = MODLIST,
        .cmdline_paddr = CMDLINE,
        .rsdp_paddr = RSDP,
        .memmap_paddr = E820,
        .memmap_entries = 9,
    };
    set_e820(0, 0, 0x9fc00, EXO_E820_RAM);
    set_e820(1, 0x9fc00, 0x400, EXO_E820_RESERVED);
    set_e820(2, 0xf0000, 0x10000, EXO_E820_RESERVED);
    set_e820(3, 0x100000, RAM_END - 0x100000, EXO_E820_RAM);
    set_e820(4, RAM_END, 0x10000000 - RAM_END, EXO_E820_RESERVED);
    set_e820(5, 0xb0000000, 0x10000000, EXO_E820_RESERVED); /* PCIe ECAM */
    set_e820(6, 0xfed1c000, 0x4000, EXO_E820_RESERVED);
    set_e820(7, 0xfffc0000, 0x40000, EXO_E820_RESERVED);
    set_e820(8, 0xfd00000000, 0x300000000, EXO_E820_RESERVED);
    *mod() = (struct exo_pvh_module){.paddr = ARCHIVE, .size = ARCHIVE_SIZE};
    strcpy((char *)low + CMDLINE, "poweroff exo.memmap");
}

static int convert(void)
{
    struct exo_pvh_env e = env();
    return exo_pvh_bootinfo(&e, SI, &bi, &rep);
}

static void check_desc(uint64_t i, uint64_t lo, uint64_t hi, uint32_t type)
{
    CHECK_EQ(map[i].phys, lo);
    CHECK_EQ(map[i].pages * 4096, hi - lo);
    CHECK_EQ(map[i].type, type);
}

TEST_CASE(qemu_like_boot)
{
    qemu_like();
    CHECK_EQ(convert(), EXO_OK);
    CHECK_EQ(rep.why == NULL, 1);
    CHECK_EQ(rep.ram_dropped, 0);
    CHECK_EQ(rep.rsdp_scanned, 0);
    CHECK_EQ(bi.magic, EXO_BOOTINFO_MAGIC);
    CHECK_EQ(bi.version, EXO_BOOTINFO_VERSION);
    CHECK_EQ(bi.size, sizeof bi);
    CHECK_EQ(bi.mmap_phys, 0x120420);
    CHECK_EQ(bi.mmap_desc_size, sizeof(struct exo_efi_memdesc));
    CHECK_EQ(bi.mmap_desc_version, 1);
    CHECK_EQ(bi.mmap_size, 15 * sizeof(struct exo_efi_memdesc));
    CHECK_EQ(bi.map_top, 4 * GIB);
    CHECK_EQ(bi.fb_format, EXO_FB_NONE);
    CHECK_EQ(bi.fb_phys, 0);
    CHECK_EQ(bi.acpi_rsdp, RSDP);
    CHECK_EQ(bi.kernel_phys, KERNEL);
    CHECK_EQ(bi.kernel_virt, 0xffffffff80100000ull);
    CHECK_EQ(bi.kernel_size, KERNEL_SIZE);
    CHECK_EQ(bi.kernel_file_phys, 0);
    CHECK_EQ(bi.kernel_file_size, 0);
    CHECK_EQ(bi.archive_phys, ARCHIVE);
    CHECK_EQ(bi.archive_size, ARCHIVE_SIZE);
    CHECK_EQ(bi.tsc_loader_entry, 12345);
    CHECK_EQ(bi.tsc_exit_boot, 12345);
    CHECK_EQ(bi.exit_boot_attempts, 1);
    CHECK_STR(bi.cmdline, "poweroff exo.memmap");

    /* RAM is conventional except the cmdline, memory map, start info (+ module list) pages,
     * the kernel and the archive; RAM shrinks to whole pages, holes grow to them. */
    check_desc(0, 0x0, 0x1000, EXO_EFI_LOADER_DATA);    /* cmdline */
    check_desc(1, 0x1000, 0x2000, EXO_EFI_LOADER_DATA); /* memory map */
    check_desc(2, 0x2000, 0x3000, EXO_EFI_LOADER_DATA); /* start info, module list */
    check_desc(3, 0x3000, 0x9f000, EXO_EFI_CONVENTIONAL);
    check_desc(4, 0x9f000, 0xa0000, EXO_EFI_RESERVED);
    check_desc(5, 0xf0000, 0x100000, EXO_EFI_RESERVED);
    check_desc(6, KERNEL, KERNEL + KERNEL_SIZE, EXO_EFI_LOADER_DATA);
    check_desc(7, KERNEL + KERNEL_SIZE, ARCHIVE, EXO_EFI_CONVENTIONAL);
    check_desc(8, ARCHIVE, ARCHIVE + 0x2000, EXO_EFI_LOADER_DATA);
    check_desc(9, ARCHIVE + 0x2000, RAM_END, EXO_EFI_CONVENTIONAL);
    check_desc(10, RAM_END, 0x10000000, EXO_EFI_RESERVED);
    check_desc(14, 0xfd00000000, 0x10000000000, EXO_EFI_RESERVED);

    /* exo's own checks accept it, and see the 256 MiB the guest was given (rounded up). */
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_OK);
    struct exo_memmap m = {(const uint8_t *)map, bi.mmap_size, bi.mmap_desc_size};
    struct exo_memmap_summary s;
    CHECK_EQ(exo_memmap_check(&m), EXO_OK);
    exo_memmap_summarize(&m, &s);
    CHECK_EQ(s.ram_bytes, 0x9f000 + (RAM_END - 0x100000));
    CHECK_EQ((s.ram_bytes + (1 << 20) - 1) >> 20, 256);
    CHECK_EQ(s.ram_top, RAM_END);
}

static void put_rsdp(uint64_t at, int good)
{
    memcpy(low + at, "RSD PTR ", 8);
    uint8_t sum = 0;
    for (int i = 0; i < 19; i++)
        sum += low[at + i];
    low[at + 19] = (uint8_t)-sum + (good ? 0 : 1);
}

TEST_CASE(rsdp_scan)
{
    qemu_like();
    si()->rsdp_paddr = 0;
    CHECK_EQ(convert(), EXO_OK);
    CHECK_EQ(bi.acpi_rsdp, 0); /* none: exo runs without ACPI */
    CHECK_EQ(rep.rsdp_scanned, 1);

    put_rsdp(0xe1000, 0); /* bad checksum: skipped */
    put_rsdp(0xf5a08, 1); /* not on a 16-byte boundary: never looked at */
    put_rsdp(0xf5a50, 1);
    CHECK_EQ(convert(), EXO_OK);
    CHECK_EQ(bi.acpi_rsdp, 0xf5a50);
}

TEST_CASE(high_ram)
{
    qemu_like();
    si()->memmap_entries = 5;
    set_e820(4, 4 * GIB, 4 * GIB, EXO_E820_RAM); /* q35 puts RAM above 2 GiB at 4 GiB */
    CHECK_EQ(convert(), EXO_OK);
    CHECK_EQ(rep.ram_dropped, 4 * GIB); /* the boot tables map only 4 GiB: left out */
    CHECK_EQ(bi.map_top, 4 * GIB);
    CHECK_EQ(bi.mmap_size, 10 * sizeof(struct exo_efi_memdesc));

    struct exo_pvh_env e = env();
    e.map_limit = 512 * GIB; /* with 1 GiB pages */
    CHECK_EQ(exo_pvh_bootinfo(&e, SI, &bi, &rep), EXO_OK);
    CHECK_EQ(rep.ram_dropped, 0);
    CHECK_EQ(bi.map_top, 8 * GIB);
    CHECK_EQ(bi.mmap_size, 11 * sizeof(struct exo_efi_memdesc));
    check_desc(10, 4 * GIB, 8 * GIB, EXO_EFI_CONVENTIONAL);

    set_e820(4, 4 * GIB, GIB / 2, EXO_E820_RAM);
    CHECK_EQ(exo_pvh_bootinfo(&e, SI, &bi, &rep), EXO_OK);
    CHECK_EQ(bi.map_top, 5 * GIB); /* whole GiB */
}

TEST_CASE(archive_and_cmdline)
{
    qemu_like();
    si()->nr_modules = 0;
    si()->cmdline_paddr = 0;
    CHECK_EQ(convert(), EXO_OK);
    CHECK_EQ(bi.archive_phys, 0);
    CHECK_EQ(bi.archive_size, 0);
    CHECK_STR(bi.cmdline, "");
    CHECK_EQ(bi.mmap_size, 13 * sizeof(struct exo_efi_memdesc)); /* no archive, no cmdline */
    check_desc(0, 0x0, 0x1000, EXO_EFI_CONVENTIONAL);

    qemu_like();
    mod()->size = 0; /* an empty initrd */
    CHECK_EQ(convert(), EXO_OK);
    CHECK_EQ(bi.archive_size, 0);

    qemu_like();
    memset(low + CMDLINE, 'x', EXO_CMDLINE_MAX - 1); /* 255 bytes and the NUL: fits */
    low[CMDLINE + EXO_CMDLINE_MAX - 1] = 0;
    CHECK_EQ(convert(), EXO_OK);
    CHECK_EQ(strlen(bi.cmdline), EXO_CMDLINE_MAX - 1);
}

#define REFUSED(setup, err)                                                                        \
    do {                                                                                           \
        qemu_like();                                                                               \
        setup;                                                                                     \
        CHECK_EQ(convert(), err);                                                                  \
        CHECK_EQ(rep.why != NULL, 1);                                                              \
    } while (0)

TEST_CASE(malformed)
{
    struct exo_pvh_env e = env();
    CHECK_EQ(exo_pvh_bootinfo(&e, 0, &bi, &rep), EXO_E_RANGE);
    CHECK_STR(rep.why, "start info unreadable");
    CHECK_EQ(exo_pvh_bootinfo(&e, LOW_SIZE - 16, &bi, &rep), EXO_E_RANGE);
    CHECK_EQ(exo_pvh_bootinfo(&e, UINT64_MAX - 8, &bi, &rep), EXO_E_RANGE);

    REFUSED(si()->magic = 0x336ec579, EXO_E_INVAL);
    CHECK_STR(rep.why, "start info has the wrong magic");
    REFUSED(si()->version = 0, EXO_E_INVAL);

    REFUSED(si()->memmap_entries = 0, EXO_E_CORRUPT);
    REFUSED(si()->memmap_entries = EXO_PVH_MAX_E820 + 1, EXO_E_CORRUPT);
    REFUSED(si()->memmap_paddr = 0, EXO_E_RANGE);
    REFUSED(si()->memmap_paddr = LOW_SIZE - 24, EXO_E_RANGE);
    REFUSED(set_e820(8, UINT64_MAX - 0xfff, 0x1000, EXO_E820_RESERVED), EXO_E_CORRUPT);
    REFUSED(set_e820(8, 0x1000, UINT64_MAX, EXO_E820_RAM), EXO_E_CORRUPT);
    REFUSED(set_e820(3, 0x200000, RAM_END - 0x200000, EXO_E820_RAM), EXO_E_RANGE);
    CHECK_STR(rep.why, "kernel image not in RAM");

    REFUSED(si()->nr_modules = EXO_PVH_MAX_MODULES + 1, EXO_E_CORRUPT);
    REFUSED(si()->modlist_paddr = 0, EXO_E_RANGE);
    REFUSED(si()->modlist_paddr = 0x7fffff000, EXO_E_RANGE);
    REFUSED(mod()->paddr = UINT64_MAX - 100, EXO_E_CORRUPT);
    REFUSED(mod()->paddr = 0xb0000000, EXO_E_RANGE); /* in the ECAM hole */
    CHECK_STR(rep.why, "archive (module 0) not in RAM");
    REFUSED(mod()->size = RAM_END, EXO_E_RANGE); /* runs off the end of RAM */

    REFUSED(memset(low + CMDLINE, 'x', EXO_CMDLINE_MAX), EXO_E_RANGE);
    CHECK_STR(rep.why, "command line longer than 255 bytes");
    REFUSED(si()->cmdline_paddr = 0x200000, EXO_E_RANGE);
    REFUSED(si()->rsdp_paddr = 0xfffff000, EXO_E_RANGE);

    /* RAM that rounds away to nothing (with a kernel small enough to fit in it) */
    qemu_like();
    si()->memmap_entries = 1;
    si()->nr_modules = 0;
    set_e820(0, KERNEL + 0x10, 0x800, EXO_E820_RAM);
    e.kernel_phys = KERNEL + 0x10;
    e.kernel_size = 0x100;
    CHECK_EQ(exo_pvh_bootinfo(&e, SI, &bi, &rep), EXO_E_CORRUPT);
    CHECK_STR(rep.why, "no RAM below the mapped limit");
}

TEST_CASE(types)
{
    CHECK_EQ(exo_pvh_efi_type(EXO_E820_RAM), EXO_EFI_CONVENTIONAL);
    CHECK_EQ(exo_pvh_efi_type(EXO_E820_RESERVED), EXO_EFI_RESERVED);
    CHECK_EQ(exo_pvh_efi_type(EXO_E820_ACPI), EXO_EFI_ACPI_RECLAIM);
    CHECK_EQ(exo_pvh_efi_type(EXO_E820_NVS), EXO_EFI_ACPI_NVS);
    CHECK_EQ(exo_pvh_efi_type(EXO_E820_UNUSABLE), EXO_EFI_UNUSABLE);
    CHECK_EQ(exo_pvh_efi_type(EXO_E820_DISABLED), EXO_EFI_RESERVED);
    CHECK_EQ(exo_pvh_efi_type(EXO_E820_PMEM), EXO_EFI_PERSISTENT);
    CHECK_EQ(exo_pvh_efi_type(99), EXO_EFI_RESERVED);
}
