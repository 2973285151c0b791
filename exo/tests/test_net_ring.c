/*
 * test_net_ring.c: delivery into a receive ring (exo/net_ring.c, struct exo_nf_ring): a record's
 * exact bytes and place, the wrap marker, a full ring counted as a drop with nothing written,
 * a tail or head the env corrupted refused the same way, records crossing page boundaries of
 * a ring whose pages are not contiguous for exo (as its direct map sees them), and 200,000
 * frames of random lengths through a consumer that follows abi.h's protocol, every one read
 * back in order, byte for byte, every refusal counted, in rings of 1, 3 and 128 pages.
 */
#include <check.h>

#include <exo/abi.h>
#include <exo/net_ring.h>

#include <stdint.h>
#include <string.h>

/* The "physical" pages: ring page i is pool[ppn[i]]; one spare page past the ring's, never
 * to be written. */
static uint8_t pool[EXO_NF_RING_MAX_PAGES + 1][EXO_PAGE] __attribute__((aligned(4096)));
static uint32_t ppn[EXO_NF_RING_MAX_PAGES];
static struct exo_nr_view view;
static volatile struct exo_nf_ring *ring;
static uint32_t DATA, MOD;
static uint8_t frame[EXO_NF_RING_MAX_FRAME + 1];

/* A ring of npages pages, every byte `b`, counts 0; scattered: its pages in reverse order in
 * the pool, so that each page boundary of the ring is a jump for exo. */
static void setup(uint32_t npages, int scattered, uint8_t b)
{
    memset(pool, b, sizeof pool);
    for (uint32_t i = 0; i < npages; i++)
        ppn[i] = scattered ? npages - 1 - i : i;
    view = (struct exo_nr_view){.base = (uintptr_t)pool, .ppn = ppn, .npages = npages};
    /* base + ppn * EXO_PAGE must be pool[ppn]: the pool is page-aligned */
    ring = (volatile struct exo_nf_ring *)pool[ppn[0]];
    ring->head = ring->tail = ring->drops = 0;
    DATA = EXO_NF_RING_DATA(npages), MOD = 2 * DATA;
}

/* Byte pos of data[], where the env sees it (its mapping is contiguous; ours the pool). */
static uint8_t *data_at(uint32_t pos)
{
    uint32_t o = 16 + pos;
    return &pool[ppn[o / EXO_PAGE]][o % EXO_PAGE];
}

static void fill(uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++)
        frame[i] = (uint8_t)(seed * 31 + i * 7);
}

static uint32_t at32(uint32_t pos)
{
    uint32_t v;
    memcpy(&v, data_at(pos), 4); /* 4-aligned: on one page */
    return v;
}

/* Do data[pos..pos+len) hold frame[0..len)? */
static int data_is_frame(uint32_t pos, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        if (*data_at(pos + i) != frame[i])
            return 0;
    return 1;
}

/* The env's side: the next record's length and place, or 0 if the ring is empty; moves tail
 * past a wrap marker. */
static uint32_t next_record(uint32_t *pos)
{
    if (ring->tail == ring->head)
        return 0;
    uint32_t p = ring->tail % DATA, len = at32(p);
    if (len == EXO_NF_RING_WRAP) {
        ring->tail = (ring->tail + DATA - p) % MOD;
        p = 0;
        len = at32(0);
    }
    *pos = p;
    return len;
}

static void consume(uint32_t len)
{
    ring->tail = (ring->tail + ((4 + len + 3) & ~3u)) % MOD;
}

TEST_CASE(one_record)
{
    setup(1, 0, 0xaa);
    fill(60, 1);
    CHECK_EQ(exo_nr_put(&view, frame, 60), 0);
    CHECK_EQ(ring->head, 64);
    CHECK_EQ(ring->drops, 0);
    CHECK_EQ(at32(0), 60);
    CHECK_EQ(data_is_frame(4, 60), 1);
    CHECK_EQ(*data_at(64), 0xaa); /* nothing past the record */
    fill(61, 2);
    CHECK_EQ(exo_nr_put(&view, frame, 61), 0);
    CHECK_EQ(ring->head, 64 + 68); /* 4 + 61, rounded up to 4 */
    CHECK_EQ(at32(64), 61);
    /* no frame, or too long: refused, nothing written, not a drop */
    CHECK_EQ(exo_nr_put(&view, frame, 0), EXO_E_INVAL);
    CHECK_EQ(exo_nr_put(&view, frame, EXO_NF_RING_MAX_FRAME + 1), EXO_E_INVAL);
    CHECK_EQ(ring->head, 132);
    CHECK_EQ(ring->drops, 0);
    CHECK_EQ(exo_nr_put(&view, frame, EXO_NF_RING_MAX_FRAME), 0);
    CHECK_EQ(ring->head, 132 + 4 + EXO_NF_RING_MAX_FRAME);
}

