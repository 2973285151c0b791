/*
 * inet_opt.c: the socket options of the engine (libos/net/README.md, "The socket engine"), with
 * Linux's levels, names, ranges and errors. Values live in struct net_sock and are applied to
 * every pcb the socket has (a new one after a failed connect, a listener's, an accepted one's),
 * so setting one never needs a pcb. Buffer sizes are lwIP's, fixed at build time: set is
 * accepted and changes nothing, get reports what the socket really has.
 */
#include "inet_priv.h"

#include "lwip/priv/tcp_priv.h"

#define TCP_MSS_DEFAULT 536 /* Linux's, before a connection has its own */

static int int_in(const void *val, uint32_t len, int *out)
{
    if (!val || len < sizeof(int))
        return -NET_EINVAL;
    __builtin_memcpy(out, val, sizeof(int));
    return 0;
}

/* Linux's do_ip_setsockopt: an int, or a single byte if that is all there is. */
static int int_or_byte_in(const void *val, uint32_t len, int *out)
{
    if (!val || len < 1)
        return -NET_EINVAL;
    if (len < sizeof(int)) {
        *out = *(const uint8_t *)val;
        return 0;
    }
    return int_in(val, len, out);
}

static int set_socket(struct net_sock *s, int name, const void *val, uint32_t len)
{
    int v, r;
    switch (name) {
    case NET_SO_LINGER: {
        struct net_linger l;
        if (!val || len < sizeof l)
            return -NET_EINVAL;
        __builtin_memcpy(&l, val, sizeof l);
        s->linger_on = l.l_onoff != 0;
        s->linger = l.l_linger < 0 ? 0 : l.l_linger;
        return 0;
    }
    case NET_SO_REUSEADDR:
    case NET_SO_BROADCAST:
    case NET_SO_KEEPALIVE:
    case NET_SO_SNDBUF:
    case NET_SO_RCVBUF:
        if ((r = int_in(val, len, &v)) != 0)
            return r;
        if (name == NET_SO_REUSEADDR)
            s->reuse = v != 0;
        else if (name == NET_SO_BROADCAST)
            s->broadcast = v != 0;
        else if (name == NET_SO_KEEPALIVE)
            s->keepalive = v != 0;
        return 0; /* SO_SNDBUF, SO_RCVBUF: lwIP's sizes are fixed */
    default:
        return -NET_ENOPROTOOPT;
    }
}

static int set_tcp(struct net_sock *s, int name, const void *val, uint32_t len)
{
    int v, r;
    if (s->type != NET_SOCK_STREAM)
        return -NET_ENOPROTOOPT;
    if (name != NET_TCP_NODELAY && name != NET_TCP_KEEPIDLE && name != NET_TCP_KEEPINTVL &&
        name != NET_TCP_KEEPCNT && name != NET_TCP_MAXSEG)
        return -NET_ENOPROTOOPT;
    if ((r = int_in(val, len, &v)) != 0)
        return r;
    switch (name) {
    case NET_TCP_NODELAY:
        s->nodelay = v != 0;
        return 0;
    case NET_TCP_KEEPIDLE:
    case NET_TCP_KEEPINTVL:
        if (v < 1 || v > 32767)
            return -NET_EINVAL;
        *(name == NET_TCP_KEEPIDLE ? &s->keep_idle : &s->keep_intvl) = (uint32_t)v;
        return 0;
    case NET_TCP_KEEPCNT:
        if (v < 1 || v > 127)
            return -NET_EINVAL;
        s->keep_cnt = (uint32_t)v;
        return 0;
    default: /* TCP_MAXSEG: Linux's range, and lwIP keeps its own MSS */
        return v < 88 || v > 32767 ? -NET_EINVAL : 0;
    }
}

