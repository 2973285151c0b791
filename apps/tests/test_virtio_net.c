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

/* EXOTEST under this program's name: exo.boot.exotest (exo/tests/boot_test.py) expects every
 * `EXOTEST(` in apps/tests but test_virtio.c in the exotest program, and these belong to
 * vionettest; drivers/tests/virtio_tap_test.py looks for VIONETTEST( instead. */
#define VIONETTEST(fname) EXOTEST(fname)

#define VN_MAC 0x52, 0x54, 0x00, 0x12, 0x34, 0x57
#define VN_PAIRS 2          /* QEMU's queues=2 */
#define VN_DATAGRAMS 4      /* per pair, each its own flow (source port) */
#define VN_SPORT 41000      /* + pair * 16 + datagram */
#define VN_MSG "vionettest pair P datagram D: checksum left to the device"
#define VN_MSG_PAIR 16      /* where P and D are in VN_MSG */
#define VN_MSG_DGRAM 27

static const uint8_t our_ip[4] = {10, 0, 3, 2}, host_ip[4] = {10, 0, 3, 1};
static const uint8_t our_mac[6] = {VN_MAC};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t sum16(const uint8_t *p, uint32_t n, uint32_t s)
{
    for (uint32_t i = 0; i + 1 < n; i += 2)
        s += get16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static struct vio_net net;
static struct exo_vio_info info;

static int open_net(void)
{
    int dev = vio_find(VIRTIO_ID_NET, 0, &info);
    if (dev < 0)
        return dev;
    return vio_net_open(&net, (unsigned)dev);
}

VIONETTEST(vio_net_tap_offers_mq_and_checksum_offload)
{
    CHECK_EQ(open_net(), 0);
    CHECK_EQ(vio_info(net.dev, &info), 0);
    los_printf("vionettest: offered 0x%lx accepted 0x%lx, %u pairs (%u usable), mtu %u\n",
               (unsigned long)info.offered, (unsigned long)net.features, net.npairs,
               net.maxpairs, net.mtu);
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
    if (n < 42 || get16(f + 12) != 0x0806 || get16(f + 20) != 1)
        return;
    for (int i = 0; i < 4; i++)
        if (f[38 + i] != our_ip[i])
            return;
    uint8_t r[42];
    for (int i = 0; i < 6; i++) {
        r[i] = f[6 + i];
        r[6 + i] = our_mac[i];
        r[22 + i] = our_mac[i];
        r[32 + i] = f[22 + i];
    }
    put16(r + 12, 0x0806);
    put16(r + 14, 1);
    put16(r + 16, 0x0800);
    r[18] = 6;
    r[19] = 4;
    put16(r + 20, 2);
    for (int i = 0; i < 4; i++) {
        r[28 + i] = our_ip[i];
        r[38 + i] = f[28 + i];
    }
    vio_net_send(&net, r, 42, 0);
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
    return n >= 42 && get16(f + 12) == 0x0806 && get16(f + 20) == 2 && f[28] == host_ip[0] &&
           f[29] == host_ip[1] && f[30] == host_ip[2] && f[31] == host_ip[3];
}

/* A UDP datagram from the echo server's port (arg: port << 16 | our port). */
static int is_echo(const uint8_t *f, uint32_t n, uint64_t arg)
{
    return n >= 42 && get16(f + 12) == 0x0800 && f[14 + 9] == 17 &&
           get16(f + 34) == (arg >> 16 & 0xffff) && get16(f + 36) == (arg & 0xffff);
}

/* An Ethernet + IPv4 + UDP frame from sport to the host's dport, the UDP checksum field
 * holding the pseudo-header sum, *csum saying where the device is to finish it: its length. */
static uint32_t udp_frame(uint8_t *f, const uint8_t *host_mac, uint16_t sport, uint16_t dport,
                          const char *msg, struct vio_net_csum *csum)
{
    uint32_t n = 0;
    while (msg[n])
        n++;
    for (int i = 0; i < 6; i++) {
        f[i] = host_mac[i];
        f[6 + i] = our_mac[i];
    }
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *udp = ip + 20;
    for (int i = 0; i < 20; i++)
        ip[i] = 0;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + 8 + n));
    put16(ip + 4, sport); /* an identification */
    ip[8] = 64;
    ip[9] = 17;
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = our_ip[i];
        ip[16 + i] = host_ip[i];
    }
    put16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
    put16(udp, sport);
    put16(udp + 2, dport);
    put16(udp + 4, (uint16_t)(8 + n));
    for (uint32_t i = 0; i < n; i++)
        udp[8 + i] = (uint8_t)msg[i];
    put16(udp + 6, fold(sum16(ip + 12, 8, 17 + 8 + n))); /* the pseudo-header, not inverted */
    *csum = (struct vio_net_csum){34, 6};
    return 14 + 28 + n;
}

