/*
 * test_virtio_net.c: the virtio-net driver against a device on a host tap (program
 * `vionettest`, run by drivers/tests/virtio_tap_test.py, which makes a network namespace with a
 * multi-queue tap at 10.0.3.1/24 and a UDP echo server there, and starts QEMU with
 * `-netdev tap,queues=2 -device virtio-net-pci,mq=on`). Unlike QEMU's user network, such a
 * device offers multiqueue and checksum offload, so these tests check that the features are
 * offered and accepted, switch the device to two queue pairs through the control queue, and
 * send UDP with the checksum left to the device on each pair; every echo's checksums are
 * verified here, and the host checks what it got. The VN_* numbers are the harness's too.
 * exotest_param() is the echo server's port.
 */
#include "exotest.h"

#include <virtio/vio.h>

#include "netframe.h"

/* EXOTEST under this program's name: exo.boot.exotest (exo/tests/boot_test.py) expects every
 * `EXOTEST(` in apps/tests but test_virtio.c in the exotest program, and these belong to
 * vionettest; drivers/tests/virtio_tap_test.py looks for VIONETTEST( instead. */
#define VIONETTEST(fname) EXOTEST(fname)

#define VN_MAC 0x52, 0x54, 0x00, 0x12, 0x34, 0x57
#define VN_PAIRS 2     /* QEMU's queues=2 */
#define VN_DATAGRAMS 4 /* per pair, each its own flow (source port) */
#define VN_SPORT 41000 /* + pair * 16 + datagram */
#define VN_MSG "vionettest pair P datagram D: checksum left to the device"
#define VN_MSG_PAIR 16 /* where P and D are in VN_MSG */
#define VN_MSG_DGRAM 27

static const struct nf_host us = {{VN_MAC}, {10, 0, 3, 2}};
static const uint8_t host_ip[4] = {10, 0, 3, 1};
static const uint8_t *const our_mac = us.mac;

static struct vio_net net;
static struct exo_vio_info info;

static int open_net(void)
{
    int dev = vio_find(VIRTIO_ID_NET, 0, &info);
    if (dev < 0)
        return dev;
    return vio_net_open(&net, (unsigned)dev);
}

/* --- a burst of malformed frames at exo's packet filters ---------------------------------------
 */

/* The host (virtio_tap_test.py, BURST_* there) writes a few thousand frames straight onto the
 * tap: truncated and inconsistent headers, fragments, VLAN tags, oversize frames, random bytes,
 * bad checksums, then valid datagrams to our port and a last "done". exo holds the NIC (the
 * filters on, this env the default env and UDP port BURST_PORT's claimer); we drain our ring as
 * it fills, say how many frames exo had received each time it is empty (the host sends
 * delivered frames in groups the ring holds, each after the last is drained), count what came, echo
 * each valid datagram's payload back to the host (which compares it byte for byte) and print exo's
 * counters over the burst, which the host compares with what it sent of each class. Last, a
 * datagram to the host's echo server and its echo: exo and we keep working. */
#define BURST_PORT 47001  /* ours, claimed */
#define BURST_CTL 47000   /* the host's: "ready", the echoed payloads */
#define BURST_SPORT 47003 /* the host sends the valid datagrams from here */
#define BURST_VALID "burst valid "
#define BURST_DONE "burst done"
#define BURST_RING_VA 0x30100000ull
#define BURST_RING_PAGES 3 /* records cross its page boundaries, their bytes compared */
#define BURST_ECHO_MSG "vionettest after the burst"

static int is_burst_arp_reply(const uint8_t *f, uint32_t n, uint64_t unused)
{
    (void)unused;
    return nf_is_arp(f, n, 2, host_ip);
}

/* Is f an IPv4 UDP datagram to our address and `port`? */
static int to_us(const uint8_t *f, uint32_t n, uint16_t port)
{
    return n >= NF_UDP_DATA && nf_get16(f + 12) == 0x0800 && f[NF_ETH] == 0x45 &&
           f[NF_ETH + 9] == 17 && f[30] == us.ip[0] && f[31] == us.ip[1] && f[32] == us.ip[2] &&
           f[33] == us.ip[3] && nf_get16(f + 36) == port;
}

static int starts(const uint8_t *f, uint32_t n, const char *s)
{
    for (uint32_t i = 0; s[i]; i++)
        if (NF_UDP_DATA + i >= n || f[NF_UDP_DATA + i] != (uint8_t)s[i])
            return 0;
    return 1;
}

