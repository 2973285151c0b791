/*
 * ksym.c: symbol lookup in exo's own ELF image (see ksym.h). Only the section headers, the
 * symbol table and its string table are read, each bounds-checked against the file size.
 */
#include <exo/error.h>
#include <exo/ksym.h>
#include <common/string.h>

#include <stddef.h>

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_shdr {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
    uint64_t addralign, entsize;
};

struct elf64_sym {
    uint32_t name;
    uint8_t info, other;
    uint16_t shndx;
    uint64_t value, size;
};

#define SHT_SYMTAB 2
#define STT_FUNC 2

static int in_file(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

int exo_ksyms_init(struct exo_ksyms *k, const void *file, uint64_t size)
{
    const uint8_t *f = file;
    const struct elf64_ehdr *eh = file;
    *k = (struct exo_ksyms){0};
    if (size < sizeof *eh || f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F' ||
        f[4] != 2 || eh->shentsize != sizeof(struct elf64_shdr) ||
        !in_file(eh->shoff, (uint64_t)eh->shnum * sizeof(struct elf64_shdr), size))
        return EXO_E_CORRUPT;
    const struct elf64_shdr *sh = (const void *)(f + eh->shoff);
    for (unsigned i = 0; i < eh->shnum; i++) {
        if (sh[i].type != SHT_SYMTAB)
            continue;
        if (sh[i].link >= eh->shnum || sh[i].entsize != sizeof(struct elf64_sym) ||
            !in_file(sh[i].offset, sh[i].size, size) ||
            !in_file(sh[sh[i].link].offset, sh[sh[i].link].size, size))
            return EXO_E_CORRUPT;
        k->syms = f + sh[i].offset;
        k->nsyms = sh[i].size / sizeof(struct elf64_sym);
        k->strs = (const char *)f + sh[sh[i].link].offset;
        k->strs_size = sh[sh[i].link].size;
        return EXO_OK;
    }
    return EXO_E_NOENT;
}

static const struct elf64_sym *sym(const struct exo_ksyms *k, uint64_t i)
{
    return (const struct elf64_sym *)(k->syms + i * sizeof(struct elf64_sym));
}

/* The symbol's name if it lies inside the string table, else NULL. */
static const char *sym_name(const struct exo_ksyms *k, const struct elf64_sym *s)
{
    if (s->name >= k->strs_size)
        return NULL;
    for (uint64_t i = s->name; i < k->strs_size; i++)
        if (k->strs[i] == '\0')
            return k->strs + s->name;
    return NULL;
}

const char *exo_ksyms_lookup(const struct exo_ksyms *k, uint64_t addr, uint64_t *offset)
{
    const struct elf64_sym *near = NULL; /* nearest unsized function below (assembly labels) */
    for (uint64_t i = 0; i < k->nsyms; i++) {
        const struct elf64_sym *s = sym(k, i);
        if ((s->info & 0xf) != STT_FUNC || addr < s->value)
            continue;
        if (s->size && addr - s->value < s->size) {
            *offset = addr - s->value;
            return sym_name(k, s);
        }
        if (!s->size && (!near || s->value > near->value))
            near = s;
    }
    if (!near)
        return NULL;
    *offset = addr - near->value;
    return sym_name(k, near);
}

uint64_t exo_ksyms_value(const struct exo_ksyms *k, const char *name)
{
    for (uint64_t i = 0; i < k->nsyms; i++) {
        const char *n = sym_name(k, sym(k, i));
        if (n && exo_streq(n, name))
            return sym(k, i)->value;
    }
    return 0;
}
