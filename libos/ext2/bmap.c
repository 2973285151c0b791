/*
 * bmap.c: the block map. A file's logical block is found through i_block: 12 direct pointers,
 * then a single, a double and a triple indirect tree (bsize/4 pointers per block). Pointer 0 is
 * a hole (reads as zeros). Every pointer read from the disk is range-checked before use; the
 * trees are walked to a fixed depth, so a block that points at itself cannot make a loop.
 */
#include "internal.h"

uint64_t ext2_max_size(struct ext2_fs *fs)
{
    uint64_t p = fs->per_blk;
    uint64_t reach = (EXT2_NDIR + p + p * p + p * p * p) << fs->log_bsize;
    uint64_t cap = 1ull << 40; /* i_blocks counts 512-byte units in 32 bits: keep well inside */
    return reach < cap ? reach : cap;
}

/* The path to lblk: the slot in i_block and the index at each indirect level. */
static long path(struct ext2_fs *fs, uint64_t lblk, uint32_t *root, uint32_t idx[3])
{
    uint64_t p = fs->per_blk;
    if (lblk < EXT2_NDIR) {
        *root = (uint32_t)lblk;
        return 0;
    }
    lblk -= EXT2_NDIR;
    if (lblk < p) {
        *root = EXT2_IND;
        idx[0] = (uint32_t)lblk;
        return 1;
    }
    lblk -= p;
    if (lblk < p * p) {
        *root = EXT2_DIND;
        idx[0] = (uint32_t)(lblk / p);
        idx[1] = (uint32_t)(lblk % p);
        return 2;
    }
    lblk -= p * p;
    if (lblk < p * p * p) {
        *root = EXT2_TIND;
        idx[0] = (uint32_t)(lblk / (p * p));
        idx[1] = (uint32_t)(lblk / p % p);
        idx[2] = (uint32_t)(lblk % p);
        return 3;
    }
    return -EXT2_EFBIG;
}

/* A new block for the map; an indirect block starts zeroed on the disk's behalf. */
static long new_block(struct ext2_fs *fs, struct ext2_inode *in, int indirect, uint32_t *blk)
{
    long r = ext2_balloc(fs, fs->goal, blk);
    if (r < 0)
        return r;
    fs->goal = *blk + 1;
    in->i_blocks += fs->bsize >> 9;
    if (indirect) {
        struct ext2_buf *b;
        r = ext2_bget(fs, *blk, 0, &b);
        if (r < 0)
            return r;
        ext2_bdirty(b);
        ext2_brelse(fs, b);
    }
    return 0;
}

long ext2_bmap(struct ext2_fs *fs, struct ext2_inode *in, uint64_t lblk, int alloc, uint32_t *pblk)
{
    uint32_t root, idx[3];
    long depth = path(fs, lblk, &root, idx);
    if (depth < 0)
        return depth;
    int fresh = 0;
    uint32_t cur = in->i_block[root];
    if (cur == 0) {
        if (!alloc) {
            *pblk = 0;
            return 0;
        }
        long r = new_block(fs, in, depth > 0, &cur);
        if (r < 0)
            return r;
        in->i_block[root] = cur;
        fresh = 1;
    } else if (!ext2_data_blk_ok(fs, cur)) {
        return ext2_corrupt(fs, "block %u out of range in the map", cur);
    }
    for (long level = 0; level < depth; level++) {
        struct ext2_buf *b;
        long r = ext2_bget(fs, cur, !fresh, &b);
        if (r < 0)
            return r;
        uint32_t *e = (uint32_t *)b->data + idx[level];
        uint32_t next = *e;
        fresh = 0;
        if (next == 0) {
            if (!alloc) {
                ext2_brelse(fs, b);
                *pblk = 0;
                return 0;
            }
            r = new_block(fs, in, level + 1 < depth, &next);
            if (r < 0) {
                ext2_brelse(fs, b);
                return r;
            }
            *e = next;
            ext2_bdirty(b);
            fresh = 1;
        } else if (!ext2_data_blk_ok(fs, next)) {
            ext2_brelse(fs, b);
            return ext2_corrupt(fs, "block %u out of range in an indirect block", next);
        }
        ext2_brelse(fs, b);
        cur = next;
    }
    *pblk = cur;
    return fresh; /* 1: a new data block, its old contents meaningless */
}

static void lose_block(struct ext2_fs *fs, struct ext2_inode *in)
{
    uint32_t n = fs->bsize >> 9;
    in->i_blocks = in->i_blocks > n ? in->i_blocks - n : 0;
}

/* Frees what the tree of `level` at *slot (covering logical blocks from base, p^level of them)
 * maps at or past `first`; level 0 is a data block. */
static long free_tree(struct ext2_fs *fs, struct ext2_inode *in, uint32_t *slot, int level,
                      uint64_t base, uint64_t first)
{
    uint32_t blk = *slot;
    if (blk == 0)
        return 0;
    if (!ext2_data_blk_ok(fs, blk))
        return ext2_corrupt(fs, "block %u out of range in the map", blk);
    if (level > 0) {
        uint64_t sub = 1;
        for (int i = 1; i < level; i++)
            sub *= fs->per_blk;
        struct ext2_buf *b;
        long r = ext2_bget(fs, blk, 1, &b);
        if (r < 0)
            return r;
        uint32_t *e = (uint32_t *)b->data;
        for (uint32_t j = 0; j < fs->per_blk; j++) {
            if (e[j] == 0 || base + (j + 1) * sub <= first)
                continue;
            r = free_tree(fs, in, &e[j], level - 1, base + j * sub, first);
            ext2_bdirty(b);
            if (r < 0) {
                ext2_brelse(fs, b);
                return r;
            }
        }
        ext2_brelse(fs, b);
        if (first > base)
            return 0; /* the indirect block still maps blocks before first */
    }
    long r = ext2_bfree(fs, blk);
    if (r < 0)
        return r;
    *slot = 0;
    lose_block(fs, in);
    return 0;
}

long ext2_bfree_from(struct ext2_fs *fs, struct ext2_inode *in, uint64_t first)
{
    for (uint64_t i = first; i < EXT2_NDIR; i++) {
        long r = free_tree(fs, in, &in->i_block[i], 0, i, first);
        if (r < 0)
            return r;
    }
    uint64_t base = EXT2_NDIR, span = fs->per_blk;
    for (int level = 1; level <= 3; level++) {
        if (first < base + span) {
            long r = free_tree(fs, in, &in->i_block[EXT2_NDIR - 1 + level], level, base, first);
            if (r < 0)
                return r;
        }
        base += span;
        span *= fs->per_blk;
    }
    return 0;
}
