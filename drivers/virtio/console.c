/*
 * console.c: the virtio console, port 0 only (MULTIPORT is not asked for, so no control
 * queues): receive queue 0 with a few page buffers posted, send queue 1 with one page.
 * Received bytes are read out of the oldest filled buffer, which goes back to the device once
 * empty, so reads of any size lose nothing.
 */
#include "vio.h"

static int rx_post(struct vio_cons *c, const struct vio_dma *page)
{
    struct vq_buf b = {page->pa, EXO_PAGE, 1};
    int head = vq_submit(&c->rx, &b, 1);
    if (head < 0)
        return head;
    c->rxbuf[head] = *page;
    return 0;
}

int vio_cons_open(struct vio_cons *c, unsigned dev)
{
    struct exo_vio_info info;
    vio_zero(c, sizeof *c);
    c->cur = -1;
    int64_t acc =
        vio_start(dev, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE), &info);
    if (acc < 0)
        return (int)acc;
    if (info.type != VIRTIO_ID_CONSOLE)
        return EXO_E_INVAL;
    c->dev = dev;
    if (acc & VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE)) {
        c->cols = vio_cfg16(&info, VIRTIO_CONSOLE_CFG_COLS);
        c->rows = vio_cfg16(&info, VIRTIO_CONSOLE_CFG_ROWS);
    }
    int r = vio_vq_open(&c->rx, dev, VIRTIO_CONSOLE_RXQ, 0, 1);
    if (r < 0)
        return r;
    if ((r = vio_vq_open(&c->tx, dev, VIRTIO_CONSOLE_TXQ, 0, 1)) < 0)
        goto close_rx;
    if ((r = vio_dma_alloc(&c->txpage)) < 0)
        goto close_tx;
    for (unsigned i = 0; i < VIO_CONS_RXBUFS && i < c->rx.size; i++) {
        struct vio_dma page;
        if ((r = vio_dma_alloc(&page)) < 0 || (r = rx_post(c, &page)) < 0)
            goto close_tx;
    }
    int64_t k = vq_kick(&c->rx);
    if (k >= 0)
        return 0;
    r = (int)k;
close_tx:
    vio_vq_close(&c->tx);
close_rx:
    vio_vq_close(&c->rx);
    return r;
}

int vio_cons_close(struct vio_cons *c)
{
    int r = vio_vq_close(&c->rx), t = vio_vq_close(&c->tx);
    for (unsigned h = 0; h < EXO_VQ_SIZE; h++)
        vio_dma_free(&c->rxbuf[h]);
    vio_dma_free(&c->txpage);
    return r < 0 ? r : t;
}

int vio_cons_write(struct vio_cons *c, const void *buf, uint32_t len)
{
    const uint8_t *in = buf;
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < EXO_PAGE ? len - done : (uint32_t)EXO_PAGE;
        vio_copy(c->txpage.va, in + done, n);
        struct vq_buf b = {c->txpage.pa, n, 0};
        int head = vq_submit(&c->tx, &b, 1);
        if (head < 0)
            return head;
        int64_t k = vq_kick(&c->tx);
        if (k < 0) {
            vq_drop_pending(&c->tx);
            return (int)k;
        }
        uint16_t h;
        uint32_t l;
        int r = vq_wait(&c->tx, &h, &l); /* the one page is reused: wait till it is read */
        if (r < 0)
            return r;
        done += n;
    }
    return (int)len;
}

int vio_cons_read(struct vio_cons *c, void *buf, uint32_t len, uint64_t timeout_us)
{
    uint8_t *out = buf;
    uint32_t got = 0;
    uint64_t deadline = vio_deadline_us(timeout_us);
    while (got < len) {
        if (c->cur < 0) {
            uint16_t head;
            uint32_t n;
            int r = got ? vq_poll(&c->rx, &head, &n) /* have some: take only what is there */
                        : vio_vq_wait_until(&c->rx, &head, &n, deadline);
            if (r == VIO_E_TIMEOUT || r == 0)
                break;
            if (r < 0)
                return r;
            if (n > EXO_PAGE)
                return EXO_E_CORRUPT;
            c->cur = head;
            c->cur_len = n;
            c->cur_off = 0;
        }
        struct vio_dma *page = &c->rxbuf[c->cur];
        uint32_t n = c->cur_len - c->cur_off;
        if (n > len - got)
            n = len - got;
        vio_copy(out + got, (uint8_t *)page->va + c->cur_off, n);
        got += n;
        c->cur_off += n;
        if (c->cur_off == c->cur_len) { /* empty: back to the device */
            struct vio_dma p = *page;
            page->va = 0;
            c->cur = -1;
            int r = rx_post(c, &p);
            int64_t k = r < 0 ? r : vq_kick(&c->rx);
            if (k < 0)
                return (int)k;
        }
    }
    return (int)got;
}
