/*
 * mounts.c: what is asked of a mounted file system as a whole: statfs(2) of the one holding a
 * path or a descriptor, and sync(2)/fsync(2), which reach the file system type's own hooks
 * (ext2 writes its cache back; the RAM file system has nothing to write).
 */
#include "internal.h"

static long statfs_of(struct fs_mount *m, struct fs_statfs *st)
{
    fs_memset(st, 0, sizeof *st);
    st->f_type = m->type->magic;
    st->f_bsize = st->f_frsize = FS_PAGE;
    st->f_namelen = FS_NAME_MAX;
    st->f_fsid[0] = (int32_t)m->dev;
    st->f_flags = 0x20 | (m->ro ? 1 : 0); /* ST_VALID (Linux sets it always), ST_RDONLY */
    return m->type->statfs ? m->type->statfs(m, st) : 0;
}

long fs_statfs(struct fs_proc *p, const char *path, struct fs_statfs *st)
{
    struct fs_walk w;
    long r = fs_walk(p, FS_AT_FDCWD, path, FS_WALK_FOLLOW, &w);
    if (r < 0)
        return r;
    r = statfs_of(w.vn->mnt, st);
    fs_walk_done(&w);
    return r;
}

long fs_fstatfs(struct fs_proc *p, int fd, struct fs_statfs *st)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f)
        return -FS_EBADF;
    if (!f->vn || !f->vn->mnt) { /* a pipe: Linux's pipefs */
        fs_memset(st, 0, sizeof *st);
        st->f_type = 0x50495045;
        st->f_bsize = st->f_frsize = FS_PAGE;
        st->f_namelen = FS_NAME_MAX;
        return 0;
    }
    return statfs_of(f->vn->mnt, st);
}

long fs_sync_all(void)
{
    long r = 0;
    for (int i = 0; fs_mount_nth(i); i++) {
        struct fs_mount *m = fs_mount_nth(i);
        long s = m->type->sync ? m->type->sync(m) : 0;
        if (s < 0 && r == 0)
            r = s;
    }
    return r;
}

long fs_fsync(struct fs_proc *p, int fd)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f)
        return -FS_EBADF;
    if (f->type != FS_FILE_VNODE || !f->vn || !f->vn->mnt)
        return -FS_EINVAL; /* pipes, devices, epoll: Linux's EINVAL */
    struct fs_mount *m = f->vn->mnt;
    return m->type->sync ? m->type->sync(m) : 0;
}
