/*
 * test_thread.c: threads (env_thread): several contexts in one address space. A thread sees
 * its owner's memory and capabilities, the pages and events it makes are the owner's and
 * outlive it, its own end frees nothing, its owner's end ends it, its upcalls are its own, a
 * freed page is gone for a thread running on another CPU, two threads on two CPUs count
 * exactly, and each has its own GS base (gs_set).
 */
#include "exotest.h"

#define STACK_VA 0x0000500100000000ull /* thread i's stack: STACK_PAGES pages below the next */
#define STACK_STRIDE 0x100000ull
#define STACK_PAGES 4
#define DATA_VA 0x0000500200000000ull  /* a page a thread takes and leaves behind */
#define STATE_VA 0x0000500300000000ull /* a thread's own upcall state page */
#define UPSTACK_VA 0x0000500310000000ull
#define HOLE_VA 0x0000500320000000ull /* unmapped until a thread's fault handler maps it */
#define SHOOT_VA 0x0000500330000000ull

/* exotest.h: a new thread of ours running fn(arg) on stack i. */
int64_t exotest_thread_start(void (*fn)(uint64_t), uint64_t arg, int i)
{
    uint64_t top = STACK_VA + (uint64_t)(i + 1) * STACK_STRIDE;
    for (uint64_t p = 1; p <= STACK_PAGES; p++)
        if (exo_page_lookup(EXO_CAP_SELF, top - p * EXO_PAGE) < 0 &&
            los_page_new(top - p * EXO_PAGE, EXO_PROT_R | EXO_PROT_W) < 0)
            return EXO_E_NOMEM;
    int64_t t = exo_env_thread(EXO_CAP_SELF);
    if (t < 0)
        return t;
    /* - 8: fn starts as if called, rsp + 8 16-byte aligned */
    int64_t r = exo_env_start((uint64_t)t, (uint64_t)fn, top - 8, arg);
    return r < 0 ? r : t;
}

static _Noreturn void thread_end(void)
{
    exo_env_destroy(EXO_CAP_SELF); /* ends this thread only */
    for (;;)
        ;
}

/* --- memory, capabilities, pages and events are the owner's ---------------------------------- */

static volatile int64_t t_id, t_page, t_event, t_waited, t_posted;

static void sharer(uint64_t event)
{
    t_id = exo_env_self();
    t_page = los_page_new(DATA_VA, EXO_PROT_R | EXO_PROT_W); /* the owner's page */
    *(volatile uint64_t *)DATA_VA = 42;
    t_event = exo_event_create(); /* a slot in the shared table */
    t_posted = exo_event_post(event);
    t_waited = exo_event_wait((uint64_t)t_event); /* the owner posts it by the same slot */
    thread_end();
}

EXOTEST(thread_shares_memory_and_caps)
{
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    int64_t t = exotest_thread_start(sharer, (uint64_t)ev, 0);
    CHECK(t > 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1); /* posted by the thread, through our slot */
    CHECK_EQ(t_posted, 0);
    CHECK(t_id > 0 && t_id != exo_env_self());
    CHECK_EQ(*(volatile uint64_t *)DATA_VA, 42);
    CHECK(t_event > 0 && t_event != ev && t_event != t);
    CHECK_EQ(exo_event_post((uint64_t)t_event), 0);
    CHECK(WAIT_UNTIL(t_waited == 1, 5000));
    los_wait((uint64_t)t);
    CHECK_EQ(exo_env_runs((uint64_t)t), EXO_E_NOENT);
    /* Its end freed nothing: the page it took is ours, still mapped; its event still lives. */
    CHECK_EQ(*(volatile uint64_t *)DATA_VA, 42);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, DATA_VA), t_page << 12 | EXO_PROT_R | EXO_PROT_W);
    CHECK_EQ(exo_event_post((uint64_t)t_event), 0);
    CHECK_EQ(exo_event_wait((uint64_t)t_event), 1);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)t_page), 0); /* ours to free */
    return 0;
}

/* --- what env_thread refuses, and a thread's capability -------------------------------------- */

EXOTEST(thread_refusals_and_rights)
{
    CHECK_EQ(exo_env_thread(EXO_NCAPS), EXO_E_RANGE);
    CHECK_EQ(exo_env_thread(EXO_NCAPS - 1), EXO_E_NOENT);
    int64_t t = exo_env_thread(EXO_CAP_SELF);
    CHECK(t > 0);
    CHECK_EQ(exo_env_runs((uint64_t)t), 0);                     /* READY, never ran */
    CHECK_EQ(exo_env_thread((uint64_t)t), EXO_E_PERM);          /* RUN | DESTROY only */
    CHECK_EQ(exo_page_alloc((uint64_t)t, EXO_ANY), EXO_E_PERM); /* no MAP */
    CHECK_EQ(exo_cap_copy(EXO_CAP_SELF, (uint64_t)t, EXO_RIGHT_RUN), EXO_E_PERM);
    CHECK_EQ(exo_env_start((uint64_t)t, EXO_USER_TOP, 0x1000, 0), EXO_E_RANGE);
    CHECK_EQ(exo_env_destroy((uint64_t)t), 0);
    CHECK_EQ(exo_env_runs((uint64_t)t), EXO_E_NOENT);
    return 0;
}

