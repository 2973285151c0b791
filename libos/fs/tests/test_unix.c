/*
 * test_unix.c: sockets in the file layer (sock.c) and the AF_UNIX family (unix.c, unix_name.c,
 * unix_scm.c): each call's errors exactly (EBADF, ENOTSOCK, EAFNOSUPPORT, EINVAL, ...), stream
 * bytes in order through a full queue, datagram boundaries and MSG_TRUNC, EOF, EPIPE and the
 * SIGPIPE flag (not with MSG_NOSIGNAL), would-block (p->wait set) against O_NONBLOCK and
 * MSG_DONTWAIT (not set), shutdown, poll bits and epoll through fs_ready, socket inodes and
 * unlink, abstract and automatic names, backlog, a listener shared by fork with two acceptors,
 * SO_PEERCRED and the other options, SCM_RIGHTS between processes, and no memory left behind.
 */
#include <check.h>
#include <fs/sock.h>

#include "host_hooks.h"

#include <stdio.h>
#include <string.h>

static struct fs_sockaddr_un sun_path(const char *path, uint32_t *len)
{
    struct fs_sockaddr_un a = {FS_AF_UNIX, {0}};
    strcpy(a.sun_path, path);
    *len = (uint32_t)(2 + strlen(path) + 1);
    return a;
}

static long sendb(struct fs_proc *p, int fd, const void *buf, uint64_t len, int flags)
{
    struct fs_msg m = {.data = (void *)buf, .len = len};
    return fs_sendmsg(p, fd, &m, flags);
}

static long recvb(struct fs_proc *p, int fd, void *buf, uint64_t len, int flags)
{
    struct fs_msg m = {.data = buf, .len = len};
    return fs_recvmsg(p, fd, &m, flags);
}

static long sendto_path(struct fs_proc *p, int fd, const void *buf, uint64_t len, const char *to)
{
    uint32_t alen;
    struct fs_sockaddr_un a = sun_path(to, &alen);
    struct fs_msg m = {.name = &a, .namelen = alen, .data = (void *)buf, .len = len};
    return fs_sendmsg(p, fd, &m, 0);
}

static long listener(struct fs_proc *p, const char *path, int backlog)
{
    uint32_t alen;
    struct fs_sockaddr_un a = sun_path(path, &alen);
    long fd = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    if (fd < 0 || fs_bind(p, (int)fd, &a, alen) < 0 || fs_listen(p, (int)fd, backlog) < 0)
        return -1;
    return fd;
}

static long connect_path(struct fs_proc *p, int fd, const char *path)
{
    uint32_t alen;
    struct fs_sockaddr_un a = sun_path(path, &alen);
    return fs_connect(p, fd, &a, alen);
}

TEST_CASE(socket_errors)
{
    struct fs_proc *p = host_proc("sockerr");
    CHECK_EQ(fs_socket(p, FS_AF_INET, FS_SOCK_STREAM, 0), -FS_EAFNOSUPPORT); /* unregistered */
    CHECK_EQ(fs_socket(p, 99, FS_SOCK_STREAM, 0), -FS_EAFNOSUPPORT);
    CHECK_EQ(fs_socket(p, -1, FS_SOCK_STREAM, 0), -FS_EAFNOSUPPORT);
    CHECK_EQ(fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM | 0x10000, 0), -FS_EINVAL);
    CHECK_EQ(fs_socket(p, FS_AF_UNIX, 0, 0), -FS_EINVAL);
    CHECK_EQ(fs_socket(p, FS_AF_UNIX, 11, 0), -FS_EINVAL);
    CHECK_EQ(fs_socket(p, FS_AF_UNIX, FS_SOCK_RDM, 0), -FS_ESOCKTNOSUPPORT);
    CHECK_EQ(fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 6), -FS_EPROTONOSUPPORT);
    int sv[2];
    CHECK_EQ(fs_socketpair(p, FS_AF_INET, FS_SOCK_STREAM, 0, sv), -FS_EAFNOSUPPORT);
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(sv[0], 0);
    CHECK_EQ(sv[1], 1);
    int pf[2];
    CHECK_EQ(fs_pipe2(p, pf, 0), 0);
    char b[4];
    uint32_t len = 4;
    struct fs_sockaddr_un a;
    CHECK_EQ(fs_bind(p, pf[0], &a, 4), -FS_ENOTSOCK);
    CHECK_EQ(fs_listen(p, 200, 1), -FS_EBADF);
    CHECK_EQ(fs_listen(p, pf[0], 1), -FS_ENOTSOCK);
    CHECK_EQ(fs_accept4(p, pf[0], NULL, NULL, 0), -FS_ENOTSOCK);
    CHECK_EQ(fs_accept4(p, sv[0], NULL, NULL, 0x1), -FS_EINVAL);
    CHECK_EQ(fs_connect(p, -1, &a, 4), -FS_EBADF);
    CHECK_EQ(sendb(p, pf[1], "x", 1, 0), -FS_ENOTSOCK);
    CHECK_EQ(recvb(p, 77, b, 1, 0), -FS_EBADF);
    CHECK_EQ(fs_shutdown(p, pf[0], FS_SHUT_RD), -FS_ENOTSOCK);
    CHECK_EQ(fs_shutdown(p, sv[0], 3), -FS_EINVAL);
    CHECK_EQ(fs_shutdown(p, sv[0], -1), -FS_EINVAL);
    CHECK_EQ(fs_getsockname(p, pf[0], &a, &len), -FS_ENOTSOCK);
    CHECK_EQ(fs_getpeername(p, 99, &a, &len), -FS_EBADF);
    int v = 1;
    CHECK_EQ(fs_setsockopt(p, pf[0], FS_SOL_SOCKET, FS_SO_REUSEADDR, &v, 4), -FS_ENOTSOCK);
    CHECK_EQ(fs_getsockopt(p, 99, FS_SOL_SOCKET, FS_SO_TYPE, &v, &len), -FS_EBADF);
    /* bind and connect addresses */
    CHECK_EQ(fs_bind(p, sv[0], &a, 129), -FS_EINVAL);
    a.sun_family = FS_AF_INET;
    CHECK_EQ(fs_bind(p, sv[0], &a, 10), -FS_EINVAL);
    a.sun_family = FS_AF_UNIX;
    CHECK_EQ(fs_bind(p, sv[0], &a, 1), -FS_EINVAL);
    CHECK_EQ(fs_bind(p, sv[0], &a, 111), -FS_EINVAL);
    long s = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    CHECK_EQ(fs_connect(p, (int)s, &a, 2), -FS_EINVAL);
    /* fstat and lseek of a socket; read on an unconnected stream socket */
    struct fs_stat st;
    CHECK_EQ(fs_fstat(p, sv[0], &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFSOCK | 0777);
    CHECK_EQ(fs_lseek(p, sv[0], 0, FS_SEEK_SET), -FS_ESPIPE);
    CHECK_EQ(fs_pread(p, sv[0], b, 1, 0), -FS_ESPIPE);
    CHECK_EQ(fs_read(p, (int)s, b, 1), -FS_EINVAL);
    CHECK_EQ(fs_write(p, (int)s, b, 1), -FS_ENOTCONN);
    char path[64] = {0}, want[64];
    int wl = snprintf(want, sizeof want, "socket:[%llu]", (unsigned long long)st.st_ino);
    CHECK_EQ(fs_fd_path(p, sv[0], path, sizeof path), wl);
    CHECK_STR(path, want);
    fs_proc_exit(p);
}

