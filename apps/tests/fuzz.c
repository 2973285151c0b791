/*
 * fuzz.c: the in-guest fuzzer of exo's call interface. It issues FUZZ_CALLS calls with random
 * and mutated arguments: every call number and invalid ones, edge values (0, -1, huge, exo's
 * half, unaligned), valid-looking capability slots, its own pages and addresses. exo must
 * answer each with a result or an error; a panic or a hang fails the boot test that runs this.
 *
 * Random calls may legitimately end the env making them (unmapping its code, a random upcall
 * handler, blocking on an event nobody posts), so the calls run in child envs, a batch of
 * FUZZ_BATCH each. Call j is a pure function of (FUZZ_SEED, j), and a child publishes in a
 * page it shares with the parent the index of the next call before making each call; when a
 * child ends early, the next one resumes after the call that ended it. So the sequence of
 * calls is the same on every run; only which child makes which call depends on timing (and,
 * through what the child holds and its pool's page numbers, some arguments).
 *
 * Arguments are typed by their names in syscalls.def (env, ppn, va, prot...): three in four
 * come from that kind's pool, so calls get past the first checks. A few mutations keep the
 * children alive long enough to matter, each still letting the original through now and then:
 * env_destroy of ourselves and SELF copies with DESTROY (1 in 1024 kept), env_stop of
 * ourselves (1 in 1024 kept: the parent's watchdog ends a stopped child), upcall_set with a
 * random handler (1 in 64; otherwise the libOS entry on a stack no pool touches), syscall_reflect
 * with a random handler (1 in 64; otherwise one that answers -ENOSYS: the wild numbers above
 * 2^32 go untagged, so they reach it), event_wait
 * (preceded by a post: nobody else could wake the child). cons_write never reads mapped user
 * memory (it would print noise): its buffer is moved into holes. page_reclaim gets deadlines
 * of 0-7 ticks a quarter of the time, so the abort protocol runs while the children do.
 * The device, interrupt, transfer and packet-filter calls get plausible arguments from
 * fuzz_dev.c.
 *
 * Each child holds what a libOS process would: copies of init's device and vector capabilities
 * (BIND only), two events, and a capability (CALL only) for a server env the parent starts
 * with each batch, whose pct entry answers every call (so pct_call and pct_return succeed).
 * Its 16-page pool is refreshed every FUZZ_REFRESH calls, since random calls free it fast.
 * The boot test gives the machine virtio blk, net, rng and a balloon exo must keep to itself.
 * At the end the parent prints, per call, how many were made and how many succeeded, and per
 * device the vio_* calls naming it: the depth the run reached, which the boot test checks.
 *
 * The parent destroys a child that stays blocked BLOCKED_MS or begins no exo call (its setup's
 * count) for SILENT_MS; eleven children in a row that never reach their first call end the
 * run ("no progress"), and each of those asks the boot test for exo's state dump first.
 *
 * Run with arg 0: the parent. With arg j + 1: a child, making calls j, j + 1, ... With
 * SERVER_ARG: the server.
 */
#include <los/los.h>
#include <los/spawn.h>
#include <los/upcall.h>

#include "fuzz.h"

#define FUZZ_SEED 0x7e55e7a0f022c0deul
#define FUZZ_CALLS 1000000ul
#define FUZZ_BATCH 50000ul
#define FUZZ_REFRESH 256        /* the child maps its pool's lost pages again every so many calls */
#define BLOCKED_MS 20           /* a child blocked this long is stuck: only it could wake itself */
#define SILENT_MS 500           /* a runnable child beginning no call this long is stuck too */
#define SERVER_ARG (1ull << 62) /* main's argument in the server env */

void los_upcall_entry(void); /* libos/core/upcall_entry.S */

/* syscall_reflect's handler, mostly: an untagged call (a wild number) answers -38 (Linux's
 * ENOSYS) and returns through rcx, as a Linux runtime would. */
void fuzz_reflected(void);
__asm__(".text\nfuzz_reflected:\n  mov $-38, %rax\n  jmp *%rcx\n");

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* --- the child: making calls ----------------------------------------------------------------- */

uint64_t scratch_ppn[SCRATCH_PAGES], shared_ppn, events[2];

