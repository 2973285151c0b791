/*
 * vma.c: the mapping table (see posix/vma.h): ranges sorted by address, never overlapping.
 * Pure: no exo call, no libc, so the host tests drive it directly.
 */
#include <posix/vma.h>

struct vma *vma_find(struct vma_table *t, uint64_t va)
{
    for (int i = 0; i < t->n && t->v[i].lo <= va; i++)
        if (va < t->v[i].hi)
            return &t->v[i];
    return 0;
}

int vma_free(const struct vma_table *t, uint64_t lo, uint64_t hi)
{
    for (int i = 0; i < t->n; i++)
        if (t->v[i].lo < hi && lo < t->v[i].hi)
            return 0;
    return 1;
}

uint64_t vma_gap(const struct vma_table *t, uint64_t base, uint64_t top, uint64_t len)
{
    uint64_t at = base;
    for (int i = 0; i < t->n; i++) {
        if (t->v[i].hi <= at)
            continue;
        if (t->v[i].lo >= at && t->v[i].lo - at >= len)
            break;
        at = t->v[i].hi;
    }
    return at < top && top - at >= len ? at : 0;
}

static int mergeable(const struct vma *a, const struct vma *b)
{
    return a->hi == b->lo && a->kind == VMA_ANON && b->kind == VMA_ANON && a->prot == b->prot;
}

int vma_insert(struct vma_table *t, uint64_t lo, uint64_t hi, uint32_t kind, uint32_t obj,
               uint64_t off, uint32_t prot)
{
    int i = 0;
    while (i < t->n && t->v[i].lo < lo)
        i++;
    struct vma n = {lo, hi, off, kind, obj, prot, 0};
    if (i > 0 && mergeable(&t->v[i - 1], &n)) {
        t->v[i - 1].hi = hi;
        if (i < t->n && mergeable(&t->v[i - 1], &t->v[i])) { /* it filled a hole */
            t->v[i - 1].hi = t->v[i].hi;
            for (int j = i; j + 1 < t->n; j++)
                t->v[j] = t->v[j + 1];
            t->n--;
        }
        return 0;
    }
    if (i < t->n && mergeable(&n, &t->v[i])) {
        t->v[i].lo = lo;
        return 0;
    }
    if (t->n == VMA_MAX)
        return -1;
    for (int j = t->n; j > i; j--)
        t->v[j] = t->v[j - 1];
    t->v[i] = n;
    t->n++;
    return 0;
}

int vma_remove(struct vma_table *t, uint64_t lo, uint64_t hi)
{
    for (int i = 0; i < t->n; i++) { /* a split needs a slot: check before changing */
        struct vma *v = &t->v[i];
        if (v->lo < lo && hi < v->hi && t->n == VMA_MAX)
            return -1;
    }
    for (int i = 0; i < t->n;) {
        struct vma *v = &t->v[i];
        if (v->hi <= lo || hi <= v->lo) {
            i++;
            continue;
        }
        if (v->lo < lo && hi < v->hi) { /* split: [v->lo, lo) and [hi, v->hi) */
            for (int j = t->n; j > i + 1; j--)
                t->v[j] = t->v[j - 1];
            t->n++;
            t->v[i + 1] = *v;
            t->v[i + 1].off += hi - v->lo;
            t->v[i + 1].lo = hi;
            v->hi = lo;
            return 0;
        }
        if (v->lo < lo) { /* keeps its head */
            v->hi = lo;
            i++;
        } else if (hi < v->hi) { /* keeps its tail */
            v->off += hi - v->lo;
            v->lo = hi;
            i++;
        } else { /* gone whole */
            for (int j = i; j + 1 < t->n; j++)
                t->v[j] = t->v[j + 1];
            t->n--;
        }
    }
    return 0;
}

/* Splits the range holding a strictly inside it in two at a (a slot must be free). */
static void split_at(struct vma_table *t, uint64_t a)
{
    for (int i = 0; i < t->n; i++) {
        struct vma *v = &t->v[i];
        if (v->lo < a && a < v->hi) {
            for (int j = t->n; j > i + 1; j--)
                t->v[j] = t->v[j - 1];
            t->n++;
            t->v[i + 1] = *v;
            t->v[i + 1].off += a - v->lo;
            t->v[i + 1].lo = a;
            v->hi = a;
            return;
        }
    }
}

int vma_protect(struct vma_table *t, uint64_t lo, uint64_t hi, uint32_t prot)
{
    int need = 0;
    for (int i = 0; i < t->n; i++) {
        need += t->v[i].lo < lo && lo < t->v[i].hi;
        need += t->v[i].lo < hi && hi < t->v[i].hi;
    }
    if (t->n + need > VMA_MAX)
        return -1;
    split_at(t, lo);
    split_at(t, hi);
    for (int i = 0; i < t->n; i++)
        if (lo <= t->v[i].lo && t->v[i].hi <= hi)
            t->v[i].prot = prot;
    for (int i = 0; i + 1 < t->n;) { /* neighbours alike again: one range */
        if (mergeable(&t->v[i], &t->v[i + 1])) {
            t->v[i].hi = t->v[i + 1].hi;
            for (int j = i + 1; j + 1 < t->n; j++)
                t->v[j] = t->v[j + 1];
            t->n--;
        } else {
            i++;
        }
    }
    return 0;
}

int vma_uses(const struct vma_table *t, uint32_t obj)
{
    for (int i = 0; i < t->n; i++)
        if (t->v[i].kind == VMA_SHARED && t->v[i].obj == obj)
            return 1;
    return 0;
}

int vma_covered(const struct vma_table *t, uint64_t lo, uint64_t hi)
{
    uint64_t at = lo;
    for (int i = 0; i < t->n && at < hi; i++) {
        if (t->v[i].hi <= at)
            continue;
        if (t->v[i].lo > at)
            return 0;
        at = t->v[i].hi;
    }
    return at >= hi;
}
