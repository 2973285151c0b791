/*
 * test_net_filter.c: packet filters (exo/net_filter.c): every refusal of a claim with its exact
 * code, the table unchanged by each; received frames to their claimant, the default env or
 * nowhere, header boundaries one byte either side; what each env may send; and truncated,
 * mutated and random frames, each at the very end of a readable page, so a read past `len`
 * faults (and the test builds with AddressSanitizer and UBSan where the compiler has them).
 */
#include <check.h>

#include <exo/abi.h>
#include <exo/net_filter.h>

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ENV_A 0x101u
#define ENV_B 0x202u
#define ENV_C 0x303u
#define ENV_D 0x404u /* the default env where a test has one */

#define LOCAL4 0x0a00020fu  /* 10.0.2.15 */
#define LOCAL4B 0xc0a80105u /* 192.168.1.5 */
#define PEER4 0x0a000202u   /* 10.0.2.2 */
#define OTHER4 0x0a000263u  /* 10.0.2.99: on the link, not ours */

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t PEER_MAC[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t LOCAL6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x15}; /* 2001:db8::15 */
static const uint8_t PEER6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x02};
static const uint8_t OTHER6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x99};

/* ---- Frames ---- */

/* What build() makes: a valid frame, checksums right. Zero ihl / doff: 5 words. */
struct pkt {
    int v6;
    uint8_t proto; /* IPv4 protocol / IPv6 next header */
    int ihl, doff, pay;
    uint32_t src4, dst4;
    const uint8_t *src6, *dst6;
    uint16_t sport, dport;
    const uint8_t *smac;
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint32_t sum16(uint32_t s, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i += 2)
        s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* Builds p into b: its length. */
static uint32_t build(uint8_t *b, const struct pkt *p)
{
    int ihl = p->ihl ? p->ihl : 5, doff = p->doff ? p->doff : 5;
    uint32_t hl = p->v6 ? 40 : (uint32_t)ihl * 4;
    uint32_t l4 = p->proto == 17 ? 8 : p->proto == 6 ? (uint32_t)doff * 4 : 0;
    uint32_t n = l4 + (uint32_t)p->pay; /* IP payload */
    memset(b, 0, 14 + hl + n);
    memcpy(b, MAC, 6);
    memcpy(b + 6, p->smac ? p->smac : PEER_MAC, 6);
    put16(b + 12, p->v6 ? 0x86dd : 0x0800);
    uint8_t *ip = b + 14, *t = ip + hl;
    uint32_t pseudo = 0;
    if (p->v6) {
        ip[0] = 0x60;
        put16(ip + 4, n);
        ip[6] = p->proto;
        ip[7] = 64;
        memcpy(ip + 8, p->src6 ? p->src6 : PEER6, 16);
        memcpy(ip + 24, p->dst6 ? p->dst6 : LOCAL6, 16);
        pseudo = sum16(0, ip + 8, 32) + n + p->proto;
    } else {
        ip[0] = (uint8_t)(0x40 | ihl);
        put16(ip + 2, hl + n);
        ip[8] = 64;
        ip[9] = p->proto;
        put32(ip + 12, p->src4 ? p->src4 : PEER4);
        put32(ip + 16, p->dst4 ? p->dst4 : LOCAL4);
        for (uint32_t i = 20; i < hl; i++)
            ip[i] = 1; /* NOP options */
        put16(ip + 10, fold(sum16(0, ip, hl)));
        pseudo = sum16(0, ip + 12, 8) + n + p->proto;
    }
    for (int i = 0; i < p->pay; i++)
        t[l4 + (uint32_t)i] = (uint8_t)(0xa0 + i);
    if (l4) {
        put16(t, p->sport ? p->sport : 40000);
        put16(t + 2, p->dport);
    }
    if (p->proto == 17) {
        put16(t + 4, n);
        put16(t + 6, fold(sum16(pseudo, t, n)));
    } else if (p->proto == 6) {
        t[12] = (uint8_t)(doff << 4);
        t[13] = 0x18; /* PSH ACK */
        for (uint32_t i = 20; i < l4; i++)
            t[i] = 1; /* NOP options */
        put16(t + 16, fold(sum16(pseudo, t, n)));
    }
    return 14 + hl + n;
}

/* An ARP request from the peer for LOCAL4: 42 bytes. */
static uint32_t arp(uint8_t *b, const uint8_t *smac)
{
    static const uint8_t body[8] = {0, 1, 8, 0, 6, 4, 0, 1};
    memset(b, 0, 42);
    memset(b, 0xff, 6);
    memcpy(b + 6, smac, 6);
    put16(b + 12, 0x0806);
    memcpy(b + 14, body, 8);
    memcpy(b + 22, smac, 6);
    put32(b + 28, PEER4);
    put32(b + 38, LOCAL4);
    return 42;
}

/* ---- Every call through a guard page ---- */

static uint8_t *guard_end; /* one past the last readable byte; the page after faults */

static const uint8_t *at_guard(const uint8_t *f, uint32_t len)
{
    if (!guard_end) {
        long pg = sysconf(_SC_PAGESIZE);
        uint8_t *m =
            mmap(0, 2 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED || mprotect(m + pg, (size_t)pg, PROT_NONE))
            return 0;
        guard_end = m + pg;
    }
    memcpy(guard_end - len, f, len);
    return guard_end - len;
}

static uint32_t rx(const struct exo_nf_table *t, const uint8_t *f, uint32_t len)
{
    return exo_nf_classify(t, at_guard(f, len), len);
}

static int tx(const struct exo_nf_table *t, uint32_t env, const uint8_t *f, uint32_t len)
{
    return exo_nf_tx_check(t, env, at_guard(f, len), len);
}

/* ---- Claims ---- */

static struct exo_nf claim(uint32_t env, uint16_t type, uint8_t proto, uint32_t addr, uint16_t port)
{
    return (struct exo_nf){
        .env = env, .ethertype = type, .proto = proto, .addr = addr, .port = port};
}

static struct exo_nf_table table; /* each case starts from a zeroed one (fresh()) */
static struct exo_nf_table snap;

static struct exo_nf_table *fresh(void)
{
    memset(&table, 0, sizeof table);
    return &table;
}

/* Installs c, expecting `want`, and (on a refusal) the table unchanged. */
static void install(struct exo_nf_table *t, struct exo_nf c, int want, int line)
{
    memcpy(&snap, t, sizeof snap);
    int got = exo_nf_install(t, &c);
    CHECK_MSG(got == want, "line %d: install %d, want %d", line, got, want);
    if (want < 0)
        CHECK_MSG(memcmp(&snap, t, sizeof snap) == 0, "line %d: refused, table changed", line);
}
#define INSTALL(t, c, want) install(t, c, want, __LINE__)

TEST_CASE(install_refusals)
{
    struct exo_nf_table *t = fresh();
    struct exo_nf g = claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, 0, 53), c;
    INSTALL(t, (c = g, c.env = 0, c), EXO_E_INVAL);
    INSTALL(t, (c = g, c.env = 0xffffffffu, c), EXO_E_INVAL);
    INSTALL(t, (c = g, c.pad = 1, c), EXO_E_INVAL);
    INSTALL(t, (c = g, c.pad2 = 0x8000, c), EXO_E_INVAL);
    INSTALL(t, (c = g, c.port = 0, c), EXO_E_INVAL);   /* no wildcard port */
    INSTALL(t, (c = g, c.proto = 1, c), EXO_E_INVAL);  /* ICMP */
    INSTALL(t, (c = g, c.proto = 58, c), EXO_E_INVAL); /* ICMPv6 */
    INSTALL(t, (c = g, c.proto = 0, c), EXO_E_INVAL);
    INSTALL(t, (c = g, c.proto = 132, c), EXO_E_INVAL);        /* SCTP */
    INSTALL(t, (c = g, c.ethertype = 0x0806, c), EXO_E_INVAL); /* ARP */
    INSTALL(t, (c = g, c.ethertype = 0x8100, c), EXO_E_INVAL);
    INSTALL(t, (c = g, c.ethertype = 0, c), EXO_E_INVAL);
    INSTALL(t, (c = g, c.ethertype = 0x0008, c), EXO_E_INVAL); /* IPv4 byte-swapped */
    INSTALL(t, (c = g, c.addr = 0xe0000000u, c), EXO_E_INVAL); /* 224.0.0.0 */
    INSTALL(t, (c = g, c.addr = 0xeffffffau, c), EXO_E_INVAL); /* 239.255.255.250 */
    INSTALL(t, (c = g, c.addr = 0xffffffffu, c), EXO_E_INVAL); /* broadcast */
    INSTALL(t, (c = g, c.ethertype = EXO_NF_IPV6, c.addr = 1, c), EXO_E_INVAL);
    for (int i = 0; i < EXO_NF_MAX; i++)
        CHECK_EQ(t->f[i].env, 0);
    /* the edges that pass */
    INSTALL(t, (c = g, c.addr = 0xdfffffffu, c), 0);
    INSTALL(t, (c = g, c.port = 65535, c), 1);
    INSTALL(t, (c = g, c.port = 1, c.proto = EXO_NF_TCP, c), 2);
    INSTALL(t, (c = g, c.ethertype = EXO_NF_IPV6, c), 3);
    INSTALL(t, (c = g, c.env = 0xfffffffeu, c.port = 54, c), 4);
    CHECK_EQ(t->f[2].port, 1);
    CHECK_EQ(t->f[2].proto, 6);
    CHECK_EQ(t->f[4].env, 0xfffffffeu);
}

