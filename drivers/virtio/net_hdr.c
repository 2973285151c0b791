/*
 * net_hdr.c: the virtio-net header's logic as pure functions (host-tested): what a sent frame
 * asks of the device, and what a received header says about the frame's checksum. A partial
 * checksum (NEEDS_CSUM) holds the pseudo-header sum in its field; completing it is the
 * Internet checksum of everything from csum_start on.
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
    if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
        return vio_net_csum_fill(frame, len, h->csum_start, h->csum_offset) == 0
                   ? VIO_NET_RX_CSUM_OK : 0;
    return (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) ? VIO_NET_RX_CSUM_OK : 0;
}
