/*
 * fd.c: descriptor tables and open file descriptions. A descriptor is a slot in its process's
 * table naming an open file description (struct fs_file) and holding FD_CLOEXEC; dup and fork
 * make more slots name the same description, which holds the offset and the status flags, so
 * they are shared as POSIX says. A new descriptor is always the lowest free slot.
 */
#include "internal.h"

#define FS_SETFL_MASK (FS_O_APPEND | FS_O_NONBLOCK | FS_O_DIRECT | FS_O_NOATIME | 020000)
#define FS_FIOCLEX 0x5451
#define FS_FIONCLEX 0x5450
#define FS_FIONBIO 0x5421
#define FS_FIONREAD 0x541b

struct fs_file *fs_fd_file(struct fs_proc *p, int fd)
{
    if (fd < 0 || fd >= FS_NFD)
        return NULL;
    return p->fd[fd];
}

struct fs_vnode *fs_fd_vnode(struct fs_proc *p, int fd)
{
    struct fs_file *f = fs_fd_file(p, fd);
    return f && f->type == FS_FILE_VNODE ? f->vn : NULL;
}

struct fs_file *fs_file_new(enum fs_file_type type, uint32_t flags, struct fs_vnode *vn)
{
    struct fs_file *f = fs_alloc(sizeof *f);
    if (!f)
        return NULL;
    f->refs = 1;
    f->type = type;
    f->flags = flags;
    f->vn = vn;
    if (vn)
        fs_vnode_ref(vn);
    return f;
}

/* The last descriptor of a description went: its locks, pipe end, device and vnode go. */
void fs_file_put(struct fs_file *f)
{
    if (--f->refs)
        return;
    fs_epoll_file_gone(f); /* first: nothing below may find its interests */
    if (f->vn)
        fs_lock_release(f->vn, f); /* OFD and flock locks belong to the description */
    if (f->pipe && (f->flags & FS_O_ACCMODE) != FS_O_WRONLY)
        fs_pipe_close_end(f->pipe, 0);
    if (f->pipe && (f->flags & FS_O_ACCMODE) != FS_O_RDONLY)
        fs_pipe_close_end(f->pipe, 1); /* O_RDWR FIFOs hold both ends */
    if (f->type == FS_FILE_SOCK)
        fs_sock_close(f);
    if (f->type == FS_FILE_DEV && f->dev->ops && f->dev->ops->close)
        f->dev->ops->close(f->devp);
    fs_vnode_put(f->vn);
    if (f->dir)
        fs_vnode_put(f->dir);
    if (f->name)
        fs_free(f->name, f->name_size);
    fs_free(f, sizeof *f);
}

/* How many descriptors p may have: its RLIMIT_NOFILE soft limit. */
static int nofile(const struct fs_proc *p)
{
    return p->nofile_cur < FS_NFD ? (int)p->nofile_cur : FS_NFD;
}

long fs_fd_free_slot(struct fs_proc *p, int min)
{
    for (int fd = min < 0 ? 0 : min; fd < nofile(p); fd++)
        if (!p->fd[fd])
            return fd;
    return -FS_EMFILE;
}

long fs_fd_install(struct fs_proc *p, struct fs_file *f, int min, int cloexec)
{
    long fd = fs_fd_free_slot(p, min);
    if (fd < 0)
        return fd;
    p->fd[fd] = f;
    p->fdflags[fd] = cloexec ? FS_FD_CLOEXEC : 0;
    return fd;
}

void fs_fd_newgen(struct fs_proc *p)
{
    static uint64_t clock; /* one count for every table: no number is ever seen twice */
    p->fdgen = ++clock;
}

/* Empties slot fd: the process's POSIX locks on the file go with any of its descriptors. */
static void fd_clear(struct fs_proc *p, int fd)
{
    struct fs_file *f = p->fd[fd];
    fs_fd_newgen(p);
    p->fd[fd] = NULL;
    p->fdflags[fd] = 0;
    if (f->vn)
        fs_lock_release(f->vn, p);
    fs_file_put(f);
}

long fs_close(struct fs_proc *p, int fd)
{
    if (!fs_fd_file(p, fd))
        return -FS_EBADF;
    fd_clear(p, fd);
    return 0;
}

long fs_dup(struct fs_proc *p, int fd)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f)
        return -FS_EBADF;
    long r = fs_fd_install(p, f, 0, 0);
    if (r >= 0)
        f->refs++;
    return r;
}

