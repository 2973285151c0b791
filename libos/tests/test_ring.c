/*
 * test_ring.c: the shared-page message ring (libos/ipc/ring.c) on the host: empty and full,
 * wrap-around of slots, exact message bytes, the indices overflowing 2^32, corrupt indices.
 */
#include <check.h>

#include <ipc/ring.h>

#include <stddef.h>

/* Message number n: every byte says which message and which byte it is. */
static void fill(uint8_t *m, uint32_t n)
{
    for (int i = 0; i < LOS_RING_MSG; i++)
        m[i] = (uint8_t)(n * 7 + i);
}

static int same(const uint8_t *m, uint32_t n)
{
    for (int i = 0; i < LOS_RING_MSG; i++)
        if (m[i] != (uint8_t)(n * 7 + i))
            return 0;
    return 1;
}

static _Alignas(4096) uint8_t page[4096];

/* Layout: indices on their own cache lines, the slots right after, all in the page. */
TEST_CASE(layout)
{
    CHECK_EQ(offsetof(struct los_ring, head), 0);
    CHECK_EQ(offsetof(struct los_ring, tail), 64);
    CHECK_EQ(offsetof(struct los_ring, msg), 128);
    CHECK_EQ(sizeof(struct los_ring), 128 + LOS_RING_SLOTS * LOS_RING_MSG);
}

/* One ring from empty to full and back, then many turns around its slots. */
TEST_CASE(send_and_receive)
{
    struct los_ring *r = (struct los_ring *)page;
    uint8_t m[LOS_RING_MSG], out[LOS_RING_MSG];

    /* Empty: nothing to receive, the buffer untouched. */
    for (int i = 0; i < 4096; i++)
        page[i] = 0xa5;
    los_ring_init(r);
    CHECK_EQ(r->head, 0);
    CHECK_EQ(r->tail, 0);
    CHECK_EQ(los_ring_count(r), 0);
    for (int i = 0; i < LOS_RING_MSG; i++)
        out[i] = 0x11;
    CHECK_EQ(los_ring_recv(r, out), 0);
    CHECK_EQ(out[0], 0x11);
    CHECK_EQ(out[LOS_RING_MSG - 1], 0x11);

    /* Full after exactly LOS_RING_SLOTS messages; a send then changes nothing. */
    for (uint32_t n = 0; n < LOS_RING_SLOTS; n++) {
        fill(m, n);
        CHECK_EQ(los_ring_send(r, m), 1);
        CHECK_EQ(los_ring_count(r), n + 1);
    }
    fill(m, 999);
    CHECK_EQ(los_ring_send(r, m), 0);
    CHECK_EQ(r->head, LOS_RING_SLOTS);
    CHECK_EQ(los_ring_count(r), LOS_RING_SLOTS);
    CHECK_EQ(same(r->msg[0], 0), 1); /* the refused message overwrote no slot */
    CHECK_EQ(r->msg[LOS_RING_SLOTS - 1][0], (uint8_t)((LOS_RING_SLOTS - 1) * 7));
    CHECK_EQ(page[sizeof(struct los_ring)], 0xa5); /* nothing written past the ring */

    /* Received in order, byte for byte, then empty again. */
    for (uint32_t n = 0; n < LOS_RING_SLOTS; n++) {
        CHECK_EQ(los_ring_recv(r, out), 1);
        CHECK_EQ(same(out, n), 1);
    }
    CHECK_EQ(los_ring_recv(r, out), 0);
    CHECK_EQ(r->tail, LOS_RING_SLOTS);
    CHECK_EQ(los_ring_count(r), 0);

    /* Wrap-around: a fill level of 5 carried across many turns of the slots. */
    uint32_t sent = 0, got = 0;
    int bad = 0;
    for (; sent < 5; sent++)
        fill(m, sent), bad += los_ring_send(r, m) != 1;
    for (int turn = 0; turn < 10 * LOS_RING_SLOTS; turn++) {
        fill(m, sent++);
        bad += los_ring_send(r, m) != 1;
        bad += los_ring_recv(r, out) != 1;
        bad += !same(out, got++);
        bad += los_ring_count(r) != 5;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(r->head, LOS_RING_SLOTS + 5 + 10 * LOS_RING_SLOTS);
    CHECK_EQ(r->head - r->tail, 5);
}

/* Index overflow: both indices start just below 2^32 and wrap past 0 while full. */
TEST_CASE(index_overflow)
{
    struct los_ring *r = (struct los_ring *)page;
    uint8_t m[LOS_RING_MSG], out[LOS_RING_MSG];
    los_ring_init(r);
    r->head = r->tail = 0xfffffff0u;
    for (uint32_t n = 0; n < LOS_RING_SLOTS; n++) {
        fill(m, 100 + n);
        CHECK_EQ(los_ring_send(r, m), 1);
    }
    CHECK_EQ(r->head, 0x10); /* 0xfffffff0 + 32, mod 2^32 */
    CHECK_EQ(los_ring_count(r), LOS_RING_SLOTS);
    CHECK_EQ(los_ring_send(r, m), 0); /* still full, though head < tail numerically */
    for (uint32_t n = 0; n < LOS_RING_SLOTS; n++) {
        CHECK_EQ(los_ring_recv(r, out), 1);
        CHECK_EQ(same(out, 100 + n), 1);
    }
    CHECK_EQ(r->tail, 0x10);
    CHECK_EQ(los_ring_recv(r, out), 0);
    /* The slot of index 0xfffffff0 is 0xfffffff0 % 32 = 16: message 100 went there. */
    CHECK_EQ(same(r->msg[16], 100), 1);
    CHECK_EQ(same(r->msg[0], 116), 1); /* index 0 after the wrap */
}

/* Corrupt indices (a misbehaving peer) are reported, never followed. */
TEST_CASE(corrupt_indices)
{
    struct los_ring *r = (struct los_ring *)page;
    uint8_t m[LOS_RING_MSG], out[LOS_RING_MSG];
    fill(m, 1);
    r->head = 40, r->tail = 0; /* more than the ring holds */
    CHECK_EQ(los_ring_count(r), EXO_E_CORRUPT);
    CHECK_EQ(los_ring_send(r, m), EXO_E_CORRUPT);
    CHECK_EQ(los_ring_recv(r, out), EXO_E_CORRUPT);
    CHECK_EQ(r->head, 40);
    CHECK_EQ(r->tail, 0);
    r->head = 3, r->tail = 4; /* the consumer ahead of the producer */
    CHECK_EQ(los_ring_count(r), EXO_E_CORRUPT);
    CHECK_EQ(los_ring_recv(r, out), EXO_E_CORRUPT);
    CHECK_EQ(los_ring_send(r, m), EXO_E_CORRUPT);
}
