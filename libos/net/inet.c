/*
 * inet.c: the socket engine's common half (libos/net/README.md, "The socket engine"): the
 * static pool of sockets, the embedder's port claims (claimed before lwIP binds, shared by the
 * sockets on one key, released when the last of them is freed), Linux's address layouts in and
 * out, bind with the ephemeral port search, the names, and the calls that dispatch to the TCP
 * (inet_tcp.c), UDP (inet_udp.c) or raw ICMP (inet_raw.c) half. Every call decodes its arguments
 * before it changes anything.
 */
#include "inet_priv.h"

#include "lwip/def.h"
#include "lwip/netif.h"
#include "lwip/sys.h"

struct net_hooks net_hooks;
unsigned net_udp_drops;

static struct net_sock socks[NET_SOCKS_MAX];
static struct net_claim claims[2 * NET_SOCKS_MAX]; /* a socket holds at most two keys */
static uint16_t next_port = NET_EPHEMERAL_LO;

#define EPH_RANGE (NET_EPHEMERAL_HI - NET_EPHEMERAL_LO + 1)

void net_init(const struct net_hooks *hooks)
{
    net_hooks = *hooks;
    net_tcp_init();
    next_port = (uint16_t)(NET_EPHEMERAL_LO + LWIP_RAND() % EPH_RANGE);
}

/* ---- The pool ---- */

struct net_sock *net_sock_alloc(void)
{
    for (unsigned i = 0; i < NET_SOCKS_MAX; i++)
        if (!socks[i].used) {
            __builtin_memset(&socks[i], 0, sizeof socks[i]);
            socks[i].used = true;
            return &socks[i];
        }
    return NULL;
}

static void claim_put(struct net_claim *c)
{
    if (--c->refs == 0 && net_hooks.release)
        net_hooks.release(net_hooks.ctx, c->proto, c->family, c->addr, c->port);
}

/* The end of a socket: no pcb is left (or the caller has just removed it). */
void net_sock_free(struct net_sock *s)
{
    for (int i = 0; i < 2; i++)
        if (s->claim[i])
            claim_put(s->claim[i]);
    for (; s->rx_n; s->rx_n--, s->rx_head = (uint8_t)((s->rx_head + 1) % NET_RXQ))
        pbuf_free(s->rxq[s->rx_head]);
    for (; s->dq_n; s->dq_n--, s->dq_head = (uint8_t)((s->dq_head + 1) % NET_UDP_QUEUE))
        pbuf_free(s->dq[s->dq_head].p);
    __builtin_memset(s, 0, sizeof *s);
}

/* A pcb's arg that is one of our sockets in use (lwIP's own pcbs, DHCP's, carry others). */
struct net_sock *net_sock_of(void *arg)
{
    for (unsigned i = 0; i < NET_SOCKS_MAX; i++)
        if (arg == &socks[i])
            return socks[i].used ? &socks[i] : NULL;
    return NULL;
}

void net_ready(struct net_sock *s)
{
    if (s->used && !s->closed && net_hooks.ready)
        net_hooks.ready(net_hooks.ctx, s, s->cookie);
}

void net_stats(struct net_stats *out)
{
    __builtin_memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < NET_SOCKS_MAX; i++)
        out->socks += socks[i].used;
    for (unsigned i = 0; i < 2 * NET_SOCKS_MAX; i++)
        out->claims += claims[i].refs != 0;
    out->udp_drops = net_udp_drops;
}

/* ---- Claims ---- */