TEST_CASE(stream_bytes_eof_epipe)
{
    struct fs_proc *p = host_proc("stream");
    uint64_t before = fs_mem_pages();
    int sv[2];
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_STREAM | FS_SOCK_NONBLOCK, 0, sv), 0);
    static unsigned char out[100000], in[100000];
    for (unsigned i = 0; i < sizeof out; i++)
        out[i] = (unsigned char)(i * 7 + i / 251);
    /* 300000 bytes each way in 100000-byte sends: the queue (256 KiB) fills, short counts */
    uint64_t sent = 0, got = 0;
    int ok = 1;
    while (got < 300000) {
        if (sent < 300000) {
            long n = sendb(p, sv[0], out + sent % 100000, 100000 - sent % 100000, 0);
            if (n > 0)
                sent += (uint64_t)n;
            else if (n != -FS_EAGAIN)
                ok = 0;
        }
        long n = fs_read(p, sv[1], in, 7777);
        if (n <= 0) {
            ok = 0;
            break;
        }
        for (long i = 0; i < n; i++)
            if (in[i] != out[(got + (uint64_t)i) % 100000])
                ok = 0;
        got += (uint64_t)n;
    }
    CHECK_EQ(ok, 1);
    CHECK_EQ(got, 300000);
    char b[16];
    /* would block: O_NONBLOCK leaves no wait; MSG_DONTWAIT neither */
    p->wait = NULL;
    CHECK_EQ(fs_read(p, sv[1], b, 1), -FS_EAGAIN);
    CHECK_EQ(p->wait, NULL);
    long c = fs_dup(p, sv[1]);
    CHECK_EQ(fs_fcntl(p, (int)c, FS_F_SETFL, 0), 0); /* the description's: both are blocking */
    CHECK_EQ(recvb(p, sv[1], b, 1, FS_MSG_DONTWAIT), -FS_EAGAIN);
    CHECK_EQ(p->wait, NULL);
    CHECK_EQ(recvb(p, sv[1], b, 1, 0), -FS_EAGAIN);
    CHECK_EQ(p->wait != NULL, 1);
    fs_proc_cancel(p);
    CHECK_EQ(fs_close(p, (int)c), 0);
    /* MSG_PEEK, FIONREAD, a short read, MSG_WAITALL's part */
    CHECK_EQ(fs_write(p, sv[0], "hello", 5), 5);
    CHECK_EQ(fs_write(p, sv[0], " world", 6), 6);
    int nread = -1;
    CHECK_EQ(fs_ioctl(p, sv[1], 0x541b, &nread), 0);
    CHECK_EQ(nread, 11);
    CHECK_EQ(recvb(p, sv[1], b, 7, FS_MSG_PEEK), 7);
    CHECK_EQ(memcmp(b, "hello w", 7), 0);
    CHECK_EQ(recvb(p, sv[1], b, 3, 0), 3);
    CHECK_EQ(memcmp(b, "hel", 3), 0);
    CHECK_EQ(recvb(p, sv[1], b, 16, FS_MSG_WAITALL), 8); /* what there is: the owner asks again */
    CHECK_EQ(memcmp(b, "lo world", 8), 0);
    /* shutdown(SHUT_WR): the peer reads EOF; our sends are EPIPE */
    CHECK_EQ(fs_write(p, sv[1], "ab", 2), 2);
    CHECK_EQ(fs_shutdown(p, sv[1], FS_SHUT_WR), 0);
    CHECK_EQ(fs_read(p, sv[0], b, 16), 2);
    CHECK_EQ(fs_read(p, sv[0], b, 16), 0);
    CHECK_EQ(fs_poll(p, sv[0]),
             FS_POLLRDHUP | FS_POLLIN | FS_POLLRDNORM | FS_POLLOUT | FS_POLLWRNORM | FS_POLLWRBAND);
    p->sigpipe = 0;
    CHECK_EQ(sendb(p, sv[1], "x", 1, FS_MSG_NOSIGNAL), -FS_EPIPE);
    CHECK_EQ(p->sigpipe, 0);
    CHECK_EQ(fs_write(p, sv[1], "x", 1), -FS_EPIPE);
    CHECK_EQ(p->sigpipe, 1);
    p->sigpipe = 0;
    /* the peer closes: queued bytes, then EOF; writing is EPIPE with SIGPIPE */
    CHECK_EQ(fs_write(p, sv[0], "tail", 4), 4);
    CHECK_EQ(fs_close(p, sv[0]), 0);
    CHECK_EQ(fs_poll(p, sv[1]), FS_POLLHUP | FS_POLLRDHUP | FS_POLLIN | FS_POLLRDNORM | FS_POLLOUT |
                                    FS_POLLWRNORM | FS_POLLWRBAND);
    CHECK_EQ(fs_read(p, sv[1], b, 16), 4);
    CHECK_EQ(memcmp(b, "tail", 4), 0);
    CHECK_EQ(fs_read(p, sv[1], b, 16), 0);
    CHECK_EQ(fs_read(p, sv[1], b, 16), 0);
    CHECK_EQ(fs_close(p, sv[1]), 0);
    /* closing with bytes unread resets the peer: ECONNRESET once, then EOF */
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(fs_write(p, sv[0], "lost", 4), 4);
    CHECK_EQ(fs_close(p, sv[1]), 0);
    CHECK_EQ(fs_poll(p, sv[0]) & (FS_POLLERR | FS_POLLHUP), FS_POLLERR | FS_POLLHUP);
    CHECK_EQ(fs_read(p, sv[0], b, 16), -FS_ECONNRESET);
    CHECK_EQ(fs_read(p, sv[0], b, 16), 0);
    CHECK_EQ(fs_close(p, sv[0]), 0);
    CHECK_EQ(fs_mem_pages(), before);
    fs_proc_exit(p);
}

