/*
 * epoll.c: epoll instances. An instance is an open file description (FS_FILE_EPOLL) holding
 * interests, each a (description, descriptor number) pair with the events it wants, 64 bits
 * of data given back as given, and a place on the instance's ready list. Readiness is what
 * poll says of the description now (fs_file_poll); the ready list follows Linux's
 * (fs/eventpoll.c): an interest joins it when ADD or MOD find it ready, or when its object
 * says its readiness changed (fs_ready, with the events that changed, matched against the
 * interest's); epoll_wait takes each off in turn, asks poll, reports what is ready and puts a
 * level-triggered interest back at the tail; an EPOLLET one waits for the next fs_ready; an
 * EPOLLONESHOT one is disabled after one report until MOD. An interest lasts as long as its
 * description: the last close of the file removes it from every instance (not the close of
 * one descriptor naming it). Instances are descriptions too, so dup and fork share them, and
 * poll or another instance may watch one (a cycle, or nesting deeper than Linux allows, is
 * ELOOP). fs_ready is the one readiness hook for every kind of object (pipes here, devices
 * through their owner, sockets through their family): it marks the interests and calls
 * fs_wake. A new kind of description adds its case to wake_object here and to fs_file_poll.
 */
#include "internal.h"

#define PRIVATE (FS_EPOLLWAKEUP | FS_EPOLLONESHOT | FS_EPOLLET | FS_EPOLLEXCLUSIVE)
#define EXCL_OK                                                                                    \
    (FS_POLLIN | FS_POLLOUT | FS_POLLERR | FS_POLLHUP | FS_EPOLLWAKEUP | FS_EPOLLET |              \
     FS_EPOLLEXCLUSIVE)
#define MAX_NESTS 4                  /* Linux's EP_MAX_NESTS */
#define MAX_EVENTS (0x7fffffff / 12) /* INT_MAX / sizeof(struct epoll_event) */

struct fs_epitem {
    struct fs_epoll *ep;
    struct fs_file *file; /* not referenced: the interest goes with the file's last close */
    int fd;
    uint32_t events;
    uint64_t data;
    struct fs_epitem *ep_next;             /* ep->items */
    struct fs_epitem *file_next;           /* file->watch */
    struct fs_epitem *all_prev, *all_next; /* every interest (fs_ready looks through them) */
    struct fs_epitem *rd_prev, *rd_next;   /* ep's ready list */
    int linked;                            /* on it */
};

struct fs_epoll {
    struct fs_epitem *items;
    struct fs_epitem *rd_head, *rd_tail;
    uint32_t gen; /* the loop check's visit mark */
};

static struct fs_epitem *all;
static uint32_t loop_gen;

/* --- the ready list ------------------------------------------------------------------------ */

static void rd_append(struct fs_epoll *ep, struct fs_epitem *it)
{
    if (it->linked)
        return;
    it->rd_prev = ep->rd_tail;
    it->rd_next = NULL;
    if (ep->rd_tail)
        ep->rd_tail->rd_next = it;
    else
        ep->rd_head = it;
    ep->rd_tail = it;
    it->linked = 1;
}

static void rd_unlink(struct fs_epoll *ep, struct fs_epitem *it)
{
    if (!it->linked)
        return;
    if (it->rd_prev)
        it->rd_prev->rd_next = it->rd_next;
    else
        ep->rd_head = it->rd_next;
    if (it->rd_next)
        it->rd_next->rd_prev = it->rd_prev;
    else
        ep->rd_tail = it->rd_prev;
    it->linked = 0;
}

/* --- readiness ------------------------------------------------------------------------------ */

/* What an object's fs_ready names for this description. */
static const void *wake_object(const struct fs_file *f)
{
    switch (f->type) {
    case FS_FILE_PIPE:
        return f->pipe;
    case FS_FILE_DEV:
        return f->devp;
    case FS_FILE_EPOLL:
        return f->ep;
    case FS_FILE_SOCK:
        return f->sock;
    case FS_FILE_VNODE:
        break;
    }
    return f->vn;
}

static int enabled(const struct fs_epitem *it)
{
    return (it->events & ~PRIVATE) != 0; /* a fired EPOLLONESHOT keeps only the private bits */
}

