/*
 * blk.c: the virtio-blk driver over one request queue. Each request in flight has a slot in
 * one DMA page (header, discard segment, id bytes, status; see VIO_BLK_SLOT_*), so a request
 * costs no allocation; data comes in the caller's DMA pages. Completions are matched to
 * slots by the chain's head. A synchronous call waits for its own slot and parks any other
 * completion it reaps (done bitmap) for vio_blk_poll to report, so both styles mix.
 */
#include "vio.h"

static uint8_t *slot_at(struct vio_blk *b, unsigned s)
{
    return (uint8_t *)b->slots.va + s * VIO_BLK_SLOT_BYTES;
}

static uint64_t slot_pa(struct vio_blk *b, unsigned s, unsigned off)
{
    return b->slots.pa + s * VIO_BLK_SLOT_BYTES + off;
}

/* Sets dev up if nobody has and reads its configuration into *b (no queue yet). */
static int blk_start(struct vio_blk *b, unsigned dev, unsigned queue)
{
    struct exo_vio_info info;
    vio_zero(b, sizeof *b);
    int64_t acc = vio_start(dev, VIO_BLK_WANT, &info);
    if (acc < 0)
        return (int)acc;
    if (info.type != VIRTIO_ID_BLK)
        return EXO_E_INVAL;
    b->dev = dev;
    b->queue = queue;
    b->features = (uint64_t)acc;
    b->capacity = vio_cfg64(&info, VIRTIO_BLK_CFG_CAPACITY);
    b->blk_size = (acc & VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE))
                      ? vio_cfg32(&info, VIRTIO_BLK_CFG_BLK_SIZE)
                      : VIRTIO_BLK_SECTOR;
    b->num_queues =
        (acc & VIRTIO_BIT(VIRTIO_BLK_F_MQ)) ? vio_cfg16(&info, VIRTIO_BLK_CFG_NUM_QUEUES) : 1;
    if (b->num_queues == 0)
        b->num_queues = 1;
    b->read_only = (acc & VIRTIO_BIT(VIRTIO_BLK_F_RO)) ? 1 : 0;
    b->seg_max = VIO_BLK_MAX_PAGES;
    if (acc & VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX)) {
        uint32_t m = vio_cfg32(&info, VIRTIO_BLK_CFG_SEG_MAX);
        if (m && m < b->seg_max)
            b->seg_max = m;
    }
    /* A device whose segments must be smaller than a page cannot take our page buffers. */
    if ((acc & VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX)) &&
        vio_cfg32(&info, VIRTIO_BLK_CFG_SIZE_MAX) < EXO_PAGE)
        return VIO_E_UNSUPP;
    if (acc & VIRTIO_BIT(VIRTIO_BLK_F_DISCARD)) {
        b->max_discard_sectors = vio_cfg32(&info, VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS);
        b->max_discard_seg = vio_cfg32(&info, VIRTIO_BLK_CFG_MAX_DISCARD_SEG);
    }
    return 0;
}

/* The slot page and the queue, in either mode. */
static int blk_queue(struct vio_blk *b, int direct)
{
    int r = vio_dma_alloc(&b->slots);
    if (r < 0)
        return r;
    r = direct ? vio_vq_open_direct(&b->vq, b->dev, b->queue, 0, 1)
               : vio_vq_open(&b->vq, b->dev, b->queue, 0, 1);
    if (r < 0) {
        vio_dma_free(&b->slots);
        return r;
    }
    b->vq.ctx = b;
    b->direct = (uint16_t)(direct != 0);
    return 0;
}

int vio_blk_open(struct vio_blk *b, unsigned dev, unsigned queue)
{
    int r = blk_start(b, dev, queue);
    return r < 0 ? r : blk_queue(b, 0);
}

int vio_blk_open_direct(struct vio_blk *b, unsigned dev, unsigned queue)
{
    int r = blk_start(b, dev, queue);
    if (r < 0)
        return r;
    int took = !vio_direct_bell(dev);
    if (took && (r = vio_direct(dev, 0)) < 0)
        return r;
    if ((r = blk_queue(b, 1)) < 0 && took)
        vio_direct_end(dev);
    return r;
}

int vio_blk_close(struct vio_blk *b)
{
    int r = vio_vq_close(&b->vq);
    vio_dma_free(&b->slots); /* after close: the device is done with the slots */
    return r;
}