TEST_CASE(datagrams)
{
    struct fs_proc *p = host_proc("dgram");
    uint64_t before = fs_mem_pages();
    int sv[2];
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_DGRAM, 0, sv), 0);
    CHECK_EQ(fs_write(p, sv[0], "one", 3), 3);
    CHECK_EQ(fs_write(p, sv[0], "second", 6), 6);
    CHECK_EQ(fs_write(p, sv[0], "", 0), 0); /* an empty datagram is one too */
    int n = -1;
    CHECK_EQ(fs_ioctl(p, sv[1], 0x541b, &n), 0);
    CHECK_EQ(n, 3); /* the next datagram's size */
    char b[16];
    CHECK_EQ(fs_read(p, sv[1], b, 16), 3);
    CHECK_EQ(memcmp(b, "one", 3), 0);
    struct fs_msg m = {.data = b, .len = 2};
    CHECK_EQ(fs_recvmsg(p, sv[1], &m, FS_MSG_PEEK), 2);
    CHECK_EQ(m.flags, FS_MSG_TRUNC);
    m.len = 2;
    CHECK_EQ(fs_recvmsg(p, sv[1], &m, FS_MSG_TRUNC), 6); /* the real length, and gone */
    CHECK_EQ(m.flags, FS_MSG_TRUNC);
    CHECK_EQ(memcmp(b, "se", 2), 0);
    CHECK_EQ(fs_read(p, sv[1], b, 16), 0);
    CHECK_EQ(recvb(p, sv[1], b, 16, FS_MSG_DONTWAIT), -FS_EAGAIN);
    CHECK_EQ(p->wait, NULL);
    /* named sockets: sendto a path, the source's name with the datagram */
    long r = fs_socket(p, FS_AF_UNIX, FS_SOCK_DGRAM, 0);
    long w = fs_socket(p, FS_AF_UNIX, FS_SOCK_DGRAM | FS_SOCK_NONBLOCK, 0);
    uint32_t alen;
    struct fs_sockaddr_un a = sun_path("rx", &alen);
    CHECK_EQ(fs_bind(p, (int)r, &a, alen), 0);
    CHECK_EQ(fs_write(p, (int)w, "x", 1), -FS_ENOTCONN);
    CHECK_EQ(sendto_path(p, (int)w, "x", 1, "nowhere"), -FS_ENOENT);
    CHECK_EQ(sendto_path(p, (int)w, "anon", 4, "rx"), 4);
    struct fs_sockaddr_un from;
    memset(&from, 0x55, sizeof from);
    m = (struct fs_msg){.name = &from, .namelen = sizeof from, .data = b, .len = 16};
    CHECK_EQ(fs_recvmsg(p, (int)r, &m, 0), 4);
    CHECK_EQ(m.namelen, 0); /* an unbound sender has no name */
    struct fs_sockaddr_un wa = sun_path("tx", &alen);
    CHECK_EQ(fs_bind(p, (int)w, &wa, alen), 0);
    CHECK_EQ(sendto_path(p, (int)w, "named", 5, "rx"), 5);
    m = (struct fs_msg){.name = &from, .namelen = sizeof from, .data = b, .len = 16};
    CHECK_EQ(fs_recvmsg(p, (int)r, &m, 0), 5);
    CHECK_EQ(m.namelen, 5);
    CHECK_EQ(memcmp(from.sun_path, "tx", 3), 0);
    /* the queue for others holds 11; then EAGAIN (the would-block waits on the receiver) */
    for (int i = 0; i < 11; i++)
        CHECK_EQ(sendto_path(p, (int)w, "q", 1, "rx"), 1);
    CHECK_EQ(sendto_path(p, (int)w, "q", 1, "rx"), -FS_EAGAIN);
    CHECK_EQ(fs_poll(p, (int)r),
             FS_POLLIN | FS_POLLRDNORM | FS_POLLOUT | FS_POLLWRNORM | FS_POLLWRBAND);
    CHECK_EQ(fs_connect(p, (int)w, &a, sizeof a.sun_family + 3), 0);
    CHECK_EQ(fs_poll(p, (int)w), 0); /* its destination is full */
    CHECK_EQ(fs_read(p, (int)r, b, 16), 1);
    CHECK_EQ(fs_poll(p, (int)w), FS_POLLOUT | FS_POLLWRNORM | FS_POLLWRBAND);
    /* EMSGSIZE past SO_SNDBUF - 32 */
    static char big[FS_SOCK_BUF_MAX];
    CHECK_EQ(fs_write(p, (int)w, big, FS_SOCK_BUF_MAX - 31), -FS_EMSGSIZE);
    int v = 1000; /* Linux: 2000, and at least 4608 */
    CHECK_EQ(fs_setsockopt(p, (int)w, FS_SOL_SOCKET, FS_SO_SNDBUF, &v, sizeof v), 0);
    CHECK_EQ(fs_write(p, (int)w, big, 4608 - 31), -FS_EMSGSIZE);
    /* the destination closes: ECONNREFUSED, and disconnected */
    CHECK_EQ(fs_close(p, (int)r), 0);
    CHECK_EQ(fs_write(p, (int)w, "x", 1), -FS_ECONNREFUSED);
    CHECK_EQ(fs_write(p, (int)w, "x", 1), -FS_ENOTCONN);
    CHECK_EQ(sendto_path(p, (int)w, "x", 1, "rx"), -FS_ECONNREFUSED); /* the name stays */
    CHECK_EQ(fs_unlink(p, "rx"), 0);
    CHECK_EQ(fs_unlink(p, "tx"), 0);
    CHECK_EQ(fs_close(p, (int)w), 0);
    CHECK_EQ(fs_close(p, sv[0]), 0);
    CHECK_EQ(fs_close(p, sv[1]), 0);
    CHECK_EQ(fs_mem_pages(), before);
    fs_proc_exit(p);
}

/* One round; the second must end holding what it started with (the first may leave the
 * allocator's size-class pages it needed). */
