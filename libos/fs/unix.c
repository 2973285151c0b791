/*
 * unix.c: the AF_UNIX family (sock.h's interface, registered from the start): stream, datagram
 * and seqpacket sockets between any processes, since the file layer holds every process's
 * sockets. Each socket has a receive queue of messages (one per send: a datagram or record, or
 * a piece of a stream; bytes in pages), a peer (the connected end, or a datagram socket's
 * destination; referenced, so a closed peer stays until its last pointer goes) and shutdown
 * bits, as Linux's net/unix/af_unix.c keeps them:
 *   - connect to a listener makes the server's end at once (the connection is established
 *     before accept, data may flow), queued at the listener; more than `backlog` + 1 waiting
 *     makes the connector wait (EAGAIN when non-blocking); accept takes the oldest.
 *   - a stream send puts what fits (UNIX_STREAM_CAP per receiver) and returns the count; a
 *     datagram or record goes whole or waits (UNIX_DGRAM_QLEN datagrams from others, or
 *     UNIX_DGRAM_CAP bytes, at one receiver); larger than SO_SNDBUF - 32 is EMSGSIZE. Both
 *     are capped by pm's memory the queued messages hold too (UNIX_MEM_CAP), which only
 *     many small messages reach.
 *   - closing one end of a connection shuts both directions of the other (EOF after the queued
 *     bytes, EPIPE with SIGPIPE on send, POLLHUP), ECONNRESET first if it left bytes unread;
 *     closing a listener resets the connections nobody accepted. A datagram socket whose
 *     destination closed gets ECONNREFUSED at its next send, and is disconnected.
 * Readiness: fs_ready(socket, events) on every change of a socket's poll bits; a sender that
 * waits for room waits on its own socket (stream) or on the receiver's (datagram), which the
 * reader's dequeue wakes.
 */
#include "unix.h"

struct unix_sock *unix_all;

#define IN_READY (FS_POLLIN | FS_POLLRDNORM)
#define OUT_READY (FS_POLLOUT | FS_POLLWRNORM | FS_POLLWRBAND)
#define NOBODY 65534 /* overflowuid/gid: SO_PEERCRED with no peer */

static int connected_type(const struct unix_sock *u)
{
    return u->s.type == FS_SOCK_STREAM || u->s.type == FS_SOCK_SEQPACKET;
}

static struct fs_ucred cred_of(const struct fs_proc *p)
{
    return (struct fs_ucred){p->pid, p->cred.euid, p->cred.egid};
}

static struct unix_sock *unix_new(struct fs_proc *p, int type, int protocol)
{
    struct unix_sock *u = fs_alloc(sizeof *u);
    if (!u)
        return NULL;
    fs_sock_init(&u->s, &fs_unix_family, type, protocol);
    u->refs = 1;
    u->cred = cred_of(p);
    u->peercred = (struct fs_ucred){0, NOBODY, NOBODY};
    u->all_next = unix_all;
    if (unix_all)
        unix_all->all_prev = u;
    unix_all = u;
    return u;
}

void unix_put(struct unix_sock *u)
{
    if (u && --u->refs == 0)
        fs_free(u, sizeof *u);
}

static void set_peer(struct unix_sock *u, struct unix_sock *peer)
{
    if (peer)
        peer->refs++;
    unix_put(u->peer);
    u->peer = peer;
}

/* --- messages -------------------------------------------------------------------------------- */

static uint64_t msg_size(uint32_t npages)
{
    return sizeof(struct unix_msg) + npages * sizeof(uint8_t *);
}

void unix_msg_free(struct unix_msg *m)
{
    if (m->fds)
        unix_fd_msgs--;
    for (uint32_t i = 0; i < m->npages; i++)
        fs_free(m->page[i], FS_PAGE);
    unix_addr_put(m->from);
    unix_rights_put(m->fds);
    fs_free(m, msg_size(m->npages));
}

/* A message of len bytes from buf, or NULL (no memory). */
static struct unix_msg *msg_new(const void *buf, uint64_t len)
{
    uint32_t np = (uint32_t)((len + FS_PAGE - 1) / FS_PAGE);
    struct unix_msg *m = fs_alloc(msg_size(np));
    if (!m)
        return NULL;
    for (; m->npages < np; m->npages++)
        if (!(m->page[m->npages] = fs_alloc(FS_PAGE))) {
            unix_msg_free(m);
            return NULL;
        }
    m->len = (uint32_t)len;
    for (uint64_t done = 0; done < len; done += FS_PAGE)
        fs_memcpy(m->page[done / FS_PAGE], (const uint8_t *)buf + done,
                  len - done < FS_PAGE ? len - done : FS_PAGE);
    return m;
}

