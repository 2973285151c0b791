/*
 * net_nic.c: the NIC exo drives itself while the packet filters are on (see net_nic.h). Its
 * receive queue holds exo's own buffers (RX_BUFS of 2 KiB, two to a page); each receive
 * interrupt hands every completed frame to the filters (net_rx_owner) and the ring of the env
 * they name (net_rx_put), reposts the buffer, and posts each env's event once (net_rx_post).
 * Its transmit queue holds exo's copies of what nf_send was given (vio_nettx.c), collected
 * when nf_send next needs a buffer. The frames come from the network and the device: their
 * lengths are checked, their bytes are only ever parsed by exo_nf_classify.
 */
#include <exo/irq.h>
#include <exo/net.h>
#include <exo/net_filter.h>
#include <exo/net_nic.h>
#include <exo/net_rx.h>
#include <exo/page.h>
#include <exo/vio_internal.h>
#include <exo/vm.h>

#include <common/vio_pci.h>

#include <stddef.h>

extern struct exo_pages exo_pages;

#define RXQ VIRTIO_NET_RXQ
#define TXQ VIRTIO_NET_TXQ
#define BUF 2048 /* one buffer: the 12-byte header and a frame of MTU 1500, with room */
#define PER_PAGE (EXO_PAGE / BUF)
#define RX_BUFS 64
#define TX_BUFS 32
#define RX_PAGES ((int)(RX_BUFS / PER_PAGE))
#define TX_PAGES ((int)(TX_BUFS / PER_PAGE))
#define HDR 12 /* struct virtio_net_hdr with VERSION_1: no offload asked, so all zero on send */
#define AVAIL_RING 4

_Static_assert(HDR + EXO_NF_SEND_MAX <= BUF, "a frame nf_send takes fits a buffer");
_Static_assert(BUF - HDR <= EXO_NF_RING_MAX_FRAME, "every received frame fits a ring record");

static struct {
    struct vdev *d;                      /* NULL: exo holds no NIC */
    uint64_t rx[RX_PAGES], tx[TX_PAGES]; /* exo's pages (ppn) */
    uint16_t nrx, ntx;                   /* buffers used: no more than the queue holds */
    uint8_t tx_busy[TX_BUFS];            /* queued, not yet collected */
    uint64_t count[EXO_NET_SENT + 1];
} nic;

static uint64_t buf_pa(const uint64_t *pages, uint16_t i)
{
    return (pages[i / PER_PAGE] << EXO_PAGE_SHIFT) + (uint64_t)(i % PER_PAGE) * BUF;
}

static void pages_free(uint64_t *pages, int n)
{
    for (int i = 0; i < n; i++)
        if (pages[i])
            exo_page_free(&exo_pages, pages[i], EXO_OWNER_KERNEL);
    for (int i = 0; i < n; i++)
        pages[i] = 0;
}

static int pages_take(uint64_t *pages, int n)
{
    for (int i = 0; i < n; i++)
        if (exo_page_alloc(&exo_pages, EXO_OWNER_KERNEL, &pages[i]) < 0) {
            pages_free(pages, i);
            return EXO_E_NOMEM;
        }
    return EXO_OK;
}

static void avail_put(struct vq *q, uint16_t head)
{
    *ring16(q->avail, AVAIL_RING + 2 * (q->next_avail % q->size)) = head;
    q->next_avail++;
}

static void avail_publish(struct vdev *d, struct vq *q, uint16_t k)
{
    __atomic_thread_fence(__ATOMIC_RELEASE); /* descriptors and entries before the index */
    *ring16(q->avail, 2) = q->next_avail;
    vio_pci_notify(&d->pci, k, q->doorbell);
}

/* One received frame (the header stripped) to whoever the filters say. */
static void deliver(const uint8_t *frame, uint32_t len)
{
    uint32_t who = net_rx_owner(frame, len);
    if (who == EXO_NF_DROP)
        nic.count[EXO_NET_MALFORMED]++;
    else
        nic.count[net_rx_put(who, frame, len)]++;
}

/* Every frame the device has completed, then the buffers back and the envs told. */
static void rx_collect(void)
{
    struct vdev *d = nic.d;
    if (!d)
        return; /* an interrupt on its way when the device was given back */
    struct vq *q = &d->q[RXQ];
    volatile struct exo_vq_used *used = page_va(q->used);
    uint16_t idx = used->idx, back = 0;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    for (; q->last_used != idx; q->last_used++) {
        uint32_t id = used->ring[q->last_used % q->size].id;
        uint32_t len = used->ring[q->last_used % q->size].len;
        if (id >= nic.nrx)
            continue; /* not a buffer of ours: the device is wrong, nothing to repost */
        nic.count[EXO_NET_RECEIVED]++;
        if (len <= HDR || len > HDR + EXO_NF_SEND_MAX)
            nic.count[EXO_NET_MALFORMED]++; /* no frame, or longer than the link's MTU allows */
        else
            deliver((const uint8_t *)phys_to_virt(buf_pa(nic.rx, (uint16_t)id)) + HDR, len - HDR);
        avail_put(q, (uint16_t)id);
        back++;
    }
    if (back)
        avail_publish(d, q, RXQ);
    net_rx_post();
}

int net_nic_held(void)
{
    return nic.d != NULL;
}

