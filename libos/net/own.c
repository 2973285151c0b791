/*
 * own.c: a process running its own TCP/IP stack over exo's packet filters (net/own.h). lwIP
 * and the socket engine live in the process; frames come in through the process's receive
 * ring (nf_ring), go out through nf_send, and every port the engine binds is first claimed at
 * exo through pm (its net_claim op: exo gives nf_claim only to the NIC's holder, which checks
 * the port is not its own stack's), the engine's claim hook, and released with its last socket
 * (nf_release on EXO_CAP_SELF).
 * exo then gives this process the frames of its ports and nobody else's, and refuses what it
 * sends from any other port. ARP is the default env's alone, so the gateway's MAC is a static
 * entry the caller gives; lwIP's own ARP announcements and IPv6 reports are refused by nf_send
 * and counted, harmlessly.
 */
#include <net/own.h>

#include <exo/abi.h>
#include <proc/client.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "lwip_port.h"
#include "netif/ethernet.h"

#define OWN_CLAIMS 16

static struct {
    struct netif netif;
    struct netif_ring nr;
    volatile struct exo_nf_ring *ring;
    int64_t ev;
    uint64_t hz; /* TSC ticks per second */
    struct own_claim {
        uint8_t used, proto, family;
        uint16_t port;
        uint32_t addr; /* IPv4, host order; 0 every local address */
        int64_t slot;
    } claims[OWN_CLAIMS];
    struct own_net_stats st;
} own;

static uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static uint32_t now_ms(void)
{
    return (uint32_t)(tsc() / (own.hz / 1000));
}

static int send_frame(void *ctx, const void *frame, uint32_t len)
{
    (void)ctx;
    int64_t r;
    for (int tries = 0; (r = exo_nf_send((uint64_t)frame, len)) == EXO_E_AGAIN && tries < 1000;
         tries++)
        exo_yield(EXO_ANY); /* every transmit buffer in flight: exo collects them as we retry */
    if (r < 0) {
        own.st.tx_errors++;
        return -1;
    }
    own.st.tx_frames++;
    return 0;
}

