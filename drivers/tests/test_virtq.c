/*
 * test_virtq.c: the virtqueue's driver side (drivers/virtio/virtq.c) against a simulated
 * device that does exactly what exo's vio_kick does: check every new chain (heads and links in
 * range, no loops, no indirect, no head in flight, pages "owned"), refuse the whole batch on
 * any bad chain, else copy the chains into a private device ring; the test then completes
 * them, in any order, by writing used entries and the used index. Exact values throughout:
 * chains, freed and reused descriptors, 16-bit index wrap-around, a full queue, completion
 * order, corrupt used entries.
 *
 * Then direct mode: the kick is vq_kick_direct (the index stored into the ring, then the
 * queue's number at a doorbell, here a plain variable), against a simulated device that reads
 * the ring itself, as a real one does in that mode: whatever the ring's available index covers,
 * straight from the descriptor table, no copy, no check, with or without a doorbell.
 */
#include <check.h>

#include <virtio/virtq.h>

#include <stddef.h>

#define FORBIDDEN_PA 0xdead000ull /* a page the simulated env does not own */

/* The device's side: its own copy of each submitted chain, and the order they came in. */
struct sim {
    uint16_t last_avail;                  /* exo's own count of entries it took */
    struct exo_vq_desc ring[EXO_VQ_SIZE]; /* the device's descriptor table (copies) */
    int inflight[EXO_VQ_SIZE];
    uint16_t fifo[1 << 16]; /* heads in submission order */
    unsigned nfifo;
    int auto_complete; /* complete each chain at once, len = its head */
    unsigned calls;
};

static struct sim sim;
static _Alignas(4096) uint8_t pages[EXO_VQ_PAGES * 4096];

static struct exo_vq_used *used(void)
{
    return (struct exo_vq_used *)(pages + EXO_VQ_USED_OFF);
}

/* The device finishes chain `head`, having written len bytes. */
static void complete(struct virtq *vq, uint16_t head, uint32_t len)
{
    struct exo_vq_used *u = used();
    u->ring[u->idx & vq->mask].id = head;
    u->ring[u->idx & vq->mask].len = len;
    sim.inflight[head] = 0;
    __atomic_store_n(&u->idx, (uint16_t)(u->idx + 1), __ATOMIC_RELEASE);
}

/* One chain's check, as exo's: returns its length or an error, copying nothing. */
static int check_chain(struct virtq *vq, uint16_t head)
{
    if (head >= vq->size)
        return EXO_E_CORRUPT;
    if (sim.inflight[head])
        return EXO_E_BUSY;
    uint16_t d = head;
    for (int n = 1; n <= vq->size; n++) {
        const struct exo_vq_desc *e = &vq->desc[d];
        if (e->flags & EXO_VQ_F_INDIRECT)
            return EXO_E_CORRUPT;
        if (e->addr == FORBIDDEN_PA)
            return EXO_E_PERM;
        if (!(e->flags & EXO_VQ_F_NEXT))
            return n;
        if (e->next >= vq->size)
            return EXO_E_CORRUPT;
        d = e->next;
    }
    return EXO_E_CORRUPT; /* a loop */
}

static int64_t sim_kick(struct virtq *vq, uint16_t avail_idx)
{
    sim.calls++;
    uint16_t n = (uint16_t)(avail_idx - sim.last_avail);
    if (n > vq->size)
        return EXO_E_RANGE;
    /* Pass 1: every chain checked (and no head twice in this batch) before any is taken. */
    int seen[EXO_VQ_SIZE] = {0};
    for (uint16_t i = 0; i < n; i++) {
        uint16_t head = vq->avail->ring[(uint16_t)(sim.last_avail + i) & vq->mask];
        int r = check_chain(vq, head);
        if (r < 0)
            return r;
        if (seen[head]++)
            return EXO_E_BUSY;
    }
    /* Pass 2: copy into the device's ring. */
    for (uint16_t i = 0; i < n; i++) {
        uint16_t head = vq->avail->ring[(uint16_t)(sim.last_avail + i) & vq->mask];
        for (uint16_t d = head;;) {
            sim.ring[d] = vq->desc[d];
            if (!(sim.ring[d].flags & EXO_VQ_F_NEXT))
                break;
            d = sim.ring[d].next;
        }
        sim.inflight[head] = 1;
        sim.fifo[sim.nfifo++ & 0xffff] = head;
        if (sim.auto_complete)
            complete(vq, head, head);
    }
    sim.last_avail = avail_idx;
    return n;
}

