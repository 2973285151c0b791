/*
 * socket.c: the socket calls (socket, socketpair, bind, listen, accept, accept4, connect,
 * sendto, recvfrom, sendmsg, recvmsg, shutdown, setsockopt, getsockopt, getsockname,
 * getpeername), for native programs and unmodified Linux binaries alike (calls.def). Sockets
 * are descriptions in the file layer (libos/fs/sock.c): in a process pm made each call is a pm
 * op (libos/fs/pm_sock.c); a program pm did not make runs the layer itself (files.c's state),
 * where nothing can end a wait. Every pointer is checked before anything happens (EFAULT with
 * nothing done), lengths as Linux checks them (EINVAL; more than UIO_MAXIOV iovecs EMSGSIZE;
 * control past CTL_MAX bytes ENOBUFS). Bytes travel a chunk per call, gathered from and
 * scattered to the iovecs: a stream send or receive longer than one chunk is a loop (a later
 * receive chunk never waits unless MSG_WAITALL), a datagram is one chunk.
 */
#include <posix/calls.h>

#include <los/uaccess.h>
#include <proc/client.h>

#include "files.h"

#include <fs/sock.h>

#define NAME_AREA FS_SOCKADDR_MAX /* pm_sock.c's mailbox layout */
#define CTL_MAX 4096
#define IOV_MAX 1024
#define LNX_EMSGSIZE 90
#define LNX_ENOBUFS 105

/* One transfer's description, user pointers checked. */
struct xfer {
    int fd, flags;
    const struct lnx_iovec *iov; /* the caller's, checked (each segment too) */
    uint64_t niov, total;
    void *name; /* send: the address (a local copy); receive: the user's room */
    uint32_t namelen;
    void *ctl; /* send: a local copy; receive: the user's room */
    uint64_t ctllen;
    /* results of a receive */
    uint32_t name_out;
    uint64_t ctl_out;
    int flags_out;
    uint8_t name_copy[FS_SOCKADDR_MAX], ctl_copy[CTL_MAX];
};

static uint8_t bounce[PM_DATA_MAX]; /* the in-process layer's chunk */

/* The chunk's bytes between the iovecs (from byte off) and buf. */
static void iov_move(const struct xfer *x, uint64_t off, uint8_t *buf, uint64_t n, int to_iov)
{
    for (uint64_t i = 0; i < x->niov && n; i++) {
        uint64_t l = x->iov[i].iov_len;
        if (off >= l) {
            off -= l;
            continue;
        }
        uint64_t k = l - off < n ? l - off : n;
        uint8_t *u = (uint8_t *)x->iov[i].iov_base + off;
        if (to_iov)
            __builtin_memcpy(u, buf, k);
        else
            __builtin_memcpy(buf, u, k);
        buf += k, n -= k, off = 0;
    }
}

static uint64_t data_room(uint64_t ctl)
{
    return PM_DATA_MAX - NAME_AREA - ((ctl + 7) & ~7ull);
}

/* The in-process layer's result: a would-block is EAGAIN (nothing can end it). */
static long local_done(struct fs_proc *fp, long r)
{
    if (r == -FS_EAGAIN && fp->wait)
        fs_proc_cancel(fp);
    if (r == -FS_EPIPE)
        fp->sigpipe = 0;
    return r;
}

static long send_chunk(struct xfer *x, uint64_t off, uint64_t n, int first)
{
    uint64_t ctl = first ? x->ctllen : 0;
    uint32_t nl = first ? x->namelen : 0;
    if (!proc_present) {
        iov_move(x, off, bounce, n, 0);
        struct fs_proc *fp = posix_files_proc();
        struct fs_sock *s = fs_fd_sock(fp, x->fd);
        if (s && s->type != FS_SOCK_STREAM && x->total > n)
            return -LNX_EMSGSIZE;
        struct fs_msg m = {nl ? x->name : NULL, nl, bounce, n, ctl ? x->ctl : NULL, ctl, 0};
        return local_done(fp, fs_sendmsg(fp, x->fd, &m, x->flags));
    }
    struct pm_msg *m = proc_msg();
    m->a[0] = x->fd, m->a[1] = x->flags, m->a[2] = (int64_t)n, m->a[3] = nl;
    m->a[4] = (int64_t)ctl, m->a[5] = first ? (int64_t)x->total : 0;
    __builtin_memcpy(m->data, x->name, nl);
    __builtin_memcpy(m->data + NAME_AREA, x->ctl, ctl);
    iov_move(x, off, m->data + NAME_AREA + ((ctl + 7) & ~7ull), n, 0);
    return proc_call(PM_OP_sock_send);
}

