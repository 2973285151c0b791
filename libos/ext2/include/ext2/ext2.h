/*
 * ext2.h: the ext2 file system as a library. Freestanding (no libc): the embedder hands it a
 * block device (`struct ext2_dev`), memory for the block cache, and gets calls by inode number
 * that return >= 0 or a negative Linux errno. The library checks every number it reads from
 * the disk before it uses it: a corrupt image gives -EUCLEAN (or -EIO from the device) and one
 * line through the device's log hook, never a wild access or an endless loop.
 *
 * No permission checks here (the VFS above does them); no locking (one owner calls it).
 */
#ifndef EXT2_EXT2_H
#define EXT2_EXT2_H

#include <ext2/disk.h>
#include <ext2/share.h>

#include <stddef.h>
#include <stdint.h>

/* Linux's errno values, as this library returns them (negated). */
#define EXT2_EPERM 1
#define EXT2_ENOENT 2
#define EXT2_EIO 5
#define EXT2_ENOMEM 12
#define EXT2_EEXIST 17
#define EXT2_EXDEV 18
#define EXT2_ENOTDIR 20
#define EXT2_EISDIR 21
#define EXT2_EINVAL 22
#define EXT2_EFBIG 27
#define EXT2_ENOSPC 28
#define EXT2_EROFS 30
#define EXT2_EMLINK 31
#define EXT2_ENAMETOOLONG 36
#define EXT2_ENOTEMPTY 39
#define EXT2_EUCLEAN 117 /* the file system's metadata is inconsistent */

/* The block device, filled by the embedder. Blocks are `size` bytes (the file system's block
 * size, or 1024 before the superblock is read); results 0 or -EIO. */
struct ext2_dev {
    long (*read)(struct ext2_dev *d, uint64_t blk, uint32_t size, void *buf);
    long (*write)(struct ext2_dev *d, uint64_t blk, uint32_t size, const void *buf);
    uint64_t bytes;                                    /* the device's size */
    void (*log)(struct ext2_dev *d, const char *line); /* one line per error; may be NULL */
    uint32_t (*now)(struct ext2_dev *d);               /* seconds since 1970; may be NULL (0) */
    /* Is the inode still open above us? An unlinked open inode is freed later (ext2_evict). May
     * be NULL (never). */
    int (*busy)(struct ext2_dev *d, uint32_t ino);
    /* Writes the device's volatile cache out (a virtio-blk FLUSH): fsync's and sync's point, not
     * each change's (the writes themselves are acknowledged). May be NULL (no such cache). */
    long (*flush)(struct ext2_dev *d);
    void *ctx;
    /* Optional (NULL: none): the cache's index shared with readers (ext2/share.h), one entry per
     * buffer (share_slots of them; the cache has no more buffers than that), kept true by the
     * library; share_fsid is the number its entries carry. */
    struct ext2_share_ent *share;
    uint32_t share_slots;
    uint8_t share_fsid;
    /* Optional: buffer `slot` is about to hold another block (or none): the embedder takes
     * back whatever it lent of it (a reader must not see the next block's bytes). */
    void (*share_reuse)(struct ext2_dev *d, uint32_t slot);
};

/* One cached block. */
struct ext2_buf {
    uint32_t blk;
    uint16_t pins;
    uint8_t valid, dirty;
    uint32_t used; /* the cache's clock when last used: the least recent unpinned one goes */
    uint8_t *data;
};

#define EXT2_CACHE_MAX 256

struct ext2_fs {
    struct ext2_dev *dev;
    struct ext2_super sb;               /* the superblock, written back by ext2_sync */
    uint32_t bsize, log_bsize, per_blk; /* block size, log2, block numbers per block */
    uint32_t groups, gdt_blocks, inode_size, inodes_per_blk, itable_blocks, first_ino;
    int ro, filetype, sb_dirty;
    uint32_t time_floor;  /* the superblock's latest time at mount: the clock without dev->now */
    uint16_t mount_state; /* s_state when mounted: what unmount puts back (plus errors) */
    struct ext2_buf bufs[EXT2_CACHE_MAX];
    uint32_t nbufs, clock;
    struct ext2_share_ent *share; /* dev->share: entry i is bufs[i]'s (share.c) */
    uint32_t goal; /* where the next block allocation starts looking (after the last one) */
    uint64_t reads, writes; /* device calls, for tests and benchmarks */
};

