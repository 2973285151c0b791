/*
 * vio_internal.h: exo's private view of its virtio devices, shared by the files that make up
 * vio.h's resource: the device table and each queue's state (vio_probe.c fills it at boot), and
 * the helpers one of those files offers the others. Not part of any interface outside exo/vio_*.c.
 * Everything here runs under the kernel lock.
 */
#ifndef EXO_VIO_INTERNAL_H
#define EXO_VIO_INTERNAL_H

#include <exo/abi.h>
#include <exo/pci.h>
#include <exo/vio_chain.h>
#include <exo/vm.h>

#include <common/vio_pci.h>

#include <stdint.h>

#define VIO_MAXDEV 16
/* DMA through the IOMMU: with one, always */
#define PLATFORM VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM)

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
    uint8_t exo_net; /* the NIC exo drives itself while packet filters are on (net_nic.c) */
    struct vq q[EXO_VQ_MAX];
};

/* A page's pin count (struct exo_page.dma) must hold every descriptor that could name it. */
_Static_assert(VIO_MAXDEV *EXO_VQ_MAX *EXO_VQ_SIZE < 65536, "dma pin counter");

extern struct vdev vio_devs[VIO_MAXDEV]; /* the first vio_ndevs found (vio_probe.c) */
extern int vio_ndevs;
extern uint32_t vio_bsp_lapic; /* where every queue's interrupt goes */

static inline void *page_va(uint64_t ppn)
{
    return phys_to_virt(ppn << EXO_PAGE_SHIFT);
}

static inline volatile uint16_t *ring16(uint64_t ppn, uint32_t off)
{
    return (volatile uint16_t *)((uint8_t *)page_va(ppn) + off);
}

/* vio_probe.c: the device `dev` names, if the caller holds BIND on a CAP_DEV covering it. */
int vio_dev_of(uint64_t dev, struct vdev **out);

/* vio_pin.c: pins, completions, draining. */
void vio_pin(uint64_t addr, uint32_t len, int delta); /* every page it names: dma += delta */
void vio_reap(struct vq *q);                          /* collects what the device finished */
void vio_forget_inflight(struct vdev *d);             /* d was reset: unpins all it had */
int vio_shared_device(const struct vdev *d, const struct vq *q); /* another env holds a queue */
int vio_stop(struct vdev *d);                                    /* resets d (or retires it) */
uint64_t vio_drain_deadline(void);                               /* 100 ms from now */
void vio_drain(struct vdev *d, struct vq *q, uint64_t deadline); /* the device is done with q */
void vio_give_back(struct vq *q); /* q is exo's again, its interrupt unbound */

/* vio_queue.c: is q held by a live env? */
int vio_queue_taken(const struct vq *q);
/* vio_queue.c: resets d and starts it with what exo allows of `features` (vio_setup's second
 * half: ring pages taken first, then the reset): the accepted features, or EXO_E_NOMEM (d as it
 * was) or EXO_E_CORRUPT (the device refused: d left reset). */
int64_t vio_start_device(struct vdev *d, uint64_t features);
/* vio_queue.c: the set-up queue `queue` of dev, for the calls that need one. */
int vio_queue_of(uint64_t dev, uint64_t queue, struct vdev **d, struct vq **q);

/* vio_direct.c: every set-up queue's rings into owner's IOMMU domain. */
int vio_rings_in(struct vdev *d, uint32_t owner);
/* vio_direct.c: ends the direct owner's hold (reset, identity domain, doorbell unmapped). */
void vio_undirect(struct vdev *d);

#endif
