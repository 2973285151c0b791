/*
 * inet_proc.c: the stack's connections as Linux's /proc/net/tcp, tcp6, udp and udp6 show them
 * (libos/net/README.md, "The socket engine"), made from lwIP's own pcb lists at each read:
 * what netstat and ss parse. Every pcb is listed, the sockets' and the stack's own (DHCP's
 * port 68); an IPv4 pcb in the v4 file, an IPv6 or dual-stack one in the v6 file (Linux's
 * dual-stack socket is a tcp6 line with ::). Linux's columns and widths; what the stack does not
 * keep (uid, inode, timers, retransmissions) is 0. The engine builds freestanding with no
 * printf, hence the small formatter.
 */
#include "inet_priv.h"

#include "lwip/priv/tcp_priv.h"

struct out {
    char *buf;
    unsigned len, n; /* capacity (with the NUL), used */
};

static void ch(struct out *o, char c)
{
    if (o->n + 1 < o->len)
        o->buf[o->n++] = c;
}

static void str(struct out *o, const char *s)
{
    while (*s)
        ch(o, *s++);
}

static void hex(struct out *o, uint32_t v, int width)
{
    for (int i = width - 1; i >= 0; i--)
        ch(o, "0123456789ABCDEF"[(v >> (4 * i)) & 15]);
}

static void dec(struct out *o, unsigned long v, int width) /* right-aligned in width */
{
    char t[24];
    int k = 0;
    do
        t[k++] = (char)('0' + v % 10);
    while ((v /= 10) && k < 24);
    for (int i = k; i < width; i++)
        ch(o, ' ');
    while (k)
        ch(o, t[--k]);
}

/* Pads the line started at `start` with spaces to width (Linux's seq_pad), then a newline. */
static void pad(struct out *o, unsigned start, unsigned width)
{
    while (o->n - start < width && o->n + 1 < o->len)
        ch(o, ' ');
    ch(o, '\n');
}

/* An address as Linux prints it: the 32-bit words as stored (network order) read as numbers. */
static void addr(struct out *o, const ip_addr_t *ip, uint16_t port, bool v6)
{
    if (!v6) {
        hex(o, ip && IP_IS_V4(ip) ? ip_2_ip4(ip)->addr : 0, 8);
    } else if (ip && IP_IS_V6(ip)) {
        for (int i = 0; i < 4; i++)
            hex(o, ip_2_ip6(ip)->addr[i], 8);
    } else if (ip && IP_IS_V4(ip) && !ip4_addr_isany_val(*ip_2_ip4(ip))) { /* ::ffff:a.b.c.d */
        hex(o, 0, 8), hex(o, 0, 8), hex(o, lwip_htonl(0xffff), 8);
        hex(o, ip_2_ip4(ip)->addr, 8);
    } else {
        hex(o, 0, 32);
    }
    ch(o, ':');
    hex(o, port, 4);
}

/* Which file a pcb belongs in: IPv4 only (the v4 file), or IPv6 / both (the v6 file). */
static bool in_v6(const ip_addr_t *local)
{
    return IP_IS_V6(local) || IP_IS_ANY_TYPE_VAL(*local);
}

