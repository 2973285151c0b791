/*
 * vio.c: virtio devices and their queues as exo resources (see vio.h). Everything here runs
 * under the kernel lock; one staging area for kicks is enough.
 */
#include <exo/acpi.h>
#include <exo/console.h>
#include <exo/event.h>
#include <exo/iommu.h>
#include <exo/irq.h>
#include <exo/lapic.h>
#include <exo/page.h>
#include <exo/pci.h>
#include <exo/pmap.h>
#include <exo/syscall.h>
#include <exo/vio.h>
#include <exo/vio_blkhdr.h>
#include <exo/vio_chain.h>
#include <exo/vm.h>
#include <exo/x86.h>

#include <common/vio_pci.h>

extern struct exo_pages exo_pages;

#define VIO_MAXDEV 16
#define AVAIL_RING 4 /* offset of ring[] in an available ring; idx at 2 */
#define USED_RING 4
#define PLATFORM VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM) /* DMA through the IOMMU: with one, always */

struct vq {
    uint16_t size;                /* 0: not set up */
    int vector;                   /* claimed interrupt vector, -1: none */
    uint32_t doorbell;            /* offset in the notify block */
    uint64_t sdesc, savail;       /* the owner's submission pages (ppn) */
    uint64_t desc, avail, used;   /* the device's rings (ppn); used is mapped read-only */
    uint64_t hdr;                 /* blk: exo's copies of the request headers (vio_blkhdr.h) */
    uint32_t owner;               /* env id holding the queue, 0: exo */
    uint16_t next_avail;          /* the device ring's available index */
    uint16_t last_used;           /* completions exo has collected */
    uint16_t inflight;            /* chains submitted and not yet collected */
    uint8_t in_dom;               /* its rings are in the direct holder's IOMMU domain */
    struct vio_chain_rule rule;   /* what each chain on it must look like (vio_chain.h) */
    uint8_t busy[EXO_VQ_SIZE];    /* descriptor index in flight */
    uint8_t is_head[EXO_VQ_SIZE]; /* ... and the head of a chain exo submitted */
};

struct vdev {
    pci_bdf bdf;
    uint16_t vendor, device, type, nq;
    struct vio_pci pci;
    volatile uint32_t *msix; /* MSI-X table, 4 words per entry; NULL: none */
    uint16_t msix_n;
    uint64_t msix_phys, pba_phys; /* where the table and the pending bits are */
    uint64_t offered, accepted;
    uint64_t bell;   /* physical page of the doorbells, if it holds nothing else (0: it does) */
    uint32_t direct; /* env holding the whole device (vio_direct), 0: none */
    uint8_t dead;    /* it would not reset: never used again, its pins are kept for good */
    struct vq q[EXO_VQ_MAX];
};

/* A page's pin count (struct exo_page.dma) must hold every descriptor that could name it. */
_Static_assert(VIO_MAXDEV * EXO_VQ_MAX * EXO_VQ_SIZE < 65536, "dma pin counter");

static struct vdev devs[VIO_MAXDEV];
static int ndevs;
static uint32_t bsp_lapic; /* where every queue's interrupt goes */

static struct exo_vq_desc stage[EXO_VQ_SIZE]; /* the kick being checked */
static uint16_t stage_idx[EXO_VQ_SIZE], stage_head[EXO_VQ_SIZE];
static uint8_t staged[EXO_VQ_SIZE];

static void undirect(struct vdev *d);
static int rings_in(struct vdev *d, uint32_t owner);

static void *page_va(uint64_t ppn)
{
    return phys_to_virt(ppn << EXO_PAGE_SHIFT);
}

static volatile uint16_t *ring16(uint64_t ppn, uint32_t off)
{
    return (volatile uint16_t *)((uint8_t *)page_va(ppn) + off);
}

/* ---- boot: finding devices ---- */

static uint8_t cfg8(void *ctx, uint16_t off)
{
    return pci_read8(*(pci_bdf *)ctx, off);
}

