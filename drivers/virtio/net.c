/*
 * net.c: the virtio-net driver. Each queue pair p it drives has its receive queue 2p kept full
 * of page buffers (one frame each, header first: without MRG_RXBUF a frame never spans
 * buffers) and its send queue 2p+1 with a small pool of pages, one frame each. Pair 0 is
 * opened with the device and works with no command; more pairs (MQ) are opened on demand and
 * switched on with VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET on the control queue (vio_net_set_pairs).
 * Sends go to a pair the caller names; receives are taken from whichever open pair has a frame
 * (the device steers flows), round robin, and say which pair it was.
 */
#include "vio.h"

/* Posts an rx page on pair p: a one-descriptor chain, so its head names the page. */
static int rx_post(struct vio_net_pair *p, const struct vio_dma *page)
{
    struct vq_buf b = {page->pa, EXO_PAGE, 1};
    int head = vq_submit(&p->rx, &b, 1);
    if (head < 0)
        return head;
    p->rxbuf[head] = *page;
    return 0;
}

/* Opens pair `pair`'s two queues (an event for the receive queue, exo permitting) and fills
 * the receive queue: 0 or an error (queues opened here are closed again). */
static int pair_open(struct vio_net *n, unsigned pair)
{
    struct vio_net_pair *p = &n->pair[pair];
    vio_zero(p, sizeof *p);
    int r = vio_vq_open(&p->rx, n->dev, VIRTIO_NET_RXQ_OF(pair), 0, 1);
    if (r < 0)
        return r;
    r = vio_vq_open(&p->tx, n->dev, VIRTIO_NET_TXQ_OF(pair), 0, 0);
    if (r < 0)
        goto close_rx;

    unsigned nrx = p->rx.size < VIO_NET_RXBUFS ? p->rx.size : VIO_NET_RXBUFS;
    for (unsigned i = 0; i < nrx; i++) {
        struct vio_dma page;
        if ((r = vio_dma_alloc(&page)) < 0 || (r = rx_post(p, &page)) < 0)
            goto close_tx; /* pages already posted stay this env's until it ends */
    }
    unsigned ntx = p->tx.size < VIO_NET_TXBUFS ? p->tx.size : VIO_NET_TXBUFS;
    for (unsigned i = 0; i < ntx; i++) {
        if ((r = vio_dma_alloc(&p->txbuf[i])) < 0)
            goto close_tx;
        p->tx_free |= 1u << i;
    }
    int64_t k = vq_kick(&p->rx);
    if (k < 0) {
        r = (int)k;
        goto close_tx;
    }
    return 0;

close_tx:
    vio_vq_close(&p->tx);
close_rx:
    vio_vq_close(&p->rx);
    return r;
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
    n->npairs =
        (acc & VIRTIO_BIT(VIRTIO_NET_F_MQ)) ? vio_cfg16(&info, VIRTIO_NET_CFG_MAX_PAIRS) : 1;
    if (n->npairs == 0)
        n->npairs = 1;
    n->maxpairs = (uint16_t)vio_net_usable_pairs(n->features, n->npairs, info.nqueues);
    n->mtu = (acc & VIRTIO_BIT(VIRTIO_NET_F_MTU)) ? vio_cfg16(&info, VIRTIO_NET_CFG_MTU) : 1500;

    int r = pair_open(n, 0);
    if (r < 0)
        return r;
    n->opened = n->active = 1; /* after DRIVER_OK a device uses pair 0 alone */
    return 0;
}

int vio_net_close(struct vio_net *n)
{
    int r = 0;
    for (unsigned p = 0; p < n->opened; p++) {
        struct vio_net_pair *q = &n->pair[p];
        int a = vio_vq_close(&q->rx), b = vio_vq_close(&q->tx);
        if (r == 0)
            r = a < 0 ? a : b;
        for (unsigned h = 0; h < EXO_VQ_SIZE; h++)
            vio_dma_free(&q->rxbuf[h]);
        for (unsigned i = 0; i < VIO_NET_TXBUFS; i++)
            vio_dma_free(&q->txbuf[i]);
    }
    if (n->ctrl_open) {
        int c = vio_vq_close(&n->ctrl);
        if (r == 0)
            r = c;
        vio_dma_free(&n->ctrlpage);
    }
    n->opened = n->active = 0;
    n->ctrl_open = 0;
    return r;
}

