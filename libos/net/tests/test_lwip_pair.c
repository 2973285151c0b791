/*
 * test_lwip_pair.c: Debian's lwIP with Tessera's port (libos/net) on the host, over the tests'
 * wire (wire.h): ONE lwIP instance with two Ethernet netifs, A (10.0.0.1) and B (10.0.0.2),
 * joined by an in-memory wire. One process, no threads, no real time: the clock is a variable
 * the test advances before sys_check_timeouts(). The port's strong-host routing
 * (a packet from A's address leaves by A) keeps the two netifs from short-cutting through the
 * loopback path. Cases: ARP, ICMP echo, a 1000-byte UDP datagram, 1 MiB each way over TCP with a
 * clean close on both sides, the same with every 7th frame dropped on the wire, and UDP over the
 * loopback netif, and a UDP datagram between IPv6 link-local addresses.
 */
#include <check.h>

#include "wire.h"

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/ip6_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ethernet.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned tcp_rexmits; /* TCP data segments whose bytes were sent before */
static uint32_t seq_end_a, seq_end_b;
static bool seq_seen_a, seq_seen_b;
static int syn_mss[2], syn_wscale[2]; /* options of the SYNs from A [0] and B [1], -1: none */
static unsigned sack_segments;        /* segments carrying a SACK option */

/* A TCP segment on the wire: the options of SYNs, SACKs, and retransmitted data (bytes below
 * the highest sent so far in its direction). */
static void watch_tcp(const uint8_t *f, unsigned len, bool from_a)
{
    if (len < 14 + 20 + 20 || f[12] != 0x08 || f[13] != 0x00 || f[14 + 9] != 6)
        return;
    unsigned ihl = (f[14] & 15) * 4;
    unsigned ip_len = (unsigned)f[16] << 8 | f[17];
    const uint8_t *t = f + 14 + ihl;
    unsigned doff = (t[12] >> 4) * 4;
    unsigned data = ip_len - ihl - doff;
    uint32_t seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
    for (unsigned o = 20; o < doff && t[o] != 0;) {
        if (t[o] == 1) { /* no-op */
            o++;
            continue;
        }
        if (t[13] & 0x02) { /* SYN */
            if (t[o] == 2)
                syn_mss[!from_a] = t[o + 2] << 8 | t[o + 3];
            if (t[o] == 3)
                syn_wscale[!from_a] = t[o + 2];
        }
        if (t[o] == 5)
            sack_segments++;
        o += t[o + 1] ? t[o + 1] : 1;
    }
    if (data == 0)
        return;
    uint32_t *end = from_a ? &seq_end_a : &seq_end_b;
    bool *seen = from_a ? &seq_seen_a : &seq_seen_b;
    if (*seen && (int32_t)(seq - *end) < 0)
        tcp_rexmits++;
    if (!*seen || (int32_t)(seq + data - *end) > 0)
        *end = seq + data;
    *seen = true;
}

static bool inited;

/* Each case starts from an empty wire and ARP, the TCP watcher on. */
static void setup(void)
{
    wire_reset();
    if (!inited) {
        wire_watch = watch_tcp;
        inited = true;
    }
    tcp_rexmits = 0;
    seq_seen_a = seq_seen_b = false;
    syn_mss[0] = syn_mss[1] = syn_wscale[0] = syn_wscale[1] = -1;
    sack_segments = 0;
}

/* ---- ARP ---- */

