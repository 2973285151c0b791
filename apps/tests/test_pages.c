/*
 * test_pages.c: pages as exposed resources: secure bindings (what may be mapped where, and with
 * which rights), demand paging built in user space from fault upcalls, visible revocation and
 * the abort protocol, and the exact error of every page call for bad arguments.
 */
#include "exotest.h"

#define VA_A 0x0000500000000000ull /* test mappings in the test env */
#define VA_B 0x0000500000100000ull
#define SHARED_VA 0x0000500001000000ull /* parent <-> child page, same address in both */
#define CHILD_VA 0x0000500002000000ull  /* the page a child is asked to give back */
#define STATE_VA 0x0000500003000000ull  /* a child's upcall state page, read-only in the parent */
#define KERNEL_PPN 0x100ull             /* exo's image is loaded at 1 MiB (exo/kernel.ld) */
#define MAGIC 0x7e55e7a0bull

/* What a child and its parent (the test) tell each other. */
struct shared {
    volatile uint64_t ready, go;                        /* child: set up; parent: carry on */
    volatile int64_t r[8];                              /* child's call results */
    volatile uint64_t asked, asked_ppn, asked_deadline; /* REVOKE upcalls seen */
    volatile int64_t freed;                             /* the REVOKE handler's page_free result */
    volatile uint64_t faults, fault_vector, fault_error, fault_addr;
};

static struct shared *const sh = (struct shared *)SHARED_VA;

static void sleep_ms(uint64_t ms)
{
    uint64_t end = rdtsc() + (uint64_t)exo_clock() / 1000 * ms;
    while (rdtsc() < end)
        exo_yield(EXO_ANY);
}

/* Starts fn(arg) in a child env built from this same program (so fn's address is valid
 * there), skipping crt0: fn must end with los_exit. The parent's page `shared_ppn` is bound at
 * SHARED_VA in the child. Returns the child's capability slot. */
static int64_t spawn_fn(void (*fn)(uint64_t), uint64_t arg, uint64_t shared_ppn)
{
    const void *elf;
    uint64_t size, entry, stack;
    int64_t r = los_archive_find("exotest", &elf, &size);
    if (r < 0)
        return r;
    int64_t c = los_spawn_prepare(elf, size, &entry, &stack);
    if (c < 0)
        return c;
    r = exo_page_map((uint64_t)c, SHARED_VA, shared_ppn, EXO_PROT_R | EXO_PROT_W);
    if (r == 0)
        r = exo_env_start((uint64_t)c, (uint64_t)fn, stack - 8, arg); /* -8: as if called */
    return r < 0 ? r : c;
}

/* A zeroed page of the caller's own, mapped at SHARED_VA: its number. */
static int64_t shared_page(void)
{
    return los_page_new(SHARED_VA, EXO_PROT_R | EXO_PROT_W);
}

/* Child side: announce readiness, then wait for the parent's go. */
static void ready_then_wait(void)
{
    sh->ready = 1;
    while (!sh->go)
        exo_yield(EXO_ANY);
}

/* --- (a) what an env may not map -------------------------------------------------------- */

EXOTEST(page_map_refuses_pages_not_ours)
{
    int64_t mine = los_page_new(VA_A, EXO_PROT_R | EXO_PROT_W);
    CHECK(mine > 0);
    /* Another env's page, without a grant: the runner's result page, init's archive. */
    int64_t res = exo_page_lookup(EXO_CAP_SELF, EXOTEST_RESULT_VA);
    CHECK(res > 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)res >> 12, EXO_PROT_R), EXO_E_PERM);
    int64_t arc = exo_page_lookup(EXO_CAP_SELF, los_info()->archive_va);
    CHECK(arc > 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)arc >> 12, EXO_PROT_R), EXO_E_PERM);
    /* ...though the page already mapped here stays as it was bound. */
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, EXOTEST_RESULT_VA) & 0xfff, EXO_PROT_R | EXO_PROT_W);
    /* exo's own (its image), MMIO (the LAPIC), past the end of RAM, EXO_ANY. */
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, KERNEL_PPN, EXO_PROT_R), EXO_E_PERM);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, 0xfee00, EXO_PROT_R), EXO_E_PERM);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, 1ull << 36, EXO_PROT_R), EXO_E_PERM);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, EXO_ANY, EXO_PROT_R), EXO_E_PERM);
    /* A free page: ours a moment ago. */
    int64_t gone = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    CHECK(gone > 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)gone), 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)gone, EXO_PROT_R), EXO_E_PERM);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_B), EXO_E_NOENT); /* nothing got bound */
    /* Our own page, but at a va in exo's half, or not a user address at all. */
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, 0xffff800000000000ull, (uint64_t)mine, EXO_PROT_R),
             EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, 0xffffffff80100000ull, (uint64_t)mine, EXO_PROT_R),
             EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, EXO_USER_TOP, (uint64_t)mine, EXO_PROT_R), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, EXO_USER_TOP - EXO_PAGE, (uint64_t)mine, EXO_PROT_R), 0);
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, EXO_USER_TOP - EXO_PAGE), 0);
    /* exo's pages cannot be taken either, and nothing past RAM exists. */
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, KERNEL_PPN), EXO_E_BUSY);
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, 1ull << 36), EXO_E_RANGE);
    return 0;
}

/* --- (b) read-only grants ----------------------------------------------------------------- */

static int record_fault_and_exit(struct exo_upcall_state *s)
{
    sh->fault_vector = s->vector;
    sh->fault_error = s->error;
    sh->fault_addr = s->addr;
    sh->faults++;
    los_exit(0); /* the faulting access cannot be resumed: end here, reported */
}

/* Child of grant_is_read_only: arg = the parent's page. */
static void grantee(uint64_t ppn)
{
    sh->r[0] = exo_page_map(EXO_CAP_SELF, VA_A, ppn, EXO_PROT_R); /* no grant yet */
    ready_then_wait();                                            /* parent grants R */
    sh->r[1] = exo_page_map(EXO_CAP_SELF, VA_A, ppn, EXO_PROT_R | EXO_PROT_W);
    sh->r[2] = exo_page_map(EXO_CAP_SELF, VA_A, ppn, EXO_PROT_R | EXO_PROT_X);
    sh->r[3] = exo_page_map(EXO_CAP_SELF, VA_A, ppn, EXO_PROT_R);
    sh->r[4] = (int64_t) * (volatile uint64_t *)VA_A;
    sh->r[5] = exo_page_protect(EXO_CAP_SELF, VA_A, EXO_PROT_R | EXO_PROT_W);
    sh->r[6] = exo_page_lookup(EXO_CAP_SELF, VA_A);
    sh->r[7] = los_upcall_init();
    los_upcall_handle(EXO_UPCALL_FAULT, record_fault_and_exit);
    *(volatile uint64_t *)(VA_A + 0x18) = 1; /* faults: the handler ends the env */
    los_exit(1);
}

