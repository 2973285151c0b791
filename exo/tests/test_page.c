/*
 * test_page.c: the physical page table (exo/page.c): states, counters, allocation of any,
 * specific and contiguous pages, and who may free what.
 */
#include <check.h>

#include <exo/error.h>
#include <exo/page.h>

static struct exo_page storage[64];

/* 64 pages: 0-7 absent (hole), 8-39 free, 40-47 kernel, 48-55 firmware, 56-63 free. */
static void setup(struct exo_pages *t)
{
    exo_pages_init(t, storage, 64);
    exo_pages_raise(t, 8, 32, EXO_PAGE_FREE);
    exo_pages_raise(t, 40, 8, EXO_PAGE_KERNEL);
    exo_pages_raise(t, 48, 8, EXO_PAGE_FIRMWARE);
    exo_pages_raise(t, 56, 100, EXO_PAGE_FREE); /* runs past the end: clamped */
}

TEST_CASE(states)
{
    struct exo_pages t;
    setup(&t);
    CHECK_EQ(t.nstate[EXO_PAGE_ABSENT], 8);
    CHECK_EQ(t.nstate[EXO_PAGE_FREE], 40);
    CHECK_EQ(t.nstate[EXO_PAGE_KERNEL], 8);
    CHECK_EQ(t.nstate[EXO_PAGE_FIRMWARE], 8);
    /* Raising never lowers: a corrupt map listing firmware pages as free changes nothing. */
    exo_pages_raise(&t, 48, 8, EXO_PAGE_FREE);
    CHECK_EQ(exo_page_state(&t, 50), EXO_PAGE_FIRMWARE);
    CHECK_EQ(exo_page_state(&t, 1000), EXO_PAGE_ABSENT);
    CHECK_EQ(exo_pages_bytes(64), 64 * sizeof(struct exo_page));
}

TEST_CASE(alloc_any)
{
    struct exo_pages t;
    uint64_t ppn, seen = 0;
    setup(&t);
    while (exo_page_alloc(&t, 7, &ppn) == EXO_OK) {
        CHECK_EQ(exo_page_state(&t, ppn), EXO_PAGE_OWNED);
        CHECK_EQ(t.page[ppn].owner, 7);
        seen++;
    }
    CHECK_EQ(seen, 40);
    CHECK_EQ(exo_page_alloc(&t, 7, &ppn), EXO_E_NOMEM);
    CHECK_EQ(t.nstate[EXO_PAGE_OWNED], 40);
    CHECK_EQ(t.nstate[EXO_PAGE_FREE], 0);
}

TEST_CASE(alloc_at)
{
    struct exo_pages t;
    setup(&t);
    CHECK_EQ(exo_page_alloc_at(&t, 9, 3), EXO_OK);
    CHECK_EQ(exo_page_alloc_at(&t, 9, 4), EXO_E_BUSY);
    CHECK_EQ(exo_page_alloc_at(&t, 41, 4), EXO_E_BUSY);  /* kernel's */
    CHECK_EQ(exo_page_alloc_at(&t, 50, 4), EXO_E_BUSY);  /* firmware's */
    CHECK_EQ(exo_page_alloc_at(&t, 2, 4), EXO_E_RANGE);  /* hole */
    CHECK_EQ(exo_page_alloc_at(&t, 64, 4), EXO_E_RANGE); /* past the end */
    CHECK_EQ(exo_page_alloc_at(&t, 10, EXO_OWNER_KERNEL), EXO_OK);
    CHECK_EQ(exo_page_state(&t, 10), EXO_PAGE_KERNEL);
}

