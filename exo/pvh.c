/*
 * pvh.c: turning a PVH start info (the hand-over of QEMU's -kernel and of microVM monitors) into
 * the struct exo_bootinfo the rest of exo knows from the EFI loader (see pvh.h). Pure code: every
 * guest structure is read through env->read, and everything that comes from the monitor is
 * checked before it is believed.
 */
#include <exo/error.h>
#include <exo/pvh.h>

#include <stddef.h>

#define PHYS_LIMIT (1ull << 52) /* x86-64 architectural maximum physical address */
#define GIB (1ull << 30)
#define BIOS_AREA 0xe0000ull      /* where a BIOS leaves the ACPI RSDP ... */
#define BIOS_AREA_END 0x100000ull /* ... on a 16-byte boundary */

struct range {
    uint64_t lo, hi; /* [lo, hi), page aligned */
};

struct conv {
    const struct exo_pvh_env *env;
    struct exo_pvh_report *rep;
    const struct exo_pvh_memmap_entry *e820;
    uint32_t n820;
    struct range loader[EXO_PVH_LOADER_RANGES];
    int nloader;
    uint64_t ndesc;
};

static int fail(struct conv *c, int err, const char *why)
{
    c->rep->why = why;
    return err;
}

static const void *readp(const struct conv *c, uint64_t phys, uint64_t len)
{
    if (len > PHYS_LIMIT || phys > PHYS_LIMIT - len)
        return NULL;
    return c->env->read(c->env->ctx, phys, len);
}

uint32_t exo_pvh_efi_type(uint32_t e820_type)
{
    switch (e820_type) {
    case EXO_E820_RAM:
        return EXO_EFI_CONVENTIONAL;
    case EXO_E820_ACPI:
        return EXO_EFI_ACPI_RECLAIM;
    case EXO_E820_NVS:
        return EXO_EFI_ACPI_NVS;
    case EXO_E820_UNUSABLE:
        return EXO_EFI_UNUSABLE;
    case EXO_E820_PMEM:
        return EXO_EFI_PERSISTENT;
    default: /* reserved, disabled, unknown: never touch */
        return EXO_EFI_RESERVED;
    }
}

/* [lo, lo + len) lies inside one RAM entry and below the mapped limit. */
static int in_ram(const struct conv *c, uint64_t lo, uint64_t len)
{
    if (lo + len > c->env->map_limit) /* no wrap: lengths were checked against PHYS_LIMIT */
        return 0;
    for (uint32_t i = 0; i < c->n820; i++) {
        const struct exo_pvh_memmap_entry *e = &c->e820[i];
        if (e->type == EXO_E820_RAM && lo >= e->addr && lo - e->addr <= e->size &&
            len <= e->size - (lo - e->addr))
            return 1;
    }
    return 0;
}

/* Something the page table must never hand out, rounded out to whole pages. */
static void add_loader(struct conv *c, uint64_t lo, uint64_t len)
{
    if (len == 0)
        return;
    struct range r = {lo & ~(EXO_PAGE - 1), (lo + len + EXO_PAGE - 1) & ~(EXO_PAGE - 1)};
    int i = c->nloader++;
    for (; i > 0 && c->loader[i - 1].lo > r.lo; i--) /* keep them sorted by start */
        c->loader[i] = c->loader[i - 1];
    c->loader[i] = r;
}

static int emit(struct conv *c, uint64_t lo, uint64_t hi, uint32_t type)
{
    if (lo >= hi)
        return EXO_OK;
    if (c->ndesc == EXO_PVH_MAX_DESC)
        return fail(c, EXO_E_CORRUPT, "memory map too fragmented");
    c->env->map[c->ndesc++] =
        (struct exo_efi_memdesc){.type = type, .phys = lo, .pages = (hi - lo) / EXO_PAGE};
    return EXO_OK;
}

