/*
 * io.c: moving bytes through a descriptor (read, write, pread, pwrite), lseek, getdents64 and
 * poll readiness. The offset lives in the open file description, so descriptors shared by dup
 * or fork move one offset; O_APPEND writes land at the end of the file in one step (calls are
 * served one at a time), so appenders never overwrite each other.
 */
#include "internal.h"

static struct fs_file *readable(struct fs_proc *p, int fd, long *err)
{
    struct fs_file *f = fs_fd_file(p, fd);
    *err = !f || !fs_file_readable(f) ? -FS_EBADF : 0;
    return *err ? NULL : f;
}

static struct fs_file *writable(struct fs_proc *p, int fd, long *err)
{
    struct fs_file *f = fs_fd_file(p, fd);
    *err = !f || !fs_file_writable(f) ? -FS_EBADF : 0;
    return *err ? NULL : f;
}

static long dev_rw(struct fs_proc *p, struct fs_file *f, void *buf, uint64_t len, int write)
{
    const struct fs_dev_ops *ops = f->dev->ops;
    if (!ops)
        return -FS_EIO;
    int nonblock = (f->flags & FS_O_NONBLOCK) != 0;
    long r = write ? ops->write(f->devp, p, buf, len, nonblock)
                   : ops->read(f->devp, p, buf, len, nonblock);
    if (r == -FS_EAGAIN && !nonblock)
        p->wait = f->devp;
    return r;
}

static long file_read(struct fs_file *f, void *buf, uint64_t len, uint64_t off)
{
    struct fs_vnode *vn = f->vn;
    if (fs_is_dir(vn))
        return -FS_EISDIR;
    return vn->ops->read(vn, buf, len, off);
}

static long file_write(struct fs_proc *p, struct fs_file *f, const void *buf, uint64_t len,
                       uint64_t off)
{
    struct fs_vnode *vn = f->vn;
    (void)p;
    if (len == 0)
        return 0;
    if (off > (uint64_t)FS_MAXBIG - len)
        return -FS_EFBIG;
    long r = vn->ops->write(vn, buf, len, off);
    if (r > 0) {
        fs_vnode_touch(vn, 0, 1, 1);
        if (vn->ops->setattr)
            vn->ops->setattr(vn);
    }
    return r;
}

/* Where an append goes: the end of the file, or past the appends in flight (reserved). */
static uint64_t append_point(const struct fs_vnode *vn)
{
    return vn->appenders && vn->append_end > vn->size ? vn->append_end : vn->size;
}

long fs_read(struct fs_proc *p, int fd, void *buf, uint64_t len)
{
    long r;
    struct fs_file *f = readable(p, fd, &r);
    if (!f)
        return r;
    if (len > FS_RW_MAX)
        len = FS_RW_MAX;
    switch (f->type) {
    case FS_FILE_PIPE:
        return fs_pipe_read(p, f, buf, len);
    case FS_FILE_SOCK:
        return fs_sock_read(p, f, buf, len);
    case FS_FILE_DEV:
        return dev_rw(p, f, buf, len, 0);
    case FS_FILE_EPOLL:
        return -FS_EINVAL;
    case FS_FILE_VNODE:
        break;
    }
    r = file_read(f, buf, len, f->off);
    if (r > 0)
        f->off += (uint64_t)r;
    return r;
}

long fs_write(struct fs_proc *p, int fd, const void *buf, uint64_t len)
{
    long r;
    struct fs_file *f = writable(p, fd, &r);
    if (!f)
        return r;
    if (len > FS_RW_MAX)
        len = FS_RW_MAX;
    switch (f->type) {
    case FS_FILE_PIPE:
        return fs_pipe_write(p, f, buf, len);
    case FS_FILE_SOCK:
        return fs_sock_write(p, f, buf, len);
    case FS_FILE_DEV:
        return dev_rw(p, f, (void *)buf, len, 1);
    case FS_FILE_EPOLL:
        return -FS_EINVAL;
    case FS_FILE_VNODE:
        break;
    }
    if (f->flags & FS_O_APPEND)
        f->off = append_point(f->vn); /* with the write, in one step */
    r = file_write(p, f, buf, len, f->off);
    if (r > 0)
        f->off += (uint64_t)r;
    return r;
}

