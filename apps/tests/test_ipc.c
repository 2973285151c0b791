/*
 * test_ipc.c: events, protected control transfer, interrupt binding and the shared-page ring
 * (libos/ipc), between real envs: children of the test env, built from this same program and
 * started at one of the child_* functions below instead of main.
 */
#include "exotest.h"

#include <ipc/ring.h>

#define SHARED_VA 0x10000000ull    /* struct shared: the test's page, granted to its children */
#define RING_REQ_VA 0x10001000ull  /* ring: parent -> child */
#define RING_REP_VA 0x10002000ull  /* ring: child -> parent */
#define PCT_STACK_VA 0x10010000ull /* a page for a pct entry's stack */
#define RW (EXO_PROT_R | EXO_PROT_W)

/* What a parent and its children share: capability slots in the child's table, progress, and
 * the child's results. */
struct shared {
    uint64_t ev[4];     /* events, in the child's table */
    uint64_t parent;    /* the parent, in the child's table */
    uint64_t parent_id; /* its env id */
    uint64_t ring_ppn[2];
    volatile uint64_t stage;  /* how far the child got */
    volatile uint64_t served; /* pct calls the child's entry took */
    volatile int64_t out[8];  /* the child's results */
};

/* --- parent side ---------------------------------------------------------------------------- */

/* The shared page, mapped at SHARED_VA in the test env; its page number in *ppn. */
static struct shared *shared_new(int64_t *ppn)
{
    *ppn = los_page_new(SHARED_VA, RW);
    return *ppn < 0 ? NULL : (struct shared *)SHARED_VA;
}

/* A child env of this program, not started yet: its slot, and its stack top in *stack. */
static int64_t child_new(uint64_t *stack)
{
    const void *elf;
    uint64_t size, entry;
    int r = los_archive_find("exotest", &elf, &size);
    if (r < 0)
        return r;
    return los_spawn_prepare(elf, size, &entry, stack);
}

/* Grants page ppn to the child (which maps it itself), then starts it at fn(ppn). */
static int64_t child_start(uint64_t c, void (*fn)(uint64_t), uint64_t stack, int64_t ppn)
{
    int64_t r = exo_page_grant((uint64_t)ppn, c, RW);
    if (r < 0)
        return r;
    /* fn is entered as if called: rsp + 8 16-byte aligned */
    return exo_env_start(c, (uint64_t)fn, (stack & ~15ull) - 8, (uint64_t)ppn);
}

/* Waits until env c is blocked (directed yields to it fail with EXO_E_BUSY). */
static int64_t until_blocked(uint64_t c)
{
    int64_t r = 0;
    for (int i = 0; i < 10000 && (r = exo_yield(c)) == 0; i++)
        ;
    return r;
}

/* --- child side ----------------------------------------------------------------------------- */

/* A child's end; the children report through struct shared, not an exit status. */
static void __attribute__((noreturn)) child_exit(void)
{
    los_exit(0);
}

/* Maps the page the parent granted; ends the child if it cannot. */
static struct shared *child_shared(uint64_t ppn)
{
    if (exo_page_map(EXO_CAP_SELF, SHARED_VA, ppn, RW) < 0)
        child_exit();
    return (struct shared *)SHARED_VA;
}

/* Waits on ev[0], reports what the wait returned. */
static void child_wait(uint64_t ppn)
{
    struct shared *sh = child_shared(ppn);
    sh->stage = 1;
    sh->out[0] = exo_event_wait(sh->ev[0]);
    sh->stage = 2;
    child_exit();
}

/* --- events --------------------------------------------------------------------------------- */

EXOTEST(event_calls_check_their_arguments)
{
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    CHECK_EQ(exo_event_post(EXO_NCAPS), EXO_E_RANGE);
    CHECK_EQ(exo_event_wait(EXO_NCAPS), EXO_E_RANGE);
    CHECK_EQ(exo_event_post(EXO_NCAPS - 1), EXO_E_NOENT); /* an empty slot */
    CHECK_EQ(exo_event_post(EXO_CAP_SELF), EXO_E_NOENT);  /* an env, not an event */
    CHECK_EQ(exo_event_wait(EXO_CAP_SELF), EXO_E_NOENT);
    int64_t post_only = exo_cap_copy((uint64_t)ev, EXO_CAP_SELF, EXO_RIGHT_POST);
    int64_t wait_only = exo_cap_copy((uint64_t)ev, EXO_CAP_SELF, EXO_RIGHT_WAIT);
    CHECK(post_only > 0 && wait_only > 0);
    CHECK_EQ(exo_event_wait((uint64_t)post_only), EXO_E_PERM);
    CHECK_EQ(exo_event_post((uint64_t)wait_only), EXO_E_PERM);

    /* Posts with no waiter add up; one wait takes them all at once, without blocking. */
    CHECK_EQ(exo_event_post((uint64_t)post_only), 0);
    CHECK_EQ(exo_event_post((uint64_t)post_only), 0);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait((uint64_t)wait_only), 3);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);

    /* The capability table fills before exo's event table does. */
    int64_t r;
    int made = 0;
    while ((r = exo_event_create()) > 0)
        made++;
    CHECK_EQ(r, EXO_E_NOMEM);
    CHECK(made > 50);
    return 0;
}