TEST_CASE(full_and_wrap)
{
    setup(1, 0, 0);
    fill(1000, 3);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(exo_nr_put(&view, frame, 1000), 0);
    CHECK_EQ(ring->head, 4016);
    /* the fifth would need a wrap (64 bytes at the end) and 1004 more: full */
    CHECK_EQ(exo_nr_put(&view, frame, 1000), EXO_E_NOMEM);
    CHECK_EQ(ring->drops, 1);
    CHECK_EQ(ring->head, 4016);
    CHECK_EQ(at32(4016), 0);                   /* no marker written */
    CHECK_EQ(exo_nr_put(&view, frame, 60), 0); /* 64 bytes: fits exactly at the end */
    CHECK_EQ(ring->head, 4080);
    CHECK_EQ(exo_nr_put(&view, frame, 1), EXO_E_NOMEM);
    CHECK_EQ(ring->drops, 2);
    ring->tail = 1004; /* the env read one */
    fill(1000, 4);
    CHECK_EQ(exo_nr_put(&view, frame, 1000), 0); /* at data[0], no marker needed */
    CHECK_EQ(ring->head, 5084);
    CHECK_EQ(at32(0), 1000);
    CHECK_EQ(data_is_frame(4, 1000), 1);
    /* a record that does not fit before the end: a marker, then data[0] */
    setup(1, 0, 0);
    ring->head = ring->tail = 4000;
    fill(100, 5);
    CHECK_EQ(exo_nr_put(&view, frame, 100), 0);
    CHECK_EQ(at32(4000), EXO_NF_RING_WRAP);
    CHECK_EQ(at32(0), 100);
    CHECK_EQ(data_is_frame(4, 100), 1);
    CHECK_EQ(ring->head, 4000 + 80 + 104);
    /* and the counts wrap at 2 * DATA */
    ring->head = ring->tail = MOD - 8;
    CHECK_EQ(exo_nr_put(&view, frame, 4), 0);
    CHECK_EQ(ring->head, 0);
    CHECK_EQ(at32(DATA - 8), 4);
}

TEST_CASE(env_corrupts_the_ring)
{
    fill(10, 6);
    setup(1, 0, 0);
    ring->head = 64;
    ring->tail = 68; /* more in use than the ring holds */
    CHECK_EQ(exo_nr_put(&view, frame, 10), EXO_E_NOMEM);
    ring->tail = MOD; /* out of range */
    CHECK_EQ(exo_nr_put(&view, frame, 10), EXO_E_NOMEM);
    ring->tail = 0, ring->head = MOD + 64;
    CHECK_EQ(exo_nr_put(&view, frame, 10), EXO_E_NOMEM);
    ring->head = 66; /* not a record boundary */
    CHECK_EQ(exo_nr_put(&view, frame, 10), EXO_E_NOMEM);
    CHECK_EQ(ring->drops, 4);
    CHECK_EQ(ring->head, 66);
    for (uint32_t i = 0; i < DATA; i++)
        if (*data_at(i))
            CHECK_EQ(*data_at(i), 0); /* nothing written */
    ring->head = ring->tail = 68;     /* set right again: delivers */
    CHECK_EQ(exo_nr_put(&view, frame, 10), 0);
}

static void producer_and_consumer(uint32_t npages)
{
    setup(npages, 1, 0);
    uint64_t s = 0x9e3779b97f4a7c15ull;
    uint32_t sent = 0, got = 0, refused = 0;
    static uint32_t lens[1 << 16]; /* what is in the ring, in order: seeds are sent - k */
    uint32_t first = 0;            /* index in lens of the oldest */
    for (int step = 0; step < 200000; step++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        if (s % 3) {
            uint32_t len = (s >> 8) % 4 ? 1 + (uint32_t)(s >> 16) % 1514
                                        : 1 + (uint32_t)(s >> 16) % EXO_NF_RING_MAX_FRAME;
            fill(len, sent);
            int r = exo_nr_put(&view, frame, len);
            if (r == 0)
                lens[(first + sent - got) % (1u << 16)] = len, sent++;
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
            CHECK_EQ(len, lens[first % (1u << 16)]);
            fill(len, got);
            if (!data_is_frame(pos + 4, len))
                CHECK_EQ(got, 0xffffffff); /* a record read back wrong */
            consume(len);
            first++, got++;
        }
    }
    CHECK_EQ(ring->drops, refused);
    CHECK_EQ(sent > 50000 && refused > 1000, 1);
}

