/*
 * test_net_hdr.c: the virtio-net header (common/virtio.h, net_hdr.c) on the host: the
 * 12-byte VERSION_1 layout, the transmit header with and without checksum offload, completing
 * a partial checksum exactly as the device would, what a received header reports, and the
 * control queue's MQ command, its chain and ack, and how many pairs a driver can use.
 */
#include <check.h>

#include <virtio/vio.h>

#include <stddef.h>

/* An IPv4/UDP frame: Ethernet 14, IP 20, UDP 8, then 5 bytes of data (odd, to pad). */
static uint8_t frame[] = {
    /* Ethernet */
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, 0x08, 0x00,
    /* IPv4: 10.0.2.15 -> 10.0.2.2, UDP, total 33 */
    0x45, 0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 10, 0, 2, 15, 10, 0, 2,
    2,
    /* UDP: 1234 -> 5678, length 13, checksum (to fill) */
    0x04, 0xd2, 0x16, 0x2e, 0x00, 0x0d, 0x00, 0x00,
    /* data */
    'h', 'e', 'l', 'l', 'o'};

/* The ones' complement sum of 16-bit big-endian words, folded, not inverted. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return s;
}

TEST_CASE(spec_numbers)
{
    CHECK_EQ(sizeof(struct virtio_net_hdr), 12);
    CHECK_EQ(offsetof(struct virtio_net_hdr, flags), 0);
    CHECK_EQ(offsetof(struct virtio_net_hdr, gso_type), 1);
    CHECK_EQ(offsetof(struct virtio_net_hdr, hdr_len), 2);
    CHECK_EQ(offsetof(struct virtio_net_hdr, gso_size), 4);
    CHECK_EQ(offsetof(struct virtio_net_hdr, csum_start), 6);
    CHECK_EQ(offsetof(struct virtio_net_hdr, csum_offset), 8);
    CHECK_EQ(offsetof(struct virtio_net_hdr, num_buffers), 10);
    CHECK_EQ(VIRTIO_NET_HDR_F_NEEDS_CSUM, 1);
    CHECK_EQ(VIRTIO_NET_HDR_F_DATA_VALID, 2);
    CHECK_EQ(VIRTIO_NET_F_CSUM, 0);
    CHECK_EQ(VIRTIO_NET_F_GUEST_CSUM, 1);
    CHECK_EQ(VIRTIO_NET_F_MAC, 5);
    CHECK_EQ(VIRTIO_NET_F_MRG_RXBUF, 15);
    CHECK_EQ(VIRTIO_NET_F_STATUS, 16);
    CHECK_EQ(VIRTIO_NET_F_CTRL_VQ, 17);
    CHECK_EQ(VIRTIO_NET_F_MQ, 22);
    CHECK_EQ(VIRTIO_NET_CFG_MAC, 0);
    CHECK_EQ(VIRTIO_NET_CFG_STATUS, 6);
    CHECK_EQ(VIRTIO_NET_CFG_MAX_PAIRS, 8);
    CHECK_EQ(VIRTIO_NET_CFG_MTU, 10);
    CHECK_EQ(VIRTIO_CONSOLE_CFG_COLS, 0);
    CHECK_EQ(VIRTIO_CONSOLE_CFG_ROWS, 2);
    CHECK_EQ(VIRTIO_CONSOLE_CFG_MAX_PORTS, 4);
    CHECK_EQ(VIRTIO_CONSOLE_CFG_EMERG_WR, 8);
}

/* Checksum offload: the transmit header, filling a partial checksum, receive flags. */
TEST_CASE(checksums)
{
    /* Transmit header: all zero without a checksum request or without offload. */
    struct virtio_net_hdr h;
    struct vio_net_csum udp = {34, 6}; /* from the UDP header; its checksum field at +6 */
    for (size_t i = 0; i < sizeof h; i++)
        ((uint8_t *)&h)[i] = 0xee;
    vio_net_hdr_tx(&h, 0, 1);
    CHECK_EQ(h.flags, 0);
    CHECK_EQ(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
    CHECK_EQ(h.csum_start, 0);
    CHECK_EQ(h.num_buffers, 0);
    vio_net_hdr_tx(&h, &udp, 0);
    CHECK_EQ(h.flags, 0);
    vio_net_hdr_tx(&h, &udp, 1);
    CHECK_EQ(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    CHECK_EQ(h.csum_start, 34);
    CHECK_EQ(h.csum_offset, 6);
    CHECK_EQ(h.hdr_len, 0);
    CHECK_EQ(h.gso_size, 0);

    /* A partial checksum: the pseudo-header sum in the field, completed over UDP + data. */
    uint8_t pseudo[12] = {10, 0, 2, 15, 10, 0, 2, 2, 0, 17, 0, 13};
    uint32_t ph = sum16(pseudo, sizeof pseudo, 0);
    CHECK_EQ(ph, 0x182f); /* 0x0a00+0x020f+0x0a00+0x0202+0x0011+0x000d */
    frame[40] = (uint8_t)(ph >> 8);
    frame[41] = (uint8_t)ph;
    CHECK_EQ(vio_net_csum_fill(frame, sizeof frame, 34, 6), 0);
    uint16_t c = (uint16_t)(frame[40] << 8 | frame[41]);
    /* Independently: ~(pseudo + UDP header with a zero field + data). */
    uint8_t zeroed[13];
    for (int i = 0; i < 13; i++)
        zeroed[i] = frame[34 + i];
    zeroed[6] = zeroed[7] = 0;
    CHECK_EQ(c, (uint16_t)~sum16(zeroed, 13, ph));
    CHECK_EQ(c, 0x88f1);
    /* Verifying the completed datagram sums to all ones. */
    CHECK_EQ(sum16(frame + 34, 13, ph), 0xffff);

    /* Out of the frame: refused, nothing written. */
    CHECK_EQ(vio_net_csum_fill(frame, sizeof frame, 46, 1), EXO_E_RANGE);
    CHECK_EQ(vio_net_csum_fill(frame, sizeof frame, 60, 0), EXO_E_RANGE);
    CHECK_EQ(frame[sizeof frame - 1], 'o');

    /* Receive: DATA_VALID is trusted; NEEDS_CSUM is completed here; neither says nothing. */
    struct virtio_net_hdr rx = {0};
    CHECK_EQ(vio_net_rx_flags(&rx, frame, sizeof frame), 0);
    rx.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    CHECK_EQ(vio_net_rx_flags(&rx, frame, sizeof frame), 5); /* CSUM_OK | DATA_VALID */
    CHECK_EQ(VIO_NET_RX_CSUM_OK | VIO_NET_RX_DATA_VALID, 5);
    frame[40] = (uint8_t)(ph >> 8);
    frame[41] = (uint8_t)ph;
    rx.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    rx.csum_start = 34;
    rx.csum_offset = 6;
    CHECK_EQ(vio_net_rx_flags(&rx, frame, sizeof frame), 3); /* CSUM_OK | NEEDS_CSUM */
    CHECK_EQ(VIO_NET_RX_CSUM_OK | VIO_NET_RX_NEEDS_CSUM, 3);
    CHECK_EQ(frame[40] << 8 | frame[41], 0x88f1);
    rx.csum_start = 200; /* a partial checksum outside the frame cannot be vouched for */
    CHECK_EQ(vio_net_rx_flags(&rx, frame, sizeof frame), VIO_NET_RX_NEEDS_CSUM);
    rx.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID; /* both: completed */
    rx.csum_start = 34;
    frame[40] = (uint8_t)(ph >> 8);
    frame[41] = (uint8_t)ph;
    CHECK_EQ(vio_net_rx_flags(&rx, frame, sizeof frame), 7);
    CHECK_EQ(frame[40] << 8 | frame[41], 0x88f1);
}

/* The control queue: queue numbers, the MQ command's bytes, its chain, the ack. */
TEST_CASE(control_queue)
{
    CHECK_EQ(VIRTIO_NET_RXQ_OF(0), 0);
    CHECK_EQ(VIRTIO_NET_TXQ_OF(0), 1);
    CHECK_EQ(VIRTIO_NET_RXQ_OF(2), 4);
    CHECK_EQ(VIRTIO_NET_TXQ_OF(2), 5);
    CHECK_EQ(VIRTIO_NET_CTRLQ_OF(1), 2);
    CHECK_EQ(VIRTIO_NET_CTRLQ_OF(2), 4);
    CHECK_EQ(VIRTIO_NET_CTRLQ_OF(3), 6);
    CHECK_EQ(sizeof(struct virtio_net_ctrl_hdr), 2);
    CHECK_EQ(VIRTIO_NET_CTRL_MQ, 4);
    CHECK_EQ(VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 0);
    CHECK_EQ(VIRTIO_NET_OK, 0);
    CHECK_EQ(VIRTIO_NET_ERR, 1);
    uint8_t cmd[6] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
    CHECK_EQ(vio_net_ctrl_mq_pairs(cmd, 2), 4);
    CHECK_EQ(cmd[0], 4);
    CHECK_EQ(cmd[1], 0);
    CHECK_EQ(cmd[2], 2);
    CHECK_EQ(cmd[3], 0);
    CHECK_EQ(cmd[4], 0xee); /* nothing past the command */
    CHECK_EQ(vio_net_ctrl_mq_pairs(cmd, 0x8000), 4);
    CHECK_EQ(cmd[2], 0x00);
    CHECK_EQ(cmd[3], 0x80); /* little-endian */
    CHECK_EQ(vio_net_ctrl_mq_pairs(cmd, 0x0103), 4);
    CHECK_EQ(cmd[2], 0x03);
    CHECK_EQ(cmd[3], 0x01);

    struct vq_buf ch[4];
    CHECK_EQ(vio_net_ctrl_chain(ch, 4, 0x5000, 4, 0x5000 + VIO_NET_CTRL_ACK), 3);
    CHECK_EQ(ch[0].pa, 0x5000);
    CHECK_EQ(ch[0].len, 2);
    CHECK_EQ(ch[0].write, 0);
    CHECK_EQ(ch[1].pa, 0x5002);
    CHECK_EQ(ch[1].len, 2);
    CHECK_EQ(ch[1].write, 0);
    CHECK_EQ(ch[2].pa, 0x5040);
    CHECK_EQ(ch[2].len, 1);
    CHECK_EQ(ch[2].write, 1);
    CHECK_EQ(vio_net_ctrl_chain(ch, 4, 0x7000, 2, 0x7fff), 2); /* a command with no data */
    CHECK_EQ(ch[0].pa, 0x7000);
    CHECK_EQ(ch[0].len, 2);
    CHECK_EQ(ch[1].pa, 0x7fff);
    CHECK_EQ(ch[1].len, 1);
    CHECK_EQ(ch[1].write, 1);
    CHECK_EQ(vio_net_ctrl_chain(ch, 2, 0x5000, 4, 0x5040), EXO_E_RANGE);
    CHECK_EQ(vio_net_ctrl_chain(ch, 4, 0x5000, 1, 0x5040), EXO_E_INVAL);
    CHECK_EQ(vio_net_ctrl_result(0), 0);
    CHECK_EQ(vio_net_ctrl_result(1), VIO_E_IO);
    CHECK_EQ(vio_net_ctrl_result(0xff), VIO_E_IO); /* never written: not OK */

    /* Usable pairs: MQ and CTRL_VQ both, the control queue within exo's queues, at most 3. */
    uint64_t mq = VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ);
    CHECK_EQ(VIO_NET_MAX_PAIRS, 3);
    CHECK_EQ(vio_net_usable_pairs(mq, 2, 5), 2); /* QEMU tap, queues=2: 4 + control */
    CHECK_EQ(vio_net_usable_pairs(mq, 3, 7), 3);
    CHECK_EQ(vio_net_usable_pairs(mq, 3, 8), 3);
    CHECK_EQ(vio_net_usable_pairs(mq, 4, 8), 1); /* control queue 8: exo hands out 0..7 */
    CHECK_EQ(vio_net_usable_pairs(mq, 2, 4), 1); /* control queue 4 not handed out */
    CHECK_EQ(vio_net_usable_pairs(mq, 1, 3), 1);
    CHECK_EQ(vio_net_usable_pairs(mq, 0, 3), 1);
    CHECK_EQ(vio_net_usable_pairs(VIRTIO_BIT(VIRTIO_NET_F_MQ), 2, 5), 1);      /* no CTRL_VQ */
    CHECK_EQ(vio_net_usable_pairs(VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ), 2, 5), 1); /* no MQ */
}
