/*
 * lock.c: the big kernel lock (see lock.h), a ticket spinlock: CPUs get it in arrival order.
 * While waiting, a CPU answers TLB shootdowns addressed to it: the holder may be waiting for
 * exactly that.
 */
#include <exo/lock.h>
#include <exo/percpu.h>
#include <exo/tlb.h>
#include <exo/x86.h>

struct spinlock bkl = {0, 0, -1};

void bkl_lock(void)
{
    uint32_t t = __atomic_fetch_add(&bkl.next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&bkl.owner, __ATOMIC_ACQUIRE) != t) {
        tlb_poll();
        pause();
    }
    bkl.holder = (int32_t)this_cpu()->id;
}

void bkl_unlock(void)
{
    bkl.holder = -1;
    __atomic_store_n(&bkl.owner, bkl.owner + 1, __ATOMIC_RELEASE);
}

int bkl_held(void)
{
    return bkl.holder == (int32_t)this_cpu()->id;
}
