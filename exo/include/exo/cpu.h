/*
 * cpu.h: one CPU's descriptor tables and features: the GDT with its TSS, the IDT, and what
 * CPUID says the processor offers.
 */
#ifndef EXO_CPU_H
#define EXO_CPU_H

#include <stdint.h>

/* Segment selectors. The order (kernel code, kernel data, user data, user code) is the one
 * SYSCALL/SYSRET require. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23
#define SEL_TSS 0x28

/* Interrupt stack table slots (TSS.IST1..3): faults that must not run on a possibly broken
 * stack. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

struct cpu_features {
    char vendor[13];
    int nx, x2apic, smep, smap, pge, invariant_tsc;
    int xsave, avx; /* fpu.c: XSAVE/XRSTOR and XCR0, the AVX state component */
    int pku;        /* protection keys for user pages (EXO_PROT_XONLY) */
    int tsc_aux;    /* RDTSCP or RDPID: IA32_TSC_AUX, which percpu.c sets to the CPU's number */
};

extern struct cpu_features cpu_features;

void cpu_detect(void);
/* Loads CPU `cpu`'s own GDT and TSS (and resets the data segments, GS base included). */
void gdt_init(int cpu);

/* The stack the CPU switches to on an interrupt or exception from ring 3. */
void tss_set_kernel_stack(int cpu, uint64_t top);
void idt_init(void);
void idt_load(void); /* an AP loads the IDT the boot CPU built */

#endif
