/*
 * test_inet.c: the socket engine (net/inet.h) on the host, over lwIP's loopback netif and over
 * the tests' two-netif wire (wire.h: A 10.0.0.1, B 10.0.0.2, a fake clock). The embedder's hooks
 * are this file's: claims kept in a table (refused on request), readiness counted. Every check
 * is an exact value: errnos, poll bits, bytes, ports, claims.
 */
#include <check.h>

#include "wire.h"

#include <net/inet.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#include <stdio.h>
#include <string.h>

#define IN NET_POLLIN
#define OUT NET_POLLOUT
#define ERR NET_POLLERR
#define HUP NET_POLLHUP
#define RDHUP NET_POLLRDHUP

/* ---- The embedder: claims and readiness ---- */

struct claim {
    int proto, family;
    uint8_t addr[16];
    uint16_t port;
    bool held;
};
static struct claim held[256];
static unsigned claims_tried, releases;
static unsigned refuse_next; /* refuse this many claims from now */
static uint16_t refuse_port; /* and always this port */
static unsigned readies;

static int hook_claim(void *ctx, int proto, int family, const uint8_t *addr, uint16_t port)
{
    (void)ctx;
    claims_tried++;
    if (refuse_next) {
        refuse_next--;
        return -NET_EADDRINUSE;
    }
    if (port == refuse_port)
        return -NET_EADDRINUSE;
    for (unsigned i = 0; i < 256; i++)
        if (!held[i].held) {
            held[i] = (struct claim){proto, family, {0}, port, true};
            memcpy(held[i].addr, addr, family == NET_AF_INET ? 4 : 16);
            return 0;
        }
    return -NET_ENOBUFS;
}

static struct claim *find_claim(int proto, int family, uint32_t v4, uint16_t port)
{
    for (unsigned i = 0; i < 256; i++)
        if (held[i].held && held[i].proto == proto && held[i].family == family &&
            held[i].port == port && (family != NET_AF_INET || !memcmp(held[i].addr, &v4, 4)))
            return &held[i];
    return NULL;
}

static void hook_release(void *ctx, int proto, int family, const uint8_t *addr, uint16_t port)
{
    (void)ctx;
    releases++;
    for (unsigned i = 0; i < 256; i++)
        if (held[i].held && held[i].proto == proto && held[i].family == family &&
            held[i].port == port && !memcmp(held[i].addr, addr, family == NET_AF_INET ? 4 : 16)) {
            held[i].held = false;
            return;
        }
    fprintf(stderr, "release of a port never claimed: %u\n", port);
    check_failed++;
}

static void hook_ready(void *ctx, struct net_sock *s, void *cookie)
{
    (void)ctx, (void)s, (void)cookie;
    readies++;
}

static unsigned held_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < 256; i++)
        n += held[i].held;
    return n;
}

static void setup(void)
{
    static bool inited;
    wire_reset();
    if (!inited) {
        struct net_hooks h = {NULL, hook_ready, hook_claim, hook_release};
        net_init(&h);
        inited = true;
    }
    refuse_next = 0;
    refuse_port = 0;
}

/* lwIP's timers for ms of fake time, the wire delivered at every step. */
static void run(uint32_t ms)
{
    for (uint32_t t = 0; t < ms; t += 10) {
        wire_pump();
        wire_now += 10;
        sys_check_timeouts();
    }
    wire_pump();
}

static bool no_socks(void)
{
    struct net_stats st;
    net_stats(&st);
    return st.socks == 0 && st.claims == 0;
}

/* Every case ends with no socket and no claim of the engine's, and none held by the hooks. */
static void teardown(void)
{
    CHECK_MSG(wire_run_until(no_socks, 2 * TCP_MSL + 10000), "sockets or claims left");
    CHECK_EQ(held_count(), 0);
}

static struct net_sockaddr_in sin4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    struct net_sockaddr_in s = {NET_AF_INET, (uint16_t)(port >> 8 | port << 8), 0, {0}};
    s.sin_addr = (uint32_t)a | (uint32_t)b << 8 | (uint32_t)c << 16 | (uint32_t)d << 24;
    return s;
}

static uint16_t port_of(const void *sa)
{
    const struct net_sockaddr_in *s = sa;
    return (uint16_t)(s->sin_port >> 8 | s->sin_port << 8);
}

static uint16_t local_port(struct net_sock *s)
{
    struct net_sockaddr_in6 a;
    uint32_t len = sizeof a;
    CHECK_EQ(net_getsockname(s, &a, &len), 0);
    return port_of(&a);
}

static struct net_sock *sock(int domain, int type)
{
    struct net_sock *s = NULL;
    CHECK_EQ(net_socket(domain, type, 0, &s), 0);
    return s;
}

/* A connected pair: a listener on addr, a client connected to it, the accepted end. */
static void pair(const struct net_sockaddr_in *addr, struct net_sock **l, struct net_sock **c,
                 struct net_sock **a)
{
    *l = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_bind(*l, addr, sizeof *addr), 0);
    CHECK_EQ(net_listen(*l, 8), 0);
    *c = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_connect(*c, addr, sizeof *addr), -NET_EINPROGRESS);
    run(10);
    CHECK_EQ(net_connect(*c, addr, sizeof *addr), 0);
    CHECK_EQ(net_accept(*l, a, NULL, NULL), 0);
}

/* ---- Bad arguments: exact errnos, nothing left behind ---- */

