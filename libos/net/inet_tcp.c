/*
 * inet_tcp.c: stream sockets over lwIP's TCP raw API (libos/net/README.md, "The socket
 * engine"). Received data stays in lwIP's pbufs, queued on the socket, and the window opens
 * (tcp_recved) only as the reader consumes; sends are copied into lwIP's send buffer
 * (tcp_write) and a full buffer is -EAGAIN, POLLOUT again from tcp_sent. The pcb's end is seen
 * through lwIP's per-pcb "destroy" callback (an ext arg, called from tcp_free wherever lwIP frees
 * a pcb: after TIME-WAIT, on a reset, on an abort): that is where a closed socket gives back its
 * claims. lwIP's err callback means the pcb is already freed: only the state is recorded.
 */
#include "inet_priv.h"

#include "lwip/priv/tcp_priv.h"

static uint8_t ext_id = LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID;

static void on_destroy(u8_t id, void *data);
static const struct tcp_ext_arg_callbacks ext_cbs = {on_destroy, NULL};

void net_tcp_init(void)
{
    if (ext_id == LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID)
        ext_id = tcp_ext_arg_alloc_id();
}

/* No pcb any more: Linux's tcp_done (state CLOSE, both directions shut). */
static void gone(struct net_sock *s)
{
    s->pcb.tcp = NULL;
    s->state = ST_CLOSE;
    s->shut = SH_RCV | SH_SEND;
}

static void on_destroy(u8_t id, void *data)
{
    (void)id;
    struct net_sock *s = data;
    if (!s || !s->used)
        return;
    gone(s);
    if (s->closed)
        net_sock_free(s);
    else
        net_ready(s);
}

/* lwIP has freed the pcb (or is about to, on_destroy follows) */
static void on_err(void *arg, err_t err)
{
    struct net_sock *s = arg;
    if (!s || !s->used || s->closed)
        return;
    int e;
    switch (err) {
    case ERR_RST:
        e = s->state == ST_SYN_SENT ? NET_ECONNREFUSED : NET_ECONNRESET;
        break;
    case ERR_CLSD: /* both FINs done after our shutdown: no error */
        e = 0;
        break;
    case ERR_ABRT: /* lwIP's timers gave up: retransmissions, SYNs, keepalives */
        e = NET_ETIMEDOUT;
        break;
    default:
        e = NET_ECONNABORTED;
    }
    if (e)
        s->err = e;
    gone(s);
    net_ready(s);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)err;
    struct net_sock *s = arg;
    if (!s || !s->used || s->closed) {
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (!p) { /* the peer's FIN */
        s->done = true;
        s->shut |= SH_RCV;
        net_ready(s);
        return ERR_OK;
    }
    if (s->rx_n) { /* chains up to 64 KiB (a pbuf's tot_len), so NET_RXQ of them hold a window */
        struct pbuf *last = s->rxq[(s->rx_head + s->rx_n - 1) % NET_RXQ];
        if ((uint32_t)last->tot_len + p->tot_len <= 0xffff) {
            pbuf_cat(last, p);
            net_ready(s);
            return ERR_OK;
        }
    }
    if (s->rx_n == NET_RXQ)
        return ERR_MEM; /* lwIP keeps it (refused data) and offers it again */
    s->rxq[(s->rx_head + s->rx_n++) % NET_RXQ] = p;
    net_ready(s);
    return ERR_OK;
}

/* A FIN lwIP had no memory for (tcp_close or tcp_shutdown said ERR_MEM): again. */
static void retry_fin(struct net_sock *s)
{
    struct tcp_pcb *pcb = s->pcb.tcp;
    if (!s->close_pending || !pcb)
        return;
    s->close_pending = false;
    err_t e = s->closed ? tcp_close(pcb) : tcp_shutdown(pcb, 0, 1); /* may free s */
    if (e != ERR_OK)
        s->close_pending = true;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb, (void)len;
    struct net_sock *s = arg;
    if (s && s->used) {
        if (s->close_pending)
            retry_fin(s);
        else
            net_ready(s);
    }
    return ERR_OK;
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    (void)pcb;
    struct net_sock *s = arg;
    if (s && s->used)
        retry_fin(s);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)pcb, (void)err;
    struct net_sock *s = arg;
    if (s && s->used) {
        s->state = ST_CONN;
        s->was_connected = true;
        net_ready(s);
    }
    return ERR_OK;
}

