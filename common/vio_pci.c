/*
 * vio_pci.c: the virtio 1.x PCI transport (see vio_pci.h), following the driver
 * initialization sequence of virtio 1.x section 3.1.1 and the PCI layout of section 4.1.
 */
#include <common/vio_pci.h>
#include <exo/abi.h>

#define CAP_VENDOR 0x09
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4

static uint32_t rd32(vio_cfg_read8 rd, void *ctx, uint16_t off)
{
    return (uint32_t)rd(ctx, off) | (uint32_t)rd(ctx, (uint16_t)(off + 1)) << 8 |
           (uint32_t)rd(ctx, (uint16_t)(off + 2)) << 16 |
           (uint32_t)rd(ctx, (uint16_t)(off + 3)) << 24;
}

int vio_pci_find_caps(vio_cfg_read8 rd, void *ctx, uint8_t cap_ptr, struct vio_pci_caps *out)
{
    struct vio_region none = {0xff, 0, 0};
    *out = (struct vio_pci_caps){none, none, none, none, 0};
    uint16_t off = cap_ptr;
    for (int n = 0; off >= 0x40 && off < 0x100 && n < 48; n++) { /* 48: a loop ends */
        off &= 0xfc;
        uint8_t id = rd(ctx, off), len = rd(ctx, (uint16_t)(off + 2));
        if (id == CAP_VENDOR && len >= 16) {
            uint8_t type = rd(ctx, (uint16_t)(off + 3));
            struct vio_region r = {rd(ctx, (uint16_t)(off + 4)), rd32(rd, ctx, (uint16_t)(off + 8)),
                                   rd32(rd, ctx, (uint16_t)(off + 12))};
            struct vio_region *slot = type == CFG_COMMON   ? &out->common
                                      : type == CFG_NOTIFY ? &out->notify
                                      : type == CFG_ISR    ? &out->isr
                                      : type == CFG_DEVICE ? &out->device
                                                           : 0;
            if (r.bar > 5 || (slot && slot->bar != 0xff))
                slot = 0; /* a reserved BAR, or a later duplicate: ignored */
            if (slot && type == CFG_NOTIFY) {
                if (len < 20)
                    slot = 0;
                else
                    out->notify_mult = rd32(rd, ctx, (uint16_t)(off + 16));
            }
            if (slot)
                *slot = r;
        }
        off = rd(ctx, (uint16_t)(off + 1));
    }
    return out->common.bar != 0xff && out->notify.bar != 0xff ? EXO_OK : EXO_E_NOENT;
}

static inline void w8(struct vio_pci *d, uint32_t off, uint8_t v)
{
    *(volatile uint8_t *)(d->common + off) = v;
}
static inline void w16(struct vio_pci *d, uint32_t off, uint16_t v)
{
    *(volatile uint16_t *)(d->common + off) = v;
}
static inline void w32(struct vio_pci *d, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(d->common + off) = v;
}
static inline void w64(struct vio_pci *d, uint32_t off, uint64_t v)
{
    w32(d, off, (uint32_t)v); /* two halves: 64-bit accesses to these are not guaranteed */
    w32(d, off + 4, (uint32_t)(v >> 32));
}
static inline uint8_t r8(struct vio_pci *d, uint32_t off)
{
    return *(volatile uint8_t *)(d->common + off);
}
static inline uint16_t r16(struct vio_pci *d, uint32_t off)
{
    return *(volatile uint16_t *)(d->common + off);
}
static inline uint32_t r32(struct vio_pci *d, uint32_t off)
{
    return *(volatile uint32_t *)(d->common + off);
}

int vio_pci_reset(struct vio_pci *d)
{
    w8(d, VIO_C_STATUS, 0);
    for (int i = 0; i < 1000000; i++) /* a reset may take its time (4.1.4.3.2) */
        if (r8(d, VIO_C_STATUS) == 0)
            return EXO_OK;
    return EXO_E_BUSY;
}

uint64_t vio_pci_offered(struct vio_pci *d)
{
    w32(d, VIO_C_DFSELECT, 0);
    uint64_t lo = r32(d, VIO_C_DF);
    w32(d, VIO_C_DFSELECT, 1);
    return lo | (uint64_t)r32(d, VIO_C_DF) << 32;
}

int vio_pci_negotiate(struct vio_pci *d, uint64_t features)
{
    w8(d, VIO_C_STATUS, VIO_S_ACKNOWLEDGE);
    w8(d, VIO_C_STATUS, VIO_S_ACKNOWLEDGE | VIO_S_DRIVER);
    w32(d, VIO_C_GFSELECT, 0);
    w32(d, VIO_C_GF, (uint32_t)features);
    w32(d, VIO_C_GFSELECT, 1);
    w32(d, VIO_C_GF, (uint32_t)(features >> 32));
    w8(d, VIO_C_STATUS, VIO_S_ACKNOWLEDGE | VIO_S_DRIVER | VIO_S_FEATURES_OK);
    if (!(r8(d, VIO_C_STATUS) & VIO_S_FEATURES_OK)) {
        w8(d, VIO_C_STATUS, VIO_S_FAILED);
        return EXO_E_INVAL;
    }
    return EXO_OK;
}

uint16_t vio_pci_num_queues(struct vio_pci *d)
{
    return r16(d, VIO_C_NUMQ);
}

uint16_t vio_pci_queue_max(struct vio_pci *d, uint16_t q)
{
    w16(d, VIO_C_Q_SELECT, q);
    return r16(d, VIO_C_Q_SIZE);
}

int64_t vio_pci_queue_setup(struct vio_pci *d, uint16_t q, uint16_t size, uint64_t desc,
                            uint64_t avail, uint64_t used, uint16_t msix_entry)
{
    w16(d, VIO_C_Q_SELECT, q);
    w16(d, VIO_C_Q_SIZE, size);
    w64(d, VIO_C_Q_DESC, desc);
    w64(d, VIO_C_Q_AVAIL, avail);
    w64(d, VIO_C_Q_USED, used);
    w16(d, VIO_C_Q_MSIX, msix_entry);
    if (r16(d, VIO_C_Q_MSIX) != msix_entry)
        return EXO_E_BUSY; /* out of vectors on the device side (4.1.5.1.2) */
    uint64_t bell = (uint64_t)r16(d, VIO_C_Q_NOFF) * d->notify_mult;
    if (bell + 2 > d->notify_len)
        return EXO_E_RANGE; /* the bell would lie outside what is mapped */
    w16(d, VIO_C_Q_ENABLE, 1);
    return (int64_t)bell;
}

void vio_pci_driver_ok(struct vio_pci *d)
{
    w8(d, VIO_C_STATUS, r8(d, VIO_C_STATUS) | VIO_S_DRIVER_OK);
}

void vio_pci_notify(struct vio_pci *d, uint16_t q, uint32_t doorbell)
{
    __asm__ volatile("mfence" ::: "memory"); /* ring entries reach memory before the bell */
    *(volatile uint16_t *)(d->notify + doorbell) = q;
}

uint32_t vio_pci_read_config(struct vio_pci *d, uint8_t *out, uint32_t len)
{
    if (!d->device)
        return 0;
    if (len > d->device_len)
        len = d->device_len;
    for (int tries = 0; tries < 8; tries++) {
        uint8_t gen = r8(d, VIO_C_CFGGEN);
        for (uint32_t i = 0; i < len; i++)
            out[i] = d->device[i];
        if (r8(d, VIO_C_CFGGEN) == gen)
            break;
    }
    return len;
}
