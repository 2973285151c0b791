/*
 * trap.h: the saved register frame every interrupt and exception builds (trap.S), and the
 * vectors exo uses.
 */
#ifndef EXO_TRAP_H
#define EXO_TRAP_H

#define VEC_TIMER 32     /* LAPIC timer */
#define VEC_SERIAL 33    /* COM1 received a byte (I/O APIC, cons_in.c) */
#define VEC_RESCHED 240  /* IPI: an env became runnable, an idle CPU should look */
#define VEC_TLB 241      /* IPI: this CPU's TLB mailbox has a request (tlb.c) */
#define VEC_IOMMU 242    /* the VT-d unit recorded a DMA fault (iommu.c) */
#define VEC_SPURIOUS 255 /* LAPIC spurious interrupt */

/* Set in trapframe.vector by trap.S: an exception vector that pushes an error code arrived
 * without one, so as an interrupt (error = 0 was put in its place). */
#define TRAP_STRAY 0x100

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Pushed by trap.S (general registers) and the CPU (from rip on); vector and error are pushed
 * by the per-vector stub, error = 0 where the CPU pushes none. */
struct trapframe {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

void trap_dispatch(struct trapframe *tf);

/* An interrupt (vector >= 32) taken with no env to charge it to; the caller holds the lock. */
void trap_interrupt(const struct trapframe *tf);

/* Prints the register dump and symbolized backtrace of a fatal exception, then stops the
 * machine with a failure status. */
void trap_fatal(const struct trapframe *tf) __attribute__((noreturn));

/* Symbolized frame-pointer backtrace starting at (rip, rbp). */
void backtrace_print(uint64_t rip, uint64_t rbp);

/* Interrupts that arrived on an exception vector (0..31), which exo acknowledged and dropped
 * (trap_dispatch), since boot, all CPUs. */
extern uint64_t trap_stray_interrupts;
#endif

#endif
