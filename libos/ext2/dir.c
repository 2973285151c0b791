/*
 * dir.c: directories as ext2 lays them out: blocks of variable-length entries, searched
 * linearly. Indexed (dir_index) directories are read the same way, as ext2 allows (their
 * index blocks look like empty entries); the first change to one clears its index flag, so
 * e2fsck sees a plain directory. Every entry is checked (record length, name length, inode
 * number, within its block) before it is used.
 */
#include "internal.h"

uint8_t ext2_mode_ft(uint32_t mode)
{
    switch (mode & EXT2_S_IFMT) {
    case EXT2_S_IFREG:
        return EXT2_FT_REG_FILE;
    case EXT2_S_IFDIR:
        return EXT2_FT_DIR;
    case EXT2_S_IFCHR:
        return EXT2_FT_CHRDEV;
    case EXT2_S_IFBLK:
        return EXT2_FT_BLKDEV;
    case EXT2_S_IFIFO:
        return EXT2_FT_FIFO;
    case EXT2_S_IFSOCK:
        return EXT2_FT_SOCK;
    case EXT2_S_IFLNK:
        return EXT2_FT_SYMLINK;
    }
    return EXT2_FT_UNKNOWN;
}

static long dir_blocks(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint64_t *n)
{
    if (!ext2_isdir(din))
        return -EXT2_ENOTDIR;
    uint64_t size = ext2_isize(din);
    if (size & (fs->bsize - 1))
        return ext2_corrupt(fs, "directory %u: size %u not whole blocks", dir, din->i_size);
    *n = size >> fs->log_bsize;
    return 0;
}

static long dir_block(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint64_t lblk,
                      struct ext2_buf **b)
{
    uint32_t pblk;
    long r = ext2_bmap(fs, din, lblk, 0, &pblk);
    if (r < 0)
        return r;
    if (pblk == 0)
        return ext2_corrupt(fs, "directory %u: hole at block %u", dir, (unsigned)lblk);
    return ext2_bget(fs, pblk, 1, b);
}

static unsigned name_len(struct ext2_fs *fs, const struct ext2_dirent *de)
{
    return fs->filetype ? de->name_len : de->name_len | (unsigned)de->file_type << 8;
}

/* The entry at off in a directory block, checked. */
static long entry_at(struct ext2_fs *fs, uint32_t dir, uint8_t *blk, uint32_t off,
                     struct ext2_dirent **out)
{
    struct ext2_dirent *de = (struct ext2_dirent *)(blk + off);
    if (off + EXT2_DIRENT_HEAD > fs->bsize || de->rec_len < EXT2_DIRENT_HEAD + 4 ||
        (de->rec_len & 3) || de->rec_len > fs->bsize - off ||
        name_len(fs, de) + EXT2_DIRENT_HEAD > de->rec_len || name_len(fs, de) > EXT2_NAME_MAX ||
        de->inode > fs->sb.s_inodes_count)
        return ext2_corrupt(fs, "directory %u: bad entry at offset %u (rec_len %u)", dir, off,
                            off + EXT2_DIRENT_HEAD <= fs->bsize ? de->rec_len : 0);
    *out = de;
    return 0;
}

static void mark_changed(struct ext2_fs *fs, struct ext2_inode *din)
{
    din->i_flags &= ~EXT2_INDEX_FL; /* its hash index is stale now: read it as linear */
    din->i_mtime = din->i_ctime = ext2_now(fs);
}

long ext2_dir_find(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                   unsigned len, struct ext2_slot *s)
{
    uint64_t n = 0;
    long r = dir_blocks(fs, dir, din, &n);
    if (r < 0)
        return r;
    for (uint64_t lblk = 0; lblk < n; lblk++) {
        struct ext2_buf *b;
        r = dir_block(fs, dir, din, lblk, &b);
        if (r < 0)
            return r;
        for (uint32_t off = 0; off < fs->bsize;) {
            struct ext2_dirent *de;
            r = entry_at(fs, dir, b->data, off, &de);
            if (r < 0) {
                ext2_brelse(fs, b);
                return r;
            }
            if (de->inode && name_len(fs, de) == len && ext2_memeq(de->name, name, len)) {
                s->off = (lblk << fs->log_bsize) + off;
                s->ino = de->inode;
                s->type = fs->filetype ? de->file_type : EXT2_FT_UNKNOWN;
                ext2_brelse(fs, b);
                return 0;
            }
            off += de->rec_len;
        }
        ext2_brelse(fs, b);
    }
    return -EXT2_ENOENT;
}

