/*
 * pm_sock.c: the socket calls served by pm (built into los_pm with pm_fs.c; ops.def 73..83; and
 * a stub for 84, net_claim, when pm has no lwIP: libos/net/pm_claim.c serves it).
 * Each op reads its arguments from the caller's mailbox once, copies addresses, options and
 * control bytes into pm's own buffers before the file layer sees them (a client changing its
 * mailbox meanwhile changes nothing that was checked), and calls libos/fs/sock.c against the
 * caller's struct fs_proc. Bytes go straight between the mailbox and the socket's queue, one
 * call per mailbox-full: a stream send or receive longer than that is the client's loop
 * (libos/posix/socket.c); a datagram must fit in one call. Would block: pm_wait_on the object
 * the layer names (a socket), as every file call; EPIPE's SIGPIPE is posted here.
 */
#include <fs/sock.h>
#include <proc/pm.h>

#define NAME_AREA FS_SOCKADDR_MAX /* data[0, 128): the address */
#define CTL_MAX 4096              /* control bytes one call carries */

struct fs_proc *pm_fs_proc(struct pm_proc *p);

static uint8_t addr_buf[FS_SOCKADDR_MAX], ctl_buf[CTL_MAX], opt_buf[256];

/* The library's result as pm's: SIGPIPE posted, a wait registered (or, cont, given up). */
static long done(struct pm_proc *p, struct fs_proc *fp, long r, int cont)
{
    if (fp->sigpipe) {
        fp->sigpipe = 0;
        pm_post_signal(p, 13); /* SIGPIPE */
    }
    if (r == -FS_EAGAIN && fp->wait) {
        if (cont) {
            fs_proc_cancel(fp);
            return 0;
        }
        return pm_wait_on(p, fp->wait);
    }
    return r;
}

static void in(void *dst, const struct pm_msg *m, uint64_t off, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        ((uint8_t *)dst)[i] = ((const volatile uint8_t *)m->data)[off + i];
}

static void out(struct pm_msg *m, const void *src, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        m->data[i] = ((const uint8_t *)src)[i];
}

#define FP()                                                                                       \
    struct fs_proc *fp = pm_fs_proc(p);                                                            \
    if (!fp)                                                                                       \
    return -FS_ENOMEM

long pm_op_sock_socket(struct pm_proc *p, struct pm_msg *m)
{
    int64_t domain = m->a[0], type = m->a[1], protocol = m->a[2];
    FP();
    return fs_socket(fp, (int)domain, (int)type, (int)protocol);
}

long pm_op_sock_pair(struct pm_proc *p, struct pm_msg *m)
{
    int64_t domain = m->a[0], type = m->a[1], protocol = m->a[2];
    FP();
    int fds[2];
    long r = fs_socketpair(fp, (int)domain, (int)type, (int)protocol, fds);
    if (r == 0) {
        m->r[0] = fds[0];
        m->r[1] = fds[1];
    }
    return r;
}

/* bind and connect: the address copied out first. */
static long addr_call(struct pm_proc *p, struct pm_msg *m, int connect)
{
    int64_t fd = m->a[0], len = m->a[1];
    if (len < 0 || len > FS_SOCKADDR_MAX)
        return -FS_EINVAL;
    FP();
    in(addr_buf, m, 0, (uint64_t)len);
    if (!connect)
        return fs_bind(fp, (int)fd, addr_buf, (uint32_t)len);
    return done(p, fp, fs_connect(fp, (int)fd, addr_buf, (uint32_t)len), 0);
}

long pm_op_sock_bind(struct pm_proc *p, struct pm_msg *m)
{
    return addr_call(p, m, 0);
}

long pm_op_sock_connect(struct pm_proc *p, struct pm_msg *m)
{
    return addr_call(p, m, 1);
}

long pm_op_sock_listen(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], backlog = m->a[1];
    FP();
    return fs_listen(fp, (int)fd, (int)backlog);
}

long pm_op_sock_accept(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], flags = m->a[1], room = m->a[2];
    FP();
    uint32_t len = room < 0 ? 0 : room > FS_SOCKADDR_MAX ? FS_SOCKADDR_MAX : (uint32_t)room;
    long r = fs_accept4(fp, (int)fd, room >= 0 ? addr_buf : NULL, &len, (int)flags);
    if (r >= 0 && room >= 0) {
        out(m, addr_buf, len < FS_SOCKADDR_MAX ? len : FS_SOCKADDR_MAX);
        m->r[0] = len;
    }
    return done(p, fp, r, 0);
}