/* A asks for 10.0.0.2: one broadcast request, one reply, and each side has the other's MAC. */
TEST_CASE(arp_resolves)
{
    setup();
    CHECK_EQ(etharp_request(&wire_na, &wire_ip_b), ERR_OK);
    CHECK_EQ(wire_to_b.tail, 1);
    const uint8_t *req = wire_to_b.slot[0].data;
    CHECK_EQ(memcmp(req, "\xff\xff\xff\xff\xff\xff", 6), 0);
    CHECK_EQ(memcmp(req + 6, wire_mac_a, 6), 0);
    CHECK_EQ(req[12] << 8 | req[13], ETHTYPE_ARP);
    CHECK_EQ(req[20] << 8 | req[21], 1); /* opcode: request */
    wire_pump();
    CHECK_EQ(wire_frames_a, 1);
    CHECK_EQ(wire_frames_b, 1);
    const uint8_t *rep = wire_to_a.slot[0].data;
    CHECK_EQ(memcmp(rep, wire_mac_a, 6), 0);
    CHECK_EQ(rep[20] << 8 | rep[21], 2); /* opcode: reply */

    struct eth_addr *eth;
    const ip4_addr_t *ip;
    CHECK_MSG(etharp_find_addr(&wire_na, &wire_ip_b, &eth, &ip) >= 0,
              "A has no entry for 10.0.0.2");
    if (etharp_find_addr(&wire_na, &wire_ip_b, &eth, &ip) >= 0)
        CHECK_EQ(memcmp(eth->addr, wire_mac_b, 6), 0);
    CHECK_MSG(etharp_find_addr(&wire_nb, &wire_ip_a, &eth, &ip) >= 0,
              "B has no entry for 10.0.0.1");
    if (etharp_find_addr(&wire_nb, &wire_ip_a, &eth, &ip) >= 0)
        CHECK_EQ(memcmp(eth->addr, wire_mac_a, 6), 0);
}

/* ---- ICMP echo ---- */

#define PING_DATA 56
static int replies;
static uint8_t reply[sizeof(struct icmp_echo_hdr) + PING_DATA];
static uint16_t reply_len;
static ip4_addr_t reply_from;

static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)arg, (void)pcb;
    /* A raw pcb sees the whole IPv4 packet: skip its header. */
    uint8_t ihl;
    pbuf_copy_partial(p, &ihl, 1, 0);
    ihl = (uint8_t)((ihl & 15) * 4);
    replies++;
    reply_len = (uint16_t)(p->tot_len - ihl);
    pbuf_copy_partial(p, reply, sizeof reply, ihl);
    ip4_addr_copy(reply_from, *ip_2_ip4(addr));
    pbuf_free(p);
    return 1;
}

TEST_CASE(icmp_echo_answered)
{
    setup();
    struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);
    ip_addr_t a = IPADDR4_INIT(0), b = IPADDR4_INIT(0);
    ip_addr_copy_from_ip4(a, wire_ip_a);
    ip_addr_copy_from_ip4(b, wire_ip_b);
    CHECK_EQ(raw_bind(pcb, &a), ERR_OK);
    raw_recv(pcb, ping_recv, NULL);

    struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + PING_DATA, PBUF_RAM);
    struct icmp_echo_hdr *h = p->payload;
    ICMPH_TYPE_SET(h, ICMP_ECHO);
    ICMPH_CODE_SET(h, 0);
    h->id = lwip_htons(0x7e55);
    h->seqno = lwip_htons(3);
    h->chksum = 0;
    uint8_t *d = (uint8_t *)(h + 1);
    for (int i = 0; i < PING_DATA; i++)
        d[i] = (uint8_t)(i * 3 + 1);
    h->chksum = inet_chksum(h, (u16_t)p->tot_len);
    replies = 0;
    CHECK_EQ(raw_sendto(pcb, p, &b), ERR_OK);
    pbuf_free(p);
    wire_pump();

    CHECK_EQ(replies, 1);
    CHECK_EQ(reply_len, sizeof(struct icmp_echo_hdr) + PING_DATA);
    struct icmp_echo_hdr *r = (struct icmp_echo_hdr *)reply;
    CHECK_EQ(ICMPH_TYPE(r), ICMP_ER);
    CHECK_EQ(ICMPH_CODE(r), 0);
    CHECK_EQ(lwip_ntohs(r->id), 0x7e55);
    CHECK_EQ(lwip_ntohs(r->seqno), 3);
    CHECK_EQ(inet_chksum(reply, reply_len), 0);
    for (int i = 0; i < PING_DATA; i++)
        CHECK_EQ(reply[sizeof *r + i], (uint8_t)(i * 3 + 1));
    CHECK_EQ(reply_from.addr, wire_ip_b.addr);
    /* ARP first (request and reply), then the echo and its answer. */
    CHECK_EQ(wire_frames_a, 2);
    CHECK_EQ(wire_frames_b, 2);
    raw_remove(pcb);
}

/* ---- UDP ---- */

static uint8_t dgram[2000];
static int dgrams;
static uint16_t dgram_len, dgram_port;
static ip4_addr_t dgram_from;

