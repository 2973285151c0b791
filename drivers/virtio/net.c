/*
 * net.c: the virtio-net driver on queue pair 0: receive queue 0 kept full of page buffers (one
 * frame each, header first: without MRG_RXBUF a frame never spans buffers), send queue 1 with
 * a small pool of pages, one frame each. MQ is asked for, and the pairs offered reported, but
 * only pair 0 is used, which needs no control-queue command.
 */
#include "vio.h"

/* Posts an rx page: a one-descriptor chain, so its head names the page. */
static int rx_post(struct vio_net *n, const struct vio_dma *page)
{
    struct vq_buf b = {page->pa, EXO_PAGE, 1};
    int head = vq_submit(&n->rx, &b, 1);
    if (head < 0)
        return head;
    n->rxbuf[head] = *page;
    return 0;
}

int vio_net_open(struct vio_net *n, unsigned dev)
{
    struct exo_vio_info info;
    vio_zero(n, sizeof *n);
    int64_t acc = vio_start(dev, VIO_NET_WANT, &info);
    if (acc < 0)
        return (int)acc;
    if (info.type != VIRTIO_ID_NET)
        return EXO_E_INVAL;
    n->dev = dev;
    n->features = (uint64_t)acc;
    if (acc & VIRTIO_BIT(VIRTIO_NET_F_MAC)) {
        for (unsigned i = 0; i < 6; i++)
            n->mac[i] = vio_cfg8(&info, VIRTIO_NET_CFG_MAC + i);
        n->has_mac = 1;
    }
    n->npairs = (acc & VIRTIO_BIT(VIRTIO_NET_F_MQ)) ? vio_cfg16(&info, VIRTIO_NET_CFG_MAX_PAIRS)
                                                    : 1;
    if (n->npairs == 0)
        n->npairs = 1;
    n->mtu = (acc & VIRTIO_BIT(VIRTIO_NET_F_MTU)) ? vio_cfg16(&info, VIRTIO_NET_CFG_MTU) : 1500;

    int r = vio_vq_open(&n->rx, dev, VIRTIO_NET_RXQ, 0, 1);
    if (r < 0)
        return r;
    r = vio_vq_open(&n->tx, dev, VIRTIO_NET_TXQ, 0, 0);
    if (r < 0)
        goto close_rx;

    unsigned nrx = n->rx.size < VIO_NET_RXBUFS ? n->rx.size : VIO_NET_RXBUFS;
    for (unsigned i = 0; i < nrx; i++) {
        struct vio_dma page;
        if ((r = vio_dma_alloc(&page)) < 0 || (r = rx_post(n, &page)) < 0)
            goto close_tx; /* pages already posted stay this env's until it ends */
    }
    unsigned ntx = n->tx.size < VIO_NET_TXBUFS ? n->tx.size : VIO_NET_TXBUFS;
    for (unsigned i = 0; i < ntx; i++) {
        if ((r = vio_dma_alloc(&n->txbuf[i])) < 0)
            goto close_tx;
        n->tx_free |= 1u << i;
    }
    int64_t k = vq_kick(&n->rx);
    if (k < 0) {
        r = (int)k;
        goto close_tx;
    }
    return 0;

close_tx:
    vio_vq_close(&n->tx);
close_rx:
    vio_vq_close(&n->rx);
    return r;
}

int vio_net_close(struct vio_net *n)
{
    int r = vio_vq_close(&n->rx), t = vio_vq_close(&n->tx);
    for (unsigned h = 0; h < EXO_VQ_SIZE; h++)
        vio_dma_free(&n->rxbuf[h]);
    for (unsigned i = 0; i < VIO_NET_TXBUFS; i++)
        vio_dma_free(&n->txbuf[i]);
    return r < 0 ? r : t;
}

/* Frees the send pages the device is done with. */
static int tx_reap(struct vio_net *n)
{
    uint16_t head;
    uint32_t len;
    int r;
    while ((r = vq_poll(&n->tx, &head, &len)) == 1)
        n->tx_free |= 1u << n->tx_slot_of_head[head];
    return r;
}

