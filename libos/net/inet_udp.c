/*
 * inet_udp.c: datagram sockets over lwIP's UDP raw API (libos/net/README.md, "The socket
 * engine"). Each received datagram stays in lwIP's pbuf, queued with its source on the socket
 * (NET_UDP_QUEUE datagrams and NET_UDP_RCVBUF bytes at most; beyond, dropped and counted, as a
 * full socket buffer drops them on Linux). A connected socket sends to its peer by default and
 * keeps only the peer's datagrams. A send is one datagram, copied into one pbuf.
 */
#include "inet_priv.h"

#include "lwip/netif.h"

/* The largest payload lwIP holds in one pbuf with room for the headers below it (lwIP's pbuf
 * lengths are 16 bits): under Linux's 65507 (IPv4) / 65527 (IPv6). */
#define UDP_MAX_LWIP ((0xffff - LWIP_MEM_ALIGN_SIZE(PBUF_TRANSPORT)) & ~(MEM_ALIGNMENT - 1))

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                    u16_t port)
{
    struct net_sock *s = arg;
    if (!s || !s->used || s->closed) {
        pbuf_free(p);
        return;
    }
    if (s->uconnected && (!ip_addr_cmp(addr, &pcb->remote_ip) || port != pcb->remote_port)) {
        pbuf_free(p); /* lwIP matches connected pcbs first, but may hand us a stray */
        return;
    }
    if (s->dq_n == NET_UDP_QUEUE || s->dq_bytes + p->tot_len > NET_UDP_RCVBUF) {
        net_udp_drops++;
        pbuf_free(p);
        return;
    }
    struct net_dgram *d = &s->dq[(s->dq_head + s->dq_n++) % NET_UDP_QUEUE];
    d->p = p;
    ip_addr_copy(d->from, *addr);
    d->port = port;
    s->dq_bytes += p->tot_len;
    net_ready(s);
}

void net_udp_apply_opts(struct net_sock *s)
{
    struct udp_pcb *p = s->pcb.udp;
    p->ttl = s->ttl;
    s->reuse ? ip_set_option(p, SOF_REUSEADDR) : ip_reset_option(p, SOF_REUSEADDR);
    s->broadcast ? ip_set_option(p, SOF_BROADCAST) : ip_reset_option(p, SOF_BROADCAST);
}

int net_udp_new_pcb(struct net_sock *s)
{
    struct udp_pcb *pcb =
        udp_new_ip_type(s->family == NET_AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
    if (!pcb)
        return -NET_ENOBUFS;
    s->pcb.udp = pcb;
    udp_recv(pcb, on_recv, s);
    net_udp_apply_opts(s);
    return 0;
}

int net_udp_bind_pcb(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
    err_t e = udp_bind(s->pcb.udp, ip, port);
    return e == ERR_OK ? 0 : e == ERR_USE ? -NET_EADDRINUSE : -NET_EINVAL;
}

int net_udp_connect(struct net_sock *s, const void *addr, uint32_t addrlen)
{
    uint16_t fam;
    if (!addr || addrlen < sizeof fam)
        return -NET_EINVAL;
    __builtin_memcpy(&fam, addr, sizeof fam);
    if (fam == NET_AF_UNSPEC) {
        udp_disconnect(s->pcb.udp);
        s->uconnected = false;
        return 0;
    }
    ip_addr_t ip;
    uint16_t port;
    int r = net_addr_in(s, addr, addrlen, &ip, &port, false);
    if (r)
        return r;
    net_any_to_loopback(&ip);
    if ((r = net_autobind(s)) != 0)
        return r == -NET_EADDRINUSE ? -NET_EADDRNOTAVAIL : r;
    err_t e = udp_connect(s->pcb.udp, &ip, port);
    if (e != ERR_OK)
        return e == ERR_RTE ? -NET_ENETUNREACH : -NET_EINVAL;
    s->uconnected = true;
    return 0;
}

long net_udp_send(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags,
                  const void *to, uint32_t tolen)
{
    (void)flags;
    ip_addr_t ip;
    uint16_t port;
    int r;
    if (to) {
        if ((r = net_addr_in(s, to, tolen, &ip, &port, false)) != 0)
            return r;
        if (port == 0)
            return -NET_EINVAL;
    } else if (s->uconnected) {
        ip_addr_copy(ip, s->pcb.udp->remote_ip);
        port = s->pcb.udp->remote_port;
    } else {
        return -NET_EDESTADDRREQ;
    }
    if (s->shut & SH_SEND)
        return -NET_EPIPE;
    size_t len = net_iov_total(iov, iovcnt);
    if (len > UDP_MAX_LWIP)
        return -NET_EMSGSIZE;
    if (net_is_broadcast(&ip) && !s->broadcast)
        return -NET_EACCES;
    net_any_to_loopback(&ip);
    if ((r = net_autobind(s)) != 0)
        return r == -NET_EADDRINUSE ? -NET_EAGAIN : r; /* Linux: no ephemeral port left */
    struct pbuf *p = net_iov_pbuf(iov, iovcnt, len, PBUF_TRANSPORT);
    if (!p)
        return -NET_ENOBUFS;
    err_t e = udp_sendto(s->pcb.udp, p, &ip, port);
    pbuf_free(p);
    return net_sent(e, len);
}

long net_udp_recv(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags, void *from,
                  uint32_t *fromlen, int *msg_flags)
{
    if (from && !fromlen)
        return -NET_EINVAL;
    if (s->dq_n == 0) {
        if (s->err) {
            int e = s->err;
            s->err = 0;
            return -e;
        }
        return s->shut & SH_RCV ? 0 : -NET_EAGAIN;
    }
    struct net_dgram *d = &s->dq[s->dq_head];
    size_t want = net_iov_total(iov, iovcnt), len = d->p->tot_len;
    size_t n = want < len ? want : len;
    int vi = 0;
    size_t vo = 0;
    net_iov_put(iov, iovcnt, &vi, &vo, d->p, 0, n);
    if (n < len && msg_flags)
        *msg_flags |= NET_MSG_TRUNC;
    if (fromlen)
        net_addr_out(s, &d->from, d->port, from, fromlen);
    if (!(flags & NET_MSG_PEEK)) {
        s->dq_bytes -= d->p->tot_len;
        pbuf_free(d->p);
        d->p = NULL;
        s->dq_head = (uint8_t)((s->dq_head + 1) % NET_UDP_QUEUE);
        s->dq_n--;
    }
    return (long)((flags & NET_MSG_TRUNC) ? len : n);
}

/* Linux's inet_shutdown on a datagram socket: the bits always, ENOTCONN if not connected. */
int net_udp_shutdown(struct net_sock *s, int how)
{
    s->shut |= (uint8_t)(how + 1);
    net_ready(s);
    return s->uconnected ? 0 : -NET_ENOTCONN;
}

void net_udp_close(struct net_sock *s)
{
    udp_remove(s->pcb.udp);
    s->pcb.udp = NULL;
    net_sock_free(s);
}

/* Linux's datagram_poll. */
unsigned net_udp_poll(struct net_sock *s)
{
    unsigned m = NET_POLLOUT; /* a datagram is copied out at once: never a full send buffer */
    if (s->err)
        m |= NET_POLLERR;
    if (s->shut & SH_RCV)
        m |= NET_POLLIN | NET_POLLRDHUP;
    if (s->shut == (SH_RCV | SH_SEND))
        m |= NET_POLLHUP;
    if (s->dq_n)
        m |= NET_POLLIN;
    return m;
}
