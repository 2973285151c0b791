/*
 * net_filter.c: packet filters (see net_filter.h): claims verified at install, a received
 * frame's owner, a sent frame's permission. One parser serves both directions, so a frame exo
 * would drop on receive it also refuses to send, and the fields a claim is matched on are read
 * the same way both ways. exo parses only as far as it must to decide: Ethernet, the IPv4 or
 * IPv6 header, and the TCP or UDP ports. Checksums are not checked (docs/concepts/
 * packet-filters.md says why); lengths are, since every later read depends on them.
 */
#include <exo/abi.h>
#include <exo/net_filter.h>

#define ETH_HDR 14
#define IP4_HDR 20
#define IP6_HDR 40
#define UDP_HDR 8
#define TCP_HDR 20

#define ETH_VLAN 0x8100 /* 802.1Q, 802.1ad and the old QinQ tag: dropped (no VLAN is ours) */
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100
#define IP6_FRAG 44               /* the IPv6 fragment header: dropped, as IPv4 fragments are */
#define IP4_MULTICAST 0xe0000000u /* 224.0.0.0 and up: multicast, reserved, broadcast */

/* What the parser made of a frame. */
enum { NF_MALFORMED, NF_OTHER, NF_PORTS };

struct nf_pkt {
    uint16_t ethertype;
    uint8_t proto;
    uint32_t src4, dst4;        /* IPv4 */
    const uint8_t *src6, *dst6; /* IPv6: 16 bytes each, inside the frame */
    uint16_t sport, dport;
};

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The TCP or UDP header in l4[0..n), n the IP payload's length as its header says. */
static int parse_l4(struct nf_pkt *p, const uint8_t *l4, uint32_t n)
{
    if (p->proto == EXO_NF_UDP) {
        if (n < UDP_HDR || be16(l4 + 4) < UDP_HDR || be16(l4 + 4) > n)
            return NF_MALFORMED;
    } else if (p->proto == EXO_NF_TCP) {
        if (n < TCP_HDR)
            return NF_MALFORMED;
        uint32_t off = (uint32_t)(l4[12] >> 4) * 4; /* the data offset */
        if (off < TCP_HDR || off > n)
            return NF_MALFORMED;
    } else {
        return NF_OTHER; /* ICMP, ICMPv6, IPv6 extension headers, the rest */
    }
    p->sport = be16(l4);
    p->dport = be16(l4 + 2);
    return NF_PORTS;
}

/* ip[0..n): what follows the Ethernet header. Bytes past the total length are Ethernet
 * padding and ignored. */
static int parse_ip4(struct nf_pkt *p, const uint8_t *ip, uint32_t n)
{
    if (n < IP4_HDR || ip[0] >> 4 != 4)
        return NF_MALFORMED;
    uint32_t hl = (uint32_t)(ip[0] & 15) * 4, total = be16(ip + 2);
    if (hl < IP4_HDR || total < hl || total > n) /* so hl <= n too */
        return NF_MALFORMED;
    if (be16(ip + 6) & 0x3fff)
        return NF_MALFORMED; /* MF or an offset: a fragment (dropped, see the concept) */
    p->proto = ip[9];
    p->src4 = be32(ip + 12);
    p->dst4 = be32(ip + 16);
    return parse_l4(p, ip + hl, total - hl);
}

static int parse_ip6(struct nf_pkt *p, const uint8_t *ip, uint32_t n)
{
    if (n < IP6_HDR || ip[0] >> 4 != 6)
        return NF_MALFORMED;
    uint32_t plen = be16(ip + 4);
    if (!plen || plen > n - IP6_HDR) /* 0: a jumbogram, which no link of ours carries */
        return NF_MALFORMED;
    p->proto = ip[6];
    p->src6 = ip + 8;
    p->dst6 = ip + 24;
    if (p->proto == IP6_FRAG)
        return NF_MALFORMED;
    return parse_l4(p, ip + IP6_HDR, plen);
}

