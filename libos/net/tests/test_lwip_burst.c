/*
 * test_lwip_burst.c: pm's lwIP (Debian's, with libos/net's port and lwipopts.h) under a burst of
 * malformed frames, on the host, over the tests' wire (wire.h). pm is the default env: every
 * frame exo's filters do not drop and nobody claims reaches this stack (the ARP, ICMP and
 * unclaimed traffic of the whole link), so whatever exo lets through (it checks lengths, not
 * checksums: docs/concepts/packet-filters.md) must not crash, wedge or leak it. The burst:
 * valid frames of each kind A answers or takes (ARP, ICMP echo, UDP to a bound port, TCP to a
 * listener and to no connection, IPv4 and IPv6 fragments, IP and TCP options, ICMPv6 and UDP
 * over IPv6), each then mutated at random (bits flipped, fields set to edge values, cut short
 * or lengthened) with its checksums mostly made right again so the mutation reaches the
 * parsers behind them. Then lwIP's timers run out every half-open connection, reassembly and
 * ARP queue, and the checks are exact: no pool buffer, heap byte, pcb, reassembly or ARP queue
 * entry more than before the burst, and A still answers B's ARP, ping, UDP and a TCP
 * connection carrying bytes both ways.
 */
#include <check.h>

#include "wire.h"

#include "lwip/etharp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip6_addr.h"
#include "lwip/memp.h"
#include "lwip/nd6.h"
#include "lwip/pbuf.h"
#include "lwip/raw.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define UDP_PORT 7000
#define TCP_PORT 7001
#define FRAMES 60000

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* The ones' complement sum of b[0..n) on top of s. */
static uint32_t sum(uint32_t s, const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i + 1 < n; i += 2)
        s += get16(b + i);
    if (n & 1)
        s += (uint32_t)b[n - 1] << 8;
    return s;
}

static unsigned fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return ~s & 0xffff;
}

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mcast6[6] = {0x33, 0x33, 0, 0, 0, 1};

static unsigned eth(uint8_t *f, const uint8_t *dst, unsigned type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, wire_mac_b, 6);
    put16(f + 12, type);
    return 14;
}

/* An IPv4 header from B to A at f + 14 with hl words (options of random bytes), then room for
 * n bytes of payload: the offset of the payload. */
