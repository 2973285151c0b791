/*
 * test_memmap.c: checking the loader's boot info and turning a UEFI memory map into the page
 * table (exo/memmap.c), on a synthetic map shaped like OVMF's for a 256 MiB q35 guest.
 */
#include <check.h>

#include <exo/error.h>
#include <exo/memmap.h>

#include <stdlib.h>

#define DESC_SIZE 48 /* OVMF's stride: larger than the struct, as UEFI allows */

static uint8_t map[16 * DESC_SIZE];
static uint64_t nmap;

static void add(uint64_t phys, uint64_t pages, uint32_t type)
{
    struct exo_efi_memdesc d = {.type = type, .phys = phys, .pages = pages};
    memcpy(map + nmap++ * DESC_SIZE, &d, sizeof d);
}

static struct exo_memmap ovmf_like(void)
{
    nmap = 0;
    add(0x0, 160, EXO_EFI_CONVENTIONAL);       /* 640 KiB */
    add(0x100000, 1792, EXO_EFI_CONVENTIONAL); /* 1-8 MiB */
    add(0x800000, 8, EXO_EFI_ACPI_NVS);
    add(0x808000, 256, EXO_EFI_LOADER_DATA); /* kernel, boot info */
    add(0x908000, 63224, EXO_EFI_BOOT_DATA); /* up to 256 MiB */
    add(0xe0000000, 65536, EXO_EFI_MMIO);    /* PCIe ECAM */
    add(0xffc00000, 1024, EXO_EFI_RESERVED); /* flash */
    return (struct exo_memmap){map, nmap * DESC_SIZE, DESC_SIZE};
}

TEST_CASE(summary)
{
    struct exo_memmap m = ovmf_like();
    struct exo_memmap_summary s;
    CHECK_EQ(exo_memmap_check(&m), EXO_OK);
    exo_memmap_summarize(&m, &s);
    CHECK_EQ(s.ndesc, 7);
    CHECK_EQ(s.ram_bytes, 0x10000000 - 0x60000); /* 256 MiB less the 384 KiB legacy hole */
    CHECK_EQ(s.free_bytes, (160 + 1792 + 63224) * 4096ull);
    CHECK_EQ(s.ram_top, 0x10000000);
}

TEST_CASE(find_free)
{
    struct exo_memmap m = ovmf_like();
    uint64_t p = 0;
    CHECK_EQ(exo_memmap_find_free(&m, 1 << 20, 1ull << 32, &p), EXO_OK);
    CHECK_EQ(p, 0x100000); /* never below 1 MiB */
    CHECK_EQ(exo_memmap_find_free(&m, 8 << 20, 1ull << 32, &p), EXO_OK);
    CHECK_EQ(p, 0x908000); /* 1-8 MiB is too small */
    CHECK_EQ(exo_memmap_find_free(&m, 1ull << 30, 1ull << 32, &p), EXO_E_NOMEM);
    CHECK_EQ(exo_memmap_find_free(&m, 2 << 20, 0x200000, &p), EXO_E_NOMEM); /* limit */
}

TEST_CASE(populate)
{
    struct exo_memmap m = ovmf_like();
    static struct exo_page storage[65536];
    struct exo_pages t;
    exo_pages_init(&t, storage, 65536);
    exo_memmap_populate(&m, &t);
    CHECK_EQ(t.nstate[EXO_PAGE_FREE], 1792 + 63224);
    CHECK_EQ(t.nstate[EXO_PAGE_KERNEL], 160 + 256); /* low 640 KiB and the loader's data */
    CHECK_EQ(t.nstate[EXO_PAGE_FIRMWARE], 8);
    CHECK_EQ(t.nstate[EXO_PAGE_ABSENT], 96); /* the legacy hole 640 KiB - 1 MiB */
    CHECK_EQ(exo_page_state(&t, 0), EXO_PAGE_KERNEL);
    CHECK_EQ(exo_page_state(&t, 0xa0), EXO_PAGE_ABSENT);
    CHECK_EQ(exo_page_state(&t, 0x800), EXO_PAGE_FIRMWARE);
    CHECK_EQ(exo_page_state(&t, 0x808), EXO_PAGE_KERNEL);
    CHECK_EQ(exo_page_state(&t, 0x908), EXO_PAGE_FREE);
}

TEST_CASE(corrupt_maps)
{
    struct exo_memmap m = ovmf_like();
    struct exo_memmap bad = m;
    bad.desc_size = 36; /* smaller than a descriptor */
    CHECK_EQ(exo_memmap_check(&bad), EXO_E_CORRUPT);
    bad = m;
    bad.size -= 8; /* not a whole number of descriptors */
    CHECK_EQ(exo_memmap_check(&bad), EXO_E_CORRUPT);
    bad.size = 0;
    CHECK_EQ(exo_memmap_check(&bad), EXO_E_CORRUPT);
    add(0x123, 1, EXO_EFI_CONVENTIONAL); /* misaligned */
    bad = (struct exo_memmap){map, nmap * DESC_SIZE, DESC_SIZE};
    CHECK_EQ(exo_memmap_check(&bad), EXO_E_CORRUPT);
    m = ovmf_like();
    add(0xfffffffff000ull, 1ull << 40, EXO_EFI_CONVENTIONAL); /* runs past 2^52 */
    bad = (struct exo_memmap){map, nmap * DESC_SIZE, DESC_SIZE};
    CHECK_EQ(exo_memmap_check(&bad), EXO_E_CORRUPT);
}

static struct exo_bootinfo good_bootinfo(void)
{
    struct exo_bootinfo bi = {
        .magic = EXO_BOOTINFO_MAGIC,
        .version = EXO_BOOTINFO_VERSION,
        .size = sizeof bi,
        .mmap_phys = 0x808000,
        .mmap_size = 7 * DESC_SIZE,
        .mmap_desc_size = DESC_SIZE,
        .fb_phys = 0x80000000,
        .fb_size = 1280 * 800 * 4,
        .fb_width = 1280,
        .fb_height = 800,
        .fb_stride = 1280,
        .fb_format = EXO_FB_BGRX,
        .kernel_size = 0x18000,
    };
    strcpy(bi.cmdline, "poweroff");
    return bi;
}

TEST_CASE(bootinfo)
{
    struct exo_bootinfo bi = good_bootinfo();
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_OK);
    bi.magic ^= 1;
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_INVAL);
    bi = good_bootinfo(), bi.version = 2;
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_INVAL);
    bi = good_bootinfo(), bi.size = sizeof bi - 8; /* loader built against another header */
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_INVAL);
    bi = good_bootinfo(), memset(bi.cmdline, 'x', sizeof bi.cmdline);
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_CORRUPT);
    bi = good_bootinfo(), bi.fb_stride = 1000;
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_CORRUPT);
    bi = good_bootinfo(), bi.fb_size = 4096;
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_CORRUPT);
    bi = good_bootinfo(), bi.fb_format = 9;
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_CORRUPT);
    bi = good_bootinfo(), bi.fb_format = EXO_FB_NONE, bi.fb_size = 0;
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_OK); /* no framebuffer is fine */
    bi = good_bootinfo(), bi.mmap_desc_size = 44;
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_CORRUPT);
    bi = good_bootinfo(), bi.mmap_size = 0;
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_CORRUPT);
    bi = good_bootinfo(), bi.mmap_size = (EXO_MEMMAP_MAX_DESC + 1) * DESC_SIZE;
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_CORRUPT);
    bi = good_bootinfo(), bi.kernel_size = 0;
    CHECK_EQ(exo_bootinfo_check(&bi), EXO_E_CORRUPT);
}
