/*
 * pm_net.c: the machine's TCP/IP stack, in pm (docs/concepts/sockets.md, "TCP/IP: one stack in
 * pm"). pm runs ONE lwIP (NO_SYS) for every process's AF_INET/AF_INET6 sockets (family_inet.c)
 * and is the machine's default env: it answers ARP and ICMP, runs DHCP and gets whatever no
 * env claimed. At start, if exo hands out a virtio-net device: its MAC, a page for the receive
 * ring registered with pm's main event (pm_death_cap: console input, deaths and frames all
 * wake the one loop), nf_config (the MAC, no address yet, pm the default env), the ring netif,
 * then DHCP, or the static address of the command line's `net=ADDR/PREFIX,GW[,DNS]`. The boot
 * never waits: the lease comes in pm's loop, which then tells exo the address (nf_config again:
 * exo accepts TCP/UDP to and from it), writes /etc/resolv.conf and says so on the console.
 * With no NIC the families still work over the loopback netif (127.0.0.1, ::1).
 *
 * Each turn of pm's loop reads the ring, runs lwIP's timers and the loopback queue; the loop's
 * wait ends by lwIP's next timer (pm_loop_deadline). Port claims go to exo (nf_claim) so that no
 * other env's stack may take pm's ports; loopback addresses need none.
 */
#include <fs/fs.h>
#include <fs/sock.h>
#include <net/inet.h>
#include <net/netif_ring.h>
#include <net/pm_net.h>
#include <proc/pm.h>

#include <common/printf.h>
#include <common/cmdline.h>
#include <common/virtio.h>
#include <los/los.h>
#include <lwip_port.h>
#include <virtio/vio.h>

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

extern const struct fs_sock_family fs_inet_family, fs_inet6_family;
extern const char *los_cmdline; /* init's (apps/init/init.c) */

static uint64_t tsc_per_ms;
static struct netif nif;
static struct netif_ring ring_state;
static int have_nic, is_static;
/* The receive ring: a TCP window of full-size frames (a record of 1520 bytes per 1460 of
 * payload) twice over, for the connections pm serves at once and the rest of the traffic, at
 * most what exo takes. A smaller ring drops a burst the window allowed and TCP waits for the
 * retransmission (issue 15). */
#define RING_WANT ((2u * TCP_WND / TCP_MSS + 1) * 1520u / EXO_PAGE + 1)
#define RING_PAGES (RING_WANT < EXO_NF_RING_MAX_PAGES ? RING_WANT : EXO_NF_RING_MAX_PAGES)
static uint8_t ring_mem[RING_PAGES * EXO_PAGE] __attribute__((aligned(EXO_PAGE)));
static ip4_addr_t told; /* the IPv4 address exo was last told (0: none) */

/* --- the port's hooks ------------------------------------------------------------------- */

static uint32_t now_ms(void)
{
    return (uint32_t)(__builtin_ia32_rdtsc() / tsc_per_ms);
}

static int has_rdrand(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return (c >> 30) & 1;
}

static uint32_t rand32(void)
{
    static int rdrand = -1;
    if (rdrand < 0)
        rdrand = has_rdrand();
    for (int i = 0; i < 10 && rdrand; i++) {
        uint64_t v;
        uint8_t ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok)::"cc");
        if (ok)
            return (uint32_t)v;
    }
    static uint64_t x = 88172645463325252ull; /* no RDRAND: xorshift over the TSC */
    x ^= __builtin_ia32_rdtsc();
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (uint32_t)x;
}

static void assert_fail(const char *msg, const char *file, int line)
{
    los_printf("pm: lwIP assertion failed: %s (%s:%d)\n", msg, file, line);
}

static int send_frame(void *ctx, const void *frame, uint32_t len)
{
    (void)ctx;
    int64_t r;
    for (int i = 0; (r = exo_nf_send((uint64_t)frame, len)) == EXO_E_AGAIN && i < 64; i++)
        exo_yield(EXO_ANY); /* every transmit buffer in flight: the device takes one soon */
    return r < 0 ? -NET_ENOBUFS : 0;
}

/* --- claims --------------------------------------------------------------------------------- */

/* Claims pm holds at exo, by key; a key exo refused for want of room (EXO_NF_PER_ENV) is kept
 * with slot -1: pm, the default env, still gets its frames, but another env could claim it. */
#define CLAIMS 128
static struct {
    int used, slot;
    uint8_t proto, family, addr[16];
    uint16_t port;
} claims[CLAIMS];

