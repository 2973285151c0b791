/*
 * sock.c: the socket calls and what every family shares (include/fs/sock.h). A socket is an
 * open file description of type FS_FILE_SOCK naming its family's struct fs_sock; this file
 * keeps the family table, checks each call's descriptor, flags and lengths in Linux's order
 * before the family sees it (so a refused call changes nothing), answers the SOL_SOCKET options
 * no family needs to (type, domain, protocol, buffer sizes, the stored flags), and lets read,
 * write, poll, ioctl, fstat and close of a socket descriptor reach the family.
 */
#include <fs/sock.h>

#include "internal.h"

#define TYPE_MAX 10 /* SOCK_PACKET: Linux's last type */

static const struct fs_sock_family *families[FS_AF_MAX] = {[FS_AF_UNIX] = &fs_unix_family};
static uint64_t sock_inos = 1;

long fs_sock_register(const struct fs_sock_family *f)
{
    if (f->domain <= 0 || f->domain >= FS_AF_MAX)
        return -FS_EINVAL;
    if (families[f->domain])
        return -FS_EEXIST;
    families[f->domain] = f;
    return 0;
}

void fs_sock_unregister(int domain)
{
    if (domain > 0 && domain < FS_AF_MAX)
        families[domain] = NULL;
}

void fs_sock_init(struct fs_sock *s, const struct fs_sock_family *f, int type, int protocol)
{
    s->fam = f;
    s->type = type;
    s->protocol = protocol;
    s->ino = sock_inos++;
    s->sndbuf = s->rcvbuf = FS_SOCK_BUF_MAX;
}

long fs_sock_block(struct fs_proc *p, const void *obj, int nonblock)
{
    if (!nonblock)
        p->wait = obj;
    return -FS_EAGAIN;
}

struct fs_sock *fs_fd_sock(struct fs_proc *p, int fd)
{
    struct fs_file *f = fs_fd_file(p, fd);
    return f && f->type == FS_FILE_SOCK ? f->sock : NULL;
}

/* The socket fd names: EBADF for no descriptor (or an O_PATH one), ENOTSOCK for another file. */
static struct fs_file *sock_file(struct fs_proc *p, int fd, long *err)
{
    struct fs_file *f = fs_fd_file(p, fd);
    *err = !f || (f->flags & FS_O_PATH) ? -FS_EBADF : f->type != FS_FILE_SOCK ? -FS_ENOTSOCK : 0;
    return *err ? NULL : f;
}

#define SOCK(fd)                                                                                   \
    long err_;                                                                                     \
    struct fs_file *f_ = sock_file(p, fd, &err_);                                                  \
    if (!f_)                                                                                       \
        return err_;                                                                               \
    struct fs_sock *s = f_->sock;                                                                  \
    const struct fs_sock_family *fam = s->fam

static int nonblocking(const struct fs_file *f, int flags)
{
    return (f->flags & FS_O_NONBLOCK) || (flags & FS_MSG_DONTWAIT);
}

/* A description for s with the socket flags (SOCK_NONBLOCK, SOCK_CLOEXEC) at slot fd. */
static struct fs_file *sock_desc(struct fs_sock *s, int flags)
{
    struct fs_file *f =
        fs_file_new(FS_FILE_SOCK, FS_O_RDWR | ((uint32_t)flags & FS_O_NONBLOCK), NULL);
    if (f)
        f->sock = s;
    return f;
}

/* socket()/socketpair()'s checks: the family, the type and its flags. */
static long check_new(int domain, int type, const struct fs_sock_family **out)
{
    if (domain < 0 || domain >= FS_AF_MAX)
        return -FS_EAFNOSUPPORT;
    int base = type & FS_SOCK_TYPE_MASK;
    if ((type & ~(FS_SOCK_TYPE_MASK | FS_SOCK_NONBLOCK | FS_SOCK_CLOEXEC)) || base < 1 ||
        base > TYPE_MAX)
        return -FS_EINVAL;
    if (!(*out = families[domain]))
        return -FS_EAFNOSUPPORT;
    return 0;
}

