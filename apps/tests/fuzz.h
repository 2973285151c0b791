/*
 * fuzz.h: what the call fuzzer's parts share (fuzz.c: the calls and the children; fuzz_dev.c:
 * plausible arguments for the device, interrupt and transfer calls): the page the parent
 * shares with every child and server, the child's pools, and the per-call random stream.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <los/los.h>

#define FUZZ_DEVS 16 /* devices the fuzzer knows about (vio_info 0..15) */

struct shared {
    volatile uint64_t next;  /* the index of the next call; the child bumps it before a call */
    volatile uint64_t steps; /* exo calls the child has begun, its setup's too: a sign of life */
    volatile uint64_t made[EXO_NCALLS + 1]; /* calls made, by number (last: no such number) */
    volatile uint64_t ok[EXO_NCALLS + 1];   /* calls that succeeded, by number */
    /* Per device: vio_* calls naming it, those that succeeded, and those refused otherwise
     * than with EXO_E_PERM (for a device exo keeps, that and ok must stay 0). */
    volatile uint64_t dev_made[FUZZ_DEVS], dev_ok[FUZZ_DEVS], dev_other[FUZZ_DEVS];
    volatile uint64_t chains; /* chains successful kicks submitted */
    volatile uint64_t served; /* pct calls the server's entry began */
    volatile uint64_t ready;  /* the server has registered its entry */
    /* Set by the parent before each child starts. */
    uint64_t ndevs;           /* devices exo numbers (vio_info not EXO_E_NOENT) */
    uint16_t type[FUZZ_DEVS]; /* virtio type, 0 for a device exo keeps (EXO_E_PERM) */
    uint16_t nqueues[FUZZ_DEVS];
    uint64_t offered[FUZZ_DEVS];
    uint64_t server; /* the child's slot for the server env (right CALL only) */
};

#define SHARED_VA 0x0000650000000000ull  /* struct shared, the parent's page */
#define SCRATCH_VA 0x0000660000000000ull /* the child's own pages, fodder for the calls */
#define SCRATCH_PAGES 16
#define GUARD_VA (SCRATCH_VA + SCRATCH_PAGES * EXO_PAGE) /* outside every pool: never mapped */
#define UPCALL_STACK_TOP 0x0000670000004000ull           /* the child's handler stack, in no pool */
#define PCT_STACK_TOP 0x0000670000010000ull              /* the server's entry stack */
#define QUEUE_VA 0x0000680000000000ull                   /* where the child opens device queues */

static struct shared *const sh = (struct shared *)SHARED_VA;

/* The child's pools (fuzz.c): its pages, as last seen, and its events. */
extern uint64_t scratch_ppn[SCRATCH_PAGES], shared_ppn, events[2];

/* splitmix64: each call's generator is seeded from its index alone. */
static inline uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t rnd(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ull;
    return mix(*s);
}

/* fuzz_dev.c. Makes the arguments of device, interrupt and transfer call n plausible most of
 * the time (valid devices and queues, the queue's own pages, own events, the server), drawing
 * on the call's stream s; for vio_kick it also writes the chains into the queue's pages. */
void fuzz_dev_args(uint64_t n, uint64_t a[5], uint64_t *s);

/* fuzz_dev.c. Learns from call n's result r (queues opened, closed, kicked) and counts it per
 * device. */
void fuzz_dev_result(uint64_t n, const uint64_t a[5], int64_t r);

/* fuzz_dev.c. The server's pct entry's reply to (a0, a1): non-negative, so a caller can tell
 * it from an error. */
static inline int64_t fuzz_reply(uint64_t a0, uint64_t a1)
{
    return (int64_t)(mix(a0 ^ mix(a1)) >> 1);
}

#endif
