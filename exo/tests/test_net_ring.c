/*
 * test_net_ring.c: delivery into a receive ring (exo/net_ring.c, struct exo_nf_ring): a record's
 * exact bytes and place, the wrap marker, a full ring counted as a drop with nothing written,
 * a tail or head the env corrupted refused the same way, and 200,000 frames of random lengths
 * through a consumer that follows abi.h's protocol, every one read back in order, byte for
 * byte, every refusal counted.
 */
#include <check.h>

#include <exo/abi.h>
#include <exo/net_ring.h>

#include <stdint.h>
#include <string.h>

#define MOD (2u * EXO_NF_RING_DATA)

static struct exo_nf_ring ring;
static uint8_t frame[EXO_NF_RING_MAX_FRAME + 1];

static void fill(uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++)
        frame[i] = (uint8_t)(seed * 31 + i * 7);
}

static uint32_t at32(uint32_t pos)
{
    uint32_t v;
    memcpy(&v, ring.data + pos, 4);
    return v;
}

/* The env's side: the next record's length and place, or 0 if the ring is empty; moves tail
 * past a wrap marker. */
static uint32_t next_record(uint32_t *pos)
{
    if (ring.tail == ring.head)
        return 0;
    uint32_t p = ring.tail % EXO_NF_RING_DATA, len = at32(p);
    if (len == EXO_NF_RING_WRAP) {
        ring.tail = (ring.tail + EXO_NF_RING_DATA - p) % MOD;
        p = 0;
        len = at32(0);
    }
    *pos = p;
    return len;
}

static void consume(uint32_t len)
{
    ring.tail = (ring.tail + ((4 + len + 3) & ~3u)) % MOD;
}

TEST_CASE(one_record)
{
    memset(&ring, 0xaa, sizeof ring);
    ring.head = ring.tail = ring.drops = 0;
    fill(60, 1);
    CHECK_EQ(exo_nr_put(&ring, frame, 60), 0);
    CHECK_EQ(ring.head, 64);
    CHECK_EQ(ring.drops, 0);
    CHECK_EQ(at32(0), 60);
    CHECK_EQ(memcmp(ring.data + 4, frame, 60), 0);
    CHECK_EQ(ring.data[64], 0xaa); /* nothing past the record */
    fill(61, 2);
    CHECK_EQ(exo_nr_put(&ring, frame, 61), 0);
    CHECK_EQ(ring.head, 64 + 68); /* 4 + 61, rounded up to 4 */
    CHECK_EQ(at32(64), 61);
    /* no frame, or too long: refused, nothing written, not a drop */
    CHECK_EQ(exo_nr_put(&ring, frame, 0), EXO_E_INVAL);
    CHECK_EQ(exo_nr_put(&ring, frame, EXO_NF_RING_MAX_FRAME + 1), EXO_E_INVAL);
    CHECK_EQ(ring.head, 132);
    CHECK_EQ(ring.drops, 0);
    CHECK_EQ(exo_nr_put(&ring, frame, EXO_NF_RING_MAX_FRAME), 0);
    CHECK_EQ(ring.head, 132 + 4 + EXO_NF_RING_MAX_FRAME);
}