static long dup_to(struct fs_proc *p, int oldfd, int newfd, int cloexec)
{
    struct fs_file *f = fs_fd_file(p, oldfd);
    if (!f)
        return -FS_EBADF;
    if (newfd < 0 || newfd >= nofile(p))
        return -FS_EBADF;
    f->refs++; /* before the close: newfd may hold the last other reference */
    if (p->fd[newfd])
        fd_clear(p, newfd);
    p->fd[newfd] = f;
    p->fdflags[newfd] = cloexec ? FS_FD_CLOEXEC : 0;
    return newfd;
}

long fs_dup3(struct fs_proc *p, int oldfd, int newfd, int flags)
{
    if (flags & ~FS_O_CLOEXEC)
        return -FS_EINVAL;
    if (oldfd == newfd)
        return -FS_EINVAL;
    return dup_to(p, oldfd, newfd, flags & FS_O_CLOEXEC);
}

long fs_dup2(struct fs_proc *p, int oldfd, int newfd)
{
    if (oldfd == newfd)
        return fs_fd_file(p, oldfd) ? newfd : -FS_EBADF;
    return dup_to(p, oldfd, newfd, 0);
}

long fs_fcntl(struct fs_proc *p, int fd, int cmd, uint64_t arg)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f)
        return -FS_EBADF;
    long r;
    switch (cmd) {
    case FS_F_DUPFD:
    case FS_F_DUPFD_CLOEXEC:
        arg = (uint32_t)arg; /* Linux's f_dupfd takes the int as unsigned: -1 is EINVAL */
        if (arg >= (uint64_t)nofile(p))
            return -FS_EINVAL;
        r = fs_fd_install(p, f, (int)arg, cmd == FS_F_DUPFD_CLOEXEC);
        if (r >= 0)
            f->refs++;
        return r;
    case FS_F_GETFD:
        return p->fdflags[fd];
    case FS_F_SETFD:
        p->fdflags[fd] = arg & FS_FD_CLOEXEC;
        return 0;
    case FS_F_GETFL:
        return f->flags & ~FS_O_CLOEXEC;
    case FS_F_SETFL:
        if (f->flags & FS_O_PATH)
            return -FS_EBADF;
        f->flags = (f->flags & ~FS_SETFL_MASK) | ((uint32_t)arg & FS_SETFL_MASK);
        return 0;
    case FS_F_GETLK:
    case FS_F_SETLK:
    case FS_F_SETLKW:
    case FS_F_OFD_GETLK:
    case FS_F_OFD_SETLK:
    case FS_F_OFD_SETLKW:
        if (!arg)
            return -FS_EFAULT;
        return fs_lock_fcntl(p, f, cmd, (struct fs_flock *)(uintptr_t)arg);
    }
    return -FS_EINVAL;
}

long fs_ioctl(struct fs_proc *p, int fd, unsigned long req, void *arg)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f)
        return -FS_EBADF;
    switch (req) {
    case FS_FIOCLEX:
    case FS_FIONCLEX:
        p->fdflags[fd] = req == FS_FIOCLEX ? FS_FD_CLOEXEC : 0;
        return 0;
    case FS_FIONBIO:
        if (!arg)
            return -FS_EFAULT;
        if (*(const int *)arg)
            f->flags |= FS_O_NONBLOCK;
        else
            f->flags &= ~FS_O_NONBLOCK;
        return 0;
    }
    if (f->flags & FS_O_PATH)
        return -FS_EBADF;
    if (f->type == FS_FILE_DEV) {
        if (!f->dev->ops)
            return -FS_EIO;
        return f->dev->ops->ioctl ? f->dev->ops->ioctl(f->devp, p, req, arg) : -FS_ENOTTY;
    }
    if (f->type == FS_FILE_SOCK) {
        if (!arg)
            return -FS_EFAULT;
        return fs_sock_ioctl(f, req, arg);
    }
    if (req == FS_FIONREAD && f->type == FS_FILE_PIPE) {
        if (!arg)
            return -FS_EFAULT;
        *(int *)arg = (int)(f->pipe->head - f->pipe->tail);
        return 0;
    }
    return -FS_ENOTTY;
}

long fs_rlimit_nofile(struct fs_proc *p, const uint64_t *nw, uint64_t *old)
{
    uint64_t cur = p->nofile_cur, max = p->nofile_max;
    if (nw) {
        if (nw[0] > nw[1])
            return -FS_EINVAL;
        if (nw[1] > FS_NFD || (nw[1] > max && p->cred.euid != 0))
            return -FS_EPERM;
        p->nofile_cur = (uint32_t)nw[0];
        p->nofile_max = (uint32_t)nw[1];
    }
    if (old) {
        old[0] = cur;
        old[1] = max;
    }
    return 0;
}
