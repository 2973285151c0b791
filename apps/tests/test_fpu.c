/*
 * test_fpu.c: the envs' x87/SSE/AVX state. A new env starts with the clean default, not with
 * what another env left in the CPU; two envs' registers survive directed yields and slice
 * preemption bit for bit; and the libOS's upcall entry keeps the interrupted context's
 * registers from a handler that changes them all (and lets a handler change them: an x87
 * exception arrives as a #MF upcall and is cleared in the saved image). The registers are
 * loaded and stored by fpu_regs.S; between the two only code built without vector registers
 * runs (hold()).
 */
#include "exotest.h"

#include <stddef.h>

#define FPU_SHARED_VA 0x00006ffc00000000ull /* a page the test shares with the env it starts */
#define YIELDS 100 /* directed yields each env makes while holding its values */
#define SWITCHES 3 /* times each sees the other's counter move while it computes */
#define DEADLINE_S 20

struct fpu_regs { /* fpu_regs.S hard-codes the offsets */
    uint8_t xmm[16][16];
    uint8_t ymm_hi[16][16]; /* bits 255:128 of ymm0-15 (with AVX) */
    uint8_t st[8][16];      /* st(0)..st(7): 10 bytes each */
    uint32_t mxcsr;
    uint16_t fcw, fsw, ftw; /* fsw and ftw: stored only (ftw: the full tag word) */
    uint16_t pad;
    uint32_t avx;           /* fpu_birth_entry: store the upper halves too */
    volatile uint32_t done; /* fpu_birth_entry: the record is written */
    uint8_t fnstenv[28];
};
_Static_assert(offsetof(struct fpu_regs, mxcsr) == 640, "fpu_regs.S layout");
_Static_assert(offsetof(struct fpu_regs, ftw) == 648, "fpu_regs.S layout");
_Static_assert(offsetof(struct fpu_regs, done) == 656, "fpu_regs.S layout");
_Static_assert(offsetof(struct fpu_regs, fnstenv) == 660, "fpu_regs.S layout");

void fpu_regs_load(const struct fpu_regs *r, int avx);
void fpu_regs_store(struct fpu_regs *r, int avx);
void fpu_birth_entry(void);
void fpu_partner_entry(void);

/* One env's part: the values it loads, what it finds at the end, and its progress. */
struct hold {
    struct fpu_regs in, out;
    uint64_t yield_to; /* its slot for the other env */
    uint64_t yields, yield_errors;
    volatile uint64_t count;     /* bumped while it computes */
    volatile uint64_t satisfied; /* it saw the other's count move SWITCHES times */
    volatile uint64_t done;      /* out is written */
};

struct shared {
    struct hold h[2]; /* the test's env, the partner */
    uint64_t deadline;
    uint64_t avx;
};

#define GR_ONLY __attribute__((target("general-regs-only")))

static inline GR_ONLY uint64_t gr_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static inline GR_ONLY int64_t gr_yield(uint64_t env)
{
    int64_t r;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"((uint64_t)EXO_CALL_yield), "D"(env)
                     : "rcx", "r11", "memory");
    return r;
}

/* Loads me->in, makes me->yields directed yields, then computes until it has seen `theirs`
 * move SWITCHES times (each move: the CPU was taken from us) and the other side is satisfied
 * too, or the deadline passes; then stores what the registers hold into me->out. Built
 * without vector registers: nothing between the load and the store touches them but exo. */
static GR_ONLY __attribute__((noinline)) void hold(struct hold *me, const volatile uint64_t *theirs,
                                                   const volatile uint64_t *their_satisfied,
                                                   uint64_t deadline, int avx)
{
    fpu_regs_load(&me->in, avx);
    for (uint64_t i = 0; i < me->yields; i++)
        if (gr_yield(me->yield_to) < 0)
            me->yield_errors++;
    uint64_t last = *theirs, seen = 0;
    while (gr_rdtsc() < deadline) {
        me->count++;
        if (*theirs != last) {
            last = *theirs;
            seen++;
        }
        if (seen >= SWITCHES)
            me->satisfied = 1;
        if (me->satisfied && *their_satisfied)
            break;
    }
    fpu_regs_store(&me->out, avx);
}

