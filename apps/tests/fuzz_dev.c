/*
 * fuzz_dev.c: plausible arguments for the fuzzer's device, interrupt and transfer calls. Random
 * numbers stop these calls at their first check (no such device, not set up, not your queue),
 * so seven calls in eight get values that pass it: a device exo numbers (the balloon exo keeps
 * included), one of its queues, the queue's own address, features the device offers, one of
 * the child's events, a vector left to envs, the server env. A vio_kick names a queue the
 * child holds and comes with new chains written into that queue's pages: the shape the queue
 * takes (a blk header, data and status byte; a net header and frame; rng buffers), in the
 * child's own pages, each chain in eight with one descriptor spoiled. The child tracks what it
 * holds from the results, so most kicks submit something. The packet-filter calls get a
 * claim or the machine's identity written into one of its pages, mostly well-formed and on
 * few ports (overlaps, both limits), and nf_release the slots nf_claim returned; the identity
 * mostly carries the NIC's own MAC (exo takes the NIC), a quarter of the time none (exo gives
 * it back). nf_ring names a run of the child's pages and events mostly, its page count 0, the
 * most, one past it, or a run past the child's pages at times; nf_send a frame in one of its
 * pages: mostly ARP or UDP from that MAC and the identity's addresses and ports, sometimes
 * mutated, sometimes of a random length.
 */
#include "fuzz.h"

#define VERSION_1 (1ull << 32)
#define VIRTIO_BLK 2
#define VIRTIO_NET 1
#define VIRTIO_RNG 4

struct queue {
    uint64_t va;
    uint16_t size, next, cursor; /* next: the available index exo expects; cursor: descriptor */
    uint8_t open;
};

static struct queue qs[FUZZ_DEVS][EXO_VQ_MAX];

static uint64_t queue_va(uint64_t dev, uint64_t q)
{
    return QUEUE_VA + (dev % FUZZ_DEVS * EXO_VQ_MAX + q % EXO_VQ_MAX) * 4 * EXO_PAGE;
}

static uint64_t pick_dev(uint64_t v)
{
    uint64_t nd = sh->ndevs ? sh->ndevs : 1;
    return v % 8 ? (v >> 3) % nd : (v >> 3) % (FUZZ_DEVS + 2);
}

static uint64_t pick_queue(uint64_t dev, uint64_t v)
{
    uint64_t nq = dev < FUZZ_DEVS && sh->nqueues[dev] ? sh->nqueues[dev] : 1;
    return v % 8 ? (v >> 3) % nq : (v >> 3) % (EXO_VQ_MAX + 2);
}

/* Is va mapped writable in the child now? (Random calls unmap and protect its pages.) */
static int64_t writable(uint64_t va)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
    return pte >= 0 && (pte & EXO_PROT_W) ? pte : -1;
}

/* A buffer of len (1..4096) bytes in one of the child's pages; if the page is mapped writable
 * and fill is given, fill(va, addr) writes its contents first. */
static uint64_t buffer(uint64_t *s, uint32_t len, void (*fill)(volatile uint8_t *, uint64_t *),
                       uint64_t *fs)
{
    uint64_t r = rnd(s), i = r % SCRATCH_PAGES, off = (r >> 8) % (EXO_PAGE - len + 1);
    uint64_t ppn = scratch_ppn[i];
    if (fill) {
        int64_t pte = writable(SCRATCH_VA + i * EXO_PAGE);
        if (pte >= 0) {
            ppn = (uint64_t)pte >> 12;
            fill((volatile uint8_t *)(SCRATCH_VA + i * EXO_PAGE + off), fs);
        }
    }
    return ppn << 12 | off;
}

/* virtio-blk request header: type, reserved, sector (the fuzz boots' disk has 4096 sectors). */
static void blk_header(volatile uint8_t *p, uint64_t *s)
{
    static const uint32_t types[] = {0, 1, 4, 8, 0, 1, 11, 13};
    uint64_t r = rnd(s);
    *(volatile uint32_t *)p = types[r % 8];
    *(volatile uint32_t *)(p + 4) = 0;
    *(volatile uint64_t *)(p + 8) = r % 16 ? (r >> 8) % 4096 : r >> 8;
}

/* virtio-net header: no checksum, no segmentation (a frame QEMU sends as it is). */
static void net_header(volatile uint8_t *p, uint64_t *s)
{
    (void)s;
    for (int i = 0; i < 12; i++)
        p[i] = 0;
}