static int claim_get(int proto, int family, const uint8_t *addr, uint16_t port,
                     struct net_claim **out)
{
    unsigned alen = family == NET_AF_INET ? 4 : 16;
    struct net_claim *free_slot = NULL;
    for (unsigned i = 0; i < 2 * NET_SOCKS_MAX; i++) {
        struct net_claim *c = &claims[i];
        if (!c->refs) {
            if (!free_slot)
                free_slot = c;
            continue;
        }
        if (c->proto == proto && c->family == family && c->port == port &&
            __builtin_memcmp(c->addr, addr, alen) == 0) {
            c->refs++;
            *out = c;
            return 0;
        }
    }
    if (!free_slot) /* cannot happen: two keys per socket at most */
        return -NET_ENOBUFS;
    if (net_hooks.claim && net_hooks.claim(net_hooks.ctx, proto, family, addr, port) != 0)
        return -NET_EADDRINUSE;
    __builtin_memset(free_slot, 0, sizeof *free_slot);
    free_slot->proto = (uint8_t)proto;
    free_slot->family = (uint8_t)family;
    __builtin_memcpy(free_slot->addr, addr, alen);
    free_slot->port = port;
    free_slot->refs = 1;
    *out = free_slot;
    return 0;
}

/* The keys of a local address: its own family's, both wildcards for a dual-stack ::. */
static int claims_take(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
    static const uint8_t zero[16];
    struct net_claim *c[2] = {NULL, NULL};
    int r;
    if (IP_IS_ANY_TYPE_VAL(*ip)) {
        r = claim_get(s->proto, NET_AF_INET, zero, port, &c[0]);
        if (r == 0 && (r = claim_get(s->proto, NET_AF_INET6, zero, port, &c[1])) != 0)
            claim_put(c[0]);
    } else if (IP_IS_V4(ip)) {
        r = claim_get(s->proto, NET_AF_INET, (const uint8_t *)&ip_2_ip4(ip)->addr, port, &c[0]);
    } else {
        r = claim_get(s->proto, NET_AF_INET6, (const uint8_t *)ip_2_ip6(ip)->addr, port, &c[0]);
    }
    if (r == 0)
        s->claim[0] = c[0], s->claim[1] = c[1];
    return r;
}

static void claims_drop(struct net_sock *s)
{
    for (int i = 0; i < 2; i++)
        if (s->claim[i]) {
            claim_put(s->claim[i]);
            s->claim[i] = NULL;
        }
}

/* An accepted connection holds its listener's claims as long as it lives. */
void net_claims_share(struct net_sock *to, const struct net_sock *from)
{
    for (int i = 0; i < 2; i++)
        if ((to->claim[i] = from->claim[i]) != NULL)
            to->claim[i]->refs++;
}

/* ---- Addresses ---- */

static bool is_v4_mapped(const uint8_t *a)
{
    for (int i = 0; i < 10; i++)
        if (a[i])
            return false;
    return a[10] == 0xff && a[11] == 0xff;
}

/* Linux's sockaddr for s's family into lwIP's address. for_bind: :: on a dual-stack socket is
 * the any-type wildcard (both families); a v4-mapped address is IPv4 (refused if V6ONLY:
 * EINVAL for bind, ENETUNREACH for a destination, as Linux). */
int net_addr_in(const struct net_sock *s, const void *addr, uint32_t len, ip_addr_t *ip,
                uint16_t *port, bool for_bind)
{
    if (!addr)
        return -NET_EINVAL;
    if (s->family == NET_AF_INET) {
        struct net_sockaddr_in sin;
        if (len < sizeof sin)
            return -NET_EINVAL;
        __builtin_memcpy(&sin, addr, sizeof sin);
        if (sin.sin_family != NET_AF_INET)
            return -NET_EAFNOSUPPORT;
        ip_addr_set_ip4_u32_val(*ip, sin.sin_addr);
        *port = lwip_ntohs(sin.sin_port);
        return 0;
    }
    struct net_sockaddr_in6 sin6 = {0};
    if (len < NET_SIN6_LEN_MIN)
        return -NET_EINVAL;
    __builtin_memcpy(&sin6, addr, len < sizeof sin6 ? len : sizeof sin6);
    if (sin6.sin6_family != NET_AF_INET6)
        return -NET_EAFNOSUPPORT;
    *port = lwip_ntohs(sin6.sin6_port);
    const uint8_t *a = sin6.sin6_addr;
    if (is_v4_mapped(a)) {
        if (s->v6only)
            return for_bind ? -NET_EINVAL : -NET_ENETUNREACH;
        uint32_t v4;
        __builtin_memcpy(&v4, a + 12, 4);
        ip_addr_set_ip4_u32_val(*ip, v4);
        return 0;
    }
    ip6_addr_t v6;
    __builtin_memcpy(v6.addr, a, 16);
    ip6_addr_clear_zone(&v6);
    if (ip6_addr_isany(&v6) && for_bind && !s->v6only) {
        ip_addr_copy(*ip, *IP_ANY_TYPE);
        return 0;
    }
    if (ip6_addr_islinklocal(&v6)) {
        if (sin6.sin6_scope_id == 0 || sin6.sin6_scope_id > 255)
            return -NET_EINVAL;
        ip6_addr_set_zone(&v6, (u8_t)sin6.sin6_scope_id);
    }
    ip_addr_copy_from_ip6(*ip, v6);
    return 0;
}