static int avx_enabled(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!(c & 1u << 27)) /* OSXSAVE */
        return 0;
    __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
    return (a & 6) == 6; /* SSE and AVX state in XCR0 */
}

static uint64_t next(uint64_t *x)
{
    *x = *x * 6364136223846793005ull + 1442695040888963407ull;
    return *x;
}

/* Values no other seed gives: every vector byte, eight normal 80-bit x87 numbers, and control
 * words that are not the defaults (rounding, precision, sticky flags). */
static void fill(struct fpu_regs *r, uint64_t seed)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ull;
    *r = (struct fpu_regs){0};
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            r->xmm[i][j] = (uint8_t)(next(&x) >> 56);
            r->ymm_hi[i][j] = (uint8_t)(next(&x) >> 56);
        }
    for (int i = 0; i < 8; i++) {
        uint64_t mant = next(&x) | 1ull << 63; /* explicit integer bit: a normal number */
        uint16_t exp = (uint16_t)((0x3fff + 8 * i - 32) | (seed & 1 ? 0x8000 : 0));
        for (int j = 0; j < 8; j++)
            r->st[i][j] = (uint8_t)(mant >> 8 * j);
        r->st[i][8] = (uint8_t)exp;
        r->st[i][9] = (uint8_t)(exp >> 8);
    }
    r->mxcsr = seed & 1 ? 0xff81 : 0x3f84; /* FTZ, truncate, IE / round down, ZE */
    r->fcw = seed & 1 ? 0x0e7f : 0x047f;   /* truncate, 53-bit / round down, 24-bit */
}

/* got == want, register by register; prints the first difference. */
static int same(const char *who, const struct fpu_regs *want, const struct fpu_regs *got, int avx)
{
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            if (got->xmm[i][j] != want->xmm[i][j]) {
                los_printf("    %s: xmm%d byte %d: 0x%02x, not 0x%02x\n", who, i, j, got->xmm[i][j],
                           want->xmm[i][j]);
                return 1;
            }
            if (avx && got->ymm_hi[i][j] != want->ymm_hi[i][j]) {
                los_printf("    %s: ymm%d byte %d: 0x%02x, not 0x%02x\n", who, i, 16 + j,
                           got->ymm_hi[i][j], want->ymm_hi[i][j]);
                return 1;
            }
        }
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 10; j++)
            if (got->st[i][j] != want->st[i][j]) {
                los_printf("    %s: st(%d) byte %d: 0x%02x, not 0x%02x\n", who, i, j, got->st[i][j],
                           want->st[i][j]);
                return 1;
            }
    CHECK_EQ(got->mxcsr, want->mxcsr);
    CHECK_EQ(got->fcw, want->fcw);
    return 0;
}

/* The page at FPU_SHARED_VA in us and in child (a fresh env from los_spawn_prepare). */
static int64_t share_page(int64_t child)
{
    int64_t ppn = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    if (ppn < 0)
        return ppn;
    int64_t r =
        exo_page_map((uint64_t)child, FPU_SHARED_VA, (uint64_t)ppn, EXO_PROT_R | EXO_PROT_W);
    if (r == 0)
        r = exo_page_map(EXO_CAP_SELF, FPU_SHARED_VA, (uint64_t)ppn, EXO_PROT_R | EXO_PROT_W);
    return r;
}

/* A fresh env of this program, not started; *stack: its stack top. */
static int64_t new_env(uint64_t *stack)
{
    const void *elf;
    uint64_t size, entry;
    int64_t r = los_archive_find("exotest", &elf, &size);
    return r < 0 ? r : los_spawn_prepare(elf, size, &entry, stack);
}