TEST_CASE(free_checks_holder)
{
    struct exo_pages t;
    setup(&t);
    CHECK_EQ(exo_page_alloc_at(&t, 12, 3), EXO_OK);
    CHECK_EQ(exo_page_free(&t, 12, 4), EXO_E_PERM); /* not the holder */
    CHECK_EQ(exo_page_retire(&t, 12, 4), EXO_E_PERM);
    CHECK_EQ(exo_page_free(&t, 12, EXO_OWNER_KERNEL), EXO_E_PERM);
    CHECK_EQ(exo_page_free(&t, 50, EXO_OWNER_KERNEL), EXO_E_PERM); /* firmware's stay */
    CHECK_EQ(exo_page_free(&t, 13, 3), EXO_E_INVAL);               /* already free */
    CHECK_EQ(exo_page_free(&t, 3, 3), EXO_E_RANGE);
    CHECK_EQ(exo_page_free(&t, 12, 3), EXO_OK);
    CHECK_EQ(exo_page_state(&t, 12), EXO_PAGE_FREE);
    CHECK_EQ(exo_page_retire(&t, 12, 3), EXO_E_PERM); /* free: nothing to retire */
    uint64_t kernel = t.nstate[EXO_PAGE_KERNEL];
    CHECK_EQ(exo_page_alloc_at(&t, 12, 3), EXO_OK);
    CHECK_EQ(exo_page_retire(&t, 12, 3), EXO_OK); /* out of circulation for good */
    CHECK_EQ(exo_page_state(&t, 12), EXO_PAGE_KERNEL);
    CHECK_EQ(t.page[12].owner, EXO_OWNER_KERNEL);
    CHECK_EQ(t.nstate[EXO_PAGE_KERNEL], kernel + 1);
    CHECK_EQ(exo_page_free(&t, 12, 3), EXO_E_PERM);
    CHECK_EQ(exo_page_free(&t, 12, EXO_OWNER_KERNEL), EXO_OK); /* exo may free it, though */
    CHECK_EQ(exo_page_free(&t, 41, EXO_OWNER_KERNEL), EXO_OK);
    CHECK_EQ(t.nstate[EXO_PAGE_FREE], 41);
}

/* "Does env X own page P": only an OWNED page, only its holder; never exo's or past the end. */
TEST_CASE(owned_by)
{
    struct exo_pages t;
    setup(&t);
    CHECK_EQ(exo_page_alloc_at(&t, 20, 3), EXO_OK);
    CHECK_EQ(exo_page_owned_by(&t, 20, 3), 1);
    CHECK_EQ(exo_page_owned_by(&t, 20, 4), 0);
    CHECK_EQ(exo_page_owned_by(&t, 21, 3), 0);                /* free */
    CHECK_EQ(exo_page_owned_by(&t, 41, EXO_OWNER_KERNEL), 0); /* exo's: KERNEL, not OWNED */
    CHECK_EQ(exo_page_owned_by(&t, 50, EXO_OWNER_KERNEL), 0); /* firmware's */
    CHECK_EQ(exo_page_owned_by(&t, 1000, 0), 0);              /* past the end */
    CHECK_EQ(exo_page_retire(&t, 20, 3), EXO_OK);
    CHECK_EQ(exo_page_owned_by(&t, 20, 3), 0);
}

TEST_CASE(alloc_run)
{
    struct exo_pages t;
    uint64_t first;
    setup(&t);
    CHECK_EQ(exo_page_alloc_at(&t, 20, 1), EXO_OK); /* splits 8-39 into 8-19 and 21-39 */
    CHECK_EQ(exo_page_alloc_run(&t, 15, 2, &first), EXO_OK);
    CHECK_EQ(first, 21);
    CHECK_EQ(exo_page_alloc_run(&t, 12, 2, &first), EXO_OK);
    CHECK_EQ(first, 8);
    CHECK_EQ(exo_page_alloc_run(&t, 9, 2, &first), EXO_E_NOMEM); /* 56-63 holds only 8 */
    CHECK_EQ(exo_page_alloc_run(&t, 0, 2, &first), EXO_E_INVAL);
    CHECK_EQ(t.nstate[EXO_PAGE_OWNED], 28);
}

/* Every page an owner holds, and only those, however its bucket is shared and pages come and
 * go (an env's end frees exactly its own pages through this). */
static int owned(struct exo_pages *t, uint32_t owner, uint64_t *out)
{
    int n = 0;
    for (uint64_t p = exo_page_first_owned(t, owner); p != EXO_PAGE_NONE;
         p = exo_page_next_owned(t, p, owner))
        out[n++] = p;
    return n;
}

