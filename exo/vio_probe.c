/*
 * vio_probe.c: the virtio device table (vio_internal.h). At boot exo finds the virtio 1.x PCI
 * functions, maps their register blocks and MSI-X table, masks every MSI-X entry, decides
 * whether the doorbell page may be handed out, and resets each device; init gets a CAP_DEV
 * over them all; each call finds its device here (vio_dev_of).
 */
#include <exo/acpi.h>
#include <exo/console.h>
#include <exo/env.h>
#include <exo/iommu.h>
#include <exo/lapic.h>
#include <exo/pci.h>
#include <exo/syscall.h>
#include <exo/vio.h>
#include <exo/vio_internal.h>
#include <exo/vm.h>

#include <common/vio_pci.h>

extern struct exo_pages exo_pages;

struct vdev vio_devs[VIO_MAXDEV];
int vio_ndevs;
uint32_t vio_bsp_lapic;

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
    if (vendor != 0x1af4 || device < 0x1000 || device > 0x107f || vio_ndevs == VIO_MAXDEV)
        return;
    struct vio_pci_caps caps;
    if (!(pci_read16(f, PCI_STATUS) & PCI_STATUS_CAPS) ||
        vio_pci_find_caps(cfg8, &f, pci_read8(f, PCI_CAP_PTR), &caps) < 0)
        return; /* legacy only: not ours */
    struct vdev *d = &vio_devs[vio_ndevs];
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
            vio_ndevs, d->type, f >> 8, f >> 3 & 31, f & 7, vendor, device, d->nq,
            d->nq ? vio_pci_queue_max(&d->pci, 0) : 0, d->msix_n,
            vio_type_handed_out(d->type) ? "" : ", exo's own (its requests name memory)");
    vio_ndevs++;
}

static void identity(pci_bdf f, void *ctx)
{
    (void)ctx;
    iommu_add_device(f);
}

void vio_init(void)
{
    vio_bsp_lapic = lapic_id();
    pci_init();
    if (iommu_init(exo_acpi.dmar) == 1) { /* every device in the identity domain, then on */
        pci_scan(identity, 0);
        iommu_enable();
    }
    pci_scan(probe, 0);
    if (!vio_ndevs)
        kprintf("exo: virtio: no devices\n");
}

void vio_cap_init(struct env *init)
{
    init->caps[EXO_CAP_DEVS] = (struct cap){
        .type = CAP_DEV, .rights = EXO_RIGHT_BIND, .obj = 0 | (uint64_t)(VIO_MAXDEV - 1) << 8};
}

int vio_has_net(void)
{
    for (int i = 0; i < vio_ndevs; i++)
        if (vio_devs[i].type == VIRTIO_ID_NET)
            return 1;
    return 0;
}

int vio_holds_net(const struct env *e)
{
    int found = 0;
    for (int i = 0; i < vio_ndevs; i++) {
        if (vio_devs[i].type != VIRTIO_ID_NET)
            continue;
        if (!cap_covers(e, CAP_DEV, (uint64_t)i))
            return 0;
        found = 1;
    }
    return found;
}

/* The device `dev` names, if the caller holds BIND on a CAP_DEV covering it. */
int vio_dev_of(uint64_t dev, struct vdev **out)
{
    if (dev >= (uint64_t)vio_ndevs)
        return dev < VIO_MAXDEV ? EXO_E_NOENT : EXO_E_RANGE;
    if (vio_devs[dev].dead)
        return EXO_E_CORRUPT; /* it would not reset: retired */
    if (!cap_covers(caller(), CAP_DEV, dev) || !vio_type_handed_out(vio_devs[dev].type))
        return EXO_E_PERM; /* not the caller's, or exo's own whoever asks (vio_chain.h) */
    if (vio_devs[dev].exo_net)
        return EXO_E_BUSY; /* exo drives it while the packet filters are on (net_nic.c) */
    *out = &vio_devs[dev];
    return EXO_OK;
}