/* n bytes of m from offset at into buf. */
static void msg_read(const struct unix_msg *m, uint64_t at, void *buf, uint64_t n)
{
    for (uint64_t done = 0; done < n;) {
        uint64_t o = at + done, k = FS_PAGE - o % FS_PAGE;
        if (k > n - done)
            k = n - done;
        fs_memcpy((uint8_t *)buf + done, m->page[o / FS_PAGE] + o % FS_PAGE, k);
        done += k;
    }
}

/* What a message of len bytes holds of pm's memory (its descriptors not counted: checked
 * before they are taken, they overshoot the cap by one message at most). */
static uint64_t charge_of(uint64_t len)
{
    uint32_t np = (uint32_t)((len + FS_PAGE - 1) / FS_PAGE);
    return msg_size(np) + (uint64_t)np * FS_PAGE;
}

static void enqueue(struct unix_sock *r, struct unix_msg *m)
{
    m->charge = (uint32_t)(charge_of(m->len) + (m->fds ? sizeof *m->fds : 0));
    unix_fd_msgs += m->fds != NULL;
    r->mem += m->charge;
    if (r->tail)
        r->tail->next = m;
    else
        r->head = m;
    r->tail = m;
    r->bytes += m->len;
    if (r->s.type != FS_SOCK_STREAM)
        r->count++;
    fs_ready(r, IN_READY);
}

static struct unix_msg *dequeue(struct unix_sock *r)
{
    struct unix_msg *m = r->head;
    r->head = m->next;
    if (!r->head)
        r->tail = NULL;
    r->bytes -= m->len - m->off;
    r->mem -= m->charge;
    if (r->s.type != FS_SOCK_STREAM)
        r->count--;
    return m;
}

/* Can w send a datagram to r now? (Linux: r's queue is full for others past its max_dgram_qlen,
 * and w's own send buffer limits it, for which r's queued bytes stand here.) */
static int dgram_full(const struct unix_sock *r, const struct unix_sock *w, uint64_t len)
{
    return r->bytes + len > UNIX_DGRAM_CAP || r->mem + charge_of(len) > UNIX_MEM_CAP ||
           (r->peer != w && r->count > UNIX_DGRAM_QLEN);
}

/* Is a stream socket's receive queue full (its bytes, or the memory its messages hold)? */
static int stream_full(const struct unix_sock *r)
{
    return r->bytes >= UNIX_STREAM_CAP || r->mem >= UNIX_MEM_CAP;
}

/* r's queue shrank: whoever waits to send to it may go on (a stream's writer waits on its own
 * socket, a datagram's on r; a datagram socket connected to r becomes writable). */
static void room_made(struct unix_sock *r, int was_full)
{
    if (r->s.type == FS_SOCK_STREAM) {
        if (r->peer)
            fs_ready(r->peer, OUT_READY);
        return;
    }
    if (!was_full)
        return;
    fs_wake(r);
    for (struct unix_sock *w = unix_all; w; w = w->all_next)
        if (w->peer == r)
            fs_ready(w, OUT_READY);
}

/* --- life ---------------------------------------------------------------------------------- */

static long unix_create(struct fs_proc *p, int type, int protocol, struct fs_sock **out)
{
    if (protocol != 0 && protocol != FS_AF_UNIX)
        return -FS_EPROTONOSUPPORT;
    if (type == FS_SOCK_RAW)
        type = FS_SOCK_DGRAM; /* as Linux */
    if (type != FS_SOCK_STREAM && type != FS_SOCK_DGRAM && type != FS_SOCK_SEQPACKET)
        return -FS_ESOCKTNOSUPPORT;
    struct unix_sock *u = unix_new(p, type, protocol);
    if (!u)
        return -FS_ENOMEM;
    *out = &u->s;
    return 0;
}

static long unix_pair(struct fs_proc *p, struct fs_sock *a, struct fs_sock *b)
{
    struct unix_sock *ua = U(a), *ub = U(b);
    set_peer(ua, ub);
    set_peer(ub, ua);
    ua->state = ub->state = UNIX_CONNECTED;
    ua->peercred = ub->peercred = cred_of(p);
    return 0;
}

