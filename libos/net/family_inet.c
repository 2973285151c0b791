/*
 * family_inet.c: AF_INET and AF_INET6 as file-layer socket families (fs/sock.h) over the socket
 * engine (net/inet.h), in pm: every process's TCP/IP sockets live in pm's one lwIP. The engine
 * never blocks; what would block becomes fs_sock_block on the socket (the owner waits on pm's
 * wake and calls again), and the engine's ready hook becomes fs_ready. The hook runs inside
 * lwIP's callbacks, where nothing may call back into the engine (epoll's fs_ready asks the
 * family's poll), so it only marks the socket; inet_flush reports the marks once lwIP is done:
 * after each operation here and after each turn of pm's loop (pm_net.c). Each operation also
 * runs the loopback netif's queue, so a send to 127.0.0.1 is delivered (and acknowledged)
 * before the call returns, with no turn of pm's loop in between.
 */
#include <fs/sock.h>
#include <net/inet.h>
#include <net/pm_net.h>

#include "lwip/netif.h"

#include <stdbool.h>

/* A socket of pm's stack as the file layer sees it: the fs_sock first (its address is the
 * object waits and epoll name). */
struct inet_sock {
    struct fs_sock s;
    struct net_sock *ns;
    bool used, marked;
};

static struct inet_sock socks[NET_SOCKS_MAX];
static bool any_marked;

#define I(s) ((struct inet_sock *)(s))
#define FIONREAD 0x541b /* SIOCINQ */

void inet_ready_hook(void *ctx, struct net_sock *s, void *cookie)
{
    (void)ctx;
    (void)s;
    struct inet_sock *w = cookie;
    if (w && w->used) {
        w->marked = true;
        any_marked = true;
    }
}

void inet_flush(void)
{
    netif_poll_all(); /* the loopback netif's packets, and whatever they answer */
    while (any_marked) {
        any_marked = false;
        for (unsigned i = 0; i < NET_SOCKS_MAX; i++)
            if (socks[i].used && socks[i].marked) {
                socks[i].marked = false;
                fs_ready(&socks[i].s, 0);
            }
    }
}

static long done(long r)
{
    inet_flush();
    return r;
}

static struct inet_sock *wrap(const struct fs_sock_family *f, struct net_sock *ns, int type,
                              int protocol)
{
    for (unsigned i = 0; i < NET_SOCKS_MAX; i++)
        if (!socks[i].used) {
            struct inet_sock *w = &socks[i];
            *w = (struct inet_sock){.ns = ns, .used = true};
            fs_sock_init(&w->s, f, type, protocol);
            net_set_cookie(ns, w);
            return w;
        }
    return NULL;
}

static long create(const struct fs_sock_family *f, int domain, int type, int protocol,
                   struct fs_sock **out)
{
    struct net_sock *ns;
    int r = net_socket(domain, type, protocol, &ns);
    if (r < 0)
        return r;
    struct inet_sock *w = wrap(f, ns, type, protocol);
    if (!w) {
        net_close(ns);
        return done(-NET_ENFILE);
    }
    *out = &w->s;
    return 0;
}

extern const struct fs_sock_family fs_inet_family, fs_inet6_family;

static long create4(struct fs_proc *p, int type, int protocol, struct fs_sock **out)
{
    (void)p;
    return create(&fs_inet_family, NET_AF_INET, type, protocol, out);
}

static long create6(struct fs_proc *p, int type, int protocol, struct fs_sock **out)
{
    (void)p;
    return create(&fs_inet6_family, NET_AF_INET6, type, protocol, out);
}

/* A port below 1024 is root's (the effective user's, as Linux asks for CAP_NET_BIND_SERVICE):
 * every process shares pm's stack, so without the rule any user could take the SSH port. */
static long inet_bind(struct fs_proc *p, struct fs_sock *s, const void *addr, uint32_t len)
{
    return done(net_bind_as(I(s)->ns, addr, len, p->cred.euid == 0));
}

static long inet_listen(struct fs_proc *p, struct fs_sock *s, int backlog)
{
    (void)p;
    return done(net_listen(I(s)->ns, backlog));
}

static long inet_accept(struct fs_proc *p, struct fs_sock *s, int nonblock, struct fs_sock **out)
{
    struct net_sock *c;
    int r = net_accept(I(s)->ns, &c, NULL, NULL);
    if (r == -NET_EAGAIN)
        return done(fs_sock_block(p, s, nonblock));
    if (r < 0)
        return done(r);
    struct inet_sock *w = wrap(s->fam, c, s->type, s->protocol);
    if (!w) {
        net_close(c); /* the peer sees a reset, as for a full table on Linux's side */
        return done(-NET_ENFILE);
    }
    *out = &w->s;
    return done(0);
}

