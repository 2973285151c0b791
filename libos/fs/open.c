/*
 * open.c: openat. The path is walked (following a final symlink unless O_NOFOLLOW, or
 * O_CREAT|O_EXCL, says not to), a missing file is created with O_CREAT (mode less the umask,
 * owned by the caller), every check is made before anything changes, and the new open file
 * description is installed at the lowest free descriptor. Regular files, directories,
 * FIFOs (which may wait for their peer) and character devices open here.
 */
#include "internal.h"

#define OPEN_FLAGS                                                                                 \
    (FS_O_ACCMODE | FS_O_CREAT | FS_O_EXCL | FS_O_NOCTTY | FS_O_TRUNC | FS_O_APPEND |              \
     FS_O_NONBLOCK | FS_O_DSYNC | FS_O_DIRECT | FS_O_LARGEFILE | FS_O_DIRECTORY | FS_O_NOFOLLOW |  \
     FS_O_NOATIME | FS_O_CLOEXEC | FS_O_SYNC | FS_O_PATH | 020000 /* O_ASYNC */)

/* What the file's description keeps (not the open-time flags). */
#define KEPT_FLAGS (~(FS_O_CREAT | FS_O_EXCL | FS_O_NOCTTY | FS_O_TRUNC | FS_O_CLOEXEC))

long fs_openat(struct fs_proc *p, int dirfd, const char *path, int flags, uint32_t mode)
{
    if (flags & FS_O_PATH)
        flags &= FS_O_PATH | FS_O_DIRECTORY | FS_O_NOFOLLOW | FS_O_CLOEXEC;
    int acc = flags & FS_O_ACCMODE;
    if (acc == 3 && !(flags & FS_O_PATH))
        return -FS_EINVAL;
    long slot = fs_fd_free_slot(p, 0);
    if (slot < 0)
        return slot;
    int creat = flags & FS_O_CREAT;
    int wflags = 0;
    if (!(flags & FS_O_NOFOLLOW) && !(creat && (flags & FS_O_EXCL)))
        wflags |= FS_WALK_FOLLOW;
    if (creat)
        wflags |= FS_WALK_PARENT;
    struct fs_walk w;
    long r = fs_walk(p, dirfd, path, wflags, &w);
    if (r < 0)
        return r;
    int created = 0;
    struct fs_vnode *vn = w.vn;
    if (creat) {
        if (w.last != FS_LAST_NORM) {
            r = -FS_EISDIR;
            goto out;
        }
        if (!vn) {
            if (w.slash) {
                r = -FS_EISDIR;
                goto out;
            }
            r = fs_create_in(p, w.dir, w.name, w.len, FS_S_IFREG | (mode & 07777 & ~p->umask), 0,
                             NULL, &w.vn);
            if (r < 0)
                goto out;
            vn = w.vn;
            created = 1;
        } else if (flags & FS_O_EXCL) {
            r = -FS_EEXIST;
            goto out;
        }
    }
    if (!vn) {
        r = -FS_ENOENT;
        goto out;
    }
    uint32_t type = vn->mode & FS_S_IFMT;
    if (type == FS_S_IFLNK && !(flags & FS_O_PATH)) {
        r = -FS_ELOOP; /* O_NOFOLLOW on a symlink */
        goto out;
    }
    if ((flags & FS_O_DIRECTORY) && type != FS_S_IFDIR) {
        r = -FS_ENOTDIR;
        goto out;
    }
    if (flags & FS_O_PATH) {
        struct fs_file *f = fs_file_new(FS_FILE_VNODE, FS_O_PATH, vn);
        if (f)
            fs_file_remember(f, &w);
        r = f ? fs_fd_install(p, f, (int)slot, flags & FS_O_CLOEXEC) : -FS_ENFILE;
        goto out;
    }
    if (type == FS_S_IFDIR && (creat || acc != FS_O_RDONLY || (flags & FS_O_TRUNC))) {
        r = -FS_EISDIR;
        goto out;
    }
    if (!created) {
        int want = (acc != FS_O_WRONLY ? FS_R_OK : 0) |
                   (acc != FS_O_RDONLY || (flags & FS_O_TRUNC) ? FS_W_OK : 0);
        if ((r = fs_perm(p, vn, want, 0)) < 0)
            goto out;
    }
    enum fs_file_type ft = FS_FILE_VNODE;
    struct fs_pipe *pp = NULL;
    struct fs_devent *dev = NULL;
    void *devp = NULL;
    switch (type) {
    case FS_S_IFREG:
        if ((flags & FS_O_TRUNC) && vn->size && (r = fs_truncate_vnode(vn, 0)) < 0)
            goto out;
        break;
    case FS_S_IFIFO:
        if ((r = fs_fifo_open(p, vn, flags, &pp)) < 0)
            goto out;
        ft = FS_FILE_PIPE;
        break;
    case FS_S_IFCHR:
        dev = fs_dev_find(vn->rdev);
        if (!dev) {
            r = -FS_ENXIO;
            goto out;
        }
        devp = dev->dev;
        if (dev->ops->open_file && (r = dev->ops->open_file(dev->dev, p, &devp)) < 0)
            goto out; /* refused (a locked PTY slave): nothing opened */
        ft = FS_FILE_DEV;
        break;
    case FS_S_IFBLK:
    case FS_S_IFSOCK:
        r = -FS_ENXIO;
        goto out;
    }
    /* O_LARGEFILE always, as Linux on 64-bit machines (F_GETFL shows it). */
    struct fs_file *f = fs_file_new(ft, ((uint32_t)flags & KEPT_FLAGS) | FS_O_LARGEFILE, vn);
    if (!f) {
        if (pp && acc != FS_O_WRONLY)
            fs_pipe_close_end(pp, 0);
        if (pp && acc != FS_O_RDONLY)
            fs_pipe_close_end(pp, 1);
        if (dev && dev->ops->open_file && dev->ops->close)
            dev->ops->close(devp); /* what open_file made goes again */
        r = -FS_ENFILE;
        goto out;
    }
    f->pipe = pp;
    f->dev = dev;
    f->devp = devp;
    fs_file_remember(f, &w);
    if (dev && dev->ops->open)
        dev->ops->open(devp, p);
    r = fs_fd_install(p, f, (int)slot, flags & FS_O_CLOEXEC);
out:
    fs_walk_done(&w);
    return r;
}
