/*
 * page_heap.h: a range of virtual addresses filled with exo pages on demand, one page at a
 * time, with the pages given back kept for reuse. What a libOS part that keeps its own data
 * in whole pages (the file layer, in pm or in a process) allocates from.
 */
#ifndef LOS_PAGE_HEAP_H
#define LOS_PAGE_HEAP_H

#include <stdint.h>

struct los_page_heap {
    uint64_t next, top; /* the next address never used, and where the range ends */
    void *free;         /* pages given back, linked through their first word */
};

/* A zeroed page mapped read-write: one given back, else a new one at next; NULL once the range
 * is used up or exo has no page. */
void *los_heap_page(struct los_page_heap *h);

/* Keeps page (from los_heap_page) for the next los_heap_page. */
void los_heap_give(struct los_page_heap *h, void *page);

#endif
