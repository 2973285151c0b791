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

/* The bytes a chain on one queue must carry: at least min_out the device reads and min_in it
 * writes; no_out / no_in: the queue carries none of that direction. */
struct vio_chain_rule {
    uint32_t min_out, min_in;
    uint8_t no_out, no_in;
};

/* The rule for queue `queue` of a device of `type` started with features `accepted`;
 * net_pairs is the spec's N for virtio-net (max_virtqueue_pairs with MQ or RSS, else 1). A
 * queue the type does not define takes no chain at all. */
struct vio_chain_rule vio_chain_rule(uint16_t type, uint16_t queue, uint64_t accepted,
                                     uint16_t net_pairs);

/* One chain's bytes by direction, added up descriptor by descriptor. */
struct vio_chain_tally {
    uint32_t out, in;
};

/* Adds a descriptor (0 < len <= 4 MiB, at most 256 per chain): EXO_E_INVAL if the device would
 * read it after writing an earlier one (out of the spec's order), else 0. */
int vio_chain_add(struct vio_chain_tally *t, uint16_t flags, uint32_t len);

/* Does a whole chain meet rule r? 0 or EXO_E_INVAL. */
int vio_chain_fits(const struct vio_chain_rule *r, const struct vio_chain_tally *t);

#endif