/* The waiter blocks: it is not runnable (a directed yield to it is refused), and exo never
 * enters it while a third env counts its own time slices and the test waits. The evidence is
 * exo's own count of entries into the waiter's ring-3 context (env_runs), which a waiter that
 * spins (returns to ring 3 and asks again) raises on any CPU, however the host schedules the
 * vCPUs; the counter's slices only make sure that time passed while the waiter was blocked. */
#define COUNT_SLICES 12
static volatile uint64_t nslices;

static int note_slice(struct exo_upcall_state *s)
{
    (void)s;
    if (nslices < COUNT_SLICES) /* a slice may end between the loop's test and its report */
        nslices++;
    return 0;
}

static void child_count(uint64_t ppn)
{
    struct shared *sh = child_shared(ppn);
    if (los_upcall_init() < 0)
        child_exit();
    los_upcall_handle(EXO_UPCALL_SLICE, note_slice);
    uint64_t hz = (uint64_t)exo_clock(), t0 = __builtin_ia32_rdtsc();
    while (nslices < COUNT_SLICES && __builtin_ia32_rdtsc() - t0 < 30 * hz)
        ;
    sh->out[1] = (int64_t)nslices;
    exo_event_post(sh->ev[1]);
    child_exit();
}

EXOTEST(event_wait_blocks_without_spinning)
{
    int64_t ppn;
    struct shared *sh = shared_new(&ppn);
    CHECK(sh);
    int64_t ev = exo_event_create(), done = exo_event_create();
    uint64_t ws, cs;
    int64_t w = child_new(&ws), c = child_new(&cs);
    CHECK(ev > 0 && done > 0 && w > 0 && c > 0);
    /* Both children share the page; each gets the one right it needs. */
    sh->ev[0] = (uint64_t)exo_cap_copy((uint64_t)ev, (uint64_t)w, EXO_RIGHT_WAIT);
    sh->ev[1] = (uint64_t)exo_cap_copy((uint64_t)done, (uint64_t)c, EXO_RIGHT_POST);
    CHECK((int64_t)sh->ev[0] > 0 && (int64_t)sh->ev[1] > 0);
    CHECK_EQ(exo_env_runs((uint64_t)w), 0); /* never entered yet */
    CHECK_EQ(child_start((uint64_t)w, child_wait, ws, ppn), 0);
    CHECK_EQ(until_blocked((uint64_t)w), EXO_E_BUSY);
    CHECK_EQ(sh->stage, 1);
    int64_t runs = exo_env_runs((uint64_t)w);
    CHECK(runs > 0);

    CHECK_EQ(child_start((uint64_t)c, child_count, cs, ppn), 0);
    CHECK_EQ(exo_event_wait((uint64_t)done), 1); /* we block too: the counter runs alone */
    CHECK_EQ(sh->out[1], COUNT_SLICES);
    CHECK_EQ(exo_env_runs((uint64_t)w), runs);    /* not entered once while blocked */
    CHECK_EQ(exo_yield((uint64_t)w), EXO_E_BUSY); /* still blocked */
    CHECK_EQ(sh->stage, 1);

    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    los_wait((uint64_t)w);
    CHECK_EQ(sh->stage, 2);
    CHECK_EQ(sh->out[0], 1); /* woken by our one post */
    return 0;
}

/* The creator of ev[0]: hands a copy to its parent (slot in out[1]), then ends. */
static void child_create_event(uint64_t ppn)
{
    struct shared *sh = child_shared(ppn);
    int64_t ev = exo_event_create();
    sh->out[1] = exo_cap_copy((uint64_t)ev, sh->parent, EXO_RIGHT_POST | EXO_RIGHT_WAIT);
    sh->stage = 1;
    exo_event_post(sh->ev[0]);
    while (sh->stage != 2) /* until the parent waits on our event */
        exo_yield(EXO_ANY);
    child_exit();
}