struct piece {
    uint32_t len;
    uint16_t write;
    void (*fill)(volatile uint8_t *, uint64_t *);
};

/* The pieces of one well-formed request for queue q of a device of type t. */
static int shape(uint16_t t, uint64_t q, uint16_t nq, uint64_t r, struct piece p[4])
{
    uint32_t len = 1 + (uint32_t)(r >> 8) % 4096;
    switch (t) {
    case VIRTIO_BLK:
        p[0] = (struct piece){16, 0, blk_header};
        switch (r % 4) {
        case 0: /* read */
        case 1: /* write */
            p[1] = (struct piece){512 * (1 + (uint32_t)(r >> 4) % 8), r % 4 == 0, 0};
            p[2] = (struct piece){1, 1, 0};
            return 3;
        case 2: /* flush, or whatever the header says, with no data */
            p[1] = (struct piece){1, 1, 0};
            return 2;
        default: /* get id */
            p[1] = (struct piece){20, 1, 0};
            p[2] = (struct piece){1, 1, 0};
            return 3;
        }
    case VIRTIO_NET:
        if (nq % 2 && q == (uint64_t)nq - 1u) { /* controlq: class, command, data; ack */
            p[0] = (struct piece){2 + len % 16, 0, 0};
            p[1] = (struct piece){1, 1, 0};
            return 2;
        }
        if (q % 2 == 0) { /* receiveq: buffers the device fills, header first */
            p[0] = (struct piece){len < 12 ? 12 : len, 1, 0};
            return 1;
        }
        p[0] = (struct piece){12, 0, net_header}; /* transmitq: header, then a frame */
        p[1] = (struct piece){14 + len % 1500, 0, 0};
        return 2;
    case VIRTIO_RNG:
        p[0] = (struct piece){len, 1, 0};
        return 1;
    default:
        p[0] = (struct piece){len, (uint16_t)(r & 1), 0};
        return 1;
    }
}

/* Writes nchains chains for open queue (d, q) into its pages: the available index to kick. */
static uint64_t write_chains(uint64_t d, uint64_t q, uint64_t *s)
{
    struct queue *k = &qs[d][q];
    if (writable(k->va) < 0 || writable(k->va + EXO_PAGE) < 0)
        return k->next; /* no longer ours (a reset, a close): kick as it stands */
    volatile struct exo_vq_desc *desc = (volatile struct exo_vq_desc *)(k->va + EXO_VQ_DESC_OFF);
    volatile struct exo_vq_avail *avail = (void *)(k->va + EXO_VQ_AVAIL_OFF);
    uint64_t r = rnd(s), nchains = 1 + r % 3;
    for (uint64_t c = 0; c < nchains; c++) {
        struct piece p[4];
        r = rnd(s);
        int n = shape(sh->type[d], q, sh->nqueues[d], r, p);
        uint16_t head = (uint16_t)(k->cursor % k->size);
        for (int i = 0; i < n; i++) {
            uint16_t at = (uint16_t)((k->cursor + i) % k->size);
            uint64_t fs = rnd(s);
            desc[at].addr = buffer(s, p[i].len, p[i].fill, &fs);
            desc[at].len = p[i].len;
            desc[at].flags =
                (uint16_t)((p[i].write ? EXO_VQ_F_WRITE : 0) | (i + 1 < n ? EXO_VQ_F_NEXT : 0));
            desc[at].next = (uint16_t)((k->cursor + i + 1) % k->size);
        }
        if (r >> 61 == 0) { /* one in eight: spoil one descriptor */
            uint16_t at = (uint16_t)((k->cursor + (r >> 20) % (uint64_t)n) % k->size);
            switch ((r >> 24) % 6) {
            case 0: /* a direction or chaining flag flipped */
                desc[at].flags ^= (uint16_t)(1u << (r >> 30) % 3);
                break;
            case 1: /* empty, or far too long */
                desc[at].len = (r >> 32) % 2 ? 0 : (uint32_t)(r >> 33);
                break;
            case 2: /* a page not ours */
                desc[at].addr = shared_ppn << 12;
                break;
            case 3: /* anywhere in (or beyond) the table */
                desc[at].next = (uint16_t)(r >> 32);
                break;
            case 4: /* running into the next page */
                desc[at].addr += EXO_PAGE - 1;
                break;
            default: /* running on into an older chain */
                desc[at].flags |= EXO_VQ_F_NEXT;
                break;
            }
        }
        k->cursor = (uint16_t)(k->cursor + n);
        avail->ring[(uint16_t)(k->next + c) % k->size] = head;
    }
    return (uint16_t)(k->next + nchains);
}