long fs_socket(struct fs_proc *p, int domain, int type, int protocol)
{
    const struct fs_sock_family *fam;
    long r = check_new(domain, type, &fam);
    if (r < 0)
        return r;
    long fd = fs_fd_free_slot(p, 0);
    if (fd < 0)
        return fd;
    struct fs_sock *s;
    if ((r = fam->create(p, type & FS_SOCK_TYPE_MASK, protocol, &s)) < 0)
        return r;
    struct fs_file *f = sock_desc(s, type);
    if (!f) {
        fam->close(s);
        return -FS_ENFILE;
    }
    return fs_fd_install(p, f, (int)fd, type & FS_SOCK_CLOEXEC);
}

long fs_socketpair(struct fs_proc *p, int domain, int type, int protocol, int fds[2])
{
    const struct fs_sock_family *fam;
    long r = check_new(domain, type, &fam);
    if (r < 0)
        return r;
    long fd0 = fs_fd_free_slot(p, 0);
    if (fd0 < 0)
        return fd0;
    long fd1 = fs_fd_free_slot(p, (int)fd0 + 1);
    if (fd1 < 0)
        return fd1;
    struct fs_sock *a, *b = NULL;
    if ((r = fam->create(p, type & FS_SOCK_TYPE_MASK, protocol, &a)) < 0)
        return r;
    if (!fam->pair)
        r = -FS_EOPNOTSUPP;
    else if ((r = fam->create(p, type & FS_SOCK_TYPE_MASK, protocol, &b)) == 0)
        r = fam->pair(p, a, b);
    struct fs_file *fa = r == 0 ? sock_desc(a, type) : NULL;
    struct fs_file *fb = fa ? sock_desc(b, type) : NULL;
    if (!fb) {
        if (fa) {
            fa->sock = NULL;
            fs_free(fa, sizeof *fa);
        }
        fam->close(a);
        if (b)
            fam->close(b);
        return r < 0 ? r : -FS_ENFILE;
    }
    fs_fd_install(p, fa, (int)fd0, type & FS_SOCK_CLOEXEC);
    fs_fd_install(p, fb, (int)fd1, type & FS_SOCK_CLOEXEC);
    fds[0] = (int)fd0;
    fds[1] = (int)fd1;
    return 0;
}

long fs_bind(struct fs_proc *p, int fd, const void *addr, uint32_t len)
{
    SOCK(fd);
    if (len > FS_SOCKADDR_MAX)
        return -FS_EINVAL;
    return fam->bind ? fam->bind(p, s, addr, len) : -FS_EOPNOTSUPP;
}

long fs_listen(struct fs_proc *p, int fd, int backlog)
{
    SOCK(fd);
    if ((unsigned)backlog > FS_SOMAXCONN) /* Linux: negative too, as unsigned */
        backlog = FS_SOMAXCONN;
    return fam->listen ? fam->listen(p, s, backlog) : -FS_EOPNOTSUPP;
}

long fs_accept4(struct fs_proc *p, int fd, void *addr, uint32_t *len, int flags)
{
    if (flags & ~(FS_SOCK_NONBLOCK | FS_SOCK_CLOEXEC))
        return -FS_EINVAL;
    SOCK(fd);
    if (!fam->accept)
        return -FS_EOPNOTSUPP;
    if (addr && (int32_t)*len < 0)
        return -FS_EINVAL;
    long nfd = fs_fd_free_slot(p, 0); /* before a connection is taken off the queue */
    if (nfd < 0)
        return nfd;
    struct fs_sock *n;
    long r = fam->accept(p, s, nonblocking(f_, 0), &n);
    if (r < 0)
        return r;
    struct fs_file *f = sock_desc(n, flags);
    if (!f) {
        fam->close(n);
        return -FS_ENFILE;
    }
    if (addr)
        fam->getname(n, 1, addr, len);
    return fs_fd_install(p, f, (int)nfd, flags & FS_SOCK_CLOEXEC);
}

