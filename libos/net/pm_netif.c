/*
 * pm_netif.c: pm's network interfaces as Linux shows them (docs/concepts/sockets.md, "What
 * the tools see"): lwIP's loopback netif as `lo` and the NIC's netif as `eth0`, through the
 * socket ioctls ifconfig uses (SIOCGIFCONF, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFNETMASK,
 * SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFHWADDR, SIOCGIFMTU, SIOCGIFMETRIC, SIOCGIFINDEX,
 * SIOCGIFNAME) and through /proc/net/dev, /proc/net/route and /proc/net/if_inet6, made from
 * lwIP's netifs at each read; /proc/net/tcp, tcp6, udp and udp6 come from the socket engine
 * (inet_proc.c). Read-only: the configuration is pm's (DHCP or net=), so the SIOCSIF* requests
 * are EOPNOTSUPP. Linux's layouts and numbers; what lwIP does not count is not shown (lo has no
 * line in /proc/net/dev).
 */
#include <net/inet.h>
#include <net/netif_ring.h>
#include <net/pm_net.h>

#include <common/printf.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#include <stdarg.h>
#include <stdbool.h>

#define IFNAMSIZ 16

struct ifreq { /* Linux's, 40 bytes */
    char name[IFNAMSIZ];
    union {
        struct net_sockaddr addr;
        short flags;
        int ivalue;
        uint8_t pad[24];
    } u;
};

#define SIOCGIFNAME 0x8910
#define SIOCGIFCONF 0x8912
#define SIOCGIFFLAGS 0x8913
#define SIOCGIFADDR 0x8915
#define SIOCGIFDSTADDR 0x8917
#define SIOCGIFBRDADDR 0x8919
#define SIOCGIFNETMASK 0x891b
#define SIOCGIFMETRIC 0x891d
#define SIOCGIFMTU 0x8921
#define SIOCGIFHWADDR 0x8927
#define SIOCSIFHWADDR 0x8924
#define SIOCGIFINDEX 0x8933

#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK 0x8
#define IFF_RUNNING 0x40
#define IFF_MULTICAST 0x1000
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772

#define ENODEV 19
#define ENOTTY 25

static bool is_nic(const struct netif *n)
{
    return n == pm_net_nic();
}

static const char *name_of(const struct netif *n)
{
    return is_nic(n) ? "eth0" : "lo";
}

/* The netifs Linux would show: the loopback and the NIC (lwIP has no other). */
static bool shown(const struct netif *n)
{
    return is_nic(n) || (n->name[0] == 'l' && n->name[1] == 'o');
}

static struct netif *by_name(const char *name)
{
    struct netif *n;
    NETIF_FOREACH(n)
    {
        const char *s = name_of(n);
        unsigned i = 0;
        while (i < IFNAMSIZ && s[i] && s[i] == name[i])
            i++;
        if (shown(n) && (i == IFNAMSIZ || (!s[i] && !name[i])))
            return n;
    }
    return NULL;
}

static void put_name(struct ifreq *r, const struct netif *n)
{
    __builtin_memset(r->name, 0, IFNAMSIZ);
    const char *s = name_of(n);
    for (unsigned i = 0; s[i]; i++)
        r->name[i] = s[i];
}

static void put_in(struct ifreq *r, uint32_t a) /* a sockaddr_in, port 0 */
{
    struct net_sockaddr_in sin = {.sin_family = NET_AF_INET, .sin_addr = a};
    __builtin_memset(&r->u, 0, sizeof r->u);
    __builtin_memcpy(&r->u.addr, &sin, sizeof sin);
}

static int flags_of(const struct netif *n)
{
    int f = 0;
    if (netif_is_up(n))
        f |= IFF_UP;
    if (netif_is_up(n) && netif_is_link_up(n))
        f |= IFF_RUNNING;
    if (is_nic(n))
        f |= IFF_BROADCAST | IFF_MULTICAST;
    else
        f |= IFF_LOOPBACK;
    return f;
}

/* SIOCGIFCONF: {int len (in: the room, -1: ask the size), pad, ifreqs}: Linux's list of the
 * interfaces with an IPv4 address, as many whole ones as fit. */