static unsigned ip4(uint8_t *f, unsigned proto, unsigned hl, unsigned n, unsigned frag)
{
    eth(f, rnd() % 8 ? wire_mac_a : bcast, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = (uint8_t)(0x40 | hl);
    ip[1] = 0;
    put16(ip + 2, hl * 4 + n);
    put16(ip + 4, rnd());
    put16(ip + 6, frag);
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    memcpy(ip + 12, &wire_ip_b.addr, 4);
    memcpy(ip + 16, &wire_ip_a.addr, 4);
    for (unsigned i = 20; i < hl * 4; i++)
        ip[i] = (uint8_t)rnd();
    return 14 + hl * 4;
}

/* An IPv6 header from B's link-local address to A's (or all nodes) with n payload bytes. */
static unsigned ip6(uint8_t *f, unsigned next, unsigned n, bool multicast)
{
    eth(f, multicast ? mcast6 : wire_mac_a, 0x86dd);
    uint8_t *ip = f + 14;
    memset(ip, 0, 40);
    ip[0] = 0x60;
    put16(ip + 4, n);
    ip[6] = (uint8_t)next;
    ip[7] = 255;
    memcpy(ip + 8, netif_ip6_addr(&wire_nb, 0)->addr, 16);
    if (multicast) {
        ip[24] = 0xff, ip[25] = 0x02, ip[39] = 1;
    } else {
        memcpy(ip + 24, netif_ip6_addr(&wire_na, 0)->addr, 16);
    }
    return 14 + 40;
}

/* The checksums of f[0..len) made right for what its headers say now, as far as they fit. */
static void fix_sums(uint8_t *f, unsigned len)
{
    unsigned type = get16(f + 12);
    if (type == 0x0800 && len >= 34) {
        uint8_t *ip = f + 14;
        unsigned hl = (ip[0] & 15) * 4, tot = get16(ip + 2);
        if (hl < 20 || 14 + hl > len)
            return;
        put16(ip + 10, 0);
        put16(ip + 10, fold(sum(0, ip, hl)));
        if (tot < hl || 14 + tot > len || (get16(ip + 6) & 0x3fff))
            return; /* (a fragment's checksum covers the whole datagram: UDP's is 0, none) */
        uint8_t *l4 = ip + hl;
        unsigned n = tot - hl, proto = ip[9], at;
        if (proto == 1)
            at = 2;
        else if (proto == 17)
            at = 6;
        else if (proto == 6)
            at = 16;
        else
            return;
        if (at + 2 > n)
            return;
        put16(l4 + at, 0);
        uint32_t s = proto == 1 ? 0 : sum(proto + n, ip + 12, 8);
        put16(l4 + at, fold(sum(s, l4, n)));
    } else if (type == 0x86dd && len >= 54) {
        uint8_t *ip = f + 14;
        unsigned n = get16(ip + 4), next = ip[6], at;
        if (54 + n > len)
            return;
        if (next == 58)
            at = 2;
        else if (next == 17)
            at = 6;
        else if (next == 6)
            at = 16;
        else
            return;
        if (at + 2 > n)
            return;
        uint8_t *l4 = ip + 40;
        put16(l4 + at, 0);
        uint32_t s = sum(sum(next + n, ip + 8, 32), l4, n);
        put16(l4 + at, fold(s));
    }
}

/* One valid frame of kind k into f: its length. */
static unsigned make(uint8_t *f, unsigned k)
{
    unsigned n, o;
    switch (k) {
    case 0: /* ARP request for A */
        o = eth(f, bcast, 0x0806);
        put16(f + o, 1), put16(f + o + 2, 0x0800);
        f[o + 4] = 6, f[o + 5] = 4;
        put16(f + o + 6, 1 + (rnd() & 1));
        memcpy(f + o + 8, wire_mac_b, 6);
        memcpy(f + o + 14, &wire_ip_b.addr, 4);
        memset(f + o + 18, 0, 6);
        memcpy(f + o + 24, &wire_ip_a.addr, 4);
        return o + 28;
    case 1: /* ICMP echo */
        n = 8 + rnd() % 200;
        o = ip4(f, 1, 5, n, 0);
        f[o] = 8, f[o + 1] = 0;
        for (unsigned i = 4; i < n; i++)
            f[o + i] = (uint8_t)rnd();
        return o + n;
    case 2: /* UDP to the bound port, or another */
        n = 8 + rnd() % 600;
        o = ip4(f, 17, 5, n, 0);
        put16(f + o, 40000), put16(f + o + 2, rnd() & 1 ? UDP_PORT : rnd());
        put16(f + o + 4, n);
        for (unsigned i = 8; i < n; i++)
            f[o + i] = (uint8_t)rnd();
        return o + n;
    case 3: /* TCP to the listener or elsewhere, with options: SYN, ACK, data, FIN, RST */
    case 4: {
        unsigned opt = k == 3 ? 4 * (rnd() % 11) : 0, data = rnd() % 3 ? 0 : rnd() % 300;
        n = 20 + opt + data;
        o = ip4(f, 6, 5, n, 0);
        put16(f + o, 40000 + rnd() % 4), put16(f + o + 2, rnd() % 4 ? TCP_PORT : rnd());
        for (unsigned i = 4; i < 12; i++)
            f[o + i] = (uint8_t)rnd();
        f[o + 12] = (uint8_t)((5 + opt / 4) << 4);
        static const uint8_t flags[] = {0x02, 0x10, 0x18, 0x11, 0x04, 0x12, 0x14, 0x3f};
        f[o + 13] = flags[rnd() % sizeof flags];
        put16(f + o + 14, rnd()), put16(f + o + 18, 0);
        static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 3, 3,  7, 4, 2, 1, 8, 10, 1, 2, 3, 4,
                                       5, 6, 7,    8,    5, 10, 1, 2, 3, 4, 5, 6,  7, 8, 0, 1};
        for (unsigned i = 0; i < opt; i++) /* real options, in pieces, or bytes at random */
            f[o + 20 + i] = rnd() % 4 ? opts[(i + rnd() % 3) % sizeof opts] : (uint8_t)rnd();
        for (unsigned i = 0; i < data; i++)
            f[o + 20 + opt + i] = (uint8_t)rnd();
        return o + n;
    }
    case 5: { /* an IPv4 fragment of a UDP datagram: the first, a middle or the last */
        unsigned which = rnd() % 3, id_off = (rnd() % 4) * 185;
        n = 8 * (1 + rnd() % 150);
        unsigned frag = which == 0 ? 0x2000 : which == 1 ? 0x2000 | id_off : id_off;
        o = ip4(f, 17, 5, n, frag);
        f[14 + 4] = 0x12, f[14 + 5] = (uint8_t)(rnd() % 3); /* few ids: fragments meet */
        if (which == 0)
            put16(f + o, 40000), put16(f + o + 2, UDP_PORT), put16(f + o + 4, 8 + n + id_off * 8);
        for (unsigned i = which ? 0 : 8; i < n; i++)
            f[o + i] = (uint8_t)rnd();
        return o + n;
    }
    case 6: /* IPv4 with options */
        n = 8 + rnd() % 64;
        o = ip4(f, rnd() & 1 ? 17 : 1, 6 + rnd() % 10, n, 0);
        if (f[14 + 9] == 17)
            put16(f + o, 40000), put16(f + o + 2, UDP_PORT), put16(f + o + 4, n);
        else
            f[o] = 8, f[o + 1] = 0;
        return o + n;
    case 7: { /* IPv6: ICMPv6 (echo, neighbour solicitation, router advertisement), UDP */
        unsigned what = rnd() % 4;
        n = what == 3 ? 8 + rnd() % 300 : 8 + 24 + rnd() % 40;
        o = ip6(f, what == 3 ? 17 : 58, n, rnd() & 1);
        for (unsigned i = 0; i < n; i++)
            f[o + i] = (uint8_t)rnd();
        if (what == 3) {
            put16(f + o, 40000), put16(f + o + 2, UDP_PORT), put16(f + o + 4, n);
        } else {
            static const uint8_t types[] = {128, 135, 134};
            f[o] = types[what], f[o + 1] = 0;
            if (what == 1) /* the target: A's address, then an option */
                memcpy(f + o + 8, netif_ip6_addr(&wire_na, 0)->addr, 16);
        }
        return o + n;
    }
    default: { /* an IPv6 fragment header, or hop-by-hop options, before UDP */
        n = 8 + 8 + 8 * (rnd() % 40);
        o = ip6(f, rnd() & 1 ? 44 : 0, n, false);
        f[o] = 17;
        f[o + 1] = 0;          /* (hop-by-hop: 8 bytes; a fragment header: reserved) */
        if (f[14 + 6] == 44) { /* offset, M, a few ids */
            put16(f + o + 2, (rnd() % 4) * 8 | (rnd() & 1));
            put16(f + o + 4, 0), put16(f + o + 6, rnd() % 3);
        } else { /* PadN */
            f[o + 2] = 1, f[o + 3] = 4, memset(f + o + 4, 0, 4);
        }
        for (unsigned i = 8; i < n; i++)
            f[o + i] = (uint8_t)rnd();
        put16(f + o + 8, 40000), put16(f + o + 10, UDP_PORT), put16(f + o + 12, n - 8);
        return o + n;
    }
    }
}