static void udp_got(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                    u16_t port)
{
    (void)arg, (void)pcb;
    dgrams++;
    dgram_len = p->tot_len;
    dgram_port = port;
    ip4_addr_copy(dgram_from, *ip_2_ip4(addr));
    pbuf_copy_partial(p, dgram, sizeof dgram, 0);
    pbuf_free(p);
}

static void udp_send_1000(const ip4_addr_t *from, const ip4_addr_t *to)
{
    struct udp_pcb *rx = udp_new(), *tx = udp_new();
    ip_addr_t f = IPADDR4_INIT(0), t = IPADDR4_INIT(0);
    ip_addr_copy_from_ip4(f, *from);
    ip_addr_copy_from_ip4(t, *to);
    CHECK_EQ(udp_bind(rx, &t, 7000), ERR_OK);
    udp_recv(rx, udp_got, NULL);
    CHECK_EQ(udp_bind(tx, &f, 7001), ERR_OK);
    uint8_t out[1000];
    for (int i = 0; i < 1000; i++)
        out[i] = (uint8_t)(i * 7 + (i >> 8));
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, sizeof out, PBUF_RAM);
    pbuf_take(p, out, sizeof out);
    dgrams = 0;
    memset(dgram, 0, sizeof dgram);
    CHECK_EQ(udp_sendto(tx, p, &t, 7000), ERR_OK);
    pbuf_free(p);
    wire_pump();
    CHECK_EQ(dgrams, 1);
    CHECK_EQ(dgram_len, 1000);
    CHECK_EQ(memcmp(dgram, out, sizeof out), 0);
    CHECK_EQ(dgram_port, 7001);
    CHECK_EQ(dgram_from.addr, from->addr);
    udp_remove(rx);
    udp_remove(tx);
}

TEST_CASE(udp_1000_bytes)
{
    setup();
    udp_send_1000(&wire_ip_a, &wire_ip_b);
    CHECK_EQ(wire_frames_a, 2); /* ARP request, the datagram */
    CHECK_EQ(wire_frames_b, 1); /* ARP reply */
}

/* The loopback netif (lo, 127.0.0.1): delivered by netif_poll_all, nothing on the wire. */
TEST_CASE(udp_loopback)
{
    setup();
    ip4_addr_t lo;
    IP4_ADDR(&lo, 127, 0, 0, 1);
    udp_send_1000(&lo, &lo);
    CHECK_EQ(wire_frames_a + wire_frames_b, 0);
}

/* ---- IPv6: link-local addresses, neighbour discovery, a UDP datagram ---- */

static bool lladdrs_valid(void)
{
    return ip6_addr_isvalid(netif_ip6_addr_state(&wire_na, 0)) &&
           ip6_addr_isvalid(netif_ip6_addr_state(&wire_nb, 0));
}

/* Link-local addresses from the MACs (duplicate detection passes on the fake clock), then 1000
 * bytes of UDP from A's to B's: a neighbour solicitation answered, the datagram byte-identical. */
TEST_CASE(ipv6_link_local_udp)
{
    setup();
    netif_create_ip6_linklocal_address(&wire_na, 1);
    netif_create_ip6_linklocal_address(&wire_nb, 1);
    CHECK_MSG(wire_run_until(lladdrs_valid, 10000),
              "link-local addresses still tentative at t+10 s");
    CHECK_STR(ip6addr_ntoa(netif_ip6_addr(&wire_na, 0)), "FE80::FF:FE00:A");
    CHECK_STR(ip6addr_ntoa(netif_ip6_addr(&wire_nb, 0)), "FE80::FF:FE00:B");

    struct udp_pcb *rx = udp_new_ip_type(IPADDR_TYPE_V6), *tx = udp_new_ip_type(IPADDR_TYPE_V6);
    ip_addr_t a, b, to;
    ip_addr_copy_from_ip6(a, *netif_ip6_addr(&wire_na, 0));
    ip_addr_copy_from_ip6(b, *netif_ip6_addr(&wire_nb, 0));
    ip_addr_copy(to, b);
    ip6_addr_set_zone(ip_2_ip6(&to),
                      netif_get_index(&wire_na)); /* B's address, seen from A's link */
    CHECK_EQ(udp_bind(rx, &b, 7000), ERR_OK);
    udp_recv(rx, udp_got, NULL);
    CHECK_EQ(udp_bind(tx, &a, 7001), ERR_OK);
    uint8_t out[1000];
    for (int i = 0; i < 1000; i++)
        out[i] = (uint8_t)(i * 13 + 5);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, sizeof out, PBUF_RAM);
    pbuf_take(p, out, sizeof out);
    dgrams = 0;
    unsigned a_before = wire_frames_a, b_before = wire_frames_b;
    CHECK_EQ(udp_sendto(tx, p, &to, 7000), ERR_OK);
    pbuf_free(p);
    wire_pump();
    CHECK_EQ(dgrams, 1);
    CHECK_EQ(dgram_len, 1000);
    CHECK_EQ(memcmp(dgram, out, sizeof out), 0);
    CHECK_EQ(dgram_port, 7001);
    CHECK_EQ(wire_frames_a - a_before, 2); /* neighbour solicitation, the datagram */
    CHECK_EQ(wire_frames_b - b_before, 1); /* neighbour advertisement */
    udp_remove(rx);
    udp_remove(tx);
    /* The other cases are IPv4 only: no router solicitations from here on. */
    netif_ip6_addr_set_state(&wire_na, 0, IP6_ADDR_INVALID);
    netif_ip6_addr_set_state(&wire_nb, 0, IP6_ADDR_INVALID);
    wire_pump();
}

