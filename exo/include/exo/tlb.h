/*
 * tlb.h: TLB shootdown. A CPU caches translations only for the address space in its CR3 (exo
 * uses no PCIDs, and user entries are never global), so after a user mapping is removed or
 * its protection reduced, the CPUs whose CR3 is that address space (percpu.pml4) are told to
 * flush it, and the caller waits until each has done so before the page can be freed or
 * handed on. Only the holder of the big kernel lock sends requests.
 */
#ifndef EXO_TLB_H
#define EXO_TLB_H

#include <stdint.h>

#define TLB_BATCH 16 /* vas per request; more means a full flush (CR3 reload) */

/* One CPU's mailbox, written by the lock holder, cleared (pending = 0) by its owner. */
struct tlb_req {
    volatile uint32_t pending;
    uint32_t n;     /* vas in va[]; TLB_FULL: flush everything non-global */
    uint32_t leave; /* switch this CPU to exo's own tables (the address space is going away) */
    uint64_t pml4;
    uint64_t va[TLB_BATCH];
};
#define TLB_FULL 0xffffffffu

/* Flushes va (n of them, or all when n is TLB_FULL) of address space pml4 on every CPU, this
 * one included; returns once all have. */
void tlb_shootdown(uint64_t pml4, const uint64_t *va, uint32_t n);

/* Makes every other CPU whose CR3 is pml4 switch to exo's kernel tables; returns once done. */
void tlb_leave(uint64_t pml4);

/* tlb_leave for CPU c alone (not this one): a thread ended there, its siblings run on. */
struct percpu;
void tlb_leave_cpu(struct percpu *c, uint64_t pml4);

/* Services this CPU's mailbox if a request is pending (the IPI handler, and lock waiters). */
void tlb_poll(void);

/* Counters for the benchmark: shootdown IPIs sent, and the TSC cycles spent waiting. */
extern uint64_t tlb_ipis, tlb_wait_cycles;

#endif
