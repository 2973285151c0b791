/*
 * vfs.h: what a file system plugs into. A file system (the RAM file system today, ext2 next)
 * hands the VFS vnodes and a table of vnode operations; the VFS does everything POSIX asks of
 * names and permissions (path walking, symlinks, mount crossing, the checks and the exact
 * errno of each call, descriptors, locks) and calls the operations only for the mechanics,
 * after every check has passed, so a refused call leaves the file system untouched.
 *
 * Attribute rule: the vnode's fields (mode, uid, gid, times, size, nlink) are the truth the VFS
 * reads and the one copy it changes; a file system that keeps an on-disk copy writes it back in
 * `setattr` (called after every attribute change) and in its own data operations.
 */
#ifndef FS_VFS_H
#define FS_VFS_H

#include <fs/abi.h>

#include <stddef.h>
#include <stdint.h>

struct fs_vnode;
struct fs_mount;
struct fs_pipe;
struct fs_lock;

/* One directory entry as readdir reports it. */
struct fs_dirent {
    uint64_t ino;
    uint8_t type;     /* FS_DT_* */
    uint16_t len;     /* of name, 1..FS_NAME_MAX */
    const char *name; /* not NUL-terminated; valid until the directory changes */
    uint64_t next;    /* the cookie that continues after this entry */
};

/* The operations of one file system's vnodes. Names are `len` bytes (1..FS_NAME_MAX, no '/',
 * never "."); lookup may be asked for "..". Results: >= 0 or -errno. Vnodes returned through
 * `out` carry one reference for the caller (fs_vnode_put drops it). */
struct fs_vnode_ops {
    long (*lookup)(struct fs_vnode *dir, const char *name, unsigned len, struct fs_vnode **out);
    /* A new node of type and permissions `mode` (regular, directory, FIFO, device, socket, or a
     * symlink to `target`) named name in dir; the VFS has checked the name is free. */
    long (*create)(struct fs_vnode *dir, const char *name, unsigned len, uint32_t mode,
                   uint32_t uid, uint32_t gid, uint64_t rdev, const char *target,
                   struct fs_vnode **out);
    long (*link)(struct fs_vnode *dir, const char *name, unsigned len, struct fs_vnode *vn);
    /* Removes the entry (a file, or an empty directory the VFS has checked) and its link. */
    long (*unlink)(struct fs_vnode *dir, const char *name, unsigned len);
    /* Moves an entry, replacing an existing target (checked compatible) in one step. */
    long (*rename)(struct fs_vnode *odir, const char *oname, unsigned olen, struct fs_vnode *ndir,
                   const char *nname, unsigned nlen);
    /* The entry at or after `cookie` ("." and ".." included): 1 with *e, 0 at the end. */
    long (*readdir)(struct fs_vnode *dir, uint64_t cookie, struct fs_dirent *e);
    long (*read)(struct fs_vnode *vn, void *buf, uint64_t len, uint64_t off);
    long (*write)(struct fs_vnode *vn, const void *buf, uint64_t len, uint64_t off);
    long (*truncate)(struct fs_vnode *vn, uint64_t size);
    long (*readlink)(struct fs_vnode *vn, char *buf, uint64_t len);
    long (*setattr)(struct fs_vnode *vn); /* may be NULL */
    /* RENAME_EXCHANGE: the two entries (both present, checked) swap files in one step; may
     * be NULL (the VFS then answers EINVAL, as Linux for a file system without it). */
    long (*exchange)(struct fs_vnode *odir, const char *oname, unsigned olen, struct fs_vnode *ndir,
                     const char *nname, unsigned nlen);
    /* The last reference went: the file system frees the vnode if it has no links left (and
     * may keep or free a linked one; it finds it again through lookup). */
    void (*drop)(struct fs_vnode *vn);
};

struct fs_vnode {
    uint64_t ino;
    uint32_t mode; /* type and permissions */
    uint32_t uid, gid;
    uint32_t nlink;
    uint64_t size;
    uint64_t rdev; /* device nodes: the device number */
    struct fs_timespec atime, mtime, ctime;
    uint32_t refs;               /* VFS references (walks, open files, cwd); names are links */
    struct fs_mount *mnt;        /* the file system the vnode belongs to */
    struct fs_mount *covered_by; /* a file system mounted on this directory */
    const struct fs_vnode_ops *ops;
    void *priv;            /* the file system's */
    struct fs_pipe *fifo;  /* FIFO: the pipe its openers share, while any is open */
    void *sock;            /* a socket inode: the AF_UNIX socket bound to it (unix_name.c) */
    struct fs_lock *locks; /* record, OFD and flock locks of every owner */
    uint64_t append_end;   /* O_APPEND writes in flight reserve up to here (io.c); 0: none */
    uint32_t appenders;    /* how many such reservations are open */
};

/* What statfs(2) reports of a mounted file system (Linux's struct statfs, 64-bit). */
struct fs_statfs {
    int64_t f_type, f_bsize;
    uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};

#define FS_MNT_PATH 64 /* bytes of a mount point's path as /proc/mounts shows it */

/* A mounted file system. */
struct fs_mount {
    struct fs_vnode *root;    /* referenced while mounted */
    struct fs_vnode *covered; /* the directory it is mounted on (NULL for "/"), referenced */
    uint64_t dev;             /* st_dev of its files */
    void *priv;
    const struct fs_type *type;
    char path[FS_MNT_PATH]; /* where it was mounted (as given; "/" for the root) */
    char source[32];        /* what /proc/mounts names as its device ("/dev/vda2", "tmpfs") */
    int ro;
};

/* A file system type: `mount` fills m->root (and m->priv, m->source) from `data`; `statfs`
 * (NULL: zero counts) and `sync` (NULL: nothing to write) are optional. */
struct fs_type {
    const char *name;
    long (*mount)(struct fs_mount *m, const void *data);
    long (*statfs)(struct fs_mount *m, struct fs_statfs *st);
    long (*sync)(struct fs_mount *m);
    int64_t magic; /* statfs's f_type */
};

/* The mount table, in mount order ("/" first): NULL past the last. */
struct fs_mount *fs_mount_nth(int i);

/* Mounts a file system of type t on the directory `path` (as p sees it; root only), or as "/"
 * when nothing is mounted yet. */
struct fs_proc;
long fs_mount(struct fs_proc *p, const char *path, const struct fs_type *t, const void *data);

void fs_vnode_ref(struct fs_vnode *vn);
void fs_vnode_put(struct fs_vnode *vn);
/* The time the VFS stamps on a vnode (the embedder's clock, fs_now). */
void fs_vnode_touch(struct fs_vnode *vn, int atime, int mtime, int ctime);

/* The RAM file system ("ramfs"): "/" (without a disk), "/tmp", "/dev". data: NULL. */
extern const struct fs_type fs_ramfs;
/* A regular file whose first bytes are `data` (read in place until written: boot archive). */
long fs_ramfs_anon(struct fs_mount *m, uint64_t size, struct fs_vnode **out);
long fs_ramfs_set_rodata(struct fs_vnode *vn, const void *data, uint64_t size);

#endif
