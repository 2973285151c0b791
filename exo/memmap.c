/*
 * memmap.c: checking the loader's hand-over and turning the UEFI memory map into the physical
 * page table (see memmap.h).
 */
#include <exo/error.h>
#include <exo/memmap.h>

#define PHYS_LIMIT (1ull << 52) /* x86-64 architectural maximum physical address */

/* A map is a whole number of descriptors of a plausible stride. */
static int shape_ok(uint64_t size, uint64_t desc_size)
{
    return desc_size >= sizeof(struct exo_efi_memdesc) && desc_size % 8 == 0 && size != 0 &&
           size % desc_size == 0 && size / desc_size <= EXO_MEMMAP_MAX_DESC;
}

int exo_bootinfo_check(const struct exo_bootinfo *bi)
{
    if (bi->magic != EXO_BOOTINFO_MAGIC || bi->version != EXO_BOOTINFO_VERSION)
        return EXO_E_INVAL;
    if (bi->size != sizeof(struct exo_bootinfo))
        return EXO_E_INVAL;
    if (bi->cmdline[EXO_CMDLINE_MAX - 1] != '\0')
        return EXO_E_CORRUPT;
    if (bi->mmap_phys == 0 || bi->kernel_size == 0)
        return EXO_E_CORRUPT;
    if (bi->fb_format != EXO_FB_NONE) {
        if (bi->fb_format > EXO_FB_BGRX || bi->fb_width == 0 || bi->fb_height == 0 ||
            bi->fb_stride < bi->fb_width ||
            bi->fb_size < (uint64_t)bi->fb_stride * bi->fb_height * 4)
            return EXO_E_CORRUPT;
    }
    return shape_ok(bi->mmap_size, bi->mmap_desc_size) ? EXO_OK : EXO_E_CORRUPT;
}

const struct exo_efi_memdesc *exo_memmap_desc(const struct exo_memmap *m, uint64_t i)
{
    return (const struct exo_efi_memdesc *)(m->base + i * m->desc_size);
}

static uint64_t ndesc(const struct exo_memmap *m)
{
    return m->size / m->desc_size;
}

int exo_memmap_check(const struct exo_memmap *m)
{
    if (!shape_ok(m->size, m->desc_size))
        return EXO_E_CORRUPT;
    for (uint64_t i = 0; i < ndesc(m); i++) {
        const struct exo_efi_memdesc *d = exo_memmap_desc(m, i);
        if (d->phys % EXO_PAGE || d->phys >= PHYS_LIMIT ||
            d->pages > (PHYS_LIMIT - d->phys) / EXO_PAGE)
            return EXO_E_CORRUPT;
    }
    return EXO_OK;
}

enum exo_page_state exo_memmap_state(uint32_t efi_type)
{
    switch (efi_type) {
    case EXO_EFI_CONVENTIONAL:
    case EXO_EFI_BOOT_CODE: /* boot services are gone once exo runs */
    case EXO_EFI_BOOT_DATA:
        return EXO_PAGE_FREE;
    case EXO_EFI_LOADER_CODE: /* the loader put the kernel, boot info and archive here */
    case EXO_EFI_LOADER_DATA:
        return EXO_PAGE_KERNEL;
    case EXO_EFI_MMIO:
    case EXO_EFI_MMIO_PORT:
        return EXO_PAGE_ABSENT;
    default: /* runtime services, ACPI, reserved, unusable, unknown: never touch */
        return EXO_PAGE_FIRMWARE;
    }
}

/* RAM is whatever the firmware describes that is not a device window or a reserved hole. */
static int is_ram(uint32_t efi_type)
{
    return efi_type != EXO_EFI_MMIO && efi_type != EXO_EFI_MMIO_PORT &&
           efi_type != EXO_EFI_RESERVED && efi_type != EXO_EFI_UNUSABLE;
}

void exo_memmap_summarize(const struct exo_memmap *m, struct exo_memmap_summary *s)
{
    *s = (struct exo_memmap_summary){.ndesc = ndesc(m)};
    for (uint64_t i = 0; i < ndesc(m); i++) {
        const struct exo_efi_memdesc *d = exo_memmap_desc(m, i);
        uint64_t bytes = d->pages * EXO_PAGE;
        if (!is_ram(d->type))
            continue;
        s->ram_bytes += bytes;
        if (exo_memmap_state(d->type) == EXO_PAGE_FREE)
            s->free_bytes += bytes;
        if (d->phys + bytes > s->ram_top)
            s->ram_top = d->phys + bytes;
    }
}

int exo_memmap_find_free(const struct exo_memmap *m, uint64_t bytes, uint64_t limit, uint64_t *phys)
{
    uint64_t best = UINT64_MAX;
    bytes = (bytes + EXO_PAGE - 1) & ~(EXO_PAGE - 1);
    for (uint64_t i = 0; i < ndesc(m); i++) {
        const struct exo_efi_memdesc *d = exo_memmap_desc(m, i);
        if (exo_memmap_state(d->type) != EXO_PAGE_FREE)
            continue;
        uint64_t start = d->phys < EXO_LOW_RESERVED ? EXO_LOW_RESERVED : d->phys;
        uint64_t end = d->phys + d->pages * EXO_PAGE;
        if (end > limit)
            end = limit;
        if (start < end && end - start >= bytes && start < best)
            best = start;
    }
    if (best == UINT64_MAX)
        return EXO_E_NOMEM;
    *phys = best;
    return EXO_OK;
}

void exo_memmap_populate(const struct exo_memmap *m, struct exo_pages *t)
{
    for (uint64_t i = 0; i < ndesc(m); i++) {
        const struct exo_efi_memdesc *d = exo_memmap_desc(m, i);
        exo_pages_raise(t, d->phys / EXO_PAGE, d->pages, exo_memmap_state(d->type));
    }
    /* Only RAM below 1 MiB becomes exo's; holes there stay ABSENT. */
    for (uint64_t p = 0; p < EXO_LOW_RESERVED / EXO_PAGE; p++)
        if (exo_page_state(t, p) == EXO_PAGE_FREE)
            exo_pages_raise(t, p, 1, EXO_PAGE_KERNEL);
}