static int parse(const uint8_t *f, uint32_t len, struct nf_pkt *p)
{
    if (len < ETH_HDR)
        return NF_MALFORMED;
    p->ethertype = be16(f + 12);
    switch (p->ethertype) {
    case EXO_NF_IPV4:
        return parse_ip4(p, f + ETH_HDR, len - ETH_HDR);
    case EXO_NF_IPV6:
        return parse_ip6(p, f + ETH_HDR, len - ETH_HDR);
    case ETH_VLAN:
    case ETH_QINQ:
    case ETH_QINQ_OLD:
        return NF_MALFORMED;
    default:
        return NF_OTHER; /* ARP and every other ethertype: the default env's to judge */
    }
}

static int v6_eq(const uint8_t *a, const uint8_t *b)
{
    for (int i = 0; i < 16; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static int local4(const struct exo_nf_table *t, uint32_t a)
{
    for (int i = 0; i < t->local.n4; i++)
        if (t->local.v4[i] == a)
            return 1;
    return 0;
}

static int local6(const struct exo_nf_table *t, const uint8_t *a)
{
    for (int i = 0; i < t->local.n6; i++)
        if (v6_eq(t->local.v6[i], a))
            return 1;
    return 0;
}

static int claim_ok(const struct exo_nf *f)
{
    if (!f->env || f->env == EXO_NF_DROP || f->pad || f->pad2 || !f->port)
        return EXO_E_INVAL; /* port 0: a wildcard, which would claim every port */
    if (f->proto != EXO_NF_TCP && f->proto != EXO_NF_UDP)
        return EXO_E_INVAL; /* ICMP belongs to the default env: it has no ports to own */
    if (f->ethertype == EXO_NF_IPV4)
        return f->addr < IP4_MULTICAST ? EXO_OK : EXO_E_INVAL; /* groups: the default env's */
    if (f->ethertype == EXO_NF_IPV6)
        return f->addr ? EXO_E_INVAL : EXO_OK; /* addr holds an IPv4 address only */
    return EXO_E_INVAL;                        /* ARP and the rest: the default env's */
}

/* Could one frame match both a (in the table) and b? */
static int overlaps(const struct exo_nf *a, const struct exo_nf *b)
{
    return a->env && a->ethertype == b->ethertype && a->proto == b->proto && a->port == b->port &&
           (!a->addr || !b->addr || a->addr == b->addr);
}

int exo_nf_install(struct exo_nf_table *t, const struct exo_nf *f)
{
    int e = claim_ok(f);
    if (e)
        return e;
    int held = 0, slot = -1;
    for (int i = 0; i < EXO_NF_MAX; i++) {
        if (overlaps(&t->f[i], f))
            return EXO_E_BUSY;
        if (t->f[i].env == f->env)
            held++;
        if (!t->f[i].env && slot < 0)
            slot = i;
    }
    if (held >= EXO_NF_PER_ENV || slot < 0)
        return EXO_E_NOMEM;
    t->f[slot] = *f; /* the one change, after every check */
    return slot;
}

int exo_nf_remove(struct exo_nf_table *t, uint32_t env, uint32_t slot)
{
    if (slot >= EXO_NF_MAX || !t->f[slot].env)
        return EXO_E_NOENT;
    if (t->f[slot].env != env)
        return EXO_E_PERM;
    t->f[slot] = (struct exo_nf){0};
    return EXO_OK;
}

int exo_nf_remove_env(struct exo_nf_table *t, uint32_t env)
{
    int n = 0;
    if (!env)
        return 0; /* 0 marks free slots, never an owner */
    for (int i = 0; i < EXO_NF_MAX; i++)
        if (t->f[i].env == env) {
            t->f[i] = (struct exo_nf){0};
            n++;
        }
    if (t->dflt == env)
        t->dflt = 0;
    return n;
}

int exo_nf_local_ok(const struct exo_nf_local *l)
{
    static const uint8_t zero[16];
    if (l->n4 > EXO_NF_NADDR || l->n6 > EXO_NF_NADDR)
        return EXO_E_INVAL;
    for (int i = 0; i < l->n4; i++)
        if (!l->v4[i] || l->v4[i] >= IP4_MULTICAST)
            return EXO_E_INVAL;
    for (int i = 0; i < l->n6; i++)
        if (v6_eq(l->v6[i], zero) || l->v6[i][0] == 0xff)
            return EXO_E_INVAL;
    return EXO_OK;
}

int exo_nf_set_local(struct exo_nf_table *t, const struct exo_nf_local *l)
{
    int r = exo_nf_local_ok(l);
    if (r < 0)
        return r;
    struct exo_nf_local c = {.n4 = l->n4, .n6 = l->n6}; /* unused entries zero */
    for (int i = 0; i < 6; i++)
        c.mac[i] = l->mac[i];
    for (int i = 0; i < l->n4; i++)
        c.v4[i] = l->v4[i];
    for (int i = 0; i < l->n6; i++)
        for (int j = 0; j < 16; j++)
            c.v6[i][j] = l->v6[i][j];
    t->local = c;
    return EXO_OK;
}

void exo_nf_set_default(struct exo_nf_table *t, uint32_t env)
{
    t->dflt = env;
}

/* Does claim c take received packet p? A claim of address 0 takes what is sent to a local
 * address (not broadcast or multicast: those are the default env's). */
static int rx_match(const struct exo_nf_table *t, const struct exo_nf *c, const struct nf_pkt *p)
{
    if (!c->env || c->ethertype != p->ethertype || c->proto != p->proto || c->port != p->dport)
        return 0;
    if (p->ethertype == EXO_NF_IPV6)
        return local6(t, p->dst6);
    return c->addr ? c->addr == p->dst4 : local4(t, p->dst4);
}

uint32_t exo_nf_classify(const struct exo_nf_table *t, const uint8_t *frame, uint32_t len)
{
    struct nf_pkt p = {0};
    int k = parse(frame, len, &p);
    if (k == NF_MALFORMED)
        return EXO_NF_DROP;
    if (k == NF_PORTS)
        for (int i = 0; i < EXO_NF_MAX; i++)
            if (rx_match(t, &t->f[i], &p))
                return t->f[i].env; /* the only one: overlapping claims were refused */
    return EXO_NF_DEFAULT;
}

/* Is the frame's Ethernet source the machine's (set) MAC? */
static int tx_mac_ok(const struct exo_nf_table *t, const uint8_t *frame)
{
    int set = 0;
    for (int i = 0; i < 6; i++) {
        if (frame[6 + i] != t->local.mac[i])
            return 0;
        set |= t->local.mac[i];
    }
    return set;
}

/* The claim a sent packet p is from (same ethertype, protocol and source port; the claim's
 * address, if any, its source address), or NULL. At most one: overlaps were refused. */
static const struct exo_nf *tx_claim(const struct exo_nf_table *t, const struct nf_pkt *p)
{
    for (int i = 0; i < EXO_NF_MAX; i++) {
        const struct exo_nf *c = &t->f[i];
        if (!c->env || c->ethertype != p->ethertype || c->proto != p->proto || c->port != p->sport)
            continue;
        if (p->ethertype == EXO_NF_IPV4 && c->addr && c->addr != p->src4)
            continue;
        return c;
    }
    return 0;
}

/* Is p's source address the machine's? Or 0.0.0.0 from the default env: a DHCP client's
 * before it has an address. */
static int tx_src_ok(const struct exo_nf_table *t, uint32_t env, const struct nf_pkt *p)
{
    if (p->ethertype == EXO_NF_IPV6)
        return local6(t, p->src6);
    return local4(t, p->src4) || (!p->src4 && env == t->dflt);
}

int exo_nf_tx_check(const struct exo_nf_table *t, uint32_t env, const uint8_t *frame, uint32_t len)
{
    struct nf_pkt p = {0};
    int k = parse(frame, len, &p);
    if (k == NF_MALFORMED)
        return EXO_E_INVAL;
    if (!env || !tx_mac_ok(t, frame))
        return EXO_E_PERM;
    if (k == NF_OTHER) /* ARP, ICMP, other ethertypes: the default env's alone */
        return env == t->dflt ? EXO_OK : EXO_E_PERM;
    if (!tx_src_ok(t, env, &p))
        return EXO_E_PERM;
    const struct exo_nf *c = tx_claim(t, &p);
    if (c)
        return c->env == env ? EXO_OK : EXO_E_PERM;
    return env == t->dflt ? EXO_OK : EXO_E_PERM; /* unclaimed: the default env's */
}