static int map_region(pci_bdf f, const struct vio_region *r, volatile uint8_t **out)
{
    uint64_t bar = r->bar == 0xff ? 0 : pci_bar(f, r->bar);
    if (!bar || !r->length)
        return EXO_E_NOENT;
    volatile void *va;
    if (vm_map_mmio(&exo_pages, bar + r->offset, r->length, &va) < 0)
        return EXO_E_NOMEM;
    *out = (volatile uint8_t *)va;
    return 0;
}

static void msix_init(struct vdev *d)
{
    uint16_t cap = pci_find_cap(d->bdf, PCI_CAP_MSIX, 0);
    if (!cap)
        return;
    uint16_t ctrl = pci_read16(d->bdf, (uint16_t)(cap + 2));
    uint32_t table = pci_read32(d->bdf, (uint16_t)(cap + 4));
    uint32_t pba = pci_read32(d->bdf, (uint16_t)(cap + 8));
    if ((table & 7) > 5 || (pba & 7) > 5)
        return; /* no such BAR: a broken capability */
    uint64_t bar = pci_bar(d->bdf, table & 7);
    uint16_t n = (ctrl & 0x7ff) + 1;
    d->msix_phys = bar + (table & ~7u);
    d->pba_phys = pci_bar(d->bdf, pba & 7) + (pba & ~7u);
    volatile void *va;
    if (!bar || vm_map_mmio(&exo_pages, d->msix_phys, n * 16u, &va) < 0)
        return;
    d->msix = (volatile uint32_t *)va;
    d->msix_n = n;
    for (uint16_t i = 0; i < n; i++)
        d->msix[i * 4 + 3] = 1; /* masked until a queue gets the entry */
    pci_write16(d->bdf, (uint16_t)(cap + 2), (uint16_t)((ctrl | 0x8000) & ~0x4000));
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

/* The doorbell page, if an env may have it: nothing else of the device's registers in it (an
 * env could reprogram them), and the device on the root bus, where its DMA carries its own
 * requester id (behind a bridge it could carry the bridge's, which exo's domain switch would
 * miss). 0 otherwise. */
static uint64_t bell_alone(const struct vdev *d, const struct vio_pci_caps *caps)
{
    uint64_t bell = pci_bar(d->bdf, caps->notify.bar) + caps->notify.offset;
    if (bell % EXO_PAGE || caps->notify.length > EXO_PAGE || (d->bdf >> 8) != pci_root_bus())
        return 0;
    const struct vio_region *other[] = {&caps->common, &caps->isr, &caps->device};
    for (int i = 0; i < 3; i++)
        if (other[i]->bar != 0xff && overlaps(pci_bar(d->bdf, other[i]->bar) + other[i]->offset,
                                              other[i]->length, bell, EXO_PAGE))
            return 0;
    if (d->msix && (overlaps(d->msix_phys, d->msix_n * 16u, bell, EXO_PAGE) ||
                    overlaps(d->pba_phys, (d->msix_n + 63u) / 64 * 8, bell, EXO_PAGE)))
        return 0;
    return bell;
}

static void probe(pci_bdf f, void *ctx)
{
    (void)ctx;
    uint16_t vendor = pci_read16(f, PCI_VENDOR), device = pci_read16(f, PCI_DEVICE);
    if (vendor != 0x1af4 || device < 0x1000 || device > 0x107f || ndevs == VIO_MAXDEV)
        return;
    struct vio_pci_caps caps;
    if (!(pci_read16(f, PCI_STATUS) & PCI_STATUS_CAPS) ||
        vio_pci_find_caps(cfg8, &f, pci_read8(f, PCI_CAP_PTR), &caps) < 0)
        return; /* legacy only: not ours */
    struct vdev *d = &devs[ndevs];
    *d = (struct vdev){.bdf = f, .vendor = vendor, .device = device};
    /* transitional devices (0x1000..) carry the virtio type in the subsystem id */
    d->type = device >= 0x1040 ? device - 0x1040 : pci_read16(f, PCI_SUBSYSTEM);
    if (map_region(f, &caps.common, &d->pci.common) < 0 ||
        map_region(f, &caps.notify, &d->pci.notify) < 0)
        return;
    if (map_region(f, &caps.device, &d->pci.device) == 0)
        d->pci.device_len = caps.device.length;
    if (map_region(f, &caps.isr, &d->pci.isr) < 0)
        d->pci.isr = 0;
    d->pci.notify_mult = caps.notify_mult;
    d->pci.notify_len = caps.notify.length;
    pci_write16(f, PCI_COMMAND,
                (uint16_t)(pci_read16(f, PCI_COMMAND) | PCI_CMD_MEMORY | PCI_CMD_MASTER |
                           PCI_CMD_INTX_OFF));
    msix_init(d);
    d->bell = bell_alone(d, &caps);
    if (vio_pci_reset(&d->pci) < 0)
        return;
    d->offered = vio_pci_offered(&d->pci);
    uint16_t nq = vio_pci_num_queues(&d->pci);
    d->nq = nq < EXO_VQ_MAX ? nq : EXO_VQ_MAX;
    for (uint16_t q = 0; q < d->nq; q++)
        d->q[q].vector = -1;
    kprintf("exo: virtio: dev %d type %u at %02x:%02x.%x (%04x:%04x), %u queues of %u, "
            "%u msi-x%s\n",
            ndevs, d->type, f >> 8, f >> 3 & 31, f & 7, vendor, device, d->nq,
            d->nq ? vio_pci_queue_max(&d->pci, 0) : 0, d->msix_n,
            vio_type_handed_out(d->type) ? "" : ", exo's own (its requests name memory)");
    ndevs++;
}

static void identity(pci_bdf f, void *ctx)
{
    (void)ctx;
    iommu_add_device(f);
}

void vio_init(void)
{
    bsp_lapic = lapic_id();
    pci_init();
    if (iommu_init(exo_acpi.dmar) == 1) { /* every device in the identity domain, then on */
        pci_scan(identity, 0);
        iommu_enable();
    }
    pci_scan(probe, 0);
    if (!ndevs)
        kprintf("exo: virtio: no devices\n");
}

void vio_cap_init(struct env *init)
{
    init->caps[EXO_CAP_DEVS] = (struct cap){
        .type = CAP_DEV, .rights = EXO_RIGHT_BIND, .obj = 0 | (uint64_t)(VIO_MAXDEV - 1) << 8};
}

/* ---- pins: pages named by descriptors in flight ---- */

static void pin(uint64_t addr, uint32_t len, int delta)
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
        pin(desc[i].addr, desc[i].len, -1);
        if (!(desc[i].flags & EXO_VQ_F_NEXT))
            break;
        i = desc[i].next;
    }
}

