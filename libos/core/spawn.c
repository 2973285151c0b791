/*
 * spawn.c: a new env built from user space (see spawn.h). The parent takes pages for the
 * child (owned by the child), fills them through a scratch mapping of its own, and binds them
 * into the child's tables: all with ordinary exo calls, each checked by exo at bind time.
 */
#include <common/elf.h>
#include <los/los.h>
#include <los/spawn.h>

int64_t los_page_new(uint64_t va, uint64_t prot)
{
    int64_t ppn = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    if (ppn < 0)
        return ppn;
    int64_t r = exo_page_map(EXO_CAP_SELF, va, (uint64_t)ppn, prot);
    if (r < 0) {
        exo_page_free(EXO_CAP_SELF, (uint64_t)ppn);
        return r;
    }
    return ppn;
}

/* The child's page at va: the one already there (segments may share a page) or a new one. The
 * page is left mapped at LOS_SCRATCH_VA in the caller, for filling. */
static int64_t child_page(uint64_t child, uint64_t va, uint32_t prot)
{
    int64_t old = exo_page_lookup(child, va), ppn;
    if (old >= 0) {
        ppn = old >> EXO_PAGE_SHIFT;
        prot |= (uint32_t)(old & (EXO_PROT_R | EXO_PROT_W | EXO_PROT_X));
    } else {
        ppn = exo_page_alloc(child, EXO_ANY); /* owned by the child, zeroed by exo */
        if (ppn < 0)
            return ppn;
    }
    int64_t r = exo_page_map(child, va, (uint64_t)ppn, prot);
    if (r == 0)
        r = exo_page_map(EXO_CAP_SELF, LOS_SCRATCH_VA, (uint64_t)ppn, EXO_PROT_R | EXO_PROT_W);
    return r < 0 ? r : ppn;
}

/* Maps [va, va + memsz) in the child with prot, filled from src[0, filesz) then zeros. */
static int64_t load_range(uint64_t child, uint64_t va, uint64_t memsz, const uint8_t *src,
                          uint64_t filesz, uint32_t prot)
{
    for (uint64_t p = va & ~(EXO_PAGE - 1); p < va + memsz; p += EXO_PAGE) {
        int64_t r = child_page(child, p, prot);
        if (r < 0)
            return r;
        exo_elf_fill_page((uint8_t *)LOS_SCRATCH_VA, p, va, src, filesz);
        exo_page_unmap(EXO_CAP_SELF, LOS_SCRATCH_VA);
    }
    return 0;
}

/* The parent's read-only archive pages, bound at the same address in the child. */
static int64_t share_archive(uint64_t child)
{
    const struct los_info *in = los_info();
    for (uint64_t va = in->archive_va; va < in->archive_va + in->archive_size; va += EXO_PAGE) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
        if (pte < 0)
            return pte;
        int64_t r = exo_page_map(child, va, (uint64_t)pte >> EXO_PAGE_SHIFT, EXO_PROT_R);
        if (r < 0)
            return r;
    }
    return 0;
}

/* One PT_LOAD segment into the child whose slot ctx points at (exo_elf_each_load). */
static int64_t load_segment(void *child, const struct exo_elf_load *s)
{
    return load_range(*(uint64_t *)child, s->va, s->memsz, s->src, s->filesz, s->prot);
}

/* Where the program headers of elf lie once loaded: inside the PT_LOAD whose file bytes hold
 * them (a default link puts the headers in the first), or 0. */
static uint64_t phdr_va(const void *elf)
{
    const struct exo_elf64_ehdr *eh = elf;
    uint64_t lo = eh->e_phoff, hi = lo + (uint64_t)eh->e_phnum * sizeof(struct exo_elf64_phdr);
    for (uint16_t i = 0; i < eh->e_phnum; i++) {
        struct exo_elf64_phdr ph;
        exo_elf_phdr(elf, i, &ph);
        if (ph.p_type == EXO_PT_LOAD && ph.p_offset <= lo && hi <= ph.p_offset + ph.p_filesz)
            return ph.p_vaddr + (lo - ph.p_offset);
    }
    return 0;
}

/* The interpreter of the Linux binary being built (los_spawn_prepare_linux), or none. */
static const void *build_interp;
static uint64_t build_interp_entry;

