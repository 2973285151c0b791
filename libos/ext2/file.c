/*
 * file.c: file data through the block map and the cache: read (holes as zeros), write
 * (allocating blocks; past 2 GiB turns on large_file), truncate (grow leaves a hole, shrink
 * frees blocks and zeroes the tail of the last one, so growing again reads zeros). A regular
 * file's blocks are tagged in the shared index (share.c) as they are read and written.
 */
#include "internal.h"

long ext2_file_read(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, void *buf,
                    uint64_t len, uint64_t off)
{
    uint64_t size = ext2_isize(in);
    if (off >= size)
        return 0;
    if (len > size - off)
        len = size - off;
    if (len > (1ull << 30))
        len = 1ull << 30; /* fits a long, like Linux's per-call cap */
    uint8_t *p = buf;
    uint64_t done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t in_blk = (uint32_t)(pos & (fs->bsize - 1));
        uint64_t n = fs->bsize - in_blk;
        if (n > len - done)
            n = len - done;
        uint32_t pblk;
        long r = ext2_bmap(fs, in, pos >> fs->log_bsize, 0, &pblk);
        if (r < 0)
            return done ? (long)done : r;
        if (pblk == 0) {
            ext2_memset(p + done, 0, n);
        } else {
            struct ext2_buf *b;
            r = ext2_bget(fs, pblk, 1, &b);
            if (r < 0)
                return done ? (long)done : r;
            ext2_memcpy(p + done, b->data + in_blk, n);
            ext2_share_tag(fs, b, ino, pos >> fs->log_bsize, size); /* readers may use it */
            ext2_brelse(fs, b);
        }
        done += n;
    }
    return (long)done;
}

static long need_large_file(struct ext2_fs *fs, uint64_t size)
{
    if (size <= 0x7fffffffu || (fs->sb.s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE))
        return 0;
    if (fs->sb.s_rev_level == 0)
        return -EXT2_EFBIG;
    fs->sb.s_feature_ro_compat |= EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
    fs->sb_dirty = 1;
    return 0;
}

long ext2_file_write(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, const void *buf,
                     uint64_t len, uint64_t off)
{
    if (fs->ro)
        return -EXT2_EROFS;
    uint64_t max = ext2_max_size(fs);
    if (off >= max || len > max - off)
        return -EXT2_EFBIG;
    if (len > (1ull << 30))
        len = 1ull << 30;
    long r = need_large_file(fs, off + len);
    if (r < 0)
        return r;
    const uint8_t *p = buf;
    uint64_t done = 0, size = ext2_isize(in);
    long err = 0;
    if (off + len > size)
        ext2_share_drop(fs, ino, 1); /* the block that held the end says so no longer */
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t in_blk = (uint32_t)(pos & (fs->bsize - 1));
        uint64_t n = fs->bsize - in_blk;
        if (n > len - done)
            n = len - done;
        uint32_t pblk;
        r = ext2_bmap(fs, in, pos >> fs->log_bsize, 1, &pblk);
        if (r < 0) {
            err = r;
            break;
        }
        int fresh = r == 1, whole = n == fs->bsize;
        struct ext2_buf *b;
        r = ext2_bget(fs, pblk, !fresh && !whole, &b);
        if (r < 0) {
            err = r;
            break;
        }
        ext2_share_write_begin(fs, b);
        if (fresh && !whole)
            ext2_memset(b->data, 0, fs->bsize);
        ext2_memcpy(b->data + in_blk, p + done, n);
        if (pos + n > size)
            size = pos + n; /* what the file's size is once this block is in */
        ext2_share_write_end(fs, b, ino, pos >> fs->log_bsize, size);
        ext2_bdirty(b);
        ext2_brelse(fs, b);
        done += n;
    }
    if (done) {
        if (off + done > ext2_isize(in))
            ext2_set_isize(in, off + done);
        in->i_mtime = in->i_ctime = ext2_now(fs);
    }
    return done ? (long)done : err;
}

/* Zeroes the block holding `size` from there to its end (the bytes past the end of file). */
static long zero_tail(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
    uint32_t in_blk = (uint32_t)(size & (fs->bsize - 1));
    if (in_blk == 0)
        return 0;
    uint32_t pblk;
    long r = ext2_bmap(fs, in, size >> fs->log_bsize, 0, &pblk);
    if (r < 0 || pblk == 0)
        return r;
    struct ext2_buf *b;
    r = ext2_bget(fs, pblk, 1, &b);
    if (r < 0)
        return r;
    ext2_memset(b->data + in_blk, 0, fs->bsize - in_blk);
    ext2_bdirty(b);
    ext2_brelse(fs, b);
    return 0;
}

long ext2_file_truncate(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t size)
{
    if (fs->ro)
        return -EXT2_EROFS;
    if (size > ext2_max_size(fs))
        return -EXT2_EFBIG;
    long r = need_large_file(fs, size);
    if (r < 0)
        return r;
    uint64_t old = ext2_isize(in);
    if (size != old)
        ext2_share_drop(fs, ino, 0); /* before blocks are freed or a tail zeroed */
    if (size < old) {
        r = ext2_bfree_from(fs, in, (size + fs->bsize - 1) >> fs->log_bsize);
        if (r < 0)
            return r;
        r = zero_tail(fs, in, size);
    } else if (size > old) {
        r = zero_tail(fs, in, old);
    }
    if (r < 0)
        return r;
    ext2_set_isize(in, size);
    in->i_mtime = in->i_ctime = ext2_now(fs);
    return 0;
}
