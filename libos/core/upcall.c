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

void los_upcall_handle(uint64_t kind, los_upcall_fn fn)
{
    if (kind < sizeof handlers / sizeof handlers[0])
        handlers[kind] = fn;
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

/* Called by los_upcall_entry; returns the state page to resume from, or ends the env. */
struct exo_upcall_state *los_upcall_dispatch(struct exo_upcall_state *s);
struct exo_upcall_state *los_upcall_dispatch(struct exo_upcall_state *s)
{
    los_upcall_fn fn = s->kind < sizeof handlers / sizeof handlers[0] ? handlers[s->kind] : NULL;
    int resume = (s->kind == EXO_UPCALL_FAULT && los_cow_fault(s)) ||  /* copied: retry */
                 (s->kind == EXO_UPCALL_FAULT && pager && pager(s)) || /* paged in: retry */
                 los_uaccess_fixup(s) || /* a caller's bad pointer: the copy returns -EFAULT */
                 (fn ? fn(s) == 0 : s->kind == EXO_UPCALL_SLICE); /* a slice needs no handler */
    if (resume) {
        if (room)
            room(s->regs.rsp - LOS_UPCALL_RESUME_SKIP);
        los_cow_resume_room(s->regs.rsp - LOS_UPCALL_RESUME_SKIP);
        return s;
    }
    los_printf("los: env %ld: unhandled upcall kind %lu vector %lu addr 0x%lx at rip 0x%lx\n",
               (long)exo_env_self(), s->kind, s->vector, s->addr, s->regs.rip);
    los_exit(1);
}