static long ifconf(void *arg)
{
    int room;
    __builtin_memcpy(&room, arg, sizeof room);
    struct ifreq *out = (struct ifreq *)((char *)arg + 8);
    int len = 0;
    struct netif *n;
    NETIF_FOREACH(n)
    {
        if (!shown(n) || ip4_addr_isany_val(*netif_ip4_addr(n)))
            continue;
        if (room >= 0) {
            if (len + (int)sizeof(struct ifreq) > room)
                break;
            struct ifreq r;
            put_name(&r, n);
            put_in(&r, ip4_addr_get_u32(netif_ip4_addr(n)));
            __builtin_memcpy(out++, &r, sizeof r);
        }
        len += (int)sizeof(struct ifreq);
    }
    __builtin_memcpy(arg, &len, sizeof len);
    return 0;
}

long pm_net_ifioctl(unsigned long req, void *arg)
{
    switch (req) { /* arg is pm's copy of the caller's bytes, for these requests only */
    case SIOCGIFCONF:
        return ifconf(arg);
    case SIOCGIFNAME:
    case SIOCGIFFLAGS:
    case SIOCGIFADDR:
    case SIOCGIFDSTADDR:
    case SIOCGIFBRDADDR:
    case SIOCGIFNETMASK:
    case SIOCGIFMETRIC:
    case SIOCGIFMTU:
    case SIOCGIFHWADDR:
    case SIOCGIFINDEX:
        break;
    case SIOCGIFFLAGS + 1: /* the SIOCS* twins: pm's configuration is read-only */
    case SIOCGIFADDR + 1:
    case SIOCGIFDSTADDR + 1:
    case SIOCGIFBRDADDR + 1:
    case SIOCGIFNETMASK + 1:
    case SIOCGIFMETRIC + 1:
    case SIOCGIFMTU + 1:
    case SIOCSIFHWADDR:
        return -NET_EOPNOTSUPP;
    default:
        return -ENOTTY;
    }
    struct ifreq r;
    __builtin_memcpy(&r, arg, sizeof r);
    struct netif *n = NULL;
    if (req == SIOCGIFNAME) {
        struct netif *m;
        NETIF_FOREACH(m)
        {
            if (shown(m) && netif_get_index(m) == r.u.ivalue)
                n = m;
        }
        if (!n)
            return -ENODEV;
        put_name(&r, n);
        __builtin_memcpy(arg, &r, sizeof r);
        return 0;
    }
    r.name[IFNAMSIZ - 1] = 0;
    if (!(n = by_name(r.name)))
        return -ENODEV;
    uint32_t a = ip4_addr_get_u32(netif_ip4_addr(n)), m = ip4_addr_get_u32(netif_ip4_netmask(n));
    switch (req) {
    case SIOCGIFFLAGS:
        __builtin_memset(&r.u, 0, sizeof r.u);
        r.u.flags = (short)flags_of(n);
        break;
    case SIOCGIFADDR:
    case SIOCGIFNETMASK:
    case SIOCGIFBRDADDR:
    case SIOCGIFDSTADDR:
        if (!a)
            return -NET_EADDRNOTAVAIL; /* Linux: no IPv4 address on it */
        put_in(&r, req == SIOCGIFADDR      ? a
                   : req == SIOCGIFNETMASK ? m
                   : req == SIOCGIFBRDADDR ? (is_nic(n) ? (a & m) | ~m : 0)
                                           : 0);
        break;
    case SIOCGIFHWADDR:
        __builtin_memset(&r.u, 0, sizeof r.u);
        r.u.addr.sa_family = is_nic(n) ? ARPHRD_ETHER : ARPHRD_LOOPBACK;
        if (is_nic(n))
            __builtin_memcpy(r.u.addr.sa_data, n->hwaddr, 6);
        break;
    case SIOCGIFMTU:
        __builtin_memset(&r.u, 0, sizeof r.u);
        r.u.ivalue = n->mtu ? n->mtu : 65536; /* lwIP's loopback has no limit: Linux's lo */
        break;
    case SIOCGIFMETRIC:
        __builtin_memset(&r.u, 0, sizeof r.u);
        break;
    case SIOCGIFINDEX:
        __builtin_memset(&r.u, 0, sizeof r.u);
        r.u.ivalue = netif_get_index(n);
        break;
    default:
        return -ENOTTY;
    }
    __builtin_memcpy(arg, &r, sizeof r);
    return 0;
}