TEST_CASE(overlap)
{
    struct exo_nf_table *t = fresh();
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, 0, 53), 0);
    INSTALL(t, claim(ENV_B, EXO_NF_IPV4, EXO_NF_UDP, LOCAL4, 53), EXO_E_BUSY); /* in A's "any" */
    INSTALL(t, claim(ENV_B, EXO_NF_IPV4, EXO_NF_UDP, 0, 53), EXO_E_BUSY);
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, 0, 53), EXO_E_BUSY);      /* its own too */
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, LOCAL4, 53), EXO_E_BUSY); /* ... */
    INSTALL(t, claim(ENV_B, EXO_NF_IPV4, EXO_NF_TCP, 0, 53), 1); /* another protocol */
    INSTALL(t, claim(ENV_B, EXO_NF_IPV6, EXO_NF_UDP, 0, 53), 2); /* another family */
    INSTALL(t, claim(ENV_B, EXO_NF_IPV6, EXO_NF_UDP, 0, 53), EXO_E_BUSY);
    INSTALL(t, claim(ENV_C, EXO_NF_IPV4, EXO_NF_UDP, 0, 54), 3); /* another port */
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_TCP, LOCAL4, 80), 4);
    INSTALL(t, claim(ENV_B, EXO_NF_IPV4, EXO_NF_TCP, LOCAL4B, 80), 5);    /* another address */
    INSTALL(t, claim(ENV_C, EXO_NF_IPV4, EXO_NF_TCP, 0, 80), EXO_E_BUSY); /* covers both */
    INSTALL(t, claim(ENV_C, EXO_NF_IPV4, EXO_NF_TCP, LOCAL4B, 80), EXO_E_BUSY);
    /* once A lets go, the port is B's to take, in the first free slot */
    CHECK_EQ(exo_nf_remove(t, ENV_A, 0), 0);
    INSTALL(t, claim(ENV_B, EXO_NF_IPV4, EXO_NF_UDP, LOCAL4, 53), 0);
    INSTALL(t, claim(ENV_C, EXO_NF_IPV4, EXO_NF_UDP, LOCAL4B, 53), 6);
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, 0, 53), EXO_E_BUSY);
}