static int sock_type(struct fs_proc *fp, int64_t fd)
{
    struct fs_sock *s = fs_fd_sock(fp, (int)fd);
    return s ? s->type : 0;
}

long pm_op_sock_send(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], flags = m->a[1], len = m->a[2], namelen = m->a[3], ctl = m->a[4];
    int64_t total = m->a[5];
    if (namelen < 0 || namelen > NAME_AREA || ctl < 0 || ctl > CTL_MAX || len < 0)
        return -FS_EINVAL;
    uint64_t at = NAME_AREA + (((uint64_t)ctl + 7) & ~7ull);
    if ((uint64_t)len > PM_DATA_MAX - at)
        return -FS_EINVAL;
    FP();
    int type = sock_type(fp, fd);
    m->r[3] = type;
    if (type && type != FS_SOCK_STREAM && total > len)
        return -FS_EMSGSIZE; /* a datagram is one call's */
    in(addr_buf, m, 0, (uint64_t)namelen);
    in(ctl_buf, m, NAME_AREA, (uint64_t)ctl);
    struct fs_msg msg = {.name = namelen ? addr_buf : NULL,
                         .namelen = (uint32_t)namelen,
                         .data = m->data + at,
                         .len = (uint64_t)len,
                         .control = ctl ? ctl_buf : NULL,
                         .controllen = (uint64_t)ctl};
    return done(p, fp, fs_sendmsg(fp, (int)fd, &msg, (int)flags), 0);
}

long pm_op_sock_recv(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], flags = m->a[1], len = m->a[2], namelen = m->a[3], ctl = m->a[4];
    int64_t cont = m->a[5];
    if (namelen < 0 || namelen > NAME_AREA || ctl < 0 || ctl > CTL_MAX || len < 0)
        return -FS_EINVAL;
    uint64_t at = NAME_AREA + (((uint64_t)ctl + 7) & ~7ull);
    if ((uint64_t)len > PM_DATA_MAX - at)
        return -FS_EINVAL;
    FP();
    m->r[3] = sock_type(fp, fd);
    struct fs_msg msg = {.name = namelen ? addr_buf : NULL,
                         .namelen = (uint32_t)namelen,
                         .data = m->data + at,
                         .len = (uint64_t)len,
                         .control = ctl ? ctl_buf : NULL,
                         .controllen = (uint64_t)ctl};
    long r = fs_recvmsg(fp, (int)fd, &msg, (int)flags);
    if (r >= 0) {
        out(m, addr_buf, msg.namelen < (uint32_t)namelen ? msg.namelen : (uint64_t)namelen);
        for (uint64_t i = 0; i < msg.controllen; i++)
            m->data[NAME_AREA + i] = ctl_buf[i];
        m->r[0] = msg.namelen;
        m->r[1] = (int64_t)msg.controllen;
        m->r[2] = msg.flags;
    }
    return done(p, fp, r, cont && !(flags & FS_MSG_WAITALL));
}

long pm_op_sock_shutdown(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], how = m->a[1];
    FP();
    return fs_shutdown(fp, (int)fd, (int)how);
}

long pm_op_sock_opt(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], level = m->a[1], name = m->a[2], len = m->a[3], set = m->a[4];
    if (len < 0)
        return -FS_EINVAL;
    uint32_t n = len > (int64_t)sizeof opt_buf ? sizeof opt_buf : (uint32_t)len;
    FP();
    if (set) {
        in(opt_buf, m, 0, n);
        return fs_setsockopt(fp, (int)fd, (int)level, (int)name, opt_buf, n);
    }
    long r = fs_getsockopt(fp, (int)fd, (int)level, (int)name, opt_buf, &n);
    if (r == 0) {
        out(m, opt_buf, n);
        m->r[0] = n;
    }
    return r;
}

long pm_op_sock_name(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], peer = m->a[1], room = m->a[2];
    if (room < 0)
        return -FS_EINVAL;
    uint32_t len = room > FS_SOCKADDR_MAX ? FS_SOCKADDR_MAX : (uint32_t)room;
    FP();
    long r = peer ? fs_getpeername(fp, (int)fd, addr_buf, &len)
                  : fs_getsockname(fp, (int)fd, addr_buf, &len);
    if (r == 0) {
        out(m, addr_buf, len < (uint32_t)room ? len : (uint64_t)room);
        m->r[0] = len;
    }
    return r;
}

#ifndef TESSERA_PM_NET
/* No lwIP in this pm (a bare configure): no NIC's ports to hand out (libos/net/pm_claim.c). */
long pm_op_net_claim(struct pm_proc *p, struct pm_msg *m)
{
    (void)p;
    (void)m;
    return -FS_ENODEV;
}
#endif