/* The frame mutated: most often a few bits or one field at an edge value, or its length. */
static unsigned mutate(uint8_t *f, unsigned len)
{
    unsigned how = rnd() % 8;
    if (how == 0) { /* bits anywhere */
        for (unsigned k = 1 + rnd() % 8; k--;) {
            unsigned at = rnd() % len;
            f[at] ^= (uint8_t)(1u << (rnd() % 8));
        }
    } else if (how <= 3) { /* one byte or 16-bit field past Ethernet at an edge value */
        static const unsigned edge[] = {0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x100, 0xffff, 0x7fff, 20, 8};
        unsigned at = 14 + rnd() % (len - 14);
        unsigned v = edge[rnd() % (sizeof edge / sizeof edge[0])];
        if (rnd() & 1 && at + 1 < len)
            put16(f + at, v);
        else
            f[at] = (uint8_t)v;
    } else if (how == 4) { /* cut short */
        len = 14 + rnd() % (len - 13);
    } else if (how == 5) { /* longer: random bytes, up to a full frame and past it */
        unsigned to = len + rnd() % (WIRE_FRAME_MAX - len);
        for (unsigned i = len; i < to; i++)
            f[i] = (uint8_t)rnd();
        len = to;
    }
    /* 6, 7: as made. The checksums right again, mostly. */
    if (rnd() % 4)
        fix_sums(f, len);
    return len;
}