/* --- the owner's end ends its threads --------------------------------------------------------- */

#define CODE_VA 0x0000000000400000ull /* in the child: a page holding `jmp .` */
#define FILL_VA 0x0000500340000000ull /* the same page, in the test, to write it */

EXOTEST(thread_ends_with_its_owner)
{
    int64_t c = exo_env_create(); /* an empty env; we hold MAP on it */
    CHECK(c > 0);
    int64_t code = exo_page_alloc((uint64_t)c, EXO_ANY); /* c's page */
    CHECK(code > 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, FILL_VA, (uint64_t)code, EXO_PROT_R | EXO_PROT_W), 0);
    *(volatile uint16_t *)FILL_VA = 0xfeeb; /* jmp . */
    CHECK_EQ(exo_page_map((uint64_t)c, CODE_VA, (uint64_t)code, EXO_PROT_R | EXO_PROT_X), 0);
    int64_t t1 = exo_env_thread((uint64_t)c), t2 = exo_env_thread((uint64_t)c);
    CHECK(t1 > 0 && t2 > 0);
    CHECK_EQ(exo_env_start((uint64_t)t1, CODE_VA, 0, 0), 0);
    CHECK_EQ(exo_env_start((uint64_t)t1, CODE_VA, 0, 0), EXO_E_BUSY);
    CHECK(WAIT_UNTIL(exo_env_runs((uint64_t)t1) > 0, 5000)); /* spinning, maybe on another CPU */
    CHECK_EQ(exo_env_runs((uint64_t)c), 0);                  /* c itself never ran */
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(exo_env_runs((uint64_t)t1), EXO_E_NOENT);
    CHECK_EQ(exo_env_runs((uint64_t)t2), EXO_E_NOENT);
    CHECK_EQ(exo_page_lookup(EXO_CAP_SELF, FILL_VA), EXO_E_NOENT); /* c's page went with c */
    return 0;
}

/* --- a thread destroyed while it computes (on another CPU when there is one) stops ---------- */

static volatile uint64_t spins;

static void spinner(uint64_t unused)
{
    (void)unused;
    for (;;)
        spins++;
}

EXOTEST(thread_destroyed_while_running_stops)
{
    int64_t t = exotest_thread_start(spinner, 0, 0);
    CHECK(t > 0);
    CHECK(WAIT_UNTIL(spins > 1000, 5000));
    CHECK_EQ(exo_env_destroy((uint64_t)t), 0);
    uint64_t seen = spins;
    uint64_t end = rdtsc() + (uint64_t)exo_clock() / 1000 * 50; /* 5 ticks */
    while (rdtsc() < end)
        exo_yield(EXO_ANY);
    CHECK_EQ(spins, seen);
    CHECK_EQ(exo_env_runs((uint64_t)t), EXO_E_NOENT);
    return 0;
}

/* --- a thread's upcalls are its own ----------------------------------------------------------- */

static volatile uint64_t up_state, up_addr, up_faults;

static int thread_fault(struct exo_upcall_state *s)
{
    up_state = (uint64_t)s; /* the thread's state page, not the owner's */
    up_addr = s->addr;
    up_faults++;
    return los_page_new(HOLE_VA, EXO_PROT_R | EXO_PROT_W) < 0; /* the load runs again */
}

static volatile int64_t up_set;
static volatile uint64_t up_read;

static void faulter(uint64_t event)
{
    up_set = los_upcall_init_at(STATE_VA, UPSTACK_VA + 8 * EXO_PAGE);
    up_read = *(volatile uint64_t *)HOLE_VA + 7;
    exo_event_post(event);
    thread_end();
}

EXOTEST(thread_upcalls_are_its_own)
{
    CHECK_EQ(los_upcall_init(), 0); /* ours, at LOS_UPCALL_STATE_VA */
    los_upcall_handle(EXO_UPCALL_FAULT, thread_fault);
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    int64_t t = exotest_thread_start(faulter, (uint64_t)ev, 0);
    CHECK(t > 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);
    CHECK_EQ(up_set, 0);
    CHECK_EQ(up_faults, 1);
    CHECK_EQ(up_state, STATE_VA);
    CHECK_EQ(up_addr, HOLE_VA);
    CHECK_EQ(up_read, 7);
    CHECK_EQ(((struct exo_upcall_state *)STATE_VA)->vector, 14);
    CHECK_EQ(los_upcall_state()->vector, 0); /* the owner's state page was not touched */
    CHECK_EQ(los_upcall_state()->in_upcall, 0);
    return 0;
}

