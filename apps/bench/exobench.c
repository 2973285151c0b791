/*
 * exobench.c: microbenchmarks of exo's primitives, in TSC ticks (rdtsc deltas around one
 * operation; the median of N samples after a warm-up). Under QEMU's -icount shift=0 the ticks
 * are guest instructions and repeat exactly; `./tessera bench exo` boots, parses and tabulates
 * the lines, which look like
 *
 *     exobench: null_call median 1234 cycles (n=1000, min 1200)
 *     exobench: event_roundtrip n/a (EXO_E_NOSYS)
 *
 * Rows: tsc_overhead (an empty measurement: what every other row includes), libos_call (a
 * non-inlined function doing nothing: a "system call" that is library code), null_call
 * (exo_null: a trap into exo and back), libos_call_x100 and null_call_x100 (100 of each back to
 * back per sample: the trap/call ratio comes from these), page_map_unmap (bind a page the env
 * owns, then unbind it), upcall_ud (a ud2 delivered as a fault upcall; the handler skips it and
 * the libOS resumes the context itself), pagefault_upcall (touch an unmapped page; the handler
 * maps it and the access runs again), event_roundtrip (post to a second env that waits, and
 * wait for its answer), pct_roundtrip (protected control transfer into a second env and back),
 * yield_roundtrip (a directed yield to a second env that yields straight back: two env
 * switches).
 * A row whose calls fail prints "n/a" with the error (EXO_E_NOSYS: not implemented yet).
 *
 * Run by init with arg 0. It spawns itself as the partner env for the two-env rows, with
 * arg = ROLE_MAGIC | role << 16 | slot_a << 8 | slot_b (the partner's capability slots).
 */
#include <los/los.h>
#include <los/spawn.h>
#include <los/upcall.h>

#define N 1000     /* samples per row */
#define WARMUP 100 /* untimed runs first: TLB, caches, TCG's translated blocks */

#define BENCH_VA 0x0000500000000000ull      /* the page mapped and unmapped */
#define PCT_STACK_TOP 0x0000500000100000ull /* the partner's protected-control-transfer stack */
#define PCT_STACK_PAGES 4

#define ROLE_MAGIC 0xbe0c000000000000ull
#define ROLE_ECHO 1  /* event_wait(a); event_post(b), forever */
#define ROLE_PCT 2   /* registers a pct entry, then waits forever */
#define ROLE_YIELD 3 /* yield(a), forever: a names the env that started it */

static uint64_t samples[N];

static inline uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
}

static void sort(uint64_t *a, int n)
{
    for (int gap = n / 2; gap > 0; gap /= 2) /* shell sort: 1000 samples, no recursion */
        for (int i = gap; i < n; i++)
            for (int j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
                uint64_t t = a[j];
                a[j] = a[j - gap];
                a[j - gap] = t;
            }
}

struct row {
    const char *name;
    int64_t err;     /* < 0: the row could not run (exo error) */
    uint64_t median; /* ticks */
    uint64_t min;
};

static void report(struct row *r)
{
    if (r->err == EXO_E_NOSYS) {
        los_printf("exobench: %s n/a (EXO_E_NOSYS)\n", r->name);
    } else if (r->err < 0) {
        los_printf("exobench: %s n/a (error %ld)\n", r->name, (long)r->err);
    } else {
        sort(samples, N);
        r->median = samples[N / 2];
        r->min = samples[0];
        los_printf("exobench: %s median %lu cycles (n=%d, min %lu)\n", r->name, r->median, N,
                   r->min);
    }
}

/* The libOS call baseline: a real call that does nothing (noipa: gcc may neither inline it
 * nor use what it knows of its body at the call site). */
static __attribute__((noipa)) int64_t los_bench_nothing(void)
{
    return 0;
}

/* --- upcall handlers ------------------------------------------------------------------- */

static int64_t fault_ppn; /* the page pagefault_upcall's handler maps */
static volatile uint64_t nfaults;

