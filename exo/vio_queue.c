/*
 * vio_queue.c: the calls on a device and its queues, the kick aside (vio_kick.c): vio_info,
 * vio_setup (everything checked and every page taken before the device is reset and started),
 * vio_queue_open and vio_queue_close.
 */
#include <exo/env.h>
#include <exo/event.h>
#include <exo/iommu.h>
#include <exo/irq.h>
#include <exo/lapic.h>
#include <exo/page.h>
#include <exo/pmap.h>
#include <exo/syscall.h>
#include <exo/vio_internal.h>
#include <exo/vm.h>

#include <common/vio_pci.h>

extern struct exo_pages exo_pages;

int64_t sys_vio_info(uint64_t dev, uint64_t buf)
{
    struct vdev *d;
    int r = vio_dev_of(dev, &d);
    if (r < 0)
        return r;
    struct exo_vio_info info = {.pci_vendor = d->vendor,
                                .pci_device = d->device,
                                .type = d->type,
                                .nqueues = d->nq,
                                .bdf = d->bdf,
                                .offered = d->offered,
                                .accepted = d->accepted};
    uint16_t max = d->nq ? vio_pci_queue_max(&d->pci, 0) : 0;
    info.queue_size = max < EXO_VQ_SIZE ? max : EXO_VQ_SIZE;
    info.config_len = (uint16_t)vio_pci_read_config(&d->pci, info.config, EXO_VIO_CONFIG);
    for (int k = 0; k < d->nq; k++)
        info.doorbell[k] = d->q[k].doorbell;
    info.direct_ok = d->bell && iommu_enabled() && iommu_ir_enabled() && (d->accepted & PLATFORM);
    return user_copy_to(caller(), buf, &info, sizeof info);
}

int vio_queue_taken(const struct vq *q)
{
    return q->owner && env_by_id(q->owner);
}

static int take_page(uint64_t *ppn)
{
    if (*ppn)
        return EXO_OK;
    return exo_page_alloc(&exo_pages, EXO_OWNER_KERNEL, ppn);
}

static void msix_route(struct vdev *d, uint16_t entry, int vector)
{
    volatile uint32_t *e = d->msix + entry * 4;
    uint32_t addr, data;
    if (iommu_irq_route(d->bdf, vector, vio_bsp_lapic, &addr, &data) < 0) {
        addr = lapic_msi_addr(vio_bsp_lapic); /* fixed delivery to the boot CPU */
        data = (uint32_t)vector;
    }
    e[0] = addr;
    e[1] = 0;
    e[2] = data;
    e[3] = 0;
}

static int setup_queue(struct vdev *d, uint16_t k)
{
    struct vq *q = &d->q[k];
    uint16_t max = vio_pci_queue_max(&d->pci, k), size = EXO_VQ_SIZE;
    while (size > max)
        size >>= 1; /* a power of two no larger than the device's */
    if (!size)
        return EXO_OK; /* the device has no such queue: it stays unusable */
    int r;
    if ((r = take_page(&q->sdesc)) < 0 || (r = take_page(&q->savail)) < 0 ||
        (r = take_page(&q->desc)) < 0 || (r = take_page(&q->avail)) < 0 ||
        (r = take_page(&q->used)) < 0)
        return r;
    vm_page_zero(q->desc);
    vm_page_zero(q->avail);
    vm_page_zero(q->used);
    uint16_t entry = VIO_NO_VECTOR;
    if (d->msix && k + 1 < d->msix_n) { /* entry 0 stays the configuration change's */
        if (q->vector < 0)
            q->vector = irq_claim();
        if (q->vector >= 0) {
            entry = k + 1;
            msix_route(d, entry, q->vector);
        }
    }
    int64_t bell =
        vio_pci_queue_setup(&d->pci, k, size, q->desc << EXO_PAGE_SHIFT, q->avail << EXO_PAGE_SHIFT,
                            q->used << EXO_PAGE_SHIFT, entry);
    if (bell < 0)
        return EXO_E_CORRUPT;
    q->size = size;
    q->doorbell = (uint32_t)bell;
    q->next_avail = q->last_used = 0;
    return EXO_OK;
}

/* Everything about the call itself vio_setup can refuse, checked before the device is
 * touched. */
