/*
 * test_blk_req.c: virtio-blk's request layout (common/virtio.h, blk_req.c) on the
 * host: the header, discard segment and configuration offsets are the spec's; chains are
 * header, data one page per descriptor with the direction the type says, status last; the
 * status byte and GET_ID bytes are read right.
 */
#include <check.h>

#include <virtio/vio.h>

#include <stddef.h>

/* The spec's numbers and layouts. */
TEST_CASE(spec_numbers)
{
    CHECK_EQ(VIRTIO_ID_NET, 1);
    CHECK_EQ(VIRTIO_ID_BLK, 2);
    CHECK_EQ(VIRTIO_ID_CONSOLE, 3);
    CHECK_EQ(VIRTIO_ID_RNG, 4);
    CHECK_EQ(VIRTIO_BIT(VIRTIO_F_VERSION_1), 0x100000000ull);
    CHECK_EQ(VIRTIO_F_ACCESS_PLATFORM, 33);
    CHECK_EQ(VIRTIO_F_RING_PACKED, 34);
    CHECK_EQ(VIRTIO_BLK_T_IN, 0);
    CHECK_EQ(VIRTIO_BLK_T_OUT, 1);
    CHECK_EQ(VIRTIO_BLK_T_FLUSH, 4);
    CHECK_EQ(VIRTIO_BLK_T_GET_ID, 8);
    CHECK_EQ(VIRTIO_BLK_T_DISCARD, 11);
    CHECK_EQ(VIRTIO_BLK_T_WRITE_ZEROES, 13);
    CHECK_EQ(VIRTIO_BLK_F_FLUSH, 9);
    CHECK_EQ(VIRTIO_BLK_F_MQ, 12);
    CHECK_EQ(VIRTIO_BLK_F_DISCARD, 13);
    CHECK_EQ(VIRTIO_BLK_ID_BYTES, 20);

    /* Request header: le32 type, le32 reserved, le64 sector. */
    CHECK_EQ(sizeof(struct virtio_blk_req), 16);
    CHECK_EQ(offsetof(struct virtio_blk_req, type), 0);
    CHECK_EQ(offsetof(struct virtio_blk_req, reserved), 4);
    CHECK_EQ(offsetof(struct virtio_blk_req, sector), 8);
    /* Discard / write-zeroes segment: le64 sector, le32 num_sectors, le32 flags. */
    CHECK_EQ(sizeof(struct virtio_blk_discard_write_zeroes), 16);
    CHECK_EQ(offsetof(struct virtio_blk_discard_write_zeroes, sector), 0);
    CHECK_EQ(offsetof(struct virtio_blk_discard_write_zeroes, num_sectors), 8);
    CHECK_EQ(offsetof(struct virtio_blk_discard_write_zeroes, flags), 12);
    CHECK_EQ(VIRTIO_BLK_WZ_F_UNMAP, 1);

    /* struct virtio_blk_config offsets. */
    CHECK_EQ(VIRTIO_BLK_CFG_CAPACITY, 0);
    CHECK_EQ(VIRTIO_BLK_CFG_SIZE_MAX, 8);
    CHECK_EQ(VIRTIO_BLK_CFG_SEG_MAX, 12);
    CHECK_EQ(VIRTIO_BLK_CFG_GEOMETRY, 16);
    CHECK_EQ(VIRTIO_BLK_CFG_BLK_SIZE, 20);
    CHECK_EQ(VIRTIO_BLK_CFG_TOPOLOGY, 24);
    CHECK_EQ(VIRTIO_BLK_CFG_WRITEBACK, 32);
    CHECK_EQ(VIRTIO_BLK_CFG_NUM_QUEUES, 34);
    CHECK_EQ(VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, 36);
    CHECK_EQ(VIRTIO_BLK_CFG_MAX_DISCARD_SEG, 40);
    CHECK_EQ(VIRTIO_BLK_CFG_DISCARD_ALIGN, 44);
    CHECK_EQ(VIRTIO_BLK_CFG_MAX_WZ_SECTORS, 48);
    CHECK_EQ(VIRTIO_BLK_CFG_MAX_WZ_SEG, 52);
    CHECK_EQ(VIRTIO_BLK_CFG_WZ_MAY_UNMAP, 56);
}