static void fill(struct ext2_fs *fs, struct ext2_dirent *de, const char *name, unsigned len,
                 uint32_t ino, uint32_t mode)
{
    de->inode = ino;
    de->name_len = (uint8_t)len;
    de->file_type = fs->filetype ? ext2_mode_ft(mode) : 0;
    ext2_memcpy(de->name, name, len);
}

long ext2_dir_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                  unsigned len, uint32_t ino, uint32_t mode)
{
    uint64_t n = 0;
    long r = dir_blocks(fs, dir, din, &n);
    if (r < 0)
        return r;
    uint32_t need = EXT2_DIRENT_LEN(len);
    for (uint64_t lblk = 0; lblk < n; lblk++) {
        struct ext2_buf *b;
        r = dir_block(fs, dir, din, lblk, &b);
        if (r < 0)
            return r;
        for (uint32_t off = 0; off < fs->bsize;) {
            struct ext2_dirent *de;
            r = entry_at(fs, dir, b->data, off, &de);
            if (r < 0) {
                ext2_brelse(fs, b);
                return r;
            }
            uint32_t used = de->inode ? EXT2_DIRENT_LEN(name_len(fs, de)) : 0;
            if (de->rec_len >= used + need) {
                if (used) { /* split: the new entry takes the slack after this one */
                    struct ext2_dirent *ne = (struct ext2_dirent *)(b->data + off + used);
                    ne->rec_len = (uint16_t)(de->rec_len - used);
                    de->rec_len = (uint16_t)used;
                    de = ne;
                }
                fill(fs, de, name, len, ino, mode);
                ext2_bdirty(b);
                ext2_brelse(fs, b);
                mark_changed(fs, din);
                return 0;
            }
            off += de->rec_len;
        }
        ext2_brelse(fs, b);
    }
    /* No room: a new block at the end. */
    if (ext2_isize(din) + fs->bsize > 0xffffffffu)
        return -EXT2_ENOSPC;
    uint32_t pblk;
    r = ext2_bmap(fs, din, n, 1, &pblk);
    if (r < 0)
        return r;
    struct ext2_buf *b;
    r = ext2_bget(fs, pblk, 0, &b);
    if (r < 0)
        return r;
    ext2_memset(b->data, 0, fs->bsize);
    struct ext2_dirent *de = (struct ext2_dirent *)b->data;
    de->rec_len = (uint16_t)fs->bsize;
    fill(fs, de, name, len, ino, mode);
    ext2_bdirty(b);
    ext2_brelse(fs, b);
    din->i_size += fs->bsize;
    mark_changed(fs, din);
    return 0;
}

/* Finds name's entry; with `retarget` points it at ino, else removes it (merged into the entry
 * before it in its block, or emptied when first). */
static long change(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                   unsigned len, int retarget, uint32_t ino, uint32_t mode)
{
    uint64_t n = 0;
    long r = dir_blocks(fs, dir, din, &n);
    if (r < 0)
        return r;
    for (uint64_t lblk = 0; lblk < n; lblk++) {
        struct ext2_buf *b;
        r = dir_block(fs, dir, din, lblk, &b);
        if (r < 0)
            return r;
        struct ext2_dirent *prev = 0;
        for (uint32_t off = 0; off < fs->bsize;) {
            struct ext2_dirent *de;
            r = entry_at(fs, dir, b->data, off, &de);
            if (r < 0) {
                ext2_brelse(fs, b);
                return r;
            }
            if (de->inode && name_len(fs, de) == len && ext2_memeq(de->name, name, len)) {
                if (retarget) {
                    de->inode = ino;
                    if (fs->filetype)
                        de->file_type = ext2_mode_ft(mode);
                } else if (prev) {
                    prev->rec_len = (uint16_t)(prev->rec_len + de->rec_len);
                } else {
                    de->inode = 0;
                }
                ext2_bdirty(b);
                ext2_brelse(fs, b);
                mark_changed(fs, din);
                return 0;
            }
            prev = de;
            off += de->rec_len;
        }
        ext2_brelse(fs, b);
    }
    return -EXT2_ENOENT;
}

long ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                     unsigned len)
{
    return change(fs, dir, din, name, len, 0, 0, 0);
}

long ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                       unsigned len, uint32_t ino, uint32_t mode)
{
    return change(fs, dir, din, name, len, 1, ino, mode);
}

long ext2_dir_empty(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din)
{
    uint64_t n = 0;
    long r = dir_blocks(fs, dir, din, &n);
    if (r < 0)
        return r;
    for (uint64_t lblk = 0; lblk < n; lblk++) {
        struct ext2_buf *b;
        r = dir_block(fs, dir, din, lblk, &b);
        if (r < 0)
            return r;
        for (uint32_t off = 0; off < fs->bsize;) {
            struct ext2_dirent *de;
            r = entry_at(fs, dir, b->data, off, &de);
            if (r < 0) {
                ext2_brelse(fs, b);
                return r;
            }
            unsigned l = name_len(fs, de);
            int dot = (l == 1 && de->name[0] == '.') ||
                      (l == 2 && de->name[0] == '.' && de->name[1] == '.');
            if (de->inode && !dot) {
                ext2_brelse(fs, b);
                return 0;
            }
            off += de->rec_len;
        }
        ext2_brelse(fs, b);
    }
    return 1;
}

long ext2_dir_init(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t parent)
{
    uint32_t pblk;
    long r = ext2_bmap(fs, in, 0, 1, &pblk);
    if (r < 0)
        return r;
    struct ext2_buf *b;
    r = ext2_bget(fs, pblk, 0, &b);
    if (r < 0)
        return r;
    ext2_memset(b->data, 0, fs->bsize);
    struct ext2_dirent *dot = (struct ext2_dirent *)b->data;
    dot->rec_len = 12;
    fill(fs, dot, ".", 1, ino, EXT2_S_IFDIR);
    struct ext2_dirent *dotdot = (struct ext2_dirent *)(b->data + 12);
    dotdot->rec_len = (uint16_t)(fs->bsize - 12);
    fill(fs, dotdot, "..", 2, parent, EXT2_S_IFDIR);
    ext2_bdirty(b);
    ext2_brelse(fs, b);
    in->i_size = fs->bsize;
    return 0;
}

long ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *cookie, struct ext2_entry *e)
{
    struct ext2_inode din;
    long r = ext2_iget(fs, dir, &din);
    if (r < 0)
        return r;
    uint64_t n = 0;
    r = dir_blocks(fs, dir, &din, &n);
    if (r < 0)
        return r;
    for (uint64_t lblk = *cookie >> fs->log_bsize; lblk < n; lblk++) {
        struct ext2_buf *b;
        r = dir_block(fs, dir, &din, lblk, &b);
        if (r < 0)
            return r;
        for (uint32_t off = 0; off < fs->bsize;) {
            struct ext2_dirent *de;
            r = entry_at(fs, dir, b->data, off, &de);
            if (r < 0) {
                ext2_brelse(fs, b);
                return r;
            }
            uint64_t at = (lblk << fs->log_bsize) + off;
            off += de->rec_len;
            if (at < *cookie || !de->inode)
                continue;
            e->ino = de->inode;
            e->len = (uint8_t)name_len(fs, de);
            ext2_memcpy(e->name, de->name, e->len);
            e->name[e->len] = 0;
            e->type = fs->filetype ? de->file_type : EXT2_FT_UNKNOWN;
            ext2_brelse(fs, b);
            *cookie = (lblk << fs->log_bsize) + off;
            if (e->type == EXT2_FT_UNKNOWN) {
                struct ext2_inode in;
                if (ext2_iget(fs, e->ino, &in) == 0)
                    e->type = ext2_mode_ft(in.i_mode);
            }
            return 1;
        }
        ext2_brelse(fs, b);
    }
    *cookie = n << fs->log_bsize;
    return 0;
}