/* Claims a free slot and fills its header; data describes the data buffers. */
static int submit(struct vio_blk *b, uint32_t type, uint64_t sector, const struct vq_buf *data,
                  unsigned ndata, uint64_t tag)
{
    if (b->busy == ~0ull)
        return EXO_E_NOMEM;
    unsigned s = (unsigned)__builtin_ctzll(~b->busy);
    uint8_t *p = slot_at(b, s);
    vio_blk_hdr((struct virtio_blk_req *)(p + VIO_BLK_SLOT_HDR), type, sector);
    p[VIO_BLK_SLOT_STATUS] = 0xff; /* no valid status until the device writes one */

    struct vq_buf chain[VIO_BLK_MAX_PAGES + 2];
    int n = vio_blk_chain(chain, VIO_BLK_MAX_PAGES + 2, type, slot_pa(b, s, VIO_BLK_SLOT_HDR), data,
                          ndata, slot_pa(b, s, VIO_BLK_SLOT_STATUS));
    if (n < 0)
        return n;
    int head = vq_submit(&b->vq, chain, (unsigned)n);
    if (head < 0)
        return head;
    b->busy |= 1ull << s;
    b->tag[s] = tag;
    b->slot_of_head[head] = (uint8_t)s;
    return (int)s;
}

/* Checks a read/write's range and turns its pages into data buffers. */
static int rw_segs(struct vio_blk *b, uint32_t type, uint64_t sector, uint32_t nsect,
                   const struct vio_dma *pages, struct vq_buf *segs)
{
    if (type != VIRTIO_BLK_T_IN && type != VIRTIO_BLK_T_OUT)
        return EXO_E_INVAL;
    if (nsect == 0 || sector > b->capacity || nsect > b->capacity - sector)
        return EXO_E_RANGE;
    if (type == VIRTIO_BLK_T_OUT && b->read_only)
        return EXO_E_PERM;
    if ((uint64_t)nsect * VIRTIO_BLK_SECTOR > (uint64_t)b->seg_max * EXO_PAGE)
        return EXO_E_RANGE;
    return vio_blk_segs(segs, b->seg_max, pages, nsect * VIRTIO_BLK_SECTOR,
                        type == VIRTIO_BLK_T_IN);
}

int vio_blk_submit(struct vio_blk *b, uint32_t type, uint64_t sector, uint32_t nsect,
                   const struct vio_dma *pages, uint64_t tag)
{
    if (type == VIRTIO_BLK_T_FLUSH) {
        if (!(b->features & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH)))
            return VIO_E_UNSUPP;
        return submit(b, type, 0, 0, 0, tag);
    }
    struct vq_buf segs[VIO_BLK_MAX_PAGES];
    int n = rw_segs(b, type, sector, nsect, pages, segs);
    if (n < 0)
        return n;
    return submit(b, type, sector, segs, (unsigned)n, tag);
}

int64_t vio_blk_kick(struct vio_blk *b)
{
    int64_t k = vq_kick(&b->vq);
    if (k < 0) {
        /* Nothing since the last kick reached the device: take the whole batch back and free
         * its slots, so a refused request never holds a slot. */
        for (uint16_t i = b->vq.kicked_idx; i != b->vq.avail_idx; i++)
            b->busy &= ~(1ull << b->slot_of_head[b->vq.avail->ring[i & b->vq.mask]]);
        vq_drop_pending(&b->vq);
    }
    return k;
}

/* Records one completion from the used ring in its slot. */
static int reap(struct vio_blk *b, uint16_t head)
{
    unsigned s = b->slot_of_head[head];
    if (!(b->busy & (1ull << s)) || (b->done & (1ull << s)))
        return EXO_E_CORRUPT;
    b->result[s] = (int8_t)vio_blk_status(slot_at(b, s)[VIO_BLK_SLOT_STATUS]);
    b->done |= 1ull << s;
    return 0;
}

/* Reports finished slot s and frees it. */
static void report(struct vio_blk *b, unsigned s, uint64_t *tag, int *result)
{
    *tag = b->tag[s];
    *result = b->result[s];
    b->done &= ~(1ull << s);
    b->busy &= ~(1ull << s);
}

int vio_blk_poll(struct vio_blk *b, uint64_t *tag, int *result)
{
    if (!b->done) {
        uint16_t head;
        uint32_t len;
        int r = vq_poll(&b->vq, &head, &len);
        if (r <= 0)
            return r;
        if ((r = reap(b, head)) < 0)
            return r;
    }
    report(b, (unsigned)__builtin_ctzll(b->done), tag, result);
    return 1;
}

