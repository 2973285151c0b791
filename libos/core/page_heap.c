/*
 * page_heap.c: pages on demand over a range of addresses, a few given back kept for reuse and
 * the rest returned to exo, their addresses reused (see page_heap.h). The addresses given back
 * are kept as runs (first address, count) on a stack in pages at the top of the range: a file
 * freed page after page makes one run, not one entry per page.
 */
#include <los/los.h>
#include <los/page_heap.h>
#include <los/spawn.h>

#define KEEP 8                   /* pages kept mapped for the next allocation */
#define PER_PAGE (EXO_PAGE / 16) /* runs one stack page holds */
#define RW (EXO_PROT_R | EXO_PROT_W)

struct run {
    uint64_t va, n;
};

/* Run i of the stack (its page counts down from the top of the range). */
static struct run *run_at(const struct los_page_heap *h, uint64_t i)
{
    return (struct run *)(h->top - (i / PER_PAGE + 1) * EXO_PAGE) + i % PER_PAGE;
}

/* The lowest address the stack may use (one page ahead): the heap's pages stay below. */
static uint64_t stack_floor(const struct los_page_heap *h)
{
    return h->top - (h->nholes / PER_PAGE + 2) * EXO_PAGE;
}

static void page_drop(uint64_t va)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
    if (pte >= 0)
        exo_page_free(EXO_CAP_SELF, (uint64_t)pte >> EXO_PAGE_SHIFT); /* unmaps it too */
}

void *los_heap_page(struct los_page_heap *h)
{
    if (h->free) {
        uint64_t *pg = h->free;
        h->free = *(void **)pg;
        h->nfree--;
        for (uint64_t i = 0; i < EXO_PAGE / 8; i++)
            pg[i] = 0;
        return pg;
    }
    if (h->nholes) { /* an address whose page went back to exo: a new page there */
        struct run *r = run_at(h, h->nholes - 1);
        uint64_t va = r->va + (r->n - 1) * EXO_PAGE;
        if (los_page_new(va, RW) < 0)
            return NULL;
        if (--r->n == 0 && --h->nholes % PER_PAGE == 0) /* a stack page emptied: it goes too */
            page_drop((uint64_t)run_at(h, h->nholes));
        h->pages++;
        return (void *)va; /* exo's pages come zeroed */
    }
    if (h->next + EXO_PAGE > stack_floor(h) || los_page_new(h->next, RW) < 0)
        return NULL;
    void *pg = (void *)h->next;
    h->next += EXO_PAGE;
    h->pages++;
    return pg;
}

/* Remembers va as given back: on the top run if it extends it, else as a new run. */
static int remember(struct los_page_heap *h, uint64_t va)
{
    if (h->nholes) {
        struct run *r = run_at(h, h->nholes - 1);
        if (r->va + r->n * EXO_PAGE == va || va + EXO_PAGE == r->va) {
            r->va = va < r->va ? va : r->va;
            r->n++;
            return 0;
        }
    }
    uint64_t i = h->nholes;
    if (i % PER_PAGE == 0 &&
        ((uint64_t)run_at(h, i) < h->next || los_page_new((uint64_t)run_at(h, i), RW) < 0))
        return -1; /* no room for a stack page */
    *run_at(h, i) = (struct run){va, 1};
    h->nholes = i + 1;
    return 0;
}

void los_heap_give(struct los_page_heap *h, void *page)
{
    if (h->nfree >= KEEP && remember(h, (uint64_t)page) == 0) {
        page_drop((uint64_t)page); /* back to exo */
        h->pages--;
        return;
    }
    *(void **)page = h->free; /* kept: few enough, or no room to remember its address */
    h->free = page;
    h->nfree++;
}

uint64_t los_heap_pages(const struct los_page_heap *h)
{
    return h->pages + (h->nholes + PER_PAGE - 1) / PER_PAGE;
}