EXOTEST(events_end_cleanly)
{
    int64_t ppn;
    struct shared *sh = shared_new(&ppn);
    CHECK(sh);

    /* A waiter destroyed while blocked leaves nothing behind: the next post is counted. */
    int64_t ev = exo_event_create();
    uint64_t ws;
    int64_t w = child_new(&ws);
    CHECK(ev > 0 && w > 0);
    sh->ev[0] = (uint64_t)exo_cap_copy((uint64_t)ev, (uint64_t)w, EXO_RIGHT_WAIT);
    CHECK_EQ(child_start((uint64_t)w, child_wait, ws, ppn), 0);
    CHECK_EQ(until_blocked((uint64_t)w), EXO_E_BUSY);
    CHECK_EQ(exo_env_destroy((uint64_t)w), 0);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1); /* the post was not given to the dead waiter */

    /* An event ends with its creator: our wait on it returns EXO_E_NOENT, and so does a post. */
    uint64_t cs;
    int64_t c = child_new(&cs), ready = exo_event_create();
    CHECK(c > 0 && ready > 0);
    sh->stage = 0;
    sh->ev[0] = (uint64_t)exo_cap_copy((uint64_t)ready, (uint64_t)c, EXO_RIGHT_POST);
    sh->parent = (uint64_t)exo_cap_copy(EXO_CAP_SELF, (uint64_t)c, EXO_RIGHT_MAP);
    CHECK_EQ(child_start((uint64_t)c, child_create_event, cs, ppn), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ready), 1);
    CHECK_EQ(sh->stage, 1);
    int64_t theirs = sh->out[1];
    CHECK(theirs > 0);
    sh->stage = 2;
    CHECK_EQ(exo_event_wait((uint64_t)theirs), EXO_E_NOENT); /* blocks until the child ends */
    CHECK_EQ(exo_event_post((uint64_t)theirs), EXO_E_NOENT);
    los_wait((uint64_t)c);
    return 0;
}

/* --- the ring ------------------------------------------------------------------------------- */

#define PING_N 300
#define PING_WINDOW 48 /* messages in flight: more than a ring holds, so both sides block */

static void ping_msg(uint8_t *m, uint32_t n)
{
    for (int i = 0; i < LOS_RING_MSG; i++)
        m[i] = (uint8_t)(n * 31 + i * 7 + 1);
    __builtin_memcpy(m, &n, sizeof n); /* the number itself, so no message passes for another */
}

/* Echoes PING_N messages with every byte + 1; out[0] counts requests that were not exact. */
static void child_echo_ring(uint64_t ppn)
{
    struct shared *sh = child_shared(ppn);
    if (exo_page_map(EXO_CAP_SELF, RING_REQ_VA, sh->ring_ppn[0], RW) < 0 ||
        exo_page_map(EXO_CAP_SELF, RING_REP_VA, sh->ring_ppn[1], RW) < 0)
        child_exit();
    struct los_ring *req = (struct los_ring *)RING_REQ_VA, *rep = (struct los_ring *)RING_REP_VA;
    uint8_t m[LOS_RING_MSG], want[LOS_RING_MSG];
    for (uint32_t n = 0; n < PING_N; n++) {
        if (los_ring_get(req, m, sh->ev[0], sh->ev[1]) < 0)
            break;
        ping_msg(want, n);
        for (int i = 0; i < LOS_RING_MSG; i++) {
            sh->out[0] += m[i] != want[i];
            m[i]++;
        }
        if (los_ring_put(rep, m, sh->ev[2], sh->ev[3]) < 0)
            break;
        sh->stage = n + 1;
    }
    child_exit();
}

