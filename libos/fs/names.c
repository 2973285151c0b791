/*
 * names.c: the calls that change names: mkdir, mknod (FIFOs, devices), symlink, link, unlink,
 * rmdir and rename, with POSIX's edge cases and Linux's errno for each ("." and ".." as the
 * last component, trailing slashes, a directory moved under itself, crossing file systems,
 * sticky directories, mount points). Every check runs before the file system is asked to
 * change anything.
 */
#include "internal.h"

#define LINK_MAX 65000

/* Walks to the parent of a name to create: EEXIST if it exists, ENOENT for a trailing slash
 * on a non-directory being made, EEXIST for ".", ".." and "/". */
static long walk_new(struct fs_proc *p, int dirfd, const char *path, int dir, struct fs_walk *w)
{
    long r = fs_walk(p, dirfd, path, FS_WALK_PARENT, w);
    if (r < 0)
        return r;
    if (w->last != FS_LAST_NORM || w->vn) {
        fs_walk_done(w);
        return -FS_EEXIST;
    }
    if (w->slash && !dir) {
        fs_walk_done(w);
        return -FS_ENOENT;
    }
    return 0;
}

long fs_mkdirat(struct fs_proc *p, int dirfd, const char *path, uint32_t mode)
{
    struct fs_walk w;
    long r = walk_new(p, dirfd, path, 1, &w);
    if (r < 0)
        return r;
    r = fs_create_in(p, w.dir, w.name, w.len, FS_S_IFDIR | (mode & 01777 & ~p->umask), 0, NULL,
                     &w.vn);
    fs_walk_done(&w);
    return r;
}

long fs_mknodat(struct fs_proc *p, int dirfd, const char *path, uint32_t mode, uint64_t dev)
{
    uint32_t type = mode & FS_S_IFMT;
    switch (type) {
    case 0:
        type = FS_S_IFREG;
        break;
    case FS_S_IFREG:
    case FS_S_IFIFO:
    case FS_S_IFSOCK:
        break;
    case FS_S_IFCHR:
    case FS_S_IFBLK:
        if (p->cred.euid != 0)
            return -FS_EPERM;
        break;
    case FS_S_IFDIR:
        return -FS_EPERM;
    default:
        return -FS_EINVAL;
    }
    struct fs_walk w;
    long r = walk_new(p, dirfd, path, 0, &w);
    if (r < 0)
        return r;
    r = fs_create_in(p, w.dir, w.name, w.len, type | (mode & 07777 & ~p->umask),
                     type == FS_S_IFCHR || type == FS_S_IFBLK ? dev : 0, NULL, &w.vn);
    fs_walk_done(&w);
    return r;
}

long fs_symlinkat(struct fs_proc *p, const char *target, int dirfd, const char *path)
{
    size_t tl = fs_strnlen(target, FS_PATH_MAX);
    if (tl == 0)
        return -FS_ENOENT;
    if (tl == FS_PATH_MAX)
        return -FS_ENAMETOOLONG;
    struct fs_walk w;
    long r = walk_new(p, dirfd, path, 0, &w);
    if (r < 0)
        return r;
    r = fs_create_in(p, w.dir, w.name, w.len, FS_S_IFLNK | 0777, 0, target, &w.vn);
    fs_walk_done(&w);
    return r;
}

long fs_readlinkat(struct fs_proc *p, int dirfd, const char *path, char *buf, int64_t len)
{
    if (len <= 0)
        return -FS_EINVAL;
    struct fs_walk w;
    long r = fs_walk(p, dirfd, path, FS_WALK_EMPTY, &w);
    if (r < 0)
        return r;
    if (!FS_S_ISTYPE(w.vn->mode, FS_S_IFLNK))
        r = -FS_EINVAL;
    else
        r = w.vn->ops->readlink(w.vn, buf, (uint64_t)len);
    if (r >= 0)
        fs_vnode_touch(w.vn, 1, 0, 0);
    fs_walk_done(&w);
    return r;
}