TEST_CASE(limits)
{
    struct exo_nf_table *t = fresh();
    for (int i = 0; i < EXO_NF_PER_ENV; i++)
        INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, 0, (uint16_t)(1000 + i)), i);
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, 0, 2000), EXO_E_NOMEM); /* per env */
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, 0, 1000), EXO_E_BUSY);  /* BUSY first */
    INSTALL(t, claim(ENV_B, EXO_NF_IPV4, EXO_NF_UDP, 0, 2000), EXO_NF_PER_ENV);
    /* fill the table: envs 1.. each at its limit */
    int slot = EXO_NF_PER_ENV + 1;
    for (uint32_t env = 1; slot < EXO_NF_MAX; env++)
        for (int i = 0; i < EXO_NF_PER_ENV && slot < EXO_NF_MAX; i++, slot++)
            INSTALL(t, claim(env, EXO_NF_IPV4, EXO_NF_TCP, 0, (uint16_t)slot), slot);
    INSTALL(t, claim(ENV_C, EXO_NF_IPV4, EXO_NF_TCP, 0, 9999), EXO_E_NOMEM); /* the table's */
    CHECK_EQ(exo_nf_remove(t, ENV_A, 3), 0);
    INSTALL(t, claim(ENV_C, EXO_NF_IPV4, EXO_NF_TCP, 0, 9999), 3);
    INSTALL(t, claim(ENV_C, EXO_NF_IPV4, EXO_NF_TCP, 0, 9998), EXO_E_NOMEM);
}

TEST_CASE(removal)
{
    struct exo_nf_table *t = fresh();
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, 0, 1), 0);
    INSTALL(t, claim(ENV_B, EXO_NF_IPV4, EXO_NF_UDP, 0, 2), 1);
    INSTALL(t, claim(ENV_A, EXO_NF_IPV6, EXO_NF_TCP, 0, 3), 2);
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_TCP, 0, 4), 3);
    CHECK_EQ(exo_nf_remove(t, ENV_A, 4), EXO_E_NOENT); /* free slot */
    CHECK_EQ(exo_nf_remove(t, ENV_A, EXO_NF_MAX), EXO_E_NOENT);
    CHECK_EQ(exo_nf_remove(t, ENV_A, 0xffffffffu), EXO_E_NOENT);
    CHECK_EQ(exo_nf_remove(t, ENV_A, 1), EXO_E_PERM); /* B's */
    CHECK_EQ(exo_nf_remove(t, 0, 1), EXO_E_PERM);
    CHECK_EQ(t->f[1].env, ENV_B);
    CHECK_EQ(exo_nf_remove(t, ENV_A, 2), 0);
    CHECK_EQ(exo_nf_remove(t, ENV_A, 2), EXO_E_NOENT);
    exo_nf_set_default(t, ENV_A);
    CHECK_EQ(exo_nf_remove_env(t, ENV_A), 2);
    CHECK_EQ(t->dflt, 0);
    CHECK_EQ(t->f[1].env, ENV_B);
    CHECK_EQ(t->f[1].port, 2);
    CHECK_EQ(exo_nf_remove_env(t, ENV_A), 0);
    CHECK_EQ(exo_nf_remove_env(t, 0), 0);
    exo_nf_set_default(t, ENV_C);
    CHECK_EQ(exo_nf_remove_env(t, ENV_B), 1);
    CHECK_EQ(t->dflt, ENV_C); /* another env's end leaves the role */
    for (int i = 0; i < EXO_NF_MAX; i++)
        CHECK_EQ(t->f[i].env, 0);
}