/* Linux's move_addr_to_user: the first *len bytes of src, *len = its full size. */
int net_copy_out(void *dst, uint32_t *len, const void *src, uint32_t srclen)
{
    if (!len)
        return dst ? -NET_EINVAL : 0;
    if (dst)
        __builtin_memcpy(dst, src, *len < srclen ? *len : srclen);
    *len = srclen;
    return 0;
}

int net_addr_out(const struct net_sock *s, const ip_addr_t *ip, uint16_t port, void *addr,
                 uint32_t *len)
{
    if (s->family == NET_AF_INET) {
        struct net_sockaddr_in sin = {.sin_family = NET_AF_INET, .sin_port = lwip_htons(port)};
        if (ip && IP_IS_V4(ip))
            sin.sin_addr = ip_2_ip4(ip)->addr;
        return net_copy_out(addr, len, &sin, sizeof sin);
    }
    struct net_sockaddr_in6 sin6 = {.sin6_family = NET_AF_INET6, .sin6_port = lwip_htons(port)};
    if (ip && IP_IS_V6(ip)) {
        __builtin_memcpy(sin6.sin6_addr, ip_2_ip6(ip)->addr, 16);
        if (ip6_addr_islinklocal(ip_2_ip6(ip)))
            sin6.sin6_scope_id = ip6_addr_zone(ip_2_ip6(ip));
    } else if (ip && IP_IS_V4(ip) && !ip4_addr_isany_val(*ip_2_ip4(ip))) {
        sin6.sin6_addr[10] = sin6.sin6_addr[11] = 0xff;
        __builtin_memcpy(sin6.sin6_addr + 12, &ip_2_ip4(ip)->addr, 4);
    }
    return net_copy_out(addr, len, &sin6, sizeof sin6);
}

/* A destination: Linux takes the wildcard for this host. */
void net_any_to_loopback(ip_addr_t *ip)
{
    if (ip_addr_isany(ip))
        ip_addr_set_loopback(IP_IS_V6(ip), ip);
}

/* 255.255.255.255, or the broadcast address of a netif's subnet. */
bool net_is_broadcast(const ip_addr_t *ip)
{
    if (!IP_IS_V4(ip))
        return false;
    if (ip_2_ip4(ip)->addr == IPADDR_BROADCAST)
        return true;
    struct netif *n;
    NETIF_FOREACH(n)
    {
        if (ip4_addr_isbroadcast(ip_2_ip4(ip), n))
            return true;
    }
    return false;
}

/* One of this stack's addresses (any netif, the loopback netif's included), a wildcard, or, for
 * a datagram socket, a broadcast or multicast address. */