/* lwIP's TCP states (tcpbase.h) as Linux's (include/net/tcp_states.h). */
static unsigned linux_state(enum tcp_state s)
{
    static const uint8_t map[] = {
        [CLOSED] = 7,      [LISTEN] = 10,    [SYN_SENT] = 2,   [SYN_RCVD] = 3,
        [ESTABLISHED] = 1, [FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8,
        [CLOSING] = 11,    [LAST_ACK] = 9,   [TIME_WAIT] = 6,
    };
    return (unsigned)s < sizeof map ? map[s] : 7;
}

static void line_start(struct out *o, unsigned sl, int slw)
{
    dec(o, sl, slw);
    str(o, ": ");
}

/* The tail Linux prints after the queues: timer, retransmits, uid, timeout, inode. */
static void tail(struct out *o)
{
    str(o, " 00:00000000 00000000 ");
    dec(o, 0, 5); /* uid */
    ch(o, ' ');
    dec(o, 0, 8); /* timeout */
    str(o, " 0"); /* inode */
}

static void tcp_line(struct out *o, unsigned *sl, struct tcp_pcb *p, bool v6, bool listen)
{
    if (in_v6(&p->local_ip) != v6)
        return;
    unsigned start = o->n;
    line_start(o, (*sl)++, 4);
    addr(o, &p->local_ip, p->local_port, v6);
    ch(o, ' ');
    addr(o, listen ? NULL : &p->remote_ip, listen ? 0 : p->remote_port, v6);
    ch(o, ' ');
    hex(o, linux_state(p->state), 2);
    ch(o, ' ');
    /* Linux: a listener's rx is its accept queue; a connection's tx what is unacknowledged and
     * its rx what is received and not read */
    uint32_t tx = 0, rx = 0;
    struct net_sock *s = net_sock_of(p->callback_arg);
    if (listen) {
        rx = s ? s->acc_n : 0;
    } else {
        int32_t un = (int32_t)(p->snd_lbb - p->lastack); /* -1 once a FIN is acknowledged */
        tx = p->state == TIME_WAIT || un < 0 ? 0 : (uint32_t)un;
        if (s && s->type == NET_SOCK_STREAM && s->pcb.tcp == p) {
            long q = net_inq(s);
            rx = q > 0 ? (uint32_t)q : 0;
        }
    }
    hex(o, tx, 8);
    ch(o, ':');
    hex(o, rx, 8);
    tail(o);
    if (v6)
        ch(o, '\n'); /* Linux pads the v4 lines only */
    else
        pad(o, start, 149);
}

unsigned net_proc_tcp(char *buf, unsigned len, int v6)
{
    struct out o = {buf, len, 0};
    if (!len)
        return 0;
    unsigned sl = 0, start = 0;
    str(&o, v6 ? "  sl  local_address                         remote_address                       "
                 " st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
               : "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
                 "uid  timeout inode");
    if (!v6)
        pad(&o, start, 149);
    for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next)
        tcp_line(&o, &sl, (struct tcp_pcb *)l, v6 != 0, true);
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        tcp_line(&o, &sl, p, v6 != 0, false);
    for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
        tcp_line(&o, &sl, p, v6 != 0, false);
    o.buf[o.n] = 0;
    return o.n;
}

unsigned net_proc_udp(char *buf, unsigned len, int v6)
{
    struct out o = {buf, len, 0};
    if (!len)
        return 0;
    unsigned sl = 0, start = 0;
    str(&o, v6 ? "  sl  local_address                         remote_address                       "
                 " st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer "
                 "drops\n"
               : "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
                 "uid  timeout inode ref pointer drops");
    if (!v6)
        pad(&o, start, 127);
    for (struct udp_pcb *p = udp_pcbs; p; p = p->next) {
        if (in_v6(&p->local_ip) != (v6 != 0))
            continue;
        start = o.n;
        bool conn = (p->flags & UDP_FLAGS_CONNECTED) != 0;
        line_start(&o, sl++, 5);
        addr(&o, &p->local_ip, p->local_port, v6 != 0);
        ch(&o, ' ');
        addr(&o, conn ? &p->remote_ip : NULL, conn ? p->remote_port : 0, v6 != 0);
        ch(&o, ' ');
        hex(&o, conn ? 1 : 7, 2); /* TCP_ESTABLISHED or TCP_CLOSE, as Linux */
        ch(&o, ' ');
        struct net_sock *s = net_sock_of(p->recv_arg);
        uint32_t rx = s && s->pcb.udp == p ? s->dq_bytes : 0;
        hex(&o, 0, 8);
        ch(&o, ':');
        hex(&o, rx, 8);
        tail(&o);
        str(&o, " 2 0000000000000000 0");
        if (!v6)
            pad(&o, start, 127);
        else
            ch(&o, '\n');
    }
    o.buf[o.n] = 0;
    return o.n;
}
