/*
 * test_vio_chain.c: the device types exo hands out and the request shape of their queues
 * (exo/vio_chain.c), against the virtio 1.2 numbers.
 */
#include <check.h>

#include <exo/abi.h>
#include <exo/vio_chain.h>

#define W EXO_VQ_F_WRITE
#define NET_CTRL_VQ (1ull << 17)
#define NET_HASH_REPORT (1ull << 57)

struct d {
    uint16_t flags;
    uint32_t len;
};

/* Tallies chain d[0..n) and checks it against the rule of (type, queue): 0 or EXO_E_INVAL. */
static int chain(uint16_t type, uint16_t queue, uint64_t acc, uint16_t pairs, const struct d *d,
                 int n)
{
    struct vio_chain_rule r = vio_chain_rule(type, queue, acc, pairs);
    struct vio_chain_tally t = {0};
    for (int i = 0; i < n; i++) {
        int e = vio_chain_add(&t, d[i].flags, d[i].len);
        if (e < 0)
            return e;
    }
    return vio_chain_fits(&r, &t);
}

TEST_CASE(types)
{
    const uint16_t ours[] = {1, 2, 3, 4};              /* net, blk, console, rng */
    const uint16_t kept[] = {0, 5, 9, 16, 23, 24, 26}; /* balloon, 9p, gpu, iommu, mem, fs */
    for (unsigned i = 0; i < sizeof ours / sizeof ours[0]; i++)
        CHECK_EQ(vio_type_handed_out(ours[i]), 1);
    for (unsigned i = 0; i < sizeof kept / sizeof kept[0]; i++)
        CHECK_EQ(vio_type_handed_out(kept[i]), 0);
}

TEST_CASE(blk)
{
    const struct d read[] = {{0, 16}, {W, 4096}, {W, 1}}, split[] = {{0, 8}, {0, 8}, {W, 1}};
    const struct d flush[] = {{0, 16}, {W, 1}}, write[] = {{0, 16}, {0, 4096}, {W, 1}};
    CHECK_EQ(chain(2, 0, 0, 0, read, 3), 0);
    CHECK_EQ(chain(2, 1, 0, 0, write, 3), 0);
    CHECK_EQ(chain(2, 0, 0, 0, split, 3), EXO_E_INVAL); /* exo copies the header: one descriptor */
    CHECK_EQ(chain(2, 0, 0, 0, flush, 2), 0);
    const struct d order[] = {{0, 16}, {W, 1}, {0, 4096}}, shorthdr[] = {{0, 15}, {W, 1}};
    const struct d nostatus[] = {{0, 16}, {0, 4096}}, nohdr[] = {{W, 4096}, {W, 1}};
    CHECK_EQ(chain(2, 0, 0, 0, order, 3), EXO_E_INVAL);
    CHECK_EQ(chain(2, 0, 0, 0, shorthdr, 2), EXO_E_INVAL);
    CHECK_EQ(chain(2, 0, 0, 0, nostatus, 2), EXO_E_INVAL);
    CHECK_EQ(chain(2, 0, 0, 0, nohdr, 2), EXO_E_INVAL);
    const struct d longhdr[] = {{0, 32}, {W, 1}}, hdrseg[] = {{0, 16}, {0, 16}, {W, 1}};
    CHECK_EQ(chain(2, 0, 0, 0, longhdr, 2), EXO_E_INVAL); /* header and segment in one */
    CHECK_EQ(chain(2, 0, 0, 0, hdrseg, 3), 0);
}

/* Checks the header type `type` for chain d[0..n) on a blk queue started with acc. */
static int blk_type(uint64_t acc, uint32_t type, const struct d *d, int n)
{
    struct vio_chain_rule r = vio_chain_rule(2, 0, acc, 0);
    struct vio_chain_tally t = {0};
    for (int i = 0; i < n; i++)
        CHECK_EQ(vio_chain_add(&t, d[i].flags, d[i].len), 0);
    CHECK_EQ(vio_chain_fits(&r, &t), 0);
    return vio_blk_hdr_ok(&r, &t, type);
}