static void sim_reset(uint16_t used_idx)
{
    for (size_t i = 0; i < sizeof sim; i++)
        ((uint8_t *)&sim)[i] = 0;
    for (size_t i = 0; i < sizeof pages; i++)
        pages[i] = 0xa5;
    used()->flags = 0;
    used()->idx = used_idx;
    /* Where exo says the queue stands (vio_queue_open): drained, so available = used. */
    ((struct exo_vq_avail *)(pages + EXO_VQ_AVAIL_OFF))->idx = used_idx;
    sim.last_avail = used_idx;
}

static struct vq_buf buf(uint64_t pa, uint32_t len, uint32_t write)
{
    struct vq_buf b = {pa, len, write};
    return b;
}

/* --- direct mode -------------------------------------------------------------------------- */

#define NO_RING 0xffffu /* the doorbell's value before a kick: no queue has this number */

static volatile uint16_t doorbell; /* the device's notify register */

/* The device's view of a direct queue: nothing but the ring pages themselves. */
struct dsim {
    uint16_t last_avail; /* entries it has taken */
    unsigned ntaken;
    uint16_t heads[64];             /* heads taken, in order */
    struct exo_vq_desc seen[64][4]; /* each chain's descriptors as it read them (at most 4) */
    unsigned nseen[64];
};
static struct dsim dsim;

/* The device runs (as on a doorbell, or polling the ring): takes every entry the ring's
 * available index covers, reading each chain from the descriptor table in place. Returns how
 * many it took. */
static unsigned dev_run(struct virtq *vq)
{
    const volatile struct exo_vq_avail *av = (const volatile struct exo_vq_avail *)vq->avail;
    const volatile struct exo_vq_desc *table = (const volatile struct exo_vq_desc *)vq->desc;
    uint16_t idx = __atomic_load_n(&av->idx, __ATOMIC_ACQUIRE);
    unsigned n = 0;
    for (; dsim.last_avail != idx; dsim.last_avail++, n++) {
        unsigned t = dsim.ntaken++ % 64;
        uint16_t head = av->ring[dsim.last_avail & vq->mask], d = head;
        dsim.heads[t] = head;
        dsim.nseen[t] = 0;
        for (unsigned k = 0; k < 4; k++) {
            dsim.seen[t][k].addr = table[d].addr;
            dsim.seen[t][k].len = table[d].len;
            dsim.seen[t][k].flags = table[d].flags;
            dsim.seen[t][k].next = table[d].next;
            dsim.nseen[t]++;
            if (!(table[d].flags & EXO_VQ_F_NEXT))
                break;
            d = table[d].next;
        }
    }
    return n;
}

static void direct_reset(struct virtq *vq, uint16_t idx, uint16_t queue)
{
    sim_reset(idx);
    for (size_t i = 0; i < sizeof dsim; i++)
        ((uint8_t *)&dsim)[i] = 0;
    dsim.last_avail = idx;
    CHECK_EQ(vq_init(vq, pages, 8, EXO_ANY, vq_kick_direct, 0), 0);
    CHECK_EQ(vq->bell == 0, 1); /* shadow mode until the driver says where the doorbell is */
    vq->queue = queue;
    vq->bell = &doorbell;
    doorbell = NO_RING;
}

/* A doorbell that traps into the device, as a VM exit does: vq_kick_direct, then the device
 * runs at once if its queue's number was stored, and completes what it took (len = head). */
static int64_t trapping_kick(struct virtq *vq, uint16_t avail_idx)
{
    doorbell = NO_RING;
    int64_t n = vq_kick_direct(vq, avail_idx);
    if (doorbell == vq->queue) {
        unsigned first = dsim.ntaken, took = dev_run(vq);
        for (unsigned i = 0; i < took; i++)
            complete(vq, dsim.heads[(first + i) % 64], dsim.heads[(first + i) % 64]);
    }
    return n;
}

/* The chains the cases submit: three of three, three of three, two of two buffers. */
static const struct vq_buf b3[3] = {{0x10000, 16, 0}, {0x11000, 4096, 1}, {0x12010, 1, 1}};
static const struct vq_buf c3[3] = {{0x30000, 16, 0}, {0x31000, 512, 0}, {0x32000, 1, 1}};
static const struct vq_buf b2[2] = {{0x40000, 100, 0}, {0x41000, 200, 1}};