/* --- a page freed while a thread reads it on another CPU: no stale read ---------------------- */

#define SHOOT_MAGIC 0x7ead7ead7ead7eadull
static volatile uint64_t sh_freed, sh_stale, sh_reads, sh_faults, sh_stop;

static int shoot_fault(struct exo_upcall_state *s)
{
    if (s->addr != SHOOT_VA)
        return 1;
    sh_faults++;
    return los_page_new(SHOOT_VA, EXO_PROT_R | EXO_PROT_W) < 0; /* a fresh (zeroed) page */
}

static void reader(uint64_t unused)
{
    (void)unused;
    if (los_upcall_init_at(STATE_VA, UPSTACK_VA + 8 * EXO_PAGE) < 0)
        thread_end();
    while (!sh_stop) {
        uint64_t freed = sh_freed;
        uint64_t v = *(volatile uint64_t *)SHOOT_VA;
        if (freed && v == SHOOT_MAGIC)
            sh_stale++; /* read through a translation that should be gone */
        sh_reads++;
    }
    thread_end();
}

EXOTEST(thread_page_free_shoots_down_its_cpu)
{
    CHECK_EQ(los_upcall_init(), 0);
    los_upcall_handle(EXO_UPCALL_FAULT, shoot_fault);
    int64_t p = los_page_new(SHOOT_VA, EXO_PROT_R | EXO_PROT_W);
    CHECK(p > 0);
    *(volatile uint64_t *)SHOOT_VA = SHOOT_MAGIC;
    int64_t t = exotest_thread_start(reader, 0, 0);
    CHECK(t > 0);
    CHECK(WAIT_UNTIL(sh_reads > 1000, 5000));
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)p), 0); /* unmapped everywhere first */
    sh_freed = 1;
    uint64_t reads = sh_reads;
    CHECK(WAIT_UNTIL(sh_faults == 1 && sh_reads > reads + 1000, 5000));
    sh_stop = 1;
    los_wait((uint64_t)t);
    CHECK_EQ(sh_stale, 0);
    CHECK_EQ(sh_faults, 1);
    CHECK_EQ(*(volatile uint64_t *)SHOOT_VA, 0);
    return 0;
}

/* --- two threads, two CPUs (when there are two): exact shared counters ----------------------- */

#define COUNT 100000
#define SAMPLES 64
static volatile uint64_t shared_count, done_count;
static volatile uint32_t cpu_of[2][SAMPLES], counted[2];
static int64_t done_event;

static uint32_t apic_id(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return b >> 24;
}

/* COUNT atomic increments of one shared counter, with no exo call, noting the CPU now and
 * then; then waits (computing, no exo call; at most 10 s) until the other thread has counted
 * too, and computes on for 50 ms more, so that with two CPUs both threads hold one at the same
 * time (exo gives a computing env's CPU back to it at its slice's end when nothing else waits:
 * each stays where it is). The wait is what a loaded host needs: under TCG the second thread
 * may start only after the first has counted. */
static void counter(uint64_t me)
{
    uint64_t ms = (uint64_t)exo_clock() / 1000;
    for (int i = 0; i < COUNT; i++) {
        __atomic_fetch_add(&shared_count, 1, __ATOMIC_RELAXED);
        if (i % (COUNT / (SAMPLES / 2)) == 0)
            cpu_of[me][i / (COUNT / (SAMPLES / 2))] = apic_id();
    }
    counted[me] = 1;
    uint64_t start = rdtsc();
    while (!counted[!me] && rdtsc() - start < 10000 * ms)
        ;
    start = rdtsc();
    uint64_t until = start + 50 * ms;
    for (int s = SAMPLES / 2; s < SAMPLES; s++) {
        while (rdtsc() < until - (until - start) * (uint64_t)(SAMPLES - 1 - s) / SAMPLES)
            ;
        cpu_of[me][s] = apic_id();
    }
    __atomic_fetch_add(&done_count, 1, __ATOMIC_RELEASE);
    exo_event_post((uint64_t)done_event);
    thread_end();
}

