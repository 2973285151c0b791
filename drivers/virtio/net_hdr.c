/*
 * net_hdr.c: the virtio-net header's logic as pure functions (host-tested): what a sent frame
 * asks of the device, and what a received header says about the frame's checksum. A partial
 * checksum (NEEDS_CSUM) holds the pseudo-header sum in its field; completing it is the
 * Internet checksum of everything from csum_start on. The control queue's command layout
 * (header, data, ack byte) and which pairs a device lets a driver use are here too.
 */
#include "vio.h"

_Static_assert(sizeof(struct virtio_net_hdr) == VIO_NET_HDR, "spec: 12-byte header (VERSION_1)");

void vio_net_hdr_tx(struct virtio_net_hdr *h, const struct vio_net_csum *csum, int offload)
{
    h->flags = 0;
    h->gso_type = VIRTIO_NET_HDR_GSO_NONE;
    h->hdr_len = 0;
    h->gso_size = 0;
    h->csum_start = 0;
    h->csum_offset = 0;
    h->num_buffers = 0; /* the driver leaves it 0 on transmit */
    if (csum && offload) {
        h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        h->csum_start = csum->start;
        h->csum_offset = csum->offset;
    }
}

int vio_net_csum_fill(uint8_t *frame, uint32_t len, uint16_t start, uint16_t offset)
{
    uint32_t at = (uint32_t)start + offset;
    if (start > len || at + 2 > len)
        return EXO_E_RANGE;
    uint64_t sum = 0;
    uint32_t i = start;
    for (; i + 1 < len; i += 2)
        sum += (uint32_t)frame[i] << 8 | frame[i + 1]; /* big-endian 16-bit words */
    if (i < len)
        sum += (uint32_t)frame[i] << 8; /* an odd last byte, padded with zero */
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    if (c == 0)
        c = 0xffff; /* 0 means "no checksum" to UDP; both are the same sum to TCP */
    frame[at] = (uint8_t)(c >> 8);
    frame[at + 1] = (uint8_t)c;
    return 0;
}

uint32_t vio_net_rx_flags(const struct virtio_net_hdr *h, uint8_t *frame, uint32_t len)
{
    uint32_t dev = ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ? VIO_NET_RX_NEEDS_CSUM : 0) |
                   ((h->flags & VIRTIO_NET_HDR_F_DATA_VALID) ? VIO_NET_RX_DATA_VALID : 0);
    if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
        return dev | (vio_net_csum_fill(frame, len, h->csum_start, h->csum_offset) == 0
                          ? VIO_NET_RX_CSUM_OK
                          : 0);
    return dev | ((h->flags & VIRTIO_NET_HDR_F_DATA_VALID) ? VIO_NET_RX_CSUM_OK : 0);
}

unsigned vio_net_usable_pairs(uint64_t features, uint16_t max_pairs, uint16_t nqueues)
{
    uint64_t need = VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ);
    if ((features & need) != need || max_pairs < 2 || VIRTIO_NET_CTRLQ_OF(max_pairs) >= nqueues)
        return 1; /* no command can be sent: the device stays on pair 0 */
    return max_pairs < VIO_NET_MAX_PAIRS ? max_pairs : VIO_NET_MAX_PAIRS;
}

uint32_t vio_net_ctrl_mq_pairs(uint8_t cmd[4], uint16_t k)
{
    cmd[0] = VIRTIO_NET_CTRL_MQ;
    cmd[1] = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET;
    cmd[2] = (uint8_t)k; /* le16 virtqueue_pairs */
    cmd[3] = (uint8_t)(k >> 8);
    return 4;
}

int vio_net_ctrl_chain(struct vq_buf *out, unsigned max, uint64_t cmd_pa, uint32_t cmd_len,
                       uint64_t ack_pa)
{
    if (cmd_len < sizeof(struct virtio_net_ctrl_hdr))
        return EXO_E_INVAL;
    unsigned n = cmd_len > sizeof(struct virtio_net_ctrl_hdr) ? 3 : 2;
    if (max < n)
        return EXO_E_RANGE;
    unsigned i = 0;
    out[i++] = (struct vq_buf){cmd_pa, sizeof(struct virtio_net_ctrl_hdr), 0};
    if (n == 3)
        out[i++] = (struct vq_buf){cmd_pa + sizeof(struct virtio_net_ctrl_hdr),
                                   cmd_len - (uint32_t)sizeof(struct virtio_net_ctrl_hdr), 0};
    out[i++] = (struct vq_buf){ack_pa, 1, 1};
    return (int)n;
}

int vio_net_ctrl_result(uint8_t ack)
{
    return ack == VIRTIO_NET_OK ? 0 : VIO_E_IO;
}