static int64_t build(uint64_t child, const void *elf, uint64_t bias, uint64_t end,
                     const char *cmdline, uint64_t flags)
{
    int64_t r = exo_elf_each_load_at(elf, bias, load_segment, &child);
    if (r == 0 && build_interp)
        r = exo_elf_each_load_at(build_interp, LOS_INTERP_BASE, load_segment, &child);
    if (r < 0)
        return r;
    r = load_range(child, LOS_STACK_TOP - LOS_STACK_PAGES * EXO_PAGE, LOS_STACK_PAGES * EXO_PAGE,
                   NULL, 0, EXO_PROT_R | EXO_PROT_W);
    if (r < 0)
        return r;
    static struct los_info ci; /* a page's worth: not on the stack; field by field, as the
                                  libOS has no memcpy for a struct copy to call */
    int archive = !(flags & LOS_SPAWN_NO_ARCHIVE);
    ci.archive_va = archive ? los_info()->archive_va : 0; /* none: los_archive_find says so */
    ci.archive_size = archive ? los_info()->archive_size : 0;
    ci.parent = (uint64_t)exo_env_self();
    const struct exo_elf64_ehdr *eh = elf;
    ci.entry = eh->e_entry + bias;
    ci.phdr = phdr_va(elf);
    ci.phdr = ci.phdr ? ci.phdr + bias : 0;
    ci.phnum = ci.phdr ? eh->e_phnum : 0;
    ci.bias = bias;
    ci.image_end = end;
    ci.interp_base = build_interp ? LOS_INTERP_BASE : 0;
    ci.interp_entry = build_interp ? build_interp_entry : 0;
    uint64_t n = 0;
    for (; cmdline && cmdline[n]; n++) /* fits: checked by los_spawn_prepare_args */
        ci.cmdline[n] = cmdline[n];
    ci.cmdline[n] = 0;
    r = load_range(child, LOS_INFO_VA, sizeof ci, (const uint8_t *)&ci, sizeof ci, EXO_PROT_R);
    return r < 0 || !archive ? r : share_archive(child);
}

/* Every failure after exo_env_create ends here: the child goes, and with it every page it
 * owns (exo frees them at env_destroy), so a refused spawn leaves no trace. */
static int64_t spawn_failed(int64_t child, int64_t err)
{
    exo_env_destroy((uint64_t)child);
    return err;
}

int64_t los_spawn_prepare_args(const void *elf, uint64_t size, const char *cmdline, uint64_t *entry,
                               uint64_t *stack_top)
{
    return los_spawn_prepare_flags(elf, size, cmdline, 0, entry, stack_top);
}

int64_t los_spawn_prepare_flags(const void *elf, uint64_t size, const char *cmdline, uint64_t flags,
                                uint64_t *entry, uint64_t *stack_top)
{
    struct exo_elf_info ei;
    /* static-PIE (ET_DYN) goes at LOS_PIE_BASE; musl's rcrt1 relocates it from AT_PHDR; a PIE
     * with an interpreter too (los_spawn_prepare_linux: build_interp) */
    uint64_t bias = size >= sizeof(struct exo_elf64_ehdr) &&
                            ((const struct exo_elf64_ehdr *)elf)->e_type == EXO_ET_DYN
                        ? LOS_PIE_BASE
                        : 0;
    if ((build_interp ? exo_elf_check_prog : exo_elf_check_at)(elf, size, bias, EXO_PAGE,
                                                               EXO_USER_TOP, &ei) < 0)
        return EXO_E_INVAL;
    for (uint64_t n = 0; cmdline && cmdline[n]; n++)
        if (n + 1 >= LOS_CMDLINE_MAX)
            return EXO_E_RANGE;
    int64_t child = exo_env_create();
    if (child < 0)
        return child;
    int64_t r = build((uint64_t)child, elf, bias, ei.virt_lo + ei.span, cmdline, flags);
    if (r < 0)
        return spawn_failed(child, r);
    *entry = ei.entry;
    *stack_top = LOS_STACK_TOP;
    return child;
}

/* 1 if elf carries the Tessera note (a PT_NOTE segment holding it), else 0. Any file comes
 * here first (a shell script, a hostile one): nothing is read before the header and the
 * program-header table are known to lie inside it. */
int los_elf_native(const void *elf, uint64_t size)
{
    const struct exo_elf64_ehdr *eh = elf;
    if (size < sizeof *eh)
        return 0;
    const uint8_t *id = eh->e_ident;
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F' ||
        eh->e_phentsize != sizeof(struct exo_elf64_phdr) || eh->e_phoff > size ||
        (uint64_t)eh->e_phnum * sizeof(struct exo_elf64_phdr) > size - eh->e_phoff)
        return 0; /* not an ELF whose headers can be read: exec's own checks refuse it */
    for (uint16_t i = 0; i < eh->e_phnum; i++) {
        struct exo_elf64_phdr ph;
        exo_elf_phdr(elf, i, &ph);
        if (ph.p_type != 4 /* PT_NOTE */ || ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
            continue;
        const uint8_t *p = (const uint8_t *)elf + ph.p_offset, *end = p + ph.p_filesz;
        while (end - p >= 12) {
            const uint32_t *w = (const uint32_t *)p;
            uint64_t namesz = w[0], descsz = w[1], type = w[2];
            uint64_t nlen = (namesz + 3) & ~3ull, dlen = (descsz + 3) & ~3ull;
            if (nlen > (uint64_t)(end - p) - 12 || dlen > (uint64_t)(end - p) - 12 - nlen)
                break;
            const char *name = (const char *)p + 12;
            if (type == LOS_NOTE_TYPE && namesz == 8 && name[0] == 'T' && name[1] == 'e' &&
                name[2] == 's' && name[3] == 's' && name[4] == 'e' && name[5] == 'r' &&
                name[6] == 'a' && name[7] == 0)
                return 1;
            p += 12 + nlen + dlen;
        }
    }
    return 0;
}

