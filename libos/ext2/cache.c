/*
 * cache.c: the block cache. A fixed array of buffers over memory the embedder gives at mount;
 * a block is found by a scan (v1: a few hundred buffers), pinned while a caller uses it, and
 * written back when dirty: at sync, or when its buffer is taken for another block (the least
 * recently used unpinned one). A buffer's entry in the shared index (share.c) is untagged
 * before the buffer is taken for another block or forgotten. ext2 has no journal: write order is
 * not kept (e2fsck repairs what a crash leaves; sync is the durability point).
 */
#include "internal.h"

void ext2_cache_init(struct ext2_fs *fs, void *mem, size_t bytes)
{
    uint8_t *p = mem;
    size_t n = bytes / 4096;
    if (n > EXT2_CACHE_MAX)
        n = EXT2_CACHE_MAX;
    if (fs->dev->share && n > fs->dev->share_slots)
        n = fs->dev->share_slots; /* every buffer has its entry */
    for (size_t i = 0; i < n; i++) {
        fs->bufs[i].data = p + i * 4096;
        fs->bufs[i].valid = 0;
        fs->bufs[i].dirty = 0;
        fs->bufs[i].pins = 0;
        fs->bufs[i].used = 0;
    }
    fs->nbufs = (uint32_t)n;
    fs->clock = 0;
    fs->share = fs->dev->share;
    ext2_share_reset(fs);
}

static long write_back(struct ext2_fs *fs, struct ext2_buf *b)
{
    if (!b->dirty)
        return 0;
    fs->writes++;
    long r = fs->dev->write(fs->dev, b->blk, fs->bsize, b->data);
    if (r < 0) {
        if (fs->dev->log)
            fs->dev->log(fs->dev, "ext2: write error");
        return -EXT2_EIO;
    }
    b->dirty = 0;
    return 0;
}

long ext2_bget(struct ext2_fs *fs, uint32_t blk, int fill, struct ext2_buf **out)
{
    if (blk >= fs->sb.s_blocks_count)
        return ext2_corrupt(fs, "block %u out of range", blk);
    struct ext2_buf *victim = 0;
    for (uint32_t i = 0; i < fs->nbufs; i++) {
        struct ext2_buf *b = &fs->bufs[i];
        if (b->valid && b->blk == blk) {
            b->pins++;
            b->used = ++fs->clock;
            *out = b;
            return 0;
        }
        if (b->pins == 0 && (!victim || !b->valid || (victim->valid && b->used < victim->used)))
            victim = b;
    }
    if (!victim)
        return -EXT2_ENOMEM; /* every buffer pinned: a bug, never the disk's doing */
    if (victim->valid) {
        long r = write_back(fs, victim);
        if (r < 0)
            return r;
    }
    ext2_share_untag(fs, victim); /* before its bytes become another block's */
    if (fs->share && fs->dev->share_reuse)
        fs->dev->share_reuse(fs->dev, (uint32_t)(victim - fs->bufs));
    victim->valid = 0;
    if (fill) {
        fs->reads++;
        if (fs->dev->read(fs->dev, blk, fs->bsize, victim->data) < 0) {
            if (fs->dev->log)
                fs->dev->log(fs->dev, "ext2: read error");
            return -EXT2_EIO;
        }
    } else {
        ext2_memset(victim->data, 0, fs->bsize);
    }
    victim->blk = blk;
    victim->valid = 1;
    victim->dirty = 0;
    victim->pins = 1;
    victim->used = ++fs->clock;
    *out = victim;
    return 0;
}

void ext2_brelse(struct ext2_fs *fs, struct ext2_buf *b)
{
    (void)fs;
    if (b && b->pins)
        b->pins--;
}

void ext2_bdirty(struct ext2_buf *b)
{
    b->dirty = 1;
}

void ext2_bforget(struct ext2_fs *fs, uint32_t blk)
{
    for (uint32_t i = 0; i < fs->nbufs; i++) {
        struct ext2_buf *b = &fs->bufs[i];
        if (b->valid && b->blk == blk && fs->share && fs->dev->share_reuse)
            fs->dev->share_reuse(fs->dev, i); /* (the block may be another file's next) */
        if (b->valid && b->blk == blk && b->pins == 0) {
            ext2_share_untag(fs, b);
            b->valid = 0;
            b->dirty = 0;
        }
    }
}

long ext2_bflush(struct ext2_fs *fs)
{
    long err = 0;
    for (uint32_t i = 0; i < fs->nbufs; i++) {
        struct ext2_buf *b = &fs->bufs[i];
        if (b->valid && b->dirty) {
            long r = write_back(fs, b);
            if (r < 0)
                err = r;
        }
    }
    return err;
}
