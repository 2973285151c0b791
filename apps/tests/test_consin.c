/*
 * test_consin.c: `constest`, exo's console input (cons_read, cons_bind) against bytes the host
 * types: exo/tests/boot_test.py (exo.boot.consin) boots with init.run=constest and sends each
 * burst when it sees the line that asks for it. Its own program, not exotest's table: exotest
 * also runs where nobody types (the per-app VM).
 */
#include "exotest.h"

#define SHARED_VA 0x10000000ull
#define RW (EXO_PROT_R | EXO_PROT_W)
#define BUF_VA 0x10001000ull

/* What the test and its child share. */
struct shared {
    uint64_t ev;             /* an event in the child's table (0: none) */
    volatile int64_t out[8]; /* the child's results */
    volatile uint64_t stage;
};

static int64_t child_new(uint64_t *stack)
{
    const void *elf;
    uint64_t size, entry;
    int r = los_archive_find("constest", &elf, &size);
    if (r < 0)
        return r;
    return los_spawn_prepare(elf, size, &entry, stack);
}

static int64_t child_start(uint64_t c, void (*fn)(uint64_t), uint64_t stack, int64_t ppn)
{
    int64_t r = exo_page_grant((uint64_t)ppn, c, RW);
    if (r < 0)
        return r;
    return exo_env_start(c, (uint64_t)fn, (stack & ~15ull) - 8, (uint64_t)ppn);
}

/* A child that may or may not hold the bound event: what the console says to it. */
static void child_try(uint64_t ppn)
{
    if (exo_page_map(EXO_CAP_SELF, SHARED_VA, ppn, RW) < 0)
        los_exit(0);
    struct shared *sh = (struct shared *)SHARED_VA;
    static char buf[16];
    int64_t own = exo_event_create();
    sh->out[0] = exo_cons_read((uint64_t)buf, sizeof buf);
    sh->out[1] = exo_cons_bind((uint64_t)own);
    sh->out[2] = exo_cons_bind(EXO_ANY);
    sh->out[3] = sh->ev ? exo_cons_read((uint64_t)buf, 0) : -1;
    sh->stage = 1;
    los_exit(0);
}

/* Runs child_try in a fresh child; ev_copy: copy our event `ev` to it with POST first. */
static int run_child(struct shared **out, int64_t ev, int ev_copy)
{
    int64_t ppn = los_page_new(SHARED_VA, RW);
    uint64_t stack;
    int64_t c = child_new(&stack);
    if (ppn < 0 || c < 0)
        return 1;
    struct shared *sh = (struct shared *)SHARED_VA;
    sh->ev = ev_copy ? (uint64_t)exo_cap_copy((uint64_t)ev, (uint64_t)c, EXO_RIGHT_POST) : 0;
    if (child_start((uint64_t)c, child_try, stack, ppn) < 0)
        return 1;
    los_wait((uint64_t)c);
    *out = sh;
    return sh->stage == 1 ? 0 : 1;
}

static void release(void)
{
    exo_page_unmap(EXO_CAP_SELF, SHARED_VA);
}