/* The queue a kick or close names: one the child holds, if any (which one from v). */
static int held(uint64_t v, uint64_t *d, uint64_t *q)
{
    int n = 0;
    for (int i = 0; i < FUZZ_DEVS; i++)
        for (int j = 0; j < EXO_VQ_MAX; j++)
            n += qs[i][j].open;
    if (!n)
        return 0;
    n = (int)(v % (uint64_t)n);
    for (int i = 0; i < FUZZ_DEVS; i++)
        for (int j = 0; j < EXO_VQ_MAX; j++)
            if (qs[i][j].open && n-- == 0) {
                *d = (uint64_t)i;
                *q = (uint64_t)j;
                return 1;
            }
    return 0;
}

/* --- packet-filter claims (nf_claim, nf_release, nf_config) ---------------------------------- */

static uint64_t nf_slots[4]; /* slots nf_claim returned lately: what nf_release names mostly */

/* A place for a struct of len bytes in one of the child's pages, filled by fill if the page is
 * mapped writable now (else as it is: the call may fault, which is fine too): its address. */
static uint64_t user_struct(uint64_t *s, uint64_t len, void (*fill)(volatile uint8_t *, uint64_t *))
{
    uint64_t r = rnd(s), i = r % SCRATCH_PAGES, off = (r >> 8) % (EXO_PAGE - len + 1) & ~3ull;
    uint64_t va = SCRATCH_VA + i * EXO_PAGE + off;
    if (writable(SCRATCH_VA + i * EXO_PAGE) >= 0)
        fill((volatile uint8_t *)va, s);
    return va;
}

/* A claim: mostly well-formed, on few ports (so overlaps and both limits are reached). */
static void nf_claim_fill(volatile uint8_t *p, uint64_t *s)
{
    uint64_t r = rnd(s);
    volatile struct exo_nf *f = (volatile struct exo_nf *)p;
    f->env = (uint32_t)(r >> 40);
    f->ethertype = r % 4 ? (r % 8 == 1 ? EXO_NF_IPV6 : EXO_NF_IPV4) : (uint16_t)(r >> 16);
    f->proto = (r >> 2) % 8 ? ((r >> 5) % 2 ? EXO_NF_UDP : EXO_NF_TCP) : (uint8_t)(r >> 24);
    f->pad = (r >> 6) % 16 ? 0 : 1;
    f->addr = f->ethertype == EXO_NF_IPV6 || (r >> 10) % 2 ? 0
              : (r >> 11) % 4                              ? 0x0a00020f
                                                           : (uint32_t)r;
    f->port = (r >> 13) % 16 ? (uint16_t)(1 + (r >> 32) % 24) : (uint16_t)(r >> 48);
    f->pad2 = (r >> 17) % 16 ? 0 : 1;
}

static const uint8_t fuzz_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}; /* QEMU's default */

/* The machine's identity: mostly valid (the NIC's MAC, none, or another; up to four 10.0.2.x
 * and fe80::x addresses). */
static void nf_local_fill(volatile uint8_t *p, uint64_t *s)
{
    uint64_t r = rnd(s);
    volatile struct exo_nf_local *l = (volatile struct exo_nf_local *)p;
    for (int i = 0; i < 6; i++)
        l->mac[i] = r % 4 == 0 ? 0 : r % 4 == 1 ? (uint8_t)(i ? r >> (8 * i) : 0x52) : fuzz_mac[i];
    l->n4 = (uint8_t)((r >> 48) % 6);
    l->n6 = (uint8_t)((r >> 52) % 3);
    for (int i = 0; i < EXO_NF_NADDR; i++) {
        l->v4[i] = (r >> 56) % 8 ? 0x0a000201u + (uint32_t)i : (uint32_t)rnd(s);
        for (int j = 0; j < 16; j++)
            l->v6[i][j] = j == 0 ? 0xfe : j == 1 ? 0x80 : j == 15 ? (uint8_t)(i + 1) : 0;
    }
}

static uint32_t nf_frame_len; /* what nf_frame_fill wrote */

