/*
 * lock.h: exo's one lock. Lock order and coverage (the same in docs/architecture.md, LOCKS):
 *
 *   bkl, the big kernel lock: a test-and-test-and-set spinlock (lock.c says why not a ticket
 *   lock). It protects every exo table: envs[] (state, saved contexts and extended-state areas,
 *   fpu_cpu and every CPU's fpu_env, capabilities, oncpu, claims and rests), the physical page
 *   table exo_pages (DMA pins included), every env's page tables, events, revocation requests,
 *   irq bindings, virtio devices and queues (vio.c), the IOMMU's tables and registers, the
 *   packet-filter table (sys_net.c), the scheduler's cursor, the console. It is taken on
 *   every entry from ring 3 (syscall_trap, trap_dispatch) and around every interrupt exo
 *   handles in its idle loop, and otherwise released only in env_run (just before
 *   env_pop_tf) and in the idle loop (just before hlt). exo never enables interrupts while
 *   holding it, so it never nests. An NMI's state dump (debug.c) reads the tables without it.
 *
 *   Outside the lock, and only with plain per-CPU fields: a CPU's struct percpu and its TLB
 *   mailbox (tlb.c), which the lock holder writes and the target CPU acknowledges, whether or
 *   not it is itself waiting for the lock (the wait loop services the mailbox, so a shootdown
 *   never deadlocks).
 */
#ifndef EXO_LOCK_H
#define EXO_LOCK_H

#include <stdint.h>

struct spinlock {
    volatile uint32_t locked; /* 1 while held */
    volatile int32_t holder;  /* CPU id holding it, -1 if none (for assertions and dumps) */
    uint64_t taken;           /* times taken (written by the holder; for dumps) */
};

extern struct spinlock bkl;

void bkl_lock(void);
void bkl_unlock(void);

/* 1 if this CPU holds the big kernel lock. */
int bkl_held(void);

#endif