TEST_CASE(blk_header_types)
{
    const uint64_t DISCARD = 1ull << 13, WZ = 1ull << 14;
    const struct d rw[] = {{0, 16}, {W, 512}, {W, 1}}, st[] = {{0, 16}, {W, 1}};
    const struct d seg[] = {{0, 16}, {0, 16}, {W, 1}}, seg2[] = {{0, 16}, {0, 32}, {W, 1}};
    const struct d seg15[] = {{0, 16}, {0, 15}, {W, 1}}, seg17[] = {{0, 16}, {0, 17}, {W, 1}};
    const struct d scsi[] = {{0, 16}, {0, 1}, {W, 1}, {W, 1}, {W, 1}};
    CHECK_EQ(blk_type(0, 0, rw, 3), 0);             /* IN */
    CHECK_EQ(blk_type(0, 1, rw, 3), 0);             /* OUT */
    CHECK_EQ(blk_type(0, 4, st, 2), 0);             /* FLUSH */
    CHECK_EQ(blk_type(0, 8, rw, 3), 0);             /* GET_ID */
    CHECK_EQ(blk_type(0, 2, scsi, 5), EXO_E_INVAL); /* SCSI_CMD, */
    CHECK_EQ(blk_type(0, 3, scsi, 5), EXO_E_INVAL); /* ... its OUT form */
    CHECK_EQ(blk_type(0, 5, st, 2), EXO_E_INVAL);   /* FLUSH | OUT: QEMU reads it as a flush */
    CHECK_EQ(blk_type(0, 0x80000000u, rw, 3), EXO_E_INVAL); /* IN | BARRIER */
    CHECK_EQ(blk_type(0, 10, rw, 3), EXO_E_INVAL);          /* GET_LIFETIME */
    CHECK_EQ(blk_type(0, 14, seg, 3), EXO_E_INVAL);         /* SECURE_ERASE */
    CHECK_EQ(blk_type(0, 16, rw, 3), EXO_E_INVAL);          /* ZONE_APPEND */
    CHECK_EQ(blk_type(0, 11, seg, 3), EXO_E_INVAL);         /* DISCARD not accepted */
    CHECK_EQ(blk_type(DISCARD, 11, seg, 3), 0);
    CHECK_EQ(blk_type(DISCARD, 11, seg2, 3), 0);
    CHECK_EQ(blk_type(DISCARD, 11, st, 2), EXO_E_INVAL); /* no segment: QEMU breaks the device */
    CHECK_EQ(blk_type(DISCARD, 11, seg15, 3), EXO_E_INVAL);
    CHECK_EQ(blk_type(DISCARD, 11, seg17, 3), EXO_E_INVAL);
    CHECK_EQ(blk_type(DISCARD, 13, seg, 3), EXO_E_INVAL); /* WRITE_ZEROES not accepted */
    CHECK_EQ(blk_type(WZ, 13, seg, 3), 0);
    CHECK_EQ(blk_type(WZ, 13, st, 2), EXO_E_INVAL);
    CHECK_EQ(blk_type(WZ, 11, seg, 3), EXO_E_INVAL);
}

TEST_CASE(features_allow_list)
{
    const uint64_t V1 = 1ull << 32;
    const uint64_t never = 1ull << 28 | 1ull << 29 | 1ull << 34 | 1ull << 35 | 1ull << 37 |
                           1ull << 38 | 1ull << 39 | 1ull << 40 | 1ull << 41 | 1ull << 33;
    const uint16_t types[] = {1, 2, 3, 4, 0, 5, 16};
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++)
        CHECK_EQ(vio_features_allowed(types[i]) & never, 0);
    CHECK_EQ(vio_features_allowed(2), V1 | 1ull << 1 | 1ull << 2 | 1ull << 5 | 1ull << 6 |
                                          1ull << 9 | 1ull << 10 | 1ull << 12 | 1ull << 13 |
                                          1ull << 14);
    CHECK_EQ(vio_features_allowed(1), V1 | 1ull << 0 | 1ull << 1 | 1ull << 3 | 1ull << 5 |
                                          1ull << 16 | 1ull << 17 | 1ull << 22);
    CHECK_EQ(vio_features_allowed(3), V1 | 1ull << 0 | 1ull << 1);
    CHECK_EQ(vio_features_allowed(4), V1);
    CHECK_EQ(vio_features_allowed(0), 0); /* balloon: not handed out */
}