static struct hold self_hold; /* the test's own values while it waits for the child */

/* Holds self_hold.in in the registers while yielding to child until *flag is set. */
static GR_ONLY __attribute__((noinline)) void
hold_until(uint64_t child, const volatile uint32_t *flag, uint64_t deadline, int avx)
{
    fpu_regs_load(&self_hold.in, avx);
    while (!*flag && gr_rdtsc() < deadline)
        gr_yield(child);
    fpu_regs_store(&self_hold.out, avx);
}

EXOTEST(fpu_new_env_starts_clean)
{
    int avx = avx_enabled();
    uint64_t stack;
    int64_t child = new_env(&stack);
    CHECK(child > 0);
    CHECK_EQ(share_page(child), 0);
    struct fpu_regs *rec = (struct fpu_regs *)FPU_SHARED_VA;
    for (size_t i = 0; i < sizeof *rec; i++)
        ((volatile uint8_t *)rec)[i] = 0xa5; /* every field the child stores must change */
    rec->avx = (uint32_t)avx;
    rec->done = 0;
    /* While it starts, our registers hold values of our own: on this CPU, the child finds
     * them in the registers unless exo gives it its own clean state. */
    fill(&self_hold.in, 11);
    CHECK_EQ(exo_env_start((uint64_t)child, (uint64_t)fpu_birth_entry, stack, FPU_SHARED_VA), 0);
    hold_until((uint64_t)child, &rec->done,
               __builtin_ia32_rdtsc() + DEADLINE_S * (uint64_t)exo_clock(), avx);
    CHECK_EQ(exo_env_destroy((uint64_t)child), 0);
    CHECK_EQ(rec->done, 1);
    CHECK_EQ(rec->mxcsr, 0x1f80);
    CHECK_EQ(rec->fcw, 0x037f);
    CHECK_EQ(rec->fsw, 0);
    CHECK_EQ(rec->ftw, 0xffff); /* all eight x87 registers empty */
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            CHECK_EQ(rec->xmm[i][j], 0);
            if (avx)
                CHECK_EQ(rec->ymm_hi[i][j], 0);
        }
    return same("test env", &self_hold.in, &self_hold.out, avx);
}

void fpu_partner(struct shared *sh);
void fpu_partner(struct shared *sh)
{
    hold(&sh->h[1], &sh->h[0].count, &sh->h[0].satisfied, sh->deadline, (int)sh->avx);
    sh->h[1].done = 1;
    exo_env_destroy(EXO_CAP_SELF);
}

EXOTEST(fpu_state_survives_env_switches)
{
    int avx = avx_enabled();
    uint64_t stack;
    int64_t child = new_env(&stack);
    CHECK(child > 0);
    CHECK_EQ(share_page(child), 0);
    int64_t us = exo_cap_copy(EXO_CAP_SELF, (uint64_t)child, EXO_RIGHT_RUN);
    CHECK(us > 0);
    struct shared *sh = (struct shared *)FPU_SHARED_VA;
    *sh = (struct shared){.deadline = __builtin_ia32_rdtsc() + DEADLINE_S * (uint64_t)exo_clock(),
                          .avx = (uint64_t)avx};
    fill(&sh->h[0].in, 1);
    fill(&sh->h[1].in, 2);
    sh->h[0].yield_to = (uint64_t)child;
    sh->h[1].yield_to = (uint64_t)us;
    sh->h[0].yields = sh->h[1].yields = YIELDS;
    CHECK_EQ(exo_env_start((uint64_t)child, (uint64_t)fpu_partner_entry, stack, FPU_SHARED_VA), 0);
    hold(&sh->h[0], &sh->h[1].count, &sh->h[1].satisfied, sh->deadline, avx);
    los_wait((uint64_t)child); /* it ends itself once its registers are stored */
    CHECK_EQ(sh->h[1].done, 1);
    CHECK_EQ(sh->h[0].satisfied, 1); /* each was preempted, the other ran, SWITCHES times */
    CHECK_EQ(sh->h[1].satisfied, 1);
    CHECK_EQ(sh->h[0].yield_errors, 0);
    CHECK_EQ(sh->h[1].yield_errors, 0);
    if (same("test env", &sh->h[0].in, &sh->h[0].out, avx))
        return 1;
    return same("partner", &sh->h[1].in, &sh->h[1].out, avx);
}