EXOTEST(grant_is_read_only)
{
    int64_t s = shared_page();
    CHECK(s > 0);
    int64_t p = los_page_new(VA_A, EXO_PROT_R | EXO_PROT_W);
    CHECK(p > 0);
    *(volatile uint64_t *)VA_A = MAGIC;
    int64_t c = spawn_fn(grantee, (uint64_t)p, (uint64_t)s);
    CHECK(c > 0);
    CHECK(WAIT_UNTIL(sh->ready, 5000));
    CHECK_EQ(sh->r[0], EXO_E_PERM); /* another env's page, no grant */
    int64_t slot = exo_page_grant((uint64_t)p, (uint64_t)c, EXO_PROT_R);
    CHECK(slot > 0 && slot < EXO_NCAPS);
    sh->go = 1;
    los_wait((uint64_t)c);
    CHECK_EQ(sh->r[1], EXO_E_PERM);           /* W beyond the grant */
    CHECK_EQ(sh->r[2], EXO_E_PERM);           /* so is X */
    CHECK_EQ(sh->r[3], 0);                    /* R within it */
    CHECK_EQ(sh->r[4], MAGIC);                /* and it is our page */
    CHECK_EQ(sh->r[5], EXO_E_PERM);           /* protect cannot raise it either */
    CHECK_EQ(sh->r[6], p << 12 | EXO_PROT_R); /* read-only, no-execute */
    CHECK_EQ(sh->r[7], 0);
    CHECK_EQ(sh->faults, 1);                          /* the write faulted ... */
    CHECK_EQ(sh->fault_vector, 14);                   /* ... as a #PF */
    CHECK_EQ(sh->fault_addr, VA_A + 0x18);            /* at the exact address */
    CHECK_EQ(sh->fault_error, 7);                     /* present | write | user */
    CHECK_EQ(*(volatile uint64_t *)(VA_A + 0x18), 0); /* and changed nothing */
    return 0;
}

/* Child of grant_dies_with_its_owner (A): takes a page, grants it to its sibling B (the slot
 * `sibling` names B, without rights), reports both, and ends: its page goes back to exo. */
static void grant_then_end(uint64_t sibling)
{
    int64_t p = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    sh->r[1] = p;
    sh->r[2] = p < 0 ? p : exo_page_grant((uint64_t)p, sibling, EXO_PROT_R | EXO_PROT_W);
    los_exit(0);
}

/* Child of grant_dies_with_its_owner (B): once A has ended, tries its grant. */
static void stale_grant_holder(uint64_t unused)
{
    (void)unused;
    ready_then_wait();
    sh->r[3] = exo_page_map(EXO_CAP_SELF, VA_A, (uint64_t)sh->r[1], EXO_PROT_R | EXO_PROT_W);
    sh->r[4] = sh->r[3] == 0 ? (int64_t) * (volatile uint64_t *)VA_A : 0;
    los_exit(0);
}

EXOTEST(grant_dies_with_its_owner)
{
    int64_t s = shared_page();
    CHECK(s > 0);
    int64_t b = spawn_fn(stale_grant_holder, 0, (uint64_t)s);
    CHECK(b > 0);
    CHECK(WAIT_UNTIL(sh->ready, 5000));
    /* A is prepared by hand: it needs a capability naming B before it starts. */
    const void *elf;
    uint64_t size, entry, stack;
    CHECK_EQ(los_archive_find("exotest", &elf, &size), 0);
    int64_t a = los_spawn_prepare(elf, size, &entry, &stack);
    CHECK(a > 0);
    int64_t b_in_a = exo_cap_copy((uint64_t)b, (uint64_t)a, 0);
    CHECK(b_in_a > 0);
    CHECK_EQ(exo_page_map((uint64_t)a, SHARED_VA, (uint64_t)s, EXO_PROT_R | EXO_PROT_W), 0);
    CHECK_EQ(exo_env_start((uint64_t)a, (uint64_t)grant_then_end, stack - 8, (uint64_t)b_in_a), 0);
    los_wait((uint64_t)a);
    int64_t p = sh->r[1];
    CHECK(p > 0);
    CHECK(sh->r[2] > 0); /* B holds a grant for A's page */
    /* A has ended: its page is free, and now ours, which B was never given. */
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, (uint64_t)p), p);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)p, EXO_PROT_R | EXO_PROT_W), 0);
    *(volatile uint64_t *)VA_B = MAGIC;
    sh->go = 1;
    los_wait((uint64_t)b);
    CHECK_EQ(sh->r[3], EXO_E_PERM); /* the grant ended with A's ownership of the page */
    CHECK_EQ(sh->r[4], 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p), 0);
    return 0;
}

/* --- (c) demand-zero paging in user space -------------------------------------------------- */

#define DZ_BASE 0x0000510000000000ull
#define DZ_PAGES 64

static volatile uint64_t dz_faults, dz_last_addr; /* written by the handler */

static int demand_zero(struct exo_upcall_state *s)
{
    uint64_t a = s->addr;
    if (s->kind != EXO_UPCALL_FAULT || s->vector != 14 || (s->error & 1) || a < DZ_BASE ||
        a >= DZ_BASE + DZ_PAGES * EXO_PAGE)
        return 1; /* not ours to fix: end the env */
    dz_faults++;
    dz_last_addr = a;
    return los_page_new(a & ~(EXO_PAGE - 1), EXO_PROT_R | EXO_PROT_W) < 0;
}

