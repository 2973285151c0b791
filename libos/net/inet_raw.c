/*
 * inet_raw.c: raw IPv4 sockets for ICMP (socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) over lwIP's
 * raw API (libos/net/README.md, "The socket engine"): what busybox's ping opens (it tries
 * nothing else). Linux's semantics: a send is an ICMP message whose IP header the stack adds (no
 * IP_HDRINCL; the sender computes the ICMP checksum); a receive is a whole IPv4 packet, header
 * included, a copy of every ICMP packet that reaches the stack, which still handles it itself
 * (pm answers echo requests; a reply nobody asked for is dropped after the copy). Received
 * packets queue on the socket as a UDP socket's datagrams do, with the same bounds. No port, so
 * no claim: ICMP is exo's default env's (pm's) alone.
 */
#include "inet_priv.h"

#include "lwip/ip.h"
#include "lwip/raw.h"

static u8_t on_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)pcb;
    struct net_sock *s = arg;
    if (!s || !s->used || s->closed || (s->shut & SH_RCV))
        return 0;
    if (s->dq_n == NET_UDP_QUEUE || s->dq_bytes + p->tot_len > NET_UDP_RCVBUF) {
        net_udp_drops++;
        return 0;
    }
    /* lwIP goes on with p (icmp_input): the socket keeps a copy, the IP header included. */
    struct pbuf *c = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
    if (!c) {
        net_udp_drops++;
        return 0;
    }
    struct net_dgram *d = &s->dq[(s->dq_head + s->dq_n++) % NET_UDP_QUEUE];
    d->p = c;
    ip_addr_copy(d->from, *addr);
    d->port = 0;
    s->dq_bytes += c->tot_len;
    net_ready(s);
    return 0; /* not eaten */
}

void net_raw_apply_opts(struct net_sock *s)
{
    struct raw_pcb *p = s->pcb.raw;
    p->ttl = s->ttl;
    s->broadcast ? ip_set_option(p, SOF_BROADCAST) : ip_reset_option(p, SOF_BROADCAST);
}

int net_raw_new_pcb(struct net_sock *s)
{
    struct raw_pcb *pcb = raw_new_ip_type(IPADDR_TYPE_V4, s->proto);
    if (!pcb)
        return -NET_ENOBUFS;
    s->pcb.raw = pcb;
    raw_recv(pcb, on_recv, s);
    net_raw_apply_opts(s);
    return 0;
}

/* Linux's raw_bind: a local address (one of ours), no port. */
int net_raw_bind(struct net_sock *s, const ip_addr_t *ip)
{
    if (raw_bind(s->pcb.raw, ip) != ERR_OK)
        return -NET_EADDRNOTAVAIL;
    s->bound = true;
    ip_addr_copy(s->local, *ip);
    s->lport = 0;
    return 0;
}

int net_raw_connect(struct net_sock *s, const void *addr, uint32_t addrlen)
{
    uint16_t fam, port;
    if (!addr || addrlen < sizeof fam)
        return -NET_EINVAL;
    __builtin_memcpy(&fam, addr, sizeof fam);
    if (fam == NET_AF_UNSPEC) {
        raw_disconnect(s->pcb.raw);
        s->uconnected = false;
        return 0;
    }
    ip_addr_t ip;
    int r = net_addr_in(s, addr, addrlen, &ip, &port, false);
    if (r)
        return r;
    net_any_to_loopback(&ip);
    if (raw_connect(s->pcb.raw, &ip) != ERR_OK)
        return -NET_EINVAL;
    s->uconnected = true;
    return 0;
}

long net_raw_send(struct net_sock *s, const struct net_iov *iov, int iovcnt, const void *to,
                  uint32_t tolen)
{
    ip_addr_t ip;
    uint16_t port;
    int r;
    if (to) {
        if ((r = net_addr_in(s, to, tolen, &ip, &port, false)) != 0)
            return r;
    } else if (s->uconnected) {
        ip_addr_copy(ip, s->pcb.raw->remote_ip);
    } else {
        return -NET_EDESTADDRREQ;
    }
    if (s->shut & SH_SEND)
        return -NET_EPIPE;
    size_t len = net_iov_total(iov, iovcnt);
    if (len > 0xffff - IP_HLEN) /* Linux: an IPv4 packet's length */
        return -NET_EMSGSIZE;
    if (net_is_broadcast(&ip) && !s->broadcast)
        return -NET_EACCES;
    net_any_to_loopback(&ip);
    struct pbuf *p = net_iov_pbuf(iov, iovcnt, len, PBUF_IP);
    if (!p)
        return -NET_ENOBUFS;
    err_t e = raw_sendto(s->pcb.raw, p, &ip);
    pbuf_free(p);
    return net_sent(e, len);
}

void net_raw_close(struct net_sock *s)
{
    raw_remove(s->pcb.raw);
    s->pcb.raw = NULL;
    net_sock_free(s);
}