/* Sends one control command (cmd_len bytes already in the control page) and waits for its
 * ack: 0, VIO_E_IO (the device said ERR), VIO_E_TIMEOUT, or an exo error. */
static int ctrl_command(struct vio_net *n, uint32_t cmd_len)
{
    uint8_t *page = n->ctrlpage.va;
    page[VIO_NET_CTRL_ACK] = 0xff; /* not VIRTIO_NET_OK until the device writes it */
    struct vq_buf bufs[3];
    int nb =
        vio_net_ctrl_chain(bufs, 3, n->ctrlpage.pa, cmd_len, n->ctrlpage.pa + VIO_NET_CTRL_ACK);
    if (nb < 0)
        return nb;
    int head = vq_submit(&n->ctrl, bufs, (unsigned)nb);
    if (head < 0)
        return head;
    int64_t k = vq_kick(&n->ctrl);
    if (k < 0) {
        vq_drop_pending(&n->ctrl);
        return (int)k;
    }
    uint16_t done;
    uint32_t len;
    int r = vio_vq_wait_until(&n->ctrl, &done, &len, vio_deadline_us(VIO_NET_CTRL_TIMEOUT_US));
    if (r < 0)
        return r; /* a command still in flight: the control queue stays busy with it */
    if (done != head || len < 1)
        return VIO_E_IO;
    return vio_net_ctrl_result(((volatile uint8_t *)page)[VIO_NET_CTRL_ACK]);
}

int vio_net_set_pairs(struct vio_net *n, unsigned k)
{
    if (k == 0)
        return EXO_E_INVAL;
    if (k > n->maxpairs) {
        if (n->maxpairs > 1)
            return EXO_E_RANGE;
        return VIO_E_UNSUPP; /* no MQ, or no control queue to ask with */
    }
    if (k == n->active)
        return 0; /* also k = 1 on a device without MQ: nothing to send */
    int r;
    while (n->opened < k) { /* the queues first: the device may use them once it acks */
        if ((r = pair_open(n, n->opened)) < 0)
            return r;
        n->opened++;
    }
    if (!n->ctrl_open) {
        if ((r = vio_dma_alloc(&n->ctrlpage)) < 0)
            return r;
        r = vio_vq_open(&n->ctrl, n->dev, VIRTIO_NET_CTRLQ_OF(n->npairs), 0, 0);
        if (r < 0) {
            vio_dma_free(&n->ctrlpage);
            return r;
        }
        n->ctrl_open = 1;
    }
    uint32_t len = vio_net_ctrl_mq_pairs(n->ctrlpage.va, (uint16_t)k);
    if ((r = ctrl_command(n, len)) < 0)
        return r;
    n->active = (uint16_t)k;
    return 0;
}

/* Frees the send pages the device is done with. */
static int tx_reap(struct vio_net_pair *p)
{
    uint16_t head;
    uint32_t len;
    int r;
    while ((r = vq_poll(&p->tx, &head, &len)) == 1)
        p->tx_free |= 1u << p->tx_slot_of_head[head];
    return r;
}

int vio_net_send_on(struct vio_net *n, unsigned pair, const void *frame, uint32_t len,
                    const struct vio_net_csum *csum)
{
    if (len == 0 || len > VIO_NET_MAX_FRAME)
        return EXO_E_INVAL;
    if (pair >= n->active)
        return EXO_E_RANGE; /* a device drops what comes on a pair it does not use */
    struct vio_net_pair *p = &n->pair[pair];
    int r = tx_reap(p);
    if (r < 0)
        return r;
    while (!p->tx_free) { /* every page in flight: wait for the device to finish one */
        uint16_t head;
        uint32_t l;
        if ((r = vio_vq_wait_until(&p->tx, &head, &l, VIO_FOREVER)) < 0)
            return r;
        p->tx_free |= 1u << p->tx_slot_of_head[head];
    }
    unsigned s = (unsigned)__builtin_ctz(p->tx_free);
    uint8_t *b = p->txbuf[s].va;
    int offload = (n->features & VIRTIO_BIT(VIRTIO_NET_F_CSUM)) != 0;
    vio_net_hdr_tx((struct virtio_net_hdr *)b, csum, offload);
    vio_copy(b + VIO_NET_HDR, frame, len);
    if (csum && !offload &&
        (r = vio_net_csum_fill(b + VIO_NET_HDR, len, csum->start, csum->offset)) < 0)
        return r; /* the device cannot: do it here */

    struct vq_buf vb = {p->txbuf[s].pa, VIO_NET_HDR + len, 0};
    int head = vq_submit(&p->tx, &vb, 1);
    if (head < 0)
        return head;
    p->tx_slot_of_head[head] = (uint8_t)s;
    p->tx_free &= ~(1u << s);
    int64_t k = vq_kick(&p->tx);
    if (k < 0) {
        vq_drop_pending(&p->tx);
        p->tx_free |= 1u << s;
        return (int)k;
    }
    p->tx_frames++;
    n->tx_frames++;
    return 0;
}

