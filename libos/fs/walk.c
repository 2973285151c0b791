/*
 * walk.c: resolving a path to a vnode, as Linux does: "." and "..", ".." stopping at the
 * process's root and crossing back out of a mounted file system, symlinks expanded in place
 * (at most FS_SYMLOOP_MAX of them, then ELOOP), a search permission check on every directory
 * passed, ENAMETOOLONG for a component over FS_NAME_MAX or a path (or an expansion) of
 * FS_PATH_MAX, ENOTDIR for a non-directory in the middle or before a trailing slash.
 */
#include "internal.h"

static char walk_buf[FS_PATH_MAX]; /* the rest of the path; calls are served one at a time */

void fs_walk_done(struct fs_walk *w)
{
    fs_vnode_put(w->dir);
    fs_vnode_put(w->vn);
    w->dir = w->vn = NULL;
}

long fs_dirfd_vnode(struct fs_proc *p, int dirfd, struct fs_vnode **out)
{
    struct fs_vnode *vn;
    if (dirfd == FS_AT_FDCWD) {
        vn = p->cwd;
    } else {
        struct fs_file *f = fs_fd_file(p, dirfd);
        if (!f)
            return -FS_EBADF;
        if (!f->vn)
            return -FS_ENOTDIR;
        vn = f->vn;
    }
    fs_vnode_ref(vn);
    *out = vn;
    return 0;
}

/* "..": the root stays; the root of a mounted file system leaves it first. */
long fs_lookup_parent(struct fs_proc *p, struct fs_vnode *dir, struct fs_vnode **out)
{
    while (dir != p->root && dir->mnt->covered && dir == dir->mnt->root)
        dir = dir->mnt->covered;
    if (dir == p->root) {
        fs_vnode_ref(dir);
        *out = dir;
        return 0;
    }
    return dir->ops->lookup(dir, "..", 2, out);
}

/* Steps onto whatever is mounted on vn. */
static struct fs_vnode *cross(struct fs_vnode *vn)
{
    while (vn->covered_by) {
        struct fs_vnode *root = vn->covered_by->root;
        fs_vnode_ref(root);
        fs_vnode_put(vn);
        vn = root;
    }
    return vn;
}

/* Replaces the walked part of walk_buf (up to `at`) by the link's target. */
static long splice(struct fs_vnode *link, size_t at)
{
    size_t rest = fs_strnlen(walk_buf + at, FS_PATH_MAX - at);
    if (link->size == 0)
        return -FS_ENOENT;
    if (link->size + rest >= FS_PATH_MAX)
        return -FS_ENAMETOOLONG;
    char *dst = walk_buf + link->size;
    fs_memcpy(dst, walk_buf + at, rest + 1); /* overlapping: fs_memcpy moves */
    long r = link->ops->readlink(link, walk_buf, link->size);
    if (r < 0)
        return r;
    return 0;
}

long fs_walk(struct fs_proc *p, int dirfd, const char *path, int flags, struct fs_walk *w)
{
    fs_memset(w, 0, sizeof *w);
    size_t plen = fs_strnlen(path, FS_PATH_MAX);
    if (plen == FS_PATH_MAX)
        return -FS_ENAMETOOLONG;
    if (plen == 0 && !(flags & FS_WALK_EMPTY))
        return -FS_ENOENT;
    struct fs_vnode *cur;
    long r;
    if (path[0] == '/') {
        cur = p->root;
        fs_vnode_ref(cur);
    } else if ((r = fs_dirfd_vnode(p, dirfd, &cur)) < 0) {
        return r;
    }
    if (plen == 0) {
        w->vn = cur;
        w->last = FS_LAST_DOT;
        return 0;
    }
    if (!fs_is_dir(cur) && path[0] != '/') {
        fs_vnode_put(cur);
        return -FS_ENOTDIR;
    }
    fs_memcpy(walk_buf, path, plen + 1);
    size_t pos = 0;
    int links = 0;
    for (;;) {
        while (walk_buf[pos] == '/')
            pos++;
        if (walk_buf[pos] == '\0') { /* "/" (or only slashes after a link to "/") */
            w->vn = cur;
            w->last = FS_LAST_ROOT;
            w->slash = 1;
            return 0;
        }
        size_t start = pos;
        while (walk_buf[pos] && walk_buf[pos] != '/')
            pos++;
        size_t len = pos - start, after = pos;
        while (walk_buf[after] == '/')
            after++;
        int last = walk_buf[after] == '\0';
        int slash = last && after != pos;
        const char *name = walk_buf + start;

        if (!fs_is_dir(cur)) {
            r = -FS_ENOTDIR;
            goto fail;
        }
        if ((r = fs_perm(p, cur, FS_X_OK, 0)) < 0)
            goto fail;
        if (len > FS_NAME_MAX) {
            r = -FS_ENAMETOOLONG;
            goto fail;
        }
        if (len == 1 && name[0] == '.') {
            if (last) {
                w->vn = cur;
                w->last = FS_LAST_DOT;
                w->slash = slash;
                return 0;
            }
            continue;
        }
        struct fs_vnode *next;
        if (len == 2 && name[0] == '.' && name[1] == '.') {
            if ((r = fs_lookup_parent(p, cur, &next)) < 0)
                goto fail;
            fs_vnode_put(cur);
            cur = next;
            if (last) {
                w->vn = cur;
                w->last = FS_LAST_DOTDOT;
                w->slash = slash;
                return 0;
            }
            continue;
        }
        r = cur->ops->lookup(cur, name, (unsigned)len, &next);
        if (r == -FS_ENOENT && last && (flags & FS_WALK_PARENT)) {
            w->dir = cur;
            fs_memcpy(w->name, name, len);
            w->name[len] = '\0';
            w->len = (unsigned)len;
            w->slash = slash;
            return 0;
        }
        if (r < 0)
            goto fail;
        next = cross(next);
        if (FS_S_ISTYPE(next->mode, FS_S_IFLNK) && (!last || slash || (flags & FS_WALK_FOLLOW))) {
            if (++links > FS_SYMLOOP_MAX) {
                fs_vnode_put(next);
                r = -FS_ELOOP;
                goto fail;
            }
            r = splice(next, pos);
            int absolute = walk_buf[0] == '/';
            fs_vnode_put(next);
            if (r < 0)
                goto fail;
            pos = 0;
            if (absolute) {
                fs_vnode_put(cur);
                cur = p->root;
                fs_vnode_ref(cur);
            }
            continue;
        }
        if (last) {
            if (slash && !fs_is_dir(next)) {
                fs_vnode_put(next);
                r = -FS_ENOTDIR;
                goto fail;
            }
            w->dir = cur;
            w->vn = next;
            fs_memcpy(w->name, name, len);
            w->name[len] = '\0';
            w->len = (unsigned)len;
            w->slash = slash;
            return 0;
        }
        fs_vnode_put(cur);
        cur = next;
    }
fail:
    fs_vnode_put(cur);
    return r;
}
