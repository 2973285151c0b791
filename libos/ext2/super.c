/*
 * super.c: mounting (every superblock and group descriptor number checked before use), the
 * group descriptors, statfs, sync and unmount.
 */
#include "internal.h"

static long refuse(struct ext2_fs *fs, long err, const char *why)
{
    if (fs->dev->log)
        fs->dev->log(fs->dev, why);
    return err;
}

long ext2_gd_get(struct ext2_fs *fs, uint32_t group, struct ext2_buf **b,
                 struct ext2_group_desc **gd)
{
    if (group >= fs->groups)
        return ext2_corrupt(fs, "group %u out of range", group);
    uint32_t per = fs->bsize / sizeof(struct ext2_group_desc);
    long r = ext2_bget(fs, fs->sb.s_first_data_block + 1 + group / per, 1, b);
    if (r < 0)
        return r;
    struct ext2_group_desc *g = (struct ext2_group_desc *)(*b)->data + group % per;
    uint32_t n = fs->sb.s_blocks_count;
    if (g->bg_block_bitmap >= n || g->bg_inode_bitmap >= n || g->bg_inode_table >= n ||
        g->bg_block_bitmap <= fs->sb.s_first_data_block ||
        g->bg_inode_bitmap <= fs->sb.s_first_data_block ||
        g->bg_inode_table <= fs->sb.s_first_data_block ||
        n - g->bg_inode_table < fs->itable_blocks) {
        ext2_brelse(fs, *b);
        return ext2_corrupt(fs, "group %u: metadata blocks out of range", group);
    }
    *gd = g;
    return 0;
}

int ext2_data_blk_ok(struct ext2_fs *fs, uint32_t blk)
{
    /* Not the superblock and descriptors of group 0 (a cheap first line; the allocator also
     * refuses every group's bitmaps and inode table). */
    uint32_t hdr = fs->sb.s_first_data_block + 1 + fs->gdt_blocks + fs->sb.s_reserved_gdt_blocks;
    return blk >= hdr && blk < fs->sb.s_blocks_count;
}

