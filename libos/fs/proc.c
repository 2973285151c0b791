/*
 * proc.c: a process's file state from birth to death (new, fork, exec, exit) and the calls
 * that change only it: chdir, fchdir, getcwd, umask.
 */
#include "internal.h"

struct fs_proc *fs_proc_new(void)
{
    struct fs_mount *m = fs_root_mount();
    if (!m)
        return NULL;
    struct fs_proc *p = fs_alloc(sizeof *p);
    if (!p)
        return NULL;
    fs_fd_newgen(p);
    p->umask = 022;
    p->nofile_cur = p->nofile_max = FS_NFD;
    p->cwd = p->root = m->root;
    fs_vnode_ref(p->cwd);
    fs_vnode_ref(p->root);
    return p;
}

struct fs_proc *fs_proc_fork(struct fs_proc *parent)
{
    struct fs_proc *p = fs_alloc(sizeof *p);
    if (!p)
        return NULL;
    p->pid = parent->pid; /* pm gives the child its own */
    fs_fd_newgen(p);
    fs_memcpy(&p->cred, &parent->cred, sizeof p->cred);
    p->umask = parent->umask;
    p->nofile_cur = parent->nofile_cur; /* limits are inherited, and kept across exec */
    p->nofile_max = parent->nofile_max;
    p->cwd = parent->cwd;
    p->root = parent->root;
    fs_vnode_ref(p->cwd);
    fs_vnode_ref(p->root);
    for (int fd = 0; fd < FS_NFD; fd++)
        if (parent->fd[fd]) {
            p->fd[fd] = parent->fd[fd];
            p->fd[fd]->refs++;
            p->fdflags[fd] = parent->fdflags[fd];
        }
    return p; /* record locks are not inherited: their owner is the parent */
}

void fs_proc_cancel(struct fs_proc *p)
{
    fs_fifo_cancel(p);
    p->lkwait.vn = NULL;
    p->wait = NULL;
}

const void *fs_wait_object(const struct fs_proc *p)
{
    return p->wait;
}

void fs_proc_exec(struct fs_proc *p)
{
    fs_proc_cancel(p);
    fs_append_end(p);
    for (int fd = 0; fd < FS_NFD; fd++)
        if (p->fd[fd] && (p->fdflags[fd] & FS_FD_CLOEXEC))
            fs_close(p, fd);
}

void fs_proc_exit(struct fs_proc *p)
{
    fs_proc_cancel(p);
    fs_append_end(p);
    for (int fd = 0; fd < FS_NFD; fd++)
        if (p->fd[fd])
            fs_close(p, fd);
    fs_vnode_put(p->cwd);
    fs_vnode_put(p->root);
    fs_free(p, sizeof *p);
}

static long set_cwd(struct fs_proc *p, struct fs_vnode *vn)
{
    if (!fs_is_dir(vn))
        return -FS_ENOTDIR;
    long r = fs_perm(p, vn, FS_X_OK, 0);
    if (r < 0)
        return r;
    fs_vnode_ref(vn);
    fs_vnode_put(p->cwd);
    p->cwd = vn;
    return 0;
}

long fs_chdir(struct fs_proc *p, const char *path)
{
    struct fs_walk w;
    long r = fs_walk(p, FS_AT_FDCWD, path, FS_WALK_FOLLOW, &w);
    if (r < 0)
        return r;
    r = set_cwd(p, w.vn);
    fs_walk_done(&w);
    return r;
}

long fs_fchdir(struct fs_proc *p, int fd)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f)
        return -FS_EBADF;
    if (!f->vn)
        return -FS_ENOTDIR;
    return set_cwd(p, f->vn);
}

uint32_t fs_umask(struct fs_proc *p, uint32_t mask)
{
    uint32_t old = p->umask;
    p->umask = mask & 0777;
    return old;
}

/* The name of child in dir (by inode number), into name; its length or -errno. */
long fs_name_in(struct fs_vnode *dir, struct fs_vnode *child, char *name)
{
    struct fs_dirent e;
    uint64_t cookie = 2;
    long r;
    while ((r = dir->ops->readdir(dir, cookie, &e)) == 1) {
        if (e.ino == child->ino) {
            fs_memcpy(name, e.name, e.len);
            return e.len;
        }
        cookie = e.next;
    }
    return r < 0 ? r : -FS_ENOENT;
}

long fs_getcwd(struct fs_proc *p, char *buf, uint64_t size)
{
    if (p->cwd->nlink == 0)
        return -FS_ENOENT; /* removed: Linux says so too */
    return fs_dir_path(p, p->cwd, buf, size);
}

long fs_dir_path(struct fs_proc *p, struct fs_vnode *dir, char *buf, uint64_t size)
{
    static char path[FS_PATH_MAX];
    static char name[FS_NAME_MAX + 1];
    size_t at = FS_PATH_MAX - 1;
    path[at] = '\0';
    struct fs_vnode *cur = dir;
    fs_vnode_ref(cur);
    long r = 0;
    while (cur != p->root) {
        while (cur != p->root && cur->mnt->covered && cur == cur->mnt->root) {
            struct fs_vnode *c = cur->mnt->covered;
            fs_vnode_ref(c);
            fs_vnode_put(cur);
            cur = c;
        }
        if (cur == p->root)
            break;
        struct fs_vnode *parent;
        if ((r = fs_lookup_parent(p, cur, &parent)) < 0)
            break;
        long n = fs_name_in(parent, cur, name);
        fs_vnode_put(cur);
        cur = parent;
        if (n < 0) {
            r = n;
            break;
        }
        if ((size_t)n + 1 > at) {
            r = -FS_ENAMETOOLONG;
            break;
        }
        at -= (size_t)n;
        fs_memcpy(path + at, name, (size_t)n);
        path[--at] = '/';
    }
    fs_vnode_put(cur);
    if (r < 0)
        return r;
    if (at == FS_PATH_MAX - 1)
        path[--at] = '/';
    uint64_t len = FS_PATH_MAX - at; /* with the NUL */
    if (size < len)
        return -FS_ERANGE;
    fs_memcpy(buf, path + at, len);
    return (long)len;
}
