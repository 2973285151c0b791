/*
 * percpu.h: what each CPU keeps for itself, reached through the GS base while in exo (user code
 * runs with its own GS; swapgs trades them on every entry from and exit to ring 3). Offsets
 * are fixed because syscall.S and trap.S use them.
 */
#ifndef EXO_PERCPU_H
#define EXO_PERCPU_H

#include <exo/tlb.h>

#include <stdint.h>

#define EXO_MAXCPU 8 /* CPUs beyond this many in the MADT stay parked in firmware */

struct env;

struct percpu {
    uint64_t kstack_top; /* offset 0: stack for entries from ring 3 (also TSS.rsp0) */
    uint64_t user_rsp;   /* offset 8: scratch for the user rsp during syscall entry */
    struct env *env;     /* offset 16: the env whose context this CPU runs, or NULL */
    struct percpu *self; /* offset 24: this_cpu() reads it through GS */
    uint32_t id;         /* index in cpus[]: 0 is the boot CPU */
    uint32_t lapic_id;
    volatile uint32_t up;   /* set by the CPU itself once it runs exo's tables */
    volatile uint32_t idle; /* in the idle loop, lock released: a reschedule IPI wakes it */
    uint64_t pml4;          /* the tables in its CR3: whose TLB entries it may hold */
    uint64_t ticks;         /* its own timer's ticks (slices are counted in these) */
    struct tlb_req tlb;     /* shootdown mailbox (tlb.c) */
    struct env *fpu_env;    /* the env whose extended state its registers hold (fpu.c) */
    uint64_t run_tsc;       /* the TSC when env_run last entered ring 3; 0: charged (env.c) */
};

#define PERCPU_KSTACK_TOP 0
#define PERCPU_USER_RSP 8
#define PERCPU_SELF 24

extern struct percpu cpus[EXO_MAXCPU];
extern int exo_ncpu; /* CPUs running exo (1 until smp_init has started the others) */

static inline struct percpu *this_cpu(void)
{
    struct percpu *c;
    __asm__ volatile("mov %%gs:24, %0" : "=r"(c));
    return c;
}

/* Points this CPU's GS base at cpus[id] (as early as possible: this_cpu() needs it). */
void percpu_attach(uint32_t id);

/* Sets up the syscall MSRs, SMEP/SMAP and TSS.rsp0 for ring-3 entries on this CPU. */
void percpu_init(void);

#endif