/* Appends that travel in pieces: the range is the writer's from its first piece, so other
 * appends go after it, and a reader may see the range's unwritten rest as zeros until it
 * arrives. The reservation ends with its last piece, a short piece, the writer's next write,
 * exec or end: a writer that dies mid-record leaves it short (as a short write on Linux), and
 * zeros only if others appended past it meanwhile. */
void fs_append_end(struct fs_proc *p)
{
    struct fs_file *f = p->resv;
    if (!f)
        return;
    p->resv = NULL;
    if (--f->vn->appenders == 0)
        f->vn->append_end = 0;
    fs_file_put(f);
}

long fs_append_begin(struct fs_proc *p, int fd, const void *buf, uint64_t len, uint64_t total,
                     uint64_t *at)
{
    fs_append_end(p);
    *at = UINT64_MAX;
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f || f->type != FS_FILE_VNODE || !(f->flags & FS_O_APPEND) || !fs_file_writable(f) ||
        !FS_S_ISTYPE(f->vn->mode, FS_S_IFREG) || total <= len || len == 0)
        return fs_write(p, fd, buf, len);
    if (total > FS_RW_MAX)
        total = FS_RW_MAX;
    uint64_t start = append_point(f->vn);
    if (start > (uint64_t)FS_MAXBIG - total)
        return -FS_EFBIG;
    long r = file_write(p, f, buf, len, start);
    if (r <= 0)
        return r;
    f->off = start + (uint64_t)r;
    if ((uint64_t)r < len)
        return r; /* short (no space): the write ends here, nothing reserved */
    f->refs++;
    p->resv = f;
    p->resv_next = start + (uint64_t)r;
    p->resv_end = start + total;
    if (p->resv_end > f->vn->append_end)
        f->vn->append_end = p->resv_end;
    f->vn->appenders++;
    *at = p->resv_next;
    return r;
}

long fs_append_more(struct fs_proc *p, int fd, const void *buf, uint64_t len, uint64_t at)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f || f != p->resv || at != p->resv_next || len > p->resv_end - at)
        return -FS_EINVAL;
    long r = file_write(p, f, buf, len, at);
    if (r > 0) {
        p->resv_next += (uint64_t)r;
        f->off = p->resv_next;
    }
    if (r <= 0 || (uint64_t)r < len || p->resv_next == p->resv_end)
        fs_append_end(p); /* done, or it stops short */
    return r;
}

long fs_pread(struct fs_proc *p, int fd, void *buf, uint64_t len, int64_t off)
{
    long r;
    struct fs_file *f = readable(p, fd, &r);
    if (!f)
        return r;
    if (f->type != FS_FILE_VNODE)
        return -FS_ESPIPE;
    if (off < 0)
        return -FS_EINVAL;
    if (len > FS_RW_MAX)
        len = FS_RW_MAX;
    return file_read(f, buf, len, (uint64_t)off);
}

long fs_pwrite(struct fs_proc *p, int fd, const void *buf, uint64_t len, int64_t off)
{
    long r;
    struct fs_file *f = writable(p, fd, &r);
    if (!f)
        return r;
    if (f->type != FS_FILE_VNODE)
        return -FS_ESPIPE;
    if (off < 0)
        return -FS_EINVAL;
    if (len > FS_RW_MAX)
        len = FS_RW_MAX;
    if (f->flags & FS_O_APPEND) /* Linux appends anyway, and so do we */
        off = (int64_t)append_point(f->vn);
    return file_write(p, f, buf, len, (uint64_t)off);
}

