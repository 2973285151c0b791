/*
 * alloc.c: the block and inode bitmaps with the free counts of each group descriptor and of the
 * superblock, kept exact. A bitmap that disagrees with its count, a "free" block that is
 * metadata, or freeing what is already free is corruption (-EUCLEAN), never a loop or a
 * second owner of a block.
 */
#include "internal.h"

static int test_bit(const uint8_t *m, uint32_t i)
{
    return m[i >> 3] >> (i & 7) & 1;
}

/* The first clear bit in [from, n) then [0, from), or n. */
static uint32_t find_zero(const uint8_t *m, uint32_t n, uint32_t from)
{
    for (uint32_t pass = 0; pass < 2; pass++) {
        uint32_t lo = pass ? 0 : from, hi = pass ? from : n;
        for (uint32_t i = lo; i < hi;) {
            if ((i & 7) == 0 && i + 8 <= hi && m[i >> 3] == 0xff) {
                i += 8;
                continue;
            }
            if (!test_bit(m, i))
                return i;
            i++;
        }
    }
    return n;
}

/* Does group g hold a copy of the superblock (sparse_super: 0, 1 and powers of 3, 5, 7)? */
static int has_super(struct ext2_fs *fs, uint32_t g)
{
    if (!(fs->sb.s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER) || g <= 1)
        return 1;
    for (uint32_t b = 3; b <= 7; b += 2) {
        uint64_t p = b;
        while (p < g)
            p *= b;
        if (p == g)
            return 1;
    }
    return 0;
}

static uint32_t group_blocks(struct ext2_fs *fs, uint32_t g)
{
    uint32_t first = fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
    uint32_t left = fs->sb.s_blocks_count - first;
    return left < fs->sb.s_blocks_per_group ? left : fs->sb.s_blocks_per_group;
}

/* Is blk (in group g) one of the group's own metadata blocks? */
static int is_meta(struct ext2_fs *fs, uint32_t g, const struct ext2_group_desc *gd, uint32_t blk)
{
    uint32_t first = fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
    if (has_super(fs, g) && blk < first + 1 + fs->gdt_blocks + fs->sb.s_reserved_gdt_blocks)
        return 1;
    return blk == gd->bg_block_bitmap || blk == gd->bg_inode_bitmap ||
           (blk >= gd->bg_inode_table && blk - gd->bg_inode_table < fs->itable_blocks);
}

long ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t *blk)
{
    if (fs->ro)
        return -EXT2_EROFS;
    if (fs->sb.s_free_blocks_count == 0)
        return -EXT2_ENOSPC;
    uint32_t bpg = fs->sb.s_blocks_per_group, first = fs->sb.s_first_data_block;
    uint32_t gg = 0, goff = 0;
    if (goal > first && goal < fs->sb.s_blocks_count) {
        gg = (goal - first) / bpg;
        goff = (goal - first) % bpg;
    }
    for (uint32_t i = 0; i < fs->groups; i++) {
        uint32_t g = (gg + i) % fs->groups;
        struct ext2_buf *gb, *mb;
        struct ext2_group_desc *gd;
        long r = ext2_gd_get(fs, g, &gb, &gd);
        if (r < 0)
            return r;
        if (gd->bg_free_blocks_count == 0) {
            ext2_brelse(fs, gb);
            continue;
        }
        r = ext2_bget(fs, gd->bg_block_bitmap, 1, &mb);
        if (r < 0) {
            ext2_brelse(fs, gb);
            return r;
        }
        uint32_t n = group_blocks(fs, g);
        uint32_t bit = find_zero(mb->data, n, i == 0 && goff < n ? goff : 0);
        uint32_t b = first + g * bpg + bit;
        if (bit == n || is_meta(fs, g, gd, b)) {
            ext2_brelse(fs, mb);
            ext2_brelse(fs, gb);
            return bit == n ? ext2_corrupt(fs, "group %u: %u free blocks, bitmap full", g,
                                           gd->bg_free_blocks_count)
                            : ext2_corrupt(fs, "group %u: metadata block %u marked free", g, b);
        }
        mb->data[bit >> 3] |= (uint8_t)(1u << (bit & 7));
        ext2_bdirty(mb);
        gd->bg_free_blocks_count--;
        ext2_bdirty(gb);
        ext2_brelse(fs, mb);
        ext2_brelse(fs, gb);
        fs->sb.s_free_blocks_count--;
        fs->sb_dirty = 1;
        *blk = b;
        return 0;
    }
    return ext2_corrupt(fs, "%u free blocks counted, none in any group",
                        fs->sb.s_free_blocks_count);
}

