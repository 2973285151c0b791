/*
 * memmap.h: reading what the loader handed over. Checks a struct exo_bootinfo and walks the raw
 * UEFI memory map it points at, and builds the physical page table from it. Pure code: the map
 * is passed as a pointer, so host tests feed it synthetic maps.
 */
#ifndef EXO_MEMMAP_H
#define EXO_MEMMAP_H

#include <exo/bootinfo.h>
#include <exo/page.h>

#define EXO_MEMMAP_MAX_DESC 4096      /* more descriptors than any sane firmware produces */
#define EXO_LOW_RESERVED (1ull << 20) /* below 1 MiB stays exo's: real-mode area, AP trampoline */

struct exo_memmap {
    const uint8_t *base; /* first descriptor */
    uint64_t size;       /* bytes */
    uint64_t desc_size;  /* stride */
};

struct exo_memmap_summary {
    uint64_t ndesc;
    uint64_t ram_bytes;  /* every descriptor that is RAM, whoever holds it */
    uint64_t free_bytes; /* RAM exo may hand out once it has started */
    uint64_t ram_top;    /* end of the highest RAM descriptor */
};

/* Checks the header fields of a boot-info struct (magic, version, size, framebuffer geometry,
 * NUL-terminated command line, memory-map shape). 0 or EXO_E_INVAL / EXO_E_CORRUPT. */
int exo_bootinfo_check(const struct exo_bootinfo *bi);

/* Checks every descriptor of a map: stride, alignment, no address overflow. */
int exo_memmap_check(const struct exo_memmap *m);

/* The i-th descriptor (no bounds check: use after exo_memmap_check). */
const struct exo_efi_memdesc *exo_memmap_desc(const struct exo_memmap *m, uint64_t i);

/* What a UEFI memory type means to exo once boot services are gone. */
enum exo_page_state exo_memmap_state(uint32_t efi_type);

/* Totals over a checked map. */
void exo_memmap_summarize(const struct exo_memmap *m, struct exo_memmap_summary *s);

/* Lowest start of `bytes` contiguous free RAM at or above EXO_LOW_RESERVED and below `limit`,
 * page aligned; EXO_E_NOMEM if none. */
int exo_memmap_find_free(const struct exo_memmap *m, uint64_t bytes, uint64_t limit,
                         uint64_t *phys);

/* Fills a page table (already exo_pages_init'ed) from the map and reserves the low 1 MiB. */
void exo_memmap_populate(const struct exo_memmap *m, struct exo_pages *t);

#endif
