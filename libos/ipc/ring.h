/*
 * ring.h: a single-producer single-consumer ring of fixed-size messages in one shared page,
 * the data path of IPC between two envs (exo events are the wake-ups). The producer alone
 * writes head, the consumer alone writes tail; both count messages ever sent / received and
 * wrap freely at 2^32, so head - tail is the fill level even across overflow, and a slot's
 * index is the count modulo LOS_RING_SLOTS (a power of two).
 *
 * Neither side trusts the other's index beyond this page: a slot index is always masked into
 * it, and a fill level above LOS_RING_SLOTS is reported as EXO_E_CORRUPT, never followed.
 */
#ifndef LOS_IPC_RING_H
#define LOS_IPC_RING_H

#include <exo/abi.h>

#include <stdint.h>

#define LOS_RING_MSG 64   /* bytes per message */
#define LOS_RING_SLOTS 32 /* messages it holds; a power of two */

struct los_ring {
    uint32_t head;    /* messages ever sent, mod 2^32 (producer writes) */
    uint8_t pad0[60]; /* head and tail on cache lines of their own */
    uint32_t tail;    /* messages ever received, mod 2^32 (consumer writes) */
    uint8_t pad1[60];
    uint8_t msg[LOS_RING_SLOTS][LOS_RING_MSG];
};

_Static_assert(sizeof(struct los_ring) <= EXO_PAGE, "a ring fits in one page");

/* Makes r empty (both indices 0). Only before both sides use it. */
void los_ring_init(struct los_ring *r);

/* Messages waiting (0..LOS_RING_SLOTS), or EXO_E_CORRUPT if the indices make no sense. */
int los_ring_count(const struct los_ring *r);

/* Producer: copies LOS_RING_MSG bytes from msg into the ring. 1 if sent, 0 if the ring is
 * full, EXO_E_CORRUPT. */
int los_ring_send(struct los_ring *r, const void *msg);

/* Consumer: copies the oldest message (LOS_RING_MSG bytes) to msg. 1 if received, 0 if the
 * ring is empty, EXO_E_CORRUPT. */
int los_ring_recv(struct los_ring *r, void *msg);

/* Blocking forms with two exo events (capability slots): `data` is posted after each send
 * and waited on while empty, `space` is posted after each receive and waited on while full.
 * A post between the check and the wait is counted by the event, so no wake-up is lost.
 * 0, or a negative exo error (EXO_E_CORRUPT, or the event's). */
int los_ring_put(struct los_ring *r, const void *msg, uint64_t data, uint64_t space);
int los_ring_get(struct los_ring *r, void *msg, uint64_t data, uint64_t space);

#endif