TEST_CASE(set_local)
{
    struct exo_nf_table *t = fresh();
    struct exo_nf_local good = {.n4 = 2, .n6 = 1, .v4 = {LOCAL4, LOCAL4B}}, l;
    memcpy(good.mac, MAC, 6);
    memcpy(good.v6[0], LOCAL6, 16);
    good.v4[3] = 0x01020304; /* past n4: not taken */
    good.v6[2][0] = 0x20;
    const struct exo_nf_local bad[] = {
        (l = good, l.n4 = EXO_NF_NADDR + 1, l),
        (l = good, l.n6 = EXO_NF_NADDR + 1, l),
        (l = good, l.v4[1] = 0, l),
        (l = good, l.v4[0] = 0xe0000001u, l),
        (l = good, l.v4[1] = 0xffffffffu, l),
        (l = good, memset(l.v6[0], 0, 16), l),
        (l = good, l.v6[0][0] = 0xff, l), /* ff..: multicast */
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(exo_nf_set_local(t, &bad[i]), EXO_E_INVAL);
        struct exo_nf_local zero = {0};
        CHECK_MSG(memcmp(&t->local, &zero, sizeof zero) == 0, "bad[%u] changed the table", i);
    }
    CHECK_EQ(exo_nf_set_local(t, &good), 0);
    CHECK_EQ(t->local.n4, 2);
    CHECK_EQ(t->local.v4[1], LOCAL4B);
    CHECK_EQ(t->local.v4[3], 0);
    CHECK_EQ(t->local.v6[2][0], 0);
    CHECK_EQ(memcmp(t->local.v6[0], LOCAL6, 16), 0);
    CHECK_EQ(memcmp(t->local.mac, MAC, 6), 0);
    l = good;
    l.n4 = EXO_NF_NADDR;
    l.n6 = 0;
    l.v4[2] = 0xdfffffffu;
    CHECK_EQ(exo_nf_set_local(t, &l), 0); /* every slot, and the highest unicast address */
}

/* The machine of most cases: two IPv4 addresses, one IPv6, MAC; claims A UDP 5000, B TCP 80
 * (any address), C UDP 5000 over IPv6, D TCP 22 on LOCAL4B only; the default env D. */
static struct exo_nf_table *machine(void)
{
    struct exo_nf_table *t = fresh();
    struct exo_nf_local l = {.n4 = 2, .n6 = 1, .v4 = {LOCAL4, LOCAL4B}};
    memcpy(l.mac, MAC, 6);
    memcpy(l.v6[0], LOCAL6, 16);
    CHECK_EQ(exo_nf_set_local(t, &l), 0);
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, 0, 5000), 0);
    INSTALL(t, claim(ENV_B, EXO_NF_IPV4, EXO_NF_TCP, 0, 80), 1);
    INSTALL(t, claim(ENV_C, EXO_NF_IPV6, EXO_NF_UDP, 0, 5000), 2);
    INSTALL(t, claim(ENV_D, EXO_NF_IPV4, EXO_NF_TCP, LOCAL4B, 22), 3);
    exo_nf_set_default(t, ENV_D);
    return t;
}

static uint8_t fb[2048];

/* The verdict on received frame p. */
static uint32_t rxp(const struct exo_nf_table *t, struct pkt p)
{
    return rx(t, fb, build(fb, &p));
}

TEST_CASE(receive_two_envs)
{
    struct exo_nf_table *t = machine();
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 5000, .pay = 10}), ENV_A);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 6, .dport = 80, .pay = 100}), ENV_B);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 5000, .dst4 = LOCAL4B}), ENV_A);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 6, .dport = 80, .dst4 = LOCAL4B}), ENV_B);
    /* the other's port, the other protocol: nobody's */
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 80}), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 6, .dport = 5000}), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 5001}), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 4999}), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 0}), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .sport = 5000, .dport = 9}), EXO_NF_DEFAULT);
    /* "any address" is any of the machine's: not another host's, not broadcast */
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 5000, .dst4 = OTHER4}), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 5000, .dst4 = 0xffffffffu}), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 5000, .dst4 = 0xe00000fbu}), EXO_NF_DEFAULT);
    /* one address only */
    CHECK_EQ(rxp(t, (struct pkt){.proto = 6, .dport = 22, .dst4 = LOCAL4B}), ENV_D);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 6, .dport = 22, .dst4 = LOCAL4}), EXO_NF_DEFAULT);
    /* IPv6 */
    CHECK_EQ(rxp(t, (struct pkt){.v6 = 1, .proto = 17, .dport = 5000}), ENV_C);
    CHECK_EQ(rxp(t, (struct pkt){.v6 = 1, .proto = 17, .dport = 5000, .dst6 = OTHER6}),
             EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.v6 = 1, .proto = 6, .dport = 80}), EXO_NF_DEFAULT);
    /* IPv4 options, TCP options, Ethernet padding past the IP total length */
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 5000, .ihl = 6}), ENV_A);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 6, .dport = 80, .doff = 8}), ENV_B);
    uint32_t n = build(fb, &(struct pkt){.proto = 17, .dport = 5000});
    CHECK_EQ(n, 42);
    memset(fb + n, 0, 60 - n);
    CHECK_EQ(rx(t, fb, 60), ENV_A); /* the 60-byte minimum frame, zero-padded */
    /* the default env's: ARP, ICMP, ICMPv6, other ethertypes, 802.3 lengths */
    CHECK_EQ(rx(t, fb, arp(fb, PEER_MAC)), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 1, .pay = 8}), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.v6 = 1, .proto = 58, .pay = 8}), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 47, .pay = 8}), EXO_NF_DEFAULT); /* GRE */
    n = build(fb, &(struct pkt){.proto = 17, .dport = 5000});
    put16(fb + 12, 0x88cc); /* LLDP */
    CHECK_EQ(rx(t, fb, n), EXO_NF_DEFAULT);
    put16(fb + 12, 0x0040); /* an 802.3 length */
    CHECK_EQ(rx(t, fb, n), EXO_NF_DEFAULT);
    /* a dead env's claims are gone: its port is nobody's */
    CHECK_EQ(exo_nf_remove_env(t, ENV_A), 1);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 17, .dport = 5000}), EXO_NF_DEFAULT);
    CHECK_EQ(rxp(t, (struct pkt){.proto = 6, .dport = 80}), ENV_B);
}