long ext2_bfree(struct ext2_fs *fs, uint32_t blk)
{
    if (!ext2_data_blk_ok(fs, blk))
        return ext2_corrupt(fs, "freeing block %u out of range", blk);
    uint32_t g = (blk - fs->sb.s_first_data_block) / fs->sb.s_blocks_per_group;
    uint32_t bit = (blk - fs->sb.s_first_data_block) % fs->sb.s_blocks_per_group;
    struct ext2_buf *gb, *mb;
    struct ext2_group_desc *gd;
    long r = ext2_gd_get(fs, g, &gb, &gd);
    if (r < 0)
        return r;
    if (is_meta(fs, g, gd, blk)) {
        ext2_brelse(fs, gb);
        return ext2_corrupt(fs, "freeing metadata block %u", blk);
    }
    r = ext2_bget(fs, gd->bg_block_bitmap, 1, &mb);
    if (r < 0) {
        ext2_brelse(fs, gb);
        return r;
    }
    if (!test_bit(mb->data, bit)) {
        ext2_brelse(fs, mb);
        ext2_brelse(fs, gb);
        return ext2_corrupt(fs, "freeing free block %u", blk);
    }
    mb->data[bit >> 3] &= (uint8_t) ~(1u << (bit & 7));
    ext2_bdirty(mb);
    gd->bg_free_blocks_count++;
    ext2_bdirty(gb);
    ext2_brelse(fs, mb);
    ext2_brelse(fs, gb);
    fs->sb.s_free_blocks_count++;
    fs->sb_dirty = 1;
    ext2_bforget(fs, blk);
    return 0;
}

/* Directories go to the group with the most free inodes (spreading the tree), files near their
 * directory. */
static uint32_t inode_goal(struct ext2_fs *fs, uint32_t dir_ino, int is_dir)
{
    uint32_t best = (dir_ino - 1) / fs->sb.s_inodes_per_group, most = 0;
    if (!is_dir || fs->groups == 1)
        return best < fs->groups ? best : 0;
    for (uint32_t g = 0; g < fs->groups; g++) {
        struct ext2_buf *gb;
        struct ext2_group_desc *gd;
        if (ext2_gd_get(fs, g, &gb, &gd) < 0)
            return 0;
        if (gd->bg_free_inodes_count > most) {
            most = gd->bg_free_inodes_count;
            best = g;
        }
        ext2_brelse(fs, gb);
    }
    return best;
}

long ext2_ialloc(struct ext2_fs *fs, uint32_t dir_ino, int is_dir, uint32_t *ino)
{
    if (fs->ro)
        return -EXT2_EROFS;
    if (fs->sb.s_free_inodes_count == 0)
        return -EXT2_ENOSPC;
    uint32_t ipg = fs->sb.s_inodes_per_group, gg = inode_goal(fs, dir_ino, is_dir);
    for (uint32_t i = 0; i < fs->groups; i++) {
        uint32_t g = (gg + i) % fs->groups;
        struct ext2_buf *gb, *mb;
        struct ext2_group_desc *gd;
        long r = ext2_gd_get(fs, g, &gb, &gd);
        if (r < 0)
            return r;
        if (gd->bg_free_inodes_count == 0) {
            ext2_brelse(fs, gb);
            continue;
        }
        r = ext2_bget(fs, gd->bg_inode_bitmap, 1, &mb);
        if (r < 0) {
            ext2_brelse(fs, gb);
            return r;
        }
        /* Reserved inodes (below first_ino) are never handed out, whatever the bitmap says. */
        uint32_t from = g == 0 ? fs->first_ino - 1 : 0, bit = ipg;
        if (from < ipg) {
            bit = find_zero(mb->data, ipg, from);
            if (bit < from)
                bit = ipg;
        }
        if (bit == ipg) {
            ext2_brelse(fs, mb);
            ext2_brelse(fs, gb);
            return ext2_corrupt(fs, "group %u: %u free inodes, bitmap full", g,
                                gd->bg_free_inodes_count);
        }
        mb->data[bit >> 3] |= (uint8_t)(1u << (bit & 7));
        ext2_bdirty(mb);
        gd->bg_free_inodes_count--;
        if (is_dir)
            gd->bg_used_dirs_count++;
        ext2_bdirty(gb);
        ext2_brelse(fs, mb);
        ext2_brelse(fs, gb);
        fs->sb.s_free_inodes_count--;
        fs->sb_dirty = 1;
        *ino = g * ipg + bit + 1;
        return 0;
    }
    return ext2_corrupt(fs, "%u free inodes counted, none in any group",
                        fs->sb.s_free_inodes_count);
}

long ext2_ifree(struct ext2_fs *fs, uint32_t ino, int is_dir)
{
    if (ino < fs->first_ino || ino > fs->sb.s_inodes_count)
        return ext2_corrupt(fs, "freeing reserved or out-of-range inode %u", ino);
    uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group, bit = (ino - 1) % fs->sb.s_inodes_per_group;
    struct ext2_buf *gb, *mb;
    struct ext2_group_desc *gd;
    long r = ext2_gd_get(fs, g, &gb, &gd);
    if (r < 0)
        return r;
    r = ext2_bget(fs, gd->bg_inode_bitmap, 1, &mb);
    if (r < 0) {
        ext2_brelse(fs, gb);
        return r;
    }
    if (!test_bit(mb->data, bit)) {
        ext2_brelse(fs, mb);
        ext2_brelse(fs, gb);
        return ext2_corrupt(fs, "freeing free inode %u", ino);
    }
    mb->data[bit >> 3] &= (uint8_t) ~(1u << (bit & 7));
    ext2_bdirty(mb);
    gd->bg_free_inodes_count++;
    if (is_dir && gd->bg_used_dirs_count)
        gd->bg_used_dirs_count--;
    ext2_bdirty(gb);
    ext2_brelse(fs, mb);
    ext2_brelse(fs, gb);
    fs->sb.s_free_inodes_count++;
    fs->sb_dirty = 1;
    return 0;
}