TEST_CASE(bad_arguments)
{
    setup();
    struct net_sock *s = NULL;
    CHECK_EQ(net_socket(1 /* AF_UNIX */, NET_SOCK_STREAM, 0, &s), -NET_EAFNOSUPPORT);
    CHECK_EQ(net_socket(NET_AF_INET, 5 /* SOCK_SEQPACKET */, 0, &s), -NET_ESOCKTNOSUPPORT);
    CHECK_EQ(net_socket(NET_AF_INET, 11, 0, &s), -NET_EINVAL);
    CHECK_EQ(net_socket(NET_AF_INET, NET_SOCK_STREAM, NET_IPPROTO_UDP, &s), -NET_EPROTONOSUPPORT);
    CHECK_EQ(net_socket(NET_AF_INET6, NET_SOCK_DGRAM, NET_IPPROTO_TCP, &s), -NET_EPROTONOSUPPORT);
    CHECK_EQ(net_socket(NET_AF_INET, NET_SOCK_STREAM, NET_IPPROTO_TCP, &s), 0);

    struct net_sockaddr_in a = sin4(127, 0, 0, 1, 5000);
    CHECK_EQ(net_bind(s, &a, sizeof a - 1), -NET_EINVAL);
    a.sin_family = NET_AF_INET6;
    CHECK_EQ(net_bind(s, &a, sizeof a), -NET_EAFNOSUPPORT);
    struct net_sockaddr_in far = sin4(10, 0, 0, 9, 5000);
    CHECK_EQ(net_bind(s, &far, sizeof far), -NET_EADDRNOTAVAIL);
    CHECK_EQ(net_connect(s, &a, 1), -NET_EINVAL);
    CHECK_EQ(net_connect(s, &a, sizeof a), -NET_EAFNOSUPPORT);
    CHECK_EQ(held_count(), 0);        /* refused calls claimed nothing */
    CHECK_EQ(net_poll(s), OUT | HUP); /* Linux's fresh TCP socket */
    char b[4];
    CHECK_EQ(net_recv(s, b, sizeof b, 0, NULL, NULL), -NET_ENOTCONN);
    CHECK_EQ(net_send(s, "x", 1, 0, NULL, 0), -NET_EPIPE);
    CHECK_EQ(net_shutdown(s, 3), -NET_EINVAL);
    CHECK_EQ(net_shutdown(s, NET_SHUT_WR), -NET_ENOTCONN);
    uint32_t len = sizeof a;
    CHECK_EQ(net_getpeername(s, &a, &len), -NET_ENOTCONN);
    struct net_sock *x;
    CHECK_EQ(net_accept(s, &x, NULL, NULL), -NET_EINVAL);
    int v = 1;
    CHECK_EQ(net_setsockopt(s, NET_SOL_SOCKET, 99, &v, sizeof v), -NET_ENOPROTOOPT);
    CHECK_EQ(net_setsockopt(s, NET_SOL_SOCKET, NET_SO_KEEPALIVE, &v, 2), -NET_EINVAL);
    CHECK_EQ(net_setsockopt(s, NET_IPPROTO_IPV6, NET_IPV6_V6ONLY, &v, sizeof v), -NET_ENOPROTOOPT);
    v = 0;
    CHECK_EQ(net_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_KEEPIDLE, &v, sizeof v), -NET_EINVAL);
    CHECK_EQ(net_setsockopt(s, NET_SOL_SOCKET, NET_SO_ERROR, &v, sizeof v), -NET_ENOPROTOOPT);
    net_close(s);

    struct net_sock *u = sock(NET_AF_INET, NET_SOCK_DGRAM);
    CHECK_EQ(net_listen(u, 1), -NET_EOPNOTSUPP);
    CHECK_EQ(net_send(u, "x", 1, 0, NULL, 0), -NET_EDESTADDRREQ);
    CHECK_EQ(net_setsockopt(u, NET_IPPROTO_TCP, NET_TCP_NODELAY, &v, sizeof v), -NET_ENOPROTOOPT);
    CHECK_EQ(net_poll(u), OUT);
    CHECK_EQ(net_shutdown(u, NET_SHUT_RD), -NET_ENOTCONN); /* Linux: and the bit is set */
    CHECK_EQ(net_poll(u), OUT | IN | RDHUP);
    net_close(u);

    struct net_sock *s6 = sock(NET_AF_INET6, NET_SOCK_STREAM);
    struct net_sockaddr_in6 a6 = {NET_AF_INET6, 0, 0, {0}, 0};
    CHECK_EQ(net_bind(s6, &a6, NET_SIN6_LEN_MIN - 1), -NET_EINVAL);
    CHECK_EQ(net_bind(s6, &a, sizeof a), -NET_EINVAL); /* a sockaddr_in is too short */
    net_close(s6);
    teardown();
}

/* ---- TCP over the loopback netif: connect through poll, accept, data, names, claims ---- */

TEST_CASE(tcp_loopback_connect_accept)
{
    setup();
    struct net_sockaddr_in a = sin4(127, 0, 0, 1, 5000);
    struct net_sock *l = sock(NET_AF_INET, NET_SOCK_STREAM), *c, *s;
    CHECK_EQ(net_bind(l, &a, sizeof a), 0);
    CHECK_MSG(find_claim(NET_IPPROTO_TCP, NET_AF_INET, a.sin_addr, 5000) != NULL,
              "127.0.0.1:5000 not claimed");
    CHECK_EQ(net_bind(l, &a, sizeof a), -NET_EINVAL); /* bound already */
    CHECK_EQ(net_poll(l), OUT | HUP);
    CHECK_EQ(net_listen(l, 4), 0);
    CHECK_EQ(net_poll(l), 0);
    int v = 0;
    uint32_t vl = sizeof v;
    CHECK_EQ(net_getsockopt(l, NET_SOL_SOCKET, NET_SO_ACCEPTCONN, &v, &vl), 0);
    CHECK_EQ(v, 1);

    c = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_connect(c, &a, sizeof a), -NET_EINPROGRESS);
    CHECK_EQ(net_poll(c), 0); /* SYN_SENT: nothing yet */
    CHECK_EQ(net_connect(c, &a, sizeof a), -NET_EALREADY);
    CHECK_EQ(net_send(c, "x", 1, 0, NULL, 0), -NET_EAGAIN);
    uint16_t cport = local_port(c);
    CHECK_MSG(cport >= NET_EPHEMERAL_LO && cport <= NET_EPHEMERAL_HI, "port %u", cport);
    CHECK_MSG(find_claim(NET_IPPROTO_TCP, NET_AF_INET, 0, cport) != NULL, "ephemeral unclaimed");
    readies = 0;
    run(10);
    CHECK_MSG(readies > 0, "no readiness reported");
    CHECK_EQ(net_poll(c), OUT);
    CHECK_EQ(net_poll(l), IN);
    vl = sizeof v;
    CHECK_EQ(net_getsockopt(c, NET_SOL_SOCKET, NET_SO_ERROR, &v, &vl), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(net_connect(c, &a, sizeof a), 0); /* the completion, once */
    CHECK_EQ(net_connect(c, &a, sizeof a), -NET_EISCONN);

    struct net_sockaddr_in peer;
    uint32_t plen = 64; /* Linux: set to the real size */
    CHECK_EQ(net_accept(l, &s, &peer, &plen), 0);
    CHECK_EQ(plen, sizeof peer);
    CHECK_EQ(peer.sin_addr, a.sin_addr);
    CHECK_EQ(port_of(&peer), cport);
    CHECK_EQ(net_poll(l), 0);
    CHECK_EQ(net_accept(l, &s, NULL, NULL) == -NET_EAGAIN, 1);
    CHECK_EQ(local_port(s), 5000);
    plen = sizeof peer;
    CHECK_EQ(net_getpeername(c, &peer, &plen), 0);
    CHECK_EQ(port_of(&peer), 5000);

    char buf[64];
    CHECK_EQ(net_recv(s, buf, sizeof buf, 0, NULL, NULL), -NET_EAGAIN);
    CHECK_EQ(net_send(c, "hello", 5, 0, NULL, 0), 5);
    run(10);
    CHECK_EQ(net_poll(s), IN | OUT);
    CHECK_EQ(net_recv(s, buf, 2, NET_MSG_PEEK, NULL, NULL), 2);
    CHECK_EQ(memcmp(buf, "he", 2), 0);
    struct net_iov iov[2] = {{buf, 1}, {buf + 10, 10}};
    CHECK_EQ(net_recvmsg(s, iov, 2, 0, NULL, NULL, NULL), 5);
    CHECK_EQ(buf[0], 'h');
    CHECK_EQ(memcmp(buf + 10, "ello", 4), 0);
    CHECK_EQ(net_poll(s), OUT);
    struct net_iov out[2] = {{"ab", 2}, {"cde", 3}};
    CHECK_EQ(net_sendmsg(s, out, 2, 0, NULL, 0), 5);
    run(10);
    CHECK_EQ(net_recv(c, buf, sizeof buf, 0, NULL, NULL), 5);
    CHECK_EQ(memcmp(buf, "abcde", 5), 0);

    net_close(c);
    net_close(s);
    net_close(l);
    CHECK_EQ(find_claim(NET_IPPROTO_TCP, NET_AF_INET, a.sin_addr, 5000) != NULL, 1); /* TIME-WAIT */
    teardown();
}

