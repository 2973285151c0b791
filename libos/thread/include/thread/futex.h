/*
 * futex.h: the futex wait queues of one process, in its own memory (a hash table of buckets
 * keyed by the futex word's address), shared by its threads. A waiter queues itself (a node
 * on its own stack) after checking the word under the bucket's lock, then blocks; a waker
 * takes waiters off under the lock, marks them woken, and posts each one's token (its wake
 * event) after letting go of the lock. How to block and how to post are hooks, so the table
 * itself is pure code that the host tests drive (thread/tests/test_futex.c); libos/thread
 * fills them with exo events.
 */
#ifndef THREAD_FUTEX_H
#define THREAD_FUTEX_H

#include <stdint.h>

#define FUTEX_NBUCKETS 64 /* a power of two */
#define FUTEX_BATCH 16    /* tokens a wake gathers under the lock before posting them */

struct futex_waiter {
    struct futex_waiter *next;
    const volatile uint32_t *addr; /* changes only under both buckets' locks (requeue) */
    uint64_t token;                /* what wakes it: post(token) */
    volatile uint32_t woken;       /* set, under the lock, when taken off the queue */
};

struct futex_bucket {
    volatile uint32_t lock;
    struct futex_waiter *head; /* oldest first */
};

struct futex_table {
    struct futex_bucket bucket[FUTEX_NBUCKETS];
    /* Blocks until token is posted (may return early, spuriously) or, with a deadline (a TSC
     * value; 0: none), until it passes: then -LNX_ETIMEDOUT, else 0. */
    int (*block)(uint64_t token, uint64_t deadline);
    void (*post)(uint64_t token); /* wakes the waiter whose token it is */
    void (*relax)(void);          /* a lock is taken: let its holder run (may be NULL) */
    /* A signal for the waiter (libos/signal): looked at before each block; nonzero (-EINTR, or
     * the restart code) ends the wait with it unless a wake took the waiter already. NULL:
     * nothing interrupts. */
    long (*interrupted)(void);
    uint64_t (*now)(void); /* the TSC, for deadlines */
};

/* FUTEX_WAIT: if *addr == val, queues the caller (token: its wake event) and blocks until a
 * wake takes it off, or until `deadline` (TSC; 0: none) passes, or a signal interrupts it. 0
 * when woken, -LNX_EAGAIN if *addr != val, -LNX_ETIMEDOUT, interrupted()'s value (-LNX_EINTR),
 * -LNX_EINVAL for a misaligned addr; never queued once it returns. */
long futex_wait(struct futex_table *t, const volatile uint32_t *addr, uint32_t val, uint64_t token,
                uint64_t deadline);

/* FUTEX_WAKE: wakes up to n (> 0) waiters on addr, oldest first; returns how many. */
long futex_wake(struct futex_table *t, const volatile uint32_t *addr, long n);

/* FUTEX_REQUEUE / FUTEX_CMP_REQUEUE (cmp: compare *addr with val first, -LNX_EAGAIN if it
 * differs): wakes up to nwake waiters on addr, then moves up to nmove of the rest to addr2's
 * queue (behind its own waiters). Returns woken + moved (Linux's CMP_REQUEUE result). */
long futex_requeue(struct futex_table *t, const volatile uint32_t *addr, long nwake,
                   const volatile uint32_t *addr2, long nmove, int cmp, uint32_t val);

/* Waiters queued on addr now (tests, diagnostics). */
long futex_waiters(struct futex_table *t, const volatile uint32_t *addr);

#endif