long fs_lseek(struct fs_proc *p, int fd, int64_t off, int whence)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f)
        return -FS_EBADF;
    if (f->type == FS_FILE_PIPE || f->type == FS_FILE_SOCK)
        return -FS_ESPIPE;
    if (f->type == FS_FILE_DEV || f->type == FS_FILE_EPOLL)
        return 0; /* devices have no position (a terminal's lseek is Linux's ESPIPE, /dev/null's 0)
                   */
    int64_t base, size = (int64_t)f->vn->size, pos;
    switch (whence) {
    case FS_SEEK_SET:
        base = 0;
        break;
    case FS_SEEK_CUR:
        base = (int64_t)f->off;
        break;
    case FS_SEEK_END:
        base = size;
        break;
    case FS_SEEK_DATA:
    case FS_SEEK_HOLE:
        if (fs_is_dir(f->vn))
            return -FS_EINVAL;
        if (off < 0 || off >= size)
            return -FS_ENXIO;
        /* No holes are reported: data runs to the end of the file. */
        f->off = (uint64_t)(whence == FS_SEEK_DATA ? off : size);
        return (long)f->off;
    default:
        return -FS_EINVAL;
    }
    if (__builtin_add_overflow(base, off, &pos))
        return -FS_EOVERFLOW;
    if (pos < 0)
        return -FS_EINVAL;
    f->off = (uint64_t)pos;
    return (long)pos;
}

long fs_getdents64(struct fs_proc *p, int fd, void *buf, uint64_t len)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f || (f->flags & FS_O_PATH))
        return -FS_EBADF;
    if (f->type != FS_FILE_VNODE || !fs_is_dir(f->vn))
        return -FS_ENOTDIR;
    struct fs_vnode *dir = f->vn;
    uint64_t done = 0;
    struct fs_dirent e;
    long r;
    while ((r = dir->ops->readdir(dir, f->off, &e)) == 1) {
        uint64_t head = __builtin_offsetof(struct fs_dirent64, d_name);
        uint64_t reclen = (head + e.len + 1 + 7) & ~7ull;
        if (done + reclen > len) {
            if (done == 0)
                return -FS_EINVAL; /* not even one record fits */
            break;
        }
        struct fs_dirent64 *d = (struct fs_dirent64 *)((uint8_t *)buf + done);
        d->d_ino = e.ino;
        d->d_off = (int64_t)e.next;
        d->d_reclen = (uint16_t)reclen;
        d->d_type = e.type;
        fs_memcpy(d->d_name, e.name, e.len);
        fs_memset(d->d_name + e.len, 0, reclen - head - e.len);
        done += reclen;
        f->off = e.next;
    }
    if (r < 0 && done == 0)
        return r;
    fs_vnode_touch(dir, 1, 0, 0);
    return (long)done;
}

unsigned fs_poll(struct fs_proc *p, int fd)
{
    struct fs_file *f = fs_fd_file(p, fd);
    return f ? fs_file_poll(f) : FS_POLLNVAL;
}

unsigned fs_file_poll(struct fs_file *f)
{
    switch (f->type) {
    case FS_FILE_PIPE:
        return fs_pipe_poll(f);
    case FS_FILE_DEV:
        if (!f->dev->ops)
            return FS_POLLERR | FS_POLLHUP;
        return f->dev->ops->poll ? f->dev->ops->poll(f->devp) : (FS_POLLIN | FS_POLLOUT);
    case FS_FILE_EPOLL:
        return fs_epoll_poll(f->ep);
    case FS_FILE_SOCK:
        return fs_sock_poll(f);
    case FS_FILE_VNODE:
        break;
    }
    return FS_POLLIN | FS_POLLOUT | FS_POLLRDNORM | FS_POLLWRNORM; /* files: always, as Linux */
}

long fs_poll_many(struct fs_proc *p, struct fs_pollfd *fds, uint64_t n)
{
    long ready = 0;
    for (uint64_t i = 0; i < n; i++) {
        int fd = fds[i].fd;
        unsigned want = (uint16_t)fds[i].events | FS_POLLERR | FS_POLLHUP | FS_POLLNVAL;
        unsigned got = fd < 0 ? 0 : fs_poll(p, fd) & want;
        fds[i].revents = (int16_t)got;
        ready += got != 0;
    }
    return ready;
}
