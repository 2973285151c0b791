/*
 * netframe.h: the few Ethernet, ARP, IPv4 and UDP bytes the in-guest network tests build and
 * check by hand (there is no TCP/IP stack under them yet): big-endian fields, the Internet
 * checksum, an ARP frame, a UDP datagram, checking a received one's checksums, and taking a
 * frame from a receive ring exo fills (nf_ring).
 */
#ifndef NETFRAME_H
#define NETFRAME_H

#include <exo/abi.h>

#include <stdint.h>

#define NF_ETH 14             /* Ethernet header */
#define NF_UDP_DATA (14 + 28) /* payload offset of a UDP datagram without IP options */
#define NF_ARP_LEN 42

struct nf_host {
    uint8_t mac[6];
    uint8_t ip[4];
};

void nf_put16(uint8_t *p, uint16_t v);
uint16_t nf_get16(const uint8_t *p);
/* The ones' complement sum of n bytes (big-endian 16-bit words) added to s, not folded. */
uint32_t nf_sum16(const uint8_t *p, uint32_t n, uint32_t s);
uint16_t nf_fold(uint32_t s);

/* An ARP frame: op 1 (who has to->ip? to->mac unknown: broadcast) or 2 (reply to `to`). */
void nf_arp(uint8_t f[NF_ARP_LEN], uint16_t op, const struct nf_host *from,
            const struct nf_host *to);
/* 1 if f is an ARP frame with op whose sender is ip. */
int nf_is_arp(const uint8_t *f, uint32_t n, uint16_t op, const uint8_t ip[4]);

/* An Ethernet + IPv4 + UDP frame carrying msg (a C string) from `from`:sport to `to`:dport;
 * its length. partial: the UDP checksum field holds the pseudo-header sum (not inverted), to be
 * finished from byte 34 into byte 40 (a device's checksum offload); else it is complete. */
uint32_t nf_udp(uint8_t *f, const struct nf_host *from, const struct nf_host *to, uint16_t sport,
                uint16_t dport, const char *msg, int partial);

/* 1 if f is an IPv4 UDP datagram from port sport to port dport. */
int nf_is_udp(const uint8_t *f, uint32_t n, uint16_t sport, uint16_t dport);

/* 1 if a received IPv4/UDP frame's IP header and UDP checksums (pseudo-header included) are
 * right; a zero UDP checksum (none) counts as wrong. */
int nf_checksums_right(const uint8_t *f, uint32_t n);

/* Takes the next frame from receive ring r of npages pages (struct exo_nf_ring, abi.h's
 * protocol: past a wrap marker, then one record) into buf (EXO_NF_RING_MAX_FRAME bytes): its
 * length, 0 if the ring is empty. */
uint32_t nf_ring_take(volatile struct exo_nf_ring *r, uint32_t npages, uint8_t *buf);

#endif