/* --- /proc/net --------------------------------------------------------------------------- */

struct out {
    char *buf;
    unsigned len, n;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    if (o->n + 1 >= o->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = exo_vsnprintf(o->buf + o->n, o->len - o->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->n = o->n + (unsigned)k >= o->len ? o->len - 1 : o->n + (unsigned)k;
}

static void padded(struct out *o, unsigned start, unsigned width) /* Linux's "%-127s\n" */
{
    while (o->n - start < width && o->n + 1 < o->len)
        o->buf[o->n++] = ' ';
    put(o, "\n");
}

static void dev(struct out *o)
{
    put(o, "Inter-|   Receive                                                |  Transmit\n"
           " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
           "errs drop fifo colls carrier compressed\n");
    if (!pm_net_nic())
        return;
    const struct netif_ring *r = pm_net_ring();
    put(o,
        "%6s:%8lu %7lu %4lu %4lu %4lu %5lu %10lu %9lu %8lu %7lu %4lu %4lu %4lu %5lu %7lu %10lu\n",
        "eth0", (unsigned long)pm_net_rx_bytes, (unsigned long)r->rx_frames,
        (unsigned long)r->rx_corrupt, (unsigned long)r->rx_nomem, 0ul, 0ul, 0ul, 0ul,
        (unsigned long)pm_net_tx_bytes, (unsigned long)r->tx_frames, (unsigned long)r->tx_errors,
        0ul, 0ul, 0ul, 0ul, 0ul);
}

static void route(struct out *o)
{
    unsigned s = o->n;
    put(o, "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
    padded(o, s, 127);
    struct netif *n = pm_net_nic();
    if (!n || !netif_is_up(n) || ip4_addr_isany_val(*netif_ip4_addr(n)))
        return;
    uint32_t a = ip4_addr_get_u32(netif_ip4_addr(n)), m = ip4_addr_get_u32(netif_ip4_netmask(n));
    uint32_t gw = ip4_addr_get_u32(netif_ip4_gw(n));
    if (gw && netif_default == n) { /* RTF_UP | RTF_GATEWAY */
        s = o->n;
        put(o, "eth0\t%08X\t%08X\t%04X\t0\t0\t0\t%08X\t0\t0\t0", 0u, gw, 3u, 0u);
        padded(o, s, 127);
    }
    s = o->n;
    put(o, "eth0\t%08X\t%08X\t%04X\t0\t0\t0\t%08X\t0\t0\t0", a & m, 0u, 1u, m);
    padded(o, s, 127);
}

static void if_inet6(struct out *o)
{
    struct netif *n;
    NETIF_FOREACH(n)
    {
        if (!shown(n))
            continue;
        for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
            uint8_t st = netif_ip6_addr_state(n, i);
            if (ip6_addr_isinvalid(st))
                continue;
            const ip6_addr_t *a = netif_ip6_addr(n, i);
            const uint8_t *b = (const uint8_t *)a->addr;
            for (int k = 0; k < 16; k++)
                put(o, "%02x", b[k]);
            unsigned scope = ip6_addr_islinklocal(a) ? 0x20 : ip6_addr_isloopback(a) ? 0x10 : 0;
            unsigned prefix = ip6_addr_isloopback(a) ? 128 : 64; /* SLAAC's and fe80::/64 */
            put(o, " %02x %02x %02x %02x %8s\n", (unsigned)netif_get_index(n), prefix, scope, 0x80u,
                name_of(n));
        }
    }
}

unsigned pm_net_proc(int which, char *buf, unsigned len)
{
    struct out o = {buf, len, 0};
    if (!len)
        return 0;
    buf[0] = 0;
    switch (which) {
    case PM_NET_DEV:
        dev(&o);
        break;
    case PM_NET_ROUTE:
        route(&o);
        break;
    case PM_NET_IF_INET6:
        if_inet6(&o);
        break;
    case PM_NET_TCP:
    case PM_NET_TCP6:
        return net_proc_tcp(buf, len, which == PM_NET_TCP6);
    case PM_NET_UDP:
    case PM_NET_UDP6:
        return net_proc_udp(buf, len, which == PM_NET_UDP6);
    }
    return o.n;
}