static void burst_counts(int64_t c[EXO_NET_SENT + 1])
{
    for (int k = 0; k <= EXO_NET_SENT; k++)
        c[k] = exo_observe(EXO_OBSERVE_NET, (uint64_t)k);
}

/* Sends a UDP datagram of payload p[0..len) from BURST_PORT to the host's port; retries while
 * every transmit buffer is in flight. */
static int64_t burst_send(struct nf_host *host, uint16_t dport, const uint8_t *p, uint32_t len)
{
    static uint8_t out[1514];
    static char msg[1514];
    if (len > 1400)
        return EXO_E_INVAL;
    for (uint32_t i = 0; i < len; i++)
        msg[i] = p[i] ? (char)p[i] : 1; /* nf_udp takes a C string: the host sends no NUL */
    msg[len] = 0;
    uint32_t n = nf_udp(out, &us, host, BURST_PORT, dport, msg, 0);
    int64_t r;
    while ((r = exo_nf_send((uint64_t)out, n)) == EXO_E_AGAIN)
        exo_yield(EXO_ANY);
    return r;
}

static int burst(void)
{
    uint16_t echo_port = (uint16_t)(exotest_param() & 0xffff);
    static uint8_t f[EXO_NF_RING_MAX_FRAME];
    const struct exo_nf_local l = {.mac = {VN_MAC}, .n4 = 1, .v4 = {0x0a000302}};
    CHECK_EQ(exo_nf_config((uint64_t)&l, EXO_CAP_SELF), 0);
    volatile struct exo_nf_ring *ring = (volatile struct exo_nf_ring *)BURST_RING_VA;
    for (uint64_t i = 0; i < BURST_RING_PAGES; i++)
        CHECK(los_page_new(BURST_RING_VA + i * EXO_PAGE, EXO_PROT_R | EXO_PROT_W) > 0);
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    CHECK_EQ(exo_nf_ring(EXO_CAP_SELF, BURST_RING_VA, BURST_RING_PAGES, (uint64_t)ev), 0);
    const struct exo_nf claim = {.ethertype = EXO_NF_IPV4, .proto = EXO_NF_UDP, .port = BURST_PORT};
    CHECK(exo_nf_claim(EXO_CAP_SELF, (uint64_t)&claim) >= 0);

    /* the host's MAC: ARP through nf_send, the answer into our ring */
    struct nf_host host = {{0}, {10, 0, 3, 1}};
    nf_arp(f, 1, &us, &host);
    CHECK_EQ(exo_nf_send((uint64_t)f, NF_ARP_LEN), 0);
    uint64_t end = rdtsc() + (uint64_t)exo_clock() * 20;
    uint32_t n = 0;
    while (rdtsc() < end &&
           !((n = nf_ring_take(ring, BURST_RING_PAGES, f)) && is_burst_arp_reply(f, n, 0)))
        if (!n)
            exo_event_wait_until((uint64_t)ev, rdtsc() + (uint64_t)exo_clock() / 10);
    CHECK(n > 0 && is_burst_arp_reply(f, n, 0));
    for (int i = 0; i < 6; i++)
        host.mac[i] = f[22 + i];

    int64_t before[EXO_NET_SENT + 1], after[EXO_NET_SENT + 1];
    burst_counts(before);
    CHECK_EQ(burst_send(&host, BURST_CTL, (const uint8_t *)"burst ready", 11), 0);

    /* Drain until "done" (or 240 s): frames to our port (their checksums judged here), the rest
     * (ours as the default env). */
    uint32_t to_port = 0, bad_csum = 0, valid = 0, other = 0, done = 0, acked = 0;
    end = rdtsc() + (uint64_t)exo_clock() * 240;
    while (!done && rdtsc() < end) {
        /* exo's count first: if the ring is empty after it, every frame it counts is handled */
        uint32_t rec =
            (uint32_t)(exo_observe(EXO_OBSERVE_NET, EXO_NET_RECEIVED) - before[EXO_NET_RECEIVED]);
        n = nf_ring_take(ring, BURST_RING_PAGES, f);
        if (!n) {
            if (acked != rec) { /* drained: the host sends its next group */
                acked = rec;
                char ack[32] = "burst drained ";
                int k = 14;
                char digits[12];
                int d = 0;
                for (uint32_t v = acked; v || !d; v /= 10)
                    digits[d++] = (char)('0' + v % 10);
                while (d)
                    ack[k++] = digits[--d];
                CHECK_EQ(burst_send(&host, BURST_CTL, (const uint8_t *)ack, (uint32_t)k), 0);
            }
            exo_event_wait_until((uint64_t)ev, rdtsc() + (uint64_t)exo_clock() / 50);
            continue;
        }
        if (!to_us(f, n, BURST_PORT)) {
            other++;
            continue;
        }
        to_port++;
        if (!nf_checksums_right(f, n)) {
            bad_csum++;
        } else if (nf_get16(f + 34) == BURST_SPORT && starts(f, n, BURST_DONE)) {
            done = 1;
        } else if (nf_get16(f + 34) == BURST_SPORT && starts(f, n, BURST_VALID)) {
            valid++; /* its payload back to the host, which compares it with what it sent */
            uint32_t plen = nf_get16(f + 38) - 8;
            CHECK_EQ(burst_send(&host, BURST_CTL, f + NF_UDP_DATA, plen), 0);
        }
    }
    burst_counts(after);
    los_printf("vionettest: burst: exo received %ld delivered %ld malformed %ld no-ring %ld "
               "ring-full %ld; ring drops %u; to port %u (bad checksum %u, valid %u), other %u\n",
               after[EXO_NET_RECEIVED] - before[EXO_NET_RECEIVED],
               after[EXO_NET_DELIVERED] - before[EXO_NET_DELIVERED],
               after[EXO_NET_MALFORMED] - before[EXO_NET_MALFORMED],
               after[EXO_NET_NO_RING] - before[EXO_NET_NO_RING],
               after[EXO_NET_RING_FULL] - before[EXO_NET_RING_FULL], ring->drops, to_port, bad_csum,
               valid, other);
    CHECK(done);
    /* every frame exo received is counted once, in one outcome */
    CHECK_EQ(after[EXO_NET_RECEIVED] - before[EXO_NET_RECEIVED],
             after[EXO_NET_DELIVERED] - before[EXO_NET_DELIVERED] + after[EXO_NET_MALFORMED] -
                 before[EXO_NET_MALFORMED] + after[EXO_NET_NO_RING] - before[EXO_NET_NO_RING] +
                 after[EXO_NET_RING_FULL] - before[EXO_NET_RING_FULL]);
    /* and every delivered one reached this ring */
    CHECK_EQ(after[EXO_NET_DELIVERED] - before[EXO_NET_DELIVERED], to_port + other);

    /* after it all, an echo through the host's echo server, byte for byte */
    CHECK_EQ(
        burst_send(&host, echo_port, (const uint8_t *)BURST_ECHO_MSG, sizeof BURST_ECHO_MSG - 1),
        0);
    end = rdtsc() + (uint64_t)exo_clock() * 20;
    int echoed = 0;
    while (!echoed && rdtsc() < end) {
        n = nf_ring_take(ring, BURST_RING_PAGES, f);
        if (!n)
            exo_event_wait_until((uint64_t)ev, rdtsc() + (uint64_t)exo_clock() / 10);
        else if (nf_is_udp(f, n, echo_port, BURST_PORT) && starts(f, n, "echo:" BURST_ECHO_MSG) &&
                 nf_get16(f + 38) == 8 + 5 + sizeof BURST_ECHO_MSG - 1 && nf_checksums_right(f, n))
            echoed = 1;
    }
    CHECK(echoed);
    los_printf("vionettest: burst: echo after the burst came back\n");
    return 0;
}

