/*
 * wire.c: the host tests' two netifs on an in-memory wire and their fake clock (wire.h).
 */
#include "wire.h"

#include <lwip_port.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t wire_now;
struct netif wire_na, wire_nb;
ip4_addr_t wire_ip_a, wire_ip_b;
const uint8_t wire_mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
const uint8_t wire_mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
struct wire_queue wire_to_a, wire_to_b;
unsigned wire_drop_every, wire_frames, wire_dropped, wire_frames_a, wire_frames_b;
void (*wire_watch)(const uint8_t *f, unsigned len, bool from_a);

static uint32_t fake_now(void)
{
    return wire_now;
}

static void diag(const char *fmt, va_list ap)
{
    vfprintf(stderr, fmt, ap);
}

static void assert_fail(const char *msg, const char *file, int line)
{
    fprintf(stderr, "lwIP assertion failed: %s (%s:%d)\n", msg, file, line);
    abort();
}

static err_t wire_out(struct netif *netif, struct pbuf *p)
{
    bool from_a = netif == &wire_na;
    struct wire_queue *q = from_a ? &wire_to_b : &wire_to_a;
    if (p->tot_len > WIRE_FRAME_MAX || q->tail - q->head == WIRE_SLOTS) {
        fprintf(stderr, "wire: frame of %u bytes or full queue\n", p->tot_len);
        abort();
    }
    from_a ? wire_frames_a++ : wire_frames_b++;
    struct wire_frame *f = &q->slot[q->tail % WIRE_SLOTS];
    f->len = (uint16_t)pbuf_copy_partial(p, f->data, p->tot_len, 0);
    if (wire_watch)
        wire_watch(f->data, f->len, from_a);
    if (wire_drop_every && ++wire_frames % wire_drop_every == 0) {
        wire_dropped++;
        return ERR_OK;
    }
    q->tail++;
    return ERR_OK;
}

void wire_pump(void)
{
    for (;;) {
        netif_poll_all();
        struct wire_queue *q = wire_to_b.head != wire_to_b.tail   ? &wire_to_b
                               : wire_to_a.head != wire_to_a.tail ? &wire_to_a
                                                                  : NULL;
        if (!q)
            return;
        struct netif *in = q == &wire_to_b ? &wire_nb : &wire_na;
        struct wire_frame *f = &q->slot[q->head++ % WIRE_SLOTS];
        struct pbuf *p = pbuf_alloc(PBUF_RAW, f->len, PBUF_POOL);
        if (!p) /* no pool buffer: the frame is lost, as on a NIC out of buffers */
            continue;
        pbuf_take(p, f->data, f->len);
        if (in->input(p, in) != ERR_OK)
            pbuf_free(p);
    }
}

bool wire_run_until(bool (*done)(void), uint32_t max_ms)
{
    for (uint32_t t = 0;; t += 10) {
        wire_pump();
        if (done())
            return true;
        if (t >= max_ms)
            return false;
        wire_now += 10;
        sys_check_timeouts();
    }
}

static err_t eth_init(struct netif *netif)
{
    const uint8_t *mac = netif == &wire_na ? wire_mac_a : wire_mac_b;
    netif->name[0] = 'e';
    netif->name[1] = netif == &wire_na ? 'a' : 'b';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, mac, ETH_HWADDR_LEN);
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
    netif->output = etharp_output;
    netif->output_ip6 = ethip6_output;
    netif->linkoutput = wire_out;
    return ERR_OK;
}

void wire_init(void)
{
    static bool inited;
    if (inited)
        return;
    struct lwip_port_hooks h = {.now_ms = fake_now, .diag = diag, .assert_fail = assert_fail};
    lwip_port_set_hooks(&h);
    wire_now = 1000;
    lwip_init();
    ip4_addr_t mask, gw;
    IP4_ADDR(&wire_ip_a, 10, 0, 0, 1);
    IP4_ADDR(&wire_ip_b, 10, 0, 0, 2);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 0, 0, 0, 0);
    netif_add(&wire_na, &wire_ip_a, &mask, &gw, NULL, eth_init, ethernet_input);
    netif_add(&wire_nb, &wire_ip_b, &mask, &gw, NULL, eth_init, ethernet_input);
    netif_set_up(&wire_na);
    netif_set_up(&wire_nb);
    netif_set_link_up(&wire_na);
    netif_set_link_up(&wire_nb);
    inited = true;
}

void wire_reset(void)
{
    wire_init();
    wire_pump();
    etharp_cleanup_netif(&wire_na);
    etharp_cleanup_netif(&wire_nb);
    memset(&wire_to_a, 0, sizeof wire_to_a);
    memset(&wire_to_b, 0, sizeof wire_to_b);
    wire_drop_every = wire_frames = wire_dropped = wire_frames_a = wire_frames_b = 0;
}