static int setup_allowed(const struct vdev *d, uint64_t features)
{
    for (int k = 0; k < d->nq; k++)
        if (vio_queue_taken(&d->q[k]))
            return EXO_E_BUSY;
    if (d->direct && d->direct != caller()->id)
        return EXO_E_BUSY; /* held whole by another env */
    uint64_t version = VIRTIO_BIT(VIRTIO_F_VERSION_1);
    if (!(d->offered & version) || !(features & version))
        return EXO_E_INVAL;
    return EXO_OK;
}

/* The features exo asks the device for when an env asks for `features`. */
static uint64_t setup_features(const struct vdev *d, uint64_t features)
{
    /* an allow-list per type (vio_chain.h): never indirect tables (env memory, unchecked
     * after the kick), event indices, packed rings, IN_ORDER, ... or an unknown bit */
    uint64_t acc = features & d->offered & vio_features_allowed(d->type) & ~PLATFORM;
    if (iommu_enabled())
        acc |= d->offered & PLATFORM; /* its DMA goes through the unit whatever it is told */
    return acc;
}

/* virtio-net's N: max_virtqueue_pairs from its configuration with MQ or RSS, else 1. */
static uint16_t net_pairs(struct vdev *d, uint64_t acc)
{
    uint8_t cfg[VIRTIO_NET_CFG_MAX_PAIRS + 2];
    uint64_t mq = VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_RSS);
    if (d->type != VIRTIO_ID_NET || !(acc & mq) ||
        vio_pci_read_config(&d->pci, cfg, sizeof cfg) < sizeof cfg)
        return 1;
    uint16_t n = (uint16_t)(cfg[VIRTIO_NET_CFG_MAX_PAIRS] | cfg[VIRTIO_NET_CFG_MAX_PAIRS + 1] << 8);
    return n ? n : 1;
}

/* How many queues exo hands out once the device runs with acc: what it has now, or, for
 * virtio-net, its 2N + 1 if that is more (it grows with MQ). */
static uint16_t queues_with(struct vdev *d, uint64_t acc)
{
    uint32_t n = d->type == VIRTIO_ID_NET ? 2u * net_pairs(d, acc) + 1 : 0;
    if (n < d->nq)
        n = d->nq;
    return n < EXO_VQ_MAX ? (uint16_t)n : EXO_VQ_MAX;
}

/* Takes, before the device is touched, the pages vio_setup needs for queues 0..n (and, for the
 * env holding the device whole, their place in its domain): running out refuses the call with
 * the device as it was. Pages once taken stay the queue's for good. */
static int setup_reserve(struct vdev *d, uint16_t n)
{
    for (uint16_t k = 0; k < n; k++) {
        struct vq *q = &d->q[k];
        int r;
        if ((r = take_page(&q->sdesc)) < 0 || (r = take_page(&q->savail)) < 0 ||
            (r = take_page(&q->desc)) < 0 || (r = take_page(&q->avail)) < 0 ||
            (r = take_page(&q->used)) < 0)
            return r;
        if (d->type == VIRTIO_ID_BLK && (r = take_page(&q->hdr)) < 0)
            return r;
    }
    return d->direct ? vio_rings_in(d, d->direct) : EXO_OK;
}

/* Resets the device and starts it again with acc: from here on only the device can refuse (the
 * features, a queue), and leaves it reset. */
static int restart(struct vdev *d, uint64_t acc)
{
    if (vio_pci_reset(&d->pci) < 0)
        return EXO_E_CORRUPT;
    vio_forget_inflight(d); /* reset: nothing of before is in flight any more */
    d->accepted = 0;
    for (int k = 0; k < d->nq; k++)
        d->q[k].size = 0;
    if (vio_pci_negotiate(&d->pci, acc) < 0)
        return EXO_E_CORRUPT;
    /* The queue count may follow the features (virtio-net grows from one pair and the control
     * queue to max_virtqueue_pairs with MQ): count again, never beyond what exo hands out. */
    uint16_t nq = vio_pci_num_queues(&d->pci), pairs = net_pairs(d, acc);
    for (uint16_t k = d->nq; k < nq && k < EXO_VQ_MAX; k++)
        d->q[k].vector = -1; /* never used before: no vector claimed yet */
    if (nq > d->nq)
        d->nq = nq < EXO_VQ_MAX ? nq : EXO_VQ_MAX;
    for (uint16_t k = 0; k < d->nq; k++) {
        int r = setup_queue(d, k);
        if (r < 0)
            return r;
        d->q[k].rule = vio_chain_rule(d->type, k, acc, pairs);
    }
    return d->direct ? vio_rings_in(d, d->direct) : EXO_OK; /* new queues' rings, in its domain */
}