static bool addr_is_local(const ip_addr_t *ip, bool dgram)
{
    struct netif *n;
    if (ip_addr_isany(ip))
        return true;
    if (IP_IS_V4(ip)) {
        if (dgram && (ip4_addr_ismulticast(ip_2_ip4(ip)) || net_is_broadcast(ip)))
            return true;
        NETIF_FOREACH(n)
        {
            if (ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(n)))
                return true;
        }
        return false;
    }
    if (dgram && ip6_addr_ismulticast(ip_2_ip6(ip)))
        return true;
    NETIF_FOREACH(n)
    {
        if (netif_get_ip6_addr_match(n, ip_2_ip6(ip)) >= 0)
            return true;
    }
    return false;
}

/* ---- Binding ---- */

static int bind_one(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
    int r = claims_take(s, ip, port);
    if (r)
        return r;
    r = s->type == NET_SOCK_STREAM ? net_tcp_bind_pcb(s, ip, port) : net_udp_bind_pcb(s, ip, port);
    if (r) {
        claims_drop(s);
        return r;
    }
    s->bound = true;
    ip_addr_copy(s->local, *ip);
    s->lport = port;
    return 0;
}

/* Port 0: the ephemeral range, from where the last search stopped, trying claims (the embedder
 * or lwIP refusing one moves on). */
int net_bind_to(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
    if (port)
        return bind_one(s, ip, port);
    for (unsigned n = 0; n < EPH_RANGE; n++) {
        uint16_t p = next_port;
        next_port = p == NET_EPHEMERAL_HI ? NET_EPHEMERAL_LO : (uint16_t)(p + 1);
        int r = bind_one(s, ip, p);
        if (r != -NET_EADDRINUSE)
            return r;
    }
    return -NET_EADDRINUSE;
}

/* Before a connect, a listen or a send: an ephemeral port on the wildcard of s's family (both,
 * for a dual-stack socket). */
int net_autobind(struct net_sock *s)
{
    if (s->bound)
        return 0;
    ip_addr_t any;
    if (s->family == NET_AF_INET)
        ip_addr_copy(any, *IP4_ADDR_ANY);
    else if (s->v6only)
        ip_addr_copy(any, *IP6_ADDR_ANY);
    else
        ip_addr_copy(any, *IP_ANY_TYPE);
    return net_bind_to(s, &any, 0);
}

/* ---- Scatter and gather ---- */

size_t net_iov_total(const struct net_iov *iov, int n)
{
    size_t t = 0;
    for (int i = 0; i < n; i++)
        t += iov[i].len;
    return t;
}

struct pbuf *net_iov_pbuf(const struct net_iov *iov, int iovcnt, size_t len, pbuf_layer layer)
{
    struct pbuf *p = pbuf_alloc(layer, (u16_t)len, PBUF_RAM);
    if (!p)
        return NULL;
    size_t off = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].len)
            pbuf_take_at(p, iov[i].base, (u16_t)iov[i].len, (u16_t)off);
        off += iov[i].len;
    }
    return p;
}

long net_sent(err_t e, size_t len)
{
    switch (e) {
    case ERR_OK:
        return (long)len;
    case ERR_RTE:
        return -NET_ENETUNREACH;
    case ERR_MEM:
    case ERR_BUF:
        return -NET_ENOBUFS;
    default:
        return -NET_EINVAL;
    }
}

/* Copy n bytes of chain p from offset off into the iovs from (*vi, *vo) on. */
void net_iov_put(const struct net_iov *iov, int iovcnt, int *vi, size_t *vo, struct pbuf *p,
                 uint16_t off, size_t n)
{
    while (n && *vi < iovcnt) {
        size_t room = iov[*vi].len - *vo;
        if (room == 0) {
            (*vi)++, *vo = 0;
            continue;
        }
        size_t k = n < room ? n : room;
        pbuf_copy_partial(p, (uint8_t *)iov[*vi].base + *vo, (u16_t)k, off);
        off = (uint16_t)(off + k), *vo += k, n -= k;
    }
}

/* ---- The calls ---- */