EXOTEST(thread_two_cpus_count_exactly)
{
    done_event = exo_event_create();
    CHECK(done_event > 0);
    counted[0] = counted[1] = 0;
    int64_t a = exotest_thread_start(counter, 0, 0), b = exotest_thread_start(counter, 1, 1);
    CHECK(a > 0 && b > 0);
    while (done_count < 2)
        exo_event_wait((uint64_t)done_event);
    CHECK_EQ(shared_count, 2 * COUNT);
    los_wait((uint64_t)a);
    los_wait((uint64_t)b);
    /* The CPUs they ran on: the boot test knows how many the machine has (1 or more). */
    uint32_t first = cpu_of[0][0], other = first;
    for (int me = 0; me < 2; me++)
        for (int i = 0; i < SAMPLES; i++)
            if (cpu_of[me][i] != first)
                other = cpu_of[me][i];
    los_printf("    thread_two_cpus_count_exactly: ran on %d cpus\n", other == first ? 1 : 2);
    return 0;
}

/* --- the GS base (gs_set) is per env, 0 in a new one, kept across preemption ---------------- */

#define GS_VA 0x0000500340000000ull /* three pages: A at +0, B at +0x1000, C at +0x2000 */
#define GS_A 0xa1a2a3a4a5a6a7a8ull
#define GS_B 0xb1b2b3b4b5b6b7b8ull
#define GS_C 0xc1c2c3c4c5c6c7c8ull

static volatile uint64_t gs_first, gs_seen, gs_bad, gs_stop, gs_done;

static uint64_t gs_word(void) /* the word at GS base + GS_VA */
{
    uint64_t v;
    __asm__ volatile("mov %%gs:(%1), %0" : "=r"(v) : "r"(GS_VA) : "memory");
    return v;
}

static void gs_worker(uint64_t unused)
{
    (void)unused;
    gs_first = gs_word(); /* a new thread's GS base is 0, not its owner's */
    if (exo_gs_set(0x2000) != 0)
        gs_bad = 1000000;
    while (!gs_stop) {
        if (gs_word() != GS_C)
            gs_bad++;
        gs_seen++;
    }
    gs_done = 1;
    thread_end();
}

EXOTEST(gs_base_is_per_env)
{
    for (uint64_t i = 0; i < 3; i++)
        CHECK(los_page_new(GS_VA + i * EXO_PAGE, EXO_PROT_R | EXO_PROT_W) >= 0);
    *(volatile uint64_t *)GS_VA = GS_A;
    *(volatile uint64_t *)(GS_VA + 0x1000) = GS_B;
    *(volatile uint64_t *)(GS_VA + 0x2000) = GS_C;
    CHECK_EQ(exo_gs_set(0x1000), 0);
    CHECK_EQ(gs_word(), GS_B);
    int64_t t = exotest_thread_start(gs_worker, 0, 0);
    CHECK(t > 0);
    /* Both spin reading their own GS base, no call in our loop: on one CPU the thread only
     * runs when the timer preempts us, and we only come back by env_run (runs counts it). */
    int64_t runs0 = exo_env_runs(EXO_CAP_SELF);
    uint64_t mine = 0, bad = 0;
    uint64_t end = rdtsc() + (uint64_t)exo_clock() / 1000 * 30; /* 3 ticks at least */
    while (rdtsc() < end || gs_seen < 100000) {
        if (gs_word() != GS_B)
            bad++;
        mine++;
    }
    int64_t runs1 = exo_env_runs(EXO_CAP_SELF);
    CHECK(runs1 - runs0 >= 2); /* preempted and entered again at least once */
    CHECK(mine > 0);
    CHECK_EQ(bad, 0);
    CHECK_EQ(gs_first, GS_A);
    /* Refused without a trace: not a user address, kernel or non-canonical. */
    CHECK_EQ(exo_gs_set(EXO_USER_TOP), EXO_E_RANGE);
    CHECK_EQ(exo_gs_set(0x0000800000000000ull), EXO_E_RANGE);
    CHECK_EQ(exo_gs_set(0xffff800000000000ull), EXO_E_RANGE);
    CHECK_EQ(exo_gs_set(~0ull), EXO_E_RANGE);
    CHECK_EQ(gs_word(), GS_B);
    /* Another env runs on this CPU (its own GS base, 0), then we run again. */
    int64_t c = los_spawn_file("exotest", EXOTEST_ARG_EXIT);
    CHECK(c > 0);
    los_wait((uint64_t)c);
    exo_yield(EXO_ANY);
    CHECK_EQ(gs_word(), GS_B);
    gs_stop = 1;
    CHECK(WAIT_UNTIL(gs_done == 1, 5000));
    los_wait((uint64_t)t);
    CHECK_EQ(gs_bad, 0);
    CHECK(gs_seen >= 100000);
    CHECK_EQ(exo_gs_set(0), 0);
    return 0;
}