int vio_net_send(struct vio_net *n, const void *frame, uint32_t len,
                 const struct vio_net_csum *csum)
{
    if (len == 0 || len > VIO_NET_MAX_FRAME)
        return EXO_E_INVAL;
    int r = tx_reap(n);
    if (r < 0)
        return r;
    while (!n->tx_free) { /* every page in flight: wait for the device to finish one */
        uint16_t head;
        uint32_t l;
        if ((r = vio_vq_wait_until(&n->tx, &head, &l, VIO_FOREVER)) < 0)
            return r;
        n->tx_free |= 1u << n->tx_slot_of_head[head];
    }
    unsigned s = (unsigned)__builtin_ctz(n->tx_free);
    uint8_t *p = n->txbuf[s].va;
    int offload = (n->features & VIRTIO_BIT(VIRTIO_NET_F_CSUM)) != 0;
    vio_net_hdr_tx((struct virtio_net_hdr *)p, csum, offload);
    vio_copy(p + VIO_NET_HDR, frame, len);
    if (csum && !offload && (r = vio_net_csum_fill(p + VIO_NET_HDR, len, csum->start,
                                                   csum->offset)) < 0)
        return r; /* the device cannot: do it here */

    struct vq_buf b = {n->txbuf[s].pa, VIO_NET_HDR + len, 0};
    int head = vq_submit(&n->tx, &b, 1);
    if (head < 0)
        return head;
    n->tx_slot_of_head[head] = (uint8_t)s;
    n->tx_free &= ~(1u << s);
    int64_t k = vq_kick(&n->tx);
    if (k < 0) {
        vq_drop_pending(&n->tx);
        n->tx_free |= 1u << s;
        return (int)k;
    }
    n->tx_frames++;
    return 0;
}

/* Copies out the frame in rx buffer `head` (used length len) and posts the page again. */
static int rx_take(struct vio_net *n, uint16_t head, uint32_t len, void *buf, uint32_t cap,
                   uint32_t *flags)
{
    struct vio_dma page = n->rxbuf[head];
    n->rxbuf[head].va = 0;
    int r = 0;
    if (len < VIO_NET_HDR || len > EXO_PAGE) {
        r = EXO_E_CORRUPT; /* still post the page again: it is ours and empty */
    } else {
        uint8_t *p = page.va;
        uint32_t flen = len - VIO_NET_HDR;
        *flags = vio_net_rx_flags((const struct virtio_net_hdr *)p, p + VIO_NET_HDR, flen);
        r = (int)(flen < cap ? flen : cap);
        vio_copy(buf, p + VIO_NET_HDR, (uint64_t)r);
        n->rx_frames++;
    }
    int p = rx_post(n, &page);
    int64_t k = p < 0 ? p : vq_kick(&n->rx);
    return k < 0 ? (int)k : r;
}

int vio_net_recv(struct vio_net *n, void *buf, uint32_t cap, uint32_t *flags)
{
    uint16_t head;
    uint32_t len;
    int r = vq_poll(&n->rx, &head, &len);
    if (r <= 0)
        return r;
    return rx_take(n, head, len, buf, cap, flags);
}

int vio_net_recv_wait(struct vio_net *n, void *buf, uint32_t cap, uint32_t *flags,
                      uint64_t timeout_us)
{
    uint16_t head;
    uint32_t len;
    int r = vio_vq_wait_until(&n->rx, &head, &len, vio_deadline_us(timeout_us));
    if (r < 0)
        return r;
    return rx_take(n, head, len, buf, cap, flags);
}

int vio_net_link_up(struct vio_net *n)
{
    if (!(n->features & VIRTIO_BIT(VIRTIO_NET_F_STATUS)))
        return 1;
    struct exo_vio_info info;
    int r = vio_info(n->dev, &info);
    if (r < 0)
        return r;
    return (vio_cfg16(&info, VIRTIO_NET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP) ? 1 : 0;
}