int net_socket(int domain, int type, int protocol, struct net_sock **out)
{
    if (domain != NET_AF_INET && domain != NET_AF_INET6)
        return -NET_EAFNOSUPPORT;
    if (type < 0 || type > NET_SOCK_TYPE_MAX)
        return -NET_EINVAL;
    if (type != NET_SOCK_STREAM && type != NET_SOCK_DGRAM && type != NET_SOCK_RAW)
        return -NET_ESOCKTNOSUPPORT;
    int want = type == NET_SOCK_STREAM ? NET_IPPROTO_TCP : NET_IPPROTO_UDP;
    if (type == NET_SOCK_RAW) { /* ping's: IPv4 ICMP only (Linux: 0 is EPROTONOSUPPORT too) */
        if (domain != NET_AF_INET || protocol != NET_IPPROTO_ICMP)
            return -NET_EPROTONOSUPPORT;
        want = NET_IPPROTO_ICMP;
    }
    if (protocol != 0 && protocol != want)
        return -NET_EPROTONOSUPPORT;
    struct net_sock *s = net_sock_alloc();
    if (!s)
        return -NET_ENFILE;
    s->family = (uint8_t)domain;
    s->type = (uint8_t)type;
    s->proto = (uint8_t)want;
    s->ttl = 64; /* Linux's default (lwIP's is 255) */
    s->keep_idle = 7200, s->keep_intvl = 75, s->keep_cnt = 9;
    int r = type == NET_SOCK_STREAM ? net_tcp_new_pcb(s)
            : type == NET_SOCK_RAW  ? net_raw_new_pcb(s)
                                    : net_udp_new_pcb(s);
    if (r) {
        net_sock_free(s);
        return r;
    }
    *out = s;
    return 0;
}

void net_set_cookie(struct net_sock *s, void *cookie)
{
    s->cookie = cookie;
}

int net_bind(struct net_sock *s, const void *addr, uint32_t addrlen)
{
    return net_bind_as(s, addr, addrlen, true);
}

int net_bind_as(struct net_sock *s, const void *addr, uint32_t addrlen, bool low_ports)
{
    ip_addr_t ip;
    uint16_t port;
    int r = net_addr_in(s, addr, addrlen, &ip, &port, true);
    if (r)
        return r;
    if (!addr_is_local(&ip, s->type != NET_SOCK_STREAM))
        return -NET_EADDRNOTAVAIL;
    if (port && port < NET_PORT_PRIVILEGED && !low_ports)
        return -NET_EACCES;
    if (s->bound || s->state != ST_CLOSE)
        return -NET_EINVAL;
    if (s->type == NET_SOCK_RAW)
        return net_raw_bind(s, &ip);
    if (s->type == NET_SOCK_STREAM && !s->pcb.tcp && (r = net_tcp_new_pcb(s)) != 0)
        return r;
    return net_bind_to(s, &ip, port);
}

int net_listen(struct net_sock *s, int backlog)
{
    if (s->type != NET_SOCK_STREAM)
        return -NET_EOPNOTSUPP;
    return net_tcp_listen(s, backlog);
}

int net_accept(struct net_sock *s, struct net_sock **out, void *addr, uint32_t *addrlen)
{
    if (s->type != NET_SOCK_STREAM)
        return -NET_EOPNOTSUPP;
    return net_tcp_accept(s, out, addr, addrlen);
}

int net_connect(struct net_sock *s, const void *addr, uint32_t addrlen)
{
    if (s->type == NET_SOCK_RAW)
        return net_raw_connect(s, addr, addrlen);
    return s->type == NET_SOCK_STREAM ? net_tcp_connect(s, addr, addrlen)
                                      : net_udp_connect(s, addr, addrlen);
}

long net_sendmsg(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags,
                 const void *to, uint32_t tolen)
{
    if (iovcnt < 0 || (iovcnt > 0 && !iov))
        return -NET_EINVAL;
    if (s->type == NET_SOCK_RAW)
        return net_raw_send(s, iov, iovcnt, to, tolen);
    return s->type == NET_SOCK_STREAM ? net_tcp_send(s, iov, iovcnt, flags)
                                      : net_udp_send(s, iov, iovcnt, flags, to, tolen);
}

