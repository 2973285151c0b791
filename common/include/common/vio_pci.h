/*
 * vio_pci.h: the virtio 1.x PCI transport ("modern" interface): finding the register blocks
 * the vendor capabilities point at, resetting a device, negotiating features, telling it where
 * a queue's rings are and which MSI-X entry signals it, and ringing a queue's doorbell.
 *
 * exo does all of this at setup; the data path (the rings themselves, virtq.h) is the
 * libOS's. Finding the capabilities is pure (it reads configuration space through a callback),
 * so host tests run it on a made-up configuration space.
 */
#ifndef COMMON_VIO_PCI_H
#define COMMON_VIO_PCI_H

#include <common/virtio.h> /* the feature bits (VIRTIO_F_*) */

#include <stdint.h>

/* device_status bits */
#define VIO_S_ACKNOWLEDGE 1u
#define VIO_S_DRIVER 2u
#define VIO_S_DRIVER_OK 4u
#define VIO_S_FEATURES_OK 8u
#define VIO_S_FAILED 128u

#define VIO_NO_VECTOR 0xffffu

/* Where a register block lives: BAR number, offset and length (struct virtio_pci_cap). */
struct vio_region {
    uint8_t bar; /* 0xff: absent */
    uint32_t offset, length;
};

struct vio_pci_caps {
    struct vio_region common, notify, isr, device;
    uint32_t notify_mult; /* notify_off_multiplier: doorbell of queue q at notify + off(q) * it */
};

/* Reads configuration space byte `off` of the function being probed. */
typedef uint8_t (*vio_cfg_read8)(void *ctx, uint16_t off);

/* Walks the capability list (starting at the byte `cap_ptr` points at, as 0x34 does) and
 * records the virtio capabilities; the first of each type wins, as the spec asks. Returns 0 if
 * the common and notify blocks were found (a device without them has no modern interface),
 * else EXO_E_NOENT. */
int vio_pci_find_caps(vio_cfg_read8 rd, void *ctx, uint8_t cap_ptr, struct vio_pci_caps *out);

/* A device whose register blocks are mapped (virtual addresses). */
struct vio_pci {
    volatile uint8_t *common, *notify, *isr, *device;
    uint32_t notify_mult, notify_len, device_len;
};

/* common configuration (struct virtio_pci_common_cfg) offsets */
#define VIO_C_DFSELECT 0x00
#define VIO_C_DF 0x04
#define VIO_C_GFSELECT 0x08
#define VIO_C_GF 0x0c
#define VIO_C_MSIX 0x10
#define VIO_C_NUMQ 0x12
#define VIO_C_STATUS 0x14
#define VIO_C_CFGGEN 0x15
#define VIO_C_Q_SELECT 0x16
#define VIO_C_Q_SIZE 0x18
#define VIO_C_Q_MSIX 0x1a
#define VIO_C_Q_ENABLE 0x1c
#define VIO_C_Q_NOFF 0x1e
#define VIO_C_Q_DESC 0x20
#define VIO_C_Q_AVAIL 0x28
#define VIO_C_Q_USED 0x30

/* Resets the device and waits until it reads back as reset (bounded): 0, or EXO_E_BUSY. */
int vio_pci_reset(struct vio_pci *d);
uint64_t vio_pci_offered(struct vio_pci *d);
/* ACKNOWLEDGE, DRIVER, the features, FEATURES_OK; 0 if the device keeps FEATURES_OK set, else
 * EXO_E_INVAL (it refuses that set; the status is then FAILED). */
int vio_pci_negotiate(struct vio_pci *d, uint64_t features);
uint16_t vio_pci_num_queues(struct vio_pci *d);
/* The largest size queue q takes (0: no such queue). */
uint16_t vio_pci_queue_max(struct vio_pci *d, uint16_t q);
/* Gives queue q its size, ring addresses (physical) and MSI-X entry, and enables it; returns
 * the queue's doorbell offset, or EXO_E_BUSY if the device would not take the vector
 * (out of vectors), EXO_E_RANGE if it names a doorbell outside its notify block. */
int64_t vio_pci_queue_setup(struct vio_pci *d, uint16_t q, uint16_t size, uint64_t desc,
                            uint64_t avail, uint64_t used, uint16_t msix_entry);
void vio_pci_driver_ok(struct vio_pci *d);
/* Rings queue q's doorbell (its offset from vio_pci_queue_setup). */
void vio_pci_notify(struct vio_pci *d, uint16_t q, uint32_t doorbell);
/* Copies up to len bytes of the device configuration (a consistent snapshot: retried while
 * config_generation changes); returns the bytes copied. */
uint32_t vio_pci_read_config(struct vio_pci *d, uint8_t *out, uint32_t len);

#endif
