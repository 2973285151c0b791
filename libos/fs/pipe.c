/*
 * pipe.c: pipes and FIFOs. A pipe is a ring of FS_PIPE_PAGES pages with byte counters (head:
 * written, tail: read; both only grow, the ring index is the counter mod its size) and the
 * number of open descriptions reading and writing it. Writes of up to FS_PIPE_BUF bytes go in
 * whole or not at all; a read of an empty pipe with no writer left is end of file; a write
 * with no reader left is EPIPE (and p->sigpipe). A FIFO is a vnode whose openers share one
 * pipe; an open for one end waits until the other end has been opened.
 */
#include "internal.h"

#define CAP ((uint64_t)FS_PIPE_PAGES * FS_PAGE)

static uint64_t pipe_inos = 1;

struct fs_pipe *fs_pipe_new(void)
{
    struct fs_pipe *pp = fs_alloc(sizeof *pp);
    if (!pp)
        return NULL;
    for (int i = 0; i < FS_PIPE_PAGES; i++)
        if (!(pp->page[i] = fs_alloc(FS_PAGE))) {
            while (i--)
                fs_free(pp->page[i], FS_PAGE);
            fs_free(pp, sizeof *pp);
            return NULL;
        }
    pp->ino = pipe_inos++;
    return pp;
}

static void pipe_free(struct fs_pipe *pp)
{
    for (int i = 0; i < FS_PIPE_PAGES; i++)
        fs_free(pp->page[i], FS_PAGE);
    fs_free(pp, sizeof *pp);
}

void fs_pipe_open_end(struct fs_pipe *pp, int write)
{
    if (write) {
        pp->writers++;
        pp->wgen++;
    } else {
        pp->readers++;
        pp->rgen++;
    }
    fs_ready(pp, 0);
}

void fs_pipe_close_end(struct fs_pipe *pp, int write)
{
    if (write)
        pp->writers--;
    else
        pp->readers--;
    fs_ready(pp, 0); /* EOF, or EPIPE: hang-up and error are for every interest */
    if (pp->readers == 0 && pp->writers == 0) {
        if (pp->vn)
            pp->vn->fifo = NULL; /* a FIFO's bytes go when its last opener does */
        pipe_free(pp);
    }
}

static void ring_copy(struct fs_pipe *pp, uint64_t at, void *buf, uint64_t n, int in)
{
    uint64_t done = 0;
    while (done < n) {
        uint64_t o = (at + done) % CAP, pg = o / FS_PAGE, off = o % FS_PAGE;
        uint64_t k = FS_PAGE - off < n - done ? FS_PAGE - off : n - done;
        if (in)
            fs_memcpy(pp->page[pg] + off, (uint8_t *)buf + done, k);
        else
            fs_memcpy((uint8_t *)buf + done, pp->page[pg] + off, k);
        done += k;
    }
}

long fs_pipe_read(struct fs_proc *p, struct fs_file *f, void *buf, uint64_t len)
{
    struct fs_pipe *pp = f->pipe;
    uint64_t avail = pp->head - pp->tail;
    if (len == 0)
        return 0;
    if (avail == 0) {
        if (pp->writers == 0)
            return 0;
        if (!(f->flags & FS_O_NONBLOCK))
            p->wait = pp;
        return -FS_EAGAIN;
    }
    uint64_t n = len < avail ? len : avail;
    ring_copy(pp, pp->tail, buf, n, 0);
    pp->tail += n;
    fs_ready(pp, FS_POLLOUT | FS_POLLWRNORM); /* space: the writers' news */
    return (long)n;
}

long fs_pipe_write(struct fs_proc *p, struct fs_file *f, const void *buf, uint64_t len)
{
    struct fs_pipe *pp = f->pipe;
    if (len == 0)
        return 0; /* before the reader check, as Linux */
    if (pp->readers == 0) {
        p->sigpipe = 1;
        return -FS_EPIPE;
    }
    uint64_t space = CAP - (pp->head - pp->tail);
    if (space == 0 || (len <= FS_PIPE_BUF && space < len)) {
        if (!(f->flags & FS_O_NONBLOCK))
            p->wait = pp;
        return -FS_EAGAIN;
    }
    uint64_t n = len < space ? len : space;
    ring_copy(pp, pp->head, (void *)buf, n, 1);
    pp->head += n;
    fs_ready(pp, FS_POLLIN | FS_POLLRDNORM); /* every write, as Linux's when epoll watches */
    return (long)n;
}

