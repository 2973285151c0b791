/*
 * page_heap.h: a range of virtual addresses filled with exo pages on demand, one page at a
 * time; pages given back go back to exo beyond a few kept for reuse. What a libOS part that
 * keeps its own data in whole pages (the file layer, in pm or in a process) allocates from.
 */
#ifndef LOS_PAGE_HEAP_H
#define LOS_PAGE_HEAP_H

#include <stdint.h>

struct los_page_heap {
    uint64_t next, top; /* the next address never used, and where the range ends */
    void *free;         /* pages given back and kept, linked through their first word */
    uint64_t nfree;     /* how many */
    uint64_t nholes;    /* runs of addresses whose pages went back to exo (a stack at the top) */
    uint64_t pages;     /* pages mapped for the heap's users (kept ones included) */
};

/* A zeroed page mapped read-write: one given back, else a new one at an address given back
 * earlier, else at next; NULL once the range is used up or exo has no page. */
void *los_heap_page(struct los_page_heap *h);

/* Gives page (from los_heap_page) back: a few are kept mapped for the next los_heap_page, the
 * rest go back to exo (freed, so exo's free count and other envs see them) and their addresses
 * are remembered, as runs in pages at the top of the range, for reuse. */
void los_heap_give(struct los_page_heap *h, void *page);

/* Pages of exo's the heap holds now (kept ones and the address stack's included). */
uint64_t los_heap_pages(const struct los_page_heap *h);

#endif
