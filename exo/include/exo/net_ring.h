/*
 * net_ring.h: delivery into an env's receive ring (struct exo_nf_ring, abi.h), the last step
 * of the packet filters' receive path (docs/concepts/packet-filters.md): once exo has
 * classified a received frame (exo_nf_classify), it copies it into the owner's ring. The ring
 * is npages pages the env can write at any time, so its head and tail are read once and not
 * trusted: a count out of range, not on a record boundary, or claiming more bytes in use than
 * the ring holds is treated as a full ring. exo sees the pages where its direct map puts them,
 * not contiguous: the view below names each. Pure, freestanding, host-tested
 * (exo/tests/test_net_ring.c).
 */
#ifndef EXO_NET_RING_H
#define EXO_NET_RING_H

#include <exo/abi.h>

#include <stdint.h>

/* A ring as its producer sees it: page i (0..npages-1, in ring order; page 0 holds the header)
 * is the EXO_PAGE bytes at base + ppn[i] * EXO_PAGE (exo: its direct map and the physical page
 * numbers; a host test: a pool and indices into it). */
struct exo_nr_view {
    uintptr_t base;
    const uint32_t *ppn;
    uint32_t npages; /* 1..EXO_NF_RING_MAX_PAGES */
};

/* Copies frame[0..len) into ring v as one record: 0, or EXO_E_INVAL (len 0 or above
 * EXO_NF_RING_MAX_FRAME: nothing written, not counted), or EXO_E_NOMEM (the ring is full, or
 * its tail is nonsense: nothing written but drops, which counts it). The record is written
 * before head moves past it (a release fence between). */
int exo_nr_put(const struct exo_nr_view *v, const uint8_t *frame, uint32_t len);

#endif
