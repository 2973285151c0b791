/*
 * trap.c: what exo does with an interrupt or exception. Traps from ring 3 go to upcall.c (the
 * env decides what its faults mean). In exo itself every CPU exception is a bug: it is reported
 * with a full register dump and a symbolized backtrace, and the machine stops. An interrupt
 * that arrives on an exception vector is neither: it is dropped (stray).
 */
#include <exo/console.h>
#include <exo/cons_in.h>
#include <exo/debug.h>
#include <exo/iommu.h>
#include <exo/irq.h>
#include <exo/ksym.h>
#include <exo/lapic.h>
#include <exo/lock.h>
#include <exo/power.h>
#include <exo/revoke.h>
#include <exo/tlb.h>
#include <exo/trap.h>
#include <exo/upcall.h>
#include <exo/x86.h>

extern struct exo_ksyms exo_ksyms;
extern char __kernel_start[], __kernel_end[];

static const char *const exception_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
};

void trap_interrupt(const struct trapframe *tf)
{
    if (tf->vector == VEC_TIMER) {
        timer_tick();
        revoke_tick(NULL); /* deadlines run in idle too */
        lapic_eoi();
        return;
    }
    if (tf->vector == VEC_SERIAL) {
        cons_in_interrupt();
        lapic_eoi();
        return;
    }
    if (tf->vector == VEC_SPURIOUS) /* no EOI for spurious interrupts */
        return;
    if (tf->vector == VEC_RESCHED || tf->vector == VEC_TLB) {
        lapic_eoi();
        return;
    }
    if (tf->vector == VEC_IOMMU) {
        iommu_fault();
        lapic_eoi();
        return;
    }
    /* A device vector bound to an event: posted. One nobody is bound to (any more) is dropped
     * quietly: unbinding races with interrupts already on their way. */
    if (!irq_fire(tf->vector) && (tf->vector < EXO_IRQ_FIRST || tf->vector > EXO_IRQ_LAST))
        kprintf("exo: unexpected interrupt vector %lu ignored\n", tf->vector);
    lapic_eoi();
}

uint64_t trap_stray_interrupts;

/* Did an exception vector (0..31) arrive as an interrupt? A device message or IPI can carry
 * any vector under QEMU (docs/status.md), but it is nobody's fault: not the interrupted env's
 * (no FAULT upcall), not exo's (no panic in the idle loop). trap.S has marked the vectors that
 * push an error code (TRAP_STRAY: none was pushed); for the others the LAPIC says: an
 * interrupt is in service (ISR) until its EOI, an exception never is. exo acknowledges every
 * interrupt before it runs an env or idles, so ISR is clear whenever an exception can occur;
 * an NMI sets no ISR bit either. */
static int stray(struct trapframe *tf)
{
    int marked = (tf->vector & TRAP_STRAY) != 0;
    tf->vector &= 0xff;
    if (tf->vector >= 32)
        return 0;
    int in_service = lapic_in_service((uint8_t)tf->vector);
    if (!marked && !in_service)
        return 0;
    if (in_service)
        lapic_eoi();
    __atomic_fetch_add(&trap_stray_interrupts, 1, __ATOMIC_RELAXED);
    return 1;
}

void trap_dispatch(struct trapframe *tf)
{
    /* A shootdown needs no lock (the lock holder is waiting for it): answered at once, and
     * the interrupted code resumes, ring 3 included (trap.S swaps GS back then). */
    if (tf->vector == VEC_TLB) {
        tlb_poll();
        lapic_eoi();
        return;
    }
    /* Likewise a stray interrupt on an exception vector: dropped, whatever ran resumes. */
    if (stray(tf))
        return;
    if (tf->vector == 2) { /* NMI: a request for a state dump (debug.h), from any context */
        debug_nmi(tf);
        return;
    }
    if (tf->cs & 3) {
        bkl_lock();
        env_charge();       /* what it ran until this trap is its CPU time */
        trap_from_user(tf); /* the env's business: an upcall, a kill, or a slice end */
    }
    if (tf->vector < 32)
        trap_fatal(tf); /* in exo: a bug; no lock, it may be ours */
    if (tf->vector == VEC_RESCHED || tf->vector == VEC_SPURIOUS) {
        if (tf->vector == VEC_RESCHED)
            lapic_eoi(); /* it woke the idle loop, which looks for work */
        return;
    }
    /* Only the idle loop runs with interrupts on in exo, and it holds no lock. */
    bkl_lock();
    trap_interrupt(tf);
    bkl_unlock();
}

static int in_kernel(uint64_t a)
{
    return a >= (uint64_t)__kernel_start && a + 16 <= (uint64_t)__kernel_end;
}

static void print_frame(int n, uint64_t rip)
{
    uint64_t off;
    const char *name = exo_ksyms_lookup(&exo_ksyms, rip, &off);
    if (name)
        kprintf("  #%d 0x%016lx %s+0x%lx\n", n, rip, name, off);
    else
        kprintf("  #%d 0x%016lx ?\n", n, rip);
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
    kprintf("backtrace:\n");
    print_frame(0, rip);
    /* Frame pointers link [saved rbp, return address] pairs; every frame lives in exo's image
     * (its stacks are in .bss), so anything else ends the walk instead of faulting again. */
    for (int n = 1; n < 24 && rbp && rbp % 8 == 0 && in_kernel(rbp); n++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        if (frame[1] == 0)
            break;
        print_frame(n, frame[1] - 1); /* -1: name the call, not the instruction after it */
        rbp = frame[0];
    }
}

void trap_fatal(const struct trapframe *tf)
{
    kprintf("\nexo: EXCEPTION %s (vector %lu) error 0x%lx\n", exception_names[tf->vector & 31],
            tf->vector, tf->error);
    kprintf("RIP %016lx CS %04lx RFLAGS %016lx RSP %016lx SS %04lx\n", tf->rip, tf->cs, tf->rflags,
            tf->rsp, tf->ss);
    kprintf("RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    kprintf("RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
    kprintf("R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
    kprintf("R13 %016lx R14 %016lx R15 %016lx\n", tf->r13, tf->r14, tf->r15);
    kprintf("CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx\n", read_cr0(), read_cr2(), read_cr3(),
            read_cr4());
    backtrace_print(tf->rip, tf->rbp);
    exo_fail("unhandled exception in exo");
}