static int on_fault(struct exo_upcall_state *s)
{
    if (s->vector == 6) { /* #UD from upcall_ud: skip the 2-byte ud2 */
        s->regs.rip += 2;
        return 0;
    }
    if (s->vector == 14 && (s->addr & ~(EXO_PAGE - 1)) == BENCH_VA && fault_ppn > 0) {
        nfaults++;
        int64_t r =
            exo_page_map(EXO_CAP_SELF, BENCH_VA, (uint64_t)fault_ppn, EXO_PROT_R | EXO_PROT_W);
        return r == 0 ? 0 : 1;
    }
    return 1; /* anything else: a real bug, end the env */
}

/* --- the partner env --------------------------------------------------------------------- */

static void __attribute__((noreturn, used)) pct_entry(uint64_t caller, uint64_t a0, uint64_t a1)
{
    (void)caller;
    int64_t r = exo_pct_return(a0 + a1);
    los_printf("exobench: partner: pct_return failed: %ld\n", (long)r);
    los_exit(1);
}

static int partner(uint64_t arg)
{
    uint64_t role = arg >> 16 & 0xff, a = arg >> 8 & 0xff, b = arg & 0xff;
    if (role == ROLE_ECHO) {
        for (;;) {
            if (exo_event_wait(a) < 0 || exo_event_post(b) < 0)
                return 1;
        }
    }
    if (role == ROLE_YIELD)
        for (;;)
            if (exo_yield(a) < 0)
                return 1;
    if (role == ROLE_PCT) {
        for (uint64_t i = 1; i <= PCT_STACK_PAGES; i++)
            if (los_page_new(PCT_STACK_TOP - i * EXO_PAGE, EXO_PROT_R | EXO_PROT_W) < 0)
                return 1;
        if (exo_pct_entry((uint64_t)pct_entry, PCT_STACK_TOP) < 0)
            return 1;
        for (;;) /* wait to be called: block if events exist, else give the CPU away */
            if (a == 0xff || exo_event_wait(a) < 0)
                exo_yield(EXO_ANY);
    }
    return 1;
}

/* A partner env (this program again) with caps[a] and caps[b] copied into it; returns its slot
 * in our table (started), or an exo error. */
static int64_t start_partner(uint64_t role, int64_t cap_a, int64_t cap_b)
{
    const void *elf;
    uint64_t size, entry, stack;
    int64_t r = los_archive_find("exobench", &elf, &size);
    int64_t child = r < 0 ? r : los_spawn_prepare(elf, size, &entry, &stack);
    if (child < 0)
        return child;
    int64_t sa = 0xff, sb = 0xff;
    uint32_t rights_a = role == ROLE_YIELD ? EXO_RIGHT_RUN : EXO_RIGHT_WAIT;
    if (cap_a >= 0 && (sa = exo_cap_copy((uint64_t)cap_a, (uint64_t)child, rights_a)) < 0)
        r = sa;
    if (r >= 0 && cap_b >= 0 &&
        (sb = exo_cap_copy((uint64_t)cap_b, (uint64_t)child, EXO_RIGHT_POST)) < 0)
        r = sb;
    if (r >= 0)
        r = exo_env_start((uint64_t)child, entry, stack,
                          ROLE_MAGIC | role << 16 | (uint64_t)sa << 8 | (uint64_t)sb);
    if (r < 0) {
        exo_env_destroy((uint64_t)child);
        return r;
    }
    return child;
}

/* --- the rows ------------------------------------------------------------------------------ */