long fs_linkat(struct fs_proc *p, int olddirfd, const char *oldpath, int newdirfd,
               const char *newpath, int flags)
{
    if (flags & ~(FS_AT_SYMLINK_FOLLOW | FS_AT_EMPTY_PATH))
        return -FS_EINVAL;
    struct fs_walk ow, nw;
    long r = fs_walk(p, olddirfd, oldpath,
                     (flags & FS_AT_SYMLINK_FOLLOW ? FS_WALK_FOLLOW : 0) |
                         (flags & FS_AT_EMPTY_PATH ? FS_WALK_EMPTY : 0),
                     &ow);
    if (r < 0)
        return r;
    struct fs_vnode *vn = ow.vn;
    if ((r = walk_new(p, newdirfd, newpath, 0, &nw)) < 0)
        goto out_old;
    if (fs_is_dir(vn))
        r = -FS_EPERM;
    else if (vn->mnt != nw.dir->mnt)
        r = -FS_EXDEV;
    else if (vn->nlink == 0)
        r = -FS_ENOENT;
    else if (vn->nlink >= LINK_MAX)
        r = -FS_EMLINK;
    else if (nw.dir->nlink == 0)
        r = -FS_ENOENT;
    else if ((r = fs_perm(p, nw.dir, FS_W_OK | FS_X_OK, 0)) == 0)
        r = nw.dir->ops->link(nw.dir, nw.name, nw.len, vn);
    fs_walk_done(&nw);
out_old:
    fs_walk_done(&ow);
    return r;
}

static int is_mount_point(const struct fs_vnode *vn)
{
    return vn->covered_by || (vn->mnt && vn == vn->mnt->root);
}

static long do_unlink(struct fs_proc *p, int dirfd, const char *path, int rmdir)
{
    struct fs_walk w;
    long r = fs_walk(p, dirfd, path, FS_WALK_PARENT, &w);
    if (r < 0)
        return r;
    if (rmdir) {
        if (w.last == FS_LAST_DOT)
            r = -FS_EINVAL;
        else if (w.last == FS_LAST_DOTDOT)
            r = -FS_ENOTEMPTY;
        else if (w.last == FS_LAST_ROOT)
            r = -FS_EBUSY;
    } else if (w.last != FS_LAST_NORM) {
        r = -FS_EISDIR;
    }
    if (r < 0)
        goto out;
    struct fs_vnode *vn = w.vn, *dir = w.dir;
    if (!vn) {
        r = -FS_ENOENT;
        goto out;
    }
    if (rmdir && !fs_is_dir(vn))
        r = -FS_ENOTDIR;
    else if (!rmdir && fs_is_dir(vn))
        r = -FS_EISDIR;
    else if ((r = fs_perm(p, dir, FS_W_OK | FS_X_OK, 0)) < 0 || (r = fs_sticky_ok(p, dir, vn)) < 0)
        ;
    else if (is_mount_point(vn) || vn == p->root)
        r = -FS_EBUSY;
    else if (rmdir && (r = fs_dir_empty(vn)) <= 0)
        r = r < 0 ? r : -FS_ENOTEMPTY;
    else
        r = dir->ops->unlink(dir, w.name, w.len);
out:
    fs_walk_done(&w);
    return r;
}

long fs_unlinkat(struct fs_proc *p, int dirfd, const char *path, int flags)
{
    if (flags & ~FS_AT_REMOVEDIR)
        return -FS_EINVAL;
    return do_unlink(p, dirfd, path, flags & FS_AT_REMOVEDIR);
}

/* Is `dir` (a directory) `vn` or inside it? Walks ".." up from dir. */
static long inside(struct fs_proc *p, struct fs_vnode *dir, struct fs_vnode *vn)
{
    struct fs_vnode *cur = dir;
    fs_vnode_ref(cur);
    long r = 0;
    for (;;) {
        if (cur == vn) {
            r = 1;
            break;
        }
        struct fs_vnode *up;
        if (fs_lookup_parent(p, cur, &up) < 0)
            break;
        if (up == cur) { /* the root */
            fs_vnode_put(up);
            break;
        }
        fs_vnode_put(cur);
        cur = up;
    }
    fs_vnode_put(cur);
    return r;
}

/* RENAME_EXCHANGE's checks, Linux's: both exist, neither inside the other, both parents
 * writable, sticky rules for both, a directory that changes parent writable (its ".."). */