int vio_net_send(struct vio_net *n, const void *frame, uint32_t len,
                 const struct vio_net_csum *csum)
{
    return vio_net_send_on(n, 0, frame, len, csum);
}

/* Copies out the frame in pair p's rx buffer `head` (used length len) and posts the page
 * again. */
static int rx_take(struct vio_net *n, struct vio_net_pair *p, uint16_t head, uint32_t len,
                   void *buf, uint32_t cap, uint32_t *flags)
{
    struct vio_dma page = p->rxbuf[head];
    p->rxbuf[head].va = 0;
    int r = 0;
    if (len < VIO_NET_HDR || len > EXO_PAGE) {
        r = EXO_E_CORRUPT; /* still post the page again: it is ours and empty */
    } else {
        uint8_t *f = page.va;
        uint32_t flen = len - VIO_NET_HDR;
        *flags = vio_net_rx_flags((const struct virtio_net_hdr *)f, f + VIO_NET_HDR, flen);
        r = (int)(flen < cap ? flen : cap);
        vio_copy(buf, f + VIO_NET_HDR, (uint64_t)r);
        p->rx_frames++;
        n->rx_frames++;
    }
    int q = rx_post(p, &page);
    int64_t k = q < 0 ? q : vq_kick(&p->rx);
    return k < 0 ? (int)k : r;
}

/* One frame from the first open pair that has one, starting after the last one served. */
static int rx_poll(struct vio_net *n, void *buf, uint32_t cap, uint32_t *flags, unsigned *pair)
{
    for (unsigned i = 0; i < n->opened; i++) {
        unsigned q = (n->rx_next + i) % n->opened;
        uint16_t head;
        uint32_t len;
        int r = vq_poll(&n->pair[q].rx, &head, &len);
        if (r < 0)
            return r;
        if (r == 1) {
            n->rx_next = (uint16_t)((q + 1) % n->opened);
            if (pair)
                *pair = q;
            return rx_take(n, &n->pair[q], head, len, buf, cap, flags);
        }
    }
    return 0;
}

int vio_net_recv_any(struct vio_net *n, void *buf, uint32_t cap, uint32_t *flags, unsigned *pair,
                     uint64_t timeout_us)
{
    if (n->opened == 0)
        return EXO_E_INVAL;
    if (timeout_us == 0)
        return rx_poll(n, buf, cap, flags, pair);
    uint64_t deadline = vio_deadline_us(timeout_us);
    if (n->opened == 1) { /* one queue: its event, or polling to the deadline */
        uint16_t head;
        uint32_t len;
        int r = vio_vq_wait_until(&n->pair[0].rx, &head, &len, deadline);
        if (r < 0)
            return r;
        if (pair)
            *pair = 0;
        return rx_take(n, &n->pair[0], head, len, buf, cap, flags);
    }
    for (;;) { /* several queues: no one event covers them all, so poll them in turn */
        int r = rx_poll(n, buf, cap, flags, pair);
        if (r != 0)
            return r;
        if (deadline != VIO_FOREVER && vio_tsc() >= deadline)
            return VIO_E_TIMEOUT;
        exo_yield(EXO_ANY);
    }
}

int vio_net_recv(struct vio_net *n, void *buf, uint32_t cap, uint32_t *flags)
{
    return vio_net_recv_any(n, buf, cap, flags, 0, 0);
}

int vio_net_recv_wait(struct vio_net *n, void *buf, uint32_t cap, uint32_t *flags,
                      uint64_t timeout_us)
{
    int r = vio_net_recv_any(n, buf, cap, flags, 0, timeout_us);
    return r == 0 && timeout_us == 0 ? VIO_E_TIMEOUT : r; /* a wait that has already ended */
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
