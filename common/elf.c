/*
 * elf.c: validation of an ELF64 executable (see elf.h for the contract).
 *
 * Every check is written so that no arithmetic on file-controlled values can wrap: sizes are
 * compared against what is left, never added blindly.
 */
#include <common/elf.h>
#include <exo/abi.h>

/* Byte copy: the file buffer carries no alignment promise. */
static void elf_copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
}

void exo_elf_phdr(const void *image, uint16_t idx, struct exo_elf64_phdr *out)
{
    struct exo_elf64_ehdr eh;
    elf_copy(&eh, image, sizeof(eh));
    elf_copy(out, (const uint8_t *)image + eh.e_phoff + (uint64_t)idx * eh.e_phentsize,
             sizeof(*out));
}

#define PF_X 1
#define PF_W 2

int64_t exo_elf_each_load(const void *image,
                          int64_t (*load)(void *ctx, const struct exo_elf_load *s), void *ctx)
{
    return exo_elf_each_load_at(image, 0, load, ctx);
}

int64_t exo_elf_each_load_at(const void *image, uint64_t bias,
                             int64_t (*load)(void *ctx, const struct exo_elf_load *s), void *ctx)
{
    struct exo_elf64_ehdr eh;
    elf_copy(&eh, image, sizeof(eh));
    if (eh.e_type != EXO_ET_DYN)
        bias = 0; /* an ET_EXEC image lies where it says */
    for (uint16_t i = 0; i < eh.e_phnum; i++) {
        struct exo_elf64_phdr ph;
        exo_elf_phdr(image, i, &ph);
        if (ph.p_type != EXO_PT_LOAD)
            continue;
        const struct exo_elf_load s = {ph.p_vaddr + bias, ph.p_memsz,
                                       (const uint8_t *)image + ph.p_offset, ph.p_filesz,
                                       EXO_PROT_R | (ph.p_flags & PF_W ? EXO_PROT_W : 0) |
                                           (ph.p_flags & PF_X ? EXO_PROT_X : 0)};
        int64_t r = load(ctx, &s);
        if (r < 0)
            return r;
    }
    return 0;
}