void fs_ready(const void *object, unsigned events)
{
    static int depth; /* nesting is at most MAX_NESTS + 1 deep (ELOOP): this only guards */
    if (depth <= MAX_NESTS + 2) {
        depth++;
        for (struct fs_epitem *it = all; it; it = it->all_next) {
            if (wake_object(it->file) != object || !enabled(it))
                continue;
            if (events && !(events & it->events))
                continue;
            rd_append(it->ep, it);
            fs_ready(it->ep, FS_POLLIN); /* an instance watching this one, or poll on it */
        }
        depth--;
    }
    fs_wake(object);
}

/* A level-triggered interest in a device may be ready without being listed: a device's owner
 * reports changes of its own object, and /dev/tty's file names none (it forwards to the
 * caller's terminal). Pipes and instances always report theirs, so only devices are asked. */
static int unreported(const struct fs_epitem *it)
{
    return !it->linked && it->file->type == FS_FILE_DEV && enabled(it) &&
           !(it->events & FS_EPOLLET);
}

static void sweep(struct fs_epoll *ep)
{
    for (struct fs_epitem *it = ep->items; it; it = it->ep_next)
        if (unreported(it) && (fs_file_poll(it->file) & it->events))
            rd_append(ep, it);
}

unsigned fs_epoll_poll(struct fs_epoll *ep)
{
    for (struct fs_epitem *it = ep->items; it; it = it->ep_next)
        if ((it->linked || unreported(it)) && (fs_file_poll(it->file) & it->events))
            return FS_POLLIN | FS_POLLRDNORM;
    return 0;
}

/* --- interests ------------------------------------------------------------------------------ */

static struct fs_epitem *find(struct fs_epoll *ep, struct fs_file *f, int fd)
{
    for (struct fs_epitem *it = ep->items; it; it = it->ep_next)
        if (it->file == f && it->fd == fd)
            return it;
    return NULL;
}

static void unlink_from(struct fs_epitem **head, struct fs_epitem *it, int file_list)
{
    for (struct fs_epitem **pp = head; *pp; pp = file_list ? &(*pp)->file_next : &(*pp)->ep_next)
        if (*pp == it) {
            *pp = file_list ? it->file_next : it->ep_next;
            return;
        }
}

static void item_free(struct fs_epitem *it)
{
    unlink_from(&it->ep->items, it, 0);
    unlink_from(&it->file->watch, it, 1);
    if (it->all_prev)
        it->all_prev->all_next = it->all_next;
    else
        all = it->all_next;
    if (it->all_next)
        it->all_next->all_prev = it->all_prev;
    rd_unlink(it->ep, it);
    fs_free(it, sizeof *it);
}

void fs_epoll_file_gone(struct fs_file *f)
{
    while (f->watch)
        item_free(f->watch);
    if (f->type == FS_FILE_EPOLL && f->ep) {
        while (f->ep->items)
            item_free(f->ep->items);
        fs_free(f->ep, sizeof *f->ep);
        f->ep = NULL;
    }
}

/* Linux's ep_loop_check: from the instance being added (depth 0), no path through nested
 * instances may reach `into` or go deeper than MAX_NESTS. */
static int loop_visit(struct fs_epoll *ep, struct fs_epoll *into, int depth)
{
    ep->gen = loop_gen;
    for (struct fs_epitem *it = ep->items; it; it = it->ep_next) {
        if (it->file->type != FS_FILE_EPOLL)
            continue;
        struct fs_epoll *next = it->file->ep;
        if (next->gen == loop_gen)
            continue;
        if (next == into || depth > MAX_NESTS || loop_visit(next, into, depth + 1))
            return -1;
    }
    return 0;
}

/* Can epoll watch it? Regular files and directories have no poll (Linux: EPERM). */
static int can_poll(const struct fs_file *f)
{
    return f->type != FS_FILE_VNODE;
}

long fs_epoll_create(struct fs_proc *p, int flags)
{
    if (flags & ~FS_EPOLL_CLOEXEC)
        return -FS_EINVAL;
    long fd = fs_fd_free_slot(p, 0);
    if (fd < 0)
        return fd;
    struct fs_epoll *ep = fs_alloc(sizeof *ep);
    struct fs_file *f = ep ? fs_file_new(FS_FILE_EPOLL, FS_O_RDWR, NULL) : NULL;
    if (!f) {
        fs_free(ep, sizeof *ep);
        return -FS_ENOMEM;
    }
    f->ep = ep;
    return fs_fd_install(p, f, (int)fd, flags & FS_EPOLL_CLOEXEC);
}