EXOTEST(ring_ping_pong_between_envs)
{
    int64_t ppn, rq = los_page_new(RING_REQ_VA, RW), rp = los_page_new(RING_REP_VA, RW);
    struct shared *sh = shared_new(&ppn);
    CHECK(sh && rq > 0 && rp > 0);
    struct los_ring *req = (struct los_ring *)RING_REQ_VA, *rep = (struct los_ring *)RING_REP_VA;
    los_ring_init(req);
    los_ring_init(rep);
    sh->ring_ppn[0] = (uint64_t)rq;
    sh->ring_ppn[1] = (uint64_t)rp;

    /* req: data (we post, it waits), space (it posts, we wait); rep: the other way round. */
    int64_t ev[4];
    for (int i = 0; i < 4; i++)
        CHECK((ev[i] = exo_event_create()) > 0);
    uint64_t stack;
    int64_t c = child_new(&stack);
    CHECK(c > 0);
    static const uint32_t child_rights[4] = {EXO_RIGHT_WAIT, EXO_RIGHT_POST, EXO_RIGHT_POST,
                                             EXO_RIGHT_WAIT};
    for (int i = 0; i < 4; i++)
        CHECK((int64_t)(sh->ev[i] = (uint64_t)exo_cap_copy((uint64_t)ev[i], (uint64_t)c,
                                                           child_rights[i])) > 0);
    CHECK_EQ(exo_page_grant((uint64_t)rq, (uint64_t)c, RW) > 0, 1);
    CHECK_EQ(exo_page_grant((uint64_t)rp, (uint64_t)c, RW) > 0, 1);
    CHECK_EQ(child_start((uint64_t)c, child_echo_ring, stack, ppn), 0);

    uint8_t m[LOS_RING_MSG], want[LOS_RING_MSG];
    uint32_t sent = 0, got = 0;
    int wrong = 0;
    while (got < PING_N) {
        if (sent < PING_N && sent - got < PING_WINDOW) {
            ping_msg(m, sent++);
            CHECK_EQ(los_ring_put(req, m, (uint64_t)ev[0], (uint64_t)ev[1]), 0);
        } else {
            CHECK_EQ(los_ring_get(rep, m, (uint64_t)ev[2], (uint64_t)ev[3]), 0);
            ping_msg(want, got++);
            for (int i = 0; i < LOS_RING_MSG; i++)
                wrong += m[i] != (uint8_t)(want[i] + 1);
        }
    }
    CHECK_EQ(wrong, 0);
    los_wait((uint64_t)c);
    CHECK_EQ(sh->stage, PING_N);
    CHECK_EQ(sh->out[0], 0);
    CHECK_EQ(los_ring_count(req), 0);
    CHECK_EQ(los_ring_count(rep), 0);
    CHECK_EQ(req->head, PING_N);
    return 0;
}

/* --- protected control transfer ------------------------------------------------------------- */

#define PCT_N 200

static struct shared *callee_sh; /* the callee's own global (each env has its copy) */

/* The entry: a0 + 1 if rdi is the parent and a1 = 3 * a0. The last call also posts ev[1],
 * which the callee's own context waits on, and tries two transfers it may not make. */
static void echo_entry(uint64_t from, uint64_t a0, uint64_t a1)
{
    struct shared *sh = callee_sh;
    sh->served++;
    int64_t r = from != sh->parent_id ? -100 : a1 != 3 * a0 ? -101 : (int64_t)a0 + 1;
    if (a0 == PCT_N - 1) {
        sh->out[2] = exo_pct_call(sh->parent, 0, 0); /* it waits in pct_call: busy */
        sh->out[3] = exo_pct_call(EXO_CAP_SELF, 0, 0);
        sh->out[4] = exo_event_post(sh->ev[1]); /* counted while our context is set aside */
    }
    exo_pct_return((uint64_t)r);
    sh->out[5] = -1; /* not reached: pct_return does not return */
    child_exit();
}

static void child_callee(uint64_t ppn)
{
    struct shared *sh = callee_sh = child_shared(ppn);
    if (los_page_new(PCT_STACK_VA, RW) < 0 ||
        exo_pct_entry((uint64_t)echo_entry, PCT_STACK_VA + EXO_PAGE) < 0)
        child_exit();
    exo_event_post(sh->ev[0]);              /* ready */
    sh->out[0] = exo_event_wait(sh->ev[1]); /* calls come in while we block here */
    sh->out[1] = (int64_t)sh->served;
    sh->stage = 2;
    child_exit();
}

static void never_entered(uint64_t from, uint64_t a0, uint64_t a1)
{
    (void)from, (void)a0, (void)a1;
    exo_pct_return((uint64_t)-1);
}

EXOTEST(pct_echo_between_envs)
{
    int64_t ppn;
    struct shared *sh = shared_new(&ppn);
    CHECK(sh);
    int64_t ready = exo_event_create(), quit = exo_event_create();
    uint64_t stack;
    int64_t c = child_new(&stack);
    CHECK(ready > 0 && quit > 0 && c > 0);
    sh->ev[0] = (uint64_t)exo_cap_copy((uint64_t)ready, (uint64_t)c, EXO_RIGHT_POST);
    sh->ev[1] =
        (uint64_t)exo_cap_copy((uint64_t)quit, (uint64_t)c, EXO_RIGHT_POST | EXO_RIGHT_WAIT);
    sh->parent = (uint64_t)exo_cap_copy(EXO_CAP_SELF, (uint64_t)c, EXO_RIGHT_CALL);
    sh->parent_id = (uint64_t)exo_env_self();
    /* We have an entry too, so the callee's call to us fails for being busy, not for none. */
    CHECK(los_page_new(PCT_STACK_VA, RW) > 0);
    CHECK_EQ(exo_pct_entry((uint64_t)never_entered, PCT_STACK_VA + EXO_PAGE), 0);
    CHECK_EQ(child_start((uint64_t)c, child_callee, stack, ppn), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ready), 1);

    int wrong = 0;
    for (uint64_t i = 0; i < PCT_N; i++) {
        int64_t r = exo_pct_call((uint64_t)c, i, 3 * i);
        if (r != (int64_t)i + 1 && wrong++ < 3)
            los_printf("    pct_call(%lu) returned %ld\n", i, (long)r);
    }
    CHECK_EQ(wrong, 0);
    los_wait((uint64_t)c); /* the last call posted quit: its own context resumes and ends */
    CHECK_EQ(sh->stage, 2);
    CHECK_EQ(sh->out[0], 1); /* its wait saw the post made during the call */
    CHECK_EQ(sh->out[1], PCT_N);
    CHECK_EQ(sh->out[2], EXO_E_BUSY);
    CHECK_EQ(sh->out[3], EXO_E_INVAL);
    CHECK_EQ(sh->out[4], 0);
    CHECK_EQ(sh->out[5], 0);
    return 0;
}

