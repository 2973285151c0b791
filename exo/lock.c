/*
 * lock.c: the big kernel lock (see lock.h), a test-and-test-and-set spinlock. While waiting, a
 * CPU answers TLB shootdowns addressed to it: the holder may be waiting for exactly that.
 *
 * Not a ticket lock, on purpose. exo's CPUs are often vCPU threads the host deschedules (QEMU
 * TCG on a busy host, any guest without paravirtual locks). A ticket lock hands the lock to the
 * next waiter in line even while that waiter's thread is off the host CPU, so every handoff
 * between two busy CPUs waits for the host to run both threads at once: two 2-CPU fuzzer boots
 * side by side on a 2-core host, resting yields in place (sched_yield), took over 150 s each
 * with a ticket lock, 12-13 s with this one. A free-for-all lock goes to whichever CPU is
 * running, the reason Linux falls back to one in guests (virt_spin_lock). Starvation is not a
 * concern here: the holder always leaves exo through env_run or the idle loop, and the waiter,
 * spinning on a plain read, sees the lock free during that window.
 */
#include <exo/lock.h>
#include <exo/percpu.h>
#include <exo/tlb.h>
#include <exo/x86.h>

struct spinlock bkl = {0, -1, 0};

void bkl_lock(void)
{
    for (;;) {
        if (!__atomic_load_n(&bkl.locked, __ATOMIC_RELAXED) &&
            !__atomic_exchange_n(&bkl.locked, 1, __ATOMIC_ACQUIRE))
            break;
        tlb_poll();
        pause();
    }
    bkl.holder = (int32_t)this_cpu()->id;
    bkl.taken++;
}

void bkl_unlock(void)
{
    bkl.holder = -1;
    __atomic_store_n(&bkl.locked, 0, __ATOMIC_RELEASE);
}

int bkl_held(void)
{
    return bkl.holder == (int32_t)this_cpu()->id;
}