static int accepted;

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    accepted++;
    tcp_recv(pcb, on_recv);
    return ERR_OK;
}

static uint8_t echo_buf[4096];
static unsigned echo_len;

/* What A's accepted connections receive: kept (the last connection's) and sent back. */
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg, (void)err;
    if (!p) {
        tcp_close(pcb);
        return ERR_OK;
    }
    unsigned n = p->tot_len;
    if (echo_len + n <= sizeof echo_buf)
        pbuf_copy_partial(p, echo_buf + echo_len, (u16_t)n, 0), echo_len += n;
    tcp_recved(pcb, (u16_t)n);
    struct pbuf *q = p;
    for (; q; q = q->next)
        tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY);
    tcp_output(pcb);
    pbuf_free(p);
    return ERR_OK;
}

static int udp_got, udp_len;

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                   u16_t port)
{
    (void)arg, (void)pcb, (void)addr, (void)port;
    udp_got++;
    udp_len = p->tot_len;
    pbuf_free(p);
}

static bool never(void)
{
    return false;
}

static bool v6_ready(void)
{
    return ip6_addr_isvalid(netif_ip6_addr_state(&wire_na, 0)) &&
           ip6_addr_isvalid(netif_ip6_addr_state(&wire_nb, 0));
}

struct usage {
    unsigned pool, mem, tcp, tcp_listen, udp, reass, reass6, arpq, seg, pbuf;
};

static struct usage usage(void)
{
    return (struct usage){
        lwip_stats.memp[MEMP_PBUF_POOL]->used,     (unsigned)lwip_stats.mem.used,
        lwip_stats.memp[MEMP_TCP_PCB]->used,       lwip_stats.memp[MEMP_TCP_PCB_LISTEN]->used,
        lwip_stats.memp[MEMP_UDP_PCB]->used,       lwip_stats.memp[MEMP_REASSDATA]->used,
        lwip_stats.memp[MEMP_IP6_REASSDATA]->used, lwip_stats.memp[MEMP_ARP_QUEUE]->used,
        lwip_stats.memp[MEMP_TCP_SEG]->used,       lwip_stats.memp[MEMP_PBUF]->used};
}

static bool connected;

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg, (void)pcb;
    connected = err == ERR_OK;
    return ERR_OK;
}

static uint8_t back_buf[4096];
static unsigned back_len;

