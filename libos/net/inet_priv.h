/*
 * inet_priv.h: the socket engine's state, shared by its files (libos/net/README.md, "The socket
 * engine"): inet.c (sockets, claims, addresses, bind, names), inet_tcp.c (streams over lwIP's
 * TCP raw API), inet_udp.c (datagrams), inet_raw.c (raw ICMP: ping), inet_opt.c (socket options).
 * Not an interface: the embedder sees net/inet.h only.
 */
#ifndef NET_INET_PRIV_H
#define NET_INET_PRIV_H

#include <net/inet.h>

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include <stdbool.h>

/* A claim of the embedder's (hooks.claim), shared by every socket of ours on the same key:
 * a listener and its connections, or sockets sharing a port through SO_REUSEADDR. */
struct net_claim {
    uint8_t proto, family;
    uint8_t addr[16];
    uint16_t port;
    uint16_t refs; /* 0: free slot */
};

/* The stream's state, coarser than lwIP's (which the pcb keeps): what poll, connect and send
 * decide on, as Linux's sk_state does. */
enum { ST_CLOSE, ST_LISTEN, ST_SYN_SENT, ST_CONN };

/* shut bits: Linux's RCV_SHUTDOWN and SEND_SHUTDOWN (set by shutdown, the peer's FIN, the end) */
#define SH_RCV 1
#define SH_SEND 2

#define NET_RXQ 16                  /* chains of received TCP data queued (each up to 64 KiB) */
#define NET_UDP_RCVBUF (256 * 1024) /* bytes of datagrams queued per UDP socket */

struct net_dgram {
    struct pbuf *p;
    ip_addr_t from;
    uint16_t port;
};

struct net_sock {
    bool used;
    bool closed;     /* net_close called: freed once no pcb is left */
    bool bound;      /* local address set (claims held, local/lport valid) */
    bool connecting; /* a stream connect not yet reported by connect (Linux's SS_CONNECTING) */
    bool was_connected;
    bool done;          /* the peer's FIN was seen */
    bool close_pending; /* tcp_close or tcp_shutdown wants retrying (lwIP had no memory) */
    uint8_t family, type, proto, state, shut;
    int err; /* pending SO_ERROR (a positive errno) */
    void *cookie;
    union {
        struct tcp_pcb *tcp;
        struct udp_pcb *udp;
        struct raw_pcb *raw;
    } pcb;
    ip_addr_t local; /* what bind chose (before a connect narrows it) */
    uint16_t lport;
    ip_addr_t peer; /* an accepted connection's, for accept (the pcb may be gone by then) */
    uint16_t pport;
    struct net_claim *claim[2];

    /* options, kept here so that every pcb the socket gets has them */
    bool reuse, keepalive, broadcast, nodelay, v6only, linger_on;
    int linger;
    uint8_t ttl;
    uint32_t keep_idle, keep_intvl, keep_cnt; /* seconds */

    /* stream: received chains, oldest first */
    struct pbuf *rxq[NET_RXQ];
    uint8_t rx_head, rx_n;
    /* listener: connections not yet accepted; a connection: its listener's list */
    struct net_sock *acc_head, *acc_tail, *acc_next, *parent;
    uint16_t acc_n, backlog;

    /* datagram and raw: received datagrams or packets */
    struct net_dgram dq[NET_UDP_QUEUE];
    uint8_t dq_head, dq_n;
    uint32_t dq_bytes;
    bool uconnected;
};

extern struct net_hooks net_hooks;
extern unsigned net_udp_drops;

/* inet.c */
struct net_sock *net_sock_alloc(void);
void net_sock_free(struct net_sock *s);
struct net_sock *net_sock_of(void *arg);
void net_ready(struct net_sock *s);
int net_addr_in(const struct net_sock *s, const void *addr, uint32_t len, ip_addr_t *ip,
                uint16_t *port, bool for_bind);
int net_addr_out(const struct net_sock *s, const ip_addr_t *ip, uint16_t port, void *addr,
                 uint32_t *len);
int net_bind_to(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
int net_autobind(struct net_sock *s);
void net_any_to_loopback(ip_addr_t *ip);
bool net_is_broadcast(const ip_addr_t *ip);
void net_claims_share(struct net_sock *to, const struct net_sock *from);
int net_copy_out(void *dst, uint32_t *len, const void *src, uint32_t srclen);
size_t net_iov_total(const struct net_iov *iov, int n);
void net_iov_put(const struct net_iov *iov, int iovcnt, int *vi, size_t *vo, struct pbuf *p,
                 uint16_t off, size_t n);
/* A datagram's pbuf at `layer` holding the iovs' len bytes (their total), or NULL. */
struct pbuf *net_iov_pbuf(const struct net_iov *iov, int iovcnt, size_t len, pbuf_layer layer);
/* What a datagram send returns for lwIP's e: len, or the errno Linux gives. */
long net_sent(err_t e, size_t len);

/* inet_tcp.c */
void net_tcp_init(void);
int net_tcp_new_pcb(struct net_sock *s);
int net_tcp_listen(struct net_sock *s, int backlog);
int net_tcp_accept(struct net_sock *s, struct net_sock **out, void *addr, uint32_t *addrlen);
int net_tcp_connect(struct net_sock *s, const void *addr, uint32_t addrlen);
long net_tcp_send(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags);
long net_tcp_recv(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags);
int net_tcp_shutdown(struct net_sock *s, int how);
void net_tcp_close(struct net_sock *s);
unsigned net_tcp_poll(struct net_sock *s);
void net_tcp_apply_opts(struct net_sock *s);
int net_tcp_bind_pcb(struct net_sock *s, const ip_addr_t *ip, uint16_t port);

/* inet_udp.c */
int net_udp_new_pcb(struct net_sock *s);
int net_udp_bind_pcb(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
int net_udp_connect(struct net_sock *s, const void *addr, uint32_t addrlen);
long net_udp_send(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags,
                  const void *to, uint32_t tolen);
long net_udp_recv(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags, void *from,
                  uint32_t *fromlen, int *msg_flags);
int net_udp_shutdown(struct net_sock *s, int how);
void net_udp_close(struct net_sock *s);
unsigned net_udp_poll(struct net_sock *s);
void net_udp_apply_opts(struct net_sock *s);

/* inet_raw.c (receive, shutdown and poll are the UDP half's: the same queue) */
int net_raw_new_pcb(struct net_sock *s);
int net_raw_bind(struct net_sock *s, const ip_addr_t *ip);
int net_raw_connect(struct net_sock *s, const void *addr, uint32_t addrlen);
long net_raw_send(struct net_sock *s, const struct net_iov *iov, int iovcnt, const void *to,
                  uint32_t tolen);
void net_raw_close(struct net_sock *s);
void net_raw_apply_opts(struct net_sock *s);

#endif
