/*
 * vio_kick.c: vio_kick, the only way a shared queue's chains reach its device. The caller's new
 * chains are read once into the staging area, every descriptor checked (its pages the caller's,
 * the chain the shape its queue takes), and only then copied into the ring the device reads,
 * their pages pinned. Everything runs under the kernel lock: one staging area is enough.
 * (While packet filters are on, exo drives the NIC itself and nf_send checks every frame:
 * vio_nettx.c; no env holds a queue of it then.)
 */
#include <exo/env.h>
#include <exo/page.h>
#include <exo/syscall.h>
#include <exo/vio_blkhdr.h>
#include <exo/vio_chain.h>
#include <exo/vio_internal.h>

#define AVAIL_RING 4 /* offset of ring[] in an available ring; idx at 2 */
#define USED_RING 4

extern struct exo_pages exo_pages;

static struct exo_vq_desc stage[EXO_VQ_SIZE]; /* the kick being checked */
static uint16_t stage_idx[EXO_VQ_SIZE], stage_head[EXO_VQ_SIZE];
static uint8_t staged[EXO_VQ_SIZE];

/* One descriptor of the caller's, as read: well-formed, and every byte it names in a page the
 * caller owns. */
static int check_desc(const struct env *self, const struct exo_vq_desc *d)
{
    if (d->flags & ~(EXO_VQ_F_NEXT | EXO_VQ_F_WRITE) || d->len == 0 || d->len > (1u << 22) ||
        d->addr + d->len < d->addr)
        return EXO_E_CORRUPT;
    for (uint64_t p = d->addr >> EXO_PAGE_SHIFT; p <= (d->addr + d->len - 1) >> EXO_PAGE_SHIFT; p++)
        if (!exo_page_owned_by(&exo_pages, p, self->id))
            return EXO_E_PERM;
    return EXO_OK;
}

/* Reads and checks one chain of the caller's into the staging area: the chain's descriptors
 * are copied once (the env may change its pages meanwhile; only the copy counts), and the
 * whole chain must have the shape its queue takes (q->rule: order, minimum request). */
static int stage_chain(const struct env *self, struct vq *q, uint16_t head, uint16_t *nstaged)
{
    const volatile struct exo_vq_desc *sdesc = page_va(q->sdesc); /* the env's: read once */
    struct vio_chain_tally tally = {0};
    uint16_t i = head, first = *nstaged;
    for (int n = 0;; n++) {
        if (i >= q->size || n >= q->size)
            return EXO_E_CORRUPT; /* out of the table, or a loop */
        if (q->busy[i] || staged[i])
            return EXO_E_BUSY;
        const struct exo_vq_desc d = {sdesc[i].addr, sdesc[i].len, sdesc[i].flags, sdesc[i].next};
        int r = check_desc(self, &d);
        if (r < 0 || (r = vio_chain_add(&tally, d.flags, d.len)) < 0)
            return r;
        staged[i] = 1;
        stage[*nstaged] = d;
        stage_idx[(*nstaged)++] = i;
        if (!(d.flags & EXO_VQ_F_NEXT)) {
            r = vio_chain_fits(&q->rule, &tally);
            if (r == EXO_OK && q->rule.blk) /* the device reads exo's copy of the header */
                r = vio_blkhdr_stage(&q->rule, &tally, q->hdr, head, &stage[first]);
            return r;
        }
        i = d.next;
    }
}

int64_t sys_vio_kick(uint64_t dev, uint64_t queue, uint64_t avail_idx)
{
    struct env *self = caller();
    struct vdev *d;
    struct vq *q;
    int r = vio_queue_of(dev, queue, &d, &q);
    if (r < 0)
        return r;
    if (q->owner != self->id)
        return EXO_E_PERM;
    if (d->direct)
        return EXO_E_INVAL; /* driven directly: the env writes the device's ring itself */
    if (q->rule.whole && vio_shared_device(d, q))
        return EXO_E_PERM; /* its commands act on the others' queues too (vio_chain.h) */
    vio_reap(q);
    uint16_t n = (uint16_t)(avail_idx - q->next_avail);
    if (avail_idx > 0xffff || n > q->size)
        return EXO_E_RANGE;
    uint16_t nstaged = 0;
    for (uint16_t k = 0; k < n && r == EXO_OK; k++) {
        stage_head[k] = *ring16(q->savail, AVAIL_RING + 2 * ((q->next_avail + k) % q->size));
        r = stage_chain(self, q, stage_head[k], &nstaged);
    }
    for (uint16_t s = 0; s < nstaged; s++)
        staged[stage_idx[s]] = 0;
    if (r < 0)
        return r;
    struct exo_vq_desc *desc = page_va(q->desc);
    for (uint16_t s = 0; s < nstaged; s++) {
        desc[stage_idx[s]] = stage[s];
        q->busy[stage_idx[s]] = 1;
        vio_pin(stage[s].addr, stage[s].len, 1);
    }
    for (uint16_t k = 0; k < n; k++) {
        *ring16(q->avail, AVAIL_RING + 2 * ((q->next_avail + k) % q->size)) = stage_head[k];
        q->is_head[stage_head[k]] = 1;
        if (q->rule.blk)
            vio_blkhdr_commit(q->hdr, stage_head[k]);
    }
    *ring16(q->avail, 0) = *ring16(q->savail, 0) & 1; /* the env may turn interrupts off */
    __atomic_thread_fence(__ATOMIC_RELEASE);          /* descriptors and entries before the index */
    q->next_avail = (uint16_t)(q->next_avail + n);
    *ring16(q->avail, 2) = q->next_avail;
    q->inflight = (uint16_t)(q->inflight + n);
    if (n)
        vio_pci_notify(&d->pci, (uint16_t)queue, q->doorbell);
    return n;
}