/* exo does not check checksums: a frame with wrong ones reaches its claimant, whose stack
 * drops it (docs/concepts/packet-filters.md says why). */
TEST_CASE(checksums_not_checked)
{
    struct exo_nf_table *t = machine();
    uint32_t n = build(fb, &(struct pkt){.proto = 17, .dport = 5000, .pay = 4});
    CHECK_EQ(fold(sum16(0, fb + 14, 20)), 0); /* build's are right */
    fb[14 + 10] ^= 0x55;                      /* IPv4 header checksum */
    CHECK_EQ(rx(t, fb, n), ENV_A);
    fb[34 + 6] ^= 0x55; /* UDP checksum */
    CHECK_EQ(rx(t, fb, n), ENV_A);
    n = build(fb, &(struct pkt){.proto = 6, .dport = 80, .pay = 4});
    fb[34 + 16] ^= 0xff; /* TCP checksum */
    CHECK_EQ(rx(t, fb, n), ENV_B);
    n = build(
        fb,
        &(struct pkt){
            .proto = 17, .src4 = LOCAL4, .dst4 = PEER4, .sport = 5000, .dport = 53, .smac = MAC});
    fb[14 + 10] ^= 0x55;
    fb[34 + 6] ^= 0x55;
    CHECK_EQ(tx(t, ENV_A, fb, n), 0);
}

/* One hand-built frame: a valid pkt, then up to two pokes (a 2-byte value at an offset; 1-byte
 * when w is 1), then its length: built (0) or `len`. */
struct mcase {
    const char *what;
    struct pkt p;
    struct {
        uint16_t off, val;
        uint8_t w;
    } poke[2];
    uint32_t len;
    uint32_t want;
};

#define U4 .proto = 17, .dport = 5000          /* A's */
#define T4 .proto = 6, .dport = 80             /* B's */
#define U6 .v6 = 1, .proto = 17, .dport = 5000 /* C's */
#define DEF EXO_NF_DEFAULT
#define DROP EXO_NF_DROP
/* offsets: IPv4 header at 14 (total length 16, flags/offset 20, protocol 23), L4 at 14 + ihl*4;
 * IPv6 payload length 18, next header 20, L4 at 54 */
