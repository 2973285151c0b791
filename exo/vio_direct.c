/*
 * vio_direct.c: IOMMU direct mode (vio_direct). One env holds a whole device: the device and
 * its queues' rings move into the env's IOMMU domain, its doorbell page is mapped into the env,
 * and the env drives the device's own rings without vio_kick. Ended by vio_direct(dev, 0) or the
 * env's end.
 */
#include <exo/iommu.h>
#include <exo/pmap.h>
#include <exo/syscall.h>
#include <exo/vio_internal.h>

/* Puts every set-up queue's rings into owner's domain (before the device joins it: the device
 * may look at any of its queues at any time, not only those the env opens). */
int vio_rings_in(struct vdev *d, uint32_t owner)
{
    for (int k = 0; k < EXO_VQ_MAX; k++) {
        struct vq *q = &d->q[k];
        if (!q->used || q->in_dom) /* no rings yet (used is taken last), or mapped already */
            continue;
        q->in_dom = 1; /* first: a partly mapped queue is taken out again by rings_out */
        int r;
        if ((r = iommu_map_extra(owner, q->desc)) < 0 ||
            (r = iommu_map_extra(owner, q->avail)) < 0 || (r = iommu_map_extra(owner, q->used)) < 0)
            return r;
    }
    return EXO_OK;
}

/* Takes every ring rings_in put in owner's domain out of it (whatever their size is now). */
static void rings_out(struct vdev *d, uint32_t owner)
{
    for (int k = 0; k < EXO_VQ_MAX; k++)
        if (d->q[k].in_dom) {
            iommu_page_lost(owner, d->q[k].desc);
            iommu_page_lost(owner, d->q[k].avail);
            iommu_page_lost(owner, d->q[k].used);
            d->q[k].in_dom = 0;
        }
}

/* Ends the direct owner's hold: reset, back in the identity domain, doorbell unmapped. */
void vio_undirect(struct vdev *d)
{
    int r = vio_stop(d); /* a device that will not reset stays blocked, out of every domain */
    iommu_fault();       /* whatever it tried and was refused is logged by now */
    if (r == EXO_OK)
        iommu_attach(d->bdf, 0);
    rings_out(d, d->direct);
    iommu_detached(d->direct); /* the env's domain goes if no device is left in it */
    pmap_remove_everywhere(d->bell >> EXO_PAGE_SHIFT);
    d->direct = 0;
}

int64_t sys_vio_direct(uint64_t dev, uint64_t va)
{
    struct env *self = caller();
    struct vdev *d;
    int r = vio_dev_of(dev, &d);
    if (r < 0)
        return r;
    if (va == 0) {
        if (d->direct != self->id)
            return EXO_E_PERM;
        for (int k = 0; k < d->nq; k++)
            if (d->q[k].owner == self->id)
                return EXO_E_PERM; /* close them first */
        vio_undirect(d);
        return EXO_OK;
    }
    if (!d->bell || !iommu_enabled() || !iommu_ir_enabled())
        return EXO_E_NOSYS; /* nothing would stop its DMA, or its forged interrupts */
    if (!(d->accepted & PLATFORM))
        return EXO_E_INVAL;
    if (d->direct)
        return EXO_E_BUSY;
    for (int k = 0; k < d->nq; k++)
        if (vio_queue_taken(&d->q[k]))
            return EXO_E_BUSY;
    uint32_t prot;
    if (va % EXO_PAGE || va >= EXO_USER_TOP)
        return EXO_E_INVAL;
    if (pmap_lookup(self->pml4, va, &prot))
        return EXO_E_BUSY;
    if ((r = vio_rings_in(d, self->id)) < 0 || (r = iommu_attach(d->bdf, self->id)) < 0 ||
        (r = pmap_enter(self->pml4, va, d->bell >> EXO_PAGE_SHIFT,
                        EXO_PROT_R | EXO_PROT_W | PMAP_UNCACHED)) < 0) {
        iommu_attach(d->bdf, 0); /* whatever got done is undone */
        rings_out(d, self->id);
        iommu_detached(self->id);
        return r;
    }
    d->direct = self->id;
    return EXO_OK;
}
