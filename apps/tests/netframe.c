/*
 * netframe.c: frames for the in-guest network tests (see netframe.h).
 */
#include "netframe.h"

void nf_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

uint16_t nf_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t nf_sum16(const uint8_t *p, uint32_t n, uint32_t s)
{
    for (uint32_t i = 0; i + 1 < n; i += 2)
        s += nf_get16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

uint16_t nf_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

void nf_arp(uint8_t f[NF_ARP_LEN], uint16_t op, const struct nf_host *from,
            const struct nf_host *to)
{
    for (int i = 0; i < 6; i++) {
        f[i] = op == 1 ? 0xff : to->mac[i];
        f[6 + i] = from->mac[i];
        f[22 + i] = from->mac[i];
        f[32 + i] = op == 1 ? 0 : to->mac[i];
    }
    nf_put16(f + 12, 0x0806);
    nf_put16(f + 14, 1);      /* Ethernet */
    nf_put16(f + 16, 0x0800); /* IPv4 */
    f[18] = 6;
    f[19] = 4;
    nf_put16(f + 20, op);
    for (int i = 0; i < 4; i++) {
        f[28 + i] = from->ip[i];
        f[38 + i] = to->ip[i];
    }
}

int nf_is_arp(const uint8_t *f, uint32_t n, uint16_t op, const uint8_t ip[4])
{
    return n >= NF_ARP_LEN && nf_get16(f + 12) == 0x0806 && nf_get16(f + 20) == op &&
           f[28] == ip[0] && f[29] == ip[1] && f[30] == ip[2] && f[31] == ip[3];
}

uint32_t nf_udp(uint8_t *f, const struct nf_host *from, const struct nf_host *to, uint16_t sport,
                uint16_t dport, const char *msg, int partial)
{
    uint32_t n = 0;
    while (msg[n])
        n++;
    for (int i = 0; i < 6; i++) {
        f[i] = to->mac[i];
        f[6 + i] = from->mac[i];
    }
    nf_put16(f + 12, 0x0800);
    uint8_t *ip = f + NF_ETH, *udp = ip + 20;
    for (int i = 0; i < 20; i++)
        ip[i] = 0;
    ip[0] = 0x45;
    nf_put16(ip + 2, (uint16_t)(20 + 8 + n));
    nf_put16(ip + 4, sport); /* an identification */
    ip[8] = 64;
    ip[9] = 17;
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = from->ip[i];
        ip[16 + i] = to->ip[i];
    }
    nf_put16(ip + 10, (uint16_t)~nf_fold(nf_sum16(ip, 20, 0)));
    nf_put16(udp, sport);
    nf_put16(udp + 2, dport);
    nf_put16(udp + 4, (uint16_t)(8 + n));
    nf_put16(udp + 6, 0);
    for (uint32_t i = 0; i < n; i++)
        udp[8 + i] = (uint8_t)msg[i];
    uint32_t pseudo = nf_sum16(ip + 12, 8, 17 + 8 + n);
    if (partial) {
        nf_put16(udp + 6, nf_fold(pseudo));
    } else {
        uint16_t c = (uint16_t)~nf_fold(nf_sum16(udp, 8 + n, pseudo));
        nf_put16(udp + 6, c ? c : 0xffff); /* 0 would mean "no checksum" */
    }
    return NF_UDP_DATA + n;
}

int nf_is_udp(const uint8_t *f, uint32_t n, uint16_t sport, uint16_t dport)
{
    return n >= NF_UDP_DATA && nf_get16(f + 12) == 0x0800 && f[NF_ETH + 9] == 17 &&
           nf_get16(f + 34) == sport && nf_get16(f + 36) == dport;
}

int nf_checksums_right(const uint8_t *f, uint32_t n)
{
    const uint8_t *ip = f + NF_ETH;
    uint32_t ihl = (uint32_t)(ip[0] & 15) * 4;
    if (ihl < 20 || n < NF_ETH + ihl + 8)
        return 0;
    if (nf_fold(nf_sum16(ip, ihl, 0)) != 0xffff)
        return 0;
    const uint8_t *udp = ip + ihl;
    uint32_t ulen = nf_get16(udp + 4);
    if (ulen < 8 || NF_ETH + ihl + ulen > n || nf_get16(udp + 6) == 0)
        return 0;
    uint32_t pseudo = nf_sum16(ip + 12, 8, 17 + ulen);
    return nf_fold(nf_sum16(udp, ulen, pseudo)) == 0xffff;
}

uint32_t nf_ring_take(volatile struct exo_nf_ring *r, uint32_t npages, uint8_t *buf)
{
    const uint32_t data = EXO_NF_RING_DATA(npages), mod = 2 * data;
    for (;;) {
        uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), tail = r->tail;
        if (head == tail)
            return 0;
        uint32_t pos = tail % data;
        uint32_t len = *(volatile uint32_t *)(r->data + pos);
        if (len == EXO_NF_RING_WRAP) { /* the next record starts at data[0] */
            r->tail = (tail + data - pos) % mod;
            continue;
        }
        for (uint32_t i = 0; i < len && i < EXO_NF_RING_MAX_FRAME; i++)
            buf[i] = r->data[pos + 4 + i];
        __atomic_store_n(&r->tail, (tail + ((4 + len + 3) & ~3u)) % mod, __ATOMIC_RELEASE);
        return len;
    }
}
