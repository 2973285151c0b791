/*
 * net/own.h: a process with its own TCP/IP stack (libos/net/README.md, "own.c"). One lwIP and
 * the socket engine (net/inet.h) in the process, over its own receive ring (exo's nf_ring) and
 * exo's nf_send, its ports claimed at exo through the engine's claim hook (pm's net_claim op:
 * exo gives nf_claim only to the NIC's holder; released with nf_release on EXO_CAP_SELF). Static
 * configuration only, all of it the caller's: address, mask, gateway and the gateway's MAC (a
 * static ARP entry: only the default env may send ARP, so a process with its own stack never asks).
 * The filters must be on (someone's nf_config). One per process: lwIP's state is global.
 */
#ifndef NET_OWN_H
#define NET_OWN_H

#include <net/inet.h>
#include <net/netif_ring.h>

#include <stdint.h>

struct own_net_config {
    uint8_t mac[6]; /* the machine's (nf_config's) */
    uint8_t ip[4];  /* one of the machine's addresses */
    uint8_t mask[4];
    uint8_t gw[4];       /* 0.0.0.0: none */
    uint8_t gw_mac[6];   /* with gw: its static ARP entry */
    uint64_t ring_va;    /* pages of this process, mapped writable and touched: the ring */
    uint32_t ring_pages; /* how many (1..EXO_NF_RING_MAX_PAGES; 0: one) */
    /* the engine's ready hook (may be NULL); claim/release are own.c's */
    void (*ready)(void *ctx, struct net_sock *s, void *cookie);
    void *ctx;
};

struct own_net_stats {
    uint32_t frames;    /* records seen in the ring */
    uint32_t foreign;   /* of them: IPv4 TCP or UDP to a port this stack holds no claim on */
    uint32_t claims;    /* claims held now */
    uint32_t refused;   /* claims exo refused */
    uint32_t tx_frames; /* sent through nf_send */
    uint32_t tx_errors; /* refused by nf_send (lwIP's ARP and IPv6 reports among them) */
    uint32_t ring_drops;
};

/* Starts the stack: lwIP, the engine, the netif, the ring (the ring_pages pages at ring_va,
 * registered with nf_ring) and its event. 0, or a negative exo error. */
int own_net_start(const struct own_net_config *c);

/* Waits up to ms milliseconds for frames (0: does not wait), hands them to lwIP, runs lwIP's
 * timers. */
void own_net_poll(uint32_t ms);

void own_net_stats(struct own_net_stats *out);

#endif