/* ---- 1 MiB each way over the wire, slow readers, half closes ---- */

#define TOTAL (1024 * 1024)

static uint8_t pattern(uint32_t i, int dir)
{
    return (uint8_t)((i ^ (i >> 8) * 37 ^ (i >> 16) * 101) + dir * 91);
}

struct end {
    struct net_sock *s;
    int dir;
    uint32_t sent, rcvd;
    long bad_at;
    bool eof, shut;
};

static uint8_t big[TOTAL];

static void feed(struct end *e)
{
    static uint8_t chunk[16384];
    while (e->sent < TOTAL) {
        uint32_t n = TOTAL - e->sent < sizeof chunk ? TOTAL - e->sent : sizeof chunk;
        for (uint32_t i = 0; i < n; i++)
            chunk[i] = pattern(e->sent + i, e->dir);
        long r = net_send(e->s, chunk, n, 0, NULL, 0);
        if (r == -NET_EAGAIN)
            break;
        CHECK_MSG(r > 0, "send: %ld", r);
        if (r <= 0)
            break;
        e->sent += (uint32_t)r;
    }
    if (e->sent == TOTAL && !e->shut) {
        CHECK_EQ(net_shutdown(e->s, NET_SHUT_WR), 0);
        e->shut = true;
    }
}

static void drain(struct end *e, size_t budget)
{
    static uint8_t buf[8192];
    while (budget && !e->eof) {
        long r = net_recv(e->s, buf, budget < sizeof buf ? budget : sizeof buf, 0, NULL, NULL);
        if (r == -NET_EAGAIN)
            return;
        if (r == 0) {
            e->eof = true;
            return;
        }
        CHECK_MSG(r > 0, "recv: %ld", r);
        if (r < 0)
            return;
        for (long i = 0; i < r; i++, e->rcvd++)
            if (e->bad_at < 0 && buf[i] != pattern(e->rcvd, !e->dir))
                e->bad_at = e->rcvd;
        budget -= (size_t)r;
    }
}

static long queued(struct net_sock *s)
{
    long r = net_recv(s, big, sizeof big, NET_MSG_PEEK, NULL, NULL);
    return r == -NET_EAGAIN ? 0 : r;
}

TEST_CASE(tcp_1mib_each_way_slow_reader_over_the_wire)
{
    setup();
    struct net_sockaddr_in b = sin4(10, 0, 0, 2, 8080), a = sin4(10, 0, 0, 1, 0);
    struct net_sock *l = sock(NET_AF_INET, NET_SOCK_STREAM),
                    *c = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_bind(l, &b, sizeof b), 0);
    CHECK_EQ(net_listen(l, 1), 0);
    CHECK_EQ(net_bind(c, &a, sizeof a), 0); /* port 0: ephemeral, on A's address */
    uint16_t cport = local_port(c);
    CHECK_MSG(find_claim(NET_IPPROTO_TCP, NET_AF_INET, a.sin_addr, cport) != NULL, "unclaimed");
    CHECK_EQ(net_connect(c, &b, sizeof b), -NET_EINPROGRESS);
    CHECK_EQ(net_poll(c), 0);
    wire_pump(); /* ARP, SYN, SYN-ACK, ACK */
    CHECK_EQ(net_poll(c), OUT);
    CHECK_EQ(net_connect(c, &b, sizeof b), 0);
    struct net_sock *s;
    CHECK_EQ(net_accept(l, &s, NULL, NULL), 0);
    net_close(l); /* the connection keeps the port's claim */
    CHECK_MSG(find_claim(NET_IPPROTO_TCP, NET_AF_INET, b.sin_addr, 8080) != NULL, "released early");

    struct end ce = {c, 0, 0, 0, -1, false, false}, se = {s, 1, 0, 0, -1, false, false};
    /* Nobody reads: the window (256 KiB) fills with full segments (the sender sends no
     * smaller one into its last 804 bytes) and stays full, the sender's buffer behind it. */
    for (int i = 0; i < 100; i++) {
        feed(&ce);
        run(10);
    }
    CHECK_EQ(queued(s), TCP_WND / TCP_MSS * TCP_MSS);
    CHECK_EQ(ce.sent, TCP_WND / TCP_MSS * TCP_MSS + TCP_SND_BUF);
    CHECK_EQ(net_send(c, "x", 1, 0, NULL, 0), -NET_EAGAIN);
    CHECK_EQ(net_poll(c), 0 | 0); /* no POLLOUT while the send buffer is full */
    CHECK_EQ(net_poll(s), IN | OUT);
    /* The reader takes 100000 bytes: the window opens by that much, no more (in full
     * segments again). */
    drain(&se, 100000);
    run(500);
    CHECK_EQ(se.rcvd, 100000);
    CHECK_EQ(queued(s), (TCP_WND + 100000) / TCP_MSS * TCP_MSS - 100000);

    /* Both ways at once, each reader taking 8 KiB per 10 ms. */
    for (int i = 0; i < 100000 && !(ce.eof && se.eof); i++) {
        feed(&ce);
        feed(&se);
        drain(&ce, 8192);
        drain(&se, 8192);
        run(10);
    }
    CHECK_EQ(ce.sent, TOTAL);
    CHECK_EQ(se.sent, TOTAL);
    CHECK_EQ(ce.rcvd, TOTAL);
    CHECK_EQ(se.rcvd, TOTAL);
    CHECK_EQ(ce.bad_at, -1);
    CHECK_EQ(se.bad_at, -1);
    CHECK_EQ(ce.eof, 1);
    CHECK_EQ(se.eof, 1);
    CHECK_EQ(net_poll(c), IN | OUT | RDHUP | HUP);
    CHECK_EQ(net_send(c, "x", 1, 0, NULL, 0), -NET_EPIPE);
    net_close(c);
    net_close(s);
    teardown();
}

