/*
 * loader.c: efi_main, the boot flow from firmware to exo's entry point.
 *
 * start -> read files from the ESP -> check and place the kernel ELF -> gather framebuffer,
 * RSDP and command line -> build page tables -> final memory map + ExitBootServices -> jump.
 * Any failure before ExitBootServices prints one line and powers off (console.c).
 */
#include "cmdline.h"
#include <common/elf.h>
#include "fwcfg.h"
#include "ldr.h"
#include "paging.h"

#include <exo/bootinfo.h>

#define EBS_MAX_ATTEMPTS 8
#define MMAP_SLACK_DESCS 16 /* the map grows when we allocate its buffer and the page tables */

/* Everything efi_main carries from one step to the next. */
struct ldr_state {
    EFI_HANDLE image;
    struct exo_bootinfo *bi;
    EFI_FILE_HANDLE root;
    uint64_t entry;
    uint64_t cr3;
    void *mmap;
    UINTN mmap_cap;
};

static void ldr_zero(void *p, uint64_t n)
{
    ldr_bs->SetMem(p, n, 0);
}

/* Reads exo.elf, validates it and copies its PT_LOAD segments into one contiguous block. */
static void ldr_load_kernel(struct ldr_state *st)
{
    struct exo_bootinfo *bi = st->bi;
    EFI_STATUS s =
        ldr_read_file(st->root, LDR_KERNEL_PATH, &bi->kernel_file_phys, &bi->kernel_file_size);
    if (s == EFI_NOT_FOUND)
        ldr_fail("%s: not found on the boot volume", LDR_KERNEL_PATH);
    if (EFI_ERROR(s))
        ldr_fail("%s: cannot read (%s)", LDR_KERNEL_PATH, ldr_status_str(s));

    const void *file = (const void *)(uintptr_t)bi->kernel_file_phys;
    struct exo_elf_info info;
    int err = exo_elf_check(file, bi->kernel_file_size, EXO_KERNEL_BASE, 0, &info);
    if (err)
        ldr_fail("%s: %s", LDR_KERNEL_PATH, exo_elf_strerror(err));

    uint64_t phys = ldr_alloc_pages(info.span / EFI_PAGE_SIZE, "the kernel image");
    ldr_zero((void *)(uintptr_t)phys, info.span); /* .bss and the gaps between segments */
    const struct exo_elf64_ehdr *eh = file;
    for (uint16_t i = 0; i < eh->e_phnum; i++) {
        struct exo_elf64_phdr ph;
        exo_elf_phdr(file, i, &ph);
        if (ph.p_type != EXO_PT_LOAD || ph.p_filesz == 0)
            continue;
        ldr_bs->CopyMem((void *)(uintptr_t)(phys + (ph.p_vaddr - info.virt_lo)),
                        (void *)(uintptr_t)(bi->kernel_file_phys + ph.p_offset), ph.p_filesz);
    }
    bi->kernel_phys = phys;
    bi->kernel_virt = info.virt_lo;
    bi->kernel_size = info.span;
    st->entry = info.entry;
    ldr_printf(LDR_PREFIX "kernel %s: %lu bytes, entry 0x%lx, 0x%lx bytes at 0x%lx\n",
               LDR_KERNEL_PATH, bi->kernel_file_size, info.entry, info.span, phys);
}

/* The boot archive is optional: absent means 0/0. */
static void ldr_load_archive(struct ldr_state *st)
{
    struct exo_bootinfo *bi = st->bi;
    EFI_STATUS s = ldr_read_file(st->root, LDR_ARCHIVE_PATH, &bi->archive_phys, &bi->archive_size);
    if (s == EFI_NOT_FOUND) {
        ldr_printf(LDR_PREFIX "archive %s: none\n", LDR_ARCHIVE_PATH);
        return;
    }
    if (EFI_ERROR(s))
        ldr_fail("%s: cannot read (%s)", LDR_ARCHIVE_PATH, ldr_status_str(s));
    ldr_printf(LDR_PREFIX "archive %s: %lu bytes at 0x%lx\n", LDR_ARCHIVE_PATH, bi->archive_size,
               bi->archive_phys);
}