TEST_CASE(full_and_wrap)
{
    memset(&ring, 0, sizeof ring);
    fill(1000, 3);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(exo_nr_put(&ring, frame, 1000), 0);
    CHECK_EQ(ring.head, 4016);
    /* the fifth would need a wrap (64 bytes at the end) and 1004 more: full */
    CHECK_EQ(exo_nr_put(&ring, frame, 1000), EXO_E_NOMEM);
    CHECK_EQ(ring.drops, 1);
    CHECK_EQ(ring.head, 4016);
    CHECK_EQ(at32(4016), 0);                   /* no marker written */
    CHECK_EQ(exo_nr_put(&ring, frame, 60), 0); /* 64 bytes: fits exactly at the end */
    CHECK_EQ(ring.head, 4080);
    CHECK_EQ(exo_nr_put(&ring, frame, 1), EXO_E_NOMEM);
    CHECK_EQ(ring.drops, 2);
    ring.tail = 1004; /* the env read one */
    fill(1000, 4);
    CHECK_EQ(exo_nr_put(&ring, frame, 1000), 0); /* at data[0], no marker needed */
    CHECK_EQ(ring.head, 5084);
    CHECK_EQ(at32(0), 1000);
    CHECK_EQ(memcmp(ring.data + 4, frame, 1000), 0);
    /* a record that does not fit before the end: a marker, then data[0] */
    memset(&ring, 0, sizeof ring);
    ring.head = ring.tail = 4000;
    fill(100, 5);
    CHECK_EQ(exo_nr_put(&ring, frame, 100), 0);
    CHECK_EQ(at32(4000), EXO_NF_RING_WRAP);
    CHECK_EQ(at32(0), 100);
    CHECK_EQ(memcmp(ring.data + 4, frame, 100), 0);
    CHECK_EQ(ring.head, 4000 + 80 + 104);
    /* and the counts wrap at 2 * EXO_NF_RING_DATA */
    ring.head = ring.tail = MOD - 8;
    CHECK_EQ(exo_nr_put(&ring, frame, 4), 0);
    CHECK_EQ(ring.head, 0);
    CHECK_EQ(at32(EXO_NF_RING_DATA - 8), 4);
}

TEST_CASE(env_corrupts_the_ring)
{
    fill(10, 6);
    memset(&ring, 0, sizeof ring);
    ring.head = 64;
    ring.tail = 68; /* more in use than the ring holds */
    CHECK_EQ(exo_nr_put(&ring, frame, 10), EXO_E_NOMEM);
    ring.tail = MOD; /* out of range */
    CHECK_EQ(exo_nr_put(&ring, frame, 10), EXO_E_NOMEM);
    ring.tail = 0, ring.head = MOD + 64;
    CHECK_EQ(exo_nr_put(&ring, frame, 10), EXO_E_NOMEM);
    ring.head = 66; /* not a record boundary */
    CHECK_EQ(exo_nr_put(&ring, frame, 10), EXO_E_NOMEM);
    CHECK_EQ(ring.drops, 4);
    CHECK_EQ(ring.head, 66);
    for (uint32_t i = 0; i < EXO_NF_RING_DATA; i++)
        if (ring.data[i])
            CHECK_EQ(ring.data[i], 0); /* nothing written */
    ring.head = ring.tail = 68;        /* set right again: delivers */
    CHECK_EQ(exo_nr_put(&ring, frame, 10), 0);
}

TEST_CASE(producer_and_consumer)
{
    memset(&ring, 0, sizeof ring);
    uint64_t s = 0x9e3779b97f4a7c15ull;
    uint32_t sent = 0, got = 0, refused = 0;
    uint32_t lens[4096]; /* what is in the ring, in order: seeds are sent - k */
    uint32_t first = 0;  /* index in lens of the oldest */
    for (int step = 0; step < 200000; step++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        if (s % 3) {
            uint32_t len = (s >> 8) % 4 ? 1 + (uint32_t)(s >> 16) % 1514
                                        : 1 + (uint32_t)(s >> 16) % EXO_NF_RING_MAX_FRAME;
            fill(len, sent);
            int r = exo_nr_put(&ring, frame, len);
            if (r == 0)
                lens[(first + sent - got) % 4096] = len, sent++;
            else {
                CHECK_EQ(r, EXO_E_NOMEM);
                refused++;
            }
        } else {
            uint32_t pos, len = next_record(&pos);
            if (sent == got) {
                CHECK_EQ(len, 0);
                continue;
            }
            CHECK_EQ(len, lens[first % 4096]);
            fill(len, got);
            if (memcmp(ring.data + pos + 4, frame, len))
                CHECK_EQ(got, 0xffffffff); /* a record read back wrong */
            consume(len);
            first++, got++;
        }
    }
    CHECK_EQ(ring.drops, refused);
    CHECK_EQ(sent > 50000 && refused > 1000, 1);
}
