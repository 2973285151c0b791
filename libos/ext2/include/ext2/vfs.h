/*
 * vfs.h: ext2 behind the VFS (libos/fs): the file system type "ext2" whose vnodes are ext2
 * inodes. The embedder mounts it with fs_mount(p, path, &fs_ext2, &args).
 */
#ifndef EXT2_VFS_H
#define EXT2_VFS_H

#include <ext2/ext2.h>
#include <fs/vfs.h>

/* What fs_mount hands the ext2 type: the device, the file system's state and the cache's
 * memory (all owned by the embedder for as long as the mount lasts). The device's `busy` hook
 * is the binding's own (an unlinked inode stays until its last vnode reference goes). */
struct fs_ext2_args {
    struct ext2_dev *dev;
    struct ext2_fs *fs;
    void *cache;
    size_t cache_bytes;
    int ro;
    const char *source; /* the device's name in /proc/mounts ("/dev/vda2"); may be NULL */
};

extern const struct fs_type fs_ext2;

/* The ext2 file system a vnode is a regular file of, or NULL (another type, not a file). */
struct ext2_fs *fs_ext2_of(struct fs_vnode *vn);

/* Writes everything to the disk (sync, and at unmount time) */
long fs_ext2_sync(struct fs_mount *m);

#endif