/* A receive chunk: bytes into the iovecs from off; *type the socket's. */
static long recv_chunk(struct xfer *x, uint64_t off, uint64_t n, int first, int *type)
{
    uint64_t ctl = first ? x->ctllen : 0;
    uint32_t nl = first ? x->namelen : 0;
    if (!proc_present) {
        struct fs_proc *fp = posix_files_proc();
        struct fs_sock *s = fs_fd_sock(fp, x->fd);
        *type = s ? s->type : 0;
        struct fs_msg m = {nl ? x->name_copy : NULL, nl,  bounce, n,
                           ctl ? x->ctl_copy : NULL, ctl, 0};
        long r = local_done(fp, fs_recvmsg(fp, x->fd, &m, x->flags));
        if (r < 0 || (!first && r == 0))
            return r;
        iov_move(x, off, bounce, (uint64_t)r < n ? (uint64_t)r : n, 1);
        if (first) {
            __builtin_memcpy(x->name, x->name_copy, m.namelen < nl ? m.namelen : nl);
            __builtin_memcpy(x->ctl, x->ctl_copy, m.controllen);
            x->name_out = m.namelen, x->ctl_out = m.controllen, x->flags_out = m.flags;
        }
        return r;
    }
    struct pm_msg *m = proc_msg();
    m->a[0] = x->fd, m->a[1] = x->flags, m->a[2] = (int64_t)n, m->a[3] = nl;
    m->a[4] = (int64_t)ctl, m->a[5] = !first;
    long r = proc_call(PM_OP_sock_recv);
    *type = (int)m->r[3];
    if (r < 0)
        return r;
    iov_move(x, off, m->data + NAME_AREA + ((ctl + 7) & ~7ull), (uint64_t)r < n ? (uint64_t)r : n,
             1);
    if (first) {
        uint32_t got = (uint32_t)m->r[0];
        __builtin_memcpy(x->name, m->data, got < nl ? got : nl);
        __builtin_memcpy(x->ctl, m->data + NAME_AREA, (uint64_t)m->r[1]);
        x->name_out = got, x->ctl_out = (uint64_t)m->r[1], x->flags_out = (int)m->r[2];
    }
    return r;
}

static long do_send(struct xfer *x)
{
    uint64_t done = 0, room = data_room(x->ctllen);
    do {
        uint64_t n = x->total - done < room ? x->total - done : room;
        long r = send_chunk(x, done, n, done == 0);
        if (r < 0)
            return done ? (long)done : r;
        done += (uint64_t)r;
        if (r == 0 && n)
            break;
    } while (done < x->total);
    return (long)done;
}

static long do_recv(struct xfer *x)
{
    uint64_t done = 0, room = data_room(x->ctllen);
    int type = 0;
    x->name_out = 0, x->ctl_out = 0, x->flags_out = 0;
    do {
        uint64_t n = x->total - done < room ? x->total - done : room;
        long r = recv_chunk(x, done, n, done == 0, &type);
        if (r < 0)
            return done ? (long)done : r;
        if (done == 0 && (x->flags & FS_MSG_TRUNC) && type != FS_SOCK_STREAM)
            return r; /* a datagram's real length */
        done += (uint64_t)r;
        /* a datagram is one chunk; a stream's read ends short (MSG_WAITALL: at end of file),
         * at descriptors or a peek */
        int waitall = (x->flags & FS_MSG_WAITALL) && r > 0;
        if (type != FS_SOCK_STREAM || ((uint64_t)r < n && !waitall) || x->ctl_out ||
            (x->flags & FS_MSG_PEEK))
            break;
    } while (done < x->total);
    return (long)done;
}