EXOTEST(demand_zero_paging_in_user_space)
{
    CHECK_EQ(los_upcall_init(), 0);
    los_upcall_handle(EXO_UPCALL_FAULT, demand_zero);
    for (uint64_t i = 0; i < DZ_PAGES; i++) {
        volatile uint64_t *w = (volatile uint64_t *)(DZ_BASE + i * EXO_PAGE);
        uint64_t first = (i * 8) % 512;
        CHECK_EQ(w[first], 0); /* the first touch faults, and the page comes zeroed */
        CHECK_EQ(dz_faults, i + 1);
        CHECK_EQ(dz_last_addr, (uint64_t)&w[first]); /* CR2: the exact word, not the page */
        for (int j = 0; j < 512; j++)
            CHECK_EQ(w[j], 0);
        w[first] = i * 1000 + 1;
        w[511] = ~i;
    }
    for (uint64_t i = 0; i < DZ_PAGES; i++) { /* writes stuck, no fault the second time */
        volatile uint64_t *w = (volatile uint64_t *)(DZ_BASE + i * EXO_PAGE);
        CHECK_EQ(w[(i * 8) % 512], i * 1000 + 1);
        CHECK_EQ(w[511], ~i);
    }
    CHECK_EQ(dz_faults, DZ_PAGES);
    CHECK_EQ(los_upcall_state()->in_upcall, 0);
    return 0;
}

/* --- (d), (e) visible revocation and the abort protocol ------------------------------------ */

static int revoke_answer(struct exo_upcall_state *s)
{
    sh->asked_ppn = s->addr;
    sh->asked_deadline = s->error;
    sh->asked++;
    sh->freed = exo_page_free(EXO_CAP_SELF, s->addr); /* give it back at once */
    return 0;
}

static int revoke_ignore(struct exo_upcall_state *s)
{
    sh->asked_ppn = s->addr;
    sh->asked_deadline = s->error;
    sh->asked++;
    return 0; /* keep using the page as if nothing happened */
}

/* Child of the reclaim tests: arg 1 answers REVOKE, 0 ignores it; touches CHILD_VA at the end
 * (a fault there is recorded and ends the env). */
static void reclaimee(uint64_t answer)
{
    sh->r[0] = los_upcall_init();
    los_upcall_handle(EXO_UPCALL_REVOKE, answer ? revoke_answer : revoke_ignore);
    los_upcall_handle(EXO_UPCALL_FAULT, record_fault_and_exit);
    sh->r[1] = (int64_t) * (volatile uint64_t *)CHILD_VA;
    ready_then_wait();
    sh->r[2] = (int64_t) * (volatile uint64_t *)CHILD_VA;
    los_exit(0);
}

/* Spawns fn(arg) with a page of its own at CHILD_VA holding MAGIC, and maps its state page
 * at STATE_VA here once it is ready. Returns the child's slot; *ppn: its page. */
static int64_t reclaim_setup_fn(void (*fn)(uint64_t), uint64_t arg, int64_t *ppn)
{
    int64_t s = shared_page();
    if (s < 0)
        return s;
    const void *elf;
    uint64_t size, entry, stack;
    int64_t r = los_archive_find("exotest", &elf, &size);
    int64_t c = r < 0 ? r : los_spawn_prepare(elf, size, &entry, &stack);
    if (c < 0)
        return c;
    *ppn = exo_page_alloc((uint64_t)c, EXO_ANY); /* the child's, not ours */
    if (*ppn < 0)
        return *ppn;
    r = exo_page_map((uint64_t)c, CHILD_VA, (uint64_t)*ppn, EXO_PROT_R | EXO_PROT_W);
    if (r == 0) /* we hold MAP on the child: its page may be bound here too */
        r = exo_page_map(EXO_CAP_SELF, VA_A, (uint64_t)*ppn, EXO_PROT_R | EXO_PROT_W);
    if (r == 0) {
        *(volatile uint64_t *)VA_A = MAGIC;
        r = exo_page_map((uint64_t)c, SHARED_VA, (uint64_t)s, EXO_PROT_R | EXO_PROT_W);
    }
    if (r == 0)
        r = exo_env_start((uint64_t)c, (uint64_t)fn, stack - 8, arg);
    if (r == 0 && !WAIT_UNTIL(sh->ready, 5000))
        r = EXO_E_BUSY;
    int64_t st = r < 0 ? r : exo_page_lookup((uint64_t)c, LOS_UPCALL_STATE_VA);
    if (st < 0)
        return st;
    r = exo_page_map(EXO_CAP_SELF, STATE_VA, (uint64_t)st >> 12, EXO_PROT_R);
    return r < 0 ? r : c;
}

/* reclaim_setup_fn for reclaimee(answer): arg 1 answers REVOKE, 0 ignores it. */
static int64_t reclaim_setup(uint64_t answer, int64_t *ppn)
{
    return reclaim_setup_fn(reclaimee, answer, ppn);
}

EXOTEST(reclaim_answered_in_time)
{
    int64_t ppn, c = reclaim_setup(1, &ppn);
    CHECK(c > 0);
    const struct exo_upcall_state *st = (const struct exo_upcall_state *)STATE_VA;
    CHECK_EQ(sh->r[0], 0);
    CHECK_EQ(sh->r[1], MAGIC); /* the child's page, as the parent filled it */
    int64_t deadline = exo_page_reclaim((uint64_t)c, (uint64_t)ppn, 20);
    CHECK(deadline > 0);
    CHECK(WAIT_UNTIL(sh->asked, 5000));
    CHECK_EQ(sh->asked, 1);
    CHECK_EQ(sh->asked_ppn, ppn);           /* REVOKE: addr = the page number */
    CHECK_EQ(sh->asked_deadline, deadline); /* error = the deadline tick */
    CHECK_EQ(sh->freed, 0);                 /* page_free inside the handler worked */
    CHECK_EQ(exo_page_lookup((uint64_t)c, CHILD_VA), EXO_E_NOENT); /* unmapped everywhere */
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A), EXO_E_NOENT);
    sleep_ms(300); /* past the deadline (20 ticks = 200 ms): nothing more happens */
    CHECK_EQ(st->nrevoked, 0);
    CHECK_EQ(sh->asked, 1);
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, (uint64_t)ppn), ppn); /* it is free: ours now */
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)ppn, 20), EXO_E_PERM); /* not the child's */
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)ppn), 0);
    sh->go = 1;
    los_wait((uint64_t)c);
    CHECK_EQ(sh->faults, 1); /* its last touch of CHILD_VA faulted: the page is gone */
    CHECK_EQ(sh->fault_addr, CHILD_VA);
    return 0;
}

