/*
 * internal.h: what the ext2 library's files share: the block cache, bitmaps, inodes, the block
 * map, directory entries, the checks that turn a bad number into -EUCLEAN, and byte helpers.
 */
#ifndef EXT2_INTERNAL_H
#define EXT2_INTERNAL_H

#include <ext2/ext2.h>

/* util.c: no libc in the core */
void ext2_memcpy(void *d, const void *s, size_t n);
void ext2_memset(void *d, int c, size_t n);
int ext2_memeq(const void *a, const void *b, size_t n);
/* One line through the device's log hook; returns -EUCLEAN, and marks the fs as having errors. */
long ext2_corrupt(struct ext2_fs *fs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint32_t ext2_now(struct ext2_fs *fs);

/* cache.c: a block is pinned from bget until brelse; pinned blocks are never evicted. */
long ext2_bget(struct ext2_fs *fs, uint32_t blk, int fill, struct ext2_buf **out);
void ext2_brelse(struct ext2_fs *fs, struct ext2_buf *b);
void ext2_bdirty(struct ext2_buf *b);
long ext2_bflush(struct ext2_fs *fs);
/* Drops a freed block from the cache (its contents no longer matter). */
void ext2_bforget(struct ext2_fs *fs, uint32_t blk);
void ext2_cache_init(struct ext2_fs *fs, void *mem, size_t bytes);

/* share.c: the shared index (share.h), kept true. Every change of a buffer's identity or of a
 * tagged buffer's bytes goes through these; a NULL fs->share makes them nothing. */
void ext2_share_tag(struct ext2_fs *fs, struct ext2_buf *b, uint32_t ino, uint64_t lblk,
                    uint64_t size);
void ext2_share_untag(struct ext2_fs *fs, struct ext2_buf *b);
/* Before the bytes of b change: its entry odd (a reader's copy fails) and untagged. */
void ext2_share_write_begin(struct ext2_fs *fs, struct ext2_buf *b);
/* After: tagged as block lblk of ino in a file of `size` bytes (ino 0: left untagged), even. */
void ext2_share_write_end(struct ext2_fs *fs, struct ext2_buf *b, uint32_t ino, uint64_t lblk,
                          uint64_t size);
/* Untags ino's buffers: all of them (truncate, evict), or only one holding the end of the
 * file (partial: before the size grows). */
void ext2_share_drop(struct ext2_fs *fs, uint32_t ino, int partial);
void ext2_share_reset(struct ext2_fs *fs);

/* super.c */
long ext2_gd_get(struct ext2_fs *fs, uint32_t group, struct ext2_buf **b,
                 struct ext2_group_desc **gd);
/* Is blk a block that may hold file data or an indirect block? */
int ext2_data_blk_ok(struct ext2_fs *fs, uint32_t blk);

/* alloc.c */
long ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t *blk);
long ext2_bfree(struct ext2_fs *fs, uint32_t blk);
long ext2_ialloc(struct ext2_fs *fs, uint32_t dir_ino, int is_dir, uint32_t *ino);
long ext2_ifree(struct ext2_fs *fs, uint32_t ino, int is_dir);

/* inode.c */
long ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
long ext2_iput(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
uint64_t ext2_isize(const struct ext2_inode *in);
void ext2_set_isize(struct ext2_inode *in, uint64_t size);
long ext2_inew(struct ext2_fs *fs, uint32_t dir, uint32_t mode, uint32_t uid, uint32_t gid,
               uint32_t *ino, struct ext2_inode *in);
int ext2_is_fast_symlink(struct ext2_fs *fs, const struct ext2_inode *in);

/* bmap.c: the physical block of logical block lblk (0: a hole), allocating it if `alloc`
 * (in->i_blocks grows; the caller writes the inode). */
long ext2_bmap(struct ext2_fs *fs, struct ext2_inode *in, uint64_t lblk, int alloc, uint32_t *pblk);
/* Frees every block at logical block >= first (and the indirect blocks left empty). */
long ext2_bfree_from(struct ext2_fs *fs, struct ext2_inode *in, uint64_t first);
uint64_t ext2_max_size(struct ext2_fs *fs);

/* file.c */
/* ino: the file's number, whose blocks the shared index names (0: a symlink's, untagged). */
long ext2_file_read(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, void *buf,
                    uint64_t len, uint64_t off);
long ext2_file_write(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, const void *buf,
                     uint64_t len, uint64_t off);
long ext2_file_truncate(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t size);

/* dir.c */
struct ext2_slot {
    uint64_t off; /* the entry's byte offset in the directory */
    uint32_t ino;
    uint8_t type;
};
long ext2_dir_find(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                   unsigned len, struct ext2_slot *s);
long ext2_dir_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                  unsigned len, uint32_t ino, uint32_t mode);
long ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                     unsigned len);
/* Points an existing entry (found by name) at ino. */
long ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                       unsigned len, uint32_t ino, uint32_t mode);
long ext2_dir_empty(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din);
long ext2_dir_init(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t parent);
uint8_t ext2_mode_ft(uint32_t mode);

static inline int ext2_isdir(const struct ext2_inode *in)
{
    return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
}
static inline int ext2_isreg(const struct ext2_inode *in)
{
    return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFREG;
}
static inline int ext2_islnk(const struct ext2_inode *in)
{
    return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFLNK;
}

#endif