/* shutdown(SHUT_WR): the peer reads the end and may still send; every poll bit on the way. */
TEST_CASE(tcp_half_close)
{
    setup();
    struct net_sockaddr_in a = sin4(127, 0, 0, 1, 5001);
    struct net_sock *l, *c, *s;
    pair(&a, &l, &c, &s);
    CHECK_EQ(net_send(c, "data", 4, 0, NULL, 0), 4);
    CHECK_EQ(net_shutdown(c, NET_SHUT_WR), 0);
    CHECK_EQ(net_poll(c), OUT);
    CHECK_EQ(net_send(c, "x", 1, 0, NULL, 0), -NET_EPIPE);
    run(10);
    CHECK_EQ(net_poll(s), IN | OUT | RDHUP);
    char buf[16];
    CHECK_EQ(net_recv(s, buf, sizeof buf, 0, NULL, NULL), 4);
    CHECK_EQ(memcmp(buf, "data", 4), 0);
    CHECK_EQ(net_recv(s, buf, sizeof buf, 0, NULL, NULL), 0);
    CHECK_EQ(net_recv(s, buf, sizeof buf, 0, NULL, NULL), 0);
    CHECK_EQ(net_send(s, "late", 4, 0, NULL, 0), 4);
    run(10);
    CHECK_EQ(net_recv(c, buf, sizeof buf, 0, NULL, NULL), 4);
    CHECK_EQ(memcmp(buf, "late", 4), 0);
    CHECK_EQ(net_recv(c, buf, sizeof buf, 0, NULL, NULL), -NET_EAGAIN);
    CHECK_EQ(net_shutdown(s, NET_SHUT_WR), 0);
    CHECK_EQ(net_poll(s), IN | OUT | RDHUP | HUP);
    run(10);
    CHECK_EQ(net_poll(c), IN | OUT | RDHUP | HUP);
    CHECK_EQ(net_recv(c, buf, sizeof buf, 0, NULL, NULL), 0);
    net_close(c);
    net_close(s);
    net_close(l);
    teardown();
}

/* ---- Resets ---- */

TEST_CASE(tcp_refused)
{
    setup();
    struct net_sockaddr_in lo = sin4(127, 0, 0, 1, 5999), far = sin4(10, 0, 0, 2, 5999);
    struct net_sock *c = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_connect(c, &lo, sizeof lo), -NET_EINPROGRESS);
    run(10);
    CHECK_EQ(net_poll(c), IN | OUT | ERR | HUP | RDHUP);
    CHECK_EQ(net_connect(c, &lo, sizeof lo), -NET_ECONNREFUSED);
    CHECK_EQ(net_poll(c), IN | OUT | HUP | RDHUP);
    /* it may try again (the same port, still claimed) */
    uint16_t p = local_port(c);
    CHECK_EQ(net_connect(c, &far, sizeof far), -NET_EINPROGRESS);
    CHECK_EQ(local_port(c), p);
    run(10);
    int v = 0;
    uint32_t vl = sizeof v;
    CHECK_EQ(net_getsockopt(c, NET_SOL_SOCKET, NET_SO_ERROR, &v, &vl), 0);
    CHECK_EQ(v, NET_ECONNREFUSED);
    CHECK_EQ(net_connect(c, &far, sizeof far), -NET_ECONNABORTED); /* SO_ERROR took it */
    net_close(c);
    teardown();
}