long fs_epoll_ctl(struct fs_proc *p, int epfd, int op, int fd, const struct fs_epoll_event *ev)
{
    struct fs_file *ef = fs_fd_file(p, epfd), *tf = fs_fd_file(p, fd);
    if (!ef || !tf || (ef->flags & FS_O_PATH) || (tf->flags & FS_O_PATH))
        return -FS_EBADF;
    if (!can_poll(tf))
        return -FS_EPERM;
    if (ef == tf || ef->type != FS_FILE_EPOLL)
        return -FS_EINVAL;
    uint32_t events = op != FS_EPOLL_CTL_DEL && ev ? ev->events : 0;
    if (events & FS_EPOLLEXCLUSIVE) {
        if (op == FS_EPOLL_CTL_MOD)
            return -FS_EINVAL;
        if (op == FS_EPOLL_CTL_ADD && (tf->type == FS_FILE_EPOLL || (events & ~EXCL_OK)))
            return -FS_EINVAL;
    }
    struct fs_epoll *ep = ef->ep;
    if (op == FS_EPOLL_CTL_ADD && tf->type == FS_FILE_EPOLL) {
        loop_gen++;
        if (loop_visit(tf->ep, ep, 0))
            return -FS_ELOOP;
    }
    struct fs_epitem *it = find(ep, tf, fd);
    switch (op) {
    case FS_EPOLL_CTL_ADD:
        if (it)
            return -FS_EEXIST;
        if (!(it = fs_alloc(sizeof *it)))
            return -FS_ENOMEM;
        it->ep = ep;
        it->file = tf;
        it->fd = fd;
        it->ep_next = ep->items;
        ep->items = it;
        it->file_next = tf->watch;
        tf->watch = it;
        it->all_next = all;
        if (all)
            all->all_prev = it;
        all = it;
        break;
    case FS_EPOLL_CTL_MOD:
        if (!it)
            return -FS_ENOENT;
        if (it->events & FS_EPOLLEXCLUSIVE)
            return -FS_EINVAL;
        break;
    case FS_EPOLL_CTL_DEL:
        if (!it)
            return -FS_ENOENT;
        item_free(it);
        return 0;
    default:
        return -FS_EINVAL;
    }
    it->events = events | FS_POLLERR | FS_POLLHUP; /* always reported, as Linux */
    it->data = ev ? ev->data : 0;
    if (fs_file_poll(tf) & it->events) {
        rd_append(ep, it);
        fs_ready(ep, FS_POLLIN);
    }
    return 0;
}

static struct fs_epoll *instance(struct fs_proc *p, int epfd, long *err)
{
    struct fs_file *f = fs_fd_file(p, epfd);
    *err = !f || (f->flags & FS_O_PATH) ? -FS_EBADF : f->type != FS_FILE_EPOLL ? -FS_EINVAL : 0;
    return *err ? NULL : f->ep;
}

long fs_epoll_wait(struct fs_proc *p, int epfd, struct fs_epoll_event *out, int max)
{
    if (max <= 0 || max > MAX_EVENTS)
        return -FS_EINVAL;
    long r;
    struct fs_epoll *ep = instance(p, epfd, &r);
    if (!ep)
        return r;
    sweep(ep);
    /* Linux's ep_send_events: the list is taken whole; each interest leaves it, is asked, and
     * a level-triggered one that reported goes back at the tail; what was not reached (max
     * reached) goes back in front, in its order. */
    struct fs_epitem *it = ep->rd_head, *tail = ep->rd_tail;
    ep->rd_head = ep->rd_tail = NULL;
    int n = 0;
    while (it && n < max) {
        struct fs_epitem *next = it->rd_next;
        it->linked = 0;
        unsigned got = fs_file_poll(it->file) & it->events;
        if (got) {
            out[n].events = got;
            out[n].data = it->data;
            n++;
            if (it->events & FS_EPOLLONESHOT)
                it->events &= PRIVATE;
            else if (!(it->events & FS_EPOLLET))
                rd_append(ep, it);
        }
        it = next;
    }
    if (it) { /* it .. tail, still marked linked, go back in front */
        it->rd_prev = NULL;
        tail->rd_next = ep->rd_head;
        if (ep->rd_head)
            ep->rd_head->rd_prev = tail;
        else
            ep->rd_tail = tail;
        ep->rd_head = it;
    }
    return n;
}