/* Collects what the device has finished. */
static void reap(struct vq *q)
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
static void forget_inflight(struct vdev *d)
{
    for (int k = 0; k < d->nq; k++) {
        struct vq *q = &d->q[k];
        for (uint16_t i = 0; i < q->size; i++)
            if (q->busy[i]) {
                struct exo_vq_desc *desc = page_va(q->desc);
                q->busy[i] = q->is_head[i] = 0;
                pin(desc[i].addr, desc[i].len, -1);
            }
        q->inflight = 0;
    }
}

/* Resets the device: it touches no memory after this, and needs vio_setup again. A device that
 * will not reset is dead: its pins stay (the pages it may still write never move on), the
 * IOMMU, if any, blocks it, and no call reaches it again. */
static int stop(struct vdev *d)
{
    d->accepted = 0;
    if (vio_pci_reset(&d->pci) < 0) {
        kprintf("exo: virtio: dev %ld does not reset: retired\n", (long)(d - devs));
        d->dead = 1;
        iommu_block(d->bdf);
        return EXO_E_CORRUPT;
    }
    forget_inflight(d);
    return EXO_OK;
}

/* Does an env other than q's owner hold a queue of d? */
static int shared_device(const struct vdev *d, const struct vq *q)
{
    for (int k = 0; k < d->nq; k++)
        if (d->q[k].owner && d->q[k].owner != q->owner && env_by_id(d->q[k].owner))
            return 1;
    return 0;
}