/* A wait's deadline survives a call served meanwhile: the callee's own context waits with a
 * deadline (as pm's loop waits for lwIP's next timer), a call comes in, and its entry makes a
 * timed wait of its own that times out. Before exo set the deadline aside with the rest of the
 * interrupted context, that inner timeout cleared it, and the outer wait then waited for a post
 * that never came (pm's DHCP lease on an idle machine). */
static void deadline_entry(uint64_t from, uint64_t a0, uint64_t a1)
{
    (void)from, (void)a0, (void)a1;
    struct shared *sh = callee_sh;
    /* 20 ms: it blocks, and a tick ends it */
    sh->out[1] =
        exo_event_wait_until(sh->ev[2], __builtin_ia32_rdtsc() + (uint64_t)exo_clock() / 50);
    exo_pct_return(7);
}

static void child_deadline_callee(uint64_t ppn)
{
    struct shared *sh = callee_sh = child_shared(ppn);
    if (los_page_new(PCT_STACK_VA, RW) < 0 ||
        exo_pct_entry((uint64_t)deadline_entry, PCT_STACK_VA + EXO_PAGE) < 0)
        child_exit();
    uint64_t deadline = __builtin_ia32_rdtsc() + (uint64_t)exo_clock() / 2; /* 0.5 s */
    exo_event_post(sh->ev[0]);                                              /* ready */
    sh->out[0] = exo_event_wait_until(sh->ev[1], deadline);
    sh->stage = 2;
    exo_event_post(sh->ev[0]); /* done */
    child_exit();
}

EXOTEST(pct_call_keeps_the_callee_wait_deadline)
{
    int64_t ppn;
    struct shared *sh = shared_new(&ppn);
    CHECK(sh);
    int64_t note = exo_event_create(), outer = exo_event_create(), inner = exo_event_create();
    uint64_t stack;
    int64_t c = child_new(&stack);
    CHECK(note > 0 && outer > 0 && inner > 0 && c > 0);
    sh->ev[0] = (uint64_t)exo_cap_copy((uint64_t)note, (uint64_t)c, EXO_RIGHT_POST);
    sh->ev[1] = (uint64_t)exo_cap_copy((uint64_t)outer, (uint64_t)c, EXO_RIGHT_WAIT);
    sh->ev[2] = (uint64_t)exo_cap_copy((uint64_t)inner, (uint64_t)c, EXO_RIGHT_WAIT);
    sh->stage = 0;
    sh->out[0] = sh->out[1] = -99;
    CHECK_EQ(child_start((uint64_t)c, child_deadline_callee, stack, ppn), 0);
    CHECK_EQ(exo_event_wait((uint64_t)note), 1);
    CHECK_EQ(until_blocked((uint64_t)c), EXO_E_BUSY); /* in its timed wait */
    CHECK_EQ(exo_pct_call((uint64_t)c, 0, 0), 7);
    CHECK_EQ(sh->out[1], 0); /* the entry's own wait timed out */
    /* Its outer wait ends by its deadline (0.5 s), not never: 20 s is the test's bound. */
    CHECK_EQ(
        exo_event_wait_until((uint64_t)note, __builtin_ia32_rdtsc() + 20 * (uint64_t)exo_clock()),
        1);
    los_wait((uint64_t)c);
    CHECK_EQ(sh->stage, 2);
    CHECK_EQ(sh->out[0], 0); /* nothing posted: the deadline */
    return 0;
}

static void ending_entry(uint64_t from, uint64_t a0, uint64_t a1)
{
    (void)from, (void)a0, (void)a1;
    child_exit(); /* ends while serving: the caller must not wait forever */
}