/* The iovecs of a transfer, checked (read for a send, write for a receive) and copied. */
static long take_iov(struct xfer *x, const void *uiov, uint64_t n, int write)
{
    if (n > IOV_MAX)
        return -LNX_EMSGSIZE;
    const struct lnx_iovec *iov = uiov;
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct lnx_iovec v;
        if (los_copy_from_user(&v, &iov[i], sizeof v) < 0)
            return -LNX_EFAULT;
        uint64_t l = v.iov_len;
        if ((int64_t)l < 0 || (int64_t)(total + l) < 0)
            return -LNX_EINVAL;
        void *b = (void *)v.iov_base;
        if (l && (write ? los_user_check_write(b, l) : los_user_check_read(b, l)) < 0)
            return -LNX_EFAULT;
        total += l;
    }
    x->iov = iov, x->niov = n, x->total = total; /* trusted since, as writev's (files.c) */
    return 0;
}

/* An address handed in: copied (len within 0..128: EINVAL past it). */
static long take_addr(const void *uaddr, long len, uint8_t *buf)
{
    if ((int)len < 0 || (int)len > FS_SOCKADDR_MAX)
        return -LNX_EINVAL;
    return len && los_copy_from_user(buf, uaddr, (size_t)len) < 0 ? -LNX_EFAULT : 0;
}

/* An address handed out through (addr, *lenp): the room, checked before the call. */
static long room_of(void *addr, uint32_t *lenp, uint32_t *room)
{
    int32_t len;
    if (los_copy_from_user(&len, lenp, sizeof len) < 0)
        return -LNX_EFAULT;
    if (len < 0)
        return -LNX_EINVAL;
    *room = (uint32_t)len;
    uint32_t n = *room < FS_SOCKADDR_MAX ? *room : FS_SOCKADDR_MAX;
    if (los_user_check_write(lenp, sizeof len) < 0 || (n && los_user_check_write(addr, n) < 0))
        return -LNX_EFAULT;
    return 0;
}

static void give_addr(void *addr, uint32_t *lenp, const void *a, uint32_t room, uint32_t len)
{
    __builtin_memcpy(addr, a, len < room ? len : room);
    *lenp = len;
}

/* --- the calls ----------------------------------------------------------------------------- */

long posix_socket(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_sock_socket, a[0], a[1], a[2], 0);
    return fs_socket(posix_files_proc(), (int)a[0], (int)a[1], (int)a[2]);
}

long posix_socketpair(const long a[6])
{
    int *sv = (int *)a[3];
    if (los_user_check_write(sv, 2 * sizeof(int)) < 0)
        return -LNX_EFAULT;
    if (!proc_present)
        return fs_socketpair(posix_files_proc(), (int)a[0], (int)a[1], (int)a[2], sv);
    long r = pmc_fd1(PM_OP_sock_pair, a[0], a[1], a[2], 0);
    if (r == 0) {
        sv[0] = (int)proc_msg()->r[0];
        sv[1] = (int)proc_msg()->r[1];
    }
    return r;
}

static long addr_call(const long a[6], unsigned op)
{
    uint8_t addr[FS_SOCKADDR_MAX];
    long r = take_addr((const void *)a[1], a[2], addr);
    if (r < 0)
        return r;
    if (!proc_present) {
        struct fs_proc *fp = posix_files_proc();
        return local_done(fp, op == PM_OP_sock_bind
                                  ? fs_bind(fp, (int)a[0], addr, (uint32_t)a[2])
                                  : fs_connect(fp, (int)a[0], addr, (uint32_t)a[2]));
    }
    __builtin_memcpy(proc_msg()->data, addr, (size_t)(uint32_t)a[2]);
    return pmc_fd1(op, a[0], (uint32_t)a[2], 0, 0);
}

long posix_bind(const long a[6])
{
    return addr_call(a, PM_OP_sock_bind);
}

long posix_connect(const long a[6])
{
    return addr_call(a, PM_OP_sock_connect);
}

long posix_listen(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_sock_listen, a[0], (int)a[1], 0, 0);
    return fs_listen(posix_files_proc(), (int)a[0], (int)a[1]);
}