static void names_round(struct fs_proc *p, int round)
{
    uint64_t before = fs_mem_pages();
    long l = listener(p, "srv", 0);
    CHECK_EQ(l, 0);
    struct fs_stat st;
    CHECK_EQ(fs_stat(p, "srv", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFSOCK | 0755); /* 0777 less the umask */
    CHECK_EQ(fs_open(p, "srv", FS_O_RDWR, 0), -FS_ENXIO);
    uint32_t alen;
    struct fs_sockaddr_un a = sun_path("srv", &alen);
    long d = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    CHECK_EQ(fs_bind(p, (int)d, &a, alen), -FS_EADDRINUSE);
    CHECK_EQ(fs_bind(p, (int)l, &a, alen), -FS_EINVAL); /* bound already */
    CHECK_EQ(fs_listen(p, (int)d, 5), -FS_EINVAL);      /* not bound */
    long g = fs_socket(p, FS_AF_UNIX, FS_SOCK_DGRAM, 0);
    CHECK_EQ(fs_listen(p, (int)g, 5), -FS_EOPNOTSUPP);
    CHECK_EQ(fs_accept4(p, (int)g, NULL, NULL, 0), -FS_EOPNOTSUPP);
    CHECK_EQ(fs_accept4(p, (int)d, NULL, NULL, 0), -FS_EINVAL);
    CHECK_EQ(connect_path(p, (int)d, "missing"), -FS_ENOENT);
    CHECK_EQ(connect_path(p, (int)g, "srv"), -FS_EPROTOTYPE);
    CHECK_EQ(host_put(p, "plain", "x"), 0);
    CHECK_EQ(connect_path(p, (int)d, "plain"), -FS_ECONNREFUSED);
    long b2 = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    struct fs_sockaddr_un a2 = sun_path("idle", &alen);
    CHECK_EQ(fs_bind(p, (int)b2, &a2, alen), 0);
    CHECK_EQ(connect_path(p, (int)d, "idle"), -FS_ECONNREFUSED); /* bound, not listening */
    int v;
    uint32_t vl = sizeof v;
    CHECK_EQ(fs_getsockopt(p, (int)l, FS_SOL_SOCKET, FS_SO_ACCEPTCONN, &v, &vl), 0);
    CHECK_EQ(v, 1);
    CHECK_EQ(fs_getsockopt(p, (int)b2, FS_SOL_SOCKET, FS_SO_ACCEPTCONN, &v, &vl), 0);
    CHECK_EQ(v, 0);
    /* backlog 0 takes one waiting connection; the next waits (EAGAIN non-blocking) */
    CHECK_EQ(fs_accept4(p, (int)l, NULL, NULL, FS_SOCK_NONBLOCK), -FS_EAGAIN);
    CHECK_EQ(p->wait != NULL, 1); /* accept4's flags are the new socket's, not the wait's */
    fs_proc_cancel(p);
    CHECK_EQ(fs_poll(p, (int)l), 0);
    CHECK_EQ(connect_path(p, (int)d, "srv"), 0);
    CHECK_EQ(fs_poll(p, (int)l), FS_POLLIN | FS_POLLRDNORM);
    CHECK_EQ(connect_path(p, (int)d, "srv"), -FS_EISCONN);
    CHECK_EQ(fs_write(p, (int)d, "early", 5), 5); /* before accept */
    long e = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM | FS_SOCK_NONBLOCK, 0);
    CHECK_EQ(connect_path(p, (int)e, "srv"), -FS_EAGAIN);
    CHECK_EQ(p->wait, NULL);
    long e2 = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    CHECK_EQ(connect_path(p, (int)e2, "srv"), -FS_EAGAIN);
    CHECK_EQ(p->wait != NULL, 1);
    fs_proc_cancel(p);
    /* accept: the address of the client (unbound: the family alone), its data */
    struct fs_sockaddr_un ca;
    uint32_t cl = sizeof ca;
    long c = fs_accept4(p, (int)l, &ca, &cl, FS_SOCK_CLOEXEC);
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(cl, 2);
    CHECK_EQ(ca.sun_family, FS_AF_UNIX);
    CHECK_EQ(fs_fcntl(p, (int)c, FS_F_GETFD, 0), FS_FD_CLOEXEC);
    char b[16];
    CHECK_EQ(fs_read(p, (int)c, b, 16), 5);
    CHECK_EQ(memcmp(b, "early", 5), 0);
    /* names: the server end reports the listener's, the client the family alone */
    struct fs_sockaddr_un na;
    uint32_t nl = sizeof na;
    CHECK_EQ(fs_getsockname(p, (int)c, &na, &nl), 0);
    CHECK_EQ(nl, 6);
    CHECK_EQ(memcmp(na.sun_path, "srv", 4), 0);
    nl = 3; /* cut: its first bytes, and the full length */
    memset(&na, 0, sizeof na);
    CHECK_EQ(fs_getpeername(p, (int)d, &na, &nl), 0);
    CHECK_EQ(nl, 6);
    CHECK_EQ(na.sun_path[0], 's');
    CHECK_EQ(na.sun_path[1], 0);
    nl = sizeof na;
    CHECK_EQ(fs_getsockname(p, (int)d, &na, &nl), 0);
    CHECK_EQ(nl, 2);
    CHECK_EQ(fs_getpeername(p, (int)l, &na, &nl), -FS_ENOTCONN);
    /* SO_PEERCRED: the connector's at connect, the listener's at listen */
    struct fs_ucred uc;
    vl = sizeof uc;
    CHECK_EQ(fs_getsockopt(p, (int)c, FS_SOL_SOCKET, FS_SO_PEERCRED, &uc, &vl), 0);
    CHECK_EQ(vl, 12);
    CHECK_EQ(uc.pid, p->pid);
    CHECK_EQ(uc.uid, 0);
    CHECK_EQ(fs_getsockopt(p, (int)b2, FS_SOL_SOCKET, FS_SO_PEERCRED, &uc, &vl), 0);
    CHECK_EQ(uc.pid, 0);
    CHECK_EQ(uc.uid, 65534);
    /* options */
    vl = sizeof v;
    CHECK_EQ(fs_getsockopt(p, (int)g, FS_SOL_SOCKET, FS_SO_TYPE, &v, &vl), 0);
    CHECK_EQ(v, FS_SOCK_DGRAM);
    CHECK_EQ(fs_getsockopt(p, (int)g, FS_SOL_SOCKET, FS_SO_DOMAIN, &v, &vl), 0);
    CHECK_EQ(v, FS_AF_UNIX);
    CHECK_EQ(fs_getsockopt(p, (int)g, FS_SOL_SOCKET, FS_SO_RCVBUF, &v, &vl), 0);
    CHECK_EQ(v, 212992);
    v = 5000;
    CHECK_EQ(fs_setsockopt(p, (int)g, FS_SOL_SOCKET, FS_SO_RCVBUF, &v, sizeof v), 0);
    CHECK_EQ(fs_getsockopt(p, (int)g, FS_SOL_SOCKET, FS_SO_RCVBUF, &v, &vl), 0);
    CHECK_EQ(v, 10000);
    v = 1;
    CHECK_EQ(fs_setsockopt(p, (int)g, FS_SOL_SOCKET, FS_SO_REUSEADDR, &v, 2), -FS_EINVAL);
    CHECK_EQ(fs_setsockopt(p, (int)g, FS_SOL_SOCKET, FS_SO_REUSEADDR, &v, sizeof v), 0);
    CHECK_EQ(fs_getsockopt(p, (int)g, FS_SOL_SOCKET, FS_SO_REUSEADDR, &v, &vl), 0);
    CHECK_EQ(v, 1);
    CHECK_EQ(fs_setsockopt(p, (int)g, FS_SOL_SOCKET, 999, &v, sizeof v), -FS_ENOPROTOOPT);
    CHECK_EQ(fs_getsockopt(p, (int)g, FS_SOL_SOCKET, 999, &v, &vl), -FS_ENOPROTOOPT);
    CHECK_EQ(fs_setsockopt(p, (int)g, 6 /* SOL_TCP */, 1, &v, sizeof v), -FS_EOPNOTSUPP);
    CHECK_EQ(fs_getsockopt(p, (int)g, 6, 1, &v, &vl), -FS_EOPNOTSUPP);
    vl = (uint32_t)-1;
    CHECK_EQ(fs_getsockopt(p, (int)g, FS_SOL_SOCKET, FS_SO_TYPE, &v, &vl), -FS_EINVAL);
    /* unlink removes the name, not the listener: connect is ENOENT; the name is free */
    CHECK_EQ(fs_unlink(p, "srv"), 0);
    CHECK_EQ(connect_path(p, (int)e, "srv"), -FS_ENOENT);
    nl = sizeof na;
    CHECK_EQ(fs_getsockname(p, (int)l, &na, &nl), 0);
    CHECK_EQ(nl, 6);
    long l2 = listener(p, "srv", 4);
    CHECK_EQ(l2 >= 0, 1);
    CHECK_EQ(connect_path(p, (int)e, "srv"), 0);
    /* a listener closed with a connection waiting resets it */
    CHECK_EQ(fs_close(p, (int)l2), 0);
    CHECK_EQ(fs_read(p, (int)e, b, 16), -FS_ECONNRESET);
    CHECK_EQ(fs_read(p, (int)e, b, 16), 0);
    CHECK_EQ(connect_path(p, (int)e2, "srv"), -FS_ECONNREFUSED); /* the inode stays */
    for (int fd = 0; fd < FS_NFD; fd++)
        if (p->fd[fd])
            fs_close(p, fd);
    CHECK_EQ(fs_unlink(p, "srv"), 0);
    CHECK_EQ(fs_unlink(p, "idle"), 0);
    CHECK_EQ(fs_unlink(p, "plain"), 0);
    if (round)
        CHECK_EQ(fs_mem_pages(), before);
}