/* [off, off + len) lies inside a file of size bytes, without overflow. */
static int elf_in_file(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

static int elf_check_ehdr(const struct exo_elf64_ehdr *eh, uint64_t size, int dyn_ok)
{
    const uint8_t *id = eh->e_ident;
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return EXO_ELF_ERR_MAGIC;
    if (id[4] != EXO_ELFCLASS64)
        return EXO_ELF_ERR_CLASS;
    if (id[5] != EXO_ELFDATA2LSB)
        return EXO_ELF_ERR_DATA;
    if (id[6] != EXO_EV_CURRENT || eh->e_version != EXO_EV_CURRENT)
        return EXO_ELF_ERR_VERSION;
    if (eh->e_type != EXO_ET_EXEC && !(dyn_ok && eh->e_type == EXO_ET_DYN))
        return EXO_ELF_ERR_TYPE;
    if (eh->e_machine != EXO_EM_X86_64)
        return EXO_ELF_ERR_MACHINE;
    if (eh->e_ehsize != sizeof(struct exo_elf64_ehdr))
        return EXO_ELF_ERR_EHSIZE;
    if (eh->e_phentsize != sizeof(struct exo_elf64_phdr))
        return EXO_ELF_ERR_PHENTSIZE;
    /* u16 * u16 fits in 32 bits; only the addition to e_phoff can wrap. */
    uint64_t ph_bytes = (uint64_t)eh->e_phnum * eh->e_phentsize;
    if (eh->e_phoff > UINT64_MAX - ph_bytes)
        return EXO_ELF_ERR_PH_OVERFLOW;
    if (!elf_in_file(eh->e_phoff, ph_bytes, size))
        return EXO_ELF_ERR_PH_RANGE;
    return EXO_ELF_OK;
}

static int elf_check_load(const struct exo_elf64_phdr *ph, uint64_t size, uint64_t lo, uint64_t hi)
{
    if (ph->p_filesz > ph->p_memsz)
        return EXO_ELF_ERR_SEG_SIZE;
    if (!elf_in_file(ph->p_offset, ph->p_filesz, size))
        return EXO_ELF_ERR_SEG_FILE;
    /* The end must survive rounding up to a page. */
    if (ph->p_vaddr > UINT64_MAX - (EXO_PAGE - 1) - ph->p_memsz)
        return EXO_ELF_ERR_SEG_WRAP;
    if (ph->p_vaddr < lo || (hi && (ph->p_vaddr >= hi || ph->p_memsz > hi - ph->p_vaddr)))
        return EXO_ELF_ERR_SEG_VADDR;
    return EXO_ELF_OK;
}

/* exo_elf_check, exo_elf_check_at and exo_elf_check_prog: dyn_ok says whether an ET_DYN image
 * (at bias) is accepted (1), and a dynamic executable too (2: PT_INTERP, its loader's job). */
static int elf_check(const void *image, uint64_t size, uint64_t bias, int dyn_ok, uint64_t lo_limit,
                     uint64_t hi_limit, struct exo_elf_info *info)
{
    struct exo_elf64_ehdr eh;
    if (image == NULL || size < sizeof(eh))
        return EXO_ELF_ERR_TRUNCATED;
    elf_copy(&eh, image, sizeof(eh));
    int err = elf_check_ehdr(&eh, size, dyn_ok);
    if (err)
        return err;
    if (eh.e_type != EXO_ET_DYN)
        bias = 0;
    else if (bias % EXO_PAGE || eh.e_entry > UINT64_MAX - bias)
        return EXO_ELF_ERR_SEG_WRAP;
    eh.e_entry += bias;

    uint64_t lo = UINT64_MAX, hi = 0;
    uint16_t nload = 0;
    int entry_ok = 0;
    for (uint16_t i = 0; i < eh.e_phnum; i++) {
        struct exo_elf64_phdr ph;
        exo_elf_phdr(image, i, &ph);
        if (ph.p_type == EXO_PT_INTERP && eh.e_type == EXO_ET_DYN && dyn_ok < 2)
            return EXO_ELF_ERR_TYPE; /* a dynamic executable: it needs its interpreter */
        if (ph.p_type != EXO_PT_LOAD)
            continue;
        if (ph.p_vaddr > UINT64_MAX - bias)
            return EXO_ELF_ERR_SEG_WRAP;
        ph.p_vaddr += bias;
        err = elf_check_load(&ph, size, lo_limit, hi_limit);
        if (err)
            return err;
        nload++;
        if (ph.p_vaddr < lo)
            lo = ph.p_vaddr;
        if (ph.p_vaddr + ph.p_memsz > hi)
            hi = ph.p_vaddr + ph.p_memsz;
        if (eh.e_entry >= ph.p_vaddr && eh.e_entry - ph.p_vaddr < ph.p_memsz)
            entry_ok = 1;
    }
    if (nload == 0)
        return EXO_ELF_ERR_NO_LOAD;
    if (!entry_ok)
        return EXO_ELF_ERR_ENTRY;
    lo &= ~(EXO_PAGE - 1);
    hi = (hi + EXO_PAGE - 1) & ~(EXO_PAGE - 1); /* cannot wrap: checked per segment */
    if (hi - lo >= EXO_ELF_MAX_SPAN)
        return EXO_ELF_ERR_SPAN;
    if (info) {
        info->entry = eh.e_entry;
        info->virt_lo = lo;
        info->span = hi - lo;
        info->nload = nload;
    }
    return EXO_ELF_OK;
}

int exo_elf_check(const void *image, uint64_t size, uint64_t lo_limit, uint64_t hi_limit,
                  struct exo_elf_info *info)
{
    return elf_check(image, size, 0, 0, lo_limit, hi_limit, info);
}

int exo_elf_check_at(const void *image, uint64_t size, uint64_t bias, uint64_t lo_limit,
                     uint64_t hi_limit, struct exo_elf_info *info)
{
    return elf_check(image, size, bias, 1, lo_limit, hi_limit, info);
}

int exo_elf_check_prog(const void *image, uint64_t size, uint64_t bias, uint64_t lo_limit,
                       uint64_t hi_limit, struct exo_elf_info *info)
{
    return elf_check(image, size, bias, 2, lo_limit, hi_limit, info);
}

const char *exo_elf_strerror(int err)
{
    switch (err) {
    case EXO_ELF_OK:
        return "ok";
#define EXO_ELF_ERROR(value, name, doc)                                                            \
    case name:                                                                                     \
        return doc;
#include <exo/errors.def>
    default:
        return "unknown ELF error";
    }
}

void exo_elf_fill_page(uint8_t *page, uint64_t page_va, uint64_t seg_va, const uint8_t *src,
                       uint64_t filesz)
{
    uint64_t from = page_va < seg_va ? seg_va : page_va;
    for (uint64_t a = from; a < page_va + EXO_PAGE && a < seg_va + filesz; a++)
        page[a - page_va] = src[a - seg_va];
}