EXOTEST(cons_calls_check_their_arguments)
{
    static char buf[64];
    CHECK_EQ(exo_cons_read((uint64_t)buf, sizeof buf), EXO_E_PERM); /* nobody bound */
    CHECK_EQ(exo_cons_bind(EXO_ANY), 0);                            /* nothing to unbind */
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    int64_t wait_only = exo_cap_copy((uint64_t)ev, EXO_CAP_SELF, EXO_RIGHT_WAIT);
    CHECK(wait_only > 0);
    CHECK_EQ(exo_cons_bind(EXO_NCAPS), EXO_E_RANGE);
    CHECK_EQ(exo_cons_bind(EXO_CAP_SELF), EXO_E_NOENT); /* not an event */
    CHECK_EQ(exo_cons_bind((uint64_t)wait_only), EXO_E_PERM);
    CHECK_EQ(exo_cons_read((uint64_t)buf, sizeof buf), EXO_E_PERM); /* refused: not bound */
    CHECK_EQ(exo_cons_bind((uint64_t)ev), 0);
    CHECK_EQ(exo_cons_read((uint64_t)buf, 4097), EXO_E_RANGE);
    CHECK_EQ(exo_cons_read(0, 1), EXO_E_FAULT);
    CHECK_EQ(exo_cons_read(0xffff800000000000ull, 1), EXO_E_FAULT);
    CHECK_EQ(exo_cons_read((uint64_t)buf, 0), 0); /* nothing typed but what we asked for */
    CHECK_EQ(exo_cons_read((uint64_t)buf, sizeof buf), 0);

    /* Another env: refused while it does not hold our event... */
    struct shared *sh;
    CHECK_EQ(run_child(&sh, ev, 0), 0);
    CHECK_EQ(sh->out[0], EXO_E_PERM);
    CHECK_EQ(sh->out[1], EXO_E_BUSY);
    CHECK_EQ(sh->out[2], EXO_E_PERM);
    release();
    CHECK_EQ(exo_cons_read((uint64_t)buf, 0), 0); /* still ours */
    /* ...and a holder of a copy (POST) reads, rebinds to its own event, and unbinds. */
    CHECK_EQ(run_child(&sh, ev, 1), 0);
    CHECK_EQ(sh->out[0], 0);
    CHECK_EQ(sh->out[1], 0);
    CHECK_EQ(sh->out[2], 0);
    CHECK_EQ(sh->out[3], EXO_E_PERM); /* unbound: nobody reads */
    release();
    CHECK_EQ(exo_cons_read((uint64_t)buf, 0), EXO_E_PERM);
    /* The console is free: ours again. A binding that ends with its event frees it too: every
     * test binds its own after the one before (and its event) has gone. */
    CHECK_EQ(exo_cons_bind((uint64_t)ev), 0);
    return 0;
}

/* Waits (yielding, 30 s at most) until at least n bytes are waiting: how many are. */
static int64_t wait_for(int64_t n)
{
    uint64_t hz = (uint64_t)exo_clock(), end = __builtin_ia32_rdtsc() + 30 * hz;
    int64_t have;
    while ((have = exo_cons_read(BUF_VA, 0)) >= 0 && have < n && __builtin_ia32_rdtsc() < end)
        exo_yield(EXO_ANY);
    return have;
}

static const char typed[] = "hi\x7f\r\x03\x00\xff\x1b[A\n"; /* what boot_test.py sends */

EXOTEST(cons_input_arrives_exactly)
{
    CHECK(los_page_new(BUF_VA, RW) >= 0);
    uint8_t *buf = (uint8_t *)BUF_VA;
    int64_t ev = exo_event_create();
    CHECK_EQ(exo_cons_bind((uint64_t)ev), 0); /* another test's binding ended with it */
    los_printf("constest: type burst 1\n");
    const int64_t n = sizeof typed - 1;
    CHECK_EQ(wait_for(n), n);
    CHECK(exo_event_wait((uint64_t)ev) >= 1); /* arrivals posted (at least once) */
    CHECK_EQ(exo_cons_read(BUF_VA, 3), 3);
    CHECK(buf[0] == 'h' && buf[1] == 'i' && buf[2] == 0x7f);
    CHECK_EQ(exo_cons_read(BUF_VA, 64), n - 3);
    for (int i = 3; i < n; i++)
        CHECK_EQ(buf[i - 3], (uint8_t)typed[i]);
    CHECK_EQ(exo_cons_read(BUF_VA, 64), 0);
    return 0;
}

EXOTEST(cons_ring_keeps_the_first_1024)
{
    CHECK(los_page_new(BUF_VA, RW) >= 0);
    uint8_t *buf = (uint8_t *)BUF_VA;
    int64_t ev = exo_event_create();
    CHECK_EQ(exo_cons_bind((uint64_t)ev), 0);
    los_printf("constest: type burst 2\n"); /* 1100 bytes: i % 251 */
    CHECK_EQ(wait_for(1024), 1024);
    /* The other 76 drop as they come; QEMU hands them over at once, 2 s is plenty */
    uint64_t hz = (uint64_t)exo_clock(), end = __builtin_ia32_rdtsc() + 2 * hz;
    while (__builtin_ia32_rdtsc() < end)
        exo_yield(EXO_ANY);
    CHECK_EQ(exo_cons_read(BUF_VA, 4096), 1024);
    for (int i = 0; i < 1024; i++)
        CHECK_EQ(buf[i], i % 251);
    CHECK_EQ(exo_cons_read(BUF_VA, 4096), 0);
    return 0;
}