static void bench_tsc(struct row *r)
{
    for (int i = -WARMUP; i < N; i++) {
        uint64_t t0 = tsc();
        uint64_t t1 = tsc();
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    report(r);
}

static void bench_libos_call(struct row *r)
{
    for (int i = -WARMUP; i < N; i++) {
        uint64_t t0 = tsc();
        los_bench_nothing();
        uint64_t t1 = tsc();
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    report(r);
}

static void bench_null(struct row *r)
{
    for (int i = -WARMUP; i < N && r->err == 0; i++) {
        uint64_t t0 = tsc();
        int64_t e = exo_null();
        uint64_t t1 = tsc();
        if (e < 0)
            r->err = e;
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    report(r);
}

/* BATCH back-to-back calls per sample: below the timer's resolution (TCG reads the host clock
 * for rdtsc) a single libOS call measures as the empty measurement; a batch does not. */
#define BATCH 100

static void bench_libos_batch(struct row *r)
{
    for (int i = -WARMUP; i < N; i++) {
        uint64_t t0 = tsc();
        for (int k = 0; k < BATCH; k++)
            los_bench_nothing();
        uint64_t t1 = tsc();
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    report(r);
}

static void bench_null_batch(struct row *r)
{
    for (int i = -WARMUP; i < N && r->err == 0; i++) {
        int64_t e = 0;
        uint64_t t0 = tsc();
        for (int k = 0; k < BATCH; k++)
            e |= exo_null();
        uint64_t t1 = tsc();
        if (e != 0)
            r->err = e < 0 ? e : EXO_E_CORRUPT;
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    report(r);
}

static void bench_map_unmap(struct row *r)
{
    int64_t ppn = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    r->err = ppn < 0 ? ppn : 0;
    for (int i = -WARMUP; i < N && r->err == 0; i++) {
        uint64_t t0 = tsc();
        int64_t e = exo_page_map(EXO_CAP_SELF, BENCH_VA, (uint64_t)ppn, EXO_PROT_R | EXO_PROT_W);
        if (e == 0)
            e = exo_page_unmap(EXO_CAP_SELF, BENCH_VA);
        uint64_t t1 = tsc();
        if (e < 0)
            r->err = e;
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    if (ppn >= 0)
        exo_page_free(EXO_CAP_SELF, (uint64_t)ppn);
    report(r);
}

static void bench_upcall_ud(struct row *r)
{
    for (int i = -WARMUP; i < N; i++) {
        uint64_t t0 = tsc();
        __asm__ volatile("ud2" ::: "memory");
        uint64_t t1 = tsc();
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    report(r);
}

static void bench_pagefault(struct row *r)
{
    fault_ppn = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    r->err = fault_ppn < 0 ? fault_ppn : 0;
    uint64_t before = nfaults;
    for (int i = -WARMUP; i < N && r->err == 0; i++) {
        uint64_t t0 = tsc();
        *(volatile uint64_t *)BENCH_VA = (uint64_t)i; /* faults; the handler maps the page */
        uint64_t t1 = tsc();
        if (i >= 0)
            samples[i] = t1 - t0;
        int64_t e = exo_page_unmap(EXO_CAP_SELF, BENCH_VA); /* untimed: fault again next time */
        if (e < 0)
            r->err = e;
    }
    if (r->err == 0 && nfaults - before != N + WARMUP) {
        los_printf("exobench: pagefault_upcall: %lu faults for %d touches\n", nfaults - before,
                   N + WARMUP);
        r->err = EXO_E_CORRUPT;
    }
    if (fault_ppn > 0)
        exo_page_free(EXO_CAP_SELF, (uint64_t)fault_ppn);
    fault_ppn = 0;
    report(r);
}

static void bench_event(struct row *r)
{
    int64_t ping = exo_event_create(), pong = ping < 0 ? ping : exo_event_create();
    int64_t child = pong < 0 ? pong : start_partner(ROLE_ECHO, ping, pong);
    r->err = child < 0 ? child : 0;
    for (int i = -WARMUP; i < N && r->err == 0; i++) {
        uint64_t t0 = tsc();
        int64_t e = exo_event_post((uint64_t)ping);
        if (e >= 0)
            e = exo_event_wait((uint64_t)pong);
        uint64_t t1 = tsc();
        if (e < 0)
            r->err = e;
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    if (child >= 0)
        exo_env_destroy((uint64_t)child);
    report(r);
}

static void bench_pct(struct row *r)
{
    int64_t park = exo_event_create(); /* never posted: the partner blocks on it */
    int64_t child = start_partner(ROLE_PCT, park < 0 ? -1 : park, -1);
    r->err = child < 0 ? child : 0;
    int64_t e = EXO_E_BUSY;
    /* Until the partner has registered its entry: let it run, then try. */
    for (int tries = 0; r->err == 0 && tries < 100; tries++) {
        exo_yield((uint64_t)child);
        e = exo_pct_call((uint64_t)child, 1, 2);
        if (e == 3 || e == EXO_E_NOSYS)
            break;
    }
    if (r->err == 0 && e != 3)
        r->err = e < 0 ? e : EXO_E_CORRUPT;
    for (int i = -WARMUP; i < N && r->err == 0; i++) {
        uint64_t t0 = tsc();
        e = exo_pct_call((uint64_t)child, (uint64_t)i, 1);
        uint64_t t1 = tsc();
        if (e != i + 1)
            r->err = e < 0 ? e : EXO_E_CORRUPT;
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    if (child >= 0)
        exo_env_destroy((uint64_t)child);
    report(r);
}

static void bench_yield(struct row *r)
{
    int64_t child = start_partner(ROLE_YIELD, EXO_CAP_SELF, -1);
    r->err = child < 0 ? child : 0;
    for (int i = -WARMUP; i < N && r->err == 0; i++) {
        uint64_t t0 = tsc();
        int64_t e = exo_yield((uint64_t)child);
        uint64_t t1 = tsc();
        if (e < 0)
            r->err = e;
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    if (child >= 0)
        exo_env_destroy((uint64_t)child);
    report(r);
}

/* x10 fixed point: a / b, printed as "12.3" */
static void ratio(const char *what, uint64_t a, uint64_t b)
{
    if (b == 0) {
        los_printf("exobench: ratio %s n/a\n", what);
        return;
    }
    uint64_t x = (a * 10 + b / 2) / b;
    los_printf("exobench: ratio %s %lu.%lu\n", what, x / 10, x % 10);
}

/* The rows, in the order they run and print. */
static const struct bench {
    const char *name;
    void (*run)(struct row *r);
    int needs_upcalls;
} benches[] = {
    {"tsc_overhead", bench_tsc, 0},
    {"libos_call", bench_libos_call, 0},
    {"null_call", bench_null, 0},
    {"libos_call_x100", bench_libos_batch, 0},
    {"null_call_x100", bench_null_batch, 0},
    {"page_map_unmap", bench_map_unmap, 0},
    {"upcall_ud", bench_upcall_ud, 1},
    {"pagefault_upcall", bench_pagefault, 1},
    {"event_roundtrip", bench_event, 0},
    {"pct_roundtrip", bench_pct, 0},
    {"yield_roundtrip", bench_yield, 0},
};
#define NBENCH (sizeof benches / sizeof benches[0])

int main(uint64_t arg, uint64_t unused)
{
    (void)unused;
    if ((arg & 0xffff000000000000ull) == ROLE_MAGIC)
        return partner(arg);

    los_printf("exobench: tsc_hz %ld (under -icount a tick is an instruction)\n",
               (long)exo_clock());
    int up = los_upcall_init();
    if (up == 0)
        los_upcall_handle(EXO_UPCALL_FAULT, on_fault);

    struct row rows[NBENCH];
    for (uint64_t i = 0; i < NBENCH; i++) {
        rows[i] = (struct row){.name = benches[i].name, .err = benches[i].needs_upcalls ? up : 0};
        if (rows[i].err < 0)
            report(&rows[i]); /* n/a, with the reason */
        else
            benches[i].run(&rows[i]);
    }
    /* Trap vs library call, from the batches (null_call_x100, libos_call_x100): no timer
     * resolution or rdtsc cost in them. */
    ratio("null_call/libos_call", rows[4].median, rows[3].median);
    los_printf("exobench: done\n");
    return 0;
}