EXOTEST(reclaim_ignored_aborts_at_deadline)
{
    int64_t ppn, c = reclaim_setup(0, &ppn);
    CHECK(c > 0);
    const struct exo_upcall_state *st = (const struct exo_upcall_state *)STATE_VA;
    CHECK_EQ(sh->r[1], MAGIC);
    CHECK_EQ(st->nrevoked, 0);
    /* 50 ticks: room for the child to be asked even when the host starves a vCPU (5 was
     * missed on a loaded 2-core host: the deadline passed before the child ran). */
    int64_t deadline = exo_page_reclaim((uint64_t)c, (uint64_t)ppn, 50);
    CHECK(deadline > 0);
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)ppn, 50), EXO_E_BUSY); /* already asked */
    CHECK(WAIT_UNTIL(st->nrevoked != 0, 5000));
    CHECK_EQ(sh->asked, 1); /* it was asked, visibly, and ignored it */
    CHECK_EQ(sh->asked_ppn, ppn);
    CHECK_EQ(sh->asked_deadline, deadline);
    CHECK_EQ(st->nrevoked, 1); /* then the abort protocol took it, and said so */
    CHECK_EQ(st->revoked[0], ppn);
    CHECK_EQ(exo_page_lookup((uint64_t)c, CHILD_VA), EXO_E_NOENT); /* every mapping gone */
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A), EXO_E_NOENT);
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, (uint64_t)ppn), ppn); /* back with exo: free */
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)ppn), 0);
    sh->go = 1;
    los_wait((uint64_t)c);
    CHECK_EQ(sh->faults, 1); /* the child's next touch faulted */
    CHECK_EQ(sh->fault_vector, 14);
    CHECK_EQ(sh->fault_addr, CHILD_VA);
    CHECK_EQ(sh->fault_error, 4); /* user read, not present */
    return 0;
}

EXOTEST(reclaim_without_handler_still_has_a_deadline)
{
    /* A child that never ran cannot be asked: the request waits, and the deadline holds. */
    int64_t c = exo_env_create();
    CHECK(c > 0);
    int64_t p = exo_page_alloc((uint64_t)c, EXO_ANY), q = exo_page_alloc((uint64_t)c, EXO_ANY);
    CHECK(p > 0 && q > 0);
    CHECK(exo_page_reclaim((uint64_t)c, (uint64_t)p, 3) > 0);
    CHECK(WAIT_UNTIL(exo_page_alloc(EXO_CAP_SELF, (uint64_t)p) == p, 5000));
    /* ticks = 0: taken at once. */
    CHECK(exo_page_reclaim((uint64_t)c, (uint64_t)q, 0) >= 0);
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, (uint64_t)q), q);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)q), 0);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    return 0;
}

/* The attacks of issue 9 (4) on the abort protocol, played by a child against its parent. */

#define SELF_RECLAIMS 64 /* what used to fill the whole machine's table */
#define QUOTA 8          /* reclaims one env may have pending (exo/revoke.h REVOKE_PER_ENV) */
#define LONG_TICKS 6000  /* 60 s: the longest deadline */

/* Child of reclaim_quota_is_per_env: takes SELF_RECLAIMS pages and asks itself for each back
 * with the longest deadline, ignoring the upcalls. r[0]: how many were accepted; r[1]: the
 * first refusal; r[2]: how many refusals were exactly that; r[3]: a page it did not reclaim
 * (the one at CHILD_VA). */
static void self_reclaimer_many(uint64_t unused)
{
    (void)unused;
    sh->r[0] = los_upcall_init();
    los_upcall_handle(EXO_UPCALL_REVOKE, revoke_ignore);
    los_upcall_handle(EXO_UPCALL_FAULT, record_fault_and_exit);
    int64_t ok = 0, first = 0, same = 0;
    for (int i = 0; i < SELF_RECLAIMS; i++) {
        int64_t p = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
        int64_t r = p < 0 ? p : exo_page_reclaim(EXO_CAP_SELF, (uint64_t)p, LONG_TICKS);
        if (r > 0)
            ok++;
        else if (!first)
            first = r;
        if (r <= 0 && r == first)
            same++;
    }
    sh->r[0] = ok;
    sh->r[1] = first;
    sh->r[2] = same;
    sh->r[3] = exo_page_lookup(EXO_CAP_SELF, CHILD_VA) >> 12;
    ready_then_wait();
    sh->r[4] = *(volatile int64_t *)CHILD_VA; /* faults: the parent took it */
    los_exit(0);
}

EXOTEST(reclaim_quota_is_per_env)
{
    int64_t ppn, c = reclaim_setup_fn(self_reclaimer_many, 0, &ppn);
    CHECK(c > 0);
    const struct exo_upcall_state *st = (const struct exo_upcall_state *)STATE_VA;
    CHECK_EQ(sh->r[0], QUOTA);       /* its own slots, and no more */
    CHECK_EQ(sh->r[1], EXO_E_NOMEM); /* then its quota is spent */
    CHECK_EQ(sh->r[2], SELF_RECLAIMS - QUOTA);
    CHECK_EQ(sh->r[3], ppn);
    /* The parent's slots are its own: its reclaim of the child's page goes through. */
    int64_t deadline = exo_page_reclaim((uint64_t)c, (uint64_t)ppn, 5);
    CHECK(deadline > 0);
    CHECK(WAIT_UNTIL(st->nrevoked != 0, 5000)); /* ignored, so taken at the deadline */
    CHECK_EQ(st->nrevoked, 1);
    CHECK_EQ(st->revoked[0], ppn);
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, (uint64_t)ppn), ppn); /* free: ours now */
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)ppn), 0);
    /* The parent has a quota too, with the same exact error past it. */
    int64_t mine[QUOTA + 1];
    for (int i = 0; i <= QUOTA; i++) {
        mine[i] = exo_page_alloc((uint64_t)c, EXO_ANY);
        CHECK(mine[i] > 0);
    }
    for (int i = 0; i < QUOTA; i++)
        CHECK(exo_page_reclaim((uint64_t)c, (uint64_t)mine[i], LONG_TICKS) > 0);
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)mine[QUOTA], LONG_TICKS), EXO_E_NOMEM);
    CHECK_EQ(exo_page_free((uint64_t)c, (uint64_t)mine[0]), 0); /* answered: a slot is back */
    CHECK(exo_page_reclaim((uint64_t)c, (uint64_t)mine[QUOTA], LONG_TICKS) > 0);
    sh->go = 1;
    los_wait((uint64_t)c);
    CHECK_EQ(sh->faults, 1);
    CHECK_EQ(sh->fault_addr, CHILD_VA);
    return 0;
}

/* Child of reclaim_by_parent_despite_childs_own: asks itself for its page at CHILD_VA back
 * (r[1]: the deadline), then ignores every REVOKE upcall. */
