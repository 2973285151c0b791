/*
 * test_timeout.c: event_wait_until, the event wait with a deadline (a TSC reading): its
 * argument checks, a past deadline as a poll, a timeout that is never early and never runs
 * the waiter while it blocks, and a post from another env that beats the deadline.
 */
#include "exotest.h"

#define SHARED_VA 0x10000000ull /* the page the waiting child and the test share */
#define RW (EXO_PROT_R | EXO_PROT_W)

struct shared {
    uint64_t ev;             /* the event, in the child's table */
    volatile uint64_t stage; /* 1: about to wait; 2: done */
    volatile int64_t out;    /* what its wait returned */
    volatile uint64_t late;  /* 1 if it returned at or after its deadline */
};

static uint64_t tsc(void)
{
    return __builtin_ia32_rdtsc();
}

/* Child: waits on sh->ev for at most 20 s, reports the result. */
static void child_wait_long(uint64_t ppn)
{
    if (exo_page_map(EXO_CAP_SELF, SHARED_VA, ppn, RW) < 0)
        los_exit(0);
    struct shared *sh = (struct shared *)SHARED_VA;
    uint64_t deadline = tsc() + 20 * (uint64_t)exo_clock();
    sh->stage = 1;
    sh->out = exo_event_wait_until(sh->ev, deadline);
    sh->late = tsc() >= deadline;
    sh->stage = 2;
    los_exit(0);
}

EXOTEST(event_wait_until_checks_and_polls)
{
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    CHECK_EQ(exo_event_wait_until(EXO_NCAPS, 0), EXO_E_RANGE);
    CHECK_EQ(exo_event_wait_until(EXO_NCAPS - 1, 0), EXO_E_NOENT); /* an empty slot */
    CHECK_EQ(exo_event_wait_until(EXO_CAP_SELF, 0), EXO_E_NOENT);  /* an env */
    int64_t post_only = exo_cap_copy((uint64_t)ev, EXO_CAP_SELF, EXO_RIGHT_POST);
    CHECK(post_only > 0);
    CHECK_EQ(exo_event_wait_until((uint64_t)post_only, 0), EXO_E_PERM);

    /* A past deadline (or 0) is a poll: nothing posted is 0 at once, posts are taken whole. */
    CHECK_EQ(exo_event_wait_until((uint64_t)ev, 0), 0);
    CHECK_EQ(exo_event_wait_until((uint64_t)ev, 1), 0);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait_until((uint64_t)ev, 0), 2);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait_until((uint64_t)ev, tsc() + (uint64_t)exo_clock()), 1);
    CHECK_EQ(exo_event_wait_until((uint64_t)ev, 0), 0); /* all taken */
    return 0;
}

/* Nothing posts: the wait ends with 0, at or after the deadline (50 ms), and exo does not
 * enter the waiter meanwhile: between two readings of its entry count lie only the returns
 * of the first reading and of the wait (a timer interrupt in those few instructions adds 1). */
EXOTEST(event_wait_until_times_out)
{
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    uint64_t deadline = tsc() + (uint64_t)exo_clock() / 20;
    int64_t runs = exo_env_runs(EXO_CAP_SELF);
    CHECK_EQ(exo_event_wait_until((uint64_t)ev, deadline), 0);
    int64_t after = exo_env_runs(EXO_CAP_SELF);
    CHECK(tsc() >= deadline);
    CHECK(after - runs >= 2 && after - runs <= 3);
    /* A later post is counted for the next wait, not lost to the ended one. */
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait_until((uint64_t)ev, 0), 1);
    return 0;
}

/* A child waits with a 20 s deadline; our post wakes it with 1, long before. */
EXOTEST(event_wait_until_woken_by_a_post)
{
    int64_t ppn = los_page_new(SHARED_VA, RW);
    CHECK(ppn > 0);
    struct shared *sh = (struct shared *)SHARED_VA;
    const void *elf;
    uint64_t size, entry, stack;
    CHECK_EQ(los_archive_find("exotest", &elf, &size), 0);
    int64_t c = los_spawn_prepare(elf, size, &entry, &stack);
    int64_t ev = exo_event_create();
    CHECK(c > 0 && ev > 0);
    sh->ev = (uint64_t)exo_cap_copy((uint64_t)ev, (uint64_t)c, EXO_RIGHT_WAIT);
    CHECK((int64_t)sh->ev > 0);
    CHECK(exo_page_grant((uint64_t)ppn, (uint64_t)c, RW) >= 0);
    CHECK_EQ(
        exo_env_start((uint64_t)c, (uint64_t)child_wait_long, (stack & ~15ull) - 8, (uint64_t)ppn),
        0);
    int64_t r = 0;
    for (int i = 0; i < 10000 && (r = exo_yield((uint64_t)c)) == 0; i++)
        ; /* until it blocks: a directed yield to it is refused */
    CHECK_EQ(r, EXO_E_BUSY);
    CHECK_EQ(sh->stage, 1);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    los_wait((uint64_t)c);
    CHECK_EQ(sh->stage, 2);
    CHECK_EQ(sh->out, 1);
    CHECK_EQ(sh->late, 0);
    return 0;
}