/* Defined before the driver's tests, so it runs after them (the runner takes them from the end
 * of the table); the device goes back to the driver, reset, however it ended. */
VIONETTEST(nf_burst_of_malformed_frames_dropped_the_rest_delivered)
{
    int r = burst();
    const struct exo_nf_local none = {0};
    CHECK_EQ(exo_nf_config((uint64_t)&none, EXO_ANY), 0);
    return r;
}

VIONETTEST(vio_net_tap_offers_mq_and_checksum_offload)
{
    CHECK_EQ(open_net(), 0);
    CHECK_EQ(vio_info(net.dev, &info), 0);
    los_printf("vionettest: offered 0x%lx accepted 0x%lx, %u pairs (%u usable), mtu %u\n",
               (unsigned long)info.offered, (unsigned long)net.features, net.npairs, net.maxpairs,
               net.mtu);
    uint64_t need = VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
                    VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
                    VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_F_VERSION_1);
    CHECK_EQ(info.offered & need, need);
    /* accepted: exactly what the driver asks for among what is offered */
    CHECK_EQ(net.features, (VIO_NET_WANT & info.offered) | VIRTIO_BIT(VIRTIO_F_VERSION_1));
    CHECK_EQ(net.features & need, need);
    CHECK_EQ(info.accepted, net.features);
    CHECK_EQ(info.nqueues, 2 * VN_PAIRS + 1); /* two pairs and the control queue */
    CHECK_EQ(net.npairs, VN_PAIRS);
    CHECK_EQ(net.maxpairs, VN_PAIRS);
    CHECK_EQ(net.active, 1);
    CHECK(net.has_mac);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(net.mac[i], our_mac[i]);
    CHECK_EQ(vio_net_link_up(&net), 1);
    /* the arguments set_pairs refuses, before any command */
    CHECK_EQ(vio_net_set_pairs(&net, 0), EXO_E_INVAL);
    CHECK_EQ(vio_net_set_pairs(&net, VN_PAIRS + 1), EXO_E_RANGE);
    CHECK_EQ(vio_net_send_on(&net, 1, our_mac, 14, 0), EXO_E_RANGE); /* pair 1 not in use */
    CHECK_EQ(vio_net_close(&net), 0);
    return 0;
}