static void self_reclaimer(uint64_t unused)
{
    (void)unused;
    sh->r[0] = los_upcall_init();
    los_upcall_handle(EXO_UPCALL_REVOKE, revoke_ignore);
    los_upcall_handle(EXO_UPCALL_FAULT, record_fault_and_exit);
    sh->r[1] = exo_page_reclaim(
        EXO_CAP_SELF, (uint64_t)exo_page_lookup(EXO_CAP_SELF, CHILD_VA) >> 12, LONG_TICKS);
    ready_then_wait();
    sh->r[2] = *(volatile int64_t *)CHILD_VA; /* faults: the parent took it */
    los_exit(0);
}

EXOTEST(reclaim_by_parent_despite_childs_own)
{
    int64_t ppn, c = reclaim_setup_fn(self_reclaimer, 0, &ppn);
    CHECK(c > 0);
    const struct exo_upcall_state *st = (const struct exo_upcall_state *)STATE_VA;
    CHECK_EQ(sh->r[0], 0);
    CHECK(sh->r[1] > LONG_TICKS); /* the child's own request stands, 60 s out */
    /* Not EXO_E_BUSY: the parent's request stands beside the child's, with its own deadline,
     * and the earlier one takes the page. */
    int64_t deadline = exo_page_reclaim((uint64_t)c, (uint64_t)ppn, 5);
    CHECK(deadline > 0 && deadline < sh->r[1]);
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)ppn, 5), EXO_E_BUSY); /* but only once */
    CHECK(WAIT_UNTIL(st->nrevoked != 0, 5000)); /* long before the child's 60 s */
    CHECK_EQ(st->nrevoked, 1);
    CHECK_EQ(st->revoked[0], ppn);
    CHECK(sh->asked >= 1); /* asked visibly first (its own and the parent's: one or both) */
    CHECK_EQ(exo_page_lookup((uint64_t)c, CHILD_VA), EXO_E_NOENT);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A), EXO_E_NOENT);
    /* Free again, then ours: the child's own request ended with the take, it does not follow
     * the page into its next owner's hands. */
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, (uint64_t)ppn), ppn);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_A, (uint64_t)ppn, EXO_PROT_R), 0);
    sleep_ms(100);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A), ppn << 12 | EXO_PROT_R);
    CHECK_EQ(st->nrevoked, 1);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)ppn), 0);
    sh->go = 1;
    los_wait((uint64_t)c);
    CHECK_EQ(sh->faults, 1);
    CHECK_EQ(sh->fault_addr, CHILD_VA);
    return 0;
}

/* --- (f) exact errors ---------------------------------------------------------------------- */

/* A page_free removes every mapping of the page, however its mappings came and went: exo finds
 * a page mapped once through the one mapping it remembers, and walks every address space when
 * that mapping has gone or there are more (exo/pmap.c). */
EXOTEST(page_free_unmaps_every_mapping)
{
    int64_t c = exo_env_create();
    CHECK(c > 0);
    /* Mapped three times (the last mapping remembered), then one of the others removed. */
    int64_t p = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    CHECK(p > 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_A, (uint64_t)p, EXO_PROT_R | EXO_PROT_W), 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)p, EXO_PROT_R), 0);
    CHECK_EQ(exo_page_map((uint64_t)c, CHILD_VA, (uint64_t)p, EXO_PROT_R), 0);
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, VA_B), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p), 0);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A), EXO_E_NOENT);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_B), EXO_E_NOENT);
    CHECK_EQ(exo_page_lookup((uint64_t)c, CHILD_VA), EXO_E_NOENT);
    /* The remembered mapping removed, one left: found by the walk. */
    int64_t q = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    CHECK(q > 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_A, (uint64_t)q, EXO_PROT_R), 0);
    CHECK_EQ(exo_page_map((uint64_t)c, CHILD_VA, (uint64_t)q, EXO_PROT_R), 0);
    CHECK_EQ(exo_page_unmap((uint64_t)c, CHILD_VA), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)q), 0);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A), EXO_E_NOENT);
    /* Replaced in place (a new protection), then in another address space that ends. */
    int64_t r = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    CHECK(r > 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_A, (uint64_t)r, EXO_PROT_R), 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_A, (uint64_t)r, EXO_PROT_R | EXO_PROT_W), 0);
    CHECK_EQ(exo_page_map((uint64_t)c, CHILD_VA, (uint64_t)r, EXO_PROT_R), 0);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A) >> EXO_PAGE_SHIFT, r);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)r), 0);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A), EXO_E_NOENT);
    /* Taken again: a fresh page with no mapping from its past life. */
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, (uint64_t)r), r);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)r, EXO_PROT_R), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)r), 0);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_B), EXO_E_NOENT);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A), EXO_E_NOENT);
    return 0;
}