TEST_CASE(tcp_reset_by_abort)
{
    setup();
    struct net_sockaddr_in a = sin4(10, 0, 0, 2, 5002);
    struct net_sock *l = sock(NET_AF_INET, NET_SOCK_STREAM),
                    *c = sock(NET_AF_INET, NET_SOCK_STREAM), *s;
    CHECK_EQ(net_bind(l, &a, sizeof a), 0);
    CHECK_EQ(net_listen(l, 2), 0);
    CHECK_EQ(net_connect(c, &a, sizeof a), -NET_EINPROGRESS);
    run(10);
    CHECK_EQ(net_accept(l, &s, NULL, NULL), 0);
    CHECK_EQ(net_send(c, "unread", 6, 0, NULL, 0), 6);
    run(10);
    struct net_linger lg = {1, 0};
    CHECK_EQ(net_setsockopt(s, NET_SOL_SOCKET, NET_SO_LINGER, &lg, sizeof lg), 0);
    net_close(s); /* RST */
    run(10);
    CHECK_EQ(net_poll(c), IN | OUT | ERR | HUP | RDHUP);
    CHECK_EQ(net_send(c, "x", 1, 0, NULL, 0), -NET_ECONNRESET);
    CHECK_EQ(net_send(c, "x", 1, 0, NULL, 0), -NET_EPIPE);
    char buf[8];
    CHECK_EQ(net_recv(c, buf, sizeof buf, 0, NULL, NULL), 0);
    uint32_t len = sizeof a;
    CHECK_EQ(net_getpeername(c, &a, &len), -NET_ENOTCONN);
    net_close(c);

    /* Closing with unread data resets too (Linux), the reader sees ECONNRESET from recv. */
    c = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_connect(c, &a, sizeof a), -NET_EINPROGRESS);
    run(10);
    CHECK_EQ(net_accept(l, &s, NULL, NULL), 0);
    CHECK_EQ(net_send(c, "unread", 6, 0, NULL, 0), 6);
    run(10);
    net_close(s);
    run(10);
    CHECK_EQ(net_recv(c, buf, sizeof buf, 0, NULL, NULL), -NET_ECONNRESET);
    CHECK_EQ(net_recv(c, buf, sizeof buf, 0, NULL, NULL), 0);
    net_close(c);

    /* A listener closed with a connection not yet accepted resets it. */
    c = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_connect(c, &a, sizeof a), -NET_EINPROGRESS);
    run(10);
    CHECK_EQ(net_poll(l), IN);
    net_close(l);
    run(10);
    CHECK_EQ(net_recv(c, buf, sizeof buf, 0, NULL, NULL), -NET_ECONNRESET);
    net_close(c);
    teardown();
}

/* ---- Ports: in use, refused claims, ephemeral ones claimed and released ---- */

TEST_CASE(ports_in_use_and_claims)
{
    setup();
    struct net_sockaddr_in a = sin4(127, 0, 0, 1, 6000), any = sin4(0, 0, 0, 0, 6000);
    struct net_sock *s1 = sock(NET_AF_INET, NET_SOCK_STREAM),
                    *s2 = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_bind(s1, &a, sizeof a), 0);
    CHECK_EQ(net_bind(s2, &a, sizeof a), -NET_EADDRINUSE);
    CHECK_EQ(net_bind(s2, &any, sizeof any), -NET_EADDRINUSE);
    CHECK_EQ(held_count(), 1); /* the refused binds gave their claims back */
    struct net_sock *u = sock(NET_AF_INET, NET_SOCK_DGRAM);
    CHECK_EQ(net_bind(u, &a, sizeof a), 0); /* UDP's 6000 is another port */
    CHECK_EQ(held_count(), 2);

    refuse_port = 6001; /* another process holds it: the embedder says no */
    struct net_sockaddr_in b = sin4(127, 0, 0, 1, 6001);
    unsigned tried = claims_tried;
    CHECK_EQ(net_bind(s2, &b, sizeof b), -NET_EADDRINUSE);
    CHECK_EQ(claims_tried - tried, 1);
    CHECK_EQ(held_count(), 2);
    refuse_port = 0;

    /* Below 1024, for a caller that may not (not root): EACCES once the address is checked,
     * and nothing claimed or bound. */
    struct net_sockaddr_in low = sin4(127, 0, 0, 1, 80), far = sin4(10, 9, 9, 9, 80);
    tried = claims_tried;
    CHECK_EQ(net_bind_as(s2, &low, sizeof low, false), -NET_EACCES);
    CHECK_EQ(net_bind_as(s2, &far, sizeof far, false), -NET_EADDRNOTAVAIL);
    CHECK_EQ(net_bind_as(s2, &low, 3, false), -NET_EINVAL);
    CHECK_EQ(claims_tried, tried);
    CHECK_EQ(held_count(), 2);

    /* The ephemeral search moves on past refused claims, one port at a time. */
    refuse_next = 3;
    tried = claims_tried;
    struct net_sockaddr_in z = sin4(127, 0, 0, 1, 0);
    CHECK_EQ(net_bind(s2, &z, sizeof z), 0);
    CHECK_EQ(claims_tried - tried, 4);
    uint16_t p = local_port(s2);
    CHECK_MSG(p >= NET_EPHEMERAL_LO && p <= NET_EPHEMERAL_HI, "port %u", p);
    struct net_sock *s3 = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_bind(s3, &z, sizeof z), 0);
    CHECK_EQ(local_port(s3), p == NET_EPHEMERAL_HI ? NET_EPHEMERAL_LO : p + 1);

    /* A closed listener's port is free at once; SO_REUSEADDR binds past a TIME-WAIT. */
    unsigned rel = releases;
    net_close(s3);
    CHECK_EQ(releases - rel, 1);
    CHECK_EQ(net_listen(s1, 1), 0);
    struct net_sock *c = sock(NET_AF_INET, NET_SOCK_STREAM), *s;
    CHECK_EQ(net_connect(c, &a, sizeof a), -NET_EINPROGRESS);
    run(10);
    CHECK_EQ(net_accept(s1, &s, NULL, NULL), 0);
    net_close(s); /* the server closes first: its end goes to TIME-WAIT on 6000 */
    run(10);
    net_close(c);
    run(10);
    net_close(s1);
    CHECK_MSG(find_claim(NET_IPPROTO_TCP, NET_AF_INET, a.sin_addr, 6000) != NULL, "no TIME-WAIT");
    struct net_sock *s4 = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_bind(s4, &a, sizeof a), -NET_EADDRINUSE);
    int one = 1;
    CHECK_EQ(net_setsockopt(s4, NET_SOL_SOCKET, NET_SO_REUSEADDR, &one, sizeof one), 0);
    CHECK_EQ(net_bind(s4, &a, sizeof a), 0);
    net_close(s4);
    net_close(s2);
    net_close(u);
    teardown();
    CHECK_EQ(find_claim(NET_IPPROTO_TCP, NET_AF_INET, a.sin_addr, 6000) == NULL, 1);
}

/* ---- The backlog: listen(1) keeps two connections, a third waits in SYN_SENT ---- */