/* The end of u: its peer hears of it, its queue and name go. embryo: a connection nobody
 * accepted (its peer is reset, as Linux's). */
static void release(struct unix_sock *u, int embryo)
{
    u->dead = 1;
    if (u->all_prev)
        u->all_prev->all_next = u->all_next;
    else
        unix_all = u->all_next;
    if (u->all_next)
        u->all_next->all_prev = u->all_prev;
    u->all_next = u->all_prev = NULL;
    int unread = u->head != NULL || u->acc_head != NULL;
    while (u->acc_head) { /* a listener's waiting connections */
        struct unix_sock *e = u->acc_head;
        u->acc_head = e->acc_next;
        release(e, 1);
        unix_put(e);
    }
    u->acc_tail = NULL;
    u->acc_count = 0;
    struct unix_sock *peer = u->peer;
    if (peer && connected_type(u)) {
        peer->shut = RCV_SHUT | SEND_SHUT;
        if (unread || embryo)
            peer->err = FS_ECONNRESET;
        fs_ready(peer, 0);
    }
    set_peer(u, NULL);
    while (u->head)
        unix_msg_free(dequeue(u));
    if (!connected_type(u)) /* senders waiting on it, and sockets connected to it */
        room_made(u, 1);
    unix_unbind(u);
    fs_ready(u, 0);
}

static void unix_close(struct fs_sock *s)
{
    struct unix_sock *u = U(s);
    release(u, 0);
    unix_put(u);
    unix_gc(); /* a cycle of descriptors in flight may have lost its last way in */
}

/* --- connections --------------------------------------------------------------------------- */

static long unix_listen(struct fs_proc *p, struct fs_sock *s, int backlog)
{
    struct unix_sock *u = U(s);
    if (!connected_type(u))
        return -FS_EOPNOTSUPP;
    if (!u->addr || u->state == UNIX_CONNECTED)
        return -FS_EINVAL;
    u->state = UNIX_LISTEN;
    u->backlog = (uint32_t)backlog;
    u->cred = cred_of(p); /* what its clients' SO_PEERCRED will say */
    fs_wake(u);           /* a longer backlog lets waiting connectors in */
    return 0;
}

static long unix_accept(struct fs_proc *p, struct fs_sock *s, int nonblock, struct fs_sock **out)
{
    struct unix_sock *u = U(s);
    if (!connected_type(u))
        return -FS_EOPNOTSUPP;
    if (u->state != UNIX_LISTEN)
        return -FS_EINVAL;
    struct unix_sock *e = u->acc_head;
    if (!e)
        return fs_sock_block(p, u, nonblock);
    if (!(u->acc_head = e->acc_next))
        u->acc_tail = NULL;
    e->acc_next = NULL;
    u->acc_count--;
    fs_wake(u); /* room for a waiting connector */
    *out = &e->s;
    return 0;
}

static long connect_dgram(struct fs_proc *p, struct unix_sock *u, const void *addr, uint32_t len)
{
    uint16_t family;
    if (len < sizeof family)
        return -FS_EINVAL;
    fs_memcpy(&family, addr, sizeof family);
    if (family == FS_AF_UNSPEC) { /* disconnect */
        set_peer(u, NULL);
        u->state = UNIX_FREE;
        return 0;
    }
    struct unix_sock *o;
    long r = unix_find(p, addr, len, u->s.type, &o);
    if (r < 0)
        return r;
    if (o->peer && o->peer != u)
        return -FS_EPERM; /* it is connected to another: it would not take ours */
    set_peer(u, o);
    u->state = UNIX_CONNECTED;
    fs_ready(u, OUT_READY);
    return 0;
}

static long unix_connect(struct fs_proc *p, struct fs_sock *s, const void *addr, uint32_t len,
                         int nonblock)
{
    struct unix_sock *u = U(s);
    if (!connected_type(u))
        return connect_dgram(p, u, addr, len);
    long r = unix_addr_check(addr, len);
    if (r < 0)
        return r;
    if (u->state == UNIX_CONNECTED)
        return -FS_EISCONN;
    if (u->state == UNIX_LISTEN)
        return -FS_EINVAL;
    struct unix_sock *o;
    if ((r = unix_find(p, addr, len, u->s.type, &o)) < 0)
        return r;
    if (o->state != UNIX_LISTEN || (o->shut & RCV_SHUT))
        return -FS_ECONNREFUSED;
    if (o->acc_count > o->backlog)
        return fs_sock_block(p, o, nonblock);
    struct unix_sock *e = unix_new(p, u->s.type, u->s.protocol);
    if (!e)
        return -FS_ENOMEM;
    e->cred = o->cred;
    e->peercred = cred_of(p);
    u->peercred = o->cred;
    if ((e->addr = o->addr))
        e->addr->refs++;
    set_peer(e, u);
    set_peer(u, e);
    e->state = u->state = UNIX_CONNECTED;
    if (o->acc_tail) /* the queue's reference is e's first */
        o->acc_tail->acc_next = e;
    else
        o->acc_head = e;
    o->acc_tail = e;
    o->acc_count++;
    fs_ready(o, IN_READY);
    fs_ready(u, OUT_READY);
    return 0;
}