static int is_loopback(int family, const uint8_t *a)
{
    if (family == NET_AF_INET)
        return a[0] == 127;
    for (int i = 0; i < 15; i++)
        if (a[i])
            return 0;
    return a[15] == 1;
}

static int claim(void *ctx, int proto, int family, const uint8_t *addr, uint16_t port)
{
    (void)ctx;
    if (is_loopback(family, addr))
        return 0; /* never on the wire: exo has nothing to give */
    int c = 0;
    while (c < CLAIMS && claims[c].used)
        c++;
    if (c == CLAIMS)
        return -NET_EADDRINUSE;
    uint32_t a4 = family == NET_AF_INET ? (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
                                              (uint32_t)addr[2] << 8 | addr[3]
                                        : 0; /* IPv6: every local address (exo's only form) */
    struct exo_nf f = {.ethertype = family == NET_AF_INET ? EXO_NF_IPV4 : EXO_NF_IPV6,
                       .proto = (uint8_t)proto,
                       .addr = a4,
                       .port = port};
    int64_t r = exo_nf_claim(EXO_CAP_SELF, (uint64_t)&f);
    if (r == EXO_E_BUSY || r == EXO_E_INVAL)
        return -NET_EADDRINUSE; /* another env's port (or an address exo cannot claim) */
    claims[c].used = 1;
    claims[c].slot = r >= 0 ? (int)r : -1;
    claims[c].proto = (uint8_t)proto;
    claims[c].family = (uint8_t)family;
    for (int i = 0; i < 16; i++)
        claims[c].addr[i] = addr[i];
    claims[c].port = port;
    return 0;
}

static void release(void *ctx, int proto, int family, const uint8_t *addr, uint16_t port)
{
    (void)ctx;
    for (int c = 0; c < CLAIMS; c++) {
        if (!claims[c].used || claims[c].proto != proto || claims[c].family != family ||
            claims[c].port != port)
            continue;
        int same = 1;
        for (int i = 0; i < 16; i++)
            same &= claims[c].addr[i] == addr[i];
        if (!same)
            continue;
        if (claims[c].slot >= 0)
            exo_nf_release(EXO_CAP_SELF, (uint64_t)claims[c].slot);
        claims[c].used = 0;
        return;
    }
}

/* --- the link's identity ------------------------------------------------------------------ */

/* nf_config with the MAC and the addresses the netif has now; pm the default env. */
static int64_t tell_exo(void)
{
    struct exo_nf_local l = {0};
    for (int i = 0; i < 6; i++)
        l.mac[i] = ring_state.mac[i];
    if (!ip4_addr_isany_val(*netif_ip4_addr(&nif))) {
        l.v4[0] = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&nif)));
        l.n4 = 1;
    }
    for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES && l.n6 < EXO_NF_NADDR; i++)
        if (ip6_addr_isvalid(netif_ip6_addr_state(&nif, i))) {
            const ip6_addr_t *a = netif_ip6_addr(&nif, i);
            for (int w = 0; w < 4; w++)
                for (int b = 0; b < 4; b++)
                    l.v6[l.n6][w * 4 + b] = (uint8_t)(lwip_ntohl(a->addr[w]) >> (24 - 8 * b));
            l.n6++;
        }
    told = *netif_ip4_addr(&nif);
    return exo_nf_config((uint64_t)&l, EXO_CAP_SELF);
}

