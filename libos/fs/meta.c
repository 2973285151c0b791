/*
 * meta.c: the calls that read or change a file's attributes: the stat family, truncate,
 * chmod, chown, utimensat, access. Only the owner (or root) changes mode and times; only root
 * gives a file away, and an owner may only move it to one of its own groups; changing the owner
 * clears set-user-ID (and set-group-ID of a group-executable file), as on Linux.
 */
#include "internal.h"

#define NSEC 1000000000l

/* The vnode a *at call means: path (or, with AT_EMPTY_PATH / path NULL, dirfd itself). */
static long at_vnode(struct fs_proc *p, int dirfd, const char *path, int flags, struct fs_walk *w)
{
    if (!path) {
        fs_memset(w, 0, sizeof *w);
        return fs_dirfd_vnode(p, dirfd, &w->vn);
    }
    return fs_walk(p, dirfd, path,
                   (flags & FS_AT_SYMLINK_NOFOLLOW ? 0 : FS_WALK_FOLLOW) |
                       (flags & FS_AT_EMPTY_PATH ? FS_WALK_EMPTY : 0),
                   w);
}

static void pipe_stat(const struct fs_pipe *pp, struct fs_stat *st)
{
    fs_memset(st, 0, sizeof *st);
    st->st_ino = pp->ino;
    st->st_nlink = 1;
    st->st_mode = FS_S_IFIFO | 0600;
    st->st_blksize = FS_PAGE;
}

long fs_fstat(struct fs_proc *p, int fd, struct fs_stat *st)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f)
        return -FS_EBADF;
    if (f->vn)
        fs_stat_fill(f->vn, st);
    else if (f->pipe)
        pipe_stat(f->pipe, st);
    else if (f->type == FS_FILE_SOCK)
        fs_sock_stat(f, st);
    else { /* an epoll instance: Linux's anonymous inode, mode 0600 and no type */
        fs_memset(st, 0, sizeof *st);
        st->st_nlink = 1;
        st->st_mode = 0600;
        st->st_blksize = FS_PAGE;
    }
    return 0;
}

long fs_fstatat(struct fs_proc *p, int dirfd, const char *path, struct fs_stat *st, int flags)
{
    if (flags & ~(FS_AT_SYMLINK_NOFOLLOW | FS_AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */))
        return -FS_EINVAL;
    if ((flags & FS_AT_EMPTY_PATH) && path && path[0] == '\0' && dirfd != FS_AT_FDCWD)
        return fs_fstat(p, dirfd, st);
    struct fs_walk w;
    long r = at_vnode(p, dirfd, path, flags, &w);
    if (r < 0)
        return r;
    fs_stat_fill(w.vn, st);
    fs_walk_done(&w);
    return 0;
}

static long truncate_checked(struct fs_vnode *vn, int64_t len)
{
    if (len < 0)
        return -FS_EINVAL;
    if (fs_is_dir(vn))
        return -FS_EISDIR;
    if (!FS_S_ISTYPE(vn->mode, FS_S_IFREG))
        return -FS_EINVAL;
    return fs_truncate_vnode(vn, (uint64_t)len);
}

long fs_truncate(struct fs_proc *p, const char *path, int64_t len)
{
    struct fs_walk w;
    long r = fs_walk(p, FS_AT_FDCWD, path, FS_WALK_FOLLOW, &w);
    if (r < 0)
        return r;
    if (fs_is_dir(w.vn))
        r = -FS_EISDIR;
    else if ((r = fs_perm(p, w.vn, FS_W_OK, 0)) == 0)
        r = truncate_checked(w.vn, len);
    fs_walk_done(&w);
    return r;
}

long fs_ftruncate(struct fs_proc *p, int fd, int64_t len)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f || (f->flags & FS_O_PATH))
        return -FS_EBADF;
    if (len < 0 || !f->vn || !FS_S_ISTYPE(f->vn->mode, FS_S_IFREG) || !fs_file_writable(f))
        return -FS_EINVAL;
    return truncate_checked(f->vn, len);
}

static long set_mode(struct fs_proc *p, struct fs_vnode *vn, uint32_t mode)
{
    if (!fs_owner_or_root(p, vn))
        return -FS_EPERM;
    mode &= 07777;
    if (p->cred.euid != 0 && !fs_is_dir(vn) && !fs_in_group(&p->cred, vn->gid, 0))
        mode &= ~FS_S_ISGID; /* not in the file's group: no set-group-ID */
    vn->mode = (vn->mode & FS_S_IFMT) | mode;
    fs_vnode_touch(vn, 0, 0, 1);
    if (vn->ops->setattr)
        vn->ops->setattr(vn);
    return 0;
}

long fs_fchmodat(struct fs_proc *p, int dirfd, const char *path, uint32_t mode)
{
    struct fs_walk w;
    long r = fs_walk(p, dirfd, path, FS_WALK_FOLLOW, &w);
    if (r < 0)
        return r;
    r = set_mode(p, w.vn, mode);
    fs_walk_done(&w);
    return r;
}

long fs_fchmod(struct fs_proc *p, int fd, uint32_t mode)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f || (f->flags & FS_O_PATH))
        return -FS_EBADF;
    if (!f->vn)
        return -FS_EINVAL; /* an anonymous pipe has no mode to change */
    return set_mode(p, f->vn, mode);
}