int net_setsockopt(struct net_sock *s, int level, int name, const void *val, uint32_t len)
{
    int r, v;
    switch (level) {
    case NET_SOL_SOCKET:
        r = set_socket(s, name, val, len);
        break;
    case NET_IPPROTO_TCP:
        r = set_tcp(s, name, val, len);
        break;
    case NET_IPPROTO_IP: /* an AF_INET6 socket's too: for its IPv4 traffic, as Linux */
        if (name != NET_IP_TTL)
            return -NET_ENOPROTOOPT;
        if ((r = int_or_byte_in(val, len, &v)) != 0)
            return r;
        if (v != -1 && (v < 1 || v > 255))
            return -NET_EINVAL;
        s->ttl = (uint8_t)(v == -1 ? 64 : v);
        break;
    case NET_IPPROTO_IPV6:
        if (s->family != NET_AF_INET6 || name != NET_IPV6_V6ONLY)
            return -NET_ENOPROTOOPT;
        if ((r = int_in(val, len, &v)) != 0)
            return r;
        if (s->bound) /* the bound address decided the families already */
            return -NET_EINVAL;
        s->v6only = v != 0;
        break;
    default:
        return -NET_ENOPROTOOPT;
    }
    if (r)
        return r;
    if (s->type == NET_SOCK_STREAM)
        net_tcp_apply_opts(s);
    else
        net_udp_apply_opts(s);
    return 0;
}

static int int_out(void *val, uint32_t *len, int v)
{
    if (!len || !val)
        return -NET_EINVAL;
    uint32_t n = *len < sizeof v ? *len : sizeof v;
    __builtin_memcpy(val, &v, n);
    *len = n;
    return 0;
}

int net_getsockopt(struct net_sock *s, int level, int name, void *val, uint32_t *len)
{
    bool stream = s->type == NET_SOCK_STREAM;
    switch (level) {
    case NET_SOL_SOCKET:
        switch (name) {
        case NET_SO_LINGER: {
            struct net_linger l = {s->linger_on, s->linger};
            if (!len || !val)
                return -NET_EINVAL;
            uint32_t n = *len < sizeof l ? *len : sizeof l;
            __builtin_memcpy(val, &l, n);
            *len = n;
            return 0;
        }
        case NET_SO_ERROR: {
            int e = s->err;
            int r = int_out(val, len, e);
            if (r == 0)
                s->err = 0;
            return r;
        }
        case NET_SO_REUSEADDR:
            return int_out(val, len, s->reuse);
        case NET_SO_TYPE:
            return int_out(val, len, s->type);
        case NET_SO_BROADCAST:
            return int_out(val, len, s->broadcast);
        case NET_SO_KEEPALIVE:
            return int_out(val, len, s->keepalive);
        case NET_SO_SNDBUF:
            return int_out(val, len, stream ? TCP_SND_BUF : 0xffff);
        case NET_SO_RCVBUF:
            return int_out(val, len, stream ? TCP_WND : NET_UDP_RCVBUF);
        case NET_SO_ACCEPTCONN:
            return int_out(val, len, s->state == ST_LISTEN && stream);
        case NET_SO_PROTOCOL:
            return int_out(val, len, s->proto);
        case NET_SO_DOMAIN:
            return int_out(val, len, s->family);
        }
        return -NET_ENOPROTOOPT;
    case NET_IPPROTO_TCP:
        if (!stream)
            return -NET_ENOPROTOOPT;
        switch (name) {
        case NET_TCP_NODELAY:
            return int_out(val, len, s->nodelay);
        case NET_TCP_KEEPIDLE:
            return int_out(val, len, (int)s->keep_idle);
        case NET_TCP_KEEPINTVL:
            return int_out(val, len, (int)s->keep_intvl);
        case NET_TCP_KEEPCNT:
            return int_out(val, len, (int)s->keep_cnt);
        case NET_TCP_MAXSEG:
            return int_out(val, len,
                           s->state == ST_CONN && s->pcb.tcp ? tcp_mss(s->pcb.tcp)
                                                             : TCP_MSS_DEFAULT);
        }
        return -NET_ENOPROTOOPT;
    case NET_IPPROTO_IP:
        if (name != NET_IP_TTL)
            return -NET_ENOPROTOOPT;
        return int_out(val, len, s->ttl);
    case NET_IPPROTO_IPV6:
        if (s->family != NET_AF_INET6 || name != NET_IPV6_V6ONLY)
            return -NET_ENOPROTOOPT;
        return int_out(val, len, s->v6only);
    }
    return -NET_ENOPROTOOPT;
}
