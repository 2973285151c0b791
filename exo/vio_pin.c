/*
 * vio_pin.c: DMA pins. Every page a descriptor in flight names keeps a pin count (struct
 * exo_page.dma) until the device is done with it, so it is never freed under the device. Here:
 * pinning, collecting completions, draining a queue (resetting its device when that is the only
 * way), and what an env's end and a page's freeing wait for.
 */
#include <exo/console.h>
#include <exo/env.h>
#include <exo/iommu.h>
#include <exo/irq.h>
#include <exo/lapic.h>
#include <exo/page.h>
#include <exo/vio.h>
#include <exo/vio_internal.h>
#include <exo/x86.h>

extern struct exo_pages exo_pages;

void vio_pin(uint64_t addr, uint32_t len, int delta)
{
    for (uint64_t p = addr >> EXO_PAGE_SHIFT; p <= (addr + len - 1) >> EXO_PAGE_SHIFT; p++)
        exo_pages.page[p].dma = (uint16_t)(exo_pages.page[p].dma + delta);
}

/* Unpins the chain at head in the device's table (written by exo: trusted) and frees it. */
static void release_chain(struct vq *q, uint16_t head)
{
    struct exo_vq_desc *desc = page_va(q->desc);
    uint16_t i = head;
    for (int n = 0; n < q->size && q->busy[i]; n++) {
        q->busy[i] = 0;
        vio_pin(desc[i].addr, desc[i].len, -1);
        if (!(desc[i].flags & EXO_VQ_F_NEXT))
            break;
        i = desc[i].next;
    }
}

/* Collects what the device has finished. */
void vio_reap(struct vq *q)
{
    volatile struct exo_vq_used *used = page_va(q->used);
    uint16_t idx = used->idx;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    while (q->last_used != idx) {
        uint32_t head = used->ring[q->last_used % q->size].id;
        if (head < q->size && q->is_head[head]) { /* else the device lies: ignored */
            q->is_head[head] = 0;
            release_chain(q, (uint16_t)head);
            q->inflight--;
        }
        q->last_used++;
    }
}

/* The device no longer touches memory (it was reset): everything in flight is released. */
void vio_forget_inflight(struct vdev *d)
{
    for (int k = 0; k < d->nq; k++) {
        struct vq *q = &d->q[k];
        for (uint16_t i = 0; i < q->size; i++)
            if (q->busy[i]) {
                struct exo_vq_desc *desc = page_va(q->desc);
                q->busy[i] = q->is_head[i] = 0;
                vio_pin(desc[i].addr, desc[i].len, -1);
            }
        q->inflight = 0;
    }
}

/* Resets the device: it touches no memory after this, and needs vio_setup again. A device that
 * will not reset is dead: its pins stay (the pages it may still write never move on), the
 * IOMMU, if any, blocks it, and no call reaches it again. */
int vio_stop(struct vdev *d)
{
    d->accepted = 0;
    if (vio_pci_reset(&d->pci) < 0) {
        kprintf("exo: virtio: dev %ld does not reset: retired\n", (long)(d - vio_devs));
        d->dead = 1;
        iommu_block(d->bdf);
        return EXO_E_CORRUPT;
    }
    vio_forget_inflight(d);
    return EXO_OK;
}

/* Does an env other than q's owner hold a queue of d? */
int vio_shared_device(const struct vdev *d, const struct vq *q)
{
    for (int k = 0; k < d->nq; k++)
        if (d->q[k].owner && d->q[k].owner != q->owner && env_by_id(d->q[k].owner))
            return 1;
    return 0;
}

/* A drain's deadline: 100 ms from now, one for a whole call (never 100 ms per queue). */
uint64_t vio_drain_deadline(void)
{
    return rdtsc() + exo_tsc_hz / 10;
}

/* Makes sure the device no longer uses q's chains. Receive buffers never finish by themselves,
 * and only a reset stops a device from using what it was given: when q's owner is the device's
 * only user that is the way, at once; otherwise the others' queues die with the reset, so
 * exo first waits, until the deadline, for the chains to finish. */
void vio_drain(struct vdev *d, struct vq *q, uint64_t deadline)
{
    vio_reap(q);
    if (q->inflight && !vio_shared_device(d, q)) {
        vio_stop(d);
        return;
    }
    while (q->inflight && rdtsc() < deadline) {
        __builtin_ia32_pause();
        vio_reap(q);
    }
    if (q->inflight) {
        kprintf("exo: virtio: dev %ld reset: %u requests outstanding after 100 ms\n",
                (long)(d - vio_devs), q->inflight);
        vio_stop(d); /* every queue of it is dead until vio_setup */
    }
}

void vio_give_back(struct vq *q)
{
    if (q->vector >= 0)
        irq_set(q->vector, 0);
    q->owner = 0;
}

void vio_env_freed(const struct env *e)
{
    uint64_t deadline = vio_drain_deadline();
    for (int i = 0; i < vio_ndevs; i++) {
        if (vio_devs[i].direct == e->id)
            vio_undirect(&vio_devs[i]); /* reset first: no DMA into its pages once they are freed */
        for (int k = 0; k < vio_devs[i].nq; k++)
            if (vio_devs[i].q[k].owner == e->id) {
                vio_drain(&vio_devs[i], &vio_devs[i].q[k], deadline);
                vio_give_back(&vio_devs[i].q[k]);
            }
    }
    iommu_env_freed(e->id);
}

/* Does a descriptor q has in flight name page ppn? */
static int queue_pins(const struct vq *q, uint64_t ppn)
{
    const struct exo_vq_desc *desc = page_va(q->desc);
    for (uint16_t i = 0; i < q->size; i++)
        if (q->busy[i] && desc[i].addr >> EXO_PAGE_SHIFT <= ppn &&
            (desc[i].addr + desc[i].len - 1) >> EXO_PAGE_SHIFT >= ppn)
            return 1;
    return 0;
}

int vio_release_page(uint64_t ppn, int force)
{
    if (!exo_pages.page[ppn].dma)
        return EXO_OK;
    uint32_t owner = exo_pages.page[ppn].owner; /* only its owner's kicks could pin it */
    for (int i = 0; i < vio_ndevs; i++)
        for (int k = 0; k < vio_devs[i].nq; k++)
            if (vio_devs[i].q[k].owner == owner)
                vio_reap(&vio_devs[i].q[k]);
    /* Only the queues still holding this page are waited for (and their device reset). */
    uint64_t deadline = vio_drain_deadline();
    for (int i = 0; force && exo_pages.page[ppn].dma && i < vio_ndevs; i++)
        for (int k = 0; k < vio_devs[i].nq; k++)
            if (vio_devs[i].q[k].owner == owner && queue_pins(&vio_devs[i].q[k], ppn))
                vio_drain(&vio_devs[i], &vio_devs[i].q[k], deadline);
    return exo_pages.page[ppn].dma ? EXO_E_BUSY : EXO_OK;
}
