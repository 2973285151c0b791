/*
 * posix_thread.c: the thread calls of the POSIX layer (calls.def, the threads block): futex
 * set_robust_list and sched_yield. gettid, set_tid_address and exit (one thread) are process.c's
 * rows, which call thread.h.
 */
#include <posix/calls.h>
#include <thread/thread.h>

#include <los/los.h>

long posix_futex(const long a[6])
{
    return los_futex((uint32_t *)a[0], (int)a[1], (uint32_t)a[2], (uint64_t)a[3], (uint32_t *)a[4],
                     (uint32_t)a[5]);
}

long posix_set_robust_list(const long a[6])
{
    /* Accepted, unused: musl walks a dying thread's robust list itself (pthread_exit), and a
     * process's end ends every thread at once, so no one is left to wake. */
    return a[1] == 24 ? 0 : -LNX_EINVAL; /* sizeof(struct robust_list_head) */
}

long posix_sched_yield(const long a[6])
{
    (void)a;
    exo_yield(EXO_ANY); /* the rest of the slice to anyone (another thread, maybe) */
    return 0;
}