/* ---- TCP: 1 MiB each way, then both sides close ---- */

#define TOTAL (1024 * 1024)

/* Byte i of the stream of direction dir: not periodic at any power of two up to 2^24. */
static uint8_t pattern(uint32_t i, int dir)
{
    return (uint8_t)((i ^ (i >> 8) * 37 ^ (i >> 16) * 101) + dir * 91);
}

struct side {
    struct tcp_pcb *pcb;
    int dir;       /* the pattern of what this side sends; it receives the other's */
    uint32_t sent; /* bytes handed to tcp_write */
    uint32_t rcvd; /* bytes received, in order */
    long bad_at;   /* first received byte that differs from the pattern, or -1 */
    bool fin_sent; /* sending shut down (FIN queued after the data) */
    bool fin_rcvd; /* the peer's FIN seen (recv with NULL) */
    bool closed;   /* tcp_close called */
    err_t err;     /* from the err callback, ERR_OK if none */
};

static struct side client, server;
static struct tcp_pcb *listener;
static int accepted;

static void close_side(struct side *s)
{
    tcp_arg(s->pcb, NULL);
    tcp_recv(s->pcb, NULL);
    tcp_sent(s->pcb, NULL);
    tcp_err(s->pcb, NULL);
    CHECK_EQ(tcp_close(s->pcb), ERR_OK);
    s->closed = true;
}