long net_send(struct net_sock *s, const void *buf, size_t len, int flags, const void *to,
              uint32_t tolen)
{
    struct net_iov v = {(void *)buf, len};
    return net_sendmsg(s, &v, 1, flags, to, tolen);
}

long net_recvmsg(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags, void *from,
                 uint32_t *fromlen, int *msg_flags)
{
    if (iovcnt < 0 || (iovcnt > 0 && !iov))
        return -NET_EINVAL;
    if (msg_flags)
        *msg_flags = 0;
    if (s->type != NET_SOCK_STREAM) /* raw: the same queue */
        return net_udp_recv(s, iov, iovcnt, flags, from, fromlen, msg_flags);
    long n = net_tcp_recv(s, iov, iovcnt, flags);
    if (n >= 0 && fromlen) /* a stream names no source (Linux leaves addrlen 0) */
        *fromlen = 0;
    return n;
}

long net_recv(struct net_sock *s, void *buf, size_t len, int flags, void *from, uint32_t *fromlen)
{
    struct net_iov v = {buf, len};
    return net_recvmsg(s, &v, 1, flags, from, fromlen, NULL);
}

int net_shutdown(struct net_sock *s, int how)
{
    if (how < NET_SHUT_RD || how > NET_SHUT_RDWR)
        return -NET_EINVAL;
    return s->type == NET_SOCK_STREAM ? net_tcp_shutdown(s, how) : net_udp_shutdown(s, how);
}

void net_close(struct net_sock *s)
{
    s->closed = true;
    if (s->type == NET_SOCK_STREAM)
        net_tcp_close(s);
    else if (s->type == NET_SOCK_RAW)
        net_raw_close(s);
    else
        net_udp_close(s);
}

unsigned net_poll(struct net_sock *s)
{
    return s->type == NET_SOCK_STREAM ? net_tcp_poll(s) : net_udp_poll(s);
}

long net_inq(struct net_sock *s)
{
    if (s->type != NET_SOCK_STREAM)
        return s->dq_n ? s->dq[s->dq_head].p->tot_len : 0;
    if (s->state == ST_LISTEN)
        return -NET_EINVAL;
    long n = 0;
    for (unsigned k = 0; k < s->rx_n; k++)
        n += s->rxq[(s->rx_head + k) % NET_RXQ]->tot_len;
    return n;
}

int net_getsockname(struct net_sock *s, void *addr, uint32_t *addrlen)
{
    const ip_addr_t *ip = NULL;
    uint16_t port = 0;
    if (s->type == NET_SOCK_STREAM && s->pcb.tcp && s->bound) {
        ip = &s->pcb.tcp->local_ip;
        port = s->pcb.tcp->local_port;
    } else if (s->type == NET_SOCK_DGRAM && s->pcb.udp && s->bound) {
        ip = &s->pcb.udp->local_ip;
        port = s->pcb.udp->local_port;
    } else if (s->bound) {
        ip = &s->local;
        port = s->lport;
    }
    return net_addr_out(s, ip, port, addr, addrlen);
}

int net_getpeername(struct net_sock *s, void *addr, uint32_t *addrlen)
{
    if (s->type == NET_SOCK_STREAM) {
        if (s->state != ST_CONN || !s->pcb.tcp)
            return -NET_ENOTCONN;
        return net_addr_out(s, &s->pcb.tcp->remote_ip, s->pcb.tcp->remote_port, addr, addrlen);
    }
    if (!s->uconnected)
        return -NET_ENOTCONN;
    if (s->type == NET_SOCK_RAW)
        return net_addr_out(s, &s->pcb.raw->remote_ip, 0, addr, addrlen);
    return net_addr_out(s, &s->pcb.udp->remote_ip, s->pcb.udp->remote_port, addr, addrlen);
}