static struct fpu_regs junk;
static int junk_avx;
static volatile uint64_t slice_upcalls;
static const volatile uint64_t always = 1;

/* A slice handler that changes every register the test holds (and returns to resume). */
static int clobber_on_slice(struct exo_upcall_state *s)
{
    (void)s;
    fpu_regs_load(&junk, junk_avx);
    slice_upcalls++;
    return 0;
}

EXOTEST(fpu_state_survives_upcall_handlers)
{
    int avx = avx_enabled();
    CHECK_EQ(los_upcall_init(), 0);
    fill(&junk, 3);
    junk_avx = avx;
    los_upcall_handle(EXO_UPCALL_SLICE, clobber_on_slice);
    fill(&self_hold.in, 4);
    self_hold.yields = 0;
    hold(&self_hold, &slice_upcalls, &always,
         __builtin_ia32_rdtsc() + DEADLINE_S * (uint64_t)exo_clock(), avx);
    los_upcall_handle(EXO_UPCALL_SLICE, NULL);
    CHECK_EQ(self_hold.satisfied, 1); /* SWITCHES slice upcalls ran while we held the values */
    CHECK(slice_upcalls >= SWITCHES);
    return same("upcall", &self_hold.in, &self_hold.out, avx);
}

static volatile uint64_t mf_faults, mf_vector;
static volatile uint16_t mf_fsw; /* the interrupted context's x87 status, as the entry saved it */

/* An x87 exception: note it, then clear the interrupted context's exception flags and mask
 * every x87 exception, through the image the upcall entry saved; the fwait runs again. */
static int clear_x87_exception(struct exo_upcall_state *s)
{
    if (s->kind != EXO_UPCALL_FAULT || s->vector != 16)
        return 1;
    mf_faults++;
    mf_vector = s->vector;
    uint8_t *image = los_upcall_fpu(s);
    uint16_t *fcw = (uint16_t *)image, *fsw = (uint16_t *)(image + 2); /* legacy area */
    mf_fsw = *fsw;
    *fsw &= 0x3800; /* keep TOP; clear the flags, ES and B */
    *fcw |= 0x3f;
    return 0;
}

EXOTEST(fpu_x87_exception_is_a_fault_upcall)
{
    CHECK_EQ(los_upcall_init(), 0);
    los_upcall_handle(EXO_UPCALL_FAULT, clear_x87_exception);
    const uint16_t unmasked = 0x037b; /* FNINIT's control word with divide-by-zero unmasked */
    uint16_t fsw_after;
    __asm__ volatile("fninit\n\t"
                     "fldcw %[cw]\n\t"
                     "fld1\n\t"
                     "fldz\n\t"
                     "fdivrp\n\t" /* 1 / 0: ZE pending */
                     "fwait\n\t"  /* #MF (CR0.NE); runs again once the handler cleared it */
                     "fnstsw %[sw]\n\t"
                     "fninit"
                     : [sw] "=m"(fsw_after)
                     : [cw] "m"(unmasked)
                     : "memory");
    CHECK_EQ(mf_faults, 1);
    CHECK_EQ(mf_vector, 16);           /* #MF, not the legacy IRQ 13 */
    CHECK_EQ(mf_fsw & 0x80ff, 0x8084); /* B, ES and ZE: divide-by-zero */
    CHECK_EQ(fsw_after & 0x80ff, 0);   /* the handler's change took effect at the resume */
    return 0;
}