static long inet_connect(struct fs_proc *p, struct fs_sock *s, const void *addr, uint32_t len,
                         int nonblock)
{
    int r = net_connect(I(s)->ns, addr, len);
    if ((r == -NET_EINPROGRESS || r == -NET_EALREADY) && !nonblock) {
        inet_flush(); /* (a loopback SYN is answered here already) */
        r = net_connect(I(s)->ns, addr, len);
        if (r == -NET_EALREADY || r == -NET_EINPROGRESS)
            return done(fs_sock_block(p, s, 0)); /* again after the wake: 0 or the error */
    }
    return done(r);
}

static long inet_sendmsg(struct fs_proc *p, struct fs_sock *s, const struct fs_msg *m, int flags,
                         int nonblock, int *sigpipe)
{
    struct net_iov iov = {m->data, m->len};
    long r = net_sendmsg(I(s)->ns, &iov, 1, flags & ~NET_MSG_DONTWAIT, m->namelen ? m->name : NULL,
                         m->namelen);
    if (r == -NET_EAGAIN)
        return done(fs_sock_block(p, s, nonblock));
    if (r == -NET_EPIPE)
        *sigpipe = 1;
    return done(r);
}

static long inet_recvmsg(struct fs_proc *p, struct fs_sock *s, struct fs_msg *m, int flags,
                         int nonblock)
{
    struct net_iov iov = {m->data, m->len};
    int mflags = 0;
    uint32_t namelen = m->namelen;
    long r = net_recvmsg(I(s)->ns, &iov, 1, flags & (NET_MSG_PEEK | NET_MSG_TRUNC),
                         m->name && namelen ? m->name : NULL, &namelen, &mflags);
    if (r == -NET_EAGAIN)
        return done(fs_sock_block(p, s, nonblock));
    if (r >= 0) {
        m->namelen = m->name ? namelen : 0;
        m->controllen = 0;
        m->flags = mflags;
    }
    return done(r);
}

static long inet_shutdown(struct fs_proc *p, struct fs_sock *s, int how)
{
    (void)p;
    return done(net_shutdown(I(s)->ns, how));
}

static long inet_setsockopt(struct fs_sock *s, int level, int name, const void *val, uint32_t len)
{
    return done(net_setsockopt(I(s)->ns, level, name, val, len));
}

static long inet_getsockopt(struct fs_sock *s, int level, int name, void *val, uint32_t *len)
{
    return done(net_getsockopt(I(s)->ns, level, name, val, len));
}

static long inet_getname(struct fs_sock *s, int peer, void *addr, uint32_t *len)
{
    return peer ? net_getpeername(I(s)->ns, addr, len) : net_getsockname(I(s)->ns, addr, len);
}

static unsigned inet_poll(struct fs_sock *s)
{
    return net_poll(I(s)->ns);
}

static long inet_ioctl(struct fs_sock *s, unsigned long req, void *arg)
{
    if (req != FIONREAD)
        return -FS_ENOTTY;
    long n = net_inq(I(s)->ns);
    if (n < 0)
        return n;
    int v = n > 0x7fffffff ? 0x7fffffff : (int)n;
    __builtin_memcpy(arg, &v, sizeof v);
    return 0;
}

static void inet_close(struct fs_sock *s)
{
    struct inet_sock *w = I(s);
    net_close(w->ns); /* the engine reports nothing of it any more */
    w->used = w->marked = false;
    w->ns = NULL;
    inet_flush();
}

#define OPS                                                                                        \
    .bind = inet_bind, .listen = inet_listen, .accept = inet_accept, .connect = inet_connect,      \
    .sendmsg = inet_sendmsg, .recvmsg = inet_recvmsg, .shutdown = inet_shutdown,                   \
    .setsockopt = inet_setsockopt, .getsockopt = inet_getsockopt, .getname = inet_getname,         \
    .poll = inet_poll, .ioctl = inet_ioctl, .close = inet_close

const struct fs_sock_family fs_inet_family = {.domain = FS_AF_INET, .create = create4, OPS};
const struct fs_sock_family fs_inet6_family = {.domain = FS_AF_INET6, .create = create6, OPS};