static void put16(volatile uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A frame for nf_send (at most NF_FRAME bytes): ARP from the NIC's MAC, or UDP from it and
 * 10.0.2.1..4 on the claims' few ports to anyone; one in eight with a byte mutated. */
#define NF_FRAME 128
static void nf_frame_fill(volatile uint8_t *p, uint64_t *s)
{
    uint64_t r = rnd(s);
    for (int i = 0; i < 6; i++) {
        p[i] = r % 16 ? 0xff : (uint8_t)(r >> (8 * i)); /* broadcast, mostly */
        p[6 + i] = r % 32 ? fuzz_mac[i] : (uint8_t)(r >> (8 * i));
    }
    if (r % 4 == 0) { /* ARP request: who has 10.0.2.2, tell 10.0.2.15 */
        put16(p + 12, 0x0806);
        put16(p + 14, 1);
        put16(p + 16, 0x0800);
        p[18] = 6, p[19] = 4;
        put16(p + 20, 1);
        for (int i = 0; i < 6; i++)
            p[22 + i] = fuzz_mac[i], p[32 + i] = 0;
        const uint8_t ips[8] = {10, 0, 2, 15, 10, 0, 2, 2};
        for (int i = 0; i < 4; i++)
            p[28 + i] = ips[i], p[38 + i] = ips[4 + i];
        nf_frame_len = 42;
    } else { /* IPv4 UDP, 20 bytes of payload, no checksums */
        uint32_t payload = 20;
        put16(p + 12, 0x0800);
        p[14] = 0x45, p[15] = 0;
        put16(p + 16, 28 + payload);
        put16(p + 18, 0), put16(p + 20, 0x4000); /* DF */
        p[22] = 64, p[23] = 17, p[24] = p[25] = 0;
        const uint8_t src[4] = {10, 0, 2, (uint8_t)(1 + (r >> 8) % 4)};
        for (int i = 0; i < 4; i++)
            p[26 + i] = src[i], p[30 + i] = (uint8_t)(i == 3 ? 2 : i == 0 ? 10 : i == 2 ? 2 : 0);
        put16(p + 34, (uint32_t)(1 + (r >> 12) % 24)); /* the claims' ports */
        put16(p + 36, 7);
        put16(p + 38, 8 + payload);
        put16(p + 40, 0);
        for (uint32_t i = 0; i < payload; i++)
            p[42 + i] = (uint8_t)i;
        nf_frame_len = 42 + payload;
    }
    if ((r >> 20) % 8 == 0)
        p[(r >> 24) % nf_frame_len] ^= (uint8_t)(1u << ((r >> 32) % 8));
}

void fuzz_dev_args(uint64_t n, uint64_t a[5], uint64_t *s)
{
    uint64_t r = rnd(s), v = r >> 8;
    if (r % 8 == 0)
        return; /* keep what the typed generator gave */
    switch (n) {
    case EXO_CALL_vio_info:
    case EXO_CALL_vio_direct:
        a[0] = pick_dev(v);
        break;
    case EXO_CALL_vio_setup:
        a[0] = pick_dev(v);
        a[1] = (v >> 16) % 4 ? VERSION_1 | (sh->offered[a[0] % FUZZ_DEVS] & rnd(s)) : rnd(s);
        break;
    case EXO_CALL_vio_queue_open:
        a[0] = pick_dev(v);
        a[1] = pick_queue(a[0], v >> 16);
        a[2] = (v >> 24) % 16 ? queue_va(a[0], a[1]) : a[2];
        a[3] = (v >> 28) % 2 ? EXO_ANY : events[(v >> 29) % 2];
        break;
    case EXO_CALL_vio_kick:
        if (!held(v, &a[0], &a[1])) {
            a[0] = pick_dev(v);
            a[1] = pick_queue(a[0], v >> 16);
        } else if ((v >> 24) % 16) {
            a[2] = write_chains(a[0], a[1], s);
        }
        break;
    case EXO_CALL_vio_queue_close:
        /* One in 32 a held queue; the rest as typed (mostly refused): a close costs exo a walk
         * of every env's page tables (pmap_remove_everywhere, five times), ~1 ms under TCG,
         * and a held queue is what a valid device and queue mostly name. */
        if ((v >> 24) % 32 == 0)
            held(v, &a[0], &a[1]);
        break;
    case EXO_CALL_irq_bind: /* mostly the 16 vectors left to envs; unbinds; self-IPIs */
        a[0] = (v % 4 ? EXO_IRQ_LAST - (v >> 2) % 16 : EXO_IRQ_FIRST + (v >> 2) % 192) |
               ((v >> 12) % 4 == 0 ? EXO_IRQ_UNBIND : 0) |
               ((v >> 14) % 8 == 0 ? EXO_IRQ_TEST_IPI : 0);
        a[1] = (v >> 17) % 8 ? events[(v >> 20) % 2] : (v >> 17) % 16 ? EXO_ANY : a[1];
        break;
    case EXO_CALL_event_post:
    case EXO_CALL_event_wait:
    case EXO_CALL_event_wait_until:
        if (v % 2)
            a[0] = events[(v >> 1) % 2];
        break;
    case EXO_CALL_pct_call:
        a[0] = sh->server;
        break;
    case EXO_CALL_nf_claim:
        a[0] = v % 4 ? EXO_CAP_SELF : a[0];
        a[1] = (v >> 2) % 16 ? user_struct(s, sizeof(struct exo_nf), nf_claim_fill) : a[1];
        break;
    case EXO_CALL_nf_release:
        a[0] = v % 4 ? EXO_CAP_SELF : a[0];
        a[1] = (v >> 2) % 4 ? nf_slots[(v >> 4) % 4] : (v >> 4) % (EXO_NF_MAX + 2);
        break;
    case EXO_CALL_nf_config:
        a[0] = v % 16 ? user_struct(s, sizeof(struct exo_nf_local), nf_local_fill) : a[0];
        a[1] = (v >> 4) % 4 == 0 ? a[1] : (v >> 4) % 4 == 1 ? EXO_ANY : EXO_CAP_SELF;
        break;
    case EXO_CALL_nf_ring: /* some of our pages (or none: unregister), one of our events */
        a[0] = v % 4 ? EXO_CAP_SELF : a[0];
        a[1] = (v >> 2) % 8 == 0   ? 0
               : (v >> 2) % 8 == 1 ? a[1]
                                   : SCRATCH_VA + (v >> 5) % SCRATCH_PAGES * EXO_PAGE;
        /* a page count: mostly within the scratch pages (or running past them), sometimes 0,
         * the most, one past it, or anything */
        a[2] = (v >> 16) % 8 < 5    ? 1 + (v >> 19) % SCRATCH_PAGES
               : (v >> 16) % 8 == 5 ? 0
               : (v >> 16) % 8 == 6 ? EXO_NF_RING_MAX_PAGES + (v >> 19) % 2
                                    : a[2];
        a[3] = (v >> 12) % 4 ? events[(v >> 14) % 2] : (v >> 14) % 2 ? EXO_ANY : a[3];
        break;
    case EXO_CALL_nf_send:
        nf_frame_len = 0;
        a[0] = v % 16 ? user_struct(s, NF_FRAME, nf_frame_fill) : a[0];
        a[1] = (v >> 4) % 8 && nf_frame_len ? nf_frame_len : (v >> 7) % 1600;
        if ((v >> 18) % 8 == 0) /* the frame's tail on the next scratch page, mapped or not */
            a[0] = SCRATCH_VA + (1 + (v >> 21) % SCRATCH_PAGES) * EXO_PAGE - a[1] / 2;
        break;
    default:
        break;
    }
}

void fuzz_dev_result(uint64_t n, const uint64_t a[5], int64_t r)
{
    if (n == EXO_CALL_nf_claim && r >= 0)
        nf_slots[(uint64_t)r % 4] = (uint64_t)r;
    if (n < EXO_CALL_vio_info || n > EXO_CALL_vio_direct)
        return;
    if (a[0] < FUZZ_DEVS) {
        sh->dev_made[a[0]]++;
        sh->dev_ok[a[0]] += r >= 0;
        sh->dev_other[a[0]] += r < 0 && r != EXO_E_PERM;
    }
    if (r < 0 || a[0] >= FUZZ_DEVS || a[1] >= EXO_VQ_MAX)
        return;
    struct queue *k = &qs[a[0]][a[1]];
    if (n == EXO_CALL_vio_queue_open) {
        volatile struct exo_vq_avail *avail = (void *)(a[2] + EXO_VQ_AVAIL_OFF);
        *k = (struct queue){a[2], (uint16_t)r, avail->idx, 0, 1}; /* exo put its index there */
    } else if (n == EXO_CALL_vio_kick) {
        sh->chains += (uint64_t)r;
        k->next = (uint16_t)a[2];
    } else if (n == EXO_CALL_vio_queue_close) {
        k->open = 0;
    }
}
