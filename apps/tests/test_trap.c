/*
 * test_trap.c: exception vectors that arrive some other way than as the exception: as an
 * interrupt (a device message or IPI with that vector, which QEMU delivers, docs/status.md) or
 * as a ring-3 `int n`. exo's entry stubs must not misread either frame, and the env must see
 * only what really happened to it.
 */
#include "exotest.h"

static volatile uint64_t faults, fault_vector, fault_error;

/* A fault upcall: recorded; `int n` (2 bytes: cd ib) is stepped over, anything else ends us. */
static int step_over_int(struct exo_upcall_state *s)
{
    faults++;
    fault_vector = s->vector;
    fault_error = s->error;
    const uint8_t *op = (const uint8_t *)s->regs.rip;
    if (op[0] != 0xcd)
        return 1;
    s->regs.rip += 2;
    return 0;
}

/* Every exception vector but 0 raised as an interrupt while this env runs (exo's test-only
 * self-IPI: it arrives the moment the call returns to ring 3). The ones whose exception pushes
 * an error code (8, 10-14, 17, 21, 29, 30) come without one: read as an exception frame, the
 * return address would be taken for the error code and CS for the return address. Each must
 * be dropped: no fault upcall, the env resumes exactly where it was. The call's result is how
 * many exo dropped before it, so each next call shows the previous one arrived. Vector 0 is
 * left out: QEMU's APIC never delivers it (boot test exo.boot.stray-vectors). */
EXOTEST(exception_vectors_as_interrupts_are_dropped)
{
    CHECK_EQ(los_upcall_init(), 0);
    los_upcall_handle(EXO_UPCALL_FAULT, step_over_int);
    int64_t seen[33];
    uint64_t sum = 0;
    for (uint64_t v = 1; v < 32; v++) {
        seen[v] = exo_irq_bind(v | EXO_IRQ_TEST_IPI, EXO_ANY);
        CHECK(seen[v] >= 0);
        sum = sum * 31 + v; /* live in registers across the interrupt */
    }
    seen[32] = exo_irq_bind(1 | EXO_IRQ_TEST_IPI, EXO_ANY); /* shows vector 31 arrived */
    for (uint64_t v = 1; v < 32; v++)
        CHECK_EQ(seen[v + 1], seen[v] + 1);
    uint64_t want = 0;
    for (uint64_t v = 1; v < 32; v++)
        want = want * 31 + v;
    CHECK_EQ(sum, want);
    CHECK_EQ(faults, 0);
    CHECK_EQ(los_upcall_state()->in_upcall, 0);
    /* Not with an event, nor without the flag: exception vectors are never bindable. */
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    CHECK_EQ(exo_irq_bind(13 | EXO_IRQ_TEST_IPI, (uint64_t)ev), EXO_E_RANGE);
    CHECK_EQ(exo_irq_bind(13, EXO_ANY), EXO_E_RANGE);
    CHECK_EQ(exo_irq_bind(13 | EXO_IRQ_TEST_IPI | EXO_IRQ_UNBIND, EXO_ANY), EXO_E_RANGE);
    return 0;
}

#define RESULT_VA 0x0000520000000000ull /* the test's page, shared with its child */

/* Reports what raising an exception vector does in an env holding no interrupt capability. */
static void child_raise_without_cap(uint64_t unused)
{
    (void)unused;
    *(volatile int64_t *)RESULT_VA = exo_irq_bind(13 | EXO_IRQ_TEST_IPI, EXO_ANY);
    los_exit(0);
}

EXOTEST(exception_vector_raise_needs_cap_irq)
{
    int64_t ppn = los_page_new(RESULT_VA, EXO_PROT_R | EXO_PROT_W);
    CHECK(ppn > 0);
    *(volatile int64_t *)RESULT_VA = 1;
    const void *elf;
    uint64_t size, entry, stack;
    CHECK_EQ(los_archive_find("exotest", &elf, &size), 0);
    int64_t c = los_spawn_prepare(elf, size, &entry, &stack);
    CHECK(c > 0);
    CHECK_EQ(exo_page_map((uint64_t)c, RESULT_VA, (uint64_t)ppn, EXO_PROT_R | EXO_PROT_W), 0);
    CHECK_EQ(exo_env_start((uint64_t)c, (uint64_t)child_raise_without_cap, (stack & ~15ull) - 8, 0),
             0);
    los_wait((uint64_t)c);
    CHECK_EQ(*(volatile int64_t *)RESULT_VA, EXO_E_PERM);
    return 0;
}

/* `int n` from ring 3 on a vector whose exception pushes an error code: every gate has DPL 0,
 * so the CPU raises #GP instead, with the error code naming the gate: n * 8 + 2 (index, IDT
 * bit) as the SDM says, n * 16 + 2 under QEMU's TCG (it scales by the 16-byte gate size). The
 * env sees exactly that #GP, and resumes after the instruction. */
EXOTEST(int_n_from_ring3_is_a_gp)
{
    CHECK_EQ(los_upcall_init(), 0);
    los_upcall_handle(EXO_UPCALL_FAULT, step_over_int);
#define INT_N(n)                                                                                   \
    do {                                                                                           \
        uint64_t before = faults;                                                                  \
        __asm__ volatile(".byte 0xcd, " #n ::: "memory"); /* int n (gas makes int $3 int3) */      \
        CHECK_EQ(faults, before + 1);                                                              \
        CHECK_EQ(fault_vector, 13);                                                                \
        CHECK(fault_error == (n)*8 + 2 || fault_error == (n)*16 + 2);                              \
    } while (0)
    INT_N(8);
    INT_N(10);
    INT_N(11);
    INT_N(12);
    INT_N(13);
    INT_N(14);
    INT_N(17);
    INT_N(21);
    INT_N(29);
    INT_N(30);
    INT_N(3);  /* no error code of its own: still a #GP (DPL 0), not a breakpoint */
    INT_N(48); /* a device vector */
#undef INT_N
    CHECK_EQ(faults, 12);
    return 0;
}