TEST_CASE(tcp_backlog_full)
{
    setup();
    struct net_sockaddr_in a = sin4(10, 0, 0, 2, 6100);
    struct net_sock *l = sock(NET_AF_INET, NET_SOCK_STREAM), *c[3], *s[3];
    CHECK_EQ(net_bind(l, &a, sizeof a), 0);
    CHECK_EQ(net_listen(l, 1), 0);
    for (int i = 0; i < 3; i++) {
        c[i] = sock(NET_AF_INET, NET_SOCK_STREAM);
        CHECK_EQ(net_connect(c[i], &a, sizeof a), -NET_EINPROGRESS);
        run(10);
    }
    CHECK_EQ(net_poll(c[0]), OUT);
    CHECK_EQ(net_poll(c[1]), OUT);
    CHECK_EQ(net_poll(c[2]), 0); /* its SYN was dropped */
    CHECK_EQ(net_accept(l, &s[0], NULL, NULL), 0);
    CHECK_EQ(net_accept(l, &s[1], NULL, NULL), 0);
    CHECK_EQ(net_accept(l, &s[2], NULL, NULL), -NET_EAGAIN);
    run(10000); /* the SYN again, after lwIP's retransmission timeout */
    CHECK_EQ(net_poll(c[2]), OUT);
    CHECK_EQ(net_accept(l, &s[2], NULL, NULL), 0);
    for (int i = 0; i < 3; i++) {
        net_close(c[i]);
        net_close(s[i]);
    }
    net_close(l);
    teardown();
}

/* ---- UDP ---- */

TEST_CASE(udp_datagrams_boundaries_truncation)
{
    setup();
    struct net_sockaddr_in a = sin4(127, 0, 0, 1, 7000), b = sin4(10, 0, 0, 2, 7001);
    struct net_sock *r = sock(NET_AF_INET, NET_SOCK_DGRAM), *t = sock(NET_AF_INET, NET_SOCK_DGRAM);
    CHECK_EQ(net_bind(r, &a, sizeof a), 0);
    static uint8_t d[3000], got[3000];
    for (int i = 0; i < 3000; i++)
        d[i] = (uint8_t)(i * 7 + 3);
    CHECK_EQ(net_send(t, d, 100, 0, &a, sizeof a), 100);
    CHECK_EQ(net_send(t, d + 100, 2000, 0, &a, sizeof a), 2000);
    CHECK_EQ(net_send(t, d + 2100, 1, 0, &a, sizeof a), 1);
    CHECK_EQ(net_poll(r), OUT);
    run(10);
    CHECK_EQ(net_poll(r), IN | OUT);
    struct net_sockaddr_in from;
    uint32_t flen = sizeof from;
    int mf = -1;
    struct net_iov v = {got, 50};
    CHECK_EQ(net_recvmsg(r, &v, 1, 0, &from, &flen, &mf), 50);
    CHECK_EQ(mf, NET_MSG_TRUNC);
    CHECK_EQ(memcmp(got, d, 50), 0);
    CHECK_EQ(from.sin_addr, a.sin_addr);
    CHECK_EQ(port_of(&from), local_port(t));
    v.len = 3000;
    CHECK_EQ(net_recvmsg(r, &v, 1, NET_MSG_PEEK, NULL, NULL, &mf), 2000);
    CHECK_EQ(mf, 0);
    v.len = 10;
    CHECK_EQ(net_recvmsg(r, &v, 1, NET_MSG_TRUNC, NULL, NULL, &mf), 2000);
    CHECK_EQ(mf, NET_MSG_TRUNC);
    CHECK_EQ(memcmp(got, d + 100, 10), 0);
    CHECK_EQ(net_recv(r, got, sizeof got, 0, NULL, NULL), 1);
    CHECK_EQ(got[0], d[2100]);
    CHECK_EQ(net_recv(r, got, sizeof got, 0, NULL, NULL), -NET_EAGAIN);
    CHECK_EQ(net_poll(r), OUT);

    /* Over the wire, to B's address. */
    struct net_sock *rb = sock(NET_AF_INET, NET_SOCK_DGRAM);
    CHECK_EQ(net_bind(rb, &b, sizeof b), 0);
    CHECK_EQ(net_send(t, d, 1000, 0, &b, sizeof b), 1000);
    wire_pump();
    CHECK_EQ(net_recv(rb, got, sizeof got, 0, NULL, NULL), 1000);
    CHECK_EQ(memcmp(got, d, 1000), 0);

    /* Bounds: Linux's EMSGSIZE above what one datagram holds, EACCES for a broadcast. */
    CHECK_EQ(net_send(t, big, 65535, 0, &a, sizeof a), -NET_EMSGSIZE);
    struct net_sockaddr_in bc = sin4(255, 255, 255, 255, 7000);
    CHECK_EQ(net_send(t, d, 10, 0, &bc, sizeof bc), -NET_EACCES);
    struct net_sockaddr_in sb = sin4(10, 0, 0, 255, 7000);
    CHECK_EQ(net_send(t, d, 10, 0, &sb, sizeof sb), -NET_EACCES);
    int one = 1;
    CHECK_EQ(net_setsockopt(t, NET_SOL_SOCKET, NET_SO_BROADCAST, &one, sizeof one), 0);
    CHECK_EQ(net_send(t, d, 10, 0, &sb, sizeof sb), 10); /* routed by A's subnet */

    /* A full queue drops, and counts. */
    struct net_stats st0, st1;
    net_stats(&st0);
    for (int i = 0; i < NET_UDP_QUEUE + 8; i++)
        CHECK_EQ(net_send(t, d, 10, 0, &a, sizeof a), 10);
    run(10);
    net_stats(&st1);
    CHECK_EQ(st1.udp_drops - st0.udp_drops, 8);
    int n = 0;
    while (net_recv(r, got, sizeof got, 0, NULL, NULL) == 10)
        n++;
    CHECK_EQ(n, NET_UDP_QUEUE);
    net_close(r);
    net_close(rb);
    net_close(t);
    teardown();
}