static void attach(struct net_sock *s, struct tcp_pcb *pcb)
{
    s->pcb.tcp = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_ext_arg_set_callbacks(pcb, ext_id, &ext_cbs);
    tcp_ext_arg_set(pcb, ext_id, s);
}

/* Take the pcb from s without lwIP's callbacks reaching s again (an abort, a listener closed). */
static void detach(struct tcp_pcb *pcb)
{
    tcp_ext_arg_set(pcb, ext_id, NULL);
    tcp_arg(pcb, NULL);
    if (pcb->state != LISTEN)
        tcp_err(pcb, NULL);
}

void net_tcp_apply_opts(struct net_sock *s)
{
    struct tcp_pcb *p = s->pcb.tcp;
    if (!p)
        return;
    p->ttl = s->ttl;
    s->reuse ? ip_set_option(p, SOF_REUSEADDR) : ip_reset_option(p, SOF_REUSEADDR);
    s->keepalive ? ip_set_option(p, SOF_KEEPALIVE) : ip_reset_option(p, SOF_KEEPALIVE);
    if (p->state == LISTEN) /* a listen pcb has no more than these; its connections inherit */
        return;
    if (s->nodelay)
        tcp_nagle_disable(p);
    else
        tcp_nagle_enable(p);
    p->keep_idle = s->keep_idle * 1000;
    p->keep_intvl = s->keep_intvl * 1000;
    p->keep_cnt = s->keep_cnt;
}

int net_tcp_bind_pcb(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
    err_t e = tcp_bind(s->pcb.tcp, ip, port);
    return e == ERR_OK ? 0 : e == ERR_USE ? -NET_EADDRINUSE : -NET_EINVAL;
}

