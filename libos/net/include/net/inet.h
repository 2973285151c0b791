/*
 * net/inet.h: the AF_INET/AF_INET6 socket engine over lwIP's raw API (libos/net/README.md, "The
 * socket engine"). One lwIP instance (NO_SYS) serves every socket of its embedder (pm, through
 * the file layer's socket family); this is the engine's whole interface: an opaque
 * struct net_sock and calls that never block. A call that would block returns -NET_EAGAIN (a
 * stream connect -NET_EINPROGRESS); every error is a negative Linux errno, with Linux's
 * numbers, and a refused call changes nothing. Readiness is net_poll's bits, and the embedder
 * hears of a change through its ready hook. No libc header: the engine builds freestanding
 * (los_lwip) and for the host alike, so the Linux numbers and address layouts are here with a
 * NET_ prefix.
 */
#ifndef NET_INET_H
#define NET_INET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Linux's numbers ---- */

#define NET_AF_UNSPEC 0
#define NET_AF_INET 2
#define NET_AF_INET6 10

#define NET_SOCK_STREAM 1
#define NET_SOCK_DGRAM 2
#define NET_SOCK_TYPE_MAX 10 /* types above: EINVAL (Linux's SOCK_MAX - 1) */

#define NET_IPPROTO_IP 0
#define NET_IPPROTO_TCP 6
#define NET_IPPROTO_UDP 17
#define NET_IPPROTO_IPV6 41

#define NET_SOL_SOCKET 1
#define NET_SO_REUSEADDR 2
#define NET_SO_TYPE 3
#define NET_SO_ERROR 4
#define NET_SO_BROADCAST 6
#define NET_SO_SNDBUF 7
#define NET_SO_RCVBUF 8
#define NET_SO_KEEPALIVE 9
#define NET_SO_LINGER 13
#define NET_SO_ACCEPTCONN 30
#define NET_SO_PROTOCOL 38
#define NET_SO_DOMAIN 39

#define NET_TCP_NODELAY 1
#define NET_TCP_MAXSEG 2
#define NET_TCP_KEEPIDLE 4
#define NET_TCP_KEEPINTVL 5
#define NET_TCP_KEEPCNT 6

#define NET_IP_TTL 2
#define NET_IPV6_UNICAST_HOPS 16
#define NET_IPV6_V6ONLY 26

#define NET_MSG_PEEK 0x2
#define NET_MSG_TRUNC 0x20
#define NET_MSG_DONTWAIT 0x40   /* accepted and meaningless: nothing here waits */
#define NET_MSG_NOSIGNAL 0x4000 /* accepted: SIGPIPE is the embedder's, on -NET_EPIPE */
#define NET_MSG_MORE 0x8000

#define NET_SHUT_RD 0
#define NET_SHUT_WR 1
#define NET_SHUT_RDWR 2

#define NET_POLLIN 0x001
#define NET_POLLOUT 0x004
#define NET_POLLERR 0x008
#define NET_POLLHUP 0x010
#define NET_POLLRDHUP 0x2000

#define NET_EPERM 1
#define NET_EAGAIN 11
#define NET_ENOMEM 12
#define NET_EACCES 13
#define NET_EINVAL 22
#define NET_ENFILE 23
#define NET_EPIPE 32
#define NET_EDESTADDRREQ 89
#define NET_EMSGSIZE 90
#define NET_ENOPROTOOPT 92
#define NET_EPROTONOSUPPORT 93
#define NET_ESOCKTNOSUPPORT 94
#define NET_EOPNOTSUPP 95
#define NET_EAFNOSUPPORT 97
#define NET_EADDRINUSE 98
#define NET_EADDRNOTAVAIL 99
#define NET_ENETUNREACH 101
#define NET_ECONNABORTED 103
#define NET_ECONNRESET 104
#define NET_ENOBUFS 105
#define NET_EISCONN 106
#define NET_ENOTCONN 107
#define NET_ETIMEDOUT 110
#define NET_ECONNREFUSED 111
#define NET_EHOSTUNREACH 113
#define NET_EALREADY 114
#define NET_EINPROGRESS 115

/* Linux's layouts; ports and IPv4 addresses in network byte order. */
struct net_sockaddr {
    uint16_t sa_family;
    uint8_t sa_data[14];
};
struct net_sockaddr_in {
    uint16_t sin_family;
    uint16_t sin_port;
    uint32_t sin_addr;
    uint8_t sin_zero[8];
};
struct net_sockaddr_in6 {
    uint16_t sin6_family;
    uint16_t sin6_port;
    uint32_t sin6_flowinfo;
    uint8_t sin6_addr[16];
    uint32_t sin6_scope_id; /* the lwIP netif index (netif_get_index) of a link-local address */
};
#define NET_SIN6_LEN_MIN 24 /* Linux accepts an AF_INET6 address without sin6_scope_id */
struct net_linger {
    int l_onoff;
    int l_linger;
};
struct net_iov {
    void *base;
    size_t len;
};

/* ---- The embedder ---- */

struct net_sock;

/* What the embedder gives the engine (net_init). Every hook may be NULL. Hooks run inside the
 * engine's calls and inside lwIP's callbacks (from the embedder's netif input, timers and
 * netif_poll_all): they must not call back into the engine. */
