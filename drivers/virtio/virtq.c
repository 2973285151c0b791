/*
 * virtq.c: the split ring's driver side over exo's queue pages (see virtq.h).
 *
 * Ordering: a chain's descriptors and its available-ring entry at vq_submit, then, at the
 * kick, the available index, published with release so no reader sees an index before what
 * it covers. In shadow mode exo reads the shadow only inside vio_kick (a system call, a full
 * compiler barrier) and takes the index as the call's argument; in direct mode the device
 * itself reads the ring, possibly from another CPU, the moment the index moves. x86 keeps
 * stores in order (also a write-back store before an uncached one, the doorbell), so release
 * (a compiler barrier there) is all either needs; the fences say so explicitly. The used
 * index is read with acquire before the entry it covers.
 */
#include "virtq.h"

static void release_fence(void)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

int vq_init(struct virtq *vq, void *base, uint16_t size, uint64_t event, vq_kick_fn kick, void *ctx)
{
    if (size == 0 || size > EXO_VQ_SIZE || (size & (size - 1)) || !kick)
        return EXO_E_INVAL;
    uint8_t *b = base;
    vq->desc = (struct exo_vq_desc *)(b + EXO_VQ_DESC_OFF);
    vq->avail = (struct exo_vq_avail *)(b + EXO_VQ_AVAIL_OFF);
    vq->used = (const volatile struct exo_vq_used *)(b + EXO_VQ_USED_OFF);
    vq->size = size;
    vq->mask = (uint16_t)(size - 1);
    /* Free list 0 -> 1 -> ... -> size-1, so first chains take ascending descriptors. */
    for (uint16_t i = 0; i < size; i++) {
        vq->link[i] = (uint16_t)(i + 1);
        vq->chain[i] = 0;
    }
    vq->free_head = 0;
    vq->nfree = size;
    /* A queue goes on where its last owner left it: exo writes its next available index into
     * the shadow at vio_queue_open, and the used ring's index is the device's own. */
    vq->avail_idx = vq->kicked_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_RELAXED);
    vq->used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
    vq->event = event;
    vq->kicks = 0;
    vq->inflight = 0;
    vq->kick = kick;
    vq->ctx = ctx;
    vq->bell = 0;
    /* Without an event nobody listens to the interrupt: ask the device not to send it. */
    vq->avail->flags = event == EXO_ANY ? 1 : 0;
    return 0;
}

int vq_submit(struct virtq *vq, const struct vq_buf *bufs, unsigned n)
{
    if (n == 0 || n > vq->size)
        return EXO_E_INVAL;
    for (unsigned i = 0; i < n; i++)
        if (bufs[i].len == 0)
            return EXO_E_INVAL;
    if (n > vq->nfree)
        return EXO_E_NOMEM;

    uint16_t head = vq->free_head, d = head;
    for (unsigned i = 0; i < n; i++) {
        struct exo_vq_desc *e = &vq->desc[d];
        uint16_t next = vq->link[d];
        e->addr = bufs[i].pa;
        e->len = bufs[i].len;
        e->flags =
            (uint16_t)((bufs[i].write ? EXO_VQ_F_WRITE : 0) | (i + 1 < n ? EXO_VQ_F_NEXT : 0));
        e->next = i + 1 < n ? next : 0;
        if (i + 1 < n)
            d = next;
        else
            vq->free_head = next; /* the chain keeps its links in link[] for freeing */
    }
    vq->nfree = (uint16_t)(vq->nfree - n);
    vq->chain[head] = (uint16_t)n;
    vq->inflight++;

    /* The slot only: the index in the ring moves at the kick, so that in direct mode the
     * device (which may read the ring without a notification) never sees an unkicked chain. */
    vq->avail->ring[vq->avail_idx & vq->mask] = head;
    vq->avail_idx++;
    return head;
}

int64_t vq_kick(struct virtq *vq)
{
    if (vq->kicked_idx == vq->avail_idx)
        return 0;
    release_fence(); /* everything in the ring is written before exo or the device reads it */
    int64_t r = vq->kick(vq, vq->avail_idx);
    if (r < 0)
        return r;
    /* Shadow mode: exo took the index as the call's argument and never reads the shadow's, but
     * the ring should say what was kicked. Direct mode: the kick stored it already. */
    if (!vq->bell)
        __atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
    vq->kicked_idx = vq->avail_idx;
    vq->kicks++;
    return r;
}

/* Puts the chain starting at head back at the front of the free list, in its own order. */
static void free_chain(struct virtq *vq, uint16_t head)
{
    uint16_t n = vq->chain[head], last = head;
    for (uint16_t i = 1; i < n; i++)
        last = vq->link[last];
    vq->link[last] = vq->free_head;
    vq->free_head = head;
    vq->nfree = (uint16_t)(vq->nfree + n);
    vq->chain[head] = 0;
    vq->inflight--;
}

int vq_drop_pending(struct virtq *vq)
{
    int n = 0;
    while (vq->avail_idx != vq->kicked_idx) {
        vq->avail_idx--;
        free_chain(vq, vq->avail->ring[vq->avail_idx & vq->mask]);
        n++;
    }
    return n; /* the ring's index never moved past kicked_idx: nothing to take back there */
}

int64_t vq_kick_direct(struct virtq *vq, uint16_t avail_idx)
{
    uint16_t n = (uint16_t)(avail_idx - vq->kicked_idx);
    /* Descriptors and entries before the index (release), the index before the doorbell. */
    __atomic_store_n(&vq->avail->idx, avail_idx, __ATOMIC_RELEASE);
    release_fence();
    *vq->bell = vq->queue; /* the device's notify register: one store, no exo call */
    return n;
}

int vq_poll(struct virtq *vq, uint16_t *head, uint32_t *len)
{
    uint16_t idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
    if (idx == vq->used_idx)
        return 0;
    /* Only kicked chains can complete; more than that is a device (or exo) gone wrong. */
    uint16_t kicked = (uint16_t)(vq->kicked_idx - vq->used_idx);
    if ((uint16_t)(idx - vq->used_idx) > kicked)
        return EXO_E_CORRUPT;
    const volatile struct exo_vq_used_elem *e = &vq->used->ring[vq->used_idx & vq->mask];
    uint32_t id = e->id, n = e->len;
    if (id >= vq->size || vq->chain[id] == 0)
        return EXO_E_CORRUPT;
    free_chain(vq, (uint16_t)id);
    vq->used_idx++;
    *head = (uint16_t)id;
    *len = n;
    return 1;
}

int vq_wait(struct virtq *vq, uint16_t *head, uint32_t *len)
{
    for (;;) {
        int r = vq_poll(vq, head, len);
        if (r != 0)
            return r;
        if (vq->inflight == 0)
            return EXO_E_NOENT;
        if (vq->kicked_idx != vq->avail_idx) { /* waiting for what the device never saw */
            int64_t k = vq_kick(vq);
            if (k < 0)
                return (int)k;
            continue;
        }
        if (vq->event != EXO_ANY) {
            int64_t w = exo_event_wait(vq->event);
            if (w < 0)
                return (int)w;
        } else {
            __builtin_ia32_pause();
        }
    }
}