unsigned fs_pipe_poll(const struct fs_file *f)
{
    const struct fs_pipe *pp = f->pipe;
    unsigned ev = 0;
    if ((f->flags & FS_O_ACCMODE) != FS_O_WRONLY) {
        if (pp->head != pp->tail)
            ev |= FS_POLLIN | FS_POLLRDNORM;
        if (pp->writers == 0)
            ev |= FS_POLLHUP;
    }
    if ((f->flags & FS_O_ACCMODE) != FS_O_RDONLY) {
        if (CAP - (pp->head - pp->tail) >= FS_PIPE_BUF)
            ev |= FS_POLLOUT | FS_POLLWRNORM;
        if (pp->readers == 0)
            ev |= FS_POLLERR;
    }
    return ev;
}

long fs_pipe2(struct fs_proc *p, int fds[2], int flags)
{
    if (flags & ~(FS_O_CLOEXEC | FS_O_NONBLOCK | FS_O_DIRECT))
        return -FS_EINVAL;
    long rfd = fs_fd_free_slot(p, 0);
    if (rfd < 0)
        return rfd;
    long wfd = fs_fd_free_slot(p, (int)rfd + 1);
    if (wfd < 0)
        return wfd;
    struct fs_pipe *pp = fs_pipe_new();
    if (!pp)
        return -FS_ENFILE;
    uint32_t st = (uint32_t)flags & FS_O_NONBLOCK;
    struct fs_file *r = fs_file_new(FS_FILE_PIPE, FS_O_RDONLY | st, NULL);
    struct fs_file *w = fs_file_new(FS_FILE_PIPE, FS_O_WRONLY | st, NULL);
    if (!r || !w) {
        fs_free(r, sizeof *r);
        fs_free(w, sizeof *w);
        pipe_free(pp);
        return -FS_ENFILE;
    }
    r->pipe = w->pipe = pp;
    fs_pipe_open_end(pp, 0);
    fs_pipe_open_end(pp, 1);
    fs_fd_install(p, r, (int)rfd, flags & FS_O_CLOEXEC);
    fs_fd_install(p, w, (int)wfd, flags & FS_O_CLOEXEC);
    fds[0] = (int)rfd;
    fds[1] = (int)wfd;
    return 0;
}

void fs_fifo_cancel(struct fs_proc *p)
{
    struct fs_vnode *vn = p->fifo_wait;
    if (!vn)
        return;
    p->fifo_wait = NULL;
    if (vn->fifo)
        fs_pipe_close_end(vn->fifo, p->fifo_wait_write);
    fs_vnode_put(vn);
}

/* Opens one end of the FIFO vn. A blocking open of one end counts as that end at once (so the
 * other side's open can complete) and waits until the other end has been opened since. */
long fs_fifo_open(struct fs_proc *p, struct fs_vnode *vn, int flags, struct fs_pipe **out)
{
    int acc = flags & FS_O_ACCMODE, nonblock = flags & FS_O_NONBLOCK;
    if (p->fifo_wait == vn) { /* the same open, called again after a wake */
        struct fs_pipe *pp = vn->fifo;
        uint32_t gen = p->fifo_wait_write ? pp->rgen : pp->wgen;
        if (gen == p->fifo_wait_gen) {
            p->wait = pp;
            return -FS_EAGAIN;
        }
        p->fifo_wait = NULL;
        fs_vnode_put(vn);
        *out = pp;
        return 0;
    }
    fs_fifo_cancel(p);
    if (!vn->fifo) {
        if (acc == FS_O_WRONLY && nonblock)
            return -FS_ENXIO; /* no reader, and none can appear */
        if (!(vn->fifo = fs_pipe_new()))
            return -FS_ENFILE;
        vn->fifo->vn = vn; /* not a reference: the openers' files hold the vnode */
    }
    struct fs_pipe *pp = vn->fifo;
    if (acc == FS_O_RDWR) { /* Linux: both ends, never waits */
        fs_pipe_open_end(pp, 0);
        fs_pipe_open_end(pp, 1);
        *out = pp;
        return 0;
    }
    int write = acc == FS_O_WRONLY;
    uint32_t peers = write ? pp->readers : pp->writers;
    if (write && nonblock && peers == 0) {
        if (pp->readers == 0 && pp->writers == 0) {
            vn->fifo = NULL;
            pipe_free(pp);
        }
        return -FS_ENXIO;
    }
    fs_pipe_open_end(pp, write);
    if (peers == 0 && !nonblock) {
        p->fifo_wait = vn;
        fs_vnode_ref(vn);
        p->fifo_wait_write = write;
        p->fifo_wait_gen = write ? pp->rgen : pp->wgen;
        p->wait = pp;
        return -FS_EAGAIN;
    }
    *out = pp;
    return 0;
}