/* First non-empty of: LoadOptions, fw_cfg opt/tessera/cmdline, \tessera\cmdline.txt. */
static void ldr_get_cmdline(struct ldr_state *st)
{
    char *out = st->bi->cmdline;
    EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
    EFI_LOADED_IMAGE *li = NULL;
    size_t n = 0;
    if (!EFI_ERROR(ldr_bs->HandleProtocol(st->image, &li_guid, (void **)&li)) && li &&
        li->LoadOptions && li->LoadOptionsSize)
        n = ldr_cmdline_from_ucs2(li->LoadOptions, li->LoadOptionsSize, out, EXO_CMDLINE_MAX);

    if (n == 0) {
        char raw[EXO_CMDLINE_MAX];
        long got = ldr_fwcfg_read_file(LDR_FWCFG_CMDLINE, raw, sizeof(raw), NULL);
        if (got > 0)
            n = ldr_cmdline_from_bytes(raw, (size_t)got, out, EXO_CMDLINE_MAX);
    }

    if (n == 0) {
        uint64_t phys, size;
        EFI_STATUS s = ldr_read_file(st->root, LDR_CMDLINE_PATH, &phys, &size);
        if (!EFI_ERROR(s) && size) {
            ldr_cmdline_from_bytes((const char *)(uintptr_t)phys, size, out, EXO_CMDLINE_MAX);
            ldr_bs->FreePages(phys, EFI_SIZE_TO_PAGES(size));
        } else if (EFI_ERROR(s) && s != EFI_NOT_FOUND) {
            ldr_fail("%s: cannot read (%s)", LDR_CMDLINE_PATH, ldr_status_str(s));
        }
    }
    ldr_printf(LDR_PREFIX "cmdline \"%s\"\n", out);
}

/* Takes a memory map into st->mmap (allocated once, with slack) and returns its byte size. */
static UINTN ldr_memory_map(struct ldr_state *st, UINTN *key, UINTN *desc_size, UINT32 *desc_ver)
{
    if (!st->mmap) {
        UINTN size = 0;
        EFI_STATUS s = ldr_bs->GetMemoryMap(&size, NULL, key, desc_size, desc_ver);
        if (s != EFI_BUFFER_TOO_SMALL)
            ldr_fail("GetMemoryMap: %s", ldr_status_str(s));
        size += MMAP_SLACK_DESCS * *desc_size;
        UINTN pages = EFI_SIZE_TO_PAGES(size);
        st->mmap = (void *)(uintptr_t)ldr_alloc_pages(pages, "the memory map");
        st->mmap_cap = pages * EFI_PAGE_SIZE;
    }
    UINTN size = st->mmap_cap;
    EFI_STATUS s = ldr_bs->GetMemoryMap(&size, st->mmap, key, desc_size, desc_ver);
    if (EFI_ERROR(s))
        ldr_fail("GetMemoryMap: %s", ldr_status_str(s));
    return size;
}

/* Builds the handoff page tables; every page they use is allocated here, before the final map. */
static void ldr_build_paging(struct ldr_state *st)
{
    struct exo_bootinfo *bi = st->bi;
    UINTN key, desc_size;
    UINT32 desc_ver;
    UINTN size = ldr_memory_map(st, &key, &desc_size, &desc_ver);

    uint64_t top = 0;
    for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
        const EFI_MEMORY_DESCRIPTOR *d = (const void *)((uint8_t *)st->mmap + off);
        uint64_t end = d->PhysicalStart + (d->NumberOfPages << EFI_PAGE_SHIFT);
        if (d->NumberOfPages > (UINT64_MAX >> EFI_PAGE_SHIFT) || end < d->PhysicalStart)
            end = UINT64_MAX; /* nonsense descriptor: let the cap below handle it */
        if (end > top)
            top = end;
    }
    if (bi->fb_size && bi->fb_phys + bi->fb_size > top)
        top = bi->fb_phys + bi->fb_size;
    bi->map_top = ldr_paging_map_top(top);
    if (bi->map_top > LDR_MAP_TOP_MAX) {
        ldr_printf(LDR_PREFIX "warning: memory reaches 0x%lx, mapping only 0x%llx\n", top,
                   LDR_MAP_TOP_MAX);
        bi->map_top = LDR_MAP_TOP_MAX;
    }

    struct ldr_paging_req req = {
        .map_top = bi->map_top,
        .kernel_virt = bi->kernel_virt,
        .kernel_phys = bi->kernel_phys,
        .kernel_size = bi->kernel_size,
    };
    size_t pages = ldr_paging_pages(&req);
    if (pages == 0)
        ldr_fail("page tables: bad request (map_top 0x%lx)", bi->map_top);
    void *pool = (void *)(uintptr_t)ldr_alloc_pages(pages, "the page tables");
    st->cr3 = ldr_paging_build(&req, pool, pages);
    if (!st->cr3)
        ldr_fail("page tables: pool of %lu pages too small", (uint64_t)pages);
    ldr_printf(LDR_PREFIX "page tables: map_top 0x%lx, %lu pages at %p\n", bi->map_top,
               (uint64_t)pages, pool);
}

