/*
 * elf.h: validation of an ELF64 executable before anyone trusts it: the kernel image in the EFI
 * loader, init in exo, and (later) every program the libOS loads. The caller names the address
 * range the segments must fit in: the top of memory for exo, the user half for programs.
 *
 * Pure code: no allocation, no I/O, so host unit tests compile it as is (common/tests/test_elf.c).
 */
#ifndef COMMON_ELF_H
#define COMMON_ELF_H

#include <stddef.h>
#include <stdint.h>

/* The subset of the ELF64 format the loader needs (System V gABI, names as in <elf.h>). */
#define EXO_EI_NIDENT 16
#define EXO_ELFCLASS64 2
#define EXO_ELFDATA2LSB 1
#define EXO_EV_CURRENT 1
#define EXO_ET_EXEC 2
#define EXO_ET_DYN 3 /* position-independent: static-PIE (exo_elf_check_at) */
#define EXO_EM_X86_64 62
#define EXO_PT_LOAD 1
#define EXO_PT_INTERP 3

struct exo_elf64_ehdr {
    uint8_t e_ident[EXO_EI_NIDENT]; /* "\x7f" "ELF", class, data, version, ... */
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct exo_elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

/* Largest accepted load span (page rounded, exclusive): the kernel lives in the top 2 GiB and
 * the loader maps it with 4 KiB pages, so anything near this is a broken link script. */
#define EXO_ELF_MAX_SPAN (1ull << 30)

/* Result of exo_elf_check(): 0 or one negative code, from the ELF range (-32..-63) of the one
 * error table, exo/include/exo/errors.def, where each row's message says what failed. Checks
 * run in the order listed there: TRUNCATED (shorter than an ELF64 header), MAGIC, CLASS (not
 * ELFCLASS64), DATA (not ELFDATA2LSB), VERSION (e_ident[EI_VERSION] or e_version not 1), TYPE
 * (not ET_EXEC), MACHINE (not EM_X86_64), EHSIZE, PHENTSIZE (not the ELF64 sizes), PH_OVERFLOW
 * (e_phoff + e_phnum * e_phentsize wraps), PH_RANGE (table not inside the file), per PT_LOAD
 * SEG_SIZE (p_filesz > p_memsz), SEG_FILE (file bytes not inside the file), SEG_WRAP (end,
 * page rounded, wraps), SEG_VADDR (outside the allowed [lo, hi)), then NO_LOAD, ENTRY (e_entry
 * in no PT_LOAD) and SPAN (page-rounded load span >= EXO_ELF_MAX_SPAN). */
enum exo_elf_err {
    EXO_ELF_OK = 0,
#define EXO_ELF_ERROR(value, name, doc) name = value,
#include <exo/errors.def>
};

/* What the loader needs once the image is known good. */
struct exo_elf_info {
    uint64_t entry;   /* e_entry */
    uint64_t virt_lo; /* lowest PT_LOAD p_vaddr, rounded down to a page */
    uint64_t span;    /* highest PT_LOAD end rounded up to a page, minus virt_lo */
    uint16_t nload;   /* number of PT_LOAD segments */
};

/* Validates the ELF image in [image, image + size), whose PT_LOAD segments must lie inside
 * [lo, hi) (hi = 0 means "to the top of the address space"). On success fills *info (if
 * non-NULL) and returns EXO_ELF_OK; otherwise returns a negative enum exo_elf_err and leaves
 * *info unspecified. image needs no particular alignment. */
int exo_elf_check(const void *image, uint64_t size, uint64_t lo, uint64_t hi,
                  struct exo_elf_info *info);

/* exo_elf_check for a loader that also takes static-PIE: an ET_DYN image (with no PT_INTERP:
 * a dynamic executable is TYPE) is checked as if loaded at bias (page-aligned, else SEG_WRAP),
 * info's entry and virt_lo include it; an ET_EXEC image is checked as exo_elf_check does
 * (bias ignored). */
int exo_elf_check_at(const void *image, uint64_t size, uint64_t bias, uint64_t lo, uint64_t hi,
                     struct exo_elf_info *info);

/* exo_elf_check_at that takes a dynamic executable (ET_DYN or ET_EXEC with PT_INTERP) too: for
 * a loader that maps its interpreter beside it (libos/core/spawn.c, Linux binaries). */
int exo_elf_check_prog(const void *image, uint64_t size, uint64_t bias, uint64_t lo, uint64_t hi,
                       struct exo_elf_info *info);

/* One-line English description of a exo_elf_check() result ("ok" for 0, never NULL). */
const char *exo_elf_strerror(int err);

/* Fills the page at page_va (in `page`, EXO_PAGE bytes, already zeroed) with the part of a
 * segment's file bytes src[0, filesz) at seg_va that falls inside it. Loaders call it once per
 * page of [seg_va, seg_va + p_memsz). */
void exo_elf_fill_page(uint8_t *page, uint64_t page_va, uint64_t seg_va, const uint8_t *src,
                       uint64_t filesz);

/* Copies program header number idx (< e_phnum of an image that passed exo_elf_check). */
void exo_elf_phdr(const void *image, uint16_t idx, struct exo_elf64_phdr *out);

/* A PT_LOAD segment as a loader needs it. */
struct exo_elf_load {
    uint64_t va, memsz;
    const uint8_t *src; /* its file bytes, src[0, filesz) */
    uint64_t filesz;
    uint32_t prot; /* EXO_PROT_R, plus EXO_PROT_W / EXO_PROT_X as p_flags say */
};

/* Calls load(ctx, segment) for every PT_LOAD segment of an image that passed exo_elf_check,
 * in order; stops at the first negative result and returns it, else 0. exo's init loader and
 * the libOS's spawn share it. */
int64_t exo_elf_each_load(const void *image,
                          int64_t (*load)(void *ctx, const struct exo_elf_load *s), void *ctx);
/* The same for an image that passed exo_elf_check_at: an ET_DYN image's segments at bias. */
int64_t exo_elf_each_load_at(const void *image, uint64_t bias,
                             int64_t (*load)(void *ctx, const struct exo_elf_load *s), void *ctx);

#endif
