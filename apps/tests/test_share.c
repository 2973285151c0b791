/*
 * test_share.c: shared pages (page_share, call 40), what copy-on-write fork stands on: a page
 * shared with another env outlives the env that shared it, is never mapped writable while
 * shared, is taken back by its last mapper, and goes back to exo when its last mapping goes,
 * so exo's free-page count returns exactly to where it started.
 */
#include "exotest.h"

#define VA 0x0000510000000000ull      /* the shared page, the same address in both envs */
#define OTHER 0x0000510000100000ull   /* a second address in the same table page */
#define COMM 0x0000510000200000ull    /* parent <-> child results, the parent's page */
#define KEEP 1024                     /* free pages left while counting: counts stay cheap */
#define PATTERN 0x5a17ed0f0badcafeull /* what the sharer leaves in the page */

static uint64_t held[KEEP];

/* Free pages, exactly (-1 if more than KEEP): takes them all, counts, gives them back. */
static int64_t free_pages(void)
{
    int64_t n = 0, p;
    while (n < KEEP && (p = exo_page_alloc(EXO_CAP_SELF, EXO_ANY)) >= 0)
        held[n++] = (uint64_t)p;
    int64_t over = n == KEEP && (p = exo_page_alloc(EXO_CAP_SELF, EXO_ANY)) >= 0;
    if (over)
        exo_page_free(EXO_CAP_SELF, (uint64_t)p);
    for (int64_t i = 0; i < n; i++)
        exo_page_free(EXO_CAP_SELF, held[i]);
    return over ? -1 : n;
}

/* Takes every free page but the last KEEP, for good (this test's env holds them). */
static int leave_keep_free(void)
{
    int64_t p, n = 0;
    while ((p = exo_page_alloc(EXO_CAP_SELF, EXO_ANY)) >= 0)
        held[n++ % KEEP] = (uint64_t)p;
    if (p != EXO_E_NOMEM || n < KEEP)
        return 1;
    for (int i = 0; i < KEEP; i++)
        exo_page_free(EXO_CAP_SELF, held[i]);
    return 0;
}

/* Makes this env's page tables for VA..COMM (kept after the test's first mapping there), so
 * that counting free pages sees only the pages under test. */
static int64_t tables_ready(void)
{
    int64_t r = los_page_new(VA, EXO_PROT_R);
    if (r >= 0)
        r = exo_page_free(EXO_CAP_SELF, (uint64_t)r);
    return r;
}

struct comm {
    volatile int64_t r[8];
    volatile uint64_t done;
};
static struct comm *const cm = (struct comm *)COMM;

/* The child: a page of its own at VA with PATTERN in it, shared with its parent (whose
 * capability it holds in slot `parent`); then it ends, and with it everything it owns. */
static void sharer(uint64_t parent)
{
    int64_t p = los_page_new(VA, EXO_PROT_R | EXO_PROT_W);
    *(volatile uint64_t *)VA = PATTERN;
    cm->r[0] = p;
    cm->r[1] = exo_page_share(parent, VA);
    cm->r[2] = exo_page_lookup(EXO_CAP_SELF, VA);
    cm->r[3] = exo_page_protect(EXO_CAP_SELF, VA, EXO_PROT_R | EXO_PROT_W); /* two map it */
    cm->r[4] = exo_page_free(EXO_CAP_SELF, (uint64_t)p); /* no longer the child's */
    cm->done = 1;
    los_exit(0);
}

static void quitter(uint64_t arg)
{
    (void)arg;
    los_exit(0);
}

/* Starts fn(arg) in a child built from this program, with our page `comm` at COMM. */
static int64_t spawn_fn(void (*fn)(uint64_t), uint64_t arg, uint64_t comm)
{
    const void *elf;
    uint64_t size, entry, stack;
    int64_t r = los_archive_find("exotest", &elf, &size);
    if (r < 0)
        return r;
    int64_t c = los_spawn_prepare(elf, size, &entry, &stack);
    if (c < 0)
        return c;
    r = exo_page_map((uint64_t)c, COMM, comm, EXO_PROT_R | EXO_PROT_W);
    if (r == 0)
        r = exo_cap_copy(EXO_CAP_SELF, (uint64_t)c, EXO_RIGHT_MAP); /* its slot for us */
    if (r > 0) {
        arg = (uint64_t)r;
        r = exo_env_start((uint64_t)c, (uint64_t)fn, stack - 8, arg);
    }
    return r < 0 ? r : c;
}

static int ended(int64_t c)
{
    return exo_env_runs((uint64_t)c) == EXO_E_NOENT;
}

