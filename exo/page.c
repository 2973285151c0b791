/*
 * page.c: the physical page table (see page.h). Pure bookkeeping over an array the caller
 * provides, so the same code runs in exo and in the host unit tests.
 */
#include <exo/error.h>
#include <exo/page.h>

uint64_t exo_pages_bytes(uint64_t count)
{
    return count * sizeof(struct exo_page);
}

void exo_pages_init(struct exo_pages *t, struct exo_page *storage, uint64_t count)
{
    t->page = storage;
    t->count = count;
    t->hint = 0;
    for (int s = 0; s < EXO_PAGE_NSTATES; s++)
        t->nstate[s] = 0;
    t->nstate[EXO_PAGE_ABSENT] = count;
    for (int b = 0; b < EXO_PAGE_BUCKETS; b++)
        t->bucket[b] = EXO_PAGE_NONE;
    for (uint64_t i = 0; i < count; i++)
        t->page[i] = (struct exo_page){.state = EXO_PAGE_ABSENT,
                                       .owner = EXO_OWNER_KERNEL,
                                       .next = EXO_PAGE_NONE,
                                       .prev = EXO_PAGE_NONE};
}

static void unlist(struct exo_pages *t, uint64_t ppn)
{
    struct exo_page *pg = &t->page[ppn];
    if (pg->prev != EXO_PAGE_NONE)
        t->page[pg->prev].next = pg->next;
    else
        t->bucket[pg->owner % EXO_PAGE_BUCKETS] = pg->next;
    if (pg->next != EXO_PAGE_NONE)
        t->page[pg->next].prev = pg->prev;
    pg->next = pg->prev = EXO_PAGE_NONE;
}

static void list(struct exo_pages *t, uint64_t ppn)
{
    struct exo_page *pg = &t->page[ppn];
    uint32_t *head = &t->bucket[pg->owner % EXO_PAGE_BUCKETS];
    pg->prev = EXO_PAGE_NONE;
    pg->next = *head;
    if (*head != EXO_PAGE_NONE)
        t->page[*head].prev = (uint32_t)ppn;
    *head = (uint32_t)ppn;
}

static void set_state(struct exo_pages *t, uint64_t ppn, enum exo_page_state s, uint32_t owner)
{
    if (t->page[ppn].state == EXO_PAGE_OWNED)
        unlist(t, ppn);
    t->nstate[t->page[ppn].state]--;
    t->nstate[s]++;
    t->page[ppn].state = (uint8_t)s;
    t->page[ppn].owner = owner;
    if (s == EXO_PAGE_FREE)
        t->page[ppn].granted = 0; /* every grant of it went before it was freed */
    if (s == EXO_PAGE_OWNED)
        list(t, ppn);
}

uint64_t exo_page_next_owned(const struct exo_pages *t, uint64_t ppn, uint32_t owner)
{
    uint32_t p = ppn < t->count ? t->page[ppn].next : EXO_PAGE_NONE;
    while (p != EXO_PAGE_NONE && t->page[p].owner != owner) /* another owner in the bucket */
        p = t->page[p].next;
    return p;
}

uint64_t exo_page_first_owned(const struct exo_pages *t, uint32_t owner)
{
    uint32_t p = t->bucket[owner % EXO_PAGE_BUCKETS];
    return p != EXO_PAGE_NONE && t->page[p].owner != owner ? exo_page_next_owned(t, p, owner) : p;
}

void exo_pages_raise(struct exo_pages *t, uint64_t first, uint64_t n, enum exo_page_state state)
{
    if (first >= t->count)
        return;
    if (n > t->count - first)
        n = t->count - first;
    for (uint64_t p = first; p < first + n; p++)
        if (t->page[p].state < state)
            set_state(t, p, state, EXO_OWNER_KERNEL);
}

static enum exo_page_state held_state(uint32_t owner)
{
    return owner == EXO_OWNER_KERNEL ? EXO_PAGE_KERNEL : EXO_PAGE_OWNED;
}

int exo_page_alloc(struct exo_pages *t, uint32_t owner, uint64_t *ppn)
{
    for (uint64_t i = 0; i < t->count; i++) {
        uint64_t p = (t->hint + i) % t->count;
        if (t->page[p].state == EXO_PAGE_FREE) {
            set_state(t, p, held_state(owner), owner);
            t->hint = p + 1;
            *ppn = p;
            return EXO_OK;
        }
    }
    return EXO_E_NOMEM;
}

int exo_page_alloc_at(struct exo_pages *t, uint64_t ppn, uint32_t owner)
{
    enum exo_page_state s = exo_page_state(t, ppn);
    if (s == EXO_PAGE_ABSENT)
        return EXO_E_RANGE;
    if (s != EXO_PAGE_FREE)
        return EXO_E_BUSY;
    set_state(t, ppn, held_state(owner), owner);
    return EXO_OK;
}

int exo_page_alloc_run(struct exo_pages *t, uint64_t n, uint32_t owner, uint64_t *first)
{
    if (n == 0)
        return EXO_E_INVAL;
    uint64_t run = 0;
    for (uint64_t p = 0; p < t->count; p++) {
        run = t->page[p].state == EXO_PAGE_FREE ? run + 1 : 0;
        if (run == n) {
            uint64_t start = p + 1 - n;
            for (uint64_t q = start; q <= p; q++)
                set_state(t, q, held_state(owner), owner);
            *first = start;
            return EXO_OK;
        }
    }
    return EXO_E_NOMEM;
}

int exo_page_free(struct exo_pages *t, uint64_t ppn, uint32_t owner)
{
    enum exo_page_state s = exo_page_state(t, ppn);
    if (s == EXO_PAGE_ABSENT)
        return EXO_E_RANGE;
    if (s == EXO_PAGE_FREE)
        return EXO_E_INVAL;
    if (s == EXO_PAGE_FIRMWARE || s != held_state(owner) || t->page[ppn].owner != owner)
        return EXO_E_PERM;
    set_state(t, ppn, EXO_PAGE_FREE, EXO_OWNER_KERNEL);
    return EXO_OK;
}

int exo_page_share(struct exo_pages *t, uint64_t ppn, uint32_t owner)
{
    if (!exo_page_owned_by(t, ppn, owner))
        return EXO_E_PERM;
    set_state(t, ppn, EXO_PAGE_SHARED, EXO_OWNER_KERNEL);
    return EXO_OK;
}

int exo_page_take(struct exo_pages *t, uint64_t ppn, uint32_t owner)
{
    if (exo_page_state(t, ppn) != EXO_PAGE_SHARED || owner == EXO_OWNER_KERNEL)
        return EXO_E_PERM;
    set_state(t, ppn, EXO_PAGE_OWNED, owner);
    return EXO_OK;
}

int exo_page_free_shared(struct exo_pages *t, uint64_t ppn)
{
    if (exo_page_state(t, ppn) != EXO_PAGE_SHARED)
        return EXO_E_PERM;
    set_state(t, ppn, EXO_PAGE_FREE, EXO_OWNER_KERNEL);
    return EXO_OK;
}

int exo_page_retire(struct exo_pages *t, uint64_t ppn, uint32_t owner)
{
    if (!exo_page_owned_by(t, ppn, owner))
        return EXO_E_PERM;
    set_state(t, ppn, EXO_PAGE_KERNEL, EXO_OWNER_KERNEL);
    return EXO_OK;
}

enum exo_page_state exo_page_state(const struct exo_pages *t, uint64_t ppn)
{
    return ppn < t->count ? (enum exo_page_state)t->page[ppn].state : EXO_PAGE_ABSENT;
}