struct net_hooks {
    void *ctx;
    /* s's poll bits may have changed; cookie is net_set_cookie's (NULL until set). */
    void (*ready)(void *ctx, struct net_sock *s, void *cookie);
    /* Claim a local port before lwIP binds it (exo's nf_claim): proto NET_IPPROTO_TCP or _UDP,
     * family NET_AF_INET (addr: 4 bytes) or NET_AF_INET6 (16 bytes), all-zero addr: every local
     * address. 0, or a negative errno (the bind fails with -NET_EADDRINUSE). NULL: granted. */
    int (*claim)(void *ctx, int proto, int family, const uint8_t *addr, uint16_t port);
    /* The end of a granted claim (nf_release): its last socket closed and its connections'
     * pcbs are gone (after TIME-WAIT). */
    void (*release)(void *ctx, int proto, int family, const uint8_t *addr, uint16_t port);
};

/* Bounds (memory is static: no allocator). */
#define NET_SOCKS_MAX 64         /* sockets, closing ones still holding a pcb included */
#define NET_UDP_QUEUE 32         /* datagrams queued per UDP socket (more are dropped, counted) */
#define NET_PORT_PRIVILEGED 1024 /* ports below: root's (ip_unprivileged_port_start) */
#define NET_EPHEMERAL_LO 32768   /* Linux's ip_local_port_range */
#define NET_EPHEMERAL_HI 60999

/* Installs the hooks (copied) and starts the ephemeral port search at a random place. Call
 * once, after lwip_init(). */
void net_init(const struct net_hooks *hooks);

/* ---- Sockets ---- */

int net_socket(int domain, int type, int protocol, struct net_sock **out);
void net_set_cookie(struct net_sock *s, void *cookie);
int net_bind(struct net_sock *s, const void *addr, uint32_t addrlen);
/* bind for a caller that may (low_ports) or may not bind a port below NET_PORT_PRIVILEGED:
 * EACCES for such a port otherwise, after the address's own checks, as Linux without
 * CAP_NET_BIND_SERVICE. net_bind is the embedder's own: it may. */
int net_bind_as(struct net_sock *s, const void *addr, uint32_t addrlen, bool low_ports);
int net_listen(struct net_sock *s, int backlog);
/* A connection waiting on listener s: *out (its cookie NULL), the peer's address into
 * addr/addrlen (Linux: truncated to *addrlen, *addrlen set to the full size; addr may be NULL). */
int net_accept(struct net_sock *s, struct net_sock **out, void *addr, uint32_t *addrlen);
/* Stream: -NET_EINPROGRESS, completion seen as POLLOUT (SO_ERROR says how it went); again while
 * connecting: -NET_EALREADY; once connected: 0 the first time after completion, then
 * -NET_EISCONN; after a failure: the error once (the socket may then connect again).
 * Datagram: sets the default destination and filters sources; NET_AF_UNSPEC disconnects. */
int net_connect(struct net_sock *s, const void *addr, uint32_t addrlen);
/* Bytes taken (stream: possibly fewer than given), or a negative errno. to/tolen: a datagram's
 * destination (NULL: the connected one; ignored on a stream, as Linux does). */
long net_sendmsg(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags,
                 const void *to, uint32_t tolen);
long net_send(struct net_sock *s, const void *buf, size_t len, int flags, const void *to,
              uint32_t tolen);
/* Bytes read (0: end of stream), or a negative errno. flags: NET_MSG_PEEK, NET_MSG_TRUNC (a
 * datagram: return its full length). *msg_flags (may be NULL) gets NET_MSG_TRUNC when a
 * datagram was cut. from/fromlen: the source, as net_accept's addr. */
long net_recvmsg(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags, void *from,
                 uint32_t *fromlen, int *msg_flags);
long net_recv(struct net_sock *s, void *buf, size_t len, int flags, void *from, uint32_t *fromlen);
int net_shutdown(struct net_sock *s, int how);
/* The socket is gone for the caller. A stream closes gracefully (its queued data is still sent,
 * then FIN; unread received data or SO_LINGER 0: RST); the pcb, and its port claim, live on
 * until lwIP ends them (TIME-WAIT). Queued connections of a listener are reset. */
void net_close(struct net_sock *s);
/* NET_POLL* bits, as Linux's tcp_poll / datagram_poll give them. */
unsigned net_poll(struct net_sock *s);
/* FIONREAD (SIOCINQ), as Linux: a stream's bytes queued to read (a listener: -NET_EINVAL), a
 * datagram socket's next datagram's length (0: none). */
long net_inq(struct net_sock *s);
int net_getsockopt(struct net_sock *s, int level, int name, void *val, uint32_t *len);
int net_setsockopt(struct net_sock *s, int level, int name, const void *val, uint32_t len);
int net_getsockname(struct net_sock *s, void *addr, uint32_t *addrlen);
int net_getpeername(struct net_sock *s, void *addr, uint32_t *addrlen);

/* Counters, for tests and netstat: sockets in use (closing ones too), claims held, UDP
 * datagrams dropped on a full queue. */
struct net_stats {
    unsigned socks, claims, udp_drops;
};
void net_stats(struct net_stats *out);

#endif