TEST_CASE(names_listen_connect_accept)
{
    struct fs_proc *p = host_proc("names");
    names_round(p, 0);
    names_round(p, 1);
    fs_proc_exit(p);
}

TEST_CASE(abstract_and_automatic_names)
{
    struct fs_proc *p = host_proc("abstract");
    struct fs_sockaddr_un a = {FS_AF_UNIX, "\0hidden"};
    uint32_t alen = 2 + 7;
    long l = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    CHECK_EQ(fs_bind(p, (int)l, &a, alen), 0);
    CHECK_EQ(fs_listen(p, (int)l, 1), 0);
    long l2 = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    CHECK_EQ(fs_bind(p, (int)l2, &a, alen), -FS_EADDRINUSE);
    CHECK_EQ(fs_bind(p, (int)l2, &a, alen - 1), 0); /* "\0hidde": another name */
    long g = fs_socket(p, FS_AF_UNIX, FS_SOCK_DGRAM, 0);
    CHECK_EQ(fs_bind(p, (int)g, &a, alen), 0); /* each type has its own names */
    long c = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    CHECK_EQ(fs_connect(p, (int)c, &a, alen + 1), -FS_ECONNREFUSED);
    CHECK_EQ(fs_connect(p, (int)c, &a, alen), 0);
    struct fs_sockaddr_un na;
    uint32_t nl = sizeof na;
    CHECK_EQ(fs_getpeername(p, (int)c, &na, &nl), 0);
    CHECK_EQ(nl, alen);
    CHECK_EQ(memcmp(&na, &a, alen), 0);
    /* bind with the family alone: "\0" and five hex digits */
    long s = fs_socket(p, FS_AF_UNIX, FS_SOCK_DGRAM, 0);
    CHECK_EQ(fs_bind(p, (int)s, &a, 2), 0);
    nl = sizeof na;
    CHECK_EQ(fs_getsockname(p, (int)s, &na, &nl), 0);
    CHECK_EQ(nl, 8);
    CHECK_EQ(na.sun_path[0], 0);
    CHECK_EQ(fs_bind(p, (int)s, &a, 2), -FS_EINVAL);
    CHECK_EQ(fs_close(p, (int)l), 0); /* its name goes with it */
    CHECK_EQ(fs_bind(p, (int)l2, &a, alen), -FS_EINVAL);
    long l3 = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    CHECK_EQ(fs_bind(p, (int)l3, &a, alen), 0);
    fs_proc_exit(p);
}