long ext2_mount(struct ext2_fs *fs, struct ext2_dev *dev, void *cache_mem, size_t cache_bytes,
                int ro)
{
    ext2_memset(fs, 0, sizeof *fs);
    fs->dev = dev;
    fs->ro = 1; /* until the checks pass: ext2_corrupt marks nothing */
    ext2_cache_init(fs, cache_mem, cache_bytes);
    if (fs->nbufs < 16)
        return -EXT2_ENOMEM;
    if (dev->bytes < 2048)
        return refuse(fs, -EXT2_EINVAL, "ext2: device too small");
    uint8_t *raw = fs->bufs[0].data; /* the first buffer, before the cache holds anything */
    fs->reads++;
    if (dev->read(dev, 1, 1024, raw) < 0)
        return refuse(fs, -EXT2_EIO, "ext2: read error (superblock)");
    ext2_memcpy(&fs->sb, raw, sizeof fs->sb);
    struct ext2_super *sb = &fs->sb;
    if (sb->s_magic != EXT2_MAGIC)
        return ext2_corrupt(fs, "bad magic %#x in the superblock", sb->s_magic);
    if (sb->s_rev_level > 1)
        return refuse(fs, -EXT2_EINVAL, "ext2: unknown revision");
    if (sb->s_log_block_size > 2)
        return refuse(fs, -EXT2_EINVAL, "ext2: block size above 4 KiB");
    fs->log_bsize = 10 + sb->s_log_block_size;
    fs->bsize = 1u << fs->log_bsize;
    fs->per_blk = fs->bsize / 4;
    ext2_share_reset(fs); /* the entries carry the block size */
    if (sb->s_rev_level == 0) {
        fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
        fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
        sb->s_feature_compat = sb->s_feature_incompat = sb->s_feature_ro_compat = 0;
    } else {
        fs->inode_size = sb->s_inode_size;
        fs->first_ino = sb->s_first_ino;
        if (sb->s_feature_incompat & ~EXT2_FEATURE_INCOMPAT_SUPP)
            return refuse(fs, -EXT2_EINVAL, "ext2: unsupported INCOMPAT features");
    }
    fs->filetype = !!(sb->s_feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE);
    if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE || fs->inode_size > fs->bsize ||
        (fs->inode_size & (fs->inode_size - 1)))
        return ext2_corrupt(fs, "bad inode size %u", fs->inode_size);
    if (fs->first_ino < EXT2_GOOD_OLD_FIRST_INO)
        return ext2_corrupt(fs, "bad first inode %u", fs->first_ino);
    if (sb->s_first_data_block != (fs->bsize == 1024 ? 1u : 0u))
        return ext2_corrupt(fs, "bad first data block %u", sb->s_first_data_block);
    if (sb->s_blocks_per_group == 0 || sb->s_blocks_per_group > 8 * fs->bsize ||
        sb->s_inodes_per_group == 0 || sb->s_inodes_per_group > 8 * fs->bsize)
        return ext2_corrupt(fs, "bad blocks/inodes per group");
    if (sb->s_blocks_count <= sb->s_first_data_block + 1 ||
        (uint64_t)sb->s_blocks_count * fs->bsize > dev->bytes)
        return ext2_corrupt(fs, "%u blocks do not fit the device", sb->s_blocks_count);
    uint64_t groups = (sb->s_blocks_count - sb->s_first_data_block + sb->s_blocks_per_group - 1) /
                      sb->s_blocks_per_group;
    if ((uint64_t)sb->s_inodes_per_group * groups != sb->s_inodes_count)
        return ext2_corrupt(fs, "inode count %u is not %u groups of %u", sb->s_inodes_count,
                            (unsigned)groups, sb->s_inodes_per_group);
    if (sb->s_first_ino >= sb->s_inodes_count && sb->s_rev_level)
        return ext2_corrupt(fs, "bad first inode %u", fs->first_ino);
    if (sb->s_free_blocks_count > sb->s_blocks_count ||
        sb->s_free_inodes_count > sb->s_inodes_count)
        return ext2_corrupt(fs, "free counts above the totals");
    fs->groups = (uint32_t)groups;
    fs->gdt_blocks =
        (uint32_t)((groups * sizeof(struct ext2_group_desc) + fs->bsize - 1) / fs->bsize);
    fs->inodes_per_blk = fs->bsize / fs->inode_size;
    fs->itable_blocks = (sb->s_inodes_per_group + fs->inodes_per_blk - 1) / fs->inodes_per_blk;
    if (sb->s_reserved_gdt_blocks > fs->per_blk ||
        fs->gdt_blocks + sb->s_reserved_gdt_blocks + sb->s_first_data_block + 1 >=
            sb->s_blocks_count)
        return ext2_corrupt(fs, "group descriptors do not fit");

    /* Every group's descriptor, once: locations and free counts. */
    uint64_t free_b = 0, free_i = 0;
    for (uint32_t g = 0; g < fs->groups; g++) {
        struct ext2_buf *b;
        struct ext2_group_desc *gd;
        long r = ext2_gd_get(fs, g, &b, &gd);
        if (r < 0)
            return r;
        free_b += gd->bg_free_blocks_count;
        free_i += gd->bg_free_inodes_count;
        int bad = gd->bg_free_blocks_count > sb->s_blocks_per_group ||
                  gd->bg_free_inodes_count > sb->s_inodes_per_group;
        ext2_brelse(fs, b);
        if (bad)
            return ext2_corrupt(fs, "group %u: free counts above the group's size", g);
    }
    (void)free_b;
    (void)free_i;

    struct ext2_inode root;
    long r = ext2_iget(fs, EXT2_ROOT_INO, &root);
    if (r < 0)
        return r;
    if (!ext2_isdir(&root) || root.i_links_count < 2)
        return ext2_corrupt(fs, "the root inode is not a directory");

    fs->time_floor = sb->s_wtime > sb->s_mtime ? sb->s_wtime : sb->s_mtime;
    if (fs->time_floor < sb->s_lastcheck)
        fs->time_floor = sb->s_lastcheck;
    fs->mount_state = sb->s_state;
    if (!(sb->s_state & EXT2_VALID_FS) && dev->log)
        dev->log(dev, "ext2: mounting a file system not cleanly unmounted (run e2fsck)");
    fs->ro = ro || (sb->s_rev_level && (sb->s_feature_ro_compat & ~EXT2_FEATURE_RO_COMPAT_SUPP));
    if (!ro && fs->ro && dev->log)
        dev->log(dev, "ext2: unknown RO_COMPAT features: mounted read-only");
    if (!fs->ro) {
        sb->s_state &= (uint16_t)~EXT2_VALID_FS; /* until a clean unmount */
        sb->s_mnt_count++;
        sb->s_mtime = ext2_now(fs);
        fs->sb_dirty = 1;
        r = ext2_sync(fs);
        if (r < 0)
            return r;
    }
    return 0;
}

static long write_super(struct ext2_fs *fs)
{
    struct ext2_buf *b;
    uint32_t blk = EXT2_SB_OFFSET / fs->bsize;
    long r = ext2_bget(fs, blk, 1, &b);
    if (r < 0)
        return r;
    fs->sb.s_wtime = ext2_now(fs);
    ext2_memcpy(b->data + EXT2_SB_OFFSET % fs->bsize, &fs->sb, sizeof fs->sb);
    ext2_bdirty(b);
    ext2_brelse(fs, b);
    fs->sb_dirty = 0;
    return 0;
}

long ext2_sync(struct ext2_fs *fs)
{
    if (fs->ro)
        return 0;
    if (fs->sb_dirty) {
        long r = write_super(fs);
        if (r < 0)
            return r;
    }
    return ext2_bflush(fs);
}

long ext2_unmount(struct ext2_fs *fs)
{
    if (fs->ro) {
        ext2_share_reset(fs);
        return 0;
    }
    fs->sb.s_state = (uint16_t)(fs->mount_state | (fs->sb.s_state & EXT2_ERROR_FS));
    fs->sb_dirty = 1;
    long r = ext2_sync(fs);
    ext2_share_reset(fs); /* the buffers are nobody's now */
    return r;
}

long ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st)
{
    struct ext2_super *sb = &fs->sb;
    st->bsize = fs->bsize;
    st->namelen = EXT2_NAME_MAX;
    st->blocks = sb->s_blocks_count;
    st->bfree = sb->s_free_blocks_count;
    st->bavail = sb->s_free_blocks_count > sb->s_r_blocks_count
                     ? sb->s_free_blocks_count - sb->s_r_blocks_count
                     : 0;
    st->files = sb->s_inodes_count;
    st->ffree = sb->s_free_inodes_count;
    return 0;
}
