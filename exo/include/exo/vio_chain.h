/*
 * vio_chain.h: what exo lets through to a virtio device it shares: which device types it hands
 * out at all, and the shape every chain on a queue must have (virtio 1.2: device-readable
 * descriptors before device-writable ones, section 2.7.4.2, and each device type's minimum
 * request, sections 5.1-5.4). Pure logic, host-tested (exo/tests/test_vio_chain.c).
 */
#ifndef EXO_VIO_CHAIN_H
#define EXO_VIO_CHAIN_H

#include <stdint.h>

/* Is a device of virtio type `type` handed out to envs? Only types whose requests cannot name
 * memory (net, blk, console, rng); every other one (balloon, gpu, iommu, mem, fs...) carries
 * physical addresses in its payloads, which no check on descriptors sees: exo keeps it. */
int vio_type_handed_out(uint16_t type);

/* The features an env may have a device of `type` started with: an allow-list of what the
 * libOS drivers use and exo's checks model (VERSION_1 always; ACCESS_PLATFORM is exo's to
 * decide, vio.c). Never indirect tables, event indices, packed rings, IN_ORDER, SR_IOV,
 * notification data, admin queues or any bit unknown here. */
uint64_t vio_features_allowed(uint16_t type);

/* The bytes a chain on one queue must carry: at least min_out the device reads and min_in it
 * writes; no_out / no_in: the queue carries none of that direction. blk: a virtio-blk request
 * queue, whose header exo copies and checks (vio_blk_hdr_ok); blk_dwz: which of DISCARD (1)
 * and WRITE_ZEROES (2) its features allow. whole: its requests act on the whole device (virtio-
 * net's control queue: pairs, MAC, receive modes), so only an env no other shares the device
 * with may kick it (vio.c). */
struct vio_chain_rule {
    uint32_t min_out, min_in;
    uint8_t no_out, no_in;
    uint8_t blk, blk_dwz;
    uint8_t whole;
};

/* The rule for queue `queue` of a device of `type` started with features `accepted`;
 * net_pairs is the spec's N for virtio-net (max_virtqueue_pairs with MQ or RSS, else 1). A
 * queue the type does not define takes no chain at all. */
struct vio_chain_rule vio_chain_rule(uint16_t type, uint16_t queue, uint64_t accepted,
                                     uint16_t net_pairs);

/* One chain's bytes by direction, added up descriptor by descriptor. */
struct vio_chain_tally {
    uint32_t out, in;
    uint32_t first_len;   /* the chain's first descriptor: its length ... */
    uint16_t first_flags; /* ... and flags */
    uint16_t n;           /* descriptors added */
};

/* Adds a descriptor (0 < len <= 4 MiB, at most 256 per chain): EXO_E_INVAL if the device would
 * read it after writing an earlier one (out of the spec's order), else 0. */
int vio_chain_add(struct vio_chain_tally *t, uint16_t flags, uint32_t len);

/* Does a whole chain meet rule r? 0 or EXO_E_INVAL. On a blk queue the header must be the
 * first descriptor, device-readable and exactly VIO_BLK_HDR bytes: exo puts its own copy of it
 * in the descriptor's place (vio_blkhdr.c), so the header the device reads is the one checked. */
int vio_chain_fits(const struct vio_chain_rule *r, const struct vio_chain_tally *t);

#define VIO_BLK_HDR 16 /* struct virtio_blk_outhdr: type, reserved, sector */

/* May a chain t on blk queue r carry a request of this type (the header's first word, read
 * from exo's copy)? Only IN, OUT, FLUSH, GET_ID, and DISCARD / WRITE_ZEROES if accepted, with
 * a payload of whole 16-byte segments; never SCSI_CMD (QEMU writes its result 4 bytes wide at
 * the start of a descriptor whatever its length), zoned or other commands. 0 or EXO_E_INVAL. */
int vio_blk_hdr_ok(const struct vio_chain_rule *r, const struct vio_chain_tally *t, uint32_t type);

#endif