long fs_connect(struct fs_proc *p, int fd, const void *addr, uint32_t len)
{
    SOCK(fd);
    if (len > FS_SOCKADDR_MAX)
        return -FS_EINVAL;
    return fam->connect ? fam->connect(p, s, addr, len, nonblocking(f_, 0)) : -FS_EOPNOTSUPP;
}

long fs_sendmsg(struct fs_proc *p, int fd, const struct fs_msg *m, int flags)
{
    SOCK(fd);
    if (m->name && m->namelen > FS_SOCKADDR_MAX)
        return -FS_EINVAL;
    if (m->len > FS_RW_MAX)
        return -FS_EINVAL;
    if (!fam->sendmsg)
        return -FS_EOPNOTSUPP;
    int sigpipe = 0;
    long r = fam->sendmsg(p, s, m, flags, nonblocking(f_, flags), &sigpipe);
    if (r == -FS_EPIPE && sigpipe && !(flags & FS_MSG_NOSIGNAL))
        p->sigpipe = 1;
    return r;
}

long fs_recvmsg(struct fs_proc *p, int fd, struct fs_msg *m, int flags)
{
    SOCK(fd);
    if (m->len > FS_RW_MAX)
        m->len = FS_RW_MAX;
    m->flags = 0;
    if (!fam->recvmsg)
        return -FS_EOPNOTSUPP;
    return fam->recvmsg(p, s, m, flags, nonblocking(f_, flags));
}

long fs_shutdown(struct fs_proc *p, int fd, int how)
{
    SOCK(fd);
    if (how < FS_SHUT_RD || how > FS_SHUT_RDWR)
        return -FS_EINVAL;
    return fam->shutdown ? fam->shutdown(p, s, how) : -FS_EOPNOTSUPP;
}

/* SO_* options that are only kept (and reported back): a bit each in s->opts. */
static int stored(int name)
{
    switch (name) {
    case FS_SO_DEBUG:
    case FS_SO_REUSEADDR:
    case FS_SO_DONTROUTE:
    case FS_SO_BROADCAST:
    case FS_SO_KEEPALIVE:
    case FS_SO_OOBINLINE:
    case FS_SO_REUSEPORT:
    case FS_SO_PASSCRED:
        return 1;
    }
    return 0;
}

long fs_setsockopt(struct fs_proc *p, int fd, int level, int name, const void *val, uint32_t len)
{
    SOCK(fd);
    if ((int32_t)len < 0)
        return -FS_EINVAL;
    long r = fam->setsockopt ? fam->setsockopt(s, level, name, val, len) : -FS_ENOPROTOOPT;
    if (level != FS_SOL_SOCKET || r != -FS_ENOPROTOOPT)
        return fam->setsockopt ? r : -FS_EOPNOTSUPP;
    if (len < sizeof(int))
        return -FS_EINVAL;
    int v;
    fs_memcpy(&v, val, sizeof v);
    uint32_t u = v < 0 ? 0 : (uint32_t)v;
    if (u > FS_SOCK_BUF_MAX)
        u = FS_SOCK_BUF_MAX;
    switch (name) {
    case FS_SO_SNDBUF: /* Linux doubles what it is given (room for its bookkeeping) */
        s->sndbuf = 2 * u > FS_SOCK_MIN_SNDBUF ? 2 * u : FS_SOCK_MIN_SNDBUF;
        return 0;
    case FS_SO_RCVBUF:
        s->rcvbuf = 2 * u > FS_SOCK_MIN_RCVBUF ? 2 * u : FS_SOCK_MIN_RCVBUF;
        return 0;
    }
    if (!stored(name))
        return -FS_ENOPROTOOPT;
    if (v)
        s->opts |= 1u << name;
    else
        s->opts &= ~(1u << name);
    return 0;
}