EXOTEST(page_share_outlives_its_sharer)
{
    CHECK_EQ(tables_ready(), 0);
    CHECK_EQ(leave_keep_free(), 0);
    int64_t comm = los_page_new(COMM, EXO_PROT_R | EXO_PROT_W);
    CHECK(comm > 0);
    /* A first spawn makes our tables for the scratch mapping: before counting. */
    int64_t q = spawn_fn(quitter, 0, (uint64_t)comm);
    CHECK(q > 0);
    for (int i = 0; i < 100000 && !ended(q); i++)
        exo_yield(EXO_ANY);
    CHECK(ended(q));
    int64_t start = free_pages();
    CHECK(start > 0);
    int64_t c = spawn_fn(sharer, 0, (uint64_t)comm);
    CHECK(c > 0);
    for (int i = 0; i < 100000 && !ended(c); i++)
        exo_yield(EXO_ANY);
    CHECK(ended(c));
    CHECK_EQ(cm->done, 1);
    uint64_t ppn = (uint64_t)cm->r[0];
    CHECK(cm->r[0] > 0);
    CHECK_EQ(cm->r[1], 0);
    CHECK_EQ(cm->r[2], (int64_t)(ppn << 12 | EXO_PROT_R | EXO_LOOKUP_SHARED));
    CHECK_EQ(cm->r[3], EXO_E_PERM); /* shared: never writable while another maps it */
    CHECK_EQ(cm->r[4], EXO_E_PERM); /* nobody's to free */
    /* The sharer has ended: its page stays, read-only, with its bytes, held by our mapping. */
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA),
             (int64_t)(ppn << 12 | EXO_PROT_R | EXO_LOOKUP_SHARED));
    CHECK_EQ(*(volatile uint64_t *)VA, PATTERN);
    CHECK_EQ(free_pages(), start - 1); /* the child's other pages all came back */
    /* Bound elsewhere only by passing our binding on at the same va, read-only. */
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, OTHER, ppn, EXO_PROT_R), EXO_E_PERM);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA, ppn, EXO_PROT_R | EXO_PROT_X), EXO_E_PERM);
    CHECK_EQ(exo_page_grant(ppn, EXO_CAP_SELF, EXO_PROT_R), EXO_E_PERM); /* not ours */
    /* The last mapper takes it: ours again, writable, bytes kept. */
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, VA, EXO_PROT_R | EXO_PROT_W), 0);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA), (int64_t)(ppn << 12 | EXO_PROT_R | EXO_PROT_W));
    *(volatile uint64_t *)VA += 1;
    CHECK_EQ(*(volatile uint64_t *)VA, PATTERN + 1);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, ppn), 0);
    CHECK_EQ(free_pages(), start); /* nothing leaked */
    return 0;
}

EXOTEST(page_share_frees_at_the_last_mapping)
{
    CHECK_EQ(tables_ready(), 0);
    CHECK_EQ(los_upcall_init(), 0); /* a state page exo writes, which may not be shared */
    CHECK_EQ(leave_keep_free(), 0);
    int64_t before = free_pages(); /* the child and all it holds come back at its end */
    CHECK(before > 0);
    int64_t c = exo_env_create();
    CHECK(c > 0);
    /* The child's tables for VA, made before counting (they go with the child). */
    int64_t warm = los_page_new(VA, EXO_PROT_R | EXO_PROT_W);
    CHECK(warm > 0);
    CHECK_EQ(exo_page_share((uint64_t)c, VA), 0);
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, VA), 0);
    CHECK_EQ(exo_page_unmap((uint64_t)c, VA), 0); /* its last mapping: freed */
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA), EXO_E_NOENT);
    int64_t start = free_pages(); /* with the child and its tables */
    CHECK(start > 0);

    int64_t p = los_page_new(VA, EXO_PROT_R | EXO_PROT_W | EXO_PROT_X);
    CHECK(p > 0);
    *(volatile uint64_t *)VA = PATTERN;
    /* Refused, leaving no trace: ourselves, nothing mapped, mapped twice, exo's page. */
    CHECK_EQ(exo_page_share(EXO_CAP_SELF, VA), EXO_E_INVAL);
    CHECK_EQ(exo_page_share((uint64_t)c, OTHER), EXO_E_NOENT);
    CHECK_EQ(exo_page_share((uint64_t)c, VA + 1), EXO_E_INVAL);
    CHECK_EQ(exo_page_share((uint64_t)c, EXO_USER_TOP), EXO_E_INVAL);
    CHECK_EQ(exo_page_share(EXO_NCAPS, VA), EXO_E_RANGE);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, OTHER, (uint64_t)p, EXO_PROT_R), 0);
    CHECK_EQ(exo_page_share((uint64_t)c, VA), EXO_E_BUSY); /* a second mapping of it */
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, OTHER), 0);
    CHECK_EQ(exo_page_share((uint64_t)c, LOS_UPCALL_STATE_VA), EXO_E_BUSY);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA),
             (int64_t)((uint64_t)p << 12 | EXO_PROT_R | EXO_PROT_W | EXO_PROT_X));
    CHECK_EQ(exo_page_lookup((uint64_t)c, VA), EXO_E_NOENT);
    /* A grant of it ends when it is shared. */
    int64_t g = exo_page_grant((uint64_t)p, (uint64_t)c, EXO_PROT_R | EXO_PROT_W);
    CHECK(g > 0);

    CHECK_EQ(exo_page_share((uint64_t)c, VA), 0);
    int64_t shared = (int64_t)((uint64_t)p << 12 | EXO_PROT_R | EXO_PROT_X | EXO_LOOKUP_SHARED);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA), shared);
    CHECK_EQ(exo_page_lookup((uint64_t)c, VA), shared);
    CHECK_EQ(exo_page_share((uint64_t)c, VA), 0); /* again: nothing changes */
    CHECK_EQ(exo_page_map((uint64_t)c, OTHER, (uint64_t)p, EXO_PROT_R),
             EXO_E_PERM); /* grant gone */
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, VA, EXO_PROT_R | EXO_PROT_W), EXO_E_PERM);
    CHECK_EQ(exo_page_protect((uint64_t)c, VA, EXO_PROT_R | EXO_PROT_W), EXO_E_PERM);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p), EXO_E_PERM);
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, VA, EXO_PROT_R), 0); /* lowering is fine */
    CHECK_EQ(*(volatile uint64_t *)VA, PATTERN);
    CHECK_EQ(free_pages(), start - 1);
    /* Our mapping goes: the child's holds it. Then the child ends: it is free. */
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, VA), 0);
    CHECK_EQ(free_pages(), start - 1);
    CHECK_EQ(exo_page_lookup((uint64_t)c, VA), shared);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(free_pages(), before); /* nothing leaked */
    return 0;
}