/* Answers an ARP request for our address (the host asks before it replies, unless it knows). */
static void arp_answer(const uint8_t *f, uint32_t n)
{
    if (n < NF_ARP_LEN || nf_get16(f + 12) != 0x0806 || nf_get16(f + 20) != 1 ||
        f[38] != us.ip[0] || f[39] != us.ip[1] || f[40] != us.ip[2] || f[41] != us.ip[3])
        return; /* not a request for our address */
    struct nf_host asker;
    for (int i = 0; i < 6; i++)
        asker.mac[i] = f[22 + i];
    for (int i = 0; i < 4; i++)
        asker.ip[i] = f[28 + i];
    uint8_t r[NF_ARP_LEN];
    nf_arp(r, 2, &us, &asker);
    vio_net_send(&net, r, NF_ARP_LEN, 0);
}

/* Waits for a frame `match` accepts, answering ARP meanwhile: its length (with *flags and
 * *pair), or 0 after about 20 s. */
static uint32_t recv_match(uint8_t *buf, int (*match)(const uint8_t *, uint32_t, uint64_t),
                           uint64_t arg, uint32_t *flags, unsigned *pair)
{
    for (int tries = 0; tries < 200; tries++) {
        int n = vio_net_recv_any(&net, buf, 2048, flags, pair, 100 * 1000);
        if (n <= 0)
            continue;
        if (match(buf, (uint32_t)n, arg))
            return (uint32_t)n;
        arp_answer(buf, (uint32_t)n);
    }
    return 0;
}

static int is_arp_reply(const uint8_t *f, uint32_t n, uint64_t unused)
{
    (void)unused;
    return nf_is_arp(f, n, 2, host_ip);
}

/* A UDP datagram from the echo server's port (arg: port << 16 | our port). */
static int is_echo(const uint8_t *f, uint32_t n, uint64_t arg)
{
    return nf_is_udp(f, n, (uint16_t)(arg >> 16), (uint16_t)arg);
}

