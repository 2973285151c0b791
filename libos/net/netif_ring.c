/*
 * netif_ring.c: an lwIP netif whose input is exo's receive ring and whose output is the
 * embedder's send hook (net/netif_ring.h). The consumer half of the ring protocol of
 * docs/concepts/packet-filters.md ("The receive ring"): head is read once, then an acquire
 * fence before the records it shows; each record is checked against head before a byte of it
 * is used; tail is written after the record is copied out (a release fence between), so exo
 * never overwrites a record still being read.
 */
#include <net/netif_ring.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

static err_t ring_output(struct netif *netif, struct pbuf *p)
{
    struct netif_ring *r = netif->state;
    uint8_t buf[NETIF_RING_FRAME_MAX];
    if (!r->send || p->tot_len > sizeof buf) {
        r->tx_errors++;
        return ERR_IF;
    }
    const void *frame = p->payload;
    if (p->len != p->tot_len) /* a chain: made contiguous for the hook */
        frame = buf, pbuf_copy_partial(p, buf, p->tot_len, 0);
    if (r->send(r->ctx, frame, p->tot_len) != 0) {
        r->tx_errors++;
        return ERR_IF;
    }
    r->tx_frames++;
    return ERR_OK;
}

err_t netif_ring_init(struct netif *netif)
{
    struct netif_ring *r = netif->state;
    netif->name[0] = 'e';
    netif->name[1] = 'x';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    __builtin_memcpy(netif->hwaddr, r->mac, ETH_HWADDR_LEN);
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
                   NETIF_FLAG_MLD6 | NETIF_FLAG_IGMP;
    netif->output = etharp_output;
    netif->output_ip6 = ethip6_output;
    netif->linkoutput = ring_output;
    return ERR_OK;
}

/* The ring cannot be read on: start again at exo's head. A head of its own that is nonsense
 * (exo only ever writes a valid one, and writes none while it is bad) is reset with the tail. */
static uint32_t resync(struct netif_ring *r, uint32_t head)
{
    const uint32_t MOD = 2u * EXO_NF_RING_DATA(r->npages);
    r->rx_corrupt++;
    if (head >= MOD || head % 4) {
        r->ring->head = 0;
        head = 0;
    }
    r->ring->tail = head;
    return head;
}

unsigned netif_ring_poll(struct netif *netif, unsigned budget)
{
    struct netif_ring *r = netif->state;
    volatile struct exo_nf_ring *ring = r->ring;
    const uint32_t DATA = EXO_NF_RING_DATA(r->npages), MOD = 2u * DATA;
    uint32_t head = ring->head;
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the records before the head that shows them */
    uint32_t tail = ring->tail;
    if (head >= MOD || head % 4 || tail >= MOD || tail % 4 || (head + MOD - tail) % MOD > DATA) {
        resync(r, head);
        return 0;
    }
    unsigned taken = 0;
    while (tail != head && (budget == 0 || taken < budget)) {
        uint32_t used = (head + MOD - tail) % MOD, pos = tail % DATA;
        uint32_t len = *(volatile uint32_t *)(ring->data + pos);
        if (len == EXO_NF_RING_WRAP) { /* the rest of data[] is unused; go on at data[0] */
            if (pos == 0 || DATA - pos > used) {
                tail = resync(r, head);
                break;
            }
            tail = (tail + DATA - pos) % MOD;
            ring->tail = tail;
            continue;
        }
        uint32_t rec = (4 + len + 3) & ~3u;
        if (len == 0 || len > EXO_NF_RING_MAX_FRAME || pos + rec > DATA || rec > used) {
            tail = resync(r, head);
            break;
        }
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
        if (p)
            pbuf_take(p, (const void *)(ring->data + pos + 4), (u16_t)len);
        else
            r->rx_nomem++;
        __atomic_thread_fence(__ATOMIC_RELEASE); /* the record read before exo may reuse it */
        tail = (tail + rec) % MOD;
        ring->tail = tail;
        taken++;
        if (p) {
            r->rx_frames++;
            if (netif->input(p, netif) != ERR_OK)
                pbuf_free(p);
        }
    }
    return taken;
}
