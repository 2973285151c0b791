/*
 * inode.c: inodes in their tables: read and write by number (range-checked), a new inode, the
 * last link gone (evict), stat and setattr.
 */
#include "internal.h"

static long locate(struct ext2_fs *fs, uint32_t ino, struct ext2_buf **b, uint32_t *off)
{
    if (ino == 0 || ino > fs->sb.s_inodes_count)
        return ext2_corrupt(fs, "inode %u out of range", ino);
    uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group, i = (ino - 1) % fs->sb.s_inodes_per_group;
    struct ext2_buf *gb;
    struct ext2_group_desc *gd;
    long r = ext2_gd_get(fs, g, &gb, &gd);
    if (r < 0)
        return r;
    uint32_t blk = gd->bg_inode_table + i / fs->inodes_per_blk;
    ext2_brelse(fs, gb);
    *off = (i % fs->inodes_per_blk) * fs->inode_size;
    return ext2_bget(fs, blk, 1, b);
}

long ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    struct ext2_buf *b;
    uint32_t off;
    long r = locate(fs, ino, &b, &off);
    if (r < 0)
        return r;
    uint32_t n = fs->inode_size < sizeof *in ? fs->inode_size : sizeof *in;
    ext2_memset(in, 0, sizeof *in);
    ext2_memcpy(in, b->data + off, n);
    ext2_brelse(fs, b);
    return 0;
}

long ext2_iput(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
    if (fs->ro)
        return -EXT2_EROFS;
    struct ext2_buf *b;
    uint32_t off;
    long r = locate(fs, ino, &b, &off);
    if (r < 0)
        return r;
    uint32_t n = fs->inode_size < sizeof *in ? fs->inode_size : sizeof *in;
    ext2_memcpy(b->data + off, in, n);
    ext2_bdirty(b);
    ext2_brelse(fs, b);
    return 0;
}

uint64_t ext2_isize(const struct ext2_inode *in)
{
    uint64_t s = in->i_size;
    if (ext2_isreg(in))
        s |= (uint64_t)in->i_size_high << 32;
    return s;
}

void ext2_set_isize(struct ext2_inode *in, uint64_t size)
{
    in->i_size = (uint32_t)size;
    if (ext2_isreg(in))
        in->i_size_high = (uint32_t)(size >> 32);
}

int ext2_is_fast_symlink(struct ext2_fs *fs, const struct ext2_inode *in)
{
    uint32_t acl = in->i_file_acl ? fs->bsize >> 9 : 0;
    return ext2_islnk(in) && in->i_blocks == acl;
}

/* Does i_block hold block numbers (not a device number or a symlink's target)? */
static int has_blocks(struct ext2_fs *fs, const struct ext2_inode *in)
{
    return ext2_isreg(in) || ext2_isdir(in) || (ext2_islnk(in) && !ext2_is_fast_symlink(fs, in));
}

long ext2_inew(struct ext2_fs *fs, uint32_t dir, uint32_t mode, uint32_t uid, uint32_t gid,
               uint32_t *ino, struct ext2_inode *in)
{
    int is_dir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
    long r = ext2_ialloc(fs, dir, is_dir, ino);
    if (r < 0)
        return r;
    struct ext2_buf *b;
    uint32_t off;
    r = locate(fs, *ino, &b, &off);
    if (r < 0)
        return r;
    ext2_memset(b->data + off, 0, fs->inode_size); /* no stale extended attributes */
    ext2_bdirty(b);
    ext2_brelse(fs, b);
    ext2_memset(in, 0, sizeof *in);
    uint32_t now = ext2_now(fs);
    in->i_mode = (uint16_t)mode;
    in->i_uid = (uint16_t)uid;
    in->l_i_uid_high = (uint16_t)(uid >> 16);
    in->i_gid = (uint16_t)gid;
    in->l_i_gid_high = (uint16_t)(gid >> 16);
    in->i_atime = in->i_ctime = in->i_mtime = in->i_crtime = now;
    in->i_generation = *ino * 2654435761u ^ now;
    if (fs->inode_size >= EXT2_GOOD_OLD_INODE_SIZE + EXT2_INODE_EXTRA)
        in->i_extra_isize = EXT2_INODE_EXTRA;
    return 0;
}