/* A RAM entry, shrunk to whole pages and to the mapped limit, with the loader ranges cut out. */
static int emit_ram(struct conv *c, const struct exo_pvh_memmap_entry *e, uint64_t *top)
{
    uint64_t lo = (e->addr + EXO_PAGE - 1) & ~(EXO_PAGE - 1),
             hi = (e->addr + e->size) & ~(EXO_PAGE - 1);
    uint64_t limit = c->env->map_limit;
    if (hi > limit && hi > lo) {
        c->rep->ram_dropped += hi - (lo > limit ? lo : limit);
        hi = limit;
    }
    if (lo >= hi)
        return EXO_OK;
    if (hi > *top)
        *top = hi;
    uint64_t cur = lo;
    int r = EXO_OK;
    for (int i = 0; i < c->nloader && r == EXO_OK; i++) {
        uint64_t s = c->loader[i].lo > cur ? c->loader[i].lo : cur;
        uint64_t t = c->loader[i].hi < hi ? c->loader[i].hi : hi;
        if (s >= t)
            continue;
        r = emit(c, cur, s, EXO_EFI_CONVENTIONAL);
        if (r == EXO_OK)
            r = emit(c, s, t, EXO_EFI_LOADER_DATA);
        cur = t;
    }
    return r == EXO_OK ? emit(c, cur, hi, EXO_EFI_CONVENTIONAL) : r;
}

static int build_map(struct conv *c, uint64_t *ram_top)
{
    for (uint32_t i = 0; i < c->n820; i++) {
        const struct exo_pvh_memmap_entry *e = &c->e820[i];
        int r;
        if (e->size == 0)
            continue;
        if (e->type == EXO_E820_RAM)
            r = emit_ram(c, e, ram_top);
        else /* holes are rounded out: a partial page of firmware data is firmware's */
            r = emit(c, e->addr & ~(EXO_PAGE - 1),
                     (e->addr + e->size + EXO_PAGE - 1) & ~(EXO_PAGE - 1),
                     exo_pvh_efi_type(e->type));
        if (r < 0)
            return r;
    }
    return *ram_top ? EXO_OK : fail(c, EXO_E_CORRUPT, "no RAM below the mapped limit");
}

static int check_e820(struct conv *c, const struct exo_pvh_start_info *si)
{
    if (si->memmap_entries == 0 || si->memmap_entries > EXO_PVH_MAX_E820)
        return fail(c, EXO_E_CORRUPT, "memory map empty or too long");
    c->n820 = si->memmap_entries;
    c->e820 = si->memmap_paddr ? readp(c, si->memmap_paddr, c->n820 * sizeof *c->e820) : NULL;
    if (!c->e820)
        return fail(c, EXO_E_RANGE, "memory map unreadable");
    for (uint32_t i = 0; i < c->n820; i++)
        if (c->e820[i].addr > PHYS_LIMIT || c->e820[i].size > PHYS_LIMIT - c->e820[i].addr)
            return fail(c, EXO_E_CORRUPT, "memory map entry beyond the physical address space");
    add_loader(c, si->memmap_paddr, c->n820 * sizeof *c->e820);
    return EXO_OK;
}

static int take_archive(struct conv *c, const struct exo_pvh_start_info *si,
                        struct exo_bootinfo *bi)
{
    if (si->nr_modules == 0)
        return EXO_OK;
    if (si->nr_modules > EXO_PVH_MAX_MODULES)
        return fail(c, EXO_E_CORRUPT, "too many modules");
    uint64_t len = si->nr_modules * sizeof(struct exo_pvh_module);
    const struct exo_pvh_module *m = si->modlist_paddr ? readp(c, si->modlist_paddr, len) : NULL;
    if (!m)
        return fail(c, EXO_E_RANGE, "module list unreadable");
    add_loader(c, si->modlist_paddr, len);
    if (m->size == 0)
        return EXO_OK; /* an empty initrd: no archive */
    if (m->paddr > PHYS_LIMIT || m->size > PHYS_LIMIT - m->paddr)
        return fail(c, EXO_E_CORRUPT, "archive (module 0) beyond the physical address space");
    if (!in_ram(c, m->paddr, m->size))
        return fail(c, EXO_E_RANGE, "archive (module 0) not in RAM");
    bi->archive_phys = m->paddr;
    bi->archive_size = m->size;
    add_loader(c, m->paddr, m->size);
    return EXO_OK;
}

static int take_cmdline(struct conv *c, uint64_t phys, char *out)
{
    if (phys == 0)
        return EXO_OK;
    for (uint64_t i = 0; i < EXO_CMDLINE_MAX; i++) {
        const char *p = readp(c, phys + i, 1);
        if (!p)
            return fail(c, EXO_E_RANGE, "command line unreadable");
        out[i] = *p;
        if (*p == '\0') {
            add_loader(c, phys, i + 1);
            return EXO_OK;
        }
    }
    out[EXO_CMDLINE_MAX - 1] = '\0';
    return fail(c, EXO_E_RANGE, "command line longer than 255 bytes");
}

