/*
 * upcall.c: the libOS side of upcalls (see upcall.h): one handler per cause, chosen by the
 * program. exo only delivers; what a fault means is decided here.
 */
#include <los/cow.h>
#include <los/los.h>
#include <los/spawn.h>
#include <los/uaccess.h>
#include <los/upcall.h>

#include <stddef.h>

#define STACK_PAGES 8

/* upcall_entry.S hard-codes these offsets. */
_Static_assert(offsetof(struct exo_upcall_state, regs) == 40, "state page layout");
_Static_assert(offsetof(struct exo_regs, rsp) == 17 * 8, "register layout");

void los_upcall_entry(void);
static los_upcall_fn handlers[LOS_UPCALL_KINDS];
static int (*pager)(struct exo_upcall_state *s);
static void (*room)(uint64_t rsp);
static int (*lost)(struct exo_upcall_state *s);

/* How upcall_entry.S saves the interrupted context's extended state: XSAVE of the components
 * in mask (XCR0), or FXSAVE if mask is 0; size bytes of the upcall stack (at least the legacy
 * area and the XSAVE header it zeroes). Where an upcall saved it: its state page's last word. */
uint64_t los_upcall_fpu_mask, los_upcall_fpu_size = 576;

_Static_assert(sizeof(struct exo_upcall_state) <= LOS_UPCALL_FPU_SLOT, "the slot is past exo's");

void *los_upcall_fpu(const struct exo_upcall_state *s)
{
    return *(void *const *)((const uint8_t *)s + LOS_UPCALL_FPU_SLOT);
}

static void fpu_probe(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!(c & 1u << 27)) /* OSXSAVE: exo has not enabled XSAVE */
        return;
    __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
    los_upcall_fpu_mask = (uint64_t)d << 32 | a;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
    if (b > los_upcall_fpu_size) /* ebx: the size XCR0's components need */
        los_upcall_fpu_size = b;
}

struct exo_upcall_state *los_upcall_state(void)
{
    return (struct exo_upcall_state *)LOS_UPCALL_STATE_VA;
}

los_upcall_fn los_upcall_handle(uint64_t kind, los_upcall_fn fn)
{
    if (kind >= sizeof handlers / sizeof handlers[0])
        return NULL;
    los_upcall_fn old = handlers[kind];
    handlers[kind] = fn;
    return old;
}

void los_upcall_pager(int (*fn)(struct exo_upcall_state *s))
{
    pager = fn;
}

int los_upcall_register(void)
{
    int64_t r =
        exo_upcall_set((uint64_t)los_upcall_entry, LOS_UPCALL_STACK_TOP, LOS_UPCALL_STATE_VA);
    return r < 0 ? (int)r : 0;
}

void los_upcall_room(void (*fn)(uint64_t rsp))
{
    room = fn;
}

void los_upcall_lost(int (*fn)(struct exo_upcall_state *s))
{
    lost = fn;
}

int los_upcall_init_at(uint64_t state_va, uint64_t stack_top)
{
    fpu_probe();
    int64_t r = los_page_new(state_va, EXO_PROT_R | EXO_PROT_W);
    for (uint64_t i = 1; r >= 0 && i <= STACK_PAGES; i++)
        r = los_page_new(stack_top - i * EXO_PAGE, EXO_PROT_R | EXO_PROT_W);
    if (r >= 0)
        r = exo_upcall_set((uint64_t)los_upcall_entry, stack_top, state_va);
    return r < 0 ? (int)r : 0;
}

int los_upcall_init(void)
{
    return los_upcall_init_at(LOS_UPCALL_STATE_VA, LOS_UPCALL_STACK_TOP);
}

/* Is every page of [lo, hi) mapped writable? */
static int resume_writable(uint64_t lo, uint64_t hi)
{
    if (hi < lo || hi > EXO_USER_TOP)
        return 0; /* an rsp so low the words would wrap past 0, or not a user address */
    for (uint64_t va = lo & ~(EXO_PAGE - 1); va < hi; va += EXO_PAGE) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
        if (pte < 0 || !(pte & EXO_PROT_W))
            return 0;
    }
    return 1;
}

/* Called by los_upcall_entry; returns the state page to resume from, or ends the env. */
struct exo_upcall_state *los_upcall_dispatch(struct exo_upcall_state *s);
struct exo_upcall_state *los_upcall_dispatch(struct exo_upcall_state *s)
{
    los_upcall_fn fn = s->kind < sizeof handlers / sizeof handlers[0] ? handlers[s->kind] : NULL;
    int resume = (s->kind == EXO_UPCALL_FAULT && los_cow_fault(s)) ||  /* copied: retry */
                 (s->kind == EXO_UPCALL_FAULT && pager && pager(s)) || /* paged in: retry */
                 los_uaccess_fixup(s) || /* a caller's bad pointer: the copy returns -EFAULT */
                 (fn ? fn(s) == 0 : s->kind == EXO_UPCALL_SLICE); /* a slice needs no handler */
    for (int tries = 0; resume; tries++) {
        uint64_t top = s->regs.rsp - LOS_UPCALL_RESUME_SKIP;
        if (room)
            room(top);
        /* What los_upcall_resume pops: written here, the page made private first, under the
         * copy-on-write lock once the process has threads (one of them may fork meanwhile);
         * not for a thread still starting, whose creator holds the lock for it (los_clone). */
        int lock = los_process_slot != EXO_CAP_SELF && (uint64_t)s != los_cow_unlocked_state;
        if (lock)
            los_cow_lock();
        los_cow_resume_room(top);
        uint64_t *w = (uint64_t *)top - 3;
        /* A page the words cannot go to (a guard, PROT_NONE, no memory, rsp 0 after a forged
         * sigreturn): the context faults as on Linux (lost: SIGSEGV, to a handler on its
         * alternate stack, whose context is then resumed instead, or the end of the process),
         * or the thread ends at the first store, as a push would: with the lock given back
         * first. Checked where a context's rsp may be anything (the libOS's own upcalls, a
         * slice) or the lock must not be left held; not at every fault (demand paging's). */
        if ((lock || s->kind == LOS_UPCALL_SELF || s->kind == EXO_UPCALL_SLICE || tries) &&
            !resume_writable((uint64_t)w, top)) {
            if (lock)
                los_cow_unlock(), lock = 0;
            if (lost && !tries && lost(s))
                continue; /* a handler's context now: its words, checked again */
        }
        w[0] = s->regs.rdi;
        w[1] = s->regs.rflags;
        w[2] = s->regs.rip;
        if (lock)
            los_cow_unlock();
        return s;
    }
    los_printf("los: env %ld: unhandled upcall kind %lu vector %lu addr 0x%lx at rip 0x%lx\n",
               (long)exo_env_self(), s->kind, s->vector, s->addr, s->regs.rip);
    los_exit(1);
}