/* The header as bytes: little-endian fields at their offsets. */
TEST_CASE(header_bytes)
{
    struct virtio_blk_req h;
    vio_blk_hdr(&h, VIRTIO_BLK_T_OUT, 0x0102030405060708ull);
    const uint8_t *hb = (const uint8_t *)&h;
    CHECK_EQ(hb[0], 1);
    CHECK_EQ(hb[4], 0);
    CHECK_EQ(hb[8], 0x08);
    CHECK_EQ(hb[15], 0x01);
}

static struct vio_dma pages[3] = {{0, 0x7000}, {0, 0x3000}, {0, 0x9000}};

/* Data over pages: 9 sectors = one full page and 512 bytes of the next. */
TEST_CASE(data_segments)
{
    struct vq_buf segs[4];
    CHECK_EQ(vio_blk_segs(segs, 4, pages, 9 * 512, 1), 2);
    CHECK_EQ(segs[0].pa, 0x7000);
    CHECK_EQ(segs[0].len, 4096);
    CHECK_EQ(segs[0].write, 1);
    CHECK_EQ(segs[1].pa, 0x3000);
    CHECK_EQ(segs[1].len, 512);
    CHECK_EQ(vio_blk_segs(segs, 4, pages, 3 * 4096, 0), 3);
    CHECK_EQ(segs[2].pa, 0x9000);
    CHECK_EQ(segs[2].len, 4096);
    CHECK_EQ(segs[2].write, 0);
    CHECK_EQ(vio_blk_segs(segs, 2, pages, 3 * 4096, 0), EXO_E_RANGE);
    CHECK_EQ(vio_blk_segs(segs, 4, pages, 0, 0), 0);
}

TEST_CASE(request_chains)
{
    struct vq_buf segs[4];
    /* A read: header readable, data writable, status writable, in that order. */
    struct vq_buf chain[8];
    vio_blk_segs(segs, 4, pages, 9 * 512, 0); /* the chain sets the direction, not this */
    CHECK_EQ(vio_blk_chain(chain, 8, VIRTIO_BLK_T_IN, 0x1000, segs, 2, 0x1038), 4);
    CHECK_EQ(chain[0].pa, 0x1000);
    CHECK_EQ(chain[0].len, 16);
    CHECK_EQ(chain[0].write, 0);
    CHECK_EQ(chain[1].pa, 0x7000);
    CHECK_EQ(chain[1].len, 4096);
    CHECK_EQ(chain[1].write, 1);
    CHECK_EQ(chain[2].pa, 0x3000);
    CHECK_EQ(chain[2].len, 512);
    CHECK_EQ(chain[2].write, 1);
    CHECK_EQ(chain[3].pa, 0x1038);
    CHECK_EQ(chain[3].len, 1);
    CHECK_EQ(chain[3].write, 1);
    /* A write: data readable. */
    CHECK_EQ(vio_blk_chain(chain, 8, VIRTIO_BLK_T_OUT, 0x1000, segs, 2, 0x1038), 4);
    CHECK_EQ(chain[1].write, 0);
    CHECK_EQ(chain[2].write, 0);
    CHECK_EQ(chain[3].write, 1);
    /* A flush: header and status only. */
    CHECK_EQ(vio_blk_chain(chain, 8, VIRTIO_BLK_T_FLUSH, 0x2040, 0, 0, 0x2078), 2);
    CHECK_EQ(chain[0].pa, 0x2040);
    CHECK_EQ(chain[0].write, 0);
    CHECK_EQ(chain[1].pa, 0x2078);
    CHECK_EQ(chain[1].len, 1);
    CHECK_EQ(chain[1].write, 1);
    /* GET_ID: 20 device-writable bytes (slot layout: id at 32, status at 56). */
    struct vq_buf id = {0x1000 + VIO_BLK_SLOT_ID, VIRTIO_BLK_ID_BYTES, 0};
    CHECK_EQ(
        vio_blk_chain(chain, 8, VIRTIO_BLK_T_GET_ID, 0x1000, &id, 1, 0x1000 + VIO_BLK_SLOT_STATUS),
        3);
    CHECK_EQ(chain[1].pa, 0x1020);
    CHECK_EQ(chain[1].len, 20);
    CHECK_EQ(chain[1].write, 1);
    CHECK_EQ(chain[2].pa, 0x1038);
    /* DISCARD: the 16-byte segment is device-readable. */
    struct vq_buf seg = {0x1000 + VIO_BLK_SLOT_SEG, 16, 1};
    CHECK_EQ(vio_blk_chain(chain, 8, VIRTIO_BLK_T_DISCARD, 0x1000, &seg, 1, 0x1038), 3);
    CHECK_EQ(chain[1].pa, 0x1010);
    CHECK_EQ(chain[1].len, 16);
    CHECK_EQ(chain[1].write, 0);
    /* Not enough room for header + data + status. */
    CHECK_EQ(vio_blk_chain(chain, 3, VIRTIO_BLK_T_IN, 0x1000, segs, 2, 0x1038), EXO_E_RANGE);
}

