/*
 * test_netif_ring.c: the ring netif (net/netif_ring.h) on the host. exo's own producer
 * (exo/net_ring.c's exo_nr_put, compiled for the host) fills a struct exo_nf_ring with frames
 * built here byte by byte; netif_ring_poll hands them to lwIP (the tests' lwIP, wire.h), whose
 * answers come out through the send hook. Cases: an ARP request answered and a UDP datagram
 * delivered to a bound pcb, in order; a record across the ring's page boundary; a record behind
 * a wrap marker; 200 datagrams through a
 * ring refilled as it drains, in order; corrupt counts and lengths dropped, counted and recovered.
 */
#include <check.h>

#include "wire.h"

#include <exo/net_ring.h>
#include <net/netif_ring.h>

#include "lwip/etharp.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#include <string.h>

static const uint8_t mac_me[6] = {0x02, 0, 0, 0, 1, 1}, mac_peer[6] = {0x02, 0, 0, 0, 1, 2};
/* A ring of two pages, so that records cross a page boundary; contiguous here (page i of the
 * producer's view is ring_mem's page i), as it is for the env. */
#define NP 2
#define DATA EXO_NF_RING_DATA(NP)
static uint8_t ring_mem[NP * 4096] __attribute__((aligned(4096)));
static struct exo_nf_ring *const rp = (struct exo_nf_ring *)ring_mem;
static const uint32_t ring_ppn[NP] = {0, 1};
static struct exo_nr_view view = {.ppn = ring_ppn, .npages = NP};
static struct netif nx;
static struct netif_ring nr;
static uint8_t sent[8][NETIF_RING_FRAME_MAX];
static uint32_t sent_len[8];
static unsigned nsent;

static int send_hook(void *ctx, const void *frame, uint32_t len)
{
    (void)ctx;
    if (nsent < 8) {
        memcpy(sent[nsent], frame, len);
        sent_len[nsent] = len;
    }
    nsent++;
    return 0;
}

/* what the UDP pcb on 10.0.1.1:9000 received */
static uint8_t got[64][64];
static uint16_t got_len[64], got_port[64];
static unsigned ngot;

static void udp_got(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                    u16_t port)
{
    (void)arg, (void)pcb, (void)addr;
    if (ngot < 64) {
        got_len[ngot] = (uint16_t)pbuf_copy_partial(p, got[ngot], sizeof got[0], 0);
        got_port[ngot] = port;
    }
    ngot++;
    pbuf_free(p);
}

static struct udp_pcb *rx;

static void setup(void)
{
    static bool inited;
    wire_reset();
    if (!inited) {
        memcpy(nr.mac, mac_me, 6);
        nr.ring = rp;
        nr.npages = NP;
        view.base = (uintptr_t)ring_mem;
        nr.send = send_hook;
        ip4_addr_t ip, mask, gw;
        IP4_ADDR(&ip, 10, 0, 1, 1);
        IP4_ADDR(&mask, 255, 255, 255, 0);
        IP4_ADDR(&gw, 0, 0, 0, 0);
        netif_add(&nx, &ip, &mask, &gw, &nr, netif_ring_init, ethernet_input);
        netif_set_up(&nx);
        netif_set_link_up(&nx);
        rx = udp_new();
        CHECK_EQ(udp_bind(rx, netif_ip_addr4(&nx), 9000), ERR_OK);
        udp_recv(rx, udp_got, NULL);
        inited = true;
    }
    etharp_cleanup_netif(&nx);
    memset(ring_mem, 0, sizeof ring_mem);
    nr.rx_frames = nr.rx_nomem = nr.rx_corrupt = nr.tx_frames = nr.tx_errors = 0;
    nsent = ngot = 0;
}

static unsigned eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, mac_peer, 6);
    f[12] = (uint8_t)(type >> 8), f[13] = (uint8_t)type;
    return 14;
}

