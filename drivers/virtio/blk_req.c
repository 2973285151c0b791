/*
 * blk_req.c: how a virtio-blk request is laid out as a descriptor chain, as pure functions
 * (host-tested): header first (device-readable), data in page-sized pieces whose direction the
 * request type decides, the status byte last (device-writable). The spec requires this order:
 * all device-readable buffers before all device-writable ones.
 */
#include "vio.h"

_Static_assert(sizeof(struct virtio_blk_req) == 16, "spec: 16-byte request header");
_Static_assert(sizeof(struct virtio_blk_discard_write_zeroes) == 16, "spec: 16-byte segment");
_Static_assert(VIO_BLK_SLOTS *VIO_BLK_SLOT_BYTES == EXO_PAGE, "the slots fill one page");
_Static_assert(VIO_BLK_SLOT_ID + VIRTIO_BLK_ID_BYTES <= VIO_BLK_SLOT_STATUS, "id before status");

int vio_blk_segs(struct vq_buf *out, unsigned max, const struct vio_dma *pages, uint32_t bytes,
                 int write)
{
    unsigned n = 0;
    while (bytes) {
        if (n == max)
            return EXO_E_RANGE;
        uint32_t len = bytes < EXO_PAGE ? bytes : (uint32_t)EXO_PAGE;
        out[n].pa = pages[n].pa;
        out[n].len = len;
        out[n].write = write ? 1 : 0;
        bytes -= len;
        n++;
    }
    return (int)n;
}

int vio_blk_data_written(uint32_t type)
{
    return type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID ||
           type == VIRTIO_BLK_T_GET_LIFETIME;
}

int vio_blk_chain(struct vq_buf *out, unsigned max, uint32_t type, uint64_t hdr_pa,
                  const struct vq_buf *data, unsigned ndata, uint64_t status_pa)
{
    if (max < ndata + 2)
        return EXO_E_RANGE;
    uint32_t w = vio_blk_data_written(type) ? 1 : 0;
    out[0].pa = hdr_pa;
    out[0].len = sizeof(struct virtio_blk_req);
    out[0].write = 0;
    for (unsigned i = 0; i < ndata; i++) {
        out[1 + i].pa = data[i].pa;
        out[1 + i].len = data[i].len;
        out[1 + i].write = w;
    }
    out[1 + ndata].pa = status_pa;
    out[1 + ndata].len = 1;
    out[1 + ndata].write = 1;
    return (int)ndata + 2;
}

void vio_blk_hdr(struct virtio_blk_req *h, uint32_t type, uint64_t sector)
{
    h->type = type;
    h->reserved = 0;
    h->sector = sector;
}

int vio_blk_status(uint8_t status)
{
    switch (status) {
    case VIRTIO_BLK_S_OK:
        return 0;
    case VIRTIO_BLK_S_UNSUPP:
        return VIO_E_UNSUPP;
    default:
        return VIO_E_IO;
    }
}

void vio_blk_id_string(char out[VIRTIO_BLK_ID_BYTES + 1], const uint8_t raw[VIRTIO_BLK_ID_BYTES])
{
    int i = 0;
    for (; i < VIRTIO_BLK_ID_BYTES && raw[i]; i++)
        out[i] = (char)raw[i];
    for (; i <= VIRTIO_BLK_ID_BYTES; i++)
        out[i] = 0;
}