int64_t los_spawn_prepare_linux(const void *rt, uint64_t rt_size, const void *elf, uint64_t size,
                                const void *interp, uint64_t interp_size, uint64_t flags,
                                uint64_t *entry, uint64_t *stack_top)
{
    struct exo_elf_info rti, li, ii;
    if (exo_elf_check(rt, rt_size, EXO_PAGE, EXO_USER_TOP, &rti) < 0)
        return EXO_E_INVAL;
    uint64_t bias = size >= sizeof(struct exo_elf64_ehdr) &&
                            ((const struct exo_elf64_ehdr *)elf)->e_type == EXO_ET_DYN
                        ? LOS_PIE_BASE
                        : 0;
    if ((interp ? exo_elf_check_prog : exo_elf_check_at)(elf, size, bias, EXO_PAGE, LOS_LIBOS_LO,
                                                         &li) < 0)
        return EXO_E_INVAL; /* a Linux image never reaches the libOS's range */
    /* The interpreter: ET_DYN only (a shared object, as every ld.so is), between the libOS's
     * range and the stack; it has no interpreter of its own. */
    if (interp && (interp_size < sizeof(struct exo_elf64_ehdr) ||
                   ((const struct exo_elf64_ehdr *)interp)->e_type != EXO_ET_DYN ||
                   exo_elf_check_at(interp, interp_size, LOS_INTERP_BASE, 0x0000700000000000ull,
                                    LOS_STACK_TOP - LOS_STACK_PAGES * EXO_PAGE, &ii) < 0))
        return EXO_E_INVAL;
    build_interp = interp;
    build_interp_entry = interp ? ii.entry : 0;
    int64_t child = los_spawn_prepare_flags(elf, size, NULL, flags, entry, stack_top);
    build_interp = NULL;
    if (child < 0)
        return child;
    /* The runtime's segments after the program's: a page both name would be shared (the
     * runtime lies in the libOS range, where no Linux image can). */
    uint64_t c = (uint64_t)child;
    int64_t r = exo_elf_each_load_at(rt, 0, load_segment, &c);
    if (r < 0)
        return spawn_failed(child, r);
    *entry = rti.entry;
    return child;
}

int64_t los_spawn_prepare(const void *elf, uint64_t size, uint64_t *entry, uint64_t *stack_top)
{
    return los_spawn_prepare_args(elf, size, NULL, entry, stack_top);
}

int64_t los_spawn(const void *elf, uint64_t size, uint64_t arg)
{
    uint64_t entry, stack;
    int64_t child = los_spawn_prepare(elf, size, &entry, &stack);
    if (child < 0)
        return child;
    int64_t r = exo_env_start((uint64_t)child, entry, stack, arg);
    return r < 0 ? spawn_failed(child, r) : child;
}

int64_t los_spawn_file(const char *name, uint64_t arg)
{
    const void *elf;
    uint64_t size;
    int r = los_archive_find(name, &elf, &size);
    return r < 0 ? r : los_spawn(elf, size, arg);
}

void los_wait(uint64_t child)
{
    int64_t r;
    /* Gone: its capability stops resolving (EXO_E_NOENT). Blocked: let anyone run. */
    while ((r = exo_yield(child)) != EXO_E_NOENT)
        if (r == EXO_E_BUSY)
            exo_yield(EXO_ANY);
}

int64_t los_run(const char *name, const char *cmdline, uint64_t arg)
{
    const void *elf;
    uint64_t size, entry, stack;
    int64_t c = los_archive_find(name, &elf, &size);
    if (c == 0)
        c = los_spawn_prepare_args(elf, size, cmdline, &entry, &stack);
    if (c < 0)
        return c;
    exo_cap_copy(EXO_CAP_IRQS, (uint64_t)c, EXO_RIGHT_BIND);
    exo_cap_copy(EXO_CAP_DEVS, (uint64_t)c, EXO_RIGHT_BIND);
    int64_t r = exo_env_start((uint64_t)c, entry, stack, arg);
    if (r < 0)
        return spawn_failed(c, r);
    los_wait((uint64_t)c);
    return 0;
}