TEST_CASE(fork_shared_listener_two_acceptors)
{
    struct fs_proc *p = host_proc("forkacc");
    long l = listener(p, "srv", 8);
    CHECK_EQ(l, 0);
    struct fs_proc *child = fs_proc_fork(p);
    child->pid = p->pid + 1;
    struct fs_proc *c1 = fs_proc_fork(p), *c2 = fs_proc_fork(p);
    c1->pid = 501;
    c2->pid = 502;
    long s1 = fs_socket(c1, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    long s2 = fs_socket(c2, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    CHECK_EQ(connect_path(c1, (int)s1, "srv"), 0);
    CHECK_EQ(connect_path(c2, (int)s2, "srv"), 0);
    CHECK_EQ(fs_write(c1, (int)s1, "from1", 5), 5);
    CHECK_EQ(fs_write(c2, (int)s2, "from2", 5), 5);
    long a = fs_accept4(p, (int)l, NULL, NULL, 0);
    long b = fs_accept4(child, (int)l, NULL, NULL, 0);
    CHECK_EQ(a > 0 && b > 0, 1);
    char x[8], y[8];
    CHECK_EQ(fs_read(p, (int)a, x, 8), 5);
    CHECK_EQ(fs_read(child, (int)b, y, 8), 5);
    CHECK_EQ(memcmp(x, "from1", 5), 0);
    CHECK_EQ(memcmp(y, "from2", 5), 0);
    struct fs_ucred uc;
    uint32_t vl = sizeof uc;
    CHECK_EQ(fs_getsockopt(child, (int)b, FS_SOL_SOCKET, FS_SO_PEERCRED, &uc, &vl), 0);
    CHECK_EQ(uc.pid, 502);
    CHECK_EQ(fs_accept4(child, (int)l, NULL, NULL, 0), -FS_EAGAIN);
    CHECK_EQ(child->wait != NULL, 1);
    fs_proc_cancel(child);
    /* a client's end dies with its process: the server reads EOF, its write is EPIPE */
    fs_proc_exit(c1);
    CHECK_EQ(fs_read(p, (int)a, x, 8), 0);
    CHECK_EQ(fs_write(p, (int)a, "x", 1), -FS_EPIPE);
    CHECK_EQ(p->sigpipe, 1);
    p->sigpipe = 0;
    fs_proc_exit(c2);
    fs_proc_exit(child);
    CHECK_EQ(fs_unlink(p, "srv"), 0);
    fs_proc_exit(p);
}

TEST_CASE(readiness_and_epoll)
{
    struct fs_proc *p = host_proc("ready");
    long s = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    /* an unconnected stream socket: writable and hung up, as Linux's */
    CHECK_EQ(fs_poll(p, (int)s), FS_POLLOUT | FS_POLLWRNORM | FS_POLLWRBAND | FS_POLLHUP);
    int sv[2];
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(fs_poll(p, sv[0]), FS_POLLOUT | FS_POLLWRNORM | FS_POLLWRBAND);
    long ep = fs_epoll_create(p, 0);
    struct fs_epoll_event ev = {FS_POLLIN | FS_EPOLLRDHUP | FS_EPOLLET, 42};
    CHECK_EQ(fs_epoll_ctl(p, (int)ep, FS_EPOLL_CTL_ADD, sv[1], &ev), 0);
    struct fs_epoll_event out[4];
    CHECK_EQ(fs_epoll_wait(p, (int)ep, out, 4), 0);
    long wakes = host_wakes;
    CHECK_EQ(fs_write(p, sv[0], "ping", 4), 4);
    CHECK_EQ(host_wakes > wakes, 1);
    CHECK_EQ(host_last_wake,
             (const void *)fs_fd_sock(p, sv[1])); /* the receiving socket's waiters */
    CHECK_EQ(fs_epoll_wait(p, (int)ep, out, 4), 1);
    CHECK_EQ(out[0].events, FS_POLLIN);
    CHECK_EQ(out[0].data, 42);
    CHECK_EQ(fs_epoll_wait(p, (int)ep, out, 4), 0); /* edge-triggered: once */
    CHECK_EQ(fs_shutdown(p, sv[0], FS_SHUT_WR), 0);
    CHECK_EQ(fs_epoll_wait(p, (int)ep, out, 4), 1);
    CHECK_EQ(out[0].events, FS_POLLIN | FS_EPOLLRDHUP);
    /* a full stream queue: not writable until the reader takes some */
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_STREAM | FS_SOCK_NONBLOCK, 0, sv), 0);
    static char big[65536];
    long total = 0, n;
    while ((n = fs_write(p, sv[0], big, sizeof big)) > 0)
        total += n;
    CHECK_EQ(n, -FS_EAGAIN);
    CHECK_EQ(total, 256 * 1024);
    CHECK_EQ(fs_poll(p, sv[0]), 0);
    CHECK_EQ(fs_read(p, sv[1], big, 100), 100);
    CHECK_EQ(fs_poll(p, sv[0]), FS_POLLOUT | FS_POLLWRNORM | FS_POLLWRBAND);
    CHECK_EQ(fs_write(p, sv[0], big, sizeof big), 100);
    fs_proc_exit(p);
}

/* One round; the second must end holding what it started with (the first may leave the
 * allocator's size-class pages it needed). */
static void scm_round(struct fs_proc *p, int round)
{
    uint64_t before = fs_mem_pages();
    int sv[2], pf[2];
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_STREAM, 0, sv), 0);
    struct fs_proc *q = fs_proc_fork(p);
    CHECK_EQ(fs_close(p, sv[1]), 0);
    CHECK_EQ(fs_close(q, sv[0]), 0);
    CHECK_EQ(fs_pipe2(p, pf, 0), 0); /* p's fds 1, 2: q has neither */
    union {
        struct fs_cmsghdr h;
        uint8_t b[64];
    } ctl;
    ctl.h = (struct fs_cmsghdr){FS_CMSG_LEN(4), FS_SOL_SOCKET, FS_SCM_RIGHTS};
    memcpy(ctl.b + 16, &pf[1], 4);
    struct fs_msg m = {.data = "fd", .len = 2, .control = ctl.b, .controllen = FS_CMSG_SPACE(4)};
    CHECK_EQ(fs_sendmsg(p, sv[0], &m, 0), 2);
    CHECK_EQ(fs_close(p, pf[1]), 0); /* in flight: the pipe's write end lives on */
    /* errors: a bad descriptor, a short record, another type */
    int bad = 99;
    memcpy(ctl.b + 16, &bad, 4);
    CHECK_EQ(fs_sendmsg(p, sv[0], &m, 0), -FS_EBADF);
    ctl.h.cmsg_len = 8;
    CHECK_EQ(fs_sendmsg(p, sv[0], &m, 0), -FS_EINVAL);
    ctl.h = (struct fs_cmsghdr){FS_CMSG_LEN(4), FS_SOL_SOCKET, 77};
    CHECK_EQ(fs_sendmsg(p, sv[0], &m, 0), -FS_EINVAL);
    /* q receives it as its own lowest free descriptor, close-on-exec asked */
    char b[8];
    memset(&ctl, 0, sizeof ctl);
    m = (struct fs_msg){.data = b, .len = 8, .control = ctl.b, .controllen = sizeof ctl.b};
    CHECK_EQ(fs_recvmsg(q, sv[1], &m, FS_MSG_CMSG_CLOEXEC), 2);
    CHECK_EQ(m.controllen, FS_CMSG_SPACE(4));
    CHECK_EQ(m.flags, 0);
    CHECK_EQ(ctl.h.cmsg_len, FS_CMSG_LEN(4));
    CHECK_EQ(ctl.h.cmsg_level, FS_SOL_SOCKET);
    CHECK_EQ(ctl.h.cmsg_type, FS_SCM_RIGHTS);
    int got;
    memcpy(&got, ctl.b + 16, 4);
    CHECK_EQ(got, 0); /* q's fd 0 was free (it closed sv[0] == 0) */
    CHECK_EQ(fs_fcntl(q, got, FS_F_GETFD, 0), FS_FD_CLOEXEC);
    CHECK_EQ(fs_write(q, got, "via", 3), 3);
    CHECK_EQ(fs_read(p, pf[0], b, 8), 3);
    CHECK_EQ(memcmp(b, "via", 3), 0);
    /* no room for the descriptors: MSG_CTRUNC, and they are closed */
    ctl.h = (struct fs_cmsghdr){FS_CMSG_LEN(4), FS_SOL_SOCKET, FS_SCM_RIGHTS};
    memcpy(ctl.b + 16, &pf[0], 4);
    m = (struct fs_msg){.data = "x", .len = 1, .control = ctl.b, .controllen = FS_CMSG_SPACE(4)};
    CHECK_EQ(fs_sendmsg(p, sv[0], &m, 0), 1);
    m = (struct fs_msg){.data = b, .len = 8, .control = ctl.b, .controllen = 16};
    CHECK_EQ(fs_recvmsg(q, sv[1], &m, 0), 1);
    CHECK_EQ(m.flags, FS_MSG_CTRUNC);
    CHECK_EQ(m.controllen, 0);
    fs_proc_exit(q);
    for (int fd = 0; fd < FS_NFD; fd++)
        if (p->fd[fd])
            fs_close(p, fd);
    if (round)
        CHECK_EQ(fs_mem_pages(), before);
}

