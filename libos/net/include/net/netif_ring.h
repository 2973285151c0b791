/*
 * net/netif_ring.h: an lwIP Ethernet netif over exo's receive ring (libos/net/README.md,
 * "netif_ring"). Frames come in through the env's struct exo_nf_ring (exo/abi.h; its protocol in
 * docs/concepts/packet-filters.md, "The receive ring"), read by netif_ring_poll when the ring's
 * event fires; frames go out through the embedder's send hook (exo's nf_send later). The ring's
 * page is the env's own and may hold anything: a bad count or length is dropped, counted, and
 * the consumer resynchronises at exo's head; nothing in it can crash the reader.
 */
#ifndef NET_NETIF_RING_H
#define NET_NETIF_RING_H

#include <exo/abi.h>

#include "lwip/err.h"
#include "lwip/netif.h"

#include <stdint.h>

#define NETIF_RING_FRAME_MAX 1518 /* what linkoutput sends: MTU 1500, Ethernet header, a tag */

struct netif_ring {
    /* set by the embedder before netif_add(..., netif_ring_init, ethernet_input) */
    volatile struct exo_nf_ring *ring;
    uint32_t npages; /* the ring's pages, as registered with nf_ring (1..EXO_NF_RING_MAX_PAGES) */
    int (*send)(void *ctx, const void *frame, uint32_t len); /* 0, or a negative errno */
    void *ctx;
    uint8_t mac[6];
    /* counters */
    uint32_t rx_frames;  /* records handed to lwIP */
    uint32_t rx_nomem;   /* records dropped for want of a pbuf */
    uint32_t rx_corrupt; /* times the ring was found corrupt and resynchronised */
    uint32_t tx_frames, tx_errors;
};

/* netif_add's init function: netif->state is the struct netif_ring. Ethernet with ARP, IPv6
 * (MLD) and broadcast, MTU 1500; lwIP's DHCP and SLAAC may be started on it as on any netif. */
err_t netif_ring_init(struct netif *netif);

/* Hands up to budget records (0: all there are) from the ring to lwIP, in order; returns how
 * many it took from the ring (dropped ones included). */
unsigned netif_ring_poll(struct netif *netif, unsigned budget);

#endif