EXOTEST(page_calls_exact_errors)
{
    int64_t mine = los_page_new(VA_A, EXO_PROT_R | EXO_PROT_W);
    CHECK(mine > 0);
    int64_t run_only = exo_cap_copy(EXO_CAP_SELF, EXO_CAP_SELF, EXO_RIGHT_RUN);
    int64_t map_only = exo_cap_copy(EXO_CAP_SELF, EXO_CAP_SELF, EXO_RIGHT_MAP);
    CHECK(run_only > 0 && map_only > 0);
    const uint64_t empty = EXO_NCAPS - 1, bad = EXO_NCAPS, R = EXO_PROT_R, RW = R | EXO_PROT_W;

    /* page_alloc(env, ppn) */
    CHECK_EQ(exo_page_alloc(bad, EXO_ANY), EXO_E_RANGE);
    CHECK_EQ(exo_page_alloc(EXO_ANY, EXO_ANY), EXO_E_RANGE);
    CHECK_EQ(exo_page_alloc(empty, EXO_ANY), EXO_E_NOENT);
    CHECK_EQ(exo_page_alloc((uint64_t)run_only, EXO_ANY), EXO_E_PERM);
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, (uint64_t)mine), EXO_E_BUSY);
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, KERNEL_PPN), EXO_E_BUSY);
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, 1ull << 40), EXO_E_RANGE);
    CHECK_EQ(exo_page_alloc(EXO_CAP_SELF, 0xfee00), EXO_E_RANGE); /* MMIO: not RAM */

    /* page_free(env, ppn) */
    CHECK_EQ(exo_page_free(bad, (uint64_t)mine), EXO_E_RANGE);
    CHECK_EQ(exo_page_free(empty, (uint64_t)mine), EXO_E_NOENT);
    CHECK_EQ(exo_page_free((uint64_t)run_only, (uint64_t)mine), EXO_E_PERM);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, KERNEL_PPN), EXO_E_PERM);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, 1ull << 40), EXO_E_PERM);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, EXO_ANY), EXO_E_PERM);
    int64_t res = exo_page_lookup(EXO_CAP_SELF, EXOTEST_RESULT_VA) >> 12; /* the runner's */
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)res), EXO_E_PERM);
    int64_t f = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    CHECK(f > 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)f), 0);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)f), EXO_E_PERM); /* twice */

    /* page_map(env, va, ppn, prot): env first, then va and prot, then the binding */
    CHECK_EQ(exo_page_map(bad, VA_B, (uint64_t)mine, R), EXO_E_RANGE);
    CHECK_EQ(exo_page_map(empty, VA_B, (uint64_t)mine, R), EXO_E_NOENT);
    CHECK_EQ(exo_page_map((uint64_t)run_only, VA_B, (uint64_t)mine, R), EXO_E_PERM);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B + 1, (uint64_t)mine, R), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B + 0x800, (uint64_t)mine, R), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, ~0ull & ~0xfffull, (uint64_t)mine, R), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)mine, 0), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)mine, EXO_PROT_W), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)mine, EXO_PROT_X), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)mine, R | 8), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)mine, EXO_ANY), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, 0xffff800000000001ull, 1ull << 40, 0), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)res, R), EXO_E_PERM);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, VA_B, (uint64_t)mine, RW | EXO_PROT_X), 0);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_B), mine << 12 | RW | EXO_PROT_X);

    /* page_protect(env, va, prot) */
    CHECK_EQ(exo_page_protect(bad, VA_B, R), EXO_E_RANGE);
    CHECK_EQ(exo_page_protect((uint64_t)run_only, VA_B, R), EXO_E_PERM);
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, VA_B + 8, R), EXO_E_INVAL);
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, VA_B, 0), EXO_E_INVAL);
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, VA_B, 16), EXO_E_INVAL);
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, EXO_USER_TOP, R), EXO_E_INVAL);
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, VA_B + EXO_PAGE, R), EXO_E_NOENT);
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, VA_B, R), 0);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_B), mine << 12 | R);

    /* page_unmap(env, va) */
    CHECK_EQ(exo_page_unmap(bad, VA_B), EXO_E_RANGE);
    CHECK_EQ(exo_page_unmap(empty, VA_B), EXO_E_NOENT);
    CHECK_EQ(exo_page_unmap((uint64_t)run_only, VA_B), EXO_E_PERM);
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, VA_B + 4), EXO_E_INVAL);
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, 0xffff800000000000ull), EXO_E_INVAL);
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, VA_B), 0);
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, VA_B), EXO_E_NOENT);                  /* twice */
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, 0x0000400000000000ull), EXO_E_NOENT); /* no tables */

    /* page_lookup(env, va) */
    CHECK_EQ(exo_page_lookup(bad, VA_A), EXO_E_RANGE);
    CHECK_EQ(exo_page_lookup(empty, VA_A), EXO_E_NOENT);
    CHECK_EQ(exo_page_lookup((uint64_t)run_only, VA_A), EXO_E_PERM);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A + 1), EXO_E_INVAL);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, 0xffffffff80100000ull), EXO_E_INVAL);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_B), EXO_E_NOENT);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, VA_A), mine << 12 | RW);

    /* page_grant(ppn, env, prot): any right on env will do */
    CHECK_EQ(exo_page_grant((uint64_t)mine, bad, R), EXO_E_RANGE);
    CHECK_EQ(exo_page_grant((uint64_t)mine, empty, R), EXO_E_NOENT);
    CHECK_EQ(exo_page_grant((uint64_t)mine, EXO_CAP_SELF, 0), EXO_E_INVAL);
    CHECK_EQ(exo_page_grant((uint64_t)mine, EXO_CAP_SELF, EXO_PROT_W), EXO_E_INVAL);
    CHECK_EQ(exo_page_grant((uint64_t)mine, EXO_CAP_SELF, 0x100 | R), EXO_E_INVAL);
    CHECK_EQ(exo_page_grant((uint64_t)res, EXO_CAP_SELF, R), EXO_E_PERM); /* not ours */
    CHECK_EQ(exo_page_grant(KERNEL_PPN, EXO_CAP_SELF, R), EXO_E_PERM);
    CHECK_EQ(exo_page_grant((uint64_t)f, EXO_CAP_SELF, R), EXO_E_PERM); /* free */
    CHECK_EQ(exo_page_grant(1ull << 40, EXO_CAP_SELF, R), EXO_E_PERM);
    int64_t g = exo_page_grant((uint64_t)mine, (uint64_t)run_only, R);
    CHECK(g > 0 && g < EXO_NCAPS);
    /* the grant is a page capability: it names no env */
    CHECK_EQ(exo_page_alloc((uint64_t)g, EXO_ANY), EXO_E_NOENT);

    /* page_reclaim(env, ppn, ticks) */
    int64_t c = exo_env_create();
    CHECK(c > 0);
    int64_t cp = exo_page_alloc((uint64_t)c, EXO_ANY);
    CHECK(cp > 0);
    CHECK_EQ(exo_page_reclaim(bad, (uint64_t)cp, 10), EXO_E_RANGE);
    CHECK_EQ(exo_page_reclaim(empty, (uint64_t)cp, 10), EXO_E_NOENT);
    CHECK_EQ(exo_page_reclaim((uint64_t)map_only, (uint64_t)mine, 10), EXO_E_PERM); /* no DESTROY */
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)mine, 10), EXO_E_PERM); /* not c's page */
    CHECK_EQ(exo_page_reclaim((uint64_t)c, KERNEL_PPN, 10), EXO_E_PERM);
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)f, 10), EXO_E_PERM); /* free */
    CHECK_EQ(exo_page_reclaim((uint64_t)c, 1ull << 40, 10), EXO_E_PERM);
    CHECK_EQ(exo_page_reclaim((uint64_t)c, EXO_ANY, 10), EXO_E_PERM);
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)cp, 60 * 100 + 1), EXO_E_RANGE);
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)cp, EXO_ANY), EXO_E_RANGE);
    int64_t d = exo_page_reclaim((uint64_t)c, (uint64_t)cp, 60 * 100);
    CHECK(d > 60 * 100);
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)cp, 10), EXO_E_BUSY);
    CHECK_EQ(exo_page_free((uint64_t)c, (uint64_t)cp), 0); /* answered (by the parent) */
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)cp, 10), EXO_E_PERM);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(exo_page_reclaim((uint64_t)c, (uint64_t)cp, 10), EXO_E_NOENT); /* c is gone */
    return 0;
}