TEST_CASE(slots_status_and_ids)
{
    /* The slot page: 64 slots of 64 bytes, fields inside their slot. */
    CHECK_EQ(VIO_BLK_SLOTS * VIO_BLK_SLOT_BYTES, 4096);
    CHECK_EQ(VIO_BLK_SLOT_HDR, 0);
    CHECK_EQ(VIO_BLK_SLOT_SEG, 16);
    CHECK_EQ(VIO_BLK_SLOT_ID, 32);
    CHECK_EQ(VIO_BLK_SLOT_STATUS, 56);

    /* Status bytes. */
    CHECK_EQ(vio_blk_status(VIRTIO_BLK_S_OK), 0);
    CHECK_EQ(vio_blk_status(VIRTIO_BLK_S_IOERR), VIO_E_IO);
    CHECK_EQ(vio_blk_status(VIRTIO_BLK_S_UNSUPP), VIO_E_UNSUPP);
    CHECK_EQ(vio_blk_status(0xff), VIO_E_IO); /* never written */
    CHECK_EQ(vio_blk_data_written(VIRTIO_BLK_T_IN), 1);
    CHECK_EQ(vio_blk_data_written(VIRTIO_BLK_T_GET_ID), 1);
    CHECK_EQ(vio_blk_data_written(VIRTIO_BLK_T_OUT), 0);
    CHECK_EQ(vio_blk_data_written(VIRTIO_BLK_T_DISCARD), 0);
    CHECK_EQ(vio_blk_data_written(VIRTIO_BLK_T_WRITE_ZEROES), 0);

    /* GET_ID strings: NUL-padded, or all 20 bytes with no terminator. */
    char s[VIRTIO_BLK_ID_BYTES + 1];
    uint8_t raw[VIRTIO_BLK_ID_BYTES] = {'t', 'e', 's', 's', 'e', 'r', 'a', '0'};
    for (int i = 0; i <= VIRTIO_BLK_ID_BYTES; i++)
        s[i] = 'x';
    vio_blk_id_string(s, raw);
    CHECK_STR(s, "tessera0");
    CHECK_EQ(s[VIRTIO_BLK_ID_BYTES], 0);
    for (int i = 0; i < VIRTIO_BLK_ID_BYTES; i++)
        raw[i] = (uint8_t)('A' + i);
    vio_blk_id_string(s, raw);
    CHECK_STR(s, "ABCDEFGHIJKLMNOPQRST");
}
