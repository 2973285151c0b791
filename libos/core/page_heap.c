/*
 * page_heap.c: pages on demand over a range of addresses, reused once given back (see
 * page_heap.h).
 */
#include <los/los.h>
#include <los/page_heap.h>
#include <los/spawn.h>

void *los_heap_page(struct los_page_heap *h)
{
    if (h->free) {
        uint64_t *pg = h->free;
        h->free = *(void **)pg;
        for (uint64_t i = 0; i < EXO_PAGE / 8; i++)
            pg[i] = 0;
        return pg;
    }
    if (h->next >= h->top || los_page_new(h->next, EXO_PROT_R | EXO_PROT_W) < 0)
        return NULL;
    void *pg = (void *)h->next; /* exo's pages come zeroed */
    h->next += EXO_PAGE;
    return pg;
}

void los_heap_give(struct los_page_heap *h, void *page)
{
    *(void **)page = h->free;
    h->free = page;
}
