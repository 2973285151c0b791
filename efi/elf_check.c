/*
 * elf_check.c: validation of the kernel ELF image (see elf_check.h for the contract).
 *
 * Every check is written so that no arithmetic on file-controlled values can wrap: sizes are
 * compared against what is left, never added blindly.
 */
#include "elf_check.h"

#include <exo/bootinfo.h>

/* Byte copy: the file buffer carries no alignment promise. */
static void elf_copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
}

void ldr_elf_phdr(const void *image, uint16_t idx, struct ldr_elf64_phdr *out)
{
    struct ldr_elf64_ehdr eh;
    elf_copy(&eh, image, sizeof(eh));
    elf_copy(out, (const uint8_t *)image + eh.e_phoff + (uint64_t)idx * eh.e_phentsize,
             sizeof(*out));
}

/* [off, off + len) lies inside a file of size bytes, without overflow. */
static int elf_in_file(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

static int elf_check_ehdr(const struct ldr_elf64_ehdr *eh, uint64_t size)
{
    const uint8_t *id = eh->e_ident;
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return LDR_ELF_ERR_MAGIC;
    if (id[4] != LDR_ELFCLASS64)
        return LDR_ELF_ERR_CLASS;
    if (id[5] != LDR_ELFDATA2LSB)
        return LDR_ELF_ERR_DATA;
    if (id[6] != LDR_EV_CURRENT || eh->e_version != LDR_EV_CURRENT)
        return LDR_ELF_ERR_VERSION;
    if (eh->e_type != LDR_ET_EXEC)
        return LDR_ELF_ERR_TYPE;
    if (eh->e_machine != LDR_EM_X86_64)
        return LDR_ELF_ERR_MACHINE;
    if (eh->e_ehsize != sizeof(struct ldr_elf64_ehdr))
        return LDR_ELF_ERR_EHSIZE;
    if (eh->e_phentsize != sizeof(struct ldr_elf64_phdr))
        return LDR_ELF_ERR_PHENTSIZE;
    /* u16 * u16 fits in 32 bits; only the addition to e_phoff can wrap. */
    uint64_t ph_bytes = (uint64_t)eh->e_phnum * eh->e_phentsize;
    if (eh->e_phoff > UINT64_MAX - ph_bytes)
        return LDR_ELF_ERR_PH_OVERFLOW;
    if (!elf_in_file(eh->e_phoff, ph_bytes, size))
        return LDR_ELF_ERR_PH_RANGE;
    return LDR_ELF_OK;
}

static int elf_check_load(const struct ldr_elf64_phdr *ph, uint64_t size)
{
    if (ph->p_filesz > ph->p_memsz)
        return LDR_ELF_ERR_SEG_SIZE;
    if (!elf_in_file(ph->p_offset, ph->p_filesz, size))
        return LDR_ELF_ERR_SEG_FILE;
    /* The end must survive rounding up to a page. */
    if (ph->p_vaddr > UINT64_MAX - (LDR_PAGE_SIZE - 1) - ph->p_memsz)
        return LDR_ELF_ERR_SEG_WRAP;
    if (ph->p_vaddr < EXO_KERNEL_BASE)
        return LDR_ELF_ERR_SEG_VADDR;
    return LDR_ELF_OK;
}

int ldr_elf_check(const void *image, uint64_t size, struct ldr_elf_info *info)
{
    struct ldr_elf64_ehdr eh;
    if (image == NULL || size < sizeof(eh))
        return LDR_ELF_ERR_TRUNCATED;
    elf_copy(&eh, image, sizeof(eh));
    int err = elf_check_ehdr(&eh, size);
    if (err)
        return err;

    uint64_t lo = UINT64_MAX, hi = 0;
    uint16_t nload = 0;
    int entry_ok = 0;
    for (uint16_t i = 0; i < eh.e_phnum; i++) {
        struct ldr_elf64_phdr ph;
        ldr_elf_phdr(image, i, &ph);
        if (ph.p_type != LDR_PT_LOAD)
            continue;
        err = elf_check_load(&ph, size);
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
        return LDR_ELF_ERR_NO_LOAD;
    if (!entry_ok)
        return LDR_ELF_ERR_ENTRY;
    lo &= ~(LDR_PAGE_SIZE - 1);
    hi = (hi + LDR_PAGE_SIZE - 1) & ~(LDR_PAGE_SIZE - 1); /* cannot wrap: checked per segment */
    if (hi - lo >= LDR_ELF_MAX_SPAN)
        return LDR_ELF_ERR_SPAN;
    if (info) {
        info->entry = eh.e_entry;
        info->virt_lo = lo;
        info->span = hi - lo;
        info->nload = nload;
    }
    return LDR_ELF_OK;
}

const char *ldr_elf_strerror(int err)
{
    switch (err) {
    case LDR_ELF_OK:
        return "ok";
    case LDR_ELF_ERR_TRUNCATED:
        return "file too short for an ELF64 header";
    case LDR_ELF_ERR_MAGIC:
        return "not an ELF64 file (bad magic)";
    case LDR_ELF_ERR_CLASS:
        return "not an ELF64 file (32-bit class)";
    case LDR_ELF_ERR_DATA:
        return "not a little-endian ELF";
    case LDR_ELF_ERR_VERSION:
        return "unknown ELF version";
    case LDR_ELF_ERR_TYPE:
        return "not an executable (ET_EXEC) ELF";
    case LDR_ELF_ERR_MACHINE:
        return "not an x86-64 ELF";
    case LDR_ELF_ERR_EHSIZE:
        return "bad ELF header size";
    case LDR_ELF_ERR_PHENTSIZE:
        return "bad program header entry size";
    case LDR_ELF_ERR_PH_OVERFLOW:
        return "program header table size overflows";
    case LDR_ELF_ERR_PH_RANGE:
        return "program header table outside the file";
    case LDR_ELF_ERR_SEG_SIZE:
        return "PT_LOAD segment with filesz > memsz";
    case LDR_ELF_ERR_SEG_FILE:
        return "PT_LOAD segment data outside the file";
    case LDR_ELF_ERR_SEG_WRAP:
        return "PT_LOAD segment wraps the address space";
    case LDR_ELF_ERR_SEG_VADDR:
        return "PT_LOAD segment below the kernel base 0xffffffff80000000";
    case LDR_ELF_ERR_NO_LOAD:
        return "no PT_LOAD segment";
    case LDR_ELF_ERR_ENTRY:
        return "entry point outside every PT_LOAD segment";
    case LDR_ELF_ERR_SPAN:
        return "load span of 1 GiB or more";
    default:
        return "unknown ELF error";
    }
}
