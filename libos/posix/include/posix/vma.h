/*
 * vma.h: a process's mappings as the POSIX layer records them (pure, host-tested): address
 * ranges in order, each anonymous private, file-backed private (its pages copies of the
 * file's bytes) or shared (pages lent by pm: an object pm names, at a page offset). What mmap
 * places, what munmap cuts, what fork asks ("is this page shared?") and what a fault asks
 * ("a file mapping's page that is not there: SIGBUS"; "an anonymous page never touched: a
 * fresh page with the range's protection", the demand pager).
 */
#ifndef POSIX_VMA_H
#define POSIX_VMA_H

#include <stdint.h>

#define VMA_MAX 256 /* ranges per process (ENOMEM past it); adjacent anonymous ones merge */

enum vma_kind { VMA_ANON = 1, VMA_FILE = 2, VMA_SHARED = 3 };

struct vma {
    uint64_t lo, hi; /* [lo, hi), page-aligned */
    uint64_t off;    /* VMA_SHARED: the object's byte offset at lo */
    uint32_t kind;   /* enum vma_kind */
    uint32_t obj;    /* VMA_SHARED: pm's object id */
    uint32_t prot;   /* PROT_* bits: what a page paged in on demand gets (VMA_ANON) */
    uint32_t pad;
};

struct vma_table {
    int n;
    struct vma v[VMA_MAX];
};

/* The range holding va, or NULL. */
struct vma *vma_find(struct vma_table *t, uint64_t va);
/* 1 if no range meets [lo, hi). */
int vma_free(const struct vma_table *t, uint64_t lo, uint64_t hi);
/* The lowest address >= base where len bytes fit below top with no range, or 0. */
uint64_t vma_gap(const struct vma_table *t, uint64_t base, uint64_t top, uint64_t len);
/* Records [lo, hi) (free of ranges) with protection prot; merges with an anonymous neighbour
 * of the same protection. 0, or -1: full. */
int vma_insert(struct vma_table *t, uint64_t lo, uint64_t hi, uint32_t kind, uint32_t obj,
               uint64_t off, uint32_t prot);
/* Sets the protection of every range's part in [lo, hi) (ranges split at lo and hi, merged
 * again where they can be). 0, or -1: no slot for a split, nothing changed. */
int vma_protect(struct vma_table *t, uint64_t lo, uint64_t hi, uint32_t prot);
/* Cuts [lo, hi) out of every range (a range split in two takes a slot: -1 if full, nothing
 * changed). 0. */
int vma_remove(struct vma_table *t, uint64_t lo, uint64_t hi);
/* 1 if some range still names object obj. */
int vma_uses(const struct vma_table *t, uint32_t obj);
/* 1 if [lo, hi) is covered by ranges with no hole. */
int vma_covered(const struct vma_table *t, uint64_t lo, uint64_t hi);

#endif