static long set_owner(struct fs_proc *p, struct fs_vnode *vn, uint32_t uid, uint32_t gid)
{
    int root = p->cred.euid == 0;
    if (uid != (uint32_t)-1 && uid != vn->uid && !root)
        return -FS_EPERM;
    if (gid != (uint32_t)-1 && gid != vn->gid && !root &&
        (p->cred.euid != vn->uid || !fs_in_group(&p->cred, gid, 0)))
        return -FS_EPERM;
    if (uid == (uint32_t)-1 && gid == (uint32_t)-1) {
        fs_vnode_touch(vn, 0, 0, 1);
        return 0;
    }
    if (uid != (uint32_t)-1)
        vn->uid = uid;
    if (gid != (uint32_t)-1)
        vn->gid = gid;
    if (!fs_is_dir(vn) && !FS_S_ISTYPE(vn->mode, FS_S_IFLNK)) {
        vn->mode &= ~FS_S_ISUID;
        if (vn->mode & 010)
            vn->mode &= ~FS_S_ISGID;
    }
    fs_vnode_touch(vn, 0, 0, 1);
    if (vn->ops->setattr)
        vn->ops->setattr(vn);
    return 0;
}

long fs_fchownat(struct fs_proc *p, int dirfd, const char *path, uint32_t uid, uint32_t gid,
                 int flags)
{
    if (flags & ~(FS_AT_SYMLINK_NOFOLLOW | FS_AT_EMPTY_PATH))
        return -FS_EINVAL;
    struct fs_walk w;
    long r = at_vnode(p, dirfd, path, flags, &w);
    if (r < 0)
        return r;
    r = set_owner(p, w.vn, uid, gid);
    fs_walk_done(&w);
    return r;
}

long fs_fchown(struct fs_proc *p, int fd, uint32_t uid, uint32_t gid)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f || (f->flags & FS_O_PATH))
        return -FS_EBADF;
    if (!f->vn)
        return -FS_EINVAL;
    return set_owner(p, f->vn, uid, gid);
}

static int valid_nsec(int64_t ns)
{
    return (ns >= 0 && ns < NSEC) || ns == FS_UTIME_NOW || ns == FS_UTIME_OMIT;
}

long fs_utimensat(struct fs_proc *p, int dirfd, const char *path, const struct fs_timespec *times,
                  int flags)
{
    if (flags & ~(FS_AT_SYMLINK_NOFOLLOW | FS_AT_EMPTY_PATH))
        return -FS_EINVAL;
    if (times && (!valid_nsec(times[0].tv_nsec) || !valid_nsec(times[1].tv_nsec)))
        return -FS_EINVAL;
    int now_only =
        !times || ((times[0].tv_nsec == FS_UTIME_NOW || times[0].tv_nsec == FS_UTIME_OMIT) &&
                   (times[1].tv_nsec == FS_UTIME_NOW || times[1].tv_nsec == FS_UTIME_OMIT));
    if (times && times[0].tv_nsec == FS_UTIME_OMIT && times[1].tv_nsec == FS_UTIME_OMIT)
        return 0;
    struct fs_walk w;
    long r;
    if (!path) {
        struct fs_file *f = fs_fd_file(p, dirfd);
        if (dirfd == FS_AT_FDCWD || !f)
            return -FS_EBADF;
        fs_memset(&w, 0, sizeof w);
        w.vn = f->vn;
        if (!w.vn)
            return -FS_EINVAL;
        fs_vnode_ref(w.vn);
    } else if ((r = at_vnode(p, dirfd, path, flags, &w)) < 0) {
        return r;
    }
    struct fs_vnode *vn = w.vn;
    r = 0;
    if (!fs_owner_or_root(p, vn)) {
        if (!now_only)
            r = -FS_EPERM;
        else if (fs_perm(p, vn, FS_W_OK, 0) < 0)
            r = -FS_EACCES;
    }
    if (r == 0) {
        struct fs_timespec now;
        fs_now(&now);
        for (int i = 0; i < 2; i++) {
            struct fs_timespec *t = i ? &vn->mtime : &vn->atime;
            int64_t ns = times ? times[i].tv_nsec : FS_UTIME_NOW;
            if (ns == FS_UTIME_OMIT)
                continue;
            *t = ns == FS_UTIME_NOW ? now : times[i];
        }
        vn->ctime = now;
        if (vn->ops->setattr)
            vn->ops->setattr(vn);
    }
    fs_walk_done(&w);
    return r;
}

long fs_faccessat(struct fs_proc *p, int dirfd, const char *path, int mode, int flags)
{
    if (mode & ~(FS_R_OK | FS_W_OK | FS_X_OK))
        return -FS_EINVAL;
    if (flags & ~(FS_AT_EACCESS | FS_AT_SYMLINK_NOFOLLOW | FS_AT_EMPTY_PATH))
        return -FS_EINVAL;
    struct fs_walk w;
    long r = at_vnode(p, dirfd, path, flags, &w);
    if (r < 0)
        return r;
    r = mode == FS_F_OK ? 0 : fs_perm(p, w.vn, mode, !(flags & FS_AT_EACCESS));
    fs_walk_done(&w);
    return r;
}