static void child_ending_callee(uint64_t ppn)
{
    struct shared *sh = child_shared(ppn);
    if (los_page_new(PCT_STACK_VA, RW) < 0 ||
        exo_pct_entry((uint64_t)ending_entry, PCT_STACK_VA + EXO_PAGE) < 0)
        child_exit();
    sh->stage = 1;
    for (;;) /* runnable, not blocked: a call sets this context aside just the same */
        exo_yield(EXO_ANY);
}

EXOTEST(pct_calls_check_their_arguments)
{
    CHECK_EQ(exo_pct_call(EXO_NCAPS, 0, 0), EXO_E_RANGE);
    CHECK_EQ(exo_pct_call(EXO_NCAPS - 1, 0, 0), EXO_E_NOENT); /* empty slot */
    CHECK_EQ(exo_pct_call(EXO_CAP_SELF, 0, 0), EXO_E_INVAL);
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    CHECK_EQ(exo_pct_call((uint64_t)ev, 0, 0), EXO_E_NOENT);          /* an event, not an env */
    CHECK_EQ(exo_pct_return(5), EXO_E_INVAL);                         /* serving no call */
    CHECK_EQ(exo_pct_entry(0x400000, PCT_STACK_VA + 8), EXO_E_INVAL); /* misaligned stack */
    CHECK_EQ(exo_pct_entry(0x400000, 0), EXO_E_INVAL);
    CHECK_EQ(exo_pct_entry(0x400000, EXO_USER_TOP + 16), EXO_E_INVAL);
    CHECK_EQ(exo_pct_entry(EXO_USER_TOP, PCT_STACK_VA), EXO_E_INVAL);
    CHECK_EQ(exo_pct_entry(0, 0), 0); /* unregistering what was never registered */

    uint64_t stack;
    int64_t c = child_new(&stack), ppn;
    struct shared *sh = shared_new(&ppn);
    CHECK(c > 0 && sh);
    CHECK_EQ(exo_pct_call((uint64_t)c, 0, 0), EXO_E_NOENT); /* no entry */
    int64_t nocall = exo_cap_copy((uint64_t)c, EXO_CAP_SELF, EXO_RIGHTS_ENV & ~EXO_RIGHT_CALL);
    CHECK(nocall > 0);
    CHECK_EQ(exo_pct_call((uint64_t)nocall, 0, 0), EXO_E_PERM);

    /* A callee that ends while serving: the call returns EXO_E_NOENT. */
    CHECK_EQ(child_start((uint64_t)c, child_ending_callee, stack, ppn), 0);
    while (sh->stage != 1)
        exo_yield((uint64_t)c);
    CHECK_EQ(exo_pct_call((uint64_t)c, 1, 2), EXO_E_NOENT);
    CHECK_EQ(exo_pct_call((uint64_t)c, 1, 2), EXO_E_NOENT); /* and it is gone */
    return 0;
}

/* --- interrupt binding ---------------------------------------------------------------------- */

/* Reports what irq_bind does in an env holding no interrupt capability. */
static void child_bind_without_cap(uint64_t ppn)
{
    struct shared *sh = child_shared(ppn);
    int64_t ev = exo_event_create();
    sh->out[0] = exo_irq_bind(EXO_IRQ_FIRST, (uint64_t)ev);
    sh->stage = 1;
    child_exit();
}

EXOTEST(irq_bind_checks_its_arguments)
{
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    CHECK_EQ(exo_irq_bind(EXO_IRQ_FIRST - 1, (uint64_t)ev), EXO_E_RANGE); /* exo's vectors */
    CHECK_EQ(exo_irq_bind(EXO_IRQ_LAST + 1, (uint64_t)ev), EXO_E_RANGE);
    CHECK_EQ(exo_irq_bind(32, (uint64_t)ev), EXO_E_RANGE); /* the timer */
    CHECK_EQ(exo_irq_bind(255, (uint64_t)ev), EXO_E_RANGE);
    CHECK_EQ(exo_irq_bind(1000, (uint64_t)ev), EXO_E_RANGE);

    int64_t ppn;
    struct shared *sh = shared_new(&ppn);
    uint64_t stack;
    int64_t c = child_new(&stack);
    CHECK(sh && c > 0);
    CHECK_EQ(child_start((uint64_t)c, child_bind_without_cap, stack, ppn), 0);
    los_wait((uint64_t)c);
    CHECK_EQ(sh->stage, 1);
    CHECK_EQ(sh->out[0], EXO_E_PERM);
    return 0;
}

