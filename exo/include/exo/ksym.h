/*
 * ksym.h: exo's own symbol table, read from the kernel ELF file the loader kept in memory, so
 * exception backtraces name functions ("exo_main+0x1c") instead of bare addresses.
 */
#ifndef EXO_KSYM_H
#define EXO_KSYM_H

#include <stdint.h>

struct exo_ksyms {
    const uint8_t *syms; /* Elf64_Sym array */
    uint64_t nsyms;
    const char *strs;
    uint64_t strs_size;
};

/* Finds .symtab and its string table in an ELF64 file image; EXO_E_CORRUPT or EXO_E_NOENT on
 * failure (a stripped kernel has no symbols; backtraces then show addresses only). */
int exo_ksyms_init(struct exo_ksyms *k, const void *file, uint64_t size);

/* Name of the function containing addr and addr's offset in it, or 0 if none contains it. */
const char *exo_ksyms_lookup(const struct exo_ksyms *k, uint64_t addr, uint64_t *offset);

/* Value of the named symbol, or 0 if absent. */
uint64_t exo_ksyms_value(const struct exo_ksyms *k, const char *name);

#endif