TEST_CASE(producer_and_consumer_one_page)
{
    producer_and_consumer(1);
}

TEST_CASE(producer_and_consumer_three_pages)
{
    producer_and_consumer(3);
}

TEST_CASE(producer_and_consumer_most_pages)
{
    producer_and_consumer(EXO_NF_RING_MAX_PAGES);
}

/* Records across the ring's page boundaries, its pages scattered: every byte where the env
 * reads it, nothing written outside the ring's pages. */
TEST_CASE(records_cross_pages)
{
    setup(3, 1, 0x55);
    CHECK_EQ(DATA, 3 * 4096 - 16);
    /* data[4076..4080) is the last word of the first page: a record's length there, its frame
     * on the second page */
    ring->head = ring->tail = 4076;
    fill(100, 7);
    CHECK_EQ(exo_nr_put(&view, frame, 100), 0);
    CHECK_EQ(ring->head, 4076 + 104);
    CHECK_EQ(at32(4076), 100);
    CHECK_EQ(pool[2][4092], 100);   /* page 0 of the ring is pool[2]: its last word */
    CHECK_EQ(pool[1][0], frame[0]); /* the frame from the start of the second */
    CHECK_EQ(pool[1][99], frame[99]);
    CHECK_EQ(pool[1][100], 0x55);
    CHECK_EQ(data_is_frame(4080, 100), 1);
    /* a frame split mid-way: 1000 bytes, 500 on the second page and 500 on the third */
    uint32_t pos = 2 * 4096 - 16 - 4 - 500;
    ring->head = ring->tail = pos;
    fill(1000, 8);
    CHECK_EQ(exo_nr_put(&view, frame, 1000), 0);
    CHECK_EQ(at32(pos), 1000);
    CHECK_EQ(data_is_frame(pos + 4, 1000), 1);
    CHECK_EQ(memcmp(&pool[1][4096 - 500], frame, 500), 0);
    CHECK_EQ(memcmp(&pool[0][0], frame + 500, 500), 0);
    CHECK_EQ(pool[0][500], 0x55);
    /* the last bytes of the ring: a record ending exactly at the end of the third page */
    ring->head = ring->tail = DATA - 64;
    fill(60, 9);
    CHECK_EQ(exo_nr_put(&view, frame, 60), 0);
    CHECK_EQ(ring->head, DATA);
    CHECK_EQ(data_is_frame(DATA - 60, 60), 1);
    CHECK_EQ(memcmp(&pool[0][4096 - 60], frame, 60), 0);
    /* the next goes to data[0] after a wrap, head past DATA (counts run to 2 * DATA) */
    fill(30, 10);
    CHECK_EQ(exo_nr_put(&view, frame, 30), 0);
    CHECK_EQ(at32(0), 30);
    CHECK_EQ(data_is_frame(4, 30), 1);
    CHECK_EQ(ring->head, DATA + 36);
    CHECK_EQ(memcmp(&pool[2][16 + 4], frame, 30), 0);
    /* nothing ever touched the spare pages past the ring's */
    for (uint32_t p = 3; p <= EXO_NF_RING_MAX_PAGES; p++)
        for (uint32_t i = 0; i < EXO_PAGE; i++)
            if (pool[p][i] != 0x55)
                CHECK_EQ(p * EXO_PAGE + i, 0);
}

/* A big ring fills at its size, not a page's: a 256 KiB burst of 1514-byte frames fits in
 * a ring of 128 pages, the frame after the data area is full is refused and counted. */
TEST_CASE(big_ring_holds_a_window)
{
    setup(EXO_NF_RING_MAX_PAGES, 1, 0);
    uint32_t n = 0;
    fill(1514, 11);
    while (exo_nr_put(&view, frame, 1514) == 0)
        n++;
    CHECK_EQ(n, DATA / 1520); /* records of 1520 bytes, never wrapped from an empty ring */
    CHECK_EQ(n > (256u << 10) / 1514, 1);
    CHECK_EQ(ring->drops, 1);
    CHECK_EQ(ring->head, n * 1520);
    uint32_t pos, got = 0;
    while ((pos = 0, next_record(&pos)) == 1514 && data_is_frame(pos + 4, 1514))
        consume(1514), got++;
    CHECK_EQ(got, n);
    CHECK_EQ(ring->tail, ring->head);
    /* a corrupt tail past a big ring's counts is refused too */
    ring->tail = MOD;
    CHECK_EQ(exo_nr_put(&view, frame, 60), EXO_E_NOMEM);
    CHECK_EQ(ring->drops, 2);
}