EXOTEST(irq_binding_delivers)
{
    /* The interrupts come from exo's test-only self-IPI (EXO_IRQ_TEST_IPI), not a device. */
    const uint64_t v = EXO_IRQ_FIRST + 5, v2 = EXO_IRQ_LAST;
    int64_t ev = exo_event_create(), other = exo_event_create();
    CHECK(ev > 0 && other > 0);
    CHECK_EQ(exo_irq_bind(v, (uint64_t)ev), 0); /* the runner passed init's CAP_IRQ on */
    int64_t fired = exo_observe(EXO_OBSERVE_IRQ_COUNT, v);
    CHECK_EQ(exo_irq_bind(v | EXO_IRQ_TEST_IPI, (uint64_t)ev), 0); /* same event: fine */
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1); /* exactly one interrupt, one post */
    CHECK_EQ(exo_observe(EXO_OBSERVE_IRQ_COUNT, v), fired + 1); /* observe counts it */
    CHECK_EQ(exo_observe(EXO_OBSERVE_IRQ, v), exo_env_self());  /* and names its binder */

    /* One vector, one live event; unbinding drops its interrupts. */
    CHECK_EQ(exo_irq_bind(v, (uint64_t)other), EXO_E_BUSY);
    CHECK_EQ(exo_irq_bind(v | EXO_IRQ_UNBIND | EXO_IRQ_TEST_IPI, (uint64_t)ev), 0); /* dropped */
    CHECK_EQ(exo_irq_bind(v, (uint64_t)other), 0);
    int64_t wait_only = exo_cap_copy((uint64_t)ev, EXO_CAP_SELF, EXO_RIGHT_WAIT);
    CHECK(wait_only > 0);
    CHECK_EQ(exo_irq_bind(v2, (uint64_t)wait_only), EXO_E_PERM); /* binding needs POST */
    CHECK_EQ(exo_irq_bind(v2, EXO_NCAPS), EXO_E_RANGE);
    CHECK_EQ(exo_event_post((uint64_t)other), 0);
    CHECK_EQ(exo_event_wait((uint64_t)other), 1); /* only our post: the dropped one is gone */
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);

    /* An interrupt wakes a waiter blocked in another env. */
    int64_t ppn;
    struct shared *sh = shared_new(&ppn);
    uint64_t stack;
    int64_t w = child_new(&stack);
    CHECK(sh && w > 0);
    sh->ev[0] = (uint64_t)exo_cap_copy((uint64_t)ev, (uint64_t)w, EXO_RIGHT_WAIT);
    CHECK_EQ(child_start((uint64_t)w, child_wait, stack, ppn), 0);
    CHECK_EQ(until_blocked((uint64_t)w), EXO_E_BUSY);
    CHECK_EQ(exo_irq_bind(v2 | EXO_IRQ_TEST_IPI, (uint64_t)ev), 0);
    los_wait((uint64_t)w);
    CHECK_EQ(sh->stage, 2);
    CHECK_EQ(sh->out[0], 1);
    return 0;
}

/* Another CAP_IRQ holder (B) tries to take the vector the test (A) has bound: the shared page
 * tells it the vector, its WAIT-only copy of A's event (out[0] in, slot) and the slot of its
 * copy of A's CAP_IRQ. It reports each attempt. */
static void child_unbind_others(uint64_t ppn)
{
    struct shared *sh = child_shared(ppn);
    uint64_t v = sh->ring_ppn[0];
    int64_t mine = exo_event_create();
    sh->out[0] = exo_irq_bind(v, EXO_ANY); /* the old unbind */
    sh->out[1] = exo_irq_bind(v | EXO_IRQ_UNBIND, EXO_ANY);
    sh->out[2] = exo_irq_bind(v | EXO_IRQ_UNBIND, (uint64_t)mine); /* not the bound event */
    sh->out[3] = exo_irq_bind(v | EXO_IRQ_UNBIND, sh->ev[0]);      /* A's, but WAIT only */
    sh->out[4] = exo_irq_bind(v, (uint64_t)mine);                  /* rebind over it */
    sh->out[5] = exo_irq_bind(v | EXO_IRQ_TEST_IPI, EXO_ANY);      /* raise while bound */
    sh->stage = 1;
    child_exit();
}

