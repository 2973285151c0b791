/*
 * test_vma.c: the mapping table of libos/posix/vma.c on the host: placement reuses what
 * munmap freed (first fit), anonymous neighbours merge, cuts split and trim ranges with the
 * shared object's offset kept, a full table refuses without changing anything, mprotect's
 * protection recorded per range (split and merged).
 */
#include <check.h>

#include <posix/vma.h>

#define P 4096ull
#define B 0x100000000000ull

static struct vma_table t;

TEST_CASE(vma_place_and_reuse)
{
    t.n = 0;
    CHECK_EQ(vma_gap(&t, B, B + 100 * P, 4 * P), B);
    CHECK_EQ(vma_insert(&t, B, B + 4 * P, VMA_ANON, 0, 0, 3), 0);
    CHECK_EQ(vma_gap(&t, B, B + 100 * P, 4 * P), B + 4 * P);
    CHECK_EQ(vma_insert(&t, B + 4 * P, B + 8 * P, VMA_SHARED, 7, 0, 3), 0);
    CHECK_EQ(vma_insert(&t, B + 8 * P, B + 10 * P, VMA_ANON, 0, 0, 3), 0);
    CHECK_EQ(t.n, 3);
    CHECK_EQ(vma_remove(&t, B, B + 4 * P), 0); /* the first range freed: reused */
    CHECK_EQ(t.n, 2);
    CHECK_EQ(vma_gap(&t, B, B + 100 * P, 4 * P), B);
    CHECK_EQ(vma_gap(&t, B, B + 100 * P, 5 * P), B + 10 * P);
    CHECK_EQ(vma_gap(&t, B, B + 12 * P, 5 * P), 0); /* no room below top */
    CHECK_EQ(vma_free(&t, B, B + 4 * P), 1);
    CHECK_EQ(vma_free(&t, B + 3 * P, B + 5 * P), 0);
    CHECK_EQ(vma_covered(&t, B + 4 * P, B + 10 * P), 1);
    CHECK_EQ(vma_covered(&t, B + 3 * P, B + 10 * P), 0);
    CHECK_EQ(vma_covered(&t, B + 4 * P, B + 11 * P), 0);
    CHECK_EQ(vma_find(&t, B + 5 * P)->obj, 7);
    CHECK_EQ(vma_find(&t, B + 3 * P) == 0, 1);
}

TEST_CASE(vma_merge_split_trim)
{
    t.n = 0;
    CHECK_EQ(vma_insert(&t, B, B + 2 * P, VMA_ANON, 0, 0, 3), 0);
    CHECK_EQ(vma_insert(&t, B + 4 * P, B + 6 * P, VMA_ANON, 0, 0, 3), 0);
    CHECK_EQ(vma_insert(&t, B + 2 * P, B + 4 * P, VMA_ANON, 0, 0, 3), 0); /* fills the hole */
    CHECK_EQ(t.n, 1);
    CHECK_EQ(t.v[0].hi, B + 6 * P);
    CHECK_EQ(vma_insert(&t, B + 6 * P, B + 16 * P, VMA_SHARED, 3, 8 * P, 3), 0);
    CHECK_EQ(t.n, 2);                                   /* shared never merges */
    CHECK_EQ(vma_remove(&t, B + 8 * P, B + 10 * P), 0); /* split */
    CHECK_EQ(t.n, 3);
    CHECK_EQ(t.v[1].lo, B + 6 * P);
    CHECK_EQ(t.v[1].hi, B + 8 * P);
    CHECK_EQ(t.v[1].off, 8 * P);
    CHECK_EQ(t.v[2].lo, B + 10 * P);
    CHECK_EQ(t.v[2].off, 12 * P);
    CHECK_EQ(vma_uses(&t, 3), 1);
    CHECK_EQ(vma_remove(&t, B + 5 * P, B + 11 * P), 0); /* a tail, a whole, a head */
    CHECK_EQ(t.n, 2);
    CHECK_EQ(t.v[0].hi, B + 5 * P);
    CHECK_EQ(t.v[1].lo, B + 11 * P);
    CHECK_EQ(t.v[1].off, 13 * P);
    CHECK_EQ(vma_remove(&t, B + 11 * P, B + 16 * P), 0);
    CHECK_EQ(vma_uses(&t, 3), 0);
    CHECK_EQ(vma_remove(&t, 0, ~0ull), 0);
    CHECK_EQ(t.n, 0);
}

TEST_CASE(vma_full)
{
    t.n = 0;
    for (uint64_t i = 0; i < VMA_MAX; i++)
        CHECK_EQ(vma_insert(&t, B + 4 * i * P, B + (4 * i + 3) * P, VMA_FILE, 0, 0, 3), 0);
    CHECK_EQ(vma_insert(&t, B + 4 * VMA_MAX * P, B + (4 * VMA_MAX + 1) * P, VMA_FILE, 0, 0, 3), -1);
    CHECK_EQ(vma_insert(&t, B + 3 * P, B + 4 * P, VMA_ANON, 0, 0, 3), -1); /* file: no merge */
    CHECK_EQ(vma_remove(&t, B + P, B + 2 * P), -1);                        /* would split */
    CHECK_EQ(t.n, VMA_MAX);
    CHECK_EQ(t.v[0].hi, B + 3 * P);
    CHECK_EQ(vma_remove(&t, B + 2 * P, B + 3 * P), 0); /* a trim needs no slot */
    CHECK_EQ(t.v[0].hi, B + 2 * P);
}

/* mprotect's record: a range split at both ends takes the new protection, neighbours of one
 * protection merge again, and anonymous ranges of different protections never merge. */
TEST_CASE(vma_protect_splits_and_merges)
{
    t.n = 0;
    CHECK_EQ(vma_insert(&t, B, B + 10 * P, VMA_ANON, 0, 0, 3), 0);
    CHECK_EQ(vma_protect(&t, B + 2 * P, B + 4 * P, 0), 0);
    CHECK_EQ(t.n, 3);
    CHECK_EQ(t.v[0].hi, B + 2 * P);
    CHECK_EQ(t.v[1].lo, B + 2 * P);
    CHECK_EQ(t.v[1].hi, B + 4 * P);
    CHECK_EQ(t.v[1].prot, 0);
    CHECK_EQ(t.v[2].prot, 3);
    CHECK_EQ(vma_insert(&t, B + 10 * P, B + 12 * P, VMA_ANON, 0, 0, 1), 0); /* no merge: r-- */
    CHECK_EQ(t.n, 4);
    CHECK_EQ(vma_protect(&t, B, B + 12 * P, 3), 0); /* all alike: one range */
    CHECK_EQ(t.n, 1);
    CHECK_EQ(t.v[0].lo, B);
    CHECK_EQ(t.v[0].hi, B + 12 * P);
    CHECK_EQ(vma_find(&t, B + 11 * P)->prot, 3);
}