static long exchange(struct fs_proc *p, struct fs_walk *ow, struct fs_walk *nw)
{
    struct fs_vnode *ovn = ow->vn, *nvn = nw->vn, *odir = ow->dir, *ndir = nw->dir;
    long r;
    if (ow->last != FS_LAST_NORM || nw->last != FS_LAST_NORM)
        return -FS_EBUSY;
    if (!ovn || !nvn)
        return -FS_ENOENT;
    if (odir->mnt != ndir->mnt)
        return -FS_EXDEV;
    if ((ow->slash && !fs_is_dir(ovn)) || (nw->slash && !fs_is_dir(nvn)))
        return -FS_ENOTDIR;
    if (ovn == nvn)
        return 0;
    if ((fs_is_dir(ovn) && (r = inside(p, ndir, ovn)) != 0) ||
        (fs_is_dir(nvn) && (r = inside(p, odir, nvn)) != 0))
        return -FS_EINVAL;
    if ((r = fs_perm(p, odir, FS_W_OK | FS_X_OK, 0)) < 0 ||
        (r = fs_perm(p, ndir, FS_W_OK | FS_X_OK, 0)) < 0 || (r = fs_sticky_ok(p, odir, ovn)) < 0 ||
        (r = fs_sticky_ok(p, ndir, nvn)) < 0)
        return r;
    if (odir != ndir && ((fs_is_dir(ovn) && (r = fs_perm(p, ovn, FS_W_OK, 0)) < 0) ||
                         (fs_is_dir(nvn) && (r = fs_perm(p, nvn, FS_W_OK, 0)) < 0)))
        return r;
    if (is_mount_point(ovn) || is_mount_point(nvn) || ovn == p->root || nvn == p->root)
        return -FS_EBUSY;
    if (!odir->ops->exchange)
        return -FS_EINVAL;
    return odir->ops->exchange(odir, ow->name, ow->len, ndir, nw->name, nw->len);
}

long fs_renameat2(struct fs_proc *p, int olddirfd, const char *oldpath, int newdirfd,
                  const char *newpath, unsigned flags)
{
    if ((flags & ~(FS_RENAME_NOREPLACE | FS_RENAME_EXCHANGE)) ||
        (flags == (FS_RENAME_NOREPLACE | FS_RENAME_EXCHANGE)))
        return -FS_EINVAL; /* RENAME_WHITEOUT: not here; both at once: Linux's EINVAL */
    struct fs_walk ow, nw;
    long r = fs_walk(p, olddirfd, oldpath, FS_WALK_PARENT, &ow);
    if (r < 0)
        return r;
    if ((r = fs_walk(p, newdirfd, newpath, FS_WALK_PARENT, &nw)) < 0) {
        fs_walk_done(&ow);
        return r;
    }
    if (flags & FS_RENAME_EXCHANGE) {
        r = exchange(p, &ow, &nw);
        fs_walk_done(&nw);
        fs_walk_done(&ow);
        return r;
    }
    struct fs_vnode *ovn = ow.vn, *nvn = nw.vn, *odir = ow.dir, *ndir = nw.dir;
    int odir_is_dir = ovn && fs_is_dir(ovn);
    if (ow.last != FS_LAST_NORM || nw.last != FS_LAST_NORM)
        r = -FS_EBUSY;
    else if (!ovn)
        r = -FS_ENOENT;
    else if (odir->mnt != ndir->mnt)
        r = -FS_EXDEV;
    else if (nw.slash && !odir_is_dir)
        r = -FS_ENOTDIR;
    else if ((flags & FS_RENAME_NOREPLACE) && nvn)
        r = -FS_EEXIST;
    else if (ovn == nvn)
        r = 0; /* the same file (or two links of it): nothing to do */
    else if (nvn && odir_is_dir && !fs_is_dir(nvn))
        r = -FS_ENOTDIR;
    else if (nvn && !odir_is_dir && fs_is_dir(nvn))
        r = -FS_EISDIR;
    else if (odir_is_dir && (r = inside(p, ndir, ovn)) != 0)
        r = -FS_EINVAL; /* a directory under itself */
    else if ((r = fs_perm(p, odir, FS_W_OK | FS_X_OK, 0)) < 0 ||
             (r = fs_perm(p, ndir, FS_W_OK | FS_X_OK, 0)) < 0)
        ;
    else if ((r = fs_sticky_ok(p, odir, ovn)) < 0 || (nvn && (r = fs_sticky_ok(p, ndir, nvn)) < 0))
        ;
    else if (odir_is_dir && odir != ndir && (r = fs_perm(p, ovn, FS_W_OK, 0)) < 0)
        ; /* its ".." changes */
    else if (is_mount_point(ovn) || (nvn && is_mount_point(nvn)) || ovn == p->root)
        r = -FS_EBUSY;
    if (r == 0 && ovn != nvn && nvn && fs_is_dir(nvn) && (r = fs_dir_empty(nvn)) >= 0)
        r = r ? 0 : -FS_ENOTEMPTY;
    if (r == 0 && ovn != nvn && ndir->nlink == 0)
        r = -FS_ENOENT;
    if (r == 0 && ovn != nvn)
        r = odir->ops->rename(odir, ow.name, ow.len, ndir, nw.name, nw.len);
    fs_walk_done(&nw);
    fs_walk_done(&ow);
    return r;
}