EXOTEST(irq_binding_has_an_owner)
{
    const uint64_t v = EXO_IRQ_FIRST + 7;
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    CHECK_EQ(exo_irq_bind(v, (uint64_t)ev), 0);
    int64_t ppn;
    struct shared *sh = shared_new(&ppn);
    uint64_t stack;
    int64_t b = child_new(&stack);
    CHECK(sh && b > 0);
    sh->ring_ppn[0] = v;
    CHECK(exo_cap_copy(EXO_CAP_IRQS, (uint64_t)b, EXO_RIGHT_BIND) > 0); /* B may bind too */
    sh->ev[0] = (uint64_t)exo_cap_copy((uint64_t)ev, (uint64_t)b, EXO_RIGHT_WAIT);
    CHECK((int64_t)sh->ev[0] > 0);
    CHECK_EQ(child_start((uint64_t)b, child_unbind_others, stack, ppn), 0);
    los_wait((uint64_t)b);
    CHECK_EQ(sh->stage, 1);
    CHECK_EQ(sh->out[0], EXO_E_PERM);
    CHECK_EQ(sh->out[1], EXO_E_PERM);
    CHECK_EQ(sh->out[2], EXO_E_PERM);
    CHECK_EQ(sh->out[3], EXO_E_PERM); /* unbinding takes POST, as binding does */
    CHECK_EQ(sh->out[4], EXO_E_BUSY);
    CHECK_EQ(sh->out[5], EXO_E_PERM); /* raising a bound vector is binding it: refused */
    /* The binding stayed: an interrupt on v still posts our event, once. */
    CHECK_EQ(exo_irq_bind(v | EXO_IRQ_TEST_IPI, (uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);
    /* Its holder unbinds it; then nothing is bound, and EXO_ANY says so. */
    CHECK_EQ(exo_irq_bind(v | EXO_IRQ_UNBIND, (uint64_t)ev), 0);
    CHECK_EQ(exo_irq_bind(v, EXO_ANY), 0);
    CHECK_EQ(exo_irq_bind(v | EXO_IRQ_UNBIND, EXO_ANY), 0);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_irq_bind(v | EXO_IRQ_TEST_IPI, EXO_ANY), 0); /* raised, nobody bound: dropped */
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);                /* only our post */
    return 0;
}

/* A CAP_IRQ holder binds every vector it can (second review, L4b): it gets 32, then
 * EXO_E_NOMEM, so the vectors irq_claim gives device queues (vio_setup) are never all taken.
 * Rebinding one of its own is not a new binding; unbinding one makes room for one more. */
static void child_bind_everything(uint64_t ppn)
{
    struct shared *sh = child_shared(ppn);
    int64_t ev = exo_event_create();
    int64_t n = 0, r = 0;
    uint64_t v = EXO_IRQ_FIRST + 20, first = 0, last = 0;
    for (; v <= EXO_IRQ_LAST; v++) {
        r = exo_irq_bind(v, (uint64_t)ev);
        if (r == EXO_E_BUSY)
            continue; /* a device queue's, or someone else's */
        if (r < 0)
            break;
        first = n++ ? first : v;
        last = v;
    }
    sh->out[0] = n;
    sh->out[1] = r;
    sh->out[2] = exo_irq_bind(first, (uint64_t)ev); /* its own again: not a new one */
    sh->out[3] = exo_irq_bind(last | EXO_IRQ_UNBIND, (uint64_t)ev);
    sh->out[4] = exo_irq_bind(v, (uint64_t)ev); /* the one refused above: room now */
    for (v++; v <= EXO_IRQ_LAST && (r = exo_irq_bind(v, (uint64_t)ev)) == EXO_E_BUSY; v++)
        ;
    sh->out[5] = r;
    sh->ring_ppn[0] = first;
    sh->stage = 1;
    child_exit();
}

EXOTEST(irq_bind_has_a_share_per_env)
{
    int64_t ppn;
    struct shared *sh = shared_new(&ppn);
    uint64_t stack;
    int64_t c = child_new(&stack);
    CHECK(sh && c > 0);
    CHECK(exo_cap_copy(EXO_CAP_IRQS, (uint64_t)c, EXO_RIGHT_BIND) > 0);
    CHECK_EQ(child_start((uint64_t)c, child_bind_everything, stack, ppn), 0);
    los_wait((uint64_t)c);
    CHECK_EQ(sh->stage, 1);
    CHECK_EQ(sh->out[0], 32);
    CHECK_EQ(sh->out[1], EXO_E_NOMEM);
    CHECK_EQ(sh->out[2], 0);
    CHECK_EQ(sh->out[3], 0);
    CHECK_EQ(sh->out[4], 0);
    CHECK_EQ(sh->out[5], EXO_E_NOMEM);
    /* Its bindings ended with its event: the vectors are free again. */
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    CHECK_EQ(exo_irq_bind(sh->ring_ppn[0], (uint64_t)ev), 0);
    CHECK_EQ(exo_irq_bind(sh->ring_ppn[0] | EXO_IRQ_UNBIND, (uint64_t)ev), 0);
    return 0;
}