TEST_CASE(direct_mode)
{
    struct virtq vq;
    uint16_t head;
    uint32_t len;

    /* Submitted chains stay invisible to the device, which reads the ring whenever it likes,
     * until the kick: no index moved, no doorbell. */
    direct_reset(&vq, 0, 5);
    CHECK_EQ(vq_submit(&vq, b3, 3), 0);
    CHECK_EQ(vq_submit(&vq, c3, 3), 3);
    CHECK_EQ(vq.avail->ring[0], 0);
    CHECK_EQ(vq.avail->ring[1], 3);
    CHECK_EQ(vq.avail->idx, 0);
    CHECK_EQ(doorbell, NO_RING);
    CHECK_EQ(dev_run(&vq), 0);

    /* The kick: index 2 in the ring, queue 5 at the doorbell; the device then reads both chains
     * from the table in place. */
    CHECK_EQ(vq_kick(&vq), 2);
    CHECK_EQ(vq.avail->idx, 2);
    CHECK_EQ(doorbell, 5);
    CHECK_EQ(vq.kicks, 1);
    CHECK_EQ(vq.kicked_idx, 2);
    CHECK_EQ(sim.calls, 0); /* nothing went through a copying kick */
    CHECK_EQ(dev_run(&vq), 2);
    CHECK_EQ(dsim.heads[0], 0);
    CHECK_EQ(dsim.heads[1], 3);
    CHECK_EQ(dsim.nseen[0], 3);
    CHECK_EQ(dsim.nseen[1], 3);
    CHECK_EQ(dsim.seen[0][0].addr, 0x10000);
    CHECK_EQ(dsim.seen[0][0].flags, EXO_VQ_F_NEXT);
    CHECK_EQ(dsim.seen[0][1].addr, 0x11000);
    CHECK_EQ(dsim.seen[0][1].len, 4096);
    CHECK_EQ(dsim.seen[0][1].flags, EXO_VQ_F_NEXT | EXO_VQ_F_WRITE);
    CHECK_EQ(dsim.seen[0][2].addr, 0x12010);
    CHECK_EQ(dsim.seen[0][2].flags, EXO_VQ_F_WRITE);
    CHECK_EQ(dsim.seen[1][0].addr, 0x30000);
    CHECK_EQ(dsim.seen[1][1].len, 512);
    CHECK_EQ(dsim.seen[1][2].addr, 0x32000);
    CHECK_EQ(dsim.seen[1][2].flags, EXO_VQ_F_WRITE);

    /* Nothing new: no store at all, neither index nor doorbell. */
    doorbell = NO_RING;
    CHECK_EQ(vq_kick(&vq), 0);
    CHECK_EQ(doorbell, NO_RING);
    CHECK_EQ(vq.kicks, 1);

    /* Completions as in shadow mode; a freed chain's descriptors are rewritten in the device's
     * own table, and the device reads the new ones (no copy stands in between). */
    complete(&vq, 3, 512);
    CHECK_EQ(vq_poll(&vq, &head, &len), 1);
    CHECK_EQ(head, 3);
    CHECK_EQ(len, 512);
    CHECK_EQ(vq_submit(&vq, b2, 2), 3);
    CHECK_EQ(vq.desc[3].addr, 0x40000);
    CHECK_EQ(vq.desc[4].addr, 0x41000);
    CHECK_EQ(vq_kick(&vq), 1);
    CHECK_EQ(vq.avail->idx, 3);
    CHECK_EQ(doorbell, 5);
    CHECK_EQ(dev_run(&vq), 1);
    CHECK_EQ(dsim.heads[2], 3);
    CHECK_EQ(dsim.nseen[2], 2);
    CHECK_EQ(dsim.seen[2][0].addr, 0x40000);
    CHECK_EQ(dsim.seen[2][0].len, 100);
    CHECK_EQ(dsim.seen[2][1].addr, 0x41000);
    CHECK_EQ(dsim.seen[2][1].flags, EXO_VQ_F_WRITE);

    /* Taking back what was never kicked leaves the ring's index where the device saw it. */
    doorbell = NO_RING;
    CHECK_EQ(vq_submit(&vq, b2, 1), 5);
    CHECK_EQ(vq_drop_pending(&vq), 1);
    CHECK_EQ(vq.avail->idx, 3);
    CHECK_EQ(vq.avail_idx, 3);
    CHECK_EQ(doorbell, NO_RING);
    CHECK_EQ(dev_run(&vq), 0);
    complete(&vq, 0, 4097);
    complete(&vq, 3, 200);
    CHECK_EQ(vq_poll(&vq, &head, &len), 1);
    CHECK_EQ(head, 0);
    CHECK_EQ(vq_poll(&vq, &head, &len), 1);
    CHECK_EQ(head, 3);
    CHECK_EQ(vq_free_count(&vq), 8);
    CHECK_EQ(vq.inflight, 0);

    /* A queue whose device ring stands at 65534: the driver starts there (the index is the
     * device's own, exo writes nothing), and one kick carries three chains across the wrap. */
    direct_reset(&vq, 65534, 0);
    CHECK_EQ(vq.avail_idx, 65534);
    CHECK_EQ(vq.used_idx, 65534);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(vq_submit(&vq, &b2[1], 1), i);
    CHECK_EQ(vq.avail->idx, 65534);
    CHECK_EQ(vq_kick(&vq), 3);
    CHECK_EQ(vq.avail->idx, 1);
    CHECK_EQ(doorbell, 0);
    CHECK_EQ(dev_run(&vq), 3);
    CHECK_EQ(dsim.last_avail, 1);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(dsim.heads[i], i);
        CHECK_EQ(dsim.seen[i][0].addr, 0x41000);
        CHECK_EQ(dsim.seen[i][0].flags, EXO_VQ_F_WRITE);
        complete(&vq, (uint16_t)i, (uint32_t)i);
    }
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(vq_poll(&vq, &head, &len), 1);
        CHECK_EQ(head, i);
    }
    CHECK_EQ(vq.used_idx, 1);

    /* vq_wait kicks what is pending through the doorbell (which here traps into the device,
     * as on a VM exit), then finds the completions. */
    direct_reset(&vq, 0, 2);
    vq.kick = trapping_kick;
    CHECK_EQ(vq_submit(&vq, b3, 3), 0);
    CHECK_EQ(vq_submit(&vq, c3, 3), 3);
    CHECK_EQ(vq_wait(&vq, &head, &len), 1);
    CHECK_EQ(head, 0);
    CHECK_EQ(len, 0);
    CHECK_EQ(doorbell, 2);
    CHECK_EQ(vq.avail->idx, 2);
    CHECK_EQ(vq.kicks, 1);
    CHECK_EQ(vq_wait(&vq, &head, &len), 1);
    CHECK_EQ(head, 3);
    CHECK_EQ(len, 3);
    CHECK_EQ(vq_wait(&vq, &head, &len), EXO_E_NOENT);
}