long posix_accept4(const long a[6])
{
    void *addr = (void *)a[1];
    uint32_t *lenp = (uint32_t *)a[2], room = 0;
    if (addr) {
        long r = room_of(addr, lenp, &room);
        if (r < 0)
            return r;
    }
    if (!proc_present) {
        struct fs_proc *fp = posix_files_proc();
        uint32_t len = room < FS_SOCKADDR_MAX ? room : FS_SOCKADDR_MAX;
        uint8_t got[FS_SOCKADDR_MAX];
        long r = local_done(fp, fs_accept4(fp, (int)a[0], addr ? got : NULL, &len, (int)a[3]));
        if (r >= 0 && addr)
            give_addr(addr, lenp, got, room, len);
        return r;
    }
    long r = pmc_fd1(PM_OP_sock_accept, a[0], (int)a[3], addr ? (long)room : -1, 0);
    if (r >= 0 && addr)
        give_addr(addr, lenp, proc_msg()->data, room, (uint32_t)proc_msg()->r[0]);
    return r;
}

long posix_accept(const long a[6])
{
    const long b[6] = {a[0], a[1], a[2], 0};
    return posix_accept4(b);
}

long posix_sendto(const long a[6])
{
    struct lnx_iovec v = {(uint64_t)a[1], (uint64_t)a[2]};
    if (a[2] && los_user_check_read((void *)v.iov_base, v.iov_len) < 0)
        return -LNX_EFAULT;
    if ((int64_t)v.iov_len < 0)
        return -LNX_EINVAL;
    struct xfer x = {.fd = (int)a[0], .flags = (int)a[3], .iov = &v, .niov = 1, .total = a[2]};
    if (a[4]) {
        long r = take_addr((const void *)a[4], a[5], x.name_copy);
        if (r < 0)
            return r;
        x.name = x.name_copy;
        x.namelen = (uint32_t)a[5];
    }
    return do_send(&x);
}

long posix_recvfrom(const long a[6])
{
    struct lnx_iovec v = {(uint64_t)a[1], (uint64_t)a[2]};
    if (a[2] && los_user_check_write((void *)v.iov_base, v.iov_len) < 0)
        return -LNX_EFAULT;
    if ((int64_t)v.iov_len < 0)
        return -LNX_EINVAL;
    struct xfer x = {.fd = (int)a[0], .flags = (int)a[3], .iov = &v, .niov = 1, .total = a[2]};
    void *addr = (void *)a[4];
    uint32_t *lenp = (uint32_t *)a[5], room = 0;
    if (addr) {
        long r = room_of(addr, lenp, &room);
        if (r < 0)
            return r;
        x.name = addr;
        x.namelen = room < FS_SOCKADDR_MAX ? room : FS_SOCKADDR_MAX;
    }
    long r = do_recv(&x);
    if (r >= 0 && addr)
        *lenp = x.name_out;
    return r;
}

long posix_sendmsg(const long a[6])
{
    struct fs_user_msghdr h;
    if (los_copy_from_user(&h, (const void *)a[1], sizeof h) < 0)
        return -LNX_EFAULT;
    struct xfer x = {.fd = (int)a[0], .flags = (int)a[2]};
    long r = take_iov(&x, (const void *)h.msg_iov, h.msg_iovlen, 0);
    if (r == 0 && h.msg_name) {
        r = take_addr((const void *)h.msg_name, (long)h.msg_namelen, x.name_copy);
        x.name = x.name_copy;
        x.namelen = h.msg_namelen;
    }
    if (r == 0 && h.msg_controllen) {
        if (h.msg_controllen > CTL_MAX)
            return -LNX_ENOBUFS;
        if (los_copy_from_user(x.ctl_copy, (const void *)h.msg_control, h.msg_controllen) < 0)
            return -LNX_EFAULT;
        x.ctl = x.ctl_copy;
        x.ctllen = h.msg_controllen;
    }
    return r < 0 ? r : do_send(&x);
}