/* Mounts the file system on dev: cache_mem holds cache_bytes for the block cache (at least 16
 * blocks of 4 KiB). Refuses unknown INCOMPAT features (-EINVAL); mounts read-only on unknown
 * RO_COMPAT ones (fs->ro), or when `ro`. -EUCLEAN on an inconsistent superblock. */
long ext2_mount(struct ext2_fs *fs, struct ext2_dev *dev, void *cache_mem, size_t cache_bytes,
                int ro);
/* Writes every dirty block and the superblock; the file system stays mounted. */
long ext2_sync(struct ext2_fs *fs);
/* Syncs and marks the file system clean. */
long ext2_unmount(struct ext2_fs *fs);

struct ext2_statfs {
    uint32_t bsize, namelen;
    uint64_t blocks, bfree, bavail, files, ffree;
};
long ext2_statfs(struct ext2_fs *fs, struct ext2_statfs *st);

struct ext2_stat {
    uint32_t ino, mode, uid, gid, nlink, flags;
    uint32_t atime, mtime, ctime;
    uint64_t size, blocks; /* blocks: 512-byte units */
    uint32_t rdev;
};
long ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st);
/* Sets the fields named in mask (EXT2_SET_*) from st; ctime follows any change unless set. */
#define EXT2_SET_MODE 1 /* permission bits only; the type stays */
#define EXT2_SET_UID 2
#define EXT2_SET_GID 4
#define EXT2_SET_ATIME 8
#define EXT2_SET_MTIME 16
#define EXT2_SET_CTIME 32
long ext2_setattr(struct ext2_fs *fs, uint32_t ino, const struct ext2_stat *st, unsigned mask);

/* File data. read returns the bytes read (0 at or past the end; holes read as zeros). */
long ext2_read(struct ext2_fs *fs, uint32_t ino, void *buf, uint64_t len, uint64_t off);
long ext2_write(struct ext2_fs *fs, uint32_t ino, const void *buf, uint64_t len, uint64_t off);
/* Sets the size: growing leaves a hole, shrinking frees the blocks past the end. */
long ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);

/* Directories. */
struct ext2_entry {
    uint32_t ino;
    uint8_t type; /* EXT2_FT_* (from the entry, or the inode's mode without filetype) */
    uint8_t len;
    char name[EXT2_NAME_MAX + 1]; /* NUL-terminated */
};
/* The entry at or after *cookie (a byte offset in the directory): 1 with e and *cookie moved
 * past it, 0 at the end. */
long ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *cookie, struct ext2_entry *e);
long ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t *ino);
/* The inode at an absolute path ("/a/b"), no symlink followed; for tests and the embedder. */
long ext2_resolve(struct ext2_fs *fs, const char *path, uint32_t *ino);

/* Names. mode carries the type (regular, FIFO, device, socket) and permissions. */
long ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t mode,
                 uint32_t uid, uint32_t gid, uint32_t rdev, uint32_t *ino);
long ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t mode,
                uint32_t uid, uint32_t gid, uint32_t *ino);
long ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len,
                  const char *target, unsigned tlen, uint32_t uid, uint32_t gid, uint32_t *ino);
long ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t ino);
long ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len);
long ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len);
long ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, unsigned olen, uint32_t ndir,
                 const char *nname, unsigned nlen);
/* The target's length (up to len bytes copied, no NUL). */
long ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, uint64_t len);
/* Frees an inode with no links left (after the last close of an unlinked open file). */
long ext2_evict(struct ext2_fs *fs, uint32_t ino);

#endif