TEST_CASE(net)
{
    const struct d rx12[] = {{W, 12}}, rx11[] = {{W, 11}}, tx12[] = {{0, 12}}, tx11[] = {{0, 11}};
    const struct d tx13[] = {{0, 13}}, tx12_1[] = {{0, 12}, {0, 1}};
    const struct d rxr[] = {{0, 12}, {W, 64}}, txw[] = {{0, 64}, {W, 1}};
    const struct d ctl[] = {{0, 2}, {0, 2}, {W, 1}}, ctl1[] = {{0, 1}, {W, 1}};
    const struct d rx20[] = {{W, 20}}, rx19[] = {{W, 19}}, tx19[] = {{0, 19}};
    CHECK_EQ(chain(1, 0, NET_CTRL_VQ, 1, rx12, 1), 0);
    CHECK_EQ(chain(1, 0, NET_CTRL_VQ, 1, rx11, 1), EXO_E_INVAL);
    CHECK_EQ(chain(1, 0, NET_CTRL_VQ, 1, rxr, 2), EXO_E_INVAL);
    CHECK_EQ(chain(1, 1, NET_CTRL_VQ, 1, tx13, 1), 0);
    CHECK_EQ(chain(1, 1, NET_CTRL_VQ, 1, tx12_1, 2), 0);
    CHECK_EQ(chain(1, 1, NET_CTRL_VQ, 1, tx12, 1), EXO_E_INVAL); /* a header alone */
    CHECK_EQ(chain(1, 1, NET_CTRL_VQ, 1, tx11, 1), EXO_E_INVAL);
    CHECK_EQ(chain(1, 1, NET_CTRL_VQ, 1, txw, 2), EXO_E_INVAL);
    CHECK_EQ(chain(1, 2, NET_CTRL_VQ, 1, ctl, 3), 0); /* controlq 2N, N = 1 */
    CHECK_EQ(chain(1, 2, NET_CTRL_VQ, 1, ctl1, 2), EXO_E_INVAL);
    CHECK_EQ(chain(1, 2, NET_CTRL_VQ, 1, tx12, 1), EXO_E_INVAL);
    CHECK_EQ(chain(1, 3, NET_CTRL_VQ, 1, tx12, 1), EXO_E_INVAL); /* no such queue */
    CHECK_EQ(chain(1, 2, NET_CTRL_VQ, 2, rx12, 1), 0);           /* N = 2: receiveq2 */
    CHECK_EQ(chain(1, 4, NET_CTRL_VQ, 2, ctl, 3), 0);            /* ... and controlq 4 */
    CHECK_EQ(chain(1, 2, NET_CTRL_VQ, 0, ctl, 3), 0);            /* N = 0 read as 1 */
    CHECK_EQ(chain(1, 0, NET_HASH_REPORT, 1, rx20, 1), 0);       /* the 20-byte header */
    CHECK_EQ(vio_chain_rule(1, 2, NET_CTRL_VQ, 1).whole, 1);     /* the control queue acts on all */
    CHECK_EQ(vio_chain_rule(1, 4, NET_CTRL_VQ, 2).whole, 1);
    CHECK_EQ(vio_chain_rule(1, 0, NET_CTRL_VQ, 1).whole, 0);
    CHECK_EQ(vio_chain_rule(1, 1, NET_CTRL_VQ, 1).whole, 0);
    CHECK_EQ(vio_chain_rule(2, 0, 0, 0).whole, 0);
    CHECK_EQ(chain(1, 0, NET_HASH_REPORT, 1, rx19, 1), EXO_E_INVAL);
    CHECK_EQ(chain(1, 1, NET_HASH_REPORT, 1, tx19, 1), EXO_E_INVAL);
}

TEST_CASE(console_rng)
{
    const struct d w1[] = {{W, 1}}, r1[] = {{0, 1}}, w8[] = {{W, 8}}, r8[] = {{0, 8}};
    const struct d w7[] = {{W, 7}}, r7[] = {{0, 7}}, rw[] = {{0, 1}, {W, 1}};
    CHECK_EQ(chain(3, 0, 0, 0, w1, 1), 0);
    CHECK_EQ(chain(3, 0, 0, 0, r1, 1), EXO_E_INVAL);
    CHECK_EQ(chain(3, 1, 0, 0, r1, 1), 0);
    CHECK_EQ(chain(3, 1, 0, 0, w1, 1), EXO_E_INVAL);
    CHECK_EQ(chain(3, 1, 0, 0, rw, 2), EXO_E_INVAL);
    CHECK_EQ(chain(3, 2, 0, 0, w8, 1), 0); /* control receiveq: whole control messages */
    CHECK_EQ(chain(3, 2, 0, 0, w7, 1), EXO_E_INVAL);
    CHECK_EQ(chain(3, 3, 0, 0, r8, 1), 0);
    CHECK_EQ(chain(3, 3, 0, 0, r7, 1), EXO_E_INVAL);
    CHECK_EQ(chain(3, 5, 0, 0, r1, 1), 0); /* port 1's transmitq */
    CHECK_EQ(chain(4, 0, 0, 0, w1, 1), 0);
    CHECK_EQ(chain(4, 0, 0, 0, r1, 1), EXO_E_INVAL);
    CHECK_EQ(chain(4, 1, 0, 0, w1, 1), EXO_E_INVAL); /* rng has one queue */
    CHECK_EQ(chain(5, 0, 0, 0, r8, 1), EXO_E_INVAL); /* not handed out: nothing fits */
    CHECK_EQ(chain(5, 0, 0, 0, w8, 1), EXO_E_INVAL);
}