static int rsdp_at(const uint8_t *p)
{
    static const char sig[8] = "RSD PTR ";
    uint8_t sum = 0;
    for (int i = 0; i < 8; i++)
        if (p[i] != (uint8_t)sig[i])
            return 0;
    for (int i = 0; i < 20; i++) /* the ACPI 1.0 part carries its own checksum */
        sum += p[i];
    return sum == 0;
}

/* The monitor's RSDP, or the one a BIOS left in its area, or 0 (exo then runs without ACPI). */
static int take_rsdp(struct conv *c, uint64_t phys, uint64_t *out)
{
    if (phys) {
        if (!readp(c, phys, 20))
            return fail(c, EXO_E_RANGE, "ACPI RSDP unreadable");
        *out = phys;
        return EXO_OK;
    }
    c->rep->rsdp_scanned = 1;
    const uint8_t *area = readp(c, BIOS_AREA, BIOS_AREA_END - BIOS_AREA);
    for (uint64_t off = 0; area && off + 20 <= BIOS_AREA_END - BIOS_AREA; off += 16)
        if (rsdp_at(area + off)) {
            *out = BIOS_AREA + off;
            break;
        }
    return EXO_OK;
}

int exo_pvh_bootinfo(const struct exo_pvh_env *env, uint64_t start_info_phys,
                     struct exo_bootinfo *bi, struct exo_pvh_report *report)
{
    struct conv c = {.env = env, .rep = report};
    *report = (struct exo_pvh_report){0};
    *bi = (struct exo_bootinfo){0};

    /* The version-0 part first: a version-0 start info may end right after it. */
    const struct exo_pvh_start_info *si =
        start_info_phys
            ? readp(&c, start_info_phys, offsetof(struct exo_pvh_start_info, memmap_paddr))
            : NULL;
    if (!si)
        return fail(&c, EXO_E_RANGE, "start info unreadable");
    if (si->magic != EXO_PVH_MAGIC)
        return fail(&c, EXO_E_INVAL, "start info has the wrong magic");
    if (si->version < 1)
        return fail(&c, EXO_E_INVAL, "start info version 0 carries no memory map");
    si = readp(&c, start_info_phys, sizeof *si);
    if (!si)
        return fail(&c, EXO_E_RANGE, "start info unreadable");
    add_loader(&c, start_info_phys, sizeof *si);

    int r = check_e820(&c, si);
    if (r == EXO_OK && !in_ram(&c, env->kernel_phys, env->kernel_size))
        r = fail(&c, EXO_E_RANGE, "kernel image not in RAM");
    add_loader(&c, env->kernel_phys, env->kernel_size);
    if (r == EXO_OK)
        r = take_archive(&c, si, bi);
    if (r == EXO_OK)
        r = take_cmdline(&c, si->cmdline_paddr, bi->cmdline);
    if (r == EXO_OK)
        r = take_rsdp(&c, si->rsdp_paddr, &bi->acpi_rsdp);
    uint64_t ram_top = 0;
    if (r == EXO_OK)
        r = build_map(&c, &ram_top);
    if (r < 0)
        return r;

    bi->magic = EXO_BOOTINFO_MAGIC;
    bi->version = EXO_BOOTINFO_VERSION;
    bi->size = sizeof *bi;
    bi->mmap_phys = env->map_phys;
    bi->mmap_size = c.ndesc * sizeof(struct exo_efi_memdesc);
    bi->mmap_desc_size = sizeof(struct exo_efi_memdesc);
    bi->mmap_desc_version = 1;
    /* Like the EFI loader: at least 4 GiB (the LAPIC and PCI windows live below), whole GiB. */
    bi->map_top = ram_top < 4 * GIB ? 4 * GIB : (ram_top + GIB - 1) & ~(GIB - 1);
    if (bi->map_top > env->map_limit)
        bi->map_top = env->map_limit;
    bi->kernel_phys = env->kernel_phys;
    bi->kernel_virt = env->kernel_virt;
    bi->kernel_size = env->kernel_size;
    bi->tsc_loader_entry = env->tsc;
    bi->tsc_exit_boot = env->tsc;
    bi->exit_boot_attempts = 1;
    return EXO_OK;
}
