/*
 * cow.c: copy-on-write in user space (see los/cow.h): the write-fault answer, in the upcall.
 *
 * exo keeps what must hold whatever the libOS does: a shared page is never writable while two
 * envs map it, it outlives the env that shared it, and it goes back to exo with its last
 * mapping (exo/sys_page.c, page_share). Deciding that a write fault means "copy" is ours.
 *
 * Everything here runs inside an upcall, where another fault would end the env: it writes
 * only this file's data (the libOS's data, which fork copies eagerly, never shares:
 * libos/eager.ld), the upcall stack, and the scratch page it maps itself.
 */
#include <los/cow.h>
#include <los/los.h>

#include <stddef.h>

#define PF_PRESENT 1 /* page-fault error code bits */
#define PF_WRITE 2

struct los_cow_stats los_cow_stats;
uint64_t los_cow_floor = EXO_USER_TOP; /* nothing is copy-on-write before a fork */
uint64_t los_cow_hole_lo, los_cow_hole_hi;

/* The lock: the holder's env id (a thread's) << 32 | its nesting (fork, then its own faults),
 * 0 if free. One word, taken by one compare-and-swap: an upcall of the holder that lands right
 * after the swap sees a whole word (depth 1), never a holder with a stale depth. Only the
 * holder writes it while held; its upcalls nest, each giving back what it took. */
static volatile uint64_t lock_word;
uint64_t los_cow_unlocked_state; /* an upcall state page whose resume skips the lock (cow.h) */

void los_cow_lock(void)
{
    uint64_t me = (uint64_t)(uint32_t)exo_env_self() << 32;
    uint64_t w = __atomic_load_n(&lock_word, __ATOMIC_ACQUIRE);
    if (w && (w & ~0xffffffffull) == me) {
        __atomic_store_n(&lock_word, w + 1, __ATOMIC_RELAXED);
        return;
    }
    for (uint64_t spins = 0, free = 0; !__atomic_compare_exchange_n(
             &lock_word, &free, me | 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
         free = 0)
        if (++spins > 100) { /* the holder may be a fork of many pages: let it run */
            exo_yield(EXO_ANY);
            spins = 0;
        }
}

void los_cow_unlock(void)
{
    uint64_t w = __atomic_load_n(&lock_word, __ATOMIC_RELAXED);
    __atomic_store_n(&lock_word, (w & 0xffffffffull) == 1 ? 0 : w - 1, __ATOMIC_RELEASE);
}

void los_cow_forked_child(void)
{
    lock_word = 0; /* the parent held it while our copy of this page was made */
}

/* The page at va, shared (copy-on-write), made ours and writable: taken if no one else maps
 * it any more (exo hands it to its last mapper), else copied. Under the lock. */
static int make_private(uint64_t va, int64_t pte)
{
    uint64_t prot = ((uint64_t)pte & (EXO_PROT_R | EXO_PROT_X)) | EXO_PROT_W;
    if (exo_page_protect(EXO_CAP_SELF, va, prot) == 0) {
        los_cow_stats.taken++;
        return 1;
    }
    int64_t np = exo_page_alloc(EXO_CAP_SELF, EXO_ANY); /* a thread's pages are its process's */
    if (np < 0)
        return 0;
    int64_t r =
        exo_page_map(EXO_CAP_SELF, LOS_COW_SCRATCH_VA, (uint64_t)np, EXO_PROT_R | EXO_PROT_W);
    if (r == 0) {
        __builtin_memcpy((void *)LOS_COW_SCRATCH_VA, (const void *)va, EXO_PAGE);
        exo_page_unmap(EXO_CAP_SELF, LOS_COW_SCRATCH_VA);
        r = exo_page_map(EXO_CAP_SELF, va, (uint64_t)np, prot); /* the shared one goes */
    }
    if (r < 0) {
        exo_page_free(EXO_CAP_SELF, (uint64_t)np);
        return 0;
    }
    los_cow_stats.copied++;
    return 1;
}

/* The page at va made private and writable if it is shared: 1 if writable now. */
static int unshare(uint64_t va)
{
    los_cow_lock();
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, va); /* under the lock: another thread may */
    int r = pte >= 0 && (pte & EXO_PROT_W);          /* have broken it meanwhile */
    if (pte >= 0 && (pte & EXO_LOOKUP_SHARED))
        r = make_private(va, pte);
    los_cow_unlock();
    return r;
}

int los_cow_break(uint64_t va)
{
    va &= ~(EXO_PAGE - 1);
    if (!los_cow_area(va))
        return 0;
    return unshare(va);
}

int los_cow_break_range(uint64_t lo, uint64_t hi)
{
    for (uint64_t va = lo & ~(EXO_PAGE - 1); va < hi && va < EXO_USER_TOP; va += EXO_PAGE) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
        if (pte >= 0 && (pte & EXO_LOOKUP_SHARED) && !unshare(va))
            return -1;
    }
    return 0;
}

int los_cow_fault(const struct exo_upcall_state *s)
{
    if (s->vector != 14 || (s->error & (PF_PRESENT | PF_WRITE)) != (PF_PRESENT | PF_WRITE))
        return 0;
    return los_cow_break(s->addr);
}

void los_cow_resume_room(uint64_t rsp)
{
    if (los_cow_floor < EXO_USER_TOP && rsp > 24)
        los_cow_break_range(rsp - 24, rsp); /* what upcall_entry.S pushes to resume */
}