TEST_CASE(scm_rights_between_processes)
{
    struct fs_proc *p = host_proc("scm");
    scm_round(p, 0);
    scm_round(p, 1);
    fs_proc_exit(p);
}

TEST_CASE(seqpacket_records)
{
    struct fs_proc *p = host_proc("seqpacket");
    int sv[2];
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_SEQPACKET, 0, sv), 0);
    CHECK_EQ(fs_write(p, sv[0], "abc", 3), 3);
    CHECK_EQ(fs_write(p, sv[0], "defgh", 5), 5);
    char b[8];
    struct fs_msg m = {.data = b, .len = 2};
    CHECK_EQ(fs_recvmsg(p, sv[1], &m, 0), 2); /* the rest of the record is gone */
    CHECK_EQ(m.flags, FS_MSG_TRUNC);
    CHECK_EQ(fs_read(p, sv[1], b, 8), 5);
    CHECK_EQ(memcmp(b, "defgh", 5), 0);
    CHECK_EQ(fs_close(p, sv[0]), 0);
    CHECK_EQ(fs_read(p, sv[1], b, 8), 0);
    p->sigpipe = 0;
    CHECK_EQ(fs_write(p, sv[1], "x", 1), -FS_EPIPE);
    CHECK_EQ(p->sigpipe, 1);
    long s = fs_socket(p, FS_AF_UNIX, FS_SOCK_SEQPACKET, 0);
    CHECK_EQ(fs_write(p, (int)s, "x", 1), -FS_ENOTCONN);
    CHECK_EQ(fs_read(p, (int)s, b, 1), -FS_ENOTCONN);
    fs_proc_exit(p);
}

/* Many small messages to a reader that does not read: the queue is capped by the memory its
 * messages hold (UNIX_MEM_CAP, 512 KiB), not only by their bytes; a one-byte message holds
 * a page and its 56-byte header (4152 bytes), so a stream takes 127 (the cap not yet reached
 * before the 127th) and a connected datagram socket 126 (the 127th would pass it); each byte
 * is read back in order, writable again after, and no memory is left behind. Without the cap
 * both took 262144 one-byte messages: a GiB of the pm every process shares. */
static void fd_messages_capped(struct fs_proc *p, int round);

TEST_CASE(small_messages_capped_by_memory)
{
    struct fs_proc *p = host_proc("smallmsg");
    static const int types[2] = {FS_SOCK_STREAM, FS_SOCK_DGRAM};
    static const long want[2] = {127, 126};
    for (int t = 0; t < 2; t++) {
        int sv[2];
        CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, types[t] | FS_SOCK_NONBLOCK, 0, sv), 0);
        long n = 0, r;
        while (n < 300000 && (r = sendb(p, sv[0], &(char){(char)n}, 1, 0)) == 1)
            n++;
        CHECK_EQ(n, want[t]);
        CHECK_EQ(r, -FS_EAGAIN);
        CHECK_EQ(fs_poll(p, sv[0]) & FS_POLLOUT, 0);
        int ok = 1;
        for (long i = 0; i < n; i++) {
            char c = 0;
            ok &= recvb(p, sv[1], &c, 1, 0) == 1 && c == (char)i;
        }
        CHECK_EQ(ok, 1);
        CHECK_EQ(recvb(p, sv[1], &(char){0}, 1, 0), -FS_EAGAIN);
        CHECK_EQ(fs_poll(p, sv[0]) & FS_POLLOUT, FS_POLLOUT);
        CHECK_EQ(sendb(p, sv[0], "z", 1, 0), 1);
        CHECK_EQ(fs_close(p, sv[0]), 0);
        CHECK_EQ(fs_close(p, sv[1]), 0);
    }
    /* Descriptors with a byte each hold more: fewer messages, every reference given back (the
     * second round ends with the pages it started with). */
    for (int round = 0; round < 2; round++)
        fd_messages_capped(p, round);
    fs_proc_exit(p);
}

static void fd_messages_capped(struct fs_proc *p, int round)
{
    uint64_t before = fs_mem_pages();
    int sv[2], pf[2];
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_STREAM | FS_SOCK_NONBLOCK, 0, sv), 0);
    CHECK_EQ(fs_pipe2(p, pf, 0), 0);
    union {
        struct fs_cmsghdr h;
        uint8_t b[FS_CMSG_SPACE(4 * FS_SCM_MAX_FD)];
    } ctl;
    ctl.h = (struct fs_cmsghdr){FS_CMSG_LEN(4 * FS_SCM_MAX_FD), FS_SOL_SOCKET, FS_SCM_RIGHTS};
    for (int i = 0; i < FS_SCM_MAX_FD; i++)
        memcpy(ctl.b + sizeof ctl.h + 4 * i, &pf[1], 4);
    long n = 0, r;
    do {
        struct fs_msg m = {.data = "x", .len = 1, .control = ctl.b, .controllen = sizeof ctl.b};
        r = fs_sendmsg(p, sv[0], &m, 0);
    } while (r == 1 && ++n < 300000);
    CHECK_EQ(r, -FS_EAGAIN);
    CHECK_EQ(n, 85); /* 4152 + 2032 bytes of references each: the 85th reaches the cap */
    CHECK_EQ(fs_close(p, sv[0]), 0);
    CHECK_EQ(fs_close(p, sv[1]), 0); /* the queue freed: every reference to the pipe's end */
    CHECK_EQ(fs_close(p, pf[1]), 0);
    char b[4];
    CHECK_EQ(fs_read(p, pf[0], b, sizeof b), 0); /* so its last writer is gone */
    CHECK_EQ(fs_close(p, pf[0]), 0);
    if (round)
        CHECK_EQ(fs_mem_pages(), before);
}