/* --- (e) many CPUs: no read through a stale TLB entry --------------------------------------- */

#define READ_VA 0x0000500004000000ull  /* the page the reader reads, in the reader */
#define WRITE_VA 0x0000500005000000ull /* the same page, in the test, to fill it */
#define MARK_VA 0x0000500006000000ull  /* the page once it is another env's, in the test */
#define STALE_MARKER 0x5ca1ab1e0ddba11ull
#define SHOOT_ROUNDS 60
/* sh->r[0]: generation mapped; r[1]: reads; r[2]: reads that saw the next owner's data
 * (the marker, or the zeroes exo fills a new page with); r[3]: stop. */

static int reader_fault(struct exo_upcall_state *s)
{
    (void)s;
    uint64_t g = (uint64_t)sh->r[0]; /* before counting: the test maps the next one after */
    sh->faults++;
    while ((uint64_t)sh->r[0] == g)
        exo_yield(EXO_ANY); /* on its own CPU this keeps its tables (no CR3 reload) */
    if (sh->r[3])
        los_exit(0);
    return 0; /* the load runs again, through the new mapping */
}

/* Child of shootdown_no_stale_reads: reads the page at READ_VA as fast as it can. */
static void stale_reader(uint64_t unused)
{
    (void)unused;
    if (los_upcall_init() < 0)
        los_exit(1);
    los_upcall_handle(EXO_UPCALL_FAULT, reader_fault);
    sh->ready = 1;
    for (;;) {
        uint64_t v = *(volatile uint64_t *)READ_VA;
        if (v == STALE_MARKER || v == 0)
            sh->r[2]++;
        sh->r[1]++;
    }
}

/* One env maps a page into a reader that spins on it (on another CPU when there is one), takes
 * the mapping away (unmap then free, free alone, or the abort protocol), hands the page to a
 * third env and writes a marker into it. The reader must fault, never see the marker: every
 * CPU that may cache the old translation was shot down before the page moved on. */
EXOTEST(shootdown_no_stale_reads)
{
    int64_t s = shared_page();
    CHECK(s > 0);
    int64_t r = spawn_fn(stale_reader, 0, (uint64_t)s), w = exo_env_create();
    CHECK(r > 0 && w > 0);
    CHECK(WAIT_UNTIL(sh->ready && sh->faults == 1, 5000)); /* nothing mapped yet */
    for (uint64_t i = 1; i <= SHOOT_ROUNDS; i++) {
        int how = (int)(i % 3); /* 0: unmap, then free; 1: free alone; 2: reclaim, 0 ticks */
        int64_t x =
            how == 2 ? exo_page_alloc((uint64_t)r, EXO_ANY) : exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
        CHECK(x > 0);
        CHECK_EQ(exo_page_map(EXO_CAP_SELF, WRITE_VA, (uint64_t)x, EXO_PROT_R | EXO_PROT_W), 0);
        *(volatile uint64_t *)WRITE_VA = i;
        CHECK_EQ(exo_page_map((uint64_t)r, READ_VA, (uint64_t)x, EXO_PROT_R), 0);
        int64_t reads = sh->r[1];
        uint64_t faults = sh->faults;
        sh->r[0] = (int64_t)i; /* the reader's fault handler lets it read again */
        CHECK(WAIT_UNTIL(sh->r[1] > reads + 100, 2000));
        if (how == 0) {
            CHECK_EQ(exo_page_unmap((uint64_t)r, READ_VA), 0);
            CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)x), 0);
        } else if (how == 1) {
            CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)x), 0);
        } else {
            CHECK(exo_page_reclaim((uint64_t)r, (uint64_t)x, 0) >= 0); /* taken at once */
        }
        CHECK_EQ(exo_page_alloc((uint64_t)w, (uint64_t)x), x); /* another env's now */
        CHECK_EQ(exo_page_map(EXO_CAP_SELF, MARK_VA, (uint64_t)x, EXO_PROT_R | EXO_PROT_W), 0);
        *(volatile uint64_t *)MARK_VA = STALE_MARKER;
        CHECK(WAIT_UNTIL(sh->faults > faults, 2000));
        CHECK_EQ(sh->r[2], 0);
        CHECK_EQ(exo_page_free((uint64_t)w, (uint64_t)x), 0);
    }
    CHECK_EQ(sh->faults, SHOOT_ROUNDS + 1); /* + 1: before the first page was mapped */
    sh->r[3] = 1;
    sh->r[0] = 0;
    CHECK_EQ(exo_env_destroy((uint64_t)r), 0);
    CHECK_EQ(exo_env_destroy((uint64_t)w), 0);
    return 0;
}

/* page_next walks an address space: exact addresses across holes of every page-table level,
 * and the top of user space. */
EXOTEST(page_next_walks_holes_and_the_top)
{
    int64_t c = exo_env_create();
    CHECK(c > 0);
    CHECK_EQ(exo_page_next((uint64_t)c, 0), EXO_E_NOENT); /* nothing mapped at all */
    static const uint64_t vas[] = {0x10000000, 0x10001000, 0x10200000, 0x8000000000,
                                   EXO_USER_TOP - EXO_PAGE};
    for (unsigned i = 0; i < sizeof vas / sizeof vas[0]; i++) {
        int64_t ppn = exo_page_alloc((uint64_t)c, EXO_ANY);
        CHECK(ppn > 0);
        CHECK_EQ(exo_page_map((uint64_t)c, vas[i], (uint64_t)ppn, EXO_PROT_R), 0);
    }
    uint64_t va = 0;
    for (unsigned i = 0; i < sizeof vas / sizeof vas[0]; i++) {
        int64_t n = exo_page_next((uint64_t)c, va);
        CHECK_EQ(n, vas[i]);
        va = (uint64_t)n + EXO_PAGE;
    }
    CHECK_EQ(va, EXO_USER_TOP);
    CHECK_EQ(exo_page_next((uint64_t)c, va), EXO_E_NOENT); /* the top: nothing above */
    CHECK_EQ(exo_page_next((uint64_t)c, ~0xfffull), EXO_E_NOENT);
    CHECK_EQ(exo_page_next((uint64_t)c, 0x10000000), 0x10000000); /* va itself counts */
    CHECK_EQ(exo_page_next((uint64_t)c, 0x10002000), 0x10200000);
    CHECK_EQ(exo_page_next((uint64_t)c, 0x10000001), EXO_E_INVAL);
    CHECK_EQ(exo_page_unmap((uint64_t)c, 0x10200000), 0); /* an emptied table is a hole too */
    CHECK_EQ(exo_page_next((uint64_t)c, 0x10002000), 0x8000000000);
    int64_t run_only = exo_cap_copy((uint64_t)c, EXO_CAP_SELF, EXO_RIGHT_RUN);
    CHECK(run_only > 0);
    CHECK_EQ(exo_page_next((uint64_t)run_only, 0), EXO_E_PERM);
    CHECK_EQ(exo_page_next(EXO_NCAPS, 0), EXO_E_RANGE);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(exo_page_next((uint64_t)c, 0), EXO_E_NOENT); /* gone */
    return 0;
}

