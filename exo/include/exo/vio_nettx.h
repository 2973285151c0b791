/*
 * vio_nettx.h: the packet filters' transmit check on a shared virtio-net transmit queue
 * (docs/concepts/packet-filters.md). Once nf_config has set the machine's identity (a MAC),
 * every frame an env kicks onto a transmit queue is copied once, header and frame, into a
 * buffer of exo's (one 2 KiB slot per descriptor index, in pages the queue takes when it first
 * needs them and keeps), the copy is checked (exo_nf_tx_check, the header stripped), and the
 * device's descriptor is pointed at the copy: one descriptor, the chain's others unused. The
 * env may rewrite its pages after the kick; the device sends only what was checked. Before any
 * nf_config, or after one with an all-zero identity (as at boot), frames pass unchecked and
 * uncopied, as before filters existed.
 */
#ifndef EXO_VIO_NETTX_H
#define EXO_VIO_NETTX_H

#include <exo/abi.h>
#include <exo/vio_internal.h>

#include <stdint.h>

#define VIO_NETTX_SLOT 2048 /* header and frame, at most, while filters are on */

/* Copies the transmit chain at head (its n descriptors `chain`, already checked to lie in
 * env's pages, every one readable) into head's slot of q, checks the frame for env, and on
 * success makes chain[0] name the copy alone (no NEXT). EXO_E_INVAL: more than VIO_NETTX_SLOT
 * bytes, or exo_nf_tx_check's EXO_E_INVAL; EXO_E_PERM: exo_nf_tx_check's (not the machine's
 * MAC, address or the sender's port); EXO_E_NOMEM: no page for the slot. The device never
 * reads a slot whose head is not in flight, so writing it before the kick is accepted is safe. */
int vio_nettx_stage(struct vq *q, uint32_t env, uint16_t head, struct exo_vq_desc *chain,
                    uint16_t n);

#endif