/* Final map + ExitBootServices, retrying on a stale key. No console output from here on. */
static void ldr_exit_boot_services(struct ldr_state *st)
{
    struct exo_bootinfo *bi = st->bi;
    UINTN key = 0, size = 0, desc_size = 0;
    UINT32 desc_ver = 0;
    EFI_STATUS s = EFI_SUCCESS;
    uint32_t attempt;
    for (attempt = 1; attempt <= EBS_MAX_ATTEMPTS; attempt++) {
        size = st->mmap_cap;
        s = ldr_bs->GetMemoryMap(&size, st->mmap, &key, &desc_size, &desc_ver);
        if (EFI_ERROR(s)) {
            if (attempt == 1)
                ldr_fail("GetMemoryMap: %s", ldr_status_str(s));
            ldr_fail_late("GetMemoryMap failed while retrying ExitBootServices");
        }
#ifdef LDR_TEST_STALE_KEY
        if (attempt == 1)
            key++; /* test hook: exercise the retry path */
#endif
        s = ldr_bs->ExitBootServices(st->image, key);
        if (s != EFI_INVALID_PARAMETER)
            break;
    }
    if (s != EFI_SUCCESS)
        ldr_fail_late("ExitBootServices failed");
    bi->tsc_exit_boot = ldr_rdtsc();
    bi->exit_boot_attempts = attempt;
    bi->mmap_phys = (uint64_t)(uintptr_t)st->mmap;
    bi->mmap_size = size;
    bi->mmap_desc_size = desc_size;
    bi->mmap_desc_version = desc_ver;
}

/* cli, switch to our tables, enter the kernel as if called (SysV: RSP+8 16-aligned, RDI = bi). */
static __attribute__((noreturn)) void ldr_jump(uint64_t cr3, uint64_t entry, uint64_t bi)
{
    __asm__ volatile("cli\n\t"
                     "mov %0, %%cr3\n\t"
                     "and $-16, %%rsp\n\t"
                     "push $0\n\t" /* fake return address: ends stack walks */
                     "xor %%ebp, %%ebp\n\t"
                     "jmp *%1"
                     :
                     : "r"(cr3), "r"(entry), "D"(bi)
                     : "memory");
    __builtin_unreachable();
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    uint64_t tsc_entry = ldr_rdtsc();
    ldr_console_init(systab);
    ldr_printf(LDR_PREFIX "start\n");
    ldr_bs->SetWatchdogTimer(0, 0, 0, NULL); /* the default 5 min watchdog would reset us */

    struct ldr_state st = {.image = image};
    st.bi = (void *)(uintptr_t)ldr_alloc_pages(EFI_SIZE_TO_PAGES(sizeof(*st.bi)), "bootinfo");
    ldr_zero(st.bi, sizeof(*st.bi));
    st.bi->magic = EXO_BOOTINFO_MAGIC;
    st.bi->version = EXO_BOOTINFO_VERSION;
    st.bi->size = sizeof(*st.bi);
    st.bi->tsc_loader_entry = tsc_entry;

    EFI_STATUS s = ldr_open_root(image, &st.root);
    if (EFI_ERROR(s))
        ldr_fail("cannot open the boot volume (%s)", ldr_status_str(s));
    ldr_load_kernel(&st);
    ldr_load_archive(&st);
    ldr_get_cmdline(&st);
    st.root->Close(st.root);

    ldr_find_framebuffer(st.bi);
    if (st.bi->fb_format != EXO_FB_NONE)
        ldr_printf(LDR_PREFIX "framebuffer %ux%u stride %u at 0x%lx\n", st.bi->fb_width,
                   st.bi->fb_height, st.bi->fb_stride, st.bi->fb_phys);
    else
        ldr_printf(LDR_PREFIX "framebuffer: none\n");
    st.bi->acpi_rsdp = ldr_find_rsdp();
    ldr_printf(LDR_PREFIX "acpi rsdp 0x%lx\n", st.bi->acpi_rsdp);

    ldr_build_paging(&st);
    ldr_printf(LDR_PREFIX "exiting boot services, entering exo at 0x%lx\n", st.entry);
    ldr_exit_boot_services(&st);
    ldr_jump(st.cr3, st.entry, (uint64_t)(uintptr_t)st.bi);
}