static const struct mcase mcases[] = {
    {"ethernet 13 bytes", {U4}, .len = 13, .want = DROP},
    {"ethernet 14 bytes, IPv4", {U4}, .len = 14, .want = DROP},
    {"ipv4 header 19 bytes", {.proto = 1}, .len = 33, .want = DROP},
    {"ipv4 header 20 bytes, ICMP", {.proto = 1}, .len = 34, .want = DEF},
    {"ipv4 version 5", {U4}, {{14, 0x55, 1}}, .want = DROP},
    {"ipv4 version 6", {U4}, {{14, 0x65, 1}}, .want = DROP},
    {"ipv4 ihl 4", {U4}, {{14, 0x44, 1}}, .want = DROP},
    {"ipv4 ihl 0", {U4}, {{14, 0x40, 1}}, .want = DROP},
    {"ipv4 ihl 5", {U4}, .want = ENV_A},
    {"ipv4 ihl 15", {U4, .ihl = 15}, .want = ENV_A},
    {"ipv4 ihl 15, frame 1 short", {U4, .ihl = 15}, .len = 14 + 60 + 8 - 1, .want = DROP},
    {"ipv4 ihl 15 past the frame", {.proto = 1}, {{14, 0x4f, 1}, {16, 60, 2}}, .want = DROP},
    {"ipv4 ihl 15 past total", {.proto = 1, .pay = 40}, {{14, 0x4f, 1}, {16, 59, 2}}, .want = DROP},
    {"ipv4 ihl 15 at total", {.proto = 1, .pay = 40}, {{14, 0x4f, 1}, {16, 60, 2}}, .want = DEF},
    {"ipv4 total = header - 1", {.proto = 1}, {{16, 19, 2}}, .want = DROP},
    {"ipv4 total = header", {.proto = 1}, {{16, 20, 2}}, .want = DEF},
    {"ipv4 total 0", {U4}, {{16, 0, 2}}, .want = DROP},
    {"ipv4 total = frame + 1", {U4, .pay = 4}, {{16, 33, 2}}, .want = DROP},
    {"ipv4 total = frame", {U4, .pay = 4}, {{16, 32, 2}}, .want = ENV_A},
    {"ipv4 total 0xffff", {U4, .pay = 4}, {{16, 0xffff, 2}}, .want = DROP},
    {"ipv4 frame 1 short of total", {U4, .pay = 4}, .len = 45, .want = DROP},
    {"ipv4 MF", {U4}, {{20, 0x2000, 2}}, .want = DROP},
    {"ipv4 offset 1", {U4}, {{20, 0x0001, 2}}, .want = DROP},
    {"ipv4 offset max, MF", {U4}, {{20, 0x3fff, 2}}, .want = DROP},
    {"ipv4 DF", {U4}, {{20, 0x4000, 2}}, .want = ENV_A},
    {"ipv4 reserved flag", {U4}, {{20, 0x8000, 2}}, .want = ENV_A},
    {"ipv4 fragment of ICMP", {.proto = 1, .pay = 8}, {{20, 0x2000, 2}}, .want = DROP},
    {"udp header 7 bytes", {U4}, {{16, 27, 2}}, .want = DROP},
    {"udp header 8 bytes", {U4}, .want = ENV_A},
    {"udp length 7", {U4}, {{38, 7, 2}}, .want = DROP},
    {"udp length 0", {U4}, {{38, 0, 2}}, .want = DROP},
    {"udp length 8 of 12", {U4, .pay = 4}, {{38, 8, 2}}, .want = ENV_A},
    {"udp length = ip payload", {U4, .pay = 4}, {{38, 12, 2}}, .want = ENV_A},
    {"udp length = ip payload + 1", {U4, .pay = 4}, {{38, 13, 2}}, .want = DROP},
    {"udp past ip options", {U4, .ihl = 6}, {{42, 9, 2}}, .want = DROP},
    {"tcp header 19 bytes", {T4}, {{16, 39, 2}}, .want = DROP},
    {"tcp header 20 bytes", {T4}, .want = ENV_B},
    {"tcp frame 1 short", {T4}, .len = 53, .want = DROP},
    {"tcp data offset 4", {T4}, {{46, 0x40, 1}}, .want = DROP},
    {"tcp data offset 0", {T4}, {{46, 0x00, 1}}, .want = DROP},
    {"tcp data offset 6 of 24", {T4, .pay = 4}, {{46, 0x60, 1}}, .want = ENV_B},
    {"tcp data offset 7 of 24", {T4, .pay = 4}, {{46, 0x70, 1}}, .want = DROP},
    {"tcp data offset 15", {T4, .doff = 15}, .want = ENV_B},
    {"tcp data offset 15, 1 short", {T4, .doff = 15}, {{16, 20 + 59, 2}}, .want = DROP},
    {"ipv6 header 39 bytes", {.v6 = 1, .proto = 58, .pay = 8}, .len = 53, .want = DROP},
    {"ipv6 ICMPv6", {.v6 = 1, .proto = 58, .pay = 8}, .want = DEF},
    {"ipv6 version 4", {U6}, {{14, 0x40, 1}}, .want = DROP},
    {"ipv6 version 7", {U6}, {{14, 0x70, 1}}, .want = DROP},
    {"ipv6 payload 0 (jumbogram)", {.v6 = 1, .proto = 58, .pay = 8}, {{18, 0, 2}}, .want = DROP},
    {"ipv6 payload = frame + 1", {U6, .pay = 4}, {{18, 13, 2}}, .want = DROP},
    {"ipv6 payload = frame", {U6, .pay = 4}, {{18, 12, 2}}, .want = ENV_C},
    {"ipv6 payload 7, udp", {U6}, {{18, 7, 2}}, .want = DROP},
    {"ipv6 udp length 13 of 12", {U6, .pay = 4}, {{58, 13, 2}}, .want = DROP},
    {"ipv6 fragment header", {U6}, {{20, 44, 1}}, .want = DROP},
    {"ipv6 hop-by-hop first", {U6}, {{20, 0, 1}}, .want = DEF},
    {"ipv6 routing header first", {U6}, {{20, 43, 1}}, .want = DEF},
    {"ipv6 destination options first", {U6}, {{20, 60, 1}}, .want = DEF},
    {"ipv6 no next header", {U6}, {{20, 59, 1}}, .want = DEF},
    {"vlan 802.1Q", {U4}, {{12, 0x8100, 2}}, .want = DROP},
    {"vlan 802.1ad", {U4}, {{12, 0x88a8, 2}}, .want = DROP},
    {"vlan old QinQ", {U4}, {{12, 0x9100, 2}}, .want = DROP},
    {"arp, ethernet header only", {U4}, {{12, 0x0806, 2}}, .len = 14, .want = DEF},
};

TEST_CASE(malformed_boundaries)
{
    struct exo_nf_table *t = machine();
    for (unsigned i = 0; i < sizeof mcases / sizeof mcases[0]; i++) {
        const struct mcase *m = &mcases[i];
        uint32_t n = build(fb, &m->p);
        for (int j = 0; j < 2; j++) {
            if (m->poke[j].w == 1)
                fb[m->poke[j].off] = (uint8_t)m->poke[j].val;
            else if (m->poke[j].w == 2)
                put16(fb + m->poke[j].off, m->poke[j].val);
        }
        if (m->len)
            n = m->len;
        uint32_t got = rx(t, fb, n);
        CHECK_MSG(got == m->want, "%s: verdict %#x, want %#x", m->what, got, m->want);
        /* what exo drops on receive it refuses to send, whoever sends it */
        int s = tx(t, ENV_D, fb, n);
        CHECK_MSG((s == EXO_E_INVAL) == (m->want == DROP), "%s: tx %d", m->what, s);
    }
}

/* May env send frame p? */
static int txp(const struct exo_nf_table *t, uint32_t env, struct pkt p)
{
    return tx(t, env, fb, build(fb, &p));
}

