/*
 * selftest.c: deliberate faults for the exception tests (see selftest.h). Each lives in its own
 * non-inlined function that calls out first, so it has a stack frame (gcc gives stack-free leaf
 * functions none) and the backtrace shows it and its callers by name.
 */
#include <common/cmdline.h>
#include <exo/console.h>
#include <common/string.h>
#include <exo/lapic.h>
#include <exo/selftest.h>
#include <exo/trap.h>
#include <exo/x86.h>

#include <stdint.h>

__attribute__((noinline)) static void announce(const char *what)
{
    kprintf("exo: selftest: provoking %s\n", what);
}

__attribute__((noinline)) static void selftest_ud(void)
{
    announce("ud");
    __asm__ volatile("ud2");
}

__attribute__((noinline)) static void selftest_pf(void)
{
    announce("pf");
    *(volatile uint64_t *)0xdead000ull = 1; /* the lower half is unmapped in exo */
}

__attribute__((noinline)) static void selftest_de(void)
{
    announce("de");
    volatile int zero = 0;
    volatile int r = 1 / zero;
    (void)r;
}

__attribute__((noinline)) static void selftest_bp(void)
{
    announce("bp");
    __asm__ volatile("int3");
}

/* Recurses into the guard page under the boot stack; the #PF cannot be pushed there, so the
 * CPU raises #DF, which runs on its own IST stack. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion" /* that is the point */
__attribute__((noinline)) static uint64_t selftest_stack(uint64_t depth)
{
    volatile uint8_t pad[256];
    pad[0] = (uint8_t)depth;
    return selftest_stack(depth + 1) + pad[0];
}
#pragma GCC diagnostic pop

/* Not a fault: raises each exception vector as an interrupt (a self-IPI, as a forged device
 * message would) in exo with interrupts on, as in its idle loop. Each must be dropped (trap.c)
 * with the frame read right; a misread one would swapgs into the wrong GS base and return
 * through a wrong iretq frame. Boot then goes on. */
static void selftest_strayvec(void)
{
    uint64_t rflags;
    __asm__ volatile("pushfq; popq %0" : "=r"(rflags));
    cli();
    unsigned dropped = 0;
    uint32_t missed = 0;
    for (unsigned v = 0; v < 32; v++) {
        uint64_t before = __atomic_load_n(&trap_stray_interrupts, __ATOMIC_RELAXED);
        lapic_self_ipi((uint8_t)v);
        for (int i = 0; i < 5; i++) { /* a timer tick may come first: 50 ms at most */
            __asm__ volatile("sti; hlt; cli" ::: "memory"); /* taken right after the hlt */
            if (__atomic_load_n(&trap_stray_interrupts, __ATOMIC_RELAXED) != before) {
                dropped++;
                break;
            }
        }
        if (__atomic_load_n(&trap_stray_interrupts, __ATOMIC_RELAXED) == before)
            missed |= 1u << v;
    }
    if (rflags & (1u << 9))
        sti();
    kprintf("exo: selftest: 32 exception vectors raised as interrupts, %u dropped", dropped);
    kprintf(missed ? " (not seen: mask 0x%x)\n" : "\n", missed);
}

__attribute__((noinline)) void selftest_run(const char *cmdline)
{
    char which[16];
    if (exo_cmdline_value(cmdline, "exo.selftest", which, sizeof which) < 0)
        return;
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"ud", selftest_ud}, {"pf", selftest_pf}, {"de", selftest_de}, {"bp", selftest_bp}};
    for (unsigned i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (exo_streq(tests[i].name, which))
            tests[i].fn();
    if (exo_streq(which, "apstack"))
        return; /* the first other CPU's business: selftest_ap */
    if (exo_streq(which, "strayvec")) {
        selftest_strayvec();
        return;
    }
    if (exo_streq(which, "stack")) {
        announce("stack");
        kprintf("exo: selftest: stack %lu\n", selftest_stack(0));
    }
    kprintf("exo: selftest: unknown or survived: %s\n", which);
}

void selftest_ap(const char *cmdline, uint32_t cpu, uint64_t guard)
{
    char which[16];
    if (exo_cmdline_value(cmdline, "exo.selftest", which, sizeof which) < 0 ||
        !exo_streq(which, "apstack"))
        return;
    kprintf("exo: selftest: provoking stack on cpu %u\n", cpu);
    kprintf("exo: selftest: its guard page 0x%lx\n", guard); /* CR2 must be in it */
    kprintf("exo: selftest: stack %lu\n", selftest_stack(0));
}