static long unix_shutdown(struct fs_proc *p, struct fs_sock *s, int how)
{
    (void)p;
    struct unix_sock *u = U(s);
    int mode = how + 1; /* SHUT_RD..SHUT_RDWR as RCV_SHUT | SEND_SHUT bits */
    u->shut |= mode;
    fs_ready(u, 0);
    struct unix_sock *o = u->peer;
    if (o && connected_type(u)) {
        o->shut |= ((mode & RCV_SHUT) ? SEND_SHUT : 0) | ((mode & SEND_SHUT) ? RCV_SHUT : 0);
        fs_ready(o, 0);
    }
    return 0;
}

/* --- data ---------------------------------------------------------------------------------- */

static long send_stream(struct fs_proc *p, struct unix_sock *u, const struct fs_msg *m,
                        int nonblock, int *sigpipe)
{
    if (m->name && m->namelen)
        return u->state == UNIX_CONNECTED ? -FS_EISCONN : -FS_EOPNOTSUPP;
    struct unix_sock *o = u->peer;
    if (!o || u->state != UNIX_CONNECTED)
        return -FS_ENOTCONN;
    if ((u->shut & SEND_SHUT) || o->dead || (o->shut & RCV_SHUT)) {
        *sigpipe = 1;
        return -FS_EPIPE;
    }
    if (m->len == 0)
        return 0;
    if (stream_full(o))
        return fs_sock_block(p, u, nonblock);
    uint64_t room = UNIX_STREAM_CAP - o->bytes;
    struct unix_rights *fds;
    long r = unix_rights_take(p, m, &fds);
    if (r < 0)
        return r;
    uint64_t n = m->len < room ? m->len : room;
    struct unix_msg *msg = msg_new(m->data, n);
    if (!msg) {
        unix_rights_put(fds);
        return -FS_ENOBUFS;
    }
    msg->fds = fds;
    if ((msg->from = u->addr))
        msg->from->refs++;
    enqueue(o, msg);
    return (long)n;
}

static long send_dgram(struct fs_proc *p, struct unix_sock *u, const struct fs_msg *m, int nonblock)
{
    struct unix_sock *o = NULL;
    long r;
    if (u->s.type == FS_SOCK_SEQPACKET) {
        if (u->state != UNIX_CONNECTED)
            return -FS_ENOTCONN;
        if (u->shut & SEND_SHUT)
            return -FS_EPIPE;
    } else if (m->name && m->namelen) {
        if ((r = unix_addr_check(m->name, m->namelen)) < 0)
            return r;
    } else if (!u->peer) {
        return -FS_ENOTCONN;
    }
    if (m->len > u->s.sndbuf - 32)
        return -FS_EMSGSIZE;
    if (u->s.type == FS_SOCK_DGRAM && m->name && m->namelen) {
        if ((r = unix_find(p, m->name, m->namelen, u->s.type, &o)) < 0)
            return r;
    } else {
        o = u->peer;
    }
    if (o->dead) { /* its destination closed: disconnected, as Linux */
        if (o == u->peer && u->s.type == FS_SOCK_DGRAM) {
            set_peer(u, NULL);
            u->state = UNIX_FREE;
        }
        return u->s.type == FS_SOCK_SEQPACKET ? -FS_EPIPE : -FS_ECONNREFUSED;
    }
    if (o->peer && o->peer != u && u->s.type == FS_SOCK_DGRAM)
        return -FS_EPERM;
    if (o->shut & RCV_SHUT)
        return -FS_EPIPE;
    if (dgram_full(o, u, m->len))
        return fs_sock_block(p, u->s.type == FS_SOCK_SEQPACKET ? u : o, nonblock);
    struct unix_rights *fds;
    if ((r = unix_rights_take(p, m, &fds)) < 0)
        return r;
    struct unix_msg *msg = msg_new(m->data, m->len);
    if (!msg) {
        unix_rights_put(fds);
        return -FS_ENOBUFS;
    }
    msg->fds = fds;
    if ((msg->from = u->addr))
        msg->from->refs++;
    enqueue(o, msg);
    return (long)m->len;
}