/* One message carrying descriptor fd (and a byte) from socket `from`. */
static long send_fd(struct fs_proc *p, int from, int fd)
{
    union {
        struct fs_cmsghdr h;
        uint8_t b[FS_CMSG_SPACE(4)];
    } ctl;
    ctl.h = (struct fs_cmsghdr){FS_CMSG_LEN(4), FS_SOL_SOCKET, FS_SCM_RIGHTS};
    memcpy(ctl.b + sizeof ctl.h, &fd, 4);
    struct fs_msg m = {.data = "c", .len = 1, .control = ctl.b, .controllen = sizeof ctl.b};
    return fs_sendmsg(p, from, &m, 0);
}

/* The descriptor a message on fd carries, received: the new fd, or -1. */
static long recv_fd(struct fs_proc *p, int fd)
{
    union {
        struct fs_cmsghdr h;
        uint8_t b[FS_CMSG_SPACE(4)];
    } ctl;
    char c;
    struct fs_msg m = {.data = &c, .len = 1, .control = ctl.b, .controllen = sizeof ctl.b};
    if (fs_recvmsg(p, fd, &m, 0) != 1 || m.controllen != FS_CMSG_SPACE(4))
        return -1;
    int got;
    memcpy(&got, ctl.b + sizeof ctl.h, 4);
    return got;
}

/* Sockets only messages in flight hold (unix_gc.c). Garbage: a socket sent into its own queue,
 * two sent into each other's, a listener holding itself, every descriptor closed: all of it is
 * freed, to the page. Not garbage: a socket in flight in a queue some descriptor still reads
 * (received after a collection, it works), nor what such a socket's queue holds in turn. */
static void gc_round(struct fs_proc *p, int round)
{
    uint64_t before = fs_mem_pages();
    int a[2], b[2];
    /* its own queue */
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_STREAM, 0, a), 0);
    CHECK_EQ(send_fd(p, a[1], a[0]), 1);
    CHECK_EQ(fs_close(p, a[0]), 0);
    CHECK_EQ(fs_close(p, a[1]), 0);
    /* a ring of two datagram pairs */
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_DGRAM, 0, a), 0);
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_DGRAM, 0, b), 0);
    CHECK_EQ(send_fd(p, a[1], b[0]), 1);
    CHECK_EQ(send_fd(p, b[1], a[0]), 1);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(fs_close(p, a[i]), 0);
        CHECK_EQ(fs_close(p, b[i]), 0);
    }
    /* a listener whose unaccepted connection holds the listener */
    long l = listener(p, "gcl", 1), c = fs_socket(p, FS_AF_UNIX, FS_SOCK_STREAM, 0);
    CHECK_EQ(connect_path(p, (int)c, "gcl"), 0);
    CHECK_EQ(send_fd(p, (int)c, (int)l), 1);
    CHECK_EQ(fs_unlink(p, "gcl"), 0);
    CHECK_EQ(fs_close(p, (int)l), 0);
    CHECK_EQ(fs_close(p, (int)c), 0);
    if (round)
        CHECK_EQ(fs_mem_pages(), before);

    /* Live: b[0] in flight in a's queue, a[0] held by its descriptor; b[0]'s own queue holds a
     * pipe's end. A collection (another socket's close) leaves all of it. */
    int pf[2];
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_STREAM, 0, a), 0);
    CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_STREAM, 0, b), 0);
    CHECK_EQ(fs_pipe2(p, pf, 0), 0);
    CHECK_EQ(send_fd(p, b[1], pf[1]), 1);
    CHECK_EQ(send_fd(p, a[1], b[0]), 1);
    CHECK_EQ(fs_close(p, pf[1]), 0);
    CHECK_EQ(fs_close(p, b[0]), 0);
    CHECK_EQ(fs_close(p, a[1]), 0); /* a close: the collector looks */
    long nb = recv_fd(p, a[0]);
    CHECK_EQ(nb >= 0, 1);
    long w = recv_fd(p, (int)nb); /* b[0]'s queue kept the pipe's end */
    CHECK_EQ(w >= 0, 1);
    CHECK_EQ(fs_write(p, (int)w, "ok", 2), 2);
    char buf[4];
    CHECK_EQ(fs_read(p, pf[0], buf, sizeof buf), 2);
    CHECK_EQ(fs_write(p, b[1], "zz", 2), 2); /* b's pair is whole */
    CHECK_EQ(fs_read(p, (int)nb, buf, sizeof buf), 2);
    for (int fd = 0; fd < FS_NFD; fd++)
        if (p->fd[fd])
            fs_close(p, fd);
    if (round)
        CHECK_EQ(fs_mem_pages(), before);
}

TEST_CASE(scm_cycles_collected)
{
    struct fs_proc *p = host_proc("gc");
    gc_round(p, 0);
    gc_round(p, 1);
    /* Self-cycles that close no socket (a datagram socket sent to itself, its descriptor
     * closed): the sends that follow collect them, so they never pile up. */
    uint64_t before = fs_mem_pages();
    for (int i = 0; i < 1000; i++) {
        int s[2];
        CHECK_EQ(fs_socketpair(p, FS_AF_UNIX, FS_SOCK_DGRAM, 0, s), 0);
        CHECK_EQ(send_fd(p, s[1], s[0]), 1);
        CHECK_EQ(fs_close(p, s[0]), 0); /* in flight: no socket closes */
        CHECK_EQ(send_fd(p, s[1], s[1]), 1);
        CHECK_EQ(fs_close(p, s[1]), 0); /* s[1] in flight at s[0]: no socket closes either */
    }
    CHECK_EQ(fs_mem_pages() < before + 200, 1); /* a page or two each without: 1000+ */
    fs_proc_exit(p);
}