/* Checks a received IPv4/UDP frame's checksums here: the IP header sums to all ones, and so
 * does the UDP datagram with its pseudo-header (a zero UDP checksum would mean none: refused).
 * 1 if both are right. */
static int checksums_right(const uint8_t *f, uint32_t n)
{
    const uint8_t *ip = f + 14;
    uint32_t ihl = (uint32_t)(ip[0] & 15) * 4;
    if (ihl < 20 || n < 14 + ihl + 8)
        return 0;
    if (fold(sum16(ip, ihl, 0)) != 0xffff)
        return 0;
    const uint8_t *udp = ip + ihl;
    uint32_t ulen = get16(udp + 4);
    if (ulen < 8 || 14 + ihl + ulen > n || get16(udp + 6) == 0)
        return 0;
    uint32_t pseudo = sum16(ip + 12, 8, 17 + ulen);
    return fold(sum16(udp, ulen, pseudo)) == 0xffff;
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
    for (int i = 0; i < 6; i++) {
        f[i] = 0xff;
        f[6 + i] = our_mac[i];
        f[22 + i] = our_mac[i];
        f[32 + i] = 0;
    }
    put16(f + 12, 0x0806);
    put16(f + 14, 1);
    put16(f + 16, 0x0800);
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, 1);
    for (int i = 0; i < 4; i++) {
        f[28 + i] = our_ip[i];
        f[38 + i] = host_ip[i];
    }
    CHECK_EQ(vio_net_send_on(&net, 0, f, 42, 0), 0);
    CHECK(recv_match(f, is_arp_reply, 0, &flags, &pair) > 0);
    uint8_t host_mac[6];
    for (int i = 0; i < 6; i++)
        host_mac[i] = f[22 + i];

    unsigned on_pair[VN_PAIRS] = {0}, same_pair = 0, partial = 0, valid = 0;
    for (unsigned p = 0; p < VN_PAIRS; p++) {
        for (unsigned d = 0; d < VN_DATAGRAMS; d++) {
            char msg[] = VN_MSG;
            msg[VN_MSG_PAIR] = (char)('0' + p);
            msg[VN_MSG_DGRAM] = (char)('0' + d);
            uint16_t sport = (uint16_t)(VN_SPORT + p * 16 + d);
            struct vio_net_csum cs;
            uint32_t n = udp_frame(f, host_mac, sport, port, msg, &cs);
            CHECK_EQ(vio_net_send_on(&net, p, f, n, &cs), 0); /* NEEDS_CSUM: the device sums */
            uint32_t got = recv_match(f, is_echo, (uint64_t)port << 16 | sport, &flags, &pair);
            CHECK(got > 0);
            CHECK(pair < VN_PAIRS);
            const char *e = "echo:";
            for (int i = 0; e[i]; i++)
                CHECK_EQ(f[42 + i], e[i]);
            for (int i = 0; msg[i]; i++)
                CHECK_EQ(f[47 + i], msg[i]);
            CHECK_EQ(get16(f + 38), 8 + 5 + (sizeof msg - 1)); /* UDP length: echo: + msg */
            CHECK(flags & VIO_NET_RX_CSUM_OK);
            CHECK(checksums_right(f, got)); /* summed here, whatever the device said */
            los_printf("vionettest: pair %u datagram %u: echo on pair %u, device flags%s%s\n", p,
                       d, pair, (flags & VIO_NET_RX_NEEDS_CSUM) ? " NEEDS_CSUM (completed)" : "",
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
    CHECK_EQ(vio_net_send_on(&net, 1, f, 42, 0), EXO_E_RANGE);
    {
        char msg[] = "vionettest back on one pair";
        struct vio_net_csum cs;
        uint16_t sport = VN_SPORT + 100;
        uint32_t n = udp_frame(f, host_mac, sport, port, msg, &cs);
        CHECK_EQ(vio_net_send(&net, f, n, &cs), 0);
        uint32_t got = recv_match(f, is_echo, (uint64_t)port << 16 | sport, &flags, &pair);
        CHECK(got > 0);
        CHECK_EQ(pair, 0);
        CHECK(checksums_right(f, got));
    }
    CHECK_EQ(vio_net_close(&net), 0);
    return 0;
}