static long unix_sendmsg(struct fs_proc *p, struct fs_sock *s, const struct fs_msg *m, int flags,
                         int nonblock, int *sigpipe)
{
    struct unix_sock *u = U(s);
    if (flags & FS_MSG_OOB)
        return -FS_EOPNOTSUPP;
    if (m->control && m->controllen && unix_fd_msgs >= UNIX_GC_TRIGGER)
        unix_gc(); /* garbage no close would find (unix_gc.c); nothing of this send is done */
    if (s->type == FS_SOCK_STREAM)
        return send_stream(p, u, m, nonblock, sigpipe);
    long r = send_dgram(p, u, m, nonblock);
    if (r == -FS_EPIPE && s->type == FS_SOCK_SEQPACKET)
        *sigpipe = 1;
    return r;
}

/* The source address of what is being received, into m's name. */
static void give_name(struct fs_msg *m, const struct unix_addr *from)
{
    if (!m->name)
        return;
    uint32_t n = from ? from->len : 0;
    if (n)
        fs_memcpy(m->name, &from->sun, m->namelen < n ? m->namelen : n);
    m->namelen = n;
}

/* Descriptors of msg to the receiver: taken (a read), or duplicated (a peek). */
static void give_fds(struct fs_proc *p, struct unix_msg *msg, struct fs_msg *m, int flags)
{
    struct unix_rights *r = msg->fds;
    if (flags & FS_MSG_PEEK) {
        struct unix_rights *d = fs_alloc(sizeof *d);
        if (!d)
            return;
        for (d->n = 0; d->n < r->n; d->n++)
            (d->file[d->n] = r->file[d->n])->refs++;
        r = d;
    } else {
        msg->fds = NULL;
        unix_fd_msgs--;
    }
    unix_rights_give(p, r, m, flags);
}

static long recv_stream(struct fs_proc *p, struct unix_sock *u, struct fs_msg *m, int flags,
                        int nonblock)
{
    if (u->state != UNIX_CONNECTED)
        return -FS_EINVAL;
    uint64_t room = m->controllen, copied = 0;
    m->controllen = 0;
    if (!u->head) {
        if (u->err) {
            long e = -u->err;
            u->err = 0;
            return e;
        }
        if (u->shut & RCV_SHUT)
            return 0;
        return fs_sock_block(p, u, nonblock);
    }
    give_name(m, u->head->from);
    struct unix_msg *msg = u->head;
    while (msg && copied < m->len) {
        uint64_t n = msg->len - msg->off;
        if (n > m->len - copied)
            n = m->len - copied;
        msg_read(msg, msg->off, (uint8_t *)m->data + copied, n);
        copied += n;
        int had_fds = msg->fds != NULL;
        if (had_fds) {
            m->controllen = room;
            give_fds(p, msg, m, flags);
        }
        struct unix_msg *next = msg->next;
        if (!(flags & FS_MSG_PEEK)) {
            msg->off += (uint32_t)n;
            u->bytes -= n;
            if (msg->off == msg->len) {
                dequeue(u); /* (takes off what was unread: nothing) */
                unix_msg_free(msg);
            }
        }
        if (had_fds)
            break; /* descriptors end a read, as Linux's */
        msg = next;
    }
    if (!(flags & FS_MSG_PEEK))
        room_made(u, 1);
    return (long)copied;
}

static long recv_dgram(struct fs_proc *p, struct unix_sock *u, struct fs_msg *m, int flags,
                       int nonblock)
{
    if (u->s.type == FS_SOCK_SEQPACKET && u->state != UNIX_CONNECTED)
        return -FS_ENOTCONN;
    uint64_t room = m->controllen;
    m->controllen = 0;
    struct unix_msg *msg = u->head;
    if (!msg) {
        if (u->err) {
            long e = -u->err;
            u->err = 0;
            return e;
        }
        if (u->shut & RCV_SHUT)
            return 0;
        return fs_sock_block(p, u, nonblock);
    }
    uint64_t n = msg->len < m->len ? msg->len : m->len;
    msg_read(msg, 0, m->data, n);
    if (n < msg->len)
        m->flags |= FS_MSG_TRUNC;
    give_name(m, msg->from);
    if (msg->fds) {
        m->controllen = room;
        give_fds(p, msg, m, flags);
    }
    long r = (flags & FS_MSG_TRUNC) ? (long)msg->len : (long)n;
    if (!(flags & FS_MSG_PEEK)) {
        int was_full = u->bytes >= UNIX_DGRAM_CAP / 2 || u->mem >= UNIX_MEM_CAP / 2 ||
                       u->count > UNIX_DGRAM_QLEN;
        unix_msg_free(dequeue(u));
        room_made(u, was_full || u->s.type == FS_SOCK_SEQPACKET);
    }
    return r;
}