/* page_count: exo's free pages, one fewer for each page taken, one more for each freed. */
EXOTEST(page_count_follows_alloc_and_free)
{
    int64_t before = exo_page_count();
    CHECK(before > 0);
    int64_t a = exo_page_alloc(EXO_CAP_SELF, EXO_ANY), b = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    CHECK(a > 0 && b > 0);
    CHECK_EQ(exo_page_count(), before - 2);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)a), 0);
    CHECK_EQ(exo_page_count(), before - 1);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)a), EXO_E_PERM); /* refused: no change */
    CHECK_EQ(exo_page_count(), before - 1);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)b), 0);
    CHECK_EQ(exo_page_count(), before);
    return 0;
}

/* machine: the CPU count (boot_test.py checks the printed number against QEMU's -smp) and the
 * RAM envs can hold, which is at least what is free and changes not when a page is taken. */
EXOTEST(machine_counts_cpus_and_pages)
{
    int64_t cpus = exo_machine(EXO_MACHINE_CPUS);
    CHECK(cpus >= 1 && cpus <= 64);
    los_printf("    machine_counts_cpus_and_pages: %ld cpus\n", (long)cpus);
    int64_t pages = exo_machine(EXO_MACHINE_PAGES);
    CHECK(pages >= exo_page_count());
    int64_t a = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    CHECK(a > 0);
    CHECK_EQ(exo_machine(EXO_MACHINE_PAGES), pages); /* taken, still RAM envs hold */
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)a), 0);
    CHECK_EQ(exo_machine(EXO_MACHINE_PAGES), pages);
    CHECK_EQ(exo_machine(2), EXO_E_INVAL);
    CHECK_EQ(exo_machine(~0ull), EXO_E_INVAL);
    return 0;
}

/* --- (g) execute-only pages ----------------------------------------------------------------- */

#define XO_VA 0x0000530000000000ull
static volatile uint64_t xo_faults, xo_error, xo_addr; /* written by the handler */

/* A fault on the execute-only page: recorded, and the 2-byte load or store stepped over. */
static int xo_step(struct exo_upcall_state *s)
{
    if (s->kind != EXO_UPCALL_FAULT || s->vector != 14 || s->addr != XO_VA + 5)
        return 1;
    xo_faults++;
    xo_error = s->error;
    xo_addr = s->addr;
    s->regs.rip += 2;
    return 0;
}

static int cpu_has_pku(void)
{
    uint32_t a = 7, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return !!(c & (1u << 3));
}

/* EXO_PROT_XONLY: exo puts protection key 1 on the page (its PKRU denies data access to key 1),
 * so a fetch from it runs and a load or store faults with the PK bit (#PF error 0x20); exo
 * itself reads it no more than the env can (cons_write of it: EXO_E_FAULT). Bad flags are
 * EXO_E_INVAL and change nothing; without PKU the flag is EXO_E_NOSYS. */
EXOTEST(execute_only_page_runs_but_cannot_be_read)
{
    const uint64_t R = EXO_PROT_R, RW = R | EXO_PROT_W, XO = EXO_PROT_X | EXO_PROT_XONLY;
    int64_t p = los_page_new(XO_VA, RW);
    CHECK(p > 0);
    volatile uint8_t *code = (volatile uint8_t *)XO_VA;
    const uint8_t fn[] = {0xb8, 0x2a, 0, 0, 0, 0xc3}; /* mov $42, %eax; ret */
    for (int i = 0; i < 6; i++)
        code[i] = fn[i];
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, XO_VA, EXO_PROT_XONLY), EXO_E_INVAL); /* no X */
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, XO_VA, XO | EXO_PROT_W), EXO_E_INVAL);
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, XO_VA, XO | 32), EXO_E_INVAL);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, XO_VA, (uint64_t)p, XO | EXO_PROT_W), EXO_E_INVAL);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, XO_VA) & 0xfff, RW);
    if (!cpu_has_pku()) {
        CHECK_EQ(exo_page_protect(EXO_CAP_SELF, XO_VA, XO), EXO_E_NOSYS);
        CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, XO_VA) & 0xfff, RW);
        return 0;
    }
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, XO_VA, XO), 0);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, XO_VA) & 0xfff, R | XO);
    CHECK_EQ(((int (*)(void))XO_VA)(), 42); /* fetched and run */
    CHECK_EQ(exo_cons_write(XO_VA, 6), EXO_E_FAULT);
    CHECK_EQ(los_upcall_init(), 0);
    los_upcall_handle(EXO_UPCALL_FAULT, xo_step);
    uint64_t v = 7;
    __asm__ volatile(".byte 0x8a, 0x01" /* movb (%rcx), %al */
                     : "+a"(v)
                     : "c"(XO_VA + 5)
                     : "memory");
    CHECK_EQ(xo_faults, 1);
    CHECK_EQ(xo_error, 0x25); /* protection key | user | present: a read */
    CHECK_EQ(xo_addr, XO_VA + 5);
    CHECK_EQ(v, 7);                     /* the load never happened */
    __asm__ volatile(".byte 0x88, 0x01" /* movb %al, (%rcx) */
                     :
                     : "a"(0x90), "c"(XO_VA + 5)
                     : "memory");
    CHECK_EQ(xo_faults, 2);
    CHECK_EQ(xo_error, 0x27); /* protection key | user | write | present */
    CHECK_EQ(exo_page_protect(EXO_CAP_SELF, XO_VA, R), 0); /* readable again: unchanged */
    CHECK_EQ(code[5], 0xc3);
    return 0;
}