int64_t sys_vio_setup(uint64_t dev, uint64_t features)
{
    struct vdev *d;
    int r = vio_dev_of(dev, &d);
    if (r < 0 || (r = setup_allowed(d, features)) < 0)
        return r;
    return vio_start_device(d, features);
}

int64_t vio_start_device(struct vdev *d, uint64_t features)
{
    uint64_t acc = setup_features(d, features);
    int r;
    if ((r = setup_reserve(d, queues_with(d, acc))) < 0)
        return r;
    if ((r = restart(d, acc)) < 0) {
        vio_pci_reset(&d->pci);
        return r;
    }
    vio_pci_driver_ok(&d->pci);
    d->accepted = acc;
    return (int64_t)acc;
}

/* The set-up queue `queue` of dev, for the calls that need one. */
int vio_queue_of(uint64_t dev, uint64_t queue, struct vdev **d, struct vq **q)
{
    int r = vio_dev_of(dev, d);
    if (r < 0)
        return r;
    if (!(*d)->accepted)
        return EXO_E_INVAL;
    if (queue >= (*d)->nq || !(*d)->q[queue].size)
        return EXO_E_RANGE;
    *q = &(*d)->q[queue];
    return EXO_OK;
}

int64_t sys_vio_queue_open(uint64_t dev, uint64_t queue, uint64_t va, uint64_t event)
{
    struct env *self = caller();
    struct vdev *d;
    struct vq *q;
    int r = vio_queue_of(dev, queue, &d, &q);
    if (r < 0)
        return r;
    if (vio_queue_taken(q))
        return EXO_E_BUSY;
    if (va % EXO_PAGE || va >= EXO_USER_TOP || EXO_USER_TOP - va < EXO_VQ_PAGES * EXO_PAGE)
        return EXO_E_INVAL;
    uint32_t ref = 0, prot;
    if (event != EXO_ANY && (r = cap_event(self, event, EXO_RIGHT_POST, &ref)) < 0)
        return r;
    if (event != EXO_ANY && q->vector < 0)
        return EXO_E_NOENT; /* the device has no MSI-X entry left for this queue: poll it */
    for (int i = 0; i < EXO_VQ_PAGES; i++)
        if (pmap_lookup(self->pml4, va + i * EXO_PAGE, &prot))
            return EXO_E_BUSY;                   /* never silently replace what the env mapped */
    uint64_t desc = q->sdesc, avail = q->savail; /* what the env writes */
    if (d->direct == self->id) { /* the device's own rings (in its domain since vio_direct) */
        desc = q->desc;
        avail = q->avail;
    } else if (d->direct) {
        return EXO_E_BUSY; /* the whole device is another env's */
    } else {
        vm_page_zero(q->sdesc);
        vm_page_zero(q->savail);
        *ring16(q->savail, 2) = q->next_avail; /* where the queue stands: go on from it */
    }
    if ((r = pmap_enter(self->pml4, va, desc, EXO_PROT_R | EXO_PROT_W)) < 0 ||
        (r = pmap_enter(self->pml4, va + EXO_PAGE, avail, EXO_PROT_R | EXO_PROT_W)) < 0 ||
        (r = pmap_enter(self->pml4, va + 2 * EXO_PAGE, q->used, EXO_PROT_R)) < 0) {
        for (int i = 0; i < EXO_VQ_PAGES; i++)
            pmap_remove(self->pml4, va + i * EXO_PAGE);
        return r;
    }
    q->owner = self->id;
    if (q->vector >= 0)
        irq_set(q->vector, ref);
    return q->size;
}

int64_t sys_vio_queue_close(uint64_t dev, uint64_t queue)
{
    struct vdev *d;
    struct vq *q;
    int r = vio_dev_of(dev, &d);
    if (r < 0)
        return r;
    if (queue >= d->nq)
        return EXO_E_RANGE;
    q = &d->q[queue];
    if (q->owner != caller()->id)
        return EXO_E_PERM;
    if (d->direct)
        vio_stop(d); /* exo never saw what is in flight: only a reset ends it */
    else
        vio_drain(d, q, vio_drain_deadline());
    pmap_remove_everywhere(q->sdesc);
    pmap_remove_everywhere(q->savail);
    pmap_remove_everywhere(q->desc);
    pmap_remove_everywhere(q->avail);
    pmap_remove_everywhere(q->used);
    vio_give_back(q);
    return EXO_OK;
}