static void fmt4(char *out, unsigned len, const ip4_addr_t *a)
{
    uint32_t v = lwip_ntohl(ip4_addr_get_u32(a));
    exo_snprintf(out, len, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
}

static unsigned prefix_of(const ip4_addr_t *mask)
{
    uint32_t m = lwip_ntohl(ip4_addr_get_u32(mask));
    unsigned n = 0;
    while (n < 32 && (m & (1u << (31 - n))))
        n++;
    return n;
}

/* /etc/resolv.conf for musl's resolver (the lease's server); a read-only root: /tmp's. */
static void write_resolv(const ip4_addr_t *dns)
{
    char text[64], a[16];
    fmt4(a, sizeof a, dns);
    int n = exo_snprintf(text, sizeof text, "nameserver %s\n", a);
    struct fs_proc *fp = fs_proc_new();
    if (!fp)
        return;
    static const char *const paths[] = {"/etc/resolv.conf", "/tmp/resolv.conf"};
    for (unsigned i = 0; i < 2; i++) {
        long fd = fs_open(fp, paths[i], FS_O_WRONLY | FS_O_CREAT | FS_O_TRUNC, 0644);
        if (fd < 0)
            continue;
        long w = fs_write(fp, (int)fd, text, (uint64_t)n);
        fs_close(fp, (int)fd);
        if (w == n) {
            los_printf("pm: net: %s: nameserver %s\n", paths[i], a);
            break;
        }
    }
    fs_proc_exit(fp);
}

/* The lease came (or a static address was set): exo learns it, the gateway's MAC is asked. */
static void configured(void)
{
    int64_t r = tell_exo();
    char a[16], g[16];
    fmt4(a, sizeof a, netif_ip4_addr(&nif));
    fmt4(g, sizeof g, netif_ip4_gw(&nif));
    los_printf("pm: net: %s/%u gw %s (%s)%s\n", a, prefix_of(netif_ip4_netmask(&nif)), g,
               is_static ? "static" : "DHCP", r < 0 ? ", exo refused the address" : "");
    if (!ip4_addr_isany_val(*netif_ip4_gw(&nif)))
        etharp_request(&nif, netif_ip4_gw(&nif)); /* its MAC for /proc/net/tessera */
    const ip_addr_t *dns = dns_getserver(0);
    if (dns && IP_IS_V4(dns) && !ip4_addr_isany_val(*ip_2_ip4(dns)))
        write_resolv(ip_2_ip4(dns));
}

unsigned pm_net_describe(char *buf, unsigned len)
{
    char mac[20] = "none", addr[24] = "none", gw[16] = "none", gwmac[20] = "none", dns[16] = "none";
    const uint8_t *m = ring_state.mac;
    if (have_nic)
        exo_snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                     m[5]);
    if (have_nic && !ip4_addr_isany_val(*netif_ip4_addr(&nif))) {
        char a[16];
        fmt4(a, sizeof a, netif_ip4_addr(&nif));
        exo_snprintf(addr, sizeof addr, "%s/%u", a, prefix_of(netif_ip4_netmask(&nif)));
        if (!ip4_addr_isany_val(*netif_ip4_gw(&nif))) {
            fmt4(gw, sizeof gw, netif_ip4_gw(&nif));
            struct eth_addr *e;
            const ip4_addr_t *ip;
            if (etharp_find_addr(&nif, netif_ip4_gw(&nif), &e, &ip) >= 0) {
                const uint8_t *g = e->addr;
                exo_snprintf(gwmac, sizeof gwmac, "%02x:%02x:%02x:%02x:%02x:%02x", g[0], g[1], g[2],
                             g[3], g[4], g[5]);
            }
        }
        const ip_addr_t *d = dns_getserver(0);
        if (d && IP_IS_V4(d) && !ip4_addr_isany_val(*ip_2_ip4(d)))
            fmt4(dns, sizeof dns, ip_2_ip4(d));
    }
    int n =
        exo_snprintf(buf, len, "mac=%s addr=%s gw=%s gwmac=%s dns=%s\n", mac, addr, gw, gwmac, dns);
    return n < 0 ? 0 : (unsigned)n >= len ? len - 1 : (unsigned)n;
}

/* --- pm's loop -------------------------------------------------------------------------------- */

static void loop(void)
{
    if (have_nic)
        netif_ring_poll(&nif, 0);
    sys_check_timeouts();
    if (have_nic && !ip4_addr_cmp(netif_ip4_addr(&nif), &told)) {
        if (!ip4_addr_isany_val(*netif_ip4_addr(&nif)))
            configured();
        else
            tell_exo(); /* the lease is gone */
    }
    inet_flush();
}

static uint64_t deadline(void)
{
    if (have_nic && ring_state.ring->head != ring_state.ring->tail)
        return 1; /* frames came while we were busy: no wait at all */
    uint32_t ms = sys_timeouts_sleeptime();
    if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
        return 0;
    return __builtin_ia32_rdtsc() + (uint64_t)ms * tsc_per_ms + 1;
}

/* --- start ---------------------------------------------------------------------------------- */

/* net=A.B.C.D/N,GW[,DNS] from the command line: 1 with the addresses set, 0 without. */
static int parse4(const char **s, ip4_addr_t *out)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        unsigned n = 0, digits = 0;
        while (**s >= '0' && **s <= '9' && digits < 4) {
            n = n * 10 + (unsigned)(*(*s)++ - '0');
            digits++;
        }
        if (!digits || n > 255 || (part < 3 && *(*s)++ != '.'))
            return 0;
        v = v << 8 | n;
    }
    ip4_addr_set_u32(out, lwip_htonl(v));
    return 1;
}

