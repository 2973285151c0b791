/*
 * virtq.h: one virtqueue as an env drives it over the pages exo maps (EXO_VQ_* in exo/abi.h):
 * a shadow descriptor table and available ring the env writes, which exo checks and copies
 * into the device's own ring at each kick, and the device's used ring, read-only, where
 * completions appear without any call.
 *
 * Direct mode (a device the env holds whole, vio_direct): the first two pages are the
 * device's OWN descriptor table and available ring, nobody copies anything, and the kick is
 * vq_kick_direct: the available index stored into the ring, then a 16-bit store of the queue's
 * number at its doorbell. Nothing here depends on the mode but the kick function: in both,
 * the available index in shared memory moves only at a kick (vq_submit leaves it alone), so
 * a device that reads the ring without waiting for a notification never sees a chain before
 * its kick, and vq_drop_pending takes back only what no device has seen.
 *
 * The free descriptor list and chain links are kept privately in struct virtq, never read
 * back from shared memory: what the device (or exo) writes can only ever name a head, and a
 * head that is not in flight is reported as EXO_E_CORRUPT, never followed.
 *
 * Indices are the spec's free-running 16-bit counters; the slot is the counter modulo the
 * queue size (a power of two), so wrap-around past 65535 needs no special case.
 */
#ifndef VIRTIO_VIRTQ_H
#define VIRTIO_VIRTQ_H

#include <exo/abi.h>

#include <stdint.h>

/* One buffer of a chain: a physical range and who writes it. */
struct vq_buf {
    uint64_t pa;
    uint32_t len;
    uint32_t write; /* nonzero: the device writes it (EXO_VQ_F_WRITE) */
};

struct virtq;

/* Makes the device see entries up to avail_idx: exo_vio_kick in the guest (shadow mode), or
 * vq_kick_direct (direct mode), or a simulated device in host tests. Returns chains submitted
 * or an exo error (none submitted then). */
typedef int64_t (*vq_kick_fn)(struct virtq *vq, uint16_t avail_idx);

struct virtq {
    struct exo_vq_desc *desc;                /* shadow descriptor table (ours) */
    struct exo_vq_avail *avail;              /* shadow available ring (ours) */
    const volatile struct exo_vq_used *used; /* the device's used ring, read-only */
    uint16_t size, mask;
    uint16_t nfree, free_head; /* free descriptors, linked through link[] */
    uint16_t avail_idx;        /* next available index to fill */
    uint16_t kicked_idx;       /* available index exo has been given */
    uint16_t used_idx;         /* next used index to read */
    uint16_t dev, queue;       /* exo's names for it */
    uint64_t event;            /* event capability its interrupt posts, EXO_ANY: none */
    uint64_t kicks;            /* kicks that reached the device */
    uint32_t inflight;         /* chains submitted (shadow) and not yet completed */
    vq_kick_fn kick;
    void *ctx;                   /* the kick function's (or the driver's) own pointer */
    volatile uint16_t *bell;     /* direct mode: the queue's doorbell (vq_kick_direct); else 0 */
    uint16_t link[EXO_VQ_SIZE];  /* next descriptor: in the free list, or in a chain */
    uint16_t chain[EXO_VQ_SIZE]; /* descriptors in the chain this head starts; 0: not a live head */
};

/* Starts driving the queue whose EXO_VQ_PAGES pages are at base, with `size` entries (a power
 * of two, at most EXO_VQ_SIZE), in shadow mode (vq->bell = 0). Indices go on where the queue
 * stands: the available one from the ring's idx (the shadow's, which exo writes at
 * vio_queue_open, or in direct mode the device's own), the used one from the used ring.
 * `event` is the capability the queue's interrupt posts (EXO_ANY: none, and interrupts are
 * declined). 0 or EXO_E_INVAL. */
int vq_init(struct virtq *vq, void *base, uint16_t size, uint64_t event, vq_kick_fn kick,
            void *ctx);

/* Builds a chain of n buffers from free descriptors and puts its head in the next slot of the
 * available ring; the ring's index is not moved, so the device does not see it yet (see
 * vq_kick). Returns the head (0..size-1), EXO_E_NOMEM if fewer than n descriptors are free
 * (the queue is full; nothing changes), or EXO_E_INVAL (n = 0, n > size, or a zero-length
 * buffer). */
int vq_submit(struct virtq *vq, const struct vq_buf *bufs, unsigned n);

/* Hands the device everything submitted since the last kick (the kick function moves the
 * index; in shadow mode the shadow's index is then set too, for whoever reads it). Returns
 * chains submitted (0, with no call and no doorbell, when there is nothing new) or the kick's
 * error, in which case none of them reached the device: they stay pending (retry vq_kick, or
 * vq_drop_pending). */
int64_t vq_kick(struct virtq *vq);

/* Takes back the chains submitted since the last successful kick, freeing their descriptors.
 * Returns how many. */
int vq_drop_pending(struct virtq *vq);

/* The direct mode's kick (set vq->bell first): stores avail_idx into the device's available
 * ring with release ordering (descriptors and entries before the index), then the queue's
 * number vq->queue at *vq->bell, a volatile 16-bit store ordered after the index: no exo
 * call. Returns the chains the index moved over; never fails. */
int64_t vq_kick_direct(struct virtq *vq, uint16_t avail_idx);

/* Takes one completion off the used ring, in the device's order: *head is the chain's head,
 * *len the bytes the device wrote; its descriptors are free again. 1 if one was taken, 0 if
 * none is there, EXO_E_CORRUPT if the used ring names a head not in flight or claims more
 * completions than chains in flight (nothing is taken then). */
int vq_poll(struct virtq *vq, uint16_t *head, uint32_t *len);

/* vq_poll until a completion comes: blocks on the queue's event when one is bound (a post
 * between the poll and the wait is counted, so none is lost), else spins. EXO_E_NOENT if
 * nothing is in flight (it would wait forever); an event_wait error as is. */
int vq_wait(struct virtq *vq, uint16_t *head, uint32_t *len);

/* Free descriptors. */
static inline unsigned vq_free_count(const struct virtq *vq)
{
    return vq->nfree;
}

#endif
