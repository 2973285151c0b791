/*
 * rng.c: the virtio entropy device: one queue, whose only request is a device-writable buffer
 * the device fills with as many random bytes as it likes (the used length). One DMA page,
 * one request at a time.
 */
#include "vio.h"

int vio_rng_open(struct vio_rng *r, unsigned dev)
{
    struct exo_vio_info info;
    vio_zero(r, sizeof *r);
    int64_t acc = vio_start(dev, VIRTIO_BIT(VIRTIO_F_VERSION_1), &info);
    if (acc < 0)
        return (int)acc;
    if (info.type != VIRTIO_ID_RNG)
        return EXO_E_INVAL;
    r->dev = dev;
    int e = vio_dma_alloc(&r->page);
    if (e < 0)
        return e;
    e = vio_vq_open(&r->vq, dev, VIRTIO_RNG_REQQ, 0, 1);
    if (e < 0)
        vio_dma_free(&r->page);
    return e;
}

int vio_rng_close(struct vio_rng *r)
{
    int e = vio_vq_close(&r->vq);
    vio_dma_free(&r->page);
    return e;
}

int vio_rng_read(struct vio_rng *r, void *buf, uint32_t len)
{
    uint8_t *out = buf;
    uint32_t got = 0;
    while (got < len) {
        uint32_t want = len - got < EXO_PAGE ? len - got : (uint32_t)EXO_PAGE;
        struct vq_buf b = {r->page.pa, want, 1};
        int head = vq_submit(&r->vq, &b, 1);
        if (head < 0)
            return head;
        int64_t k = vq_kick(&r->vq);
        if (k < 0) {
            vq_drop_pending(&r->vq);
            return (int)k;
        }
        uint16_t h;
        uint32_t n;
        int e = vq_wait(&r->vq, &h, &n);
        if (e < 0)
            return e;
        if (n > want)
            return EXO_E_CORRUPT;
        vio_copy(out + got, r->page.va, n); /* a short fill is fine: ask again */
        got += n;
    }
    return (int)len;
}