/* The ABI's layout is the virtio split ring's. */
TEST_CASE(ring_layout)
{
    CHECK_EQ(sizeof(struct exo_vq_desc), 16);
    CHECK_EQ(offsetof(struct exo_vq_desc, len), 8);
    CHECK_EQ(offsetof(struct exo_vq_desc, flags), 12);
    CHECK_EQ(offsetof(struct exo_vq_desc, next), 14);
    CHECK_EQ(offsetof(struct exo_vq_avail, ring), 4);
    CHECK_EQ(offsetof(struct exo_vq_used, ring), 4);
    CHECK_EQ(sizeof(struct exo_vq_used_elem), 8);
    CHECK_EQ(EXO_VQ_SIZE * sizeof(struct exo_vq_desc) <= 4096, 1);
    CHECK_EQ(sizeof(struct exo_vq_used) <= 4096, 1);
}

/* One queue of 8 through its life in shadow mode: init, submit, kick, complete, reuse, refusals. */
TEST_CASE(shadow_queue)
{
    struct virtq vq;
    uint16_t head;
    uint32_t len;

    /* Sizes: a power of two up to EXO_VQ_SIZE, and a kick function. */
    sim_reset(0);
    CHECK_EQ(vq_init(&vq, pages, 0, EXO_ANY, sim_kick, 0), EXO_E_INVAL);
    CHECK_EQ(vq_init(&vq, pages, 12, EXO_ANY, sim_kick, 0), EXO_E_INVAL);
    CHECK_EQ(vq_init(&vq, pages, 512, EXO_ANY, sim_kick, 0), EXO_E_INVAL);
    CHECK_EQ(vq_init(&vq, pages, 8, EXO_ANY, 0, 0), EXO_E_INVAL);
    CHECK_EQ(vq_init(&vq, pages, 8, EXO_ANY, sim_kick, 0), 0);
    CHECK_EQ(vq.size, 8);
    CHECK_EQ(vq_free_count(&vq), 8);
    CHECK_EQ(vq.avail->flags, 1); /* no event: no interrupt wanted */
    CHECK_EQ(vq.avail->idx, 0);
    CHECK_EQ(vq.used_idx, 0);
    CHECK_EQ((uintptr_t)vq.desc - (uintptr_t)pages, EXO_VQ_DESC_OFF);
    CHECK_EQ((uintptr_t)vq.avail - (uintptr_t)pages, EXO_VQ_AVAIL_OFF);
    CHECK_EQ((uintptr_t)vq.used - (uintptr_t)pages, EXO_VQ_USED_OFF);

    /* Bad submissions change nothing. */
    struct vq_buf zero = buf(0x10000, 0, 0);
    CHECK_EQ(vq_submit(&vq, b3, 0), EXO_E_INVAL);
    CHECK_EQ(vq_submit(&vq, &zero, 1), EXO_E_INVAL);
    struct vq_buf many[9];
    for (int i = 0; i < 9; i++)
        many[i] = buf(0x20000 + 0x1000 * i, 512, 0);
    CHECK_EQ(vq_submit(&vq, many, 9), EXO_E_INVAL); /* longer than the queue: never fits */
    CHECK_EQ(vq_free_count(&vq), 8);
    CHECK_EQ(vq.avail_idx, 0);

    /* A chain of three: descriptors 0 -> 1 -> 2, exact fields, head in avail slot 0. */
    CHECK_EQ(vq_submit(&vq, b3, 3), 0);
    CHECK_EQ(vq.desc[0].addr, 0x10000);
    CHECK_EQ(vq.desc[0].len, 16);
    CHECK_EQ(vq.desc[0].flags, EXO_VQ_F_NEXT);
    CHECK_EQ(vq.desc[0].next, 1);
    CHECK_EQ(vq.desc[1].addr, 0x11000);
    CHECK_EQ(vq.desc[1].len, 4096);
    CHECK_EQ(vq.desc[1].flags, EXO_VQ_F_NEXT | EXO_VQ_F_WRITE);
    CHECK_EQ(vq.desc[1].next, 2);
    CHECK_EQ(vq.desc[2].addr, 0x12010);
    CHECK_EQ(vq.desc[2].len, 1);
    CHECK_EQ(vq.desc[2].flags, EXO_VQ_F_WRITE);
    CHECK_EQ(vq.desc[2].next, 0);
    CHECK_EQ(vq.avail->ring[0], 0);
    CHECK_EQ(vq.avail_idx, 1);
    CHECK_EQ(vq.avail->idx, 0); /* the ring's index moves at the kick */
    CHECK_EQ(vq_free_count(&vq), 5);
    /* Not visible to the device before the kick. */
    CHECK_EQ(sim.calls, 0);
    CHECK_EQ(sim.nfifo, 0);
    CHECK_EQ(vq_poll(&vq, &head, &len), 0);

    /* A second chain of three: 3 -> 4 -> 5. One kick carries both. */
    CHECK_EQ(vq_submit(&vq, c3, 3), 3);
    CHECK_EQ(vq.desc[3].next, 4);
    CHECK_EQ(vq.desc[4].next, 5);
    CHECK_EQ(vq.desc[4].flags, EXO_VQ_F_NEXT);
    CHECK_EQ(vq.desc[5].flags, EXO_VQ_F_WRITE);
    CHECK_EQ(vq.avail->ring[1], 3);
    CHECK_EQ(vq.avail->idx, 0);
    CHECK_EQ(vq_kick(&vq), 2);
    CHECK_EQ(vq.avail->idx, 2);
    CHECK_EQ(vq.kicks, 1);
    CHECK_EQ(sim.calls, 1);
    CHECK_EQ(sim.nfifo, 2);
    CHECK_EQ(sim.fifo[0], 0);
    CHECK_EQ(sim.fifo[1], 3);
    CHECK_EQ(sim.ring[1].addr, 0x11000); /* the device's copy */
    CHECK_EQ(sim.ring[5].addr, 0x32000);
    CHECK_EQ(vq_kick(&vq), 0); /* nothing new: no exo call */
    CHECK_EQ(vq.kicks, 1);
    CHECK_EQ(sim.calls, 1);

    /* Full: 2 descriptors left, a chain of 3 is refused and changes nothing. */
    CHECK_EQ(vq_free_count(&vq), 2);
    CHECK_EQ(vq_submit(&vq, b3, 3), EXO_E_NOMEM);
    CHECK_EQ(vq_free_count(&vq), 2);
    CHECK_EQ(vq.avail_idx, 2);
    CHECK_EQ(vq_submit(&vq, b2, 2), 6);
    CHECK_EQ(vq.desc[6].next, 7);
    CHECK_EQ(vq_free_count(&vq), 0);
    CHECK_EQ(vq_submit(&vq, b2, 1), EXO_E_NOMEM);
    CHECK_EQ(vq_kick(&vq), 1);
    CHECK_EQ(vq.kicks, 2);

    /* Completions come in the device's order, not submission order. */
    complete(&vq, 3, 77);
    CHECK_EQ(vq_poll(&vq, &head, &len), 1);
    CHECK_EQ(head, 3);
    CHECK_EQ(len, 77);
    CHECK_EQ(vq_free_count(&vq), 3);
    CHECK_EQ(vq_poll(&vq, &head, &len), 0);
    complete(&vq, 6, 200);
    complete(&vq, 0, 4097);
    CHECK_EQ(vq_poll(&vq, &head, &len), 1);
    CHECK_EQ(head, 6);
    CHECK_EQ(len, 200);
    CHECK_EQ(vq_poll(&vq, &head, &len), 1);
    CHECK_EQ(head, 0);
    CHECK_EQ(len, 4097);
    CHECK_EQ(vq_poll(&vq, &head, &len), 0);
    CHECK_EQ(vq_free_count(&vq), 8);
    CHECK_EQ(vq.inflight, 0);

    /* Freed chains are reused whole, last freed first: 0 -> 1 -> 2 again, then 6 -> 7. */
    CHECK_EQ(vq_submit(&vq, b3, 3), 0);
    CHECK_EQ(vq.desc[0].next, 1);
    CHECK_EQ(vq.desc[1].next, 2);
    CHECK_EQ(vq_submit(&vq, b2, 2), 6);
    CHECK_EQ(vq.desc[6].next, 7);
    CHECK_EQ(vq_submit(&vq, b2, 1), 3);
    CHECK_EQ(vq_free_count(&vq), 2);
    CHECK_EQ(vq.avail->ring[3], 0);
    CHECK_EQ(vq.avail->ring[4], 6);
    CHECK_EQ(vq.avail->ring[5], 3);

    /* A kick exo refuses (a page not ours in the middle chain): none submitted, none counted;
     * dropping the batch frees every descriptor again. */
    vq.desc[7].addr = FORBIDDEN_PA;
    CHECK_EQ(vq_kick(&vq), EXO_E_PERM);
    CHECK_EQ(vq.kicks, 2);
    CHECK_EQ(sim.nfifo, 3);
    CHECK_EQ(vq.kicked_idx, 3);
    CHECK_EQ(vq_drop_pending(&vq), 3);
    CHECK_EQ(vq.avail_idx, 3);
    CHECK_EQ(vq.avail->idx, 3);
    CHECK_EQ(vq_free_count(&vq), 8);
    CHECK_EQ(vq.inflight, 0);
    CHECK_EQ(vq_drop_pending(&vq), 0);

    /* Used-ring entries that make no sense are refused, and nothing is taken. */
    CHECK_EQ(vq_submit(&vq, b2, 1), 0);
    CHECK_EQ(vq_kick(&vq), 1);
    complete(&vq, 5, 1); /* 5 is not a live head */
    CHECK_EQ(vq_poll(&vq, &head, &len), EXO_E_CORRUPT);
    CHECK_EQ(vq.used_idx, 3);
    used()->ring[3].id = 200; /* out of range */
    CHECK_EQ(vq_poll(&vq, &head, &len), EXO_E_CORRUPT);
    used()->ring[3].id = 0;
    used()->idx = 5; /* two completions for one chain in flight */
    CHECK_EQ(vq_poll(&vq, &head, &len), EXO_E_CORRUPT);
    used()->idx = 4;
    CHECK_EQ(vq_poll(&vq, &head, &len), 1);
    CHECK_EQ(head, 0);
    CHECK_EQ(vq_free_count(&vq), 8);

    /* vq_wait with nothing in flight would wait forever. */
    CHECK_EQ(vq_wait(&vq, &head, &len), EXO_E_NOENT);
}