static uint32_t addr4(int family, const uint8_t *addr)
{
    if (family != NET_AF_INET)
        return 0;
    return (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
}

static int claim(void *ctx, int proto, int family, const uint8_t *addr, uint16_t port)
{
    (void)ctx;
    if (family == NET_AF_INET6)
        for (int i = 0; i < 16; i++)
            if (addr[i])
                return -NET_EADDRNOTAVAIL; /* exo's IPv6 claims are for every address only */
    int k = 0;
    while (k < OWN_CLAIMS && own.claims[k].used)
        k++;
    if (k == OWN_CLAIMS)
        return -NET_ENOBUFS;
    struct exo_nf f = {.ethertype = family == NET_AF_INET ? EXO_NF_IPV4 : EXO_NF_IPV6,
                       .proto = proto == NET_IPPROTO_TCP ? EXO_NF_TCP : EXO_NF_UDP,
                       .port = port,
                       .addr = addr4(family, addr)};
    /* pm, the NIC's holder, hands out claims (exo refuses ours: EXO_E_PERM) */
    struct pm_msg *m = proc_msg();
    m->a[0] = f.ethertype;
    m->a[1] = f.proto;
    m->a[2] = f.port;
    m->a[3] = f.addr;
    long slot = proc_present ? proc_call(PM_OP_net_claim) : -NET_EPERM;
    if (slot < 0) {
        own.st.refused++;
        return (int)slot; /* pm's errno: EADDRINUSE, EACCES, ENOBUFS */
    }
    own.claims[k] = (struct own_claim){1, (uint8_t)proto, (uint8_t)family, port, f.addr, slot};
    own.st.claims++;
    return 0;
}

static void release(void *ctx, int proto, int family, const uint8_t *addr, uint16_t port)
{
    (void)ctx;
    uint32_t a = addr4(family, addr);
    for (int k = 0; k < OWN_CLAIMS; k++) {
        struct own_claim *c = &own.claims[k];
        if (c->used && c->proto == proto && c->family == family && c->port == port &&
            c->addr == a) {
            exo_nf_release(EXO_CAP_SELF, (uint64_t)c->slot);
            c->used = 0;
            own.st.claims--;
            return;
        }
    }
}

/* Whether we hold a claim on IPv4 proto/port (for counting frames that are not ours). */
static int ours(uint8_t proto, uint16_t port)
{
    for (int k = 0; k < OWN_CLAIMS; k++)
        if (own.claims[k].used && own.claims[k].family == NET_AF_INET &&
            own.claims[k].proto == (proto == 6 ? NET_IPPROTO_TCP : NET_IPPROTO_UDP) &&
            own.claims[k].port == port)
            return 1;
    return 0;
}

/* Counts the records waiting in the ring, and those of them for a port that is not ours. Reads
 * only: the ring netif consumes them (and judges the counts) right after. */
static void count_waiting(void)
{
    const uint32_t data = EXO_NF_RING_DATA(own.nr.npages), mod = 2 * data;
    uint32_t head = own.ring->head;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint32_t tail = own.ring->tail;
    for (uint32_t guard = 0; tail != head && guard <= data / 8; guard++) {
        if (head >= mod || tail >= mod || tail % 4 || (head + mod - tail) % mod > data)
            return; /* the netif resynchronises */
        uint32_t pos = tail % data, len = *(volatile uint32_t *)(own.ring->data + pos);
        if (len == EXO_NF_RING_WRAP) {
            tail = (tail + data - pos) % mod;
            continue;
        }
        if (len == 0 || len > EXO_NF_RING_MAX_FRAME || pos + 4 + len > data)
            return;
        const volatile uint8_t *f = own.ring->data + pos + 4;
        own.st.frames++;
        if (len >= 38 && f[12] == 0x08 && f[13] == 0x00 && (f[23] == 6 || f[23] == 17)) {
            uint32_t hl = (uint32_t)(f[14] & 15) * 4;
            if (14 + hl + 4 <= len &&
                !ours(f[23], (uint16_t)(f[14 + hl + 2] << 8 | f[14 + hl + 3])))
                own.st.foreign++;
        }
        tail = (tail + ((4 + len + 3) & ~3u)) % mod;
    }
}

int own_net_start(const struct own_net_config *c)
{
    own.hz = (uint64_t)exo_clock();
    if (own.hz < 1000)
        return EXO_E_INVAL;
    const struct lwip_port_hooks ph = {.now_ms = now_ms};
    lwip_port_set_hooks(&ph);
    lwip_port_seed(tsc());
    lwip_init();
    const struct net_hooks nh = {
        .ctx = c->ctx, .ready = c->ready, .claim = claim, .release = release};
    net_init(&nh);

    own.ring = (volatile struct exo_nf_ring *)c->ring_va;
    own.ev = exo_event_create();
    if (own.ev < 0)
        return (int)own.ev;
    uint32_t np = c->ring_pages ? c->ring_pages : 1;
    int64_t r = exo_nf_ring(EXO_CAP_SELF, c->ring_va, np, (uint64_t)own.ev);
    if (r < 0)
        return (int)r;

    own.nr.ring = own.ring;
    own.nr.npages = np;
    own.nr.send = send_frame;
    __builtin_memcpy(own.nr.mac, c->mac, 6);
    ip4_addr_t ip, mask, gw;
    IP4_ADDR(&ip, c->ip[0], c->ip[1], c->ip[2], c->ip[3]);
    IP4_ADDR(&mask, c->mask[0], c->mask[1], c->mask[2], c->mask[3]);
    IP4_ADDR(&gw, c->gw[0], c->gw[1], c->gw[2], c->gw[3]);
    if (!netif_add(&own.netif, &ip, &mask, &gw, &own.nr, netif_ring_init, ethernet_input))
        return EXO_E_NOMEM;
    netif_set_default(&own.netif);
    netif_set_up(&own.netif);
    netif_set_link_up(&own.netif);
    if (!ip4_addr_isany_val(gw)) { /* after up: lwIP routes the gateway to find its netif */
        struct eth_addr mac;
        __builtin_memcpy(mac.addr, c->gw_mac, 6);
        if (etharp_add_static_entry(&gw, &mac) != ERR_OK)
            return EXO_E_INVAL;
    }
    return 0;
}

void own_net_poll(uint32_t ms)
{
    uint32_t head = own.ring->head, tail = own.ring->tail;
    if (head == tail && ms)
        exo_event_wait_until((uint64_t)own.ev, tsc() + own.hz / 1000 * ms);
    count_waiting();
    netif_ring_poll(&own.netif, 0);
    sys_check_timeouts();
}

void own_net_stats(struct own_net_stats *out)
{
    *out = own.st;
    out->ring_drops = own.ring ? own.ring->drops : 0;
}