/* Waits for the next completion and files it under its slot. */
static int wait_one(struct vio_blk *b)
{
    uint16_t head;
    uint32_t len;
    int r = vq_wait(&b->vq, &head, &len);
    return r < 0 ? r : reap(b, head);
}

int vio_blk_wait(struct vio_blk *b, uint64_t *tag, int *result)
{
    int r;
    if (!b->done && (r = wait_one(b)) < 0)
        return r;
    report(b, (unsigned)__builtin_ctzll(b->done), tag, result);
    return 1;
}

unsigned vio_blk_inflight(const struct vio_blk *b)
{
    unsigned n = 0;
    for (uint64_t m = b->busy; m; m &= m - 1) /* no popcount instruction assumed */
        n++;
    return n;
}

/* Kicks, then waits for slot s alone, parking other completions. Its result. */
static int finish(struct vio_blk *b, int s)
{
    if (s < 0)
        return s;
    int64_t k = vio_blk_kick(b);
    if (k < 0)
        return (int)k;
    for (int r; !(b->done & (1ull << s));)
        if ((r = wait_one(b)) < 0)
            return r;
    uint64_t tag;
    int result;
    report(b, (unsigned)s, &tag, &result);
    return result;
}

int vio_blk_read(struct vio_blk *b, uint64_t sector, uint32_t nsect, const struct vio_dma *pages)
{
    return finish(b, vio_blk_submit(b, VIRTIO_BLK_T_IN, sector, nsect, pages, 0));
}

int vio_blk_write(struct vio_blk *b, uint64_t sector, uint32_t nsect, const struct vio_dma *pages)
{
    return finish(b, vio_blk_submit(b, VIRTIO_BLK_T_OUT, sector, nsect, pages, 0));
}

int vio_blk_flush(struct vio_blk *b)
{
    return finish(b, vio_blk_submit(b, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
}

int vio_blk_discard(struct vio_blk *b, uint64_t sector, uint32_t nsect)
{
    if (!(b->features & VIRTIO_BIT(VIRTIO_BLK_F_DISCARD)))
        return VIO_E_UNSUPP;
    if (nsect == 0 || sector > b->capacity || nsect > b->capacity - sector ||
        (b->max_discard_sectors && nsect > b->max_discard_sectors))
        return EXO_E_RANGE;
    if (b->read_only)
        return EXO_E_PERM;
    if (b->busy == ~0ull)
        return EXO_E_NOMEM;
    /* The segment goes in the slot submit() will pick: the lowest free one. */
    unsigned s = (unsigned)__builtin_ctzll(~b->busy);
    struct virtio_blk_discard_write_zeroes *seg =
        (struct virtio_blk_discard_write_zeroes *)(slot_at(b, s) + VIO_BLK_SLOT_SEG);
    seg->sector = sector;
    seg->num_sectors = nsect;
    seg->flags = 0;
    struct vq_buf d = {slot_pa(b, s, VIO_BLK_SLOT_SEG), sizeof *seg, 0};
    return finish(b, submit(b, VIRTIO_BLK_T_DISCARD, 0, &d, 1, 0));
}

int vio_blk_open_serial(struct vio_blk *b, const char *serial, unsigned queue)
{
    struct exo_vio_info info;
    for (unsigned nth = 0;; nth++) {
        int dev = vio_find(VIRTIO_ID_BLK, nth, &info);
        if (dev < 0)
            return dev;
        if (vio_blk_open(b, (unsigned)dev, queue) < 0)
            continue;
        char id[VIRTIO_BLK_ID_BYTES + 1];
        int same = vio_blk_get_id(b, id) == 0;
        for (int i = 0; same && (i == 0 || serial[i - 1]); i++)
            same = id[i] == serial[i];
        if (same)
            return dev;
        vio_blk_close(b);
    }
}

int vio_blk_get_id(struct vio_blk *b, char id[VIRTIO_BLK_ID_BYTES + 1])
{
    if (b->busy == ~0ull)
        return EXO_E_NOMEM;
    unsigned s = (unsigned)__builtin_ctzll(~b->busy);
    uint8_t *raw = slot_at(b, s) + VIO_BLK_SLOT_ID;
    vio_zero(raw, VIRTIO_BLK_ID_BYTES);
    struct vq_buf d = {slot_pa(b, s, VIO_BLK_SLOT_ID), VIRTIO_BLK_ID_BYTES, 1};
    int r = finish(b, submit(b, VIRTIO_BLK_T_GET_ID, 0, &d, 1, 0));
    if (r == 0)
        vio_blk_id_string(id, raw);
    return r;
}
