/*
 * tlb.c: TLB shootdown (see tlb.h). The lock holder fills each target CPU's mailbox, sends it a
 * VEC_TLB IPI, and spins until every target has cleared `pending`. A target services its
 * mailbox in the IPI handler (from ring 3 or the idle loop, without the lock) or, if it is
 * waiting for the lock with interrupts off, in the wait loop (lock.c).
 */
#include <exo/lapic.h>
#include <exo/percpu.h>
#include <exo/tlb.h>
#include <exo/trap.h>
#include <exo/vm.h>
#include <exo/x86.h>

#include <stddef.h>

uint64_t tlb_ipis, tlb_wait_cycles;

static void flush_local(uint64_t pml4, const uint64_t *va, uint32_t n)
{
    if ((read_cr3() & PTE_ADDR) != pml4)
        return; /* a CR3 load since then dropped every non-global entry */
    if (n == TLB_FULL) {
        write_cr3(read_cr3());
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        __asm__ volatile("invlpg (%0)" : : "r"(va[i]) : "memory");
}

void tlb_poll(void)
{
    struct percpu *c = this_cpu();
    struct tlb_req *q = &c->tlb;
    if (!__atomic_load_n(&q->pending, __ATOMIC_ACQUIRE))
        return;
    if (q->leave) {
        if ((read_cr3() & PTE_ADDR) == q->pml4) {
            write_cr3(vm_kernel_pml4);
            c->pml4 = vm_kernel_pml4;
        }
    } else {
        flush_local(q->pml4, q->va, q->n);
    }
    __atomic_store_n(&q->pending, 0, __ATOMIC_RELEASE);
}

/* Sends the request to every other CPU whose CR3 is pml4 (only `only`, if not NULL). */
static void request(uint64_t pml4, const uint64_t *va, uint32_t n, uint32_t leave,
                    const struct percpu *only)
{
    struct percpu *me = this_cpu();
    uint32_t sent = 0;
    uint64_t t0 = rdtsc();
    for (int i = 0; i < exo_ncpu; i++) {
        struct percpu *c = &cpus[i];
        if (c == me || !c->up || c->pml4 != pml4 || (only && c != only))
            continue;
        struct tlb_req *q = &c->tlb;
        q->pml4 = pml4;
        q->leave = leave;
        q->n = n;
        for (uint32_t k = 0; n != TLB_FULL && k < n; k++)
            q->va[k] = va[k];
        __atomic_store_n(&q->pending, 1, __ATOMIC_RELEASE);
        lapic_ipi(c->lapic_id, ICR_FIXED | VEC_TLB);
        sent |= 1u << i;
        tlb_ipis++;
    }
    if (!sent)
        return;
    for (int i = 0; i < exo_ncpu; i++)
        while ((sent >> i & 1) && __atomic_load_n(&cpus[i].tlb.pending, __ATOMIC_ACQUIRE))
            pause();
    tlb_wait_cycles += rdtsc() - t0;
}

void tlb_shootdown(uint64_t pml4, const uint64_t *va, uint32_t n)
{
    if (n != TLB_FULL && n > TLB_BATCH)
        n = TLB_FULL;
    flush_local(pml4, va, n);
    request(pml4, va, n, 0, NULL);
}

void tlb_leave(uint64_t pml4)
{
    request(pml4, 0, 0, 1, NULL);
}

void tlb_leave_cpu(struct percpu *c, uint64_t pml4)
{
    request(pml4, 0, 0, 1, c);
}