/* An ARP request from 10.0.1.2 for 10.0.1.1, broadcast: 42 bytes. */
static unsigned arp_request(uint8_t *f)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    unsigned n = eth(f, bcast, 0x0806);
    static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
    memcpy(f + n, hdr, 8);
    memcpy(f + n + 8, mac_peer, 6);
    memcpy(f + n + 14, "\x0a\x00\x01\x02", 4);
    memset(f + n + 18, 0, 6);
    memcpy(f + n + 24, "\x0a\x00\x01\x01", 4);
    return n + 28;
}

/* A UDP datagram 10.0.1.2:sport -> 10.0.1.1:9000 (no UDP checksum, as IPv4 allows). */
static unsigned udp_frame(uint8_t *f, uint16_t sport, const void *data, unsigned len)
{
    unsigned n = eth(f, mac_me, 0x0800);
    uint8_t *ip = f + n;
    unsigned tot = 20 + 8 + len;
    memset(ip, 0, 20);
    ip[0] = 0x45, ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot, ip[8] = 64, ip[9] = 17;
    memcpy(ip + 12, "\x0a\x00\x01\x02\x0a\x00\x01\x01", 8);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (uint8_t)(~sum >> 8), ip[11] = (uint8_t)~sum;
    uint8_t *u = ip + 20;
    u[0] = (uint8_t)(sport >> 8), u[1] = (uint8_t)sport, u[2] = 9000 >> 8, u[3] = 9000 & 0xff;
    u[4] = (uint8_t)((8 + len) >> 8), u[5] = (uint8_t)(8 + len), u[6] = u[7] = 0;
    memcpy(u + 8, data, len);
    return n + tot;
}

TEST_CASE(arp_and_udp_in_order)
{
    setup();
    uint8_t f[128];
    unsigned n = arp_request(f);
    CHECK_EQ(exo_nr_put(&view, f, n), EXO_OK);
    n = udp_frame(f, 5555, "ring!", 5);
    CHECK_EQ(exo_nr_put(&view, f, n), EXO_OK);
    CHECK_EQ(netif_ring_poll(&nx, 0), 2);
    CHECK_EQ(rp->tail, rp->head);
    CHECK_EQ(nr.rx_frames, 2);
    CHECK_EQ(nr.rx_corrupt, 0);
    /* the ARP reply, to the asker */
    CHECK_EQ(nsent, 1);
    CHECK_EQ(sent_len[0], 42);
    CHECK_EQ(memcmp(sent[0], mac_peer, 6), 0);
    CHECK_EQ(memcmp(sent[0] + 6, mac_me, 6), 0);
    CHECK_EQ(sent[0][21], 2); /* opcode: reply */
    CHECK_EQ(nr.tx_frames, 1);
    /* the datagram, to the bound pcb */
    CHECK_EQ(ngot, 1);
    CHECK_EQ(got_len[0], 5);
    CHECK_EQ(memcmp(got[0], "ring!", 5), 0);
    CHECK_EQ(got_port[0], 5555);
    CHECK_EQ(netif_ring_poll(&nx, 0), 0);
}

TEST_CASE(record_across_pages)
{
    setup();
    rp->head = rp->tail = 4096 - 16 - 20; /* the frame's first 16 bytes on the first page */
    uint8_t f[128];
    unsigned n = udp_frame(f, 2, "across", 6);
    CHECK_EQ(exo_nr_put(&view, f, n), EXO_OK);
    CHECK_EQ(memcmp(ring_mem + 4096 - 16, f, n), 0); /* the rest on the second */
    CHECK_EQ(netif_ring_poll(&nx, 0), 1);
    CHECK_EQ(ngot, 1);
    CHECK_EQ(memcmp(got[0], "across", 6), 0);
    CHECK_EQ(got_port[0], 2);
    CHECK_EQ(nr.rx_corrupt, 0);
}