static err_t on_back(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg, (void)err;
    if (!p)
        return ERR_OK;
    if (back_len + p->tot_len <= sizeof back_buf)
        pbuf_copy_partial(p, back_buf + back_len, p->tot_len, 0), back_len += p->tot_len;
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static bool echoed(void)
{
    return back_len == 1000;
}

TEST_CASE(burst_of_malformed_frames_then_a_answers)
{
    wire_reset();
    if (!v6_ready()) {
        netif_create_ip6_linklocal_address(&wire_na, 1);
        netif_create_ip6_linklocal_address(&wire_nb, 1);
        wire_run_until(v6_ready, 10000);
    }
    CHECK_EQ(v6_ready(), true);
    ip_addr_t a = IPADDR4_INIT(0), b = IPADDR4_INIT(0);
    ip_addr_copy_from_ip4(a, wire_ip_a);
    ip_addr_copy_from_ip4(b, wire_ip_b);
    struct udp_pcb *u = udp_new_ip_type(IPADDR_TYPE_ANY);
    CHECK_EQ(udp_bind(u, IP_ANY_TYPE, UDP_PORT), ERR_OK);
    udp_recv(u, on_udp, NULL);
    struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_ANY);
    CHECK_EQ(tcp_bind(l, IP_ANY_TYPE, TCP_PORT), ERR_OK);
    l = tcp_listen_with_backlog(l, 8);
    tcp_accept(l, on_accept);
    wire_pump();
    struct usage before = usage();

    static uint8_t f[WIRE_FRAME_MAX];
    unsigned fed = 0;
    for (unsigned i = 0; i < FRAMES; i++) {
        memset(f, 0, sizeof f);
        unsigned len = make(f, rnd() % 9);
        if (rnd() % 8) /* one in eight as made: valid frames among the rest, as on a link */
            len = mutate(f, len);
        else
            fix_sums(f, len);
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
        if (!p) { /* a full pool: the burst itself queues (ARP, reassembly) until the timers */
            wire_pump();
            wire_now += 10;
            sys_check_timeouts();
            continue;
        }
        pbuf_take(p, f, (u16_t)len);
        if (wire_na.input(p, &wire_na) != ERR_OK)
            pbuf_free(p);
        fed++;
        if (i % 16 == 0) {
            wire_pump();
            wire_now += 10;
            sys_check_timeouts();
        }
    }
    CHECK_EQ(fed > FRAMES * 9 / 10, true);
    /* Five minutes of lwIP's timers: half-open and reset connections, reassemblies, ARP queues
     * and the TIME-WAITs of whatever accepted connection the burst closed all end. */
    wire_run_until(never, 300000);
    /* What outlives them by design: the neighbour entries of "routers" that forged router
     * advertisements named, which lwIP keeps for the advertised lifetime (up to 18 hours) with
     * a few packets queued for them: bounded by its fixed tables (LWIP_ND6_NUM_NEIGHBORS
     * entries, MEMP_NUM_ND6_QUEUE packets), and dropped as a netif going down drops them. */
    CHECK_EQ(lwip_stats.memp[MEMP_ND6_QUEUE]->used <= MEMP_NUM_ND6_QUEUE, true);
    nd6_cleanup_netif(&wire_na);
    struct usage after = usage();
    CHECK_EQ(after.pool, before.pool);
    CHECK_EQ(after.mem, before.mem);
    CHECK_EQ(after.tcp, before.tcp);
    CHECK_EQ(after.tcp_listen, before.tcp_listen);
    CHECK_EQ(after.udp, before.udp);
    CHECK_EQ(after.reass, 0);
    CHECK_EQ(after.reass6, 0);
    CHECK_EQ(after.arpq, 0);
    CHECK_EQ(after.seg, before.seg);
    CHECK_EQ(after.pbuf, before.pbuf);

    /* A answers: B's UDP datagram arrives whole, and a TCP connection echoes 1000 bytes. */
    wire_reset();
    udp_got = 0;
    struct udp_pcb *bu = udp_new();
    CHECK_EQ(udp_bind(bu, &b, 40100), ERR_OK);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 321, PBUF_RAM);
    memset(p->payload, 7, 321);
    CHECK_EQ(udp_sendto(bu, p, &a, UDP_PORT), ERR_OK);
    pbuf_free(p);
    wire_pump();
    CHECK_EQ(udp_got, 1);
    CHECK_EQ(udp_len, 321);
    udp_remove(bu);

    accepted = 0, echo_len = 0, back_len = 0, connected = false;
    struct tcp_pcb *c = tcp_new();
    CHECK_EQ(tcp_bind(c, &b, 40200), ERR_OK);
    tcp_recv(c, on_back);
    CHECK_EQ(tcp_connect(c, &a, TCP_PORT, on_connected), ERR_OK);
    wire_pump();
    CHECK_EQ(connected, true);
    CHECK_EQ(accepted, 1);
    static uint8_t out[1000];
    for (unsigned i = 0; i < sizeof out; i++)
        out[i] = (uint8_t)(i * 13 + 5);
    CHECK_EQ(tcp_write(c, out, sizeof out, TCP_WRITE_FLAG_COPY), ERR_OK);
    CHECK_EQ(tcp_output(c), ERR_OK);
    CHECK_EQ(wire_run_until(echoed, 5000), true);
    CHECK_EQ(echo_len, 1000);
    CHECK_EQ(memcmp(echo_buf, out, 1000), 0);
    CHECK_EQ(memcmp(back_buf, out, 1000), 0);
    tcp_abort(c);
    tcp_close(l);
    udp_remove(u);
    wire_pump();
}