static const uint64_t edges[] = {
    0,
    1,
    2,
    7,
    8,
    15,
    16,
    63,
    64,
    65,
    255,
    256,
    4095,
    4096,
    4097,
    6000,
    6001,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    1ull << 32,
    1ull << 36,
    1ull << 40,
    1ull << 47,
    EXO_USER_TOP - EXO_PAGE,
    EXO_USER_TOP - 1,
    EXO_USER_TOP,
    EXO_USER_TOP + EXO_PAGE,
    0xffff800000000000ull,
    0xffff800000001000ull,
    0xffffffff80000000ull,
    0xffffffff80100000ull,
    0xfffffffffffff000ull,
    1ull << 63,
    (uint64_t)-2,
    EXO_ANY,
    0x100,   /* the first page of exo's image */
    0xfee00, /* the LAPIC's page: MMIO, not RAM */
    0xfee00000,
};

static const uint64_t wild_calls[] = {
    EXO_NCALLS, EXO_NCALLS + 1,   255,        256,     0x80000000,
    1ull << 32, (1ull << 32) | 1, 1ull << 63, EXO_ANY,
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Any argument: an edge, a small number (slots, rights, prots), one of our pages or addresses,
 * an address in exo's half, a random page number or user address, or anything at all. */
static uint64_t any_arg(uint64_t r)
{
    uint64_t v = r >> 8;
    switch (r & 15) {
    case 0:
    case 1:
    case 2:
        return edges[v % N(edges)];
    case 3:
        return v % 4; /* slot 0 is ourselves; the next ones are what we created first */
    case 4:
        return v % 16;
    case 5:
        return v % (EXO_NCAPS + 4);
    case 6:
    case 7:
        return scratch_ppn[v % SCRATCH_PAGES];
    case 8:
        return v & 1 ? shared_ppn : 0x100 + (v >> 1) % 0x400; /* not ours; exo's, low RAM */
    case 9:
    case 10:
        return SCRATCH_VA + v % SCRATCH_PAGES * EXO_PAGE;
    case 11:
        return SCRATCH_VA + v % (SCRATCH_PAGES * EXO_PAGE); /* mostly unaligned */
    case 12:
        return 0xffff800000000000ull | (v << 12 & 0x7ffffffff000ull);
    case 13:
        return r;
    case 14:
        return v % 0x20000; /* a page number in the first 512 MiB */
    default:
        return v << 12 & (EXO_USER_TOP - 1); /* a user page address */
    }
}

/* What a parameter is, from its name in syscalls.def: arguments of the right kind get past
 * the first checks, so the calls reach deeper; a quarter stay untyped. */
enum kind { K_ANY, K_CAP, K_PPN, K_VA, K_PROT, K_NUM };

static const char *const params[EXO_NCALLS] = {
#define EXO_CALL(num, name, nargs, p, doc) [num] = #p,
#include <exo/syscalls.def>
#undef EXO_CALL
};

static uint8_t kinds[EXO_NCALLS][5];

static int name_is(const char *p, size_t n, const char *name)
{
    size_t i = 0;
    while (i < n && name[i] && p[i] == name[i])
        i++;
    return i == n && !name[i];
}

static enum kind kind_of(const char *p, size_t n)
{
    static const struct {
        const char *name;
        enum kind k;
    } names[] = {
        {"env", K_CAP},     {"cap", K_CAP},    {"event", K_CAP},    {"ppn", K_PPN},
        {"va", K_VA},       {"buf", K_VA},     {"state_va", K_VA},  {"rip", K_VA},
        {"rsp", K_VA},      {"handler", K_VA}, {"stack_top", K_VA}, {"prot", K_PROT},
        {"rights", K_PROT}, {"len", K_NUM},    {"ticks", K_NUM},    {"vector", K_NUM},
    };
    for (size_t i = 0; i < N(names); i++)
        if (name_is(p, n, names[i].name))
            return names[i].k;
    return K_ANY;
}

/* Fills kinds[][] from the stringized parameter lists, "(env, va, ppn, prot)". */
static void learn_kinds(void)
{
    for (int c = 0; c < EXO_NCALLS; c++) {
        const char *p = params[c] ? params[c] : "()";
        for (int i = 0; i < 5 && *p && *p != ')'; i++) {
            while (*p == '(' || *p == ',' || *p == ' ')
                p++;
            size_t n = 0;
            while (p[n] && p[n] != ',' && p[n] != ')')
                n++;
            kinds[c][i] = (uint8_t)kind_of(p, n);
            p += n;
        }
    }
}

static uint64_t arg(uint64_t *s, enum kind k)
{
    uint64_t r = rnd(s), v = r >> 8;
    if ((r >> 62) == 0 || k == K_ANY)
        return any_arg(r);
    switch (k) {
    case K_CAP:
        return v % 3 == 0 ? EXO_CAP_SELF : v % 3 == 1 ? (v >> 2) % 4 : (v >> 2) % (EXO_NCAPS + 2);
    case K_PPN:
        return v % 4 ? scratch_ppn[(v >> 2) % SCRATCH_PAGES] : any_arg(r >> 4);
    case K_VA:
        return v % 4 ? SCRATCH_VA + (v >> 2) % SCRATCH_PAGES * EXO_PAGE
                     : SCRATCH_VA + (v >> 2) % (SCRATCH_PAGES * EXO_PAGE + 32) - 32;
    case K_PROT:
        return v % 4 ? (v >> 2) % 8 : (v >> 2) % 64;
    default:
        return v % 4 ? (v >> 2) % 16 : edges[(v >> 2) % N(edges)];
    }
}

/* Call j: its number and arguments, a pure function of j (and our pools); *s is the call's
 * stream, for fuzz_dev_args to go on drawing from. */
static uint64_t make_call(uint64_t j, uint64_t a[5], uint64_t *sp)
{
    uint64_t s = mix(FUZZ_SEED ^ mix(j + 1)), r = rnd(&s), n;
    n = (r & 63) == 0 ? wild_calls[(r >> 6) % N(wild_calls)] : (r >> 6) % (EXO_NCALLS + 2);
    for (int i = 0; i < 5; i++)
        a[i] = arg(&s, n < EXO_NCALLS ? (enum kind)kinds[n][i] : K_ANY);
    /* The mutations (see the top of the file). */
    if (n == EXO_CALL_env_destroy && a[0] == EXO_CAP_SELF && (r >> 20) % 1024)
        a[0] = 1 + (r >> 30) % (EXO_NCAPS + 3); /* suicide only 1 time in 1024 */
    if (n == EXO_CALL_upcall_set && a[0] && (r >> 20) % 64) {
        a[0] = (uint64_t)los_upcall_entry; /* a real handler on a real stack, mostly */
        a[1] = UPCALL_STACK_TOP;
    }
    if (n == EXO_CALL_syscall_reflect && a[0] && (r >> 20) % 64)
        a[0] = (uint64_t)fuzz_reflected; /* a handler that answers, mostly */
    if (n == EXO_CALL_cap_copy && a[0] == EXO_CAP_SELF && (r >> 20) % 1024)
        a[2] &= ~(uint64_t)EXO_RIGHT_DESTROY; /* nor through a copy of our own cap */
    if (n == EXO_CALL_cap_drop && a[0] == EXO_CAP_SELF && (r >> 20) % 1024)
        a[1] = EXO_CAP_SELF; /* keep our own table (devices, the server) mostly whole */
    if (n == EXO_CALL_env_limit && a[0] == EXO_CAP_SELF && (r >> 20) % 1024)
        a[1] = a[2] = EXO_ANY; /* and our env_create and env_thread mostly unbounded */
    if (n == EXO_CALL_env_stop && a[0] == EXO_CAP_SELF && (r >> 20) % 1024)
        a[1] = 0; /* stopping ourselves (nobody continues us) only 1 time in 1024 */
    if (n == EXO_CALL_page_reclaim && (r >> 40) % 4 == 0)
        a[2] = (r >> 42) % 8; /* deadlines that expire while we run */
    if (n == EXO_CALL_cons_write && a[0] < EXO_USER_TOP && a[1] - 1 < 4096) {
        /* Printable user memory would put noise on exo's console: point into holes no pool
         * can map instead (two cross from a mapped page into one that is not, or past the
         * top of the user half). */
        static const uint64_t holes[] = {GUARD_VA, GUARD_VA - 1, GUARD_VA + 0x800,
                                         GUARD_VA + EXO_PAGE - 1, EXO_USER_TOP - 1};
        a[0] = holes[(r >> 20) % N(holes)];
        if (a[1] < 2)
            a[1] = 2;
    }
    *sp = s;
    return n;
}

/* REVOKE: ignored (the abort protocol will take the page); other upcalls end the child. */
static int ignore(struct exo_upcall_state *s)
{
    (void)s;
    return 0;
}

/* The pool's pages as they are now: random calls free, reclaim and unmap them (most are gone
 * a few hundred calls into a batch), so every FUZZ_REFRESH calls a page missing from its
 * place is replaced by a new one, and one mapped there (ours, or a queue's) is what we use. */
static void refresh(void)
{
    for (int i = 0; i < SCRATCH_PAGES; i++) {
        uint64_t va = SCRATCH_VA + (uint64_t)i * EXO_PAGE;
        sh->steps++;
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
        if (pte == EXO_E_NOENT) {
            int64_t ppn = los_page_new(va, EXO_PROT_R | EXO_PROT_W);
            pte = ppn < 0 ? ppn : ppn << 12;
        }
        if (pte > 0)
            scratch_ppn[i] = (uint64_t)pte >> 12;
    }
}

static int child(uint64_t first)
{
    learn_kinds();
    los_upcall_handle(EXO_UPCALL_REVOKE, ignore);
    /* The setup makes some 40 exo calls: on a loaded host they can take longer than the
     * parent's SILENT_MS all together, so each one counts as a sign of life. */
    for (uint64_t va = UPCALL_STACK_TOP - 4 * EXO_PAGE; va < UPCALL_STACK_TOP; va += EXO_PAGE) {
        sh->steps++;
        if (los_page_new(va, EXO_PROT_R | EXO_PROT_W) < 0)
            return 1;
    }
    refresh();
    for (int i = 0; i < 2; i++) {
        sh->steps++;
        events[i] = (uint64_t)exo_event_create();
    }
    shared_ppn = (uint64_t)exo_page_lookup(EXO_CAP_SELF, SHARED_VA) >> 12;
    uint64_t end = first + FUZZ_BATCH < FUZZ_CALLS ? first + FUZZ_BATCH : FUZZ_CALLS;
    for (uint64_t j = first; j < end; j++) {
        if (j % FUZZ_REFRESH == 0)
            refresh();
        uint64_t a[5], s, n = make_call(j, a, &s);
        sh->next = j + 1; /* before: if this call ends us, the next child skips it */
        sh->steps++;
        fuzz_dev_args(n, a, &s); /* (may write a kick's chains: after the bump, too) */
        if (n == EXO_CALL_event_wait || n == EXO_CALL_event_wait_until)
            exo_event_post(a[0]); /* nobody else could wake us: post first */
        uint64_t k = n < EXO_NCALLS ? n : EXO_NCALLS;
        sh->made[k]++;
        int64_t r = exo_syscall(n, a[0], a[1], a[2], a[3], a[4]);
        sh->ok[k] += r >= 0;
        fuzz_dev_result(n, a, r);
        if (n == EXO_CALL_pct_call && r == fuzz_reply(a[1], a[2]))
            sh->ok[EXO_CALL_pct_return]++; /* the server's pct_return reached us */
    }
    return 0;
}

/* --- the server: a pct entry that answers, for the children to call ----------------------- */

/* The entry: runs on the server's pct stack as if called with (caller, a0, a1), and ends the
 * transfer with its reply (pct_return does not come back when it succeeds). */
static void serve(uint64_t caller, uint64_t a0, uint64_t a1)
{
    (void)caller;
    sh->served++;
    sh->made[EXO_CALL_pct_return]++;
    exo_pct_return((uint64_t)fuzz_reply(a0, a1));
    los_exit(2);
}

/* Registers the entry, then waits for ever on an event nobody posts: blocked, its context set
 * aside by each call, until the parent ends it with the batch. */
static int server(void)
{
    for (uint64_t va = PCT_STACK_TOP - 2 * EXO_PAGE; va < PCT_STACK_TOP; va += EXO_PAGE)
        if (los_page_new(va, EXO_PROT_R | EXO_PROT_W) < 0)
            return 1;
    int64_t ev = exo_event_create();
    if (ev < 0 || exo_pct_entry((uint64_t)serve, PCT_STACK_TOP) < 0)
        return 1;
    sh->ready = 1;
    for (;;)
        exo_event_wait((uint64_t)ev);
}

/* --- the parent: children, their watch, the summary ------------------------------------------ */

enum end { END_DONE, END_BLOCKED, END_SILENT };

/* Lets child c (whose first call is `first`) run until it ends; destroys it if it blocks or
 * stops making calls. A child silent before its first call is a stall: exo should always let a
 * child that set nothing odd up get that far, so the state of every env and CPU is asked for
 * (the boot test sends an NMI on this line, exo/debug.c) while the child is still there. */
static enum end watch(uint64_t c, uint64_t first)
{
    uint64_t ms = (uint64_t)exo_clock() / 1000, last = sh->steps, t = rdtsc(), blocked = 0;
    for (;;) {
        int64_t r = exo_yield(c);
        if (r == EXO_E_NOENT)
            return END_DONE; /* it ended: its capability no longer resolves */
        uint64_t now = rdtsc();
        if (r == EXO_E_BUSY) { /* blocked (event, transfer): let anyone run a while */
            if (!blocked)
                blocked = now;
            if (now - blocked > BLOCKED_MS * ms) {
                exo_env_destroy(c);
                return END_BLOCKED;
            }
            exo_yield(EXO_ANY);
            continue;
        }
        blocked = 0;
        if (sh->steps != last) {
            last = sh->steps;
            t = now;
        } else if (now - t > SILENT_MS * ms) {
            if (sh->next <= first) {
                los_printf("fuzz: child silent before its first call (%lu), %lu steps in: "
                           "exo state follows\n",
                           first, last);
                while (rdtsc() - now < 1000 * ms)
                    ;
            }
            exo_env_destroy(c);
            return END_SILENT;
        }
    }
}

/* Starts a prepared env with the shared page mapped. A batch's child (server >= 0) also gets
 * copies of the device and vector capabilities (BIND only) and of the server env's (CALL
 * only: it cannot end the server), its slot in sh->server. */
static int64_t spawn(const void *elf, uint64_t size, uint64_t shared, uint64_t arg, int64_t server)
{
    uint64_t entry, stack;
    int64_t c = los_spawn_prepare(elf, size, &entry, &stack);
    if (c < 0)
        return c;
    int64_t r = exo_page_map((uint64_t)c, SHARED_VA, shared, EXO_PROT_R | EXO_PROT_W);
    if (r == 0 && server >= 0) {
        r = exo_cap_copy(EXO_CAP_DEVS, (uint64_t)c, EXO_RIGHT_BIND);
        if (r >= 0)
            r = exo_cap_copy(EXO_CAP_IRQS, (uint64_t)c, EXO_RIGHT_BIND);
        if (r >= 0)
            r = exo_cap_copy((uint64_t)server, (uint64_t)c, EXO_RIGHT_CALL);
        if (r >= 0) {
            sh->server = (uint64_t)r;
            r = 0;
        }
    }
    if (r == 0)
        r = exo_env_start((uint64_t)c, entry, stack, arg);
    if (r < 0) {
        exo_env_destroy((uint64_t)c);
        return r;
    }
    return c;
}

/* A server for one batch, once its entry is registered (it is then blocked for good). */
static int64_t start_server(const void *elf, uint64_t size, uint64_t shared)
{
    sh->ready = 0;
    int64_t s = spawn(elf, size, shared, SERVER_ARG, -1);
    uint64_t ms = (uint64_t)exo_clock() / 1000, t = rdtsc();
    while (s >= 0 && !sh->ready) {
        int64_t r = exo_yield((uint64_t)s);
        if (r == EXO_E_NOENT || rdtsc() - t > SILENT_MS * ms) {
            exo_env_destroy((uint64_t)s);
            return r == EXO_E_NOENT ? r : EXO_E_BUSY;
        }
        if (r == EXO_E_BUSY)
            exo_yield(EXO_ANY);
    }
    return s;
}

/* What vio_info says of devices 0, 1, ... (exo numbers them in bus order) for the children. */
static void find_devices(void)
{
    struct exo_vio_info info;
    uint64_t d = 0;
    for (; d < FUZZ_DEVS; d++) {
        int64_t r = exo_vio_info(d, (uint64_t)&info);
        if (r == EXO_E_NOENT)
            break;
        sh->type[d] = r == 0 ? info.type : 0;
        sh->nqueues[d] = r == 0 ? info.nqueues : 1;
        sh->offered[d] = r == 0 ? info.offered : 0;
        if (r == 0)
            los_printf("fuzz: dev %lu: type %u, %u queues\n", d, info.type, info.nqueues);
        else
            los_printf("fuzz: dev %lu: vio_info %ld (exo's own)\n", d, (long)r);
    }
    sh->ndevs = d;
}

static const char *const names[EXO_NCALLS] = {
#define EXO_CALL(num, name, nargs, p, doc) [num] = #name,
#include <exo/syscalls.def>
#undef EXO_CALL
};

/* How deep the run went: per call, made and succeeded; per device, vio_* calls naming it. */
static void report(void)
{
    for (int k = 0; k < EXO_NCALLS; k++)
        if (names[k]) /* numbers without a call yet (branches fill them) are "no such call" */
            los_printf("fuzz: call %d %s made %lu ok %lu\n", k, names[k], sh->made[k], sh->ok[k]);
    los_printf("fuzz: no such call made %lu ok %lu\n", sh->made[EXO_NCALLS], sh->ok[EXO_NCALLS]);
    for (uint64_t d = 0; d < sh->ndevs; d++)
        los_printf("fuzz: dev %lu%s: vio calls made %lu ok %lu refused not with EXO_E_PERM %lu\n",
                   d, sh->type[d] ? "" : " (exo's own)", sh->dev_made[d], sh->dev_ok[d],
                   sh->dev_other[d]);
    los_printf("fuzz: pct: %lu calls served\n", sh->served);
    los_printf("fuzz: vio_kick: %lu chains submitted\n", sh->chains);
}

static int parent(void)
{
    const void *elf;
    uint64_t size;
    int64_t shared = los_page_new(SHARED_VA, EXO_PROT_R | EXO_PROT_W);
    int r = los_archive_find("fuzz", &elf, &size);
    if (shared < 0 || r < 0) {
        los_printf("fuzz: cannot set up: %ld %d\n", (long)shared, r);
        return 1;
    }
    los_printf("fuzz: seed 0x%lx, %lu calls in child envs of %lu calls each\n", FUZZ_SEED,
               FUZZ_CALLS, FUZZ_BATCH);
    find_devices();
    uint64_t next = 0, children = 0, early = 0, blocked = 0, silent = 0, stalls = 0, stalled = 0;
    uint64_t t0 = rdtsc();
    while (next < FUZZ_CALLS) {
        int64_t srv = start_server(elf, size, (uint64_t)shared);
        if (srv < 0) {
            los_printf("fuzz: cannot start a server at call %lu: %ld\n", next, (long)srv);
            return 1;
        }
        sh->next = next;
        sh->steps = 0;
        int64_t c = spawn(elf, size, (uint64_t)shared, next + 1, srv);
        if (c < 0) {
            los_printf("fuzz: cannot start a child at call %lu: %ld\n", next, (long)c);
            return 1;
        }
        children++;
        enum end how = watch((uint64_t)c, next);
        exo_env_destroy((uint64_t)srv);
        uint64_t end = next + FUZZ_BATCH < FUZZ_CALLS ? next + FUZZ_BATCH : FUZZ_CALLS;
        blocked += how == END_BLOCKED;
        silent += how == END_SILENT;
        early += sh->next < end;
        /* No call made at all: more than ten of those in a row mean exo is stuck, not a child. */
        stalls = sh->next <= next ? stalls + 1 : 0;
        stalled += stalls != 0;
        if (stalls > 10) {
            los_printf("fuzz: children make no progress at call %lu\n", next);
            return 1;
        }
        next = sh->next > next ? sh->next : next;
    }
    uint64_t ms = (rdtsc() - t0) / ((uint64_t)exo_clock() / 1000);
    los_printf("fuzz: %lu children ended early (%lu blocked, %lu silent, the rest ended by a "
               "call); %lu made no call\n",
               early, blocked, silent, stalled);
    report();
    if (sh->ok[EXO_NCALLS]) {
        los_printf("fuzz: %lu calls with no such number succeeded\n", sh->ok[EXO_NCALLS]);
        return 1;
    }
    los_printf("fuzz: %lu ms, %lu calls/s\n", ms, ms ? next * 1000 / ms : 0);
    los_printf("fuzz: %lu calls, %lu children, 0 kernel panics\n", next, children);
    return 0;
}

int main(uint64_t arg0, uint64_t unused)
{
    (void)unused;
    return arg0 == SERVER_ARG ? server() : arg0 ? child(arg0 - 1) : parent();
}