/* A fresh pcb (at socket(), or after a connection ended), bound again to what s holds. */
int net_tcp_new_pcb(struct net_sock *s)
{
    struct tcp_pcb *pcb =
        tcp_new_ip_type(s->family == NET_AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
    if (!pcb)
        return -NET_ENOBUFS;
    attach(s, pcb);
    s->state = ST_CLOSE;
    net_tcp_apply_opts(s);
    if (s->bound && tcp_bind(pcb, &s->local, s->lport) != ERR_OK) {
        detach(pcb);
        tcp_close(pcb);
        s->pcb.tcp = NULL;
        return -NET_EADDRINUSE;
    }
    return 0;
}

/* ---- Listening ---- */

static err_t on_accept(void *arg, struct tcp_pcb *npcb, err_t err)
{
    struct net_sock *l = arg;
    if (err != ERR_OK || !npcb)
        return ERR_VAL;
    if (!l || !l->used || l->closed || l->state != ST_LISTEN || l->acc_n >= l->backlog)
        return ERR_MEM; /* lwIP resets it */
    struct net_sock *c = net_sock_alloc();
    if (!c)
        return ERR_MEM;
    c->family = l->family, c->type = l->type, c->proto = l->proto;
    c->reuse = l->reuse, c->keepalive = l->keepalive, c->nodelay = l->nodelay;
    c->v6only = l->v6only, c->linger_on = l->linger_on, c->linger = l->linger;
    c->ttl = l->ttl, c->keep_idle = l->keep_idle, c->keep_intvl = l->keep_intvl;
    c->keep_cnt = l->keep_cnt;
    c->state = ST_CONN;
    c->was_connected = true;
    c->bound = true;
    ip_addr_copy(c->local, npcb->local_ip);
    c->lport = npcb->local_port;
    ip_addr_copy(c->peer, npcb->remote_ip);
    c->pport = npcb->remote_port;
    net_claims_share(c, l);
    attach(c, npcb);
    net_tcp_apply_opts(c);
    tcp_backlog_delayed(npcb); /* counted against the backlog until net_accept takes it */
    c->parent = l;
    if (l->acc_tail)
        l->acc_tail->acc_next = c;
    else
        l->acc_head = c;
    l->acc_tail = c;
    l->acc_n++;
    net_ready(l);
    return ERR_OK;
}

int net_tcp_listen(struct net_sock *s, int backlog)
{
    /* Linux keeps backlog + 1 connections; lwIP counts half-open ones too (u8) */
    int bl = (backlog < 0 ? 0 : backlog > 254 ? 254 : backlog) + 1;
    if (s->state == ST_LISTEN) {
        s->backlog = (uint16_t)bl;
        tcp_backlog_set(s->pcb.tcp, (u8_t)bl);
        return 0;
    }
    if (s->state != ST_CLOSE || s->was_connected || s->connecting)
        return -NET_EINVAL;
    int r;
    if (!s->pcb.tcp && (r = net_tcp_new_pcb(s)) != 0)
        return r;
    if ((r = net_autobind(s)) != 0)
        return r;
    struct tcp_pcb *pcb = s->pcb.tcp;
    /* tcp_listen frees pcb (tcp_free: our destroy callback) after copying its ext args */
    tcp_ext_arg_set(pcb, ext_id, NULL);
    err_t e = ERR_OK;
    struct tcp_pcb *lp = tcp_listen_with_backlog_and_err(pcb, (u8_t)bl, &e);
    if (!lp) {
        tcp_ext_arg_set(pcb, ext_id, s);
        return e == ERR_USE ? -NET_EADDRINUSE : -NET_ENOBUFS;
    }
    s->pcb.tcp = lp;
    tcp_arg(lp, s);
    tcp_accept(lp, on_accept);
    tcp_ext_arg_set(lp, ext_id, s);
    s->state = ST_LISTEN;
    s->backlog = (uint16_t)bl;
    s->shut = 0;
    return 0;
}

int net_tcp_accept(struct net_sock *s, struct net_sock **out, void *addr, uint32_t *addrlen)
{
    if (s->state != ST_LISTEN)
        return -NET_EINVAL;
    if (addr && !addrlen)
        return -NET_EINVAL;
    if (!s->acc_n)
        return -NET_EAGAIN;
    struct net_sock *c = s->acc_head;
    s->acc_head = c->acc_next;
    if (!s->acc_head)
        s->acc_tail = NULL;
    s->acc_n--;
    c->acc_next = c->parent = NULL;
    if (c->pcb.tcp)
        tcp_backlog_accepted(c->pcb.tcp);
    if (addrlen)
        net_addr_out(c, &c->peer, c->pport, addr, addrlen);
    *out = c;
    return 0;
}

/* The listen pcb ends (close, or shutdown(SHUT_RD)); connections not yet accepted are reset. */
static void stop_listening(struct net_sock *s)
{
    while (s->acc_head) {
        struct net_sock *c = s->acc_head;
        s->acc_head = c->acc_next;
        if (c->pcb.tcp) {
            struct tcp_pcb *p = c->pcb.tcp;
            detach(p);
            tcp_abort(p);
        }
        net_sock_free(c);
    }
    s->acc_tail = NULL;
    s->acc_n = 0;
    if (s->pcb.tcp) {
        struct tcp_pcb *lp = s->pcb.tcp;
        detach(lp);
        tcp_close(lp); /* a listen pcb: freed at once */
        s->pcb.tcp = NULL;
    }
    s->state = ST_CLOSE;
}

/* ---- Connecting ---- */

/* connect(AF_UNSPEC): the connection (if any) reset, the socket unconnected again. */
static int disconnect(struct net_sock *s)
{
    if (s->state == ST_LISTEN) {
        stop_listening(s);
    } else if (s->pcb.tcp && s->state != ST_CLOSE) {
        struct tcp_pcb *p = s->pcb.tcp;
        detach(p);
        tcp_abort(p);
        s->pcb.tcp = NULL;
    }
    for (; s->rx_n; s->rx_n--, s->rx_head = (uint8_t)((s->rx_head + 1) % NET_RXQ))
        pbuf_free(s->rxq[s->rx_head]);
    s->state = ST_CLOSE;
    s->shut = 0;
    s->err = 0;
    s->connecting = s->was_connected = s->done = false;
    return 0;
}

int net_tcp_connect(struct net_sock *s, const void *addr, uint32_t addrlen)
{
    uint16_t fam;
    if (!addr || addrlen < sizeof fam)
        return -NET_EINVAL;
    __builtin_memcpy(&fam, addr, sizeof fam);
    if (fam == NET_AF_UNSPEC)
        return disconnect(s);
    switch (s->state) {
    case ST_LISTEN:
        return -NET_EISCONN;
    case ST_SYN_SENT:
        return -NET_EALREADY;
    case ST_CONN:
        if (s->connecting) { /* the first call after completion says so */
            s->connecting = false;
            return 0;
        }
        return -NET_EISCONN;
    }
    if (s->connecting) { /* it failed: the error once, then the socket may try again */
        int e = s->err ? s->err : NET_ECONNABORTED;
        s->connecting = false;
        s->err = 0;
        return -e;
    }
    if (s->was_connected)
        return -NET_EISCONN;
    ip_addr_t ip;
    uint16_t port;
    int r = net_addr_in(s, addr, addrlen, &ip, &port, false);
    if (r)
        return r;
    net_any_to_loopback(&ip);
    if (!s->pcb.tcp && (r = net_tcp_new_pcb(s)) != 0)
        return r;
    if (!s->bound && (r = net_autobind(s)) != 0)
        return r == -NET_EADDRINUSE ? -NET_EADDRNOTAVAIL : r;
    err_t e = tcp_connect(s->pcb.tcp, &ip, port, on_connected);
    switch (e) {
    case ERR_OK:
        s->state = ST_SYN_SENT;
        s->connecting = true;
        s->shut = 0;
        s->done = false;
        return -NET_EINPROGRESS;
    case ERR_RTE:
        return -NET_ENETUNREACH;
    case ERR_USE:
        return -NET_EADDRNOTAVAIL;
    case ERR_MEM:
    case ERR_BUF:
        return -NET_ENOBUFS;
    default:
        return -NET_EINVAL;
    }
}

/* ---- Data ---- */

long net_tcp_send(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags)
{
    (void)flags;
    if (s->err) { /* Linux: a pending error first, once */
        int e = s->err;
        s->err = 0;
        return -e;
    }
    if (s->shut & SH_SEND)
        return -NET_EPIPE;
    if (s->state == ST_SYN_SENT)
        return -NET_EAGAIN;
    if (s->state != ST_CONN || !s->pcb.tcp)
        return -NET_EPIPE;
    struct tcp_pcb *pcb = s->pcb.tcp;
    size_t left = net_iov_total(iov, iovcnt), total = 0;
    if (left == 0)
        return 0;
    for (int i = 0; i < iovcnt; i++) {
        size_t off = 0;
        while (off < iov[i].len) {
            size_t n = iov[i].len - off;
            if (n > tcp_sndbuf(pcb))
                n = tcp_sndbuf(pcb);
            if (n > 0xffff)
                n = 0xffff;
            if (n == 0)
                goto full;
            u8_t wf = TCP_WRITE_FLAG_COPY | (left > n ? TCP_WRITE_FLAG_MORE : 0);
            err_t e = tcp_write(pcb, (const uint8_t *)iov[i].base + off, (u16_t)n, wf);
            if (e == ERR_MEM)
                goto full;
            if (e != ERR_OK) {
                if (total)
                    goto full;
                return -NET_EPIPE;
            }
            off += n, total += n, left -= n;
        }
    }
full:
    tcp_output(pcb);
    return total ? (long)total : -NET_EAGAIN;
}

long net_tcp_recv(struct net_sock *s, const struct net_iov *iov, int iovcnt, int flags)
{
    if (s->state == ST_LISTEN)
        return -NET_ENOTCONN;
    if (s->rx_n == 0) {
        if (s->done)
            return 0;
        if (s->err) {
            int e = s->err;
            s->err = 0;
            return -e;
        }
        if (s->shut & SH_RCV)
            return 0;
        return s->state == ST_CLOSE ? -NET_ENOTCONN : -NET_EAGAIN;
    }
    size_t want = net_iov_total(iov, iovcnt), got = 0;
    int vi = 0;
    size_t vo = 0;
    bool discard = (flags & NET_MSG_TRUNC) && !(flags & NET_MSG_PEEK); /* Linux: dropped */
    for (unsigned k = 0; k < s->rx_n && got < want; k++) {
        struct pbuf *c = s->rxq[(s->rx_head + k) % NET_RXQ];
        size_t n = want - got < c->tot_len ? want - got : c->tot_len;
        if (!discard)
            net_iov_put(iov, iovcnt, &vi, &vo, c, 0, n);
        got += n;
    }
    if (flags & NET_MSG_PEEK)
        return (long)got;
    for (size_t left = got; left;) {
        struct pbuf *c = s->rxq[s->rx_head];
        if (c->tot_len <= left) {
            left -= c->tot_len;
            pbuf_free(c);
            s->rx_head = (uint8_t)((s->rx_head + 1) % NET_RXQ);
            s->rx_n--;
        } else {
            s->rxq[s->rx_head] = pbuf_free_header(c, (u16_t)left);
            left = 0;
        }
    }
    if (s->pcb.tcp) /* the window opens by what the reader took */
        for (size_t left = got; left;) {
            u16_t k = left > 0xffff ? 0xffff : (u16_t)left;
            tcp_recved(s->pcb.tcp, k);
            left -= k;
        }
    return (long)got;
}

/* ---- Shutting down, closing, readiness ---- */

int net_tcp_shutdown(struct net_sock *s, int how)
{
    uint8_t bits = (uint8_t)(how + 1); /* Linux: SHUT_RD 0 -> RCV 1, WR -> SEND 2, RDWR -> 3 */
    switch (s->state) {
    case ST_LISTEN:
        if (bits & SH_RCV)
            stop_listening(s);
        return 0;
    case ST_SYN_SENT:
        return disconnect(s);
    case ST_CLOSE:
        s->shut |= bits;
        net_ready(s);
        return -NET_ENOTCONN;
    }
    uint8_t had = s->shut;
    s->shut |= bits;
    if ((bits & SH_SEND) && !(had & SH_SEND) && s->pcb.tcp) {
        /* queued data first, then FIN (lwIP queues it behind) */
        if (tcp_shutdown(s->pcb.tcp, 0, 1) != ERR_OK) {
            s->close_pending = true;
            tcp_poll(s->pcb.tcp, on_poll, 2);
        }
    }
    net_ready(s);
    return 0;
}

void net_tcp_close(struct net_sock *s)
{
    if (s->state == ST_LISTEN) {
        stop_listening(s);
        net_sock_free(s);
        return;
    }
    struct tcp_pcb *pcb = s->pcb.tcp;
    if (!pcb) {
        net_sock_free(s);
        return;
    }
    /* unread data is dropped without tcp_recved: lwIP then resets, as Linux does */
    for (; s->rx_n; s->rx_n--, s->rx_head = (uint8_t)((s->rx_head + 1) % NET_RXQ))
        pbuf_free(s->rxq[s->rx_head]);
    if (s->linger_on && s->linger == 0) { /* SO_LINGER 0: RST, nothing lingers */
        detach(pcb);
        tcp_abort(pcb);
        net_sock_free(s);
        return;
    }
    s->close_pending = false;
    if (tcp_close(pcb) != ERR_OK) { /* no memory for the FIN: again from the timers */
        s->close_pending = true;
        tcp_poll(pcb, on_poll, 2);
    }
    /* s may be freed here already (on_destroy, for a pcb lwIP ends at once) */
}

static bool writable(const struct net_sock *s)
{
    const struct tcp_pcb *p = s->pcb.tcp;
    if (!p || s->state != ST_CONN)
        return true;
    return tcp_sndbuf(p) >= TCP_SNDLOWAT && tcp_sndqueuelen(p) < TCP_SNDQUEUELOWAT;
}

/* Linux's tcp_poll, bit for bit on the states this engine has. */
unsigned net_tcp_poll(struct net_sock *s)
{
    if (s->state == ST_LISTEN)
        return s->acc_n ? NET_POLLIN : 0;
    unsigned m = 0;
    if (s->shut == (SH_RCV | SH_SEND) || s->state == ST_CLOSE)
        m |= NET_POLLHUP;
    if (s->shut & SH_RCV)
        m |= NET_POLLIN | NET_POLLRDHUP;
    if (s->state != ST_SYN_SENT) {
        if (s->rx_n)
            m |= NET_POLLIN;
        if (!(s->shut & SH_SEND) ? writable(s) : true)
            m |= NET_POLLOUT;
    }
    if (s->err)
        m |= NET_POLLERR;
    return m;
}