/* Drops the inode's hold on its extended-attribute block. */
static long release_xattr(struct ext2_fs *fs, struct ext2_inode *in)
{
    uint32_t blk = in->i_file_acl;
    if (!blk)
        return 0;
    if (!ext2_data_blk_ok(fs, blk))
        return ext2_corrupt(fs, "attribute block %u out of range", blk);
    struct ext2_buf *b;
    long r = ext2_bget(fs, blk, 1, &b);
    if (r < 0)
        return r;
    uint32_t *h = (uint32_t *)b->data; /* h_magic, h_refcount */
    if (h[0] != 0xEA020000) {
        ext2_brelse(fs, b);
        return ext2_corrupt(fs, "attribute block %u: bad magic", blk);
    }
    int last = h[1] <= 1;
    if (!last) {
        h[1]--;
        ext2_bdirty(b);
    }
    ext2_brelse(fs, b);
    if (last) {
        r = ext2_bfree(fs, blk);
        if (r < 0)
            return r;
    }
    in->i_file_acl = 0;
    in->i_blocks -= fs->bsize >> 9;
    return 0;
}

long ext2_evict(struct ext2_fs *fs, uint32_t ino)
{
    if (fs->ro)
        return -EXT2_EROFS;
    struct ext2_inode in;
    long r = ext2_iget(fs, ino, &in);
    if (r < 0)
        return r;
    if (in.i_links_count)
        return 0;
    if (in.i_mode == 0 || in.i_dtime)
        return ext2_corrupt(fs, "inode %u freed twice", ino);
    ext2_share_drop(fs, ino, 0); /* its number may name another file next */
    if (has_blocks(fs, &in)) {
        r = ext2_bfree_from(fs, &in, 0);
        if (r < 0)
            return r;
    }
    r = release_xattr(fs, &in);
    if (r < 0)
        return r;
    in.i_dtime = ext2_now(fs);
    if (in.i_dtime < fs->sb.s_inodes_count) /* e2fsck would take it for an orphan-list link */
        in.i_dtime = fs->sb.s_inodes_count;
    ext2_set_isize(&in, 0);
    r = ext2_iput(fs, ino, &in);
    if (r < 0)
        return r;
    return ext2_ifree(fs, ino, ext2_isdir(&in));
}

long ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st)
{
    struct ext2_inode in;
    long r = ext2_iget(fs, ino, &in);
    if (r < 0)
        return r;
    st->ino = ino;
    st->mode = in.i_mode;
    st->uid = in.i_uid | (uint32_t)in.l_i_uid_high << 16;
    st->gid = in.i_gid | (uint32_t)in.l_i_gid_high << 16;
    st->nlink = in.i_links_count;
    st->flags = in.i_flags;
    st->atime = in.i_atime;
    st->mtime = in.i_mtime;
    st->ctime = in.i_ctime;
    st->size = ext2_isize(&in);
    st->blocks = in.i_blocks;
    uint32_t t = in.i_mode & EXT2_S_IFMT;
    st->rdev = t == EXT2_S_IFCHR || t == EXT2_S_IFBLK
                   ? (in.i_block[0] ? in.i_block[0] : in.i_block[1])
                   : 0;
    return 0;
}

long ext2_setattr(struct ext2_fs *fs, uint32_t ino, const struct ext2_stat *st, unsigned mask)
{
    if (fs->ro)
        return -EXT2_EROFS;
    struct ext2_inode in;
    long r = ext2_iget(fs, ino, &in);
    if (r < 0)
        return r;
    if (mask & EXT2_SET_MODE)
        in.i_mode = (uint16_t)((in.i_mode & EXT2_S_IFMT) | (st->mode & 07777));
    if (mask & EXT2_SET_UID) {
        in.i_uid = (uint16_t)st->uid;
        in.l_i_uid_high = (uint16_t)(st->uid >> 16);
    }
    if (mask & EXT2_SET_GID) {
        in.i_gid = (uint16_t)st->gid;
        in.l_i_gid_high = (uint16_t)(st->gid >> 16);
    }
    if (mask & EXT2_SET_ATIME)
        in.i_atime = st->atime;
    if (mask & EXT2_SET_MTIME)
        in.i_mtime = st->mtime;
    in.i_ctime = mask & EXT2_SET_CTIME ? st->ctime : ext2_now(fs);
    return ext2_iput(fs, ino, &in);
}