static long unix_recvmsg(struct fs_proc *p, struct fs_sock *s, struct fs_msg *m, int flags,
                         int nonblock)
{
    if (flags & FS_MSG_OOB)
        return -FS_EOPNOTSUPP;
    if (s->type == FS_SOCK_STREAM)
        return recv_stream(p, U(s), m, flags, nonblock);
    return recv_dgram(p, U(s), m, flags, nonblock);
}

/* --- options, readiness -------------------------------------------------------------------- */

static long unix_setsockopt(struct fs_sock *s, int level, int name, const void *val, uint32_t len)
{
    (void)s, (void)name, (void)val, (void)len;
    return level == FS_SOL_SOCKET ? -FS_ENOPROTOOPT : -FS_EOPNOTSUPP;
}

static long unix_getsockopt(struct fs_sock *s, int level, int name, void *val, uint32_t *len)
{
    struct unix_sock *u = U(s);
    if (level != FS_SOL_SOCKET)
        return -FS_EOPNOTSUPP;
    int v;
    const void *src = &v;
    uint32_t n = sizeof v;
    switch (name) {
    case FS_SO_ERROR:
        v = u->err;
        u->err = 0;
        break;
    case FS_SO_ACCEPTCONN:
        v = u->state == UNIX_LISTEN;
        break;
    case FS_SO_PEERCRED:
        src = &u->peercred;
        n = sizeof u->peercred;
        break;
    default:
        return -FS_ENOPROTOOPT;
    }
    if (*len > n)
        *len = n;
    fs_memcpy(val, src, *len);
    return 0;
}

static unsigned unix_poll(struct fs_sock *s)
{
    struct unix_sock *u = U(s);
    unsigned ev = 0;
    if (u->err)
        ev |= FS_POLLERR;
    if (u->shut == (RCV_SHUT | SEND_SHUT))
        ev |= FS_POLLHUP;
    if (u->shut & RCV_SHUT)
        ev |= FS_POLLRDHUP | IN_READY;
    if (u->head || u->acc_head)
        ev |= IN_READY;
    if (connected_type(u) && u->state == UNIX_FREE)
        ev |= FS_POLLHUP; /* not connected yet (Linux's TCP_CLOSE) */
    int writable = u->state != UNIX_LISTEN;
    struct unix_sock *o = u->peer;
    if (writable && o && !o->dead) {
        if (s->type == FS_SOCK_STREAM)
            writable = !stream_full(o);
        else
            writable = !dgram_full(o, u, 1); /* a datagram of a byte would go */
    }
    if (writable)
        ev |= OUT_READY;
    return ev;
}

static long unix_ioctl(struct fs_sock *s, unsigned long req, void *arg)
{
    struct unix_sock *u = U(s);
    if (req != 0x541b) /* FIONREAD (SIOCINQ) */
        return -FS_ENOTTY;
    if (u->state == UNIX_LISTEN)
        return -FS_EINVAL;
    int v = (int)(s->type == FS_SOCK_DGRAM ? (u->head ? u->head->len : 0) : u->bytes);
    fs_memcpy(arg, &v, sizeof v);
    return 0;
}

const struct fs_sock_family fs_unix_family = {
    .domain = FS_AF_UNIX,
    .create = unix_create,
    .pair = unix_pair,
    .bind = unix_bind,
    .listen = unix_listen,
    .accept = unix_accept,
    .connect = unix_connect,
    .sendmsg = unix_sendmsg,
    .recvmsg = unix_recvmsg,
    .shutdown = unix_shutdown,
    .setsockopt = unix_setsockopt,
    .getsockopt = unix_getsockopt,
    .getname = unix_getname,
    .poll = unix_poll,
    .ioctl = unix_ioctl,
    .close = unix_close,
};