/* Wrap-around: 70000 one-buffer chains on a queue of 4 carry both 16-bit indices past 65535;
 * each completion names the right head, in a slot that is the index mod 4. */
TEST_CASE(index_wraparound)
{
    struct virtq vq;
    uint16_t head;
    uint32_t len;
    sim_reset(0);
    CHECK_EQ(vq_init(&vq, pages, 4, EXO_ANY, sim_kick, 0), 0);
    int bad = 0;
    for (uint32_t i = 0; i < 70000; i++) {
        struct vq_buf one = buf(0x100000 + (uint64_t)(i & 0xff) * 4096, 1 + (i & 0xfff), i & 1);
        int h = vq_submit(&vq, &one, 1);
        bad += h != 0; /* the one freed descriptor comes straight back */
        bad += vq.avail->ring[(uint16_t)i & 3] != h;
        bad += vq_kick(&vq) != 1;
        complete(&vq, (uint16_t)h, i & 0xfff);
        bad += vq_poll(&vq, &head, &len) != 1 || head != h || len != (i & 0xfff);
        bad += sim.ring[0].len != 1 + (i & 0xfff);
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(vq.avail_idx, 70000 & 0xffff);
    CHECK_EQ(vq.avail->idx, 4464);
    CHECK_EQ(vq.used_idx, 4464);
    CHECK_EQ(used()->idx, 4464);
    CHECK_EQ(vq.kicks, 70000);
    CHECK_EQ(vq_free_count(&vq), 4);
}

/* A reopened queue whose indices stand at 65533: it starts there, fills all four slots across
 * the wrap (65533, 65534, 65535, 0), and takes completions in reverse order. */
TEST_CASE(reopened_near_wrap)
{
    struct virtq vq;
    uint16_t head;
    uint32_t len;
    sim_reset(65533);
    CHECK_EQ(vq_init(&vq, pages, 4, 7, sim_kick, 0), 0);
    CHECK_EQ(vq.avail->flags, 0); /* an event: interrupts wanted */
    CHECK_EQ(vq.avail->idx, 65533);
    struct vq_buf one = buf(0x5000, 64, 1);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(vq_submit(&vq, &one, 1), i);
    CHECK_EQ(vq_submit(&vq, &one, 1), EXO_E_NOMEM);
    CHECK_EQ(vq.avail->ring[65533 & 3], 0);
    CHECK_EQ(vq.avail->ring[65534 & 3], 1);
    CHECK_EQ(vq.avail->ring[65535 & 3], 2);
    CHECK_EQ(vq.avail->ring[0], 3);
    CHECK_EQ(vq.avail->idx, 65533);
    CHECK_EQ(vq_kick(&vq), 4);
    CHECK_EQ(vq.avail->idx, 1);
    for (int i = 3; i >= 0; i--)
        complete(&vq, (uint16_t)i, 10 + i);
    CHECK_EQ(used()->idx, 1);
    for (int i = 3; i >= 0; i--) {
        CHECK_EQ(vq_poll(&vq, &head, &len), 1);
        CHECK_EQ(head, i);
        CHECK_EQ(len, 10 + i);
    }
    CHECK_EQ(vq.used_idx, 1);
    CHECK_EQ(vq_free_count(&vq), 4);
}

/* vq_wait kicks what is pending, then polls (no event: spins) until it completes. */
TEST_CASE(wait_kicks_pending)
{
    struct virtq vq;
    uint16_t head;
    uint32_t len;
    sim_reset(0);
    sim.auto_complete = 1;
    CHECK_EQ(vq_init(&vq, pages, 8, EXO_ANY, sim_kick, 0), 0);
    CHECK_EQ(vq_submit(&vq, b3, 3), 0);
    CHECK_EQ(vq_submit(&vq, c3, 3), 3);
    CHECK_EQ(vq_wait(&vq, &head, &len), 1);
    CHECK_EQ(head, 0);
    CHECK_EQ(vq.kicks, 1);
    CHECK_EQ(vq_wait(&vq, &head, &len), 1);
    CHECK_EQ(head, 3);
    CHECK_EQ(len, 3);
    CHECK_EQ(vq_wait(&vq, &head, &len), EXO_E_NOENT);
}