/* A drain's deadline: 100 ms from now, one for a whole call (never 100 ms per queue). */
static uint64_t drain_deadline(void)
{
    return rdtsc() + exo_tsc_hz / 10;
}

/* Makes sure the device no longer uses q's chains. Receive buffers never finish by themselves,
 * and only a reset stops a device from using what it was given: when q's owner is the device's
 * only user that is the way, at once; otherwise the others' queues die with the reset, so
 * exo first waits, until the deadline, for the chains to finish. */
static void drain(struct vdev *d, struct vq *q, uint64_t deadline)
{
    reap(q);
    if (q->inflight && !shared_device(d, q)) {
        stop(d);
        return;
    }
    while (q->inflight && rdtsc() < deadline) {
        __builtin_ia32_pause();
        reap(q);
    }
    if (q->inflight) {
        kprintf("exo: virtio: dev %ld reset: %u requests outstanding after 100 ms\n",
                (long)(d - devs), q->inflight);
        stop(d); /* every queue of it is dead until vio_setup */
    }
}

static void give_back(struct vq *q)
{
    if (q->vector >= 0)
        irq_set(q->vector, 0);
    q->owner = 0;
}

void vio_env_freed(const struct env *e)
{
    uint64_t deadline = drain_deadline();
    for (int i = 0; i < ndevs; i++) {
        if (devs[i].direct == e->id)
            undirect(&devs[i]); /* reset first: no DMA into its pages once they are freed */
        for (int k = 0; k < devs[i].nq; k++)
            if (devs[i].q[k].owner == e->id) {
                drain(&devs[i], &devs[i].q[k], deadline);
                give_back(&devs[i].q[k]);
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
    for (int i = 0; i < ndevs; i++)
        for (int k = 0; k < devs[i].nq; k++)
            if (devs[i].q[k].owner == owner)
                reap(&devs[i].q[k]);
    /* Only the queues still holding this page are waited for (and their device reset). */
    uint64_t deadline = drain_deadline();
    for (int i = 0; force && exo_pages.page[ppn].dma && i < ndevs; i++)
        for (int k = 0; k < devs[i].nq; k++)
            if (devs[i].q[k].owner == owner && queue_pins(&devs[i].q[k], ppn))
                drain(&devs[i], &devs[i].q[k], deadline);
    return exo_pages.page[ppn].dma ? EXO_E_BUSY : EXO_OK;
}

/* ---- the calls ---- */

/* The device `dev` names, if the caller holds BIND on a CAP_DEV covering it. */
static int dev_of(uint64_t dev, struct vdev **out)
{
    if (dev >= (uint64_t)ndevs)
        return dev < VIO_MAXDEV ? EXO_E_NOENT : EXO_E_RANGE;
    if (devs[dev].dead)
        return EXO_E_CORRUPT; /* it would not reset: retired */
    if (!cap_covers(caller(), CAP_DEV, dev) || !vio_type_handed_out(devs[dev].type))
        return EXO_E_PERM; /* not the caller's, or exo's own whoever asks (vio_chain.h) */
    *out = &devs[dev];
    return EXO_OK;
}

int64_t sys_vio_info(uint64_t dev, uint64_t buf)
{
    struct vdev *d;
    int r = dev_of(dev, &d);
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

static int queue_taken(const struct vq *q)
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
    if (iommu_irq_route(d->bdf, vector, bsp_lapic, &addr, &data) < 0) {
        addr = lapic_msi_addr(bsp_lapic); /* fixed delivery to the boot CPU */
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
        if (queue_taken(&d->q[k]))
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
    return d->direct ? rings_in(d, d->direct) : EXO_OK;
}

/* Resets the device and starts it again with acc: from here on only the device can refuse (the
 * features, a queue), and leaves it reset. */
static int restart(struct vdev *d, uint64_t acc)
{
    if (vio_pci_reset(&d->pci) < 0)
        return EXO_E_CORRUPT;
    forget_inflight(d); /* reset: nothing of before is in flight any more */
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
    return d->direct ? rings_in(d, d->direct) : EXO_OK; /* new queues' rings, in its domain */
}

int64_t sys_vio_setup(uint64_t dev, uint64_t features)
{
    struct vdev *d;
    int r = dev_of(dev, &d);
    if (r < 0 || (r = setup_allowed(d, features)) < 0)
        return r;
    uint64_t acc = setup_features(d, features);
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
static int queue_of(uint64_t dev, uint64_t queue, struct vdev **d, struct vq **q)
{
    int r = dev_of(dev, d);
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
    int r = queue_of(dev, queue, &d, &q);
    if (r < 0)
        return r;
    if (queue_taken(q))
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
    int r = queue_of(dev, queue, &d, &q);
    if (r < 0)
        return r;
    if (q->owner != self->id)
        return EXO_E_PERM;
    if (d->direct)
        return EXO_E_INVAL; /* driven directly: the env writes the device's ring itself */
    if (q->rule.whole && shared_device(d, q))
        return EXO_E_PERM; /* its commands act on the others' queues too (vio_chain.h) */
    reap(q);
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
        pin(stage[s].addr, stage[s].len, 1);
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

int64_t sys_vio_queue_close(uint64_t dev, uint64_t queue)
{
    struct vdev *d;
    struct vq *q;
    int r = dev_of(dev, &d);
    if (r < 0)
        return r;
    if (queue >= d->nq)
        return EXO_E_RANGE;
    q = &d->q[queue];
    if (q->owner != caller()->id)
        return EXO_E_PERM;
    if (d->direct)
        stop(d); /* exo never saw what is in flight: only a reset ends it */
    else
        drain(d, q, drain_deadline());
    pmap_remove_everywhere(q->sdesc);
    pmap_remove_everywhere(q->savail);
    pmap_remove_everywhere(q->desc);
    pmap_remove_everywhere(q->avail);
    pmap_remove_everywhere(q->used);
    give_back(q);
    return EXO_OK;
}

/* Ends the direct owner's hold: reset, back in the identity domain, doorbell unmapped. */
/* Puts every set-up queue's rings into owner's domain (before the device joins it: the device
 * may look at any of its queues at any time, not only those the env opens). */
static int rings_in(struct vdev *d, uint32_t owner)
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

static void undirect(struct vdev *d)
{
    int r = stop(d); /* a device that will not reset stays blocked, out of every domain */
    iommu_fault();   /* whatever it tried and was refused is logged by now */
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
    int r = dev_of(dev, &d);
    if (r < 0)
        return r;
    if (va == 0) {
        if (d->direct != self->id)
            return EXO_E_PERM;
        for (int k = 0; k < d->nq; k++)
            if (d->q[k].owner == self->id)
                return EXO_E_PERM; /* close them first */
        undirect(d);
        return EXO_OK;
    }
    if (!d->bell || !iommu_enabled() || !iommu_ir_enabled())
        return EXO_E_NOSYS; /* nothing would stop its DMA, or its forged interrupts */
    if (!(d->accepted & PLATFORM))
        return EXO_E_INVAL;
    if (d->direct)
        return EXO_E_BUSY;
    for (int k = 0; k < d->nq; k++)
        if (queue_taken(&d->q[k]))
            return EXO_E_BUSY;
    uint32_t prot;
    if (va % EXO_PAGE || va >= EXO_USER_TOP)
        return EXO_E_INVAL;
    if (pmap_lookup(self->pml4, va, &prot))
        return EXO_E_BUSY;
    if ((r = rings_in(d, self->id)) < 0 || (r = iommu_attach(d->bdf, self->id)) < 0 ||
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