static int static_config(ip4_addr_t *a, ip4_addr_t *mask, ip4_addr_t *gw, ip_addr_t *dns)
{
    char v[64];
    if (exo_cmdline_value(los_cmdline, "net", v, sizeof v) != 0)
        return 0;
    const char *s = v;
    if (!parse4(&s, a) || *s++ != '/')
        return 0;
    unsigned pfx = 0;
    while (*s >= '0' && *s <= '9')
        pfx = pfx * 10 + (unsigned)(*s++ - '0');
    if (pfx > 32 || *s++ != ',' || !parse4(&s, gw))
        return 0;
    ip4_addr_set_u32(mask, lwip_htonl(pfx ? 0xffffffffu << (32 - pfx) : 0));
    ip_addr_set_zero_ip4(dns);
    if (*s == ',') {
        s++;
        if (!parse4(&s, ip_2_ip4(dns)))
            return 0;
    }
    return *s == 0;
}

static int start_nic(void)
{
    struct exo_vio_info info;
    int dev = vio_find(VIRTIO_ID_NET, 0, &info);
    if (dev < 0)
        return 0; /* no NIC: loopback only */
    if (!(info.offered & (1ull << VIRTIO_NET_F_MAC)))
        return 0;
    for (int i = 0; i < 6; i++)
        ring_state.mac[i] = info.config[i];
    for (uint32_t i = 0; i < RING_PAGES; i++) /* touched: ours and mapped, as nf_ring wants */
        ((volatile uint8_t *)ring_mem)[i * EXO_PAGE] = 0;
    struct exo_nf_ring *ring = (struct exo_nf_ring *)ring_mem;
    ring->head = ring->tail = 0;
    int64_t r = exo_nf_ring(EXO_CAP_SELF, (uint64_t)ring_mem, RING_PAGES, pm_death_cap);
    struct exo_nf_local l = {0};
    for (int i = 0; i < 6; i++)
        l.mac[i] = ring_state.mac[i];
    if (r == 0)
        r = exo_nf_config((uint64_t)&l, EXO_CAP_SELF);
    if (r < 0) {
        los_printf("pm: net: exo did not give the NIC (%ld): loopback only\n", (long)r);
        exo_nf_ring(EXO_CAP_SELF, 0, 0, EXO_ANY);
        return 0;
    }
    ring_state.ring = ring;
    ring_state.npages = RING_PAGES;
    ring_state.send = send_frame;
    ip4_addr_t a, mask, gw;
    ip_addr_t dns;
    is_static = static_config(&a, &mask, &gw, &dns);
    if (!is_static)
        ip4_addr_set_zero(&a), ip4_addr_set_zero(&mask), ip4_addr_set_zero(&gw);
    if (!netif_add(&nif, &a, &mask, &gw, &ring_state, netif_ring_init, ethernet_input))
        return 0;
    nif.name[0] = 'e';
    nif.name[1] = 'n';
    netif_set_default(&nif);
    netif_create_ip6_linklocal_address(&nif, 1);
    netif_set_up(&nif);
    netif_set_link_up(&nif);
    have_nic = 1;
    if (is_static) {
        if (!ip_addr_isany_val(dns))
            dns_setserver(0, &dns);
        return 1; /* configured() runs from the loop's first turn */
    }
    struct exo_nf f = {.ethertype = EXO_NF_IPV4, .proto = EXO_NF_UDP, .port = 68};
    exo_nf_claim(EXO_CAP_SELF, (uint64_t)&f); /* DHCP's port, pm's for good (renewals) */
    if (dhcp_start(&nif) != ERR_OK)
        los_printf("pm: net: DHCP did not start\n");
    return 1;
}

int pm_net_start(void)
{
    tsc_per_ms = (uint64_t)exo_clock() / 1000;
    if (!tsc_per_ms)
        tsc_per_ms = 1;
    static const struct lwip_port_hooks port = {
        .now_ms = now_ms, .rand = rand32, .assert_fail = assert_fail};
    lwip_port_set_hooks(&port);
    lwip_init();
    static const struct net_hooks hooks = {
        .ready = inet_ready_hook, .claim = claim, .release = release};
    net_init(&hooks);
    long r = fs_sock_register(&fs_inet_family);
    if (r == 0)
        r = fs_sock_register(&fs_inet6_family);
    if (r < 0)
        return (int)r;
    start_nic();
    if (pm_loop_add(loop) < 0)
        return -NET_ENOMEM;
    pm_loop_deadline = deadline;
    return 0;
}