/* Write as much of the stream as the send buffer takes; at its end, shut sending down. */
static void feed(struct side *s)
{
    static uint8_t chunk[16384];
    while (s->sent < TOTAL) {
        uint32_t n = TOTAL - s->sent;
        if (n > sizeof chunk)
            n = sizeof chunk;
        if (n > tcp_sndbuf(s->pcb))
            n = tcp_sndbuf(s->pcb);
        if (n == 0 || tcp_sndqueuelen(s->pcb) >= TCP_SND_QUEUELEN - 16)
            break;
        for (uint32_t i = 0; i < n; i++)
            chunk[i] = pattern(s->sent + i, s->dir);
        if (tcp_write(s->pcb, chunk, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        s->sent += n;
    }
    tcp_output(s->pcb);
    if (s->sent == TOTAL && !s->fin_sent) {
        s->fin_sent = true;
        if (s->fin_rcvd)
            close_side(s);
        else
            CHECK_EQ(tcp_shutdown(s->pcb, 0, 1), ERR_OK);
    }
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb, (void)len;
    struct side *s = arg;
    if (s && !s->closed)
        feed(s);
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct side *s = arg;
    (void)err;
    if (!p) {
        s->fin_rcvd = true;
        if (s->fin_sent)
            close_side(s);
        return ERR_OK;
    }
    for (struct pbuf *q = p; q; q = q->next) {
        const uint8_t *d = q->payload;
        for (u16_t i = 0; i < q->len; i++, s->rcvd++)
            if (s->bad_at < 0 && d[i] != pattern(s->rcvd, !s->dir))
                s->bad_at = s->rcvd;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    struct side *s = arg;
    if (s) {
        s->err = err;
        s->pcb = NULL;
    }
}

static void attach(struct side *s, struct tcp_pcb *pcb)
{
    s->pcb = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    attach(&server, pcb);
    accepted++;
    feed(&server);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)pcb;
    CHECK_EQ(err, ERR_OK);
    feed(arg);
    return ERR_OK;
}

static bool both_closed(void)
{
    return (client.closed || client.err) && (server.closed || server.err);
}

static bool tcp_all_gone(void)
{
    return tcp_active_pcbs == NULL && tcp_tw_pcbs == NULL;
}

static void tcp_both_ways(unsigned drop)
{
    setup();
    wire_drop_every = drop;
    memset(&client, 0, sizeof client);
    memset(&server, 0, sizeof server);
    client.dir = 0, server.dir = 1;
    client.bad_at = server.bad_at = -1;
    accepted = 0;

    ip_addr_t a = IPADDR4_INIT(0), b = IPADDR4_INIT(0);
    ip_addr_copy_from_ip4(a, wire_ip_a);
    ip_addr_copy_from_ip4(b, wire_ip_b);
    struct tcp_pcb *l = tcp_new();
    CHECK_EQ(tcp_bind(l, &b, 8080), ERR_OK);
    listener = tcp_listen(l);
    CHECK_MSG(listener != NULL, "tcp_listen failed");
    tcp_accept(listener, on_accept);

    struct tcp_pcb *c = tcp_new();
    CHECK_EQ(tcp_bind(c, &a, 0), ERR_OK);
    attach(&client, c);
    CHECK_EQ(tcp_connect(c, &b, 8080, on_connected), ERR_OK);

    /* 1 MiB each way is 720 full segments: seconds of fake time even with losses. */
    CHECK_MSG(wire_run_until(both_closed, 1800 * 1000), "TCP transfer did not finish by t+1800 s");
    CHECK_EQ(client.err, ERR_OK);
    CHECK_EQ(server.err, ERR_OK);
    CHECK_EQ(client.sent, TOTAL);
    CHECK_EQ(server.sent, TOTAL);
    CHECK_EQ(client.rcvd, TOTAL);
    CHECK_EQ(server.rcvd, TOTAL);
    CHECK_EQ(client.bad_at, -1);
    CHECK_EQ(server.bad_at, -1);
    CHECK_EQ(client.fin_rcvd, 1);
    CHECK_EQ(server.fin_rcvd, 1);
    CHECK_EQ(client.closed, 1);
    CHECK_EQ(server.closed, 1);
    /* The last ACKs cross, TIME-WAIT ends after 2 MSL: no pcb is left. */
    CHECK_EQ(accepted, 1);
    CHECK_EQ(tcp_close(listener), ERR_OK);
    /* The last ACKs cross, TIME-WAIT ends after 2 MSL: no pcb is left. */
    CHECK_MSG(wire_run_until(tcp_all_gone, 2 * TCP_MSL + 10000), "pcbs left after 2 MSL");
}

TEST_CASE(tcp_1mib_both_ways)
{
    tcp_both_ways(0);
    CHECK_EQ(wire_dropped, 0);
    CHECK_EQ(tcp_rexmits, 0);
    CHECK_EQ(sack_segments, 0);
    /* lwipopts.h: MSS 1460 and window scaling (shift 3) offered by both SYNs */
    CHECK_EQ(syn_mss[0], 1460);
    CHECK_EQ(syn_mss[1], 1460);
    CHECK_EQ(syn_wscale[0], TCP_RCV_SCALE);
    CHECK_EQ(syn_wscale[1], TCP_RCV_SCALE);
}

/* Every 7th frame lost: retransmissions (fast or on timeout) still deliver every byte. */
TEST_CASE(tcp_1mib_every_7th_frame_dropped)
{
    tcp_both_ways(7);
    CHECK_MSG(wire_dropped > 100, "only %u frames dropped", wire_dropped);
    CHECK_MSG(tcp_rexmits > 0, "no retransmission seen");
    CHECK_MSG(sack_segments > 0, "no SACK option sent for the holes");
    fprintf(stderr, "lossy run: %u frames, %u dropped, %u retransmitted, %u with SACK, %u ms\n",
            wire_frames, wire_dropped, tcp_rexmits, sack_segments, wire_now);
}