TEST_CASE(owned_lists)
{
    struct exo_pages t;
    uint64_t got[64];
    setup(&t);
    CHECK_EQ(exo_page_first_owned(&t, 3), EXO_PAGE_NONE);
    /* 3 and 3 + EXO_PAGE_BUCKETS share a bucket; 4 does not. */
    CHECK_EQ(exo_page_alloc_at(&t, 10, 3), EXO_OK);
    CHECK_EQ(exo_page_alloc_at(&t, 11, 3 + EXO_PAGE_BUCKETS), EXO_OK);
    CHECK_EQ(exo_page_alloc_at(&t, 12, 3), EXO_OK);
    CHECK_EQ(exo_page_alloc_at(&t, 13, 4), EXO_OK);
    CHECK_EQ(exo_page_alloc_at(&t, 14, 3), EXO_OK);
    CHECK_EQ(owned(&t, 3, got), 3);
    CHECK_EQ(got[0], 14); /* newest first */
    CHECK_EQ(got[1], 12);
    CHECK_EQ(got[2], 10);
    CHECK_EQ(owned(&t, 3 + EXO_PAGE_BUCKETS, got), 1);
    CHECK_EQ(got[0], 11);
    /* Freed from the middle, the head and by retiring: the rest stays listed. */
    CHECK_EQ(exo_page_free(&t, 12, 3), EXO_OK);
    CHECK_EQ(owned(&t, 3, got), 2);
    CHECK_EQ(got[0], 14);
    CHECK_EQ(got[1], 10);
    CHECK_EQ(exo_page_free(&t, 14, 3), EXO_OK);
    CHECK_EQ(exo_page_retire(&t, 10, 3), EXO_OK);
    CHECK_EQ(owned(&t, 3, got), 0);
    CHECK_EQ(owned(&t, 4, got), 1);
    CHECK_EQ(got[0], 13);
    CHECK_EQ(owned(&t, 3 + EXO_PAGE_BUCKETS, got), 1);
    /* A freed page taken again by another owner moves to its list. */
    CHECK_EQ(exo_page_alloc_at(&t, 12, 4), EXO_OK);
    CHECK_EQ(owned(&t, 4, got), 2);
    CHECK_EQ(got[0], 12);
    CHECK_EQ(exo_page_next_owned(&t, 1000, 4), EXO_PAGE_NONE); /* past the end */
    uint64_t first;
    CHECK_EQ(exo_page_alloc_run(&t, 3, 5, &first), EXO_OK);
    CHECK_EQ(owned(&t, 5, got), 3);
}

/* A shared page (page_share) leaves its owner's list and counts: no one owns it, no one may
 * free it as an owner, its owner's end does not see it; taken, it is its taker's; freed, free. */
TEST_CASE(shared_pages)
{
    struct exo_pages t;
    uint64_t got[64];
    setup(&t);
    CHECK_EQ(exo_page_alloc_at(&t, 10, 3), EXO_OK);
    CHECK_EQ(exo_page_alloc_at(&t, 11, 3), EXO_OK);
    t.page[10].granted = 1;
    CHECK_EQ(exo_page_share(&t, 10, 4), EXO_E_PERM); /* not 4's */
    CHECK_EQ(exo_page_share(&t, 12, 3), EXO_E_PERM); /* free */
    CHECK_EQ(exo_page_take(&t, 10, 4), EXO_E_PERM);  /* owned, not shared */
    CHECK_EQ(exo_page_free_shared(&t, 10), EXO_E_PERM);
    CHECK_EQ(exo_page_share(&t, 10, 3), EXO_OK);
    CHECK_EQ(exo_page_state(&t, 10), EXO_PAGE_SHARED);
    CHECK_EQ(t.nstate[EXO_PAGE_SHARED], 1);
    CHECK_EQ(t.nstate[EXO_PAGE_OWNED], 1);
    CHECK_EQ(owned(&t, 3, got), 1);
    CHECK_EQ(got[0], 11);
    CHECK_EQ(exo_page_owned_by(&t, 10, 3), 0);
    CHECK_EQ(exo_page_free(&t, 10, 3), EXO_E_PERM);
    CHECK_EQ(exo_page_free(&t, 10, EXO_OWNER_KERNEL), EXO_E_PERM);
    CHECK_EQ(exo_page_share(&t, 10, 3), EXO_E_PERM); /* shared already: not 3's */
    CHECK_EQ(exo_page_take(&t, 10, EXO_OWNER_KERNEL), EXO_E_PERM);
    CHECK_EQ(exo_page_take(&t, 10, 4), EXO_OK);
    CHECK_EQ(exo_page_owned_by(&t, 10, 4), 1);
    CHECK_EQ(owned(&t, 4, got), 1);
    CHECK_EQ(t.nstate[EXO_PAGE_SHARED], 0);
    CHECK_EQ(exo_page_share(&t, 10, 4), EXO_OK);
    CHECK_EQ(exo_page_free_shared(&t, 10), EXO_OK);
    CHECK_EQ(exo_page_state(&t, 10), EXO_PAGE_FREE);
    CHECK_EQ(t.page[10].granted, 0); /* a free page carries no history */
    CHECK_EQ(owned(&t, 4, got), 0);
    CHECK_EQ(t.nstate[EXO_PAGE_FREE], 39);
}