long posix_recvmsg(const long a[6])
{
    struct fs_user_msghdr h, *uh = (struct fs_user_msghdr *)a[1];
    if (los_copy_from_user(&h, uh, sizeof h) < 0 || los_user_check_write(uh, sizeof h) < 0)
        return -LNX_EFAULT;
    struct xfer x = {.fd = (int)a[0], .flags = (int)a[2]};
    long r = take_iov(&x, (const void *)h.msg_iov, h.msg_iovlen, 1);
    if (r < 0)
        return r;
    if (h.msg_name) {
        x.name = (void *)h.msg_name;
        x.namelen = h.msg_namelen < FS_SOCKADDR_MAX ? h.msg_namelen : FS_SOCKADDR_MAX;
        if ((int32_t)h.msg_namelen < 0)
            return -LNX_EINVAL;
        if (x.namelen && los_user_check_write(x.name, x.namelen) < 0)
            return -LNX_EFAULT;
    }
    if (h.msg_control && h.msg_controllen) {
        x.ctl = (void *)h.msg_control;
        x.ctllen = h.msg_controllen < CTL_MAX ? h.msg_controllen : CTL_MAX;
        if (los_user_check_write(x.ctl, x.ctllen) < 0)
            return -LNX_EFAULT;
    }
    r = do_recv(&x);
    if (r < 0)
        return r;
    uh->msg_namelen = h.msg_name ? x.name_out : 0;
    uh->msg_controllen = x.ctl_out;
    uh->msg_flags = x.flags_out;
    return r;
}

long posix_shutdown(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_sock_shutdown, a[0], (int)a[1], 0, 0);
    return fs_shutdown(posix_files_proc(), (int)a[0], (int)a[1]);
}

long posix_setsockopt(const long a[6])
{
    int32_t len = (int32_t)a[4];
    if (len < 0)
        return -LNX_EINVAL;
    uint32_t n = len > 256 ? 256 : (uint32_t)len;
    uint8_t v[256];
    if (n && los_copy_from_user(v, (const void *)a[3], n) < 0)
        return -LNX_EFAULT;
    if (!proc_present)
        return fs_setsockopt(posix_files_proc(), (int)a[0], (int)a[1], (int)a[2], v, n);
    __builtin_memcpy(proc_msg()->data, v, n);
    struct pm_msg *m = proc_msg();
    m->a[4] = 1;
    return pmc_fd1(PM_OP_sock_opt, a[0], (int)a[1], (int)a[2], n);
}

long posix_getsockopt(const long a[6])
{
    void *val = (void *)a[3];
    uint32_t *lenp = (uint32_t *)a[4];
    int32_t len;
    if (los_copy_from_user(&len, lenp, sizeof len) < 0 ||
        los_user_check_write(lenp, sizeof len) < 0)
        return -LNX_EFAULT;
    if (len < 0)
        return -LNX_EINVAL;
    uint32_t n = len > 256 ? 256 : (uint32_t)len;
    if (n && los_user_check_write(val, n) < 0)
        return -LNX_EFAULT;
    uint8_t v[256];
    long r;
    if (!proc_present) {
        r = fs_getsockopt(posix_files_proc(), (int)a[0], (int)a[1], (int)a[2], v, &n);
    } else {
        struct pm_msg *m = proc_msg();
        m->a[4] = 0;
        r = pmc_fd1(PM_OP_sock_opt, a[0], (int)a[1], (int)a[2], n);
        if (r == 0) {
            n = (uint32_t)m->r[0] < n ? (uint32_t)m->r[0] : n;
            __builtin_memcpy(v, m->data, n);
        }
    }
    if (r == 0) {
        __builtin_memcpy(val, v, n);
        *lenp = n;
    }
    return r;
}

static long name_call(const long a[6], int peer)
{
    void *addr = (void *)a[1];
    uint32_t *lenp = (uint32_t *)a[2], room;
    long r = room_of(addr, lenp, &room);
    if (r < 0)
        return r;
    uint32_t len = room < FS_SOCKADDR_MAX ? room : FS_SOCKADDR_MAX;
    if (!proc_present) {
        struct fs_proc *fp = posix_files_proc();
        uint8_t got[FS_SOCKADDR_MAX];
        r = peer ? fs_getpeername(fp, (int)a[0], got, &len)
                 : fs_getsockname(fp, (int)a[0], got, &len);
        if (r == 0)
            give_addr(addr, lenp, got, room, len);
        return r;
    }
    r = pmc_fd1(PM_OP_sock_name, a[0], peer, (long)len, 0);
    if (r == 0)
        give_addr(addr, lenp, proc_msg()->data, room, (uint32_t)proc_msg()->r[0]);
    return r;
}

long posix_getsockname(const long a[6])
{
    return name_call(a, 0);
}

long posix_getpeername(const long a[6])
{
    return name_call(a, 1);
}