long fs_getsockopt(struct fs_proc *p, int fd, int level, int name, void *val, uint32_t *len)
{
    SOCK(fd);
    if ((int32_t)*len < 0)
        return -FS_EINVAL;
    long r = fam->getsockopt ? fam->getsockopt(s, level, name, val, len) : -FS_ENOPROTOOPT;
    if (level != FS_SOL_SOCKET || r != -FS_ENOPROTOOPT)
        return fam->getsockopt ? r : -FS_EOPNOTSUPP;
    int v;
    switch (name) {
    case FS_SO_TYPE:
        v = s->type;
        break;
    case FS_SO_DOMAIN:
        v = fam->domain;
        break;
    case FS_SO_PROTOCOL:
        v = s->protocol;
        break;
    case FS_SO_SNDBUF:
        v = (int)s->sndbuf;
        break;
    case FS_SO_RCVBUF:
        v = (int)s->rcvbuf;
        break;
    case FS_SO_ERROR:
    case FS_SO_ACCEPTCONN:
        v = 0; /* a family with errors or listeners answers these itself */
        break;
    default:
        if (!stored(name))
            return -FS_ENOPROTOOPT;
        v = (s->opts >> name) & 1;
    }
    if (*len > sizeof v) /* Linux copies at most the int, fewer bytes if asked */
        *len = sizeof v;
    fs_memcpy(val, &v, *len);
    return 0;
}

static long getname(struct fs_proc *p, int fd, void *addr, uint32_t *len, int peer)
{
    SOCK(fd);
    if ((int32_t)*len < 0)
        return -FS_EINVAL;
    return fam->getname ? fam->getname(s, peer, addr, len) : -FS_EOPNOTSUPP;
}

long fs_getsockname(struct fs_proc *p, int fd, void *addr, uint32_t *len)
{
    return getname(p, fd, addr, len, 0);
}

long fs_getpeername(struct fs_proc *p, int fd, void *addr, uint32_t *len)
{
    return getname(p, fd, addr, len, 1);
}

/* --- the generic calls on a socket descriptor ---------------------------------------------- */

long fs_sock_read(struct fs_proc *p, struct fs_file *f, void *buf, uint64_t len)
{
    struct fs_msg m = {.data = buf, .len = len};
    struct fs_sock *s = f->sock;
    if (!s->fam->recvmsg)
        return -FS_EINVAL;
    return s->fam->recvmsg(p, s, &m, 0, nonblocking(f, 0));
}

long fs_sock_write(struct fs_proc *p, struct fs_file *f, const void *buf, uint64_t len)
{
    struct fs_msg m = {.data = (void *)buf, .len = len};
    struct fs_sock *s = f->sock;
    if (!s->fam->sendmsg)
        return -FS_EINVAL;
    int sigpipe = 0;
    long r = s->fam->sendmsg(p, s, &m, 0, nonblocking(f, 0), &sigpipe);
    if (r == -FS_EPIPE && sigpipe)
        p->sigpipe = 1;
    return r;
}

unsigned fs_sock_poll(struct fs_file *f)
{
    struct fs_sock *s = f->sock;
    return s->fam->poll ? s->fam->poll(s) : 0;
}

long fs_sock_ioctl(struct fs_file *f, unsigned long req, void *arg)
{
    struct fs_sock *s = f->sock;
    return s->fam->ioctl ? s->fam->ioctl(s, req, arg) : -FS_ENOTTY;
}

void fs_sock_close(struct fs_file *f)
{
    if (f->sock)
        f->sock->fam->close(f->sock);
    f->sock = NULL;
}

void fs_sock_stat(const struct fs_file *f, struct fs_stat *st)
{
    fs_memset(st, 0, sizeof *st);
    st->st_ino = f->sock->ino;
    st->st_nlink = 1;
    st->st_mode = FS_S_IFSOCK | 0777;
    st->st_blksize = FS_PAGE;
}