TEST_CASE(transmit)
{
    struct exo_nf_table *t = machine();
    uint8_t a[64];
    struct pkt u = {
        .proto = 17, .src4 = LOCAL4, .dst4 = PEER4, .sport = 5000, .dport = 53, .smac = MAC};
    struct pkt p;
#define TX(env, pk, want) CHECK_EQ(txp(t, env, pk), want)
    TX(ENV_A, u, 0);
    TX(ENV_A, (p = u, p.src4 = LOCAL4B, p), 0);           /* a claim of address 0: either address */
    TX(ENV_A, (p = u, p.src4 = OTHER4, p), EXO_E_PERM);   /* not the machine's address */
    TX(ENV_A, (p = u, p.sport = 5001, p), EXO_E_PERM);    /* not its port */
    TX(ENV_A, (p = u, p.proto = 6, p), EXO_E_PERM);       /* not its protocol */
    TX(ENV_A, (p = u, p.smac = PEER_MAC, p), EXO_E_PERM); /* not the machine's MAC */
    TX(ENV_B, u, EXO_E_PERM);                             /* A's port */
    TX(ENV_D, u, EXO_E_PERM); /* the default env may not speak for a claimant either */
    TX(ENV_A, (p = u, p.dport = 5000, p.sport = 53, p), EXO_E_PERM); /* its port as dest only */
    TX(ENV_D, (p = u, p.dport = 5000, p.sport = 53, p), 0);          /* unclaimed: default's */
    TX(ENV_D, (p = u, p.sport = 53, p.src4 = OTHER4, p), EXO_E_PERM);
    /* 0.0.0.0: the default env's, from an unclaimed port (a DHCP client before its lease) */
    struct pkt dhcp = {.proto = 17,
                       .src4 = LOCAL4,
                       .dst4 = 0xffffffffu,
                       .sport = 68,
                       .dport = 67,
                       .smac = MAC,
                       .pay = 20};
    uint32_t n = build(fb, &dhcp);
    put32(fb + 26, 0); /* build takes a zero source for its default */
    CHECK_EQ(tx(t, ENV_D, fb, n), 0);
    CHECK_EQ(tx(t, ENV_A, fb, n), EXO_E_PERM);
    put16(fb + 34, 5000);
    CHECK_EQ(tx(t, ENV_D, fb, n), EXO_E_PERM); /* A's port, from any address */
    CHECK_EQ(tx(t, ENV_A, fb, n), EXO_E_PERM); /* A's port, not from a local address */
    /* B's claim of address 0, D's of LOCAL4B only */
    struct pkt tc = {.proto = 6,
                     .src4 = LOCAL4,
                     .dst4 = PEER4,
                     .sport = 80,
                     .dport = 40000,
                     .smac = MAC,
                     .pay = 20};
    TX(ENV_B, tc, 0);
    TX(ENV_A, tc, EXO_E_PERM);
    TX(ENV_D, (p = tc, p.sport = 22, p.src4 = LOCAL4B, p), 0);
    TX(ENV_D, (p = tc, p.sport = 22, p), 0); /* 22 from LOCAL4: unclaimed, the default's */
    TX(ENV_B, (p = tc, p.sport = 22, p.src4 = LOCAL4B, p), EXO_E_PERM);
    /* IPv6: C's */
    struct pkt u6 = {.v6 = 1,
                     .proto = 17,
                     .src6 = LOCAL6,
                     .dst6 = PEER6,
                     .sport = 5000,
                     .dport = 53,
                     .smac = MAC};
    TX(ENV_C, u6, 0);
    TX(ENV_C, (p = u6, p.src6 = OTHER6, p), EXO_E_PERM);
    TX(ENV_A, u6, EXO_E_PERM); /* A's port is IPv4's */
    TX(ENV_C, u, EXO_E_PERM);
    /* ARP, ICMP, ICMPv6, the rest: the default env's alone */
    CHECK_EQ(tx(t, ENV_D, a, arp(a, MAC)), 0);
    CHECK_EQ(tx(t, ENV_A, a, arp(a, MAC)), EXO_E_PERM);
    CHECK_EQ(tx(t, ENV_D, a, arp(a, PEER_MAC)), EXO_E_PERM); /* the MAC, the default's too */
    struct pkt icmp = {.proto = 1, .src4 = LOCAL4, .dst4 = PEER4, .pay = 8, .smac = MAC};
    TX(ENV_D, icmp, 0);
    TX(ENV_A, icmp, EXO_E_PERM);
    TX(ENV_D, (p = u6, p.proto = 58, p.pay = 8, p), 0);
    TX(ENV_C, (p = u6, p.proto = 58, p.pay = 8, p), EXO_E_PERM);
    /* malformed: refused before anything else, the default env's too */
    n = build(fb, &u);
    CHECK_EQ(tx(t, ENV_A, fb, n - 1), EXO_E_INVAL);
    CHECK_EQ(tx(t, ENV_D, fb, 13), EXO_E_INVAL);
    put16(fb + 20, 0x2000); /* MF */
    CHECK_EQ(tx(t, ENV_A, fb, n), EXO_E_INVAL);
    CHECK_EQ(tx(t, ENV_D, fb, n), EXO_E_INVAL);
    n = build(fb, &u);
    put16(fb + 12, 0x8100);
    CHECK_EQ(tx(t, ENV_D, fb, n), EXO_E_INVAL);
    /* env 0 is nobody, even with no default env */
    exo_nf_set_default(t, 0);
    CHECK_EQ(tx(t, 0, a, arp(a, MAC)), EXO_E_PERM);
    CHECK_EQ(tx(t, ENV_D, a, arp(a, MAC)), EXO_E_PERM);
    TX(ENV_D, (p = u, p.sport = 53, p), EXO_E_PERM);
    exo_nf_set_default(t, ENV_D);
    CHECK_EQ(exo_nf_remove_env(t, ENV_D), 1); /* its end: no default env left */
    CHECK_EQ(tx(t, ENV_D, a, arp(a, MAC)), EXO_E_PERM);
    TX(ENV_A, u, 0);
    /* no MAC set: nothing may be sent, even from an all-zero source */
    static const uint8_t zero_mac[6];
    t = fresh();
    INSTALL(t, claim(ENV_A, EXO_NF_IPV4, EXO_NF_UDP, 0, 5000), 0);
    struct exo_nf_local l = {.n4 = 1, .v4 = {LOCAL4}};
    CHECK_EQ(exo_nf_set_local(t, &l), 0);
    exo_nf_set_default(t, ENV_D);
    TX(ENV_A, (p = u, p.smac = zero_mac, p), EXO_E_PERM);
    CHECK_EQ(tx(t, ENV_D, a, arp(a, zero_mac)), EXO_E_PERM);
#undef TX
}