VIONETTEST(vio_net_tap_udp_echo_on_two_pairs_device_checksums)
{
    uint16_t port = (uint16_t)(exotest_param() & 0xffff);
    CHECK(port > 0);
    CHECK_EQ(open_net(), 0);
    CHECK_EQ(net.maxpairs, VN_PAIRS);
    CHECK(net.features & VIRTIO_BIT(VIRTIO_NET_F_CSUM));
    CHECK_EQ(vio_net_set_pairs(&net, VN_PAIRS), 0); /* VQ_PAIRS_SET 2, acked VIRTIO_NET_OK */
    CHECK_EQ(net.active, VN_PAIRS);
    CHECK_EQ(net.opened, VN_PAIRS);
    CHECK(net.ctrl_open);
    los_printf("vionettest: control queue %u: VQ_PAIRS_SET %u acked OK\n", net.ctrl.queue,
               VN_PAIRS);

    static uint8_t f[2048];
    uint32_t flags;
    unsigned pair;
    /* who has 10.0.3.1? (the host kernel answers) */
    struct nf_host host = {{0}, {10, 0, 3, 1}};
    nf_arp(f, 1, &us, &host);
    CHECK_EQ(vio_net_send_on(&net, 0, f, NF_ARP_LEN, 0), 0);
    CHECK(recv_match(f, is_arp_reply, 0, &flags, &pair) > 0);
    for (int i = 0; i < 6; i++)
        host.mac[i] = f[22 + i];
    const struct vio_net_csum cs = {34, 6}; /* the UDP checksum: the device finishes it */

    unsigned on_pair[VN_PAIRS] = {0}, same_pair = 0, partial = 0, valid = 0;
    for (unsigned p = 0; p < VN_PAIRS; p++) {
        for (unsigned d = 0; d < VN_DATAGRAMS; d++) {
            char msg[] = VN_MSG;
            msg[VN_MSG_PAIR] = (char)('0' + p);
            msg[VN_MSG_DGRAM] = (char)('0' + d);
            uint16_t sport = (uint16_t)(VN_SPORT + p * 16 + d);
            uint32_t n = nf_udp(f, &us, &host, sport, (uint16_t)port, msg, 1);
            CHECK_EQ(vio_net_send_on(&net, p, f, n, &cs), 0); /* NEEDS_CSUM: the device sums */
            uint32_t got = recv_match(f, is_echo, (uint64_t)port << 16 | sport, &flags, &pair);
            CHECK(got > 0);
            CHECK(pair < VN_PAIRS);
            const char *e = "echo:";
            for (int i = 0; e[i]; i++)
                CHECK_EQ(f[NF_UDP_DATA + i], e[i]);
            for (int i = 0; msg[i]; i++)
                CHECK_EQ(f[NF_UDP_DATA + 5 + i], msg[i]);
            CHECK_EQ(nf_get16(f + 38), 8 + 5 + (sizeof msg - 1)); /* UDP length: echo: + msg */
            CHECK(flags & VIO_NET_RX_CSUM_OK);
            CHECK(nf_checksums_right(f, got)); /* summed here, whatever the device said */
            los_printf("vionettest: pair %u datagram %u: echo on pair %u, device flags%s%s\n", p, d,
                       pair, (flags & VIO_NET_RX_NEEDS_CSUM) ? " NEEDS_CSUM (completed)" : "",
                       (flags & VIO_NET_RX_DATA_VALID) ? " DATA_VALID" : "");
            on_pair[pair]++;
            same_pair += pair == p;
            partial += (flags & VIO_NET_RX_NEEDS_CSUM) != 0;
            valid += (flags & VIO_NET_RX_DATA_VALID) != 0;
        }
    }
    los_printf("vionettest: echoes on pair 0: %u, pair 1: %u; on the pair sent from: %u of %u; "
               "NEEDS_CSUM %u, DATA_VALID %u\n",
               on_pair[0], on_pair[1], same_pair, VN_PAIRS * VN_DATAGRAMS, partial, valid);
    CHECK(on_pair[1] > 0); /* frames really came in on the second pair */
    /* and every reply followed its flow's last send (the spec's automatic receive steering,
     * a SHOULD; Linux's multi-queue tap does it) */
    CHECK_EQ(same_pair, VN_PAIRS * VN_DATAGRAMS);
    CHECK(net.pair[0].tx_frames >= 1 + VN_DATAGRAMS); /* the ARP request, pair 0's, answers */
    CHECK_EQ(net.pair[1].tx_frames, VN_DATAGRAMS);

    /* back to one pair: pair 1 takes no more sends, pair 0 still works */
    CHECK_EQ(vio_net_set_pairs(&net, 1), 0);
    CHECK_EQ(net.active, 1);
    CHECK_EQ(vio_net_send_on(&net, 1, f, NF_ARP_LEN, 0), EXO_E_RANGE);
    {
        const char *msg = "vionettest back on one pair";
        uint16_t sport = VN_SPORT + 100;
        uint32_t n = nf_udp(f, &us, &host, sport, (uint16_t)port, msg, 1);
        CHECK_EQ(vio_net_send(&net, f, n, &cs), 0);
        uint32_t got = recv_match(f, is_echo, (uint64_t)port << 16 | sport, &flags, &pair);
        CHECK(got > 0);
        CHECK_EQ(pair, 0);
        CHECK(nf_checksums_right(f, got));
    }
    CHECK_EQ(vio_net_close(&net), 0);
    return 0;
}
