/*
 * percpu.h: what each CPU keeps for itself, reached through the GS base while in exo (user code
 * runs with its own GS; swapgs trades them on every entry from and exit to ring 3). Offsets
 * are fixed because syscall.S and trap.S use them.
 */
#ifndef EXO_PERCPU_H
#define EXO_PERCPU_H

#include <stdint.h>

struct env;

struct percpu {
    uint64_t kstack_top; /* offset 0: stack for entries from ring 3 (also TSS.rsp0) */
    uint64_t user_rsp;   /* offset 8: scratch for the user rsp during syscall entry */
    struct env *env;     /* offset 16: the env whose context this CPU runs, or NULL */
    uint32_t id;
};

#define PERCPU_KSTACK_TOP 0
#define PERCPU_USER_RSP 8

extern struct percpu cpu0;

static inline struct percpu *this_cpu(void)
{
    return &cpu0; /* one CPU until the SMP issue; then: the GS base */
}

/* Sets up GS, the syscall MSRs and TSS.rsp0 for ring-3 entries on this CPU. */
void percpu_init(void);

#endif