/* ---- Never past len ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull; /* xorshift64*, fixed seed */

static uint32_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static int verdict_ok(uint32_t v)
{
    return v == EXO_NF_DEFAULT || v == EXO_NF_DROP || v == ENV_A || v == ENV_B || v == ENV_C ||
           v == ENV_D;
}

/* Every truncation of each valid frame: the Ethernet header cut is dropped, IP frames cut
 * anywhere short of their total length are dropped, never read past the cut. */
TEST_CASE(truncations)
{
    struct exo_nf_table *t = machine();
    const struct pkt valid[] = {
        {U4, .pay = 30},
        {T4, .doff = 15, .pay = 5},
        {U4, .ihl = 15},
        {U6, .pay = 3},
        {.v6 = 1, .proto = 6, .dport = 80, .doff = 6},
        {.proto = 1, .pay = 8},
        {.v6 = 1, .proto = 58, .pay = 8},
        {.proto = 6, .dport = 22, .dst4 = LOCAL4B},
    };
    const uint32_t owner[] = {ENV_A, ENV_B, ENV_A, ENV_C, DEF, DEF, DEF, ENV_D};
    for (unsigned i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        uint32_t n = build(fb, &valid[i]);
        CHECK_EQ(rx(t, fb, n), owner[i]);
        int bad = 0;
        for (uint32_t len = 0; len < n; len++)
            bad += rx(t, fb, len) != DROP || tx(t, ENV_D, fb, len) != EXO_E_INVAL;
        CHECK_MSG(bad == 0, "frame %u: %d truncations not dropped", i, bad);
    }
    uint32_t n = arp(fb, PEER_MAC);
    for (uint32_t len = 0; len <= n; len++)
        CHECK_EQ(rx(t, fb, len), len < 14 ? DROP : DEF);
}

/* Random frames, and valid ones with bytes changed: any verdict, but a sane one, and exo's
 * two directions agreeing on what is malformed. The counts show the parser's depths are
 * reached (each verdict seen). */
TEST_CASE(random_frames)
{
    struct exo_nf_table *t = machine();
    const struct pkt seeds[] = {{U4, .pay = 6},
                                {T4, .pay = 6},
                                {U6, .pay = 6},
                                {.v6 = 1, .proto = 6, .dport = 80},
                                {.proto = 6, .dport = 22, .dst4 = LOCAL4B}};
    uint32_t seen[6] = {0}; /* DEFAULT, DROP, A, B, C, D */
    int insane = 0, disagree = 0;
    for (int i = 0; i < 20000; i++) {
        uint32_t n;
        if (i % 4 == 0) { /* all random, half of them with an IP ethertype and version */
            n = rnd() % 128;
            for (uint32_t j = 0; j < n; j++)
                fb[j] = (uint8_t)rnd();
            if (n >= 15 && rnd() & 1) {
                int v6 = rnd() & 1;
                put16(fb + 12, v6 ? 0x86dd : 0x0800);
                fb[14] = (uint8_t)((v6 ? 0x60 : 0x45) | (rnd() & 15));
            }
        } else { /* a valid frame, 1 to 4 bytes of its headers changed, maybe cut or padded */
            n = build(fb, &seeds[rnd() % (sizeof seeds / sizeof seeds[0])]);
            for (uint32_t k = 1 + rnd() % 4; k; k--)
                fb[rnd() % (n < 80 ? n : 80)] = (uint8_t)rnd();
            uint32_t r = rnd() % 8;
            n = r == 0 ? rnd() % n : r == 1 ? n + rnd() % 20 : n;
        }
        uint32_t v = rx(t, fb, n);
        int s = tx(t, ENV_D, fb, n);
        insane += !verdict_ok(v) || (s != 0 && s != EXO_E_INVAL && s != EXO_E_PERM);
        disagree += (v == DROP) != (s == EXO_E_INVAL);
        seen[v == DEF ? 0 : v == DROP ? 1 : v == ENV_A ? 2 : v == ENV_B ? 3 : v == ENV_C ? 4 : 5]++;
    }
    CHECK_EQ(insane, 0);
    CHECK_EQ(disagree, 0);
    for (int k = 0; k < 6; k++)
        CHECK_MSG(seen[k] > 0, "verdict %d never seen", k);
    printf("random_frames: default %u, drop %u, A %u, B %u, C %u, D %u\n", seen[0], seen[1],
           seen[2], seen[3], seen[4], seen[5]);
}