TEST_CASE(record_behind_a_wrap_marker)
{
    setup();
    rp->head = rp->tail = DATA - 40; /* 40 bytes before the end: a 56-byte record does not fit */
    uint8_t f[128];
    unsigned n = udp_frame(f, 1, "wrapped", 7);
    CHECK_EQ(n, 49);
    CHECK_EQ(exo_nr_put(&view, f, n), EXO_OK);
    uint32_t marker;
    memcpy(&marker, rp->data + DATA - 40, 4);
    CHECK_EQ(marker, EXO_NF_RING_WRAP);
    CHECK_EQ(rp->head, DATA + 56);
    CHECK_EQ(netif_ring_poll(&nx, 0), 1);
    CHECK_EQ(rp->tail, DATA + 56);
    CHECK_EQ(ngot, 1);
    CHECK_EQ(memcmp(got[0], "wrapped", 7), 0);
    CHECK_EQ(nr.rx_corrupt, 0);
}

TEST_CASE(many_frames_in_order_with_budget)
{
    setup();
    uint8_t f[128];
    unsigned put = 0, polls = 0, refused = 0;
    while (ngot < 200 && polls < 1000) {
        for (; put < 200; put++) {
            char d[4] = {'#', (char)(put >> 8), (char)put, '!'};
            unsigned n = udp_frame(f, (uint16_t)(1000 + put), d, 4);
            if (exo_nr_put(&view, f, n) != EXO_OK) {
                refused++; /* full: this one again after the next poll */
                break;
            }
        }
        netif_ring_poll(&nx, 7); /* a budget: the rest stays for the next poll */
        polls++;
    }
    CHECK_EQ(ngot, 200);
    unsigned bad = 0;
    for (unsigned i = 0; i < 64; i++)
        bad += got_port[i] != 1000 + i || got[i][2] != (uint8_t)i;
    CHECK_EQ(bad, 0);
    CHECK_EQ(rp->drops, refused); /* the producer's count of full-ring refusals */
    CHECK_MSG(refused > 0, "the ring never filled");
    CHECK_EQ(nr.rx_frames, 200);
    CHECK_EQ(nr.rx_corrupt, 0);
}

TEST_CASE(corrupt_ring_recovered)
{
    setup();
    uint8_t f[128];
    unsigned n = udp_frame(f, 7, "ok", 2);

    rp->head = 5; /* not on a record boundary (the env's page: anything can be there) */
    CHECK_EQ(netif_ring_poll(&nx, 0), 0);
    CHECK_EQ(nr.rx_corrupt, 1);
    CHECK_EQ(rp->head, 0);
    CHECK_EQ(rp->tail, 0);

    CHECK_EQ(exo_nr_put(&view, f, n), EXO_OK);
    uint32_t bad = 5000; /* a length past the ring */
    memcpy(rp->data, &bad, 4);
    CHECK_EQ(netif_ring_poll(&nx, 0), 0);
    CHECK_EQ(nr.rx_corrupt, 2);
    CHECK_EQ(rp->tail, rp->head);
    CHECK_EQ(ngot, 0);

    CHECK_EQ(exo_nr_put(&view, f, n), EXO_OK);
    bad = 200; /* longer than what head shows */
    memcpy(rp->data + rp->tail % DATA, &bad, 4);
    CHECK_EQ(netif_ring_poll(&nx, 0), 0);
    CHECK_EQ(nr.rx_corrupt, 3);
    CHECK_EQ(rp->tail, rp->head);

    rp->tail = (rp->head + 8) % (2 * DATA); /* more in use than the ring holds */
    CHECK_EQ(netif_ring_poll(&nx, 0), 0);
    CHECK_EQ(nr.rx_corrupt, 4);
    CHECK_EQ(rp->tail, rp->head);

    rp->tail = 2 * DATA; /* out of range */
    CHECK_EQ(netif_ring_poll(&nx, 0), 0);
    CHECK_EQ(nr.rx_corrupt, 5);

    /* and the next frame is delivered */
    CHECK_EQ(exo_nr_put(&view, f, n), EXO_OK);
    CHECK_EQ(netif_ring_poll(&nx, 0), 1);
    CHECK_EQ(ngot, 1);
    CHECK_EQ(memcmp(got[0], "ok", 2), 0);
}
