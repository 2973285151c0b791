/*
 * vio_blkhdr.h: the virtio-blk request header as exo's own copy. The header's type decides
 * what the device does with the rest of the chain (QEMU's SCSI_CMD writes 4 bytes at the
 * start of a descriptor whatever its length; a DISCARD without its segment marks the shared
 * device broken), and it sits in the env's page, which the env can change after vio_kick. So
 * at the kick exo copies each blk chain's header into a page of its own (one 16-byte slot
 * per descriptor index, taken at vio_setup), checks the copy (vio_blk_hdr_ok), and points the
 * device's descriptor at it.
 */
#ifndef EXO_VIO_BLKHDR_H
#define EXO_VIO_BLKHDR_H

#include <exo/abi.h>
#include <exo/vio_chain.h>

#include <stdint.h>

/* Copies the header `first` names (a descriptor of the env's chain with head `head`, already
 * checked to lie in the env's pages) once, checks it against rule r and tally t, and on success
 * points `first` at head's slot in page hdr_page. EXO_E_INVAL: a type the queue does not take;
 * nothing is written to hdr_page before vio_blkhdr_commit. */
int vio_blkhdr_stage(const struct vio_chain_rule *r, const struct vio_chain_tally *t,
                     uint64_t hdr_page, uint16_t head, struct exo_vq_desc *first);

/* Writes head's staged header into its slot of hdr_page (the kick is accepted). */
void vio_blkhdr_commit(uint64_t hdr_page, uint16_t head);

#endif