TEST_CASE(udp_connected_filters_sources)
{
    setup();
    struct net_sockaddr_in ra = sin4(127, 0, 0, 1, 7100), pa = sin4(127, 0, 0, 1, 7101);
    struct net_sock *r = sock(NET_AF_INET, NET_SOCK_DGRAM), *p = sock(NET_AF_INET, NET_SOCK_DGRAM),
                    *o = sock(NET_AF_INET, NET_SOCK_DGRAM);
    CHECK_EQ(net_bind(r, &ra, sizeof ra), 0);
    CHECK_EQ(net_bind(p, &pa, sizeof pa), 0);
    CHECK_EQ(net_connect(r, &pa, sizeof pa), 0);
    struct net_sockaddr_in peer;
    uint32_t len = sizeof peer;
    CHECK_EQ(net_getpeername(r, &peer, &len), 0);
    CHECK_EQ(port_of(&peer), 7101);
    CHECK_EQ(net_send(o, "other", 5, 0, &ra, sizeof ra), 5);
    CHECK_EQ(net_send(p, "peer", 4, 0, &ra, sizeof ra), 4);
    run(10);
    char buf[16];
    CHECK_EQ(net_recv(r, buf, sizeof buf, 0, NULL, NULL), 4);
    CHECK_EQ(memcmp(buf, "peer", 4), 0);
    CHECK_EQ(net_recv(r, buf, sizeof buf, 0, NULL, NULL), -NET_EAGAIN);
    CHECK_EQ(net_send(r, "back", 4, 0, NULL, 0), 4); /* to the connected peer */
    run(10);
    CHECK_EQ(net_recv(p, buf, sizeof buf, 0, NULL, NULL), 4);
    CHECK_EQ(memcmp(buf, "back", 4), 0);
    struct net_sockaddr un = {NET_AF_UNSPEC, {0}};
    CHECK_EQ(net_connect(r, &un, sizeof un), 0);
    CHECK_EQ(net_getpeername(r, &peer, &len), -NET_ENOTCONN);
    CHECK_EQ(net_send(o, "other", 5, 0, &ra, sizeof ra), 5);
    run(10);
    CHECK_EQ(net_recv(r, buf, sizeof buf, 0, NULL, NULL), 5);
    CHECK_EQ(net_shutdown(p, NET_SHUT_RDWR), -NET_ENOTCONN);
    CHECK_EQ(net_poll(p), IN | OUT | RDHUP | HUP);
    CHECK_EQ(net_send(p, "x", 1, 0, &ra, sizeof ra), -NET_EPIPE);
    CHECK_EQ(net_recv(p, buf, sizeof buf, 0, NULL, NULL), 0);
    net_close(r);
    net_close(p);
    net_close(o);
    teardown();
}

/* ---- Options ---- */

static unsigned ttl_seen;
static void watch_ttl(const uint8_t *f, unsigned len, bool from_a)
{
    if (from_a && len > 34 && f[12] == 0x08 && f[13] == 0 && f[14 + 9] == 17)
        ttl_seen = f[14 + 8];
}

TEST_CASE(socket_options)
{
    setup();
    struct net_sock *s = sock(NET_AF_INET, NET_SOCK_STREAM), *u = sock(NET_AF_INET, NET_SOCK_DGRAM);
    int v = -1;
    uint32_t len = sizeof v;
#define GET(sk, lv, nm, want)                                                                      \
    do {                                                                                           \
        v = -1, len = sizeof v;                                                                    \
        CHECK_EQ(net_getsockopt(sk, lv, nm, &v, &len), 0);                                         \
        CHECK_EQ(len, sizeof v);                                                                   \
        CHECK_EQ(v, want);                                                                         \
    } while (0)
    GET(s, NET_SOL_SOCKET, NET_SO_TYPE, NET_SOCK_STREAM);
    GET(u, NET_SOL_SOCKET, NET_SO_TYPE, NET_SOCK_DGRAM);
    GET(s, NET_SOL_SOCKET, NET_SO_PROTOCOL, NET_IPPROTO_TCP);
    GET(s, NET_SOL_SOCKET, NET_SO_DOMAIN, NET_AF_INET);
    GET(s, NET_SOL_SOCKET, NET_SO_RCVBUF, TCP_WND);
    GET(s, NET_SOL_SOCKET, NET_SO_SNDBUF, TCP_SND_BUF);
    GET(s, NET_SOL_SOCKET, NET_SO_REUSEADDR, 0);
    GET(s, NET_SOL_SOCKET, NET_SO_KEEPALIVE, 0);
    GET(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, 0);
    GET(s, NET_IPPROTO_TCP, NET_TCP_KEEPIDLE, 7200);
    GET(s, NET_IPPROTO_TCP, NET_TCP_KEEPINTVL, 75);
    GET(s, NET_IPPROTO_TCP, NET_TCP_KEEPCNT, 9);
    GET(s, NET_IPPROTO_TCP, NET_TCP_MAXSEG, 536);
    GET(s, NET_IPPROTO_IP, NET_IP_TTL, 64);
    int one = 1, thirty = 30, five = 5;
    CHECK_EQ(net_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, &one, sizeof one), 0);
    CHECK_EQ(net_setsockopt(s, NET_SOL_SOCKET, NET_SO_KEEPALIVE, &one, sizeof one), 0);
    CHECK_EQ(net_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_KEEPIDLE, &thirty, sizeof thirty), 0);
    CHECK_EQ(net_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_KEEPCNT, &five, sizeof five), 0);
    GET(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, 1);
    GET(s, NET_SOL_SOCKET, NET_SO_KEEPALIVE, 1);
    GET(s, NET_IPPROTO_TCP, NET_TCP_KEEPIDLE, 30);
    GET(s, NET_IPPROTO_TCP, NET_TCP_KEEPCNT, 5);
    struct net_linger lg = {1, 7}, lo = {0, 0};
    CHECK_EQ(net_setsockopt(s, NET_SOL_SOCKET, NET_SO_LINGER, &lg, sizeof lg - 1), -NET_EINVAL);
    CHECK_EQ(net_setsockopt(s, NET_SOL_SOCKET, NET_SO_LINGER, &lg, sizeof lg), 0);
    len = sizeof lo;
    CHECK_EQ(net_getsockopt(s, NET_SOL_SOCKET, NET_SO_LINGER, &lo, &len), 0);
    CHECK_EQ(lo.l_onoff, 1);
    CHECK_EQ(lo.l_linger, 7);
    char small = 0x55;
    len = 1; /* Linux copies what fits */
    CHECK_EQ(net_getsockopt(s, NET_SOL_SOCKET, NET_SO_TYPE, &small, &len), 0);
    CHECK_EQ(len, 1);
    CHECK_EQ(small, NET_SOCK_STREAM);

    /* The accepted connection has the listener's options (keepalive, nodelay, idle time). */
    struct net_sockaddr_in a = sin4(127, 0, 0, 1, 7200);
    CHECK_EQ(net_bind(s, &a, sizeof a), 0);
    CHECK_EQ(net_listen(s, 1), 0);
    struct net_sock *c = sock(NET_AF_INET, NET_SOCK_STREAM), *x;
    CHECK_EQ(net_connect(c, &a, sizeof a), -NET_EINPROGRESS);
    run(10);
    CHECK_EQ(net_accept(s, &x, NULL, NULL), 0);
    GET(x, NET_IPPROTO_TCP, NET_TCP_NODELAY, 1);
    GET(x, NET_IPPROTO_TCP, NET_TCP_KEEPIDLE, 30);
    GET(x, NET_IPPROTO_TCP, NET_TCP_MAXSEG, TCP_MSS);
    GET(s, NET_SOL_SOCKET, NET_SO_ACCEPTCONN, 1);
    GET(x, NET_SOL_SOCKET, NET_SO_ACCEPTCONN, 0);

    /* IP_TTL reaches the wire. */
    int ttl = 5, bad = 256;
    CHECK_EQ(net_setsockopt(u, NET_IPPROTO_IP, NET_IP_TTL, &bad, sizeof bad), -NET_EINVAL);
    uint8_t ttl1 = 7; /* one byte is a value too, as Linux's do_ip_setsockopt reads it */
    CHECK_EQ(net_setsockopt(u, NET_IPPROTO_IP, NET_IP_TTL, &ttl1, 1), 0);
    GET(u, NET_IPPROTO_IP, NET_IP_TTL, 7);
    CHECK_EQ(net_setsockopt(u, NET_IPPROTO_IP, NET_IP_TTL, &ttl1, 0), -NET_EINVAL);
    CHECK_EQ(net_setsockopt(u, NET_IPPROTO_IP, NET_IP_TTL, &ttl, sizeof ttl), 0);
    GET(u, NET_IPPROTO_IP, NET_IP_TTL, 5);
    struct net_sockaddr_in b = sin4(10, 0, 0, 2, 9), from_a = sin4(10, 0, 0, 1, 0);
    CHECK_EQ(net_bind(u, &from_a, sizeof from_a), 0); /* leaves by A (strong-host routing) */
    wire_watch = watch_ttl;
    CHECK_EQ(net_send(u, "t", 1, 0, &b, sizeof b), 1);
    wire_pump();
    wire_watch = NULL;
    CHECK_EQ(ttl_seen, 5);

    /* IPV6_V6ONLY: before bind only. */
    struct net_sock *s6 = sock(NET_AF_INET6, NET_SOCK_DGRAM);
    GET(s6, NET_IPPROTO_IPV6, NET_IPV6_V6ONLY, 0);
    CHECK_EQ(net_setsockopt(s6, NET_IPPROTO_IPV6, NET_IPV6_V6ONLY, &one, sizeof one), 0);
    GET(s6, NET_IPPROTO_IPV6, NET_IPV6_V6ONLY, 1);
    struct net_sockaddr_in6 any6 = {NET_AF_INET6, 0, 0, {0}, 0};
    CHECK_EQ(net_bind(s6, &any6, sizeof any6), 0);
    CHECK_EQ(net_setsockopt(s6, NET_IPPROTO_IPV6, NET_IPV6_V6ONLY, &one, sizeof one), -NET_EINVAL);
    net_close(s6);
    net_close(x);
    net_close(c);
    net_close(s);
    net_close(u);
    teardown();
}