static struct vdev *first_net(void)
{
    for (int i = 0; i < vio_ndevs; i++)
        if (vio_devs[i].type == VIRTIO_ID_NET)
            return &vio_devs[i];
    return NULL;
}

int net_nic_take(void)
{
    if (nic.d)
        return EXO_OK; /* on already: nf_config only changes the identity */
    struct vdev *d = first_net();
    if (!d)
        return EXO_E_NOENT;
    if (d->dead)
        return EXO_E_CORRUPT;
    if (d->direct)
        return EXO_E_BUSY; /* held whole (the hold ends with its env: vio_env_freed) */
    for (int k = 0; k < d->nq; k++)
        if (vio_queue_taken(&d->q[k]))
            return EXO_E_BUSY;
    int r = pages_take(nic.rx, RX_PAGES);
    if (r < 0 || (r = pages_take(nic.tx, TX_PAGES)) < 0) {
        pages_free(nic.rx, RX_PAGES);
        return r;
    }
    /* No offload, no mergeable buffers: the 12-byte header, frames as they are on the wire. */
    int64_t acc =
        vio_start_device(d, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MAC));
    if (acc >= 0 && (!d->q[RXQ].size || !d->q[TXQ].size)) {
        vio_stop(d);
        acc = EXO_E_CORRUPT; /* no queue pair to use */
    }
    if (acc < 0) {
        pages_free(nic.rx, RX_PAGES);
        pages_free(nic.tx, TX_PAGES);
        return (int)acc;
    }
    for (int k = 0; k < d->nq; k++)
        d->q[k].owner = 0; /* exo's: no env's (ended) id left to match a page's owner */
    d->exo_net = 1;
    nic.d = d;
    struct vq *rx = &d->q[RXQ], *tx = &d->q[TXQ];
    nic.nrx = rx->size < RX_BUFS ? rx->size : RX_BUFS;
    nic.ntx = tx->size < TX_BUFS ? tx->size : TX_BUFS;
    for (int i = 0; i < TX_BUFS; i++)
        nic.tx_busy[i] = 0;
    if (rx->vector >= 0) {
        irq_set(rx->vector, 0);
        irq_set_handler(rx->vector, rx_collect);
    }
    if (tx->vector >= 0)
        irq_set(tx->vector, 0); /* completions are collected at nf_send: no interrupt wanted */
    *ring16(tx->avail, 0) = 1;  /* VIRTQ_AVAIL_F_NO_INTERRUPT */
    *ring16(rx->avail, 0) = 0;
    struct exo_vq_desc *desc = page_va(rx->desc);
    for (uint16_t i = 0; i < nic.nrx; i++) {
        desc[i] = (struct exo_vq_desc){buf_pa(nic.rx, i), BUF, EXO_VQ_F_WRITE, 0};
        avail_put(rx, i);
    }
    avail_publish(d, rx, RXQ);
    return EXO_OK;
}

void net_nic_give_back(void)
{
    struct vdev *d = nic.d;
    if (!d)
        return;
    if (d->q[RXQ].vector >= 0)
        irq_set_handler(d->q[RXQ].vector, 0);
    nic.d = NULL;
    d->exo_net = 0;
    if (vio_stop(d) == EXO_OK) { /* reset: the device writes none of exo's buffers any more */
        pages_free(nic.rx, RX_PAGES);
        pages_free(nic.tx, TX_PAGES);
    } else { /* it would not reset (retired): its buffers stay exo's for good */
        for (int i = 0; i < RX_PAGES; i++)
            nic.rx[i] = 0;
        for (int i = 0; i < TX_PAGES; i++)
            nic.tx[i] = 0;
    }
}

/* Transmit buffers the device is done with. */
static void tx_collect(struct vq *q)
{
    volatile struct exo_vq_used *used = page_va(q->used);
    uint16_t idx = used->idx;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    for (; q->last_used != idx; q->last_used++) {
        uint32_t id = used->ring[q->last_used % q->size].id;
        if (id < nic.ntx)
            nic.tx_busy[id] = 0;
    }
}

int net_nic_tx_buffer(uint8_t **frame)
{
    if (!nic.d)
        return EXO_E_NOENT;
    rx_collect(); /* a poll too: frames wait for no interrupt while envs send */
    tx_collect(&nic.d->q[TXQ]);
    for (uint16_t i = 0; i < nic.ntx; i++)
        if (!nic.tx_busy[i]) {
            uint8_t *b = phys_to_virt(buf_pa(nic.tx, i));
            for (int k = 0; k < HDR; k++)
                b[k] = 0;
            *frame = b + HDR;
            return i;
        }
    return EXO_E_AGAIN;
}

void net_nic_send(int slot, uint32_t len)
{
    struct vdev *d = nic.d;
    struct vq *q = &d->q[TXQ];
    struct exo_vq_desc *desc = page_va(q->desc);
    desc[slot] = (struct exo_vq_desc){buf_pa(nic.tx, (uint16_t)slot), HDR + len, 0, 0};
    nic.tx_busy[slot] = 1;
    avail_put(q, (uint16_t)slot);
    avail_publish(d, q, TXQ);
    nic.count[EXO_NET_SENT]++;
}

int64_t net_nic_count(uint64_t which)
{
    return which <= EXO_NET_SENT ? (int64_t)nic.count[which] : EXO_E_RANGE;
}