/* ---- IPv6: ::1, and a dual-stack listener taking an IPv4 connection ---- */

TEST_CASE(tcp_ipv6_and_dual_stack)
{
    setup();
    struct net_sockaddr_in6 lo6 = {NET_AF_INET6, (uint16_t)(5100 >> 8 | 5100 << 8), 0, {0}, 0};
    lo6.sin6_addr[15] = 1;
    struct net_sock *l = sock(NET_AF_INET6, NET_SOCK_STREAM),
                    *c = sock(NET_AF_INET6, NET_SOCK_STREAM), *s;
    CHECK_EQ(net_bind(l, &lo6, sizeof lo6), 0);
    CHECK_EQ(net_listen(l, 1), 0);
    CHECK_EQ(net_connect(c, &lo6, sizeof lo6), -NET_EINPROGRESS);
    run(10);
    CHECK_EQ(net_connect(c, &lo6, sizeof lo6), 0);
    struct net_sockaddr_in6 peer;
    uint32_t len = sizeof peer;
    CHECK_EQ(net_accept(l, &s, &peer, &len), 0);
    CHECK_EQ(len, sizeof peer);
    CHECK_EQ(peer.sin6_family, NET_AF_INET6);
    CHECK_EQ(memcmp(peer.sin6_addr, lo6.sin6_addr, 16), 0);
    CHECK_EQ(net_send(c, "six", 3, 0, NULL, 0), 3);
    run(10);
    char buf[8];
    CHECK_EQ(net_recv(s, buf, sizeof buf, 0, NULL, NULL), 3);
    CHECK_EQ(memcmp(buf, "six", 3), 0);
    net_close(s);
    net_close(c);
    net_close(l);

    /* :: without V6ONLY: both families claimed, an IPv4 peer seen as ::ffff:127.0.0.1 */
    struct net_sockaddr_in6 any6 = {NET_AF_INET6, (uint16_t)(5200 >> 8 | 5200 << 8), 0, {0}, 0};
    l = sock(NET_AF_INET6, NET_SOCK_STREAM);
    CHECK_EQ(net_bind(l, &any6, sizeof any6), 0);
    CHECK_MSG(find_claim(NET_IPPROTO_TCP, NET_AF_INET, 0, 5200) != NULL, "no IPv4 claim");
    CHECK_MSG(find_claim(NET_IPPROTO_TCP, NET_AF_INET6, 0, 5200) != NULL, "no IPv6 claim");
    CHECK_EQ(net_listen(l, 1), 0);
    struct net_sockaddr_in a = sin4(127, 0, 0, 1, 5200);
    c = sock(NET_AF_INET, NET_SOCK_STREAM);
    CHECK_EQ(net_connect(c, &a, sizeof a), -NET_EINPROGRESS);
    run(10);
    len = sizeof peer;
    CHECK_EQ(net_accept(l, &s, &peer, &len), 0);
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    CHECK_EQ(memcmp(peer.sin6_addr, mapped, 16), 0);
    CHECK_EQ(port_of(&peer), local_port(c));
    net_close(s);
    net_close(c);
    net_close(l);
    teardown();
}
