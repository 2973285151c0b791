/*
 * ut_sock_hostile.c: sockets from a hostile process (usertests.h; issue 15's review): what a
 * program may throw at the socket calls (libos/posix/socket.c, pm's ops in
 * libos/fs/pm_sock.c, the families in libos/fs/unix*.c and libos/net/) and get a clear errno
 * for, with nothing sent, queued or leaked: msghdr, iovec, address and control pointers that
 * are unmapped, exo's or past the user top; lengths that overflow or are too short; SCM_RIGHTS
 * with bad or too many descriptors; socket options with short values. Then processes killed
 * while they hold sockets (blocked in accept, in a send, with unread bytes, with a descriptor
 * in flight, with TCP and UDP ports bound): the survivors see EOF, ECONNRESET or EPIPE and the
 * ports come back. And the socket tables exhausted: EMFILE, ENFILE or ENOBUFS, never a hang,
 * and everything works again once the sockets close. Exact values and errno each; work under
 * /tmp/ut_sockh.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <exo/abi.h>
#include <proc/client.h>
#include <proc/msg.h>

#include "usertests.h"

#define KERNEL_VA ((void *)0xffffffff80000000ull) /* exo's image */
#define NONCANON ((void *)0x0000800000000000ull)  /* the first address past the user top */

static int killed(pid_t pid, int sig)
{
    int st = -1;
    return waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == sig;
}

static int exited(pid_t pid, int code)
{
    int st = -1;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* Until fd is readable (or 5 s): a child has got as far as blocking. */
static void nap(void)
{
    struct timespec t = {0, 50 * 1000 * 1000};
    nanosleep(&t, NULL);
}

static struct sockaddr_in lo4(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A message carrying n descriptors fds[] (SCM_RIGHTS) and one byte. */
static union {
    struct cmsghdr h;
    char b[2 * CMSG_SPACE(256 * sizeof(int))];
} ctl;

/* struct msghdr as the kernel reads it: musl's pads its int msg_iovlen and socklen_t
 * msg_controllen to these 64-bit fields, and its sendmsg refuses control past 1024 bytes
 * itself (ENOMEM), so what reaches the call raw goes through syscall(). */
struct kmsg {
    void *name;
    uint32_t namelen;
    struct iovec *iov;
    uint64_t iovlen;
    void *control;
    uint64_t controllen;
    uint32_t flags;
};

static ssize_t send_fds(int s, const int *fds, int n)
{
    struct iovec v = {"x", 1};
    struct msghdr mh = {.msg_iov = &v,
                        .msg_iovlen = 1,
                        .msg_control = ctl.b,
                        .msg_controllen = CMSG_SPACE(n * sizeof(int))};
    memset(ctl.b, 0, sizeof ctl.b);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
    return syscall(SYS_sendmsg, s, &mh, 0);
}

/* The calls themselves: musl's wrappers copy the msghdr in user space first (and back), so a
 * bad one would fault there, before any call. Its layout is the kernel's, pads zeroed. */
static long raw_sendmsg(int fd, const void *m)
{
    return syscall(SYS_sendmsg, fd, m, 0);
}

static long raw_recvmsg(int fd, void *m)
{
    return syscall(SYS_recvmsg, fd, m, 0);
}

USERTEST(sockh_msghdr_pointers)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    char b[16];
    struct iovec v = {b, sizeof b};
    /* The msghdr itself: unmapped, exo's, past the top; recvmsg's must be writable too. */
    CHECK_ERR(raw_sendmsg(sv[0], (struct msghdr *)8), EFAULT);
    CHECK_ERR(raw_sendmsg(sv[0], KERNEL_VA), EFAULT);
    CHECK_ERR(raw_sendmsg(sv[0], NONCANON), EFAULT);
    CHECK_ERR(raw_recvmsg(sv[1], KERNEL_VA), EFAULT);
    static const struct msghdr ro = {0}; /* .rodata: readable, not writable */
    CHECK_EQ(write(sv[0], "q", 1), 1);
    CHECK_ERR(raw_recvmsg(sv[1], (struct msghdr *)&ro), EFAULT);
    /* The iovec array, then one segment's buffer. */
    struct msghdr mh = {.msg_iov = (struct iovec *)8, .msg_iovlen = 1};
    CHECK_ERR(raw_sendmsg(sv[0], &mh), EFAULT);
    mh.msg_iov = KERNEL_VA;
    CHECK_ERR(raw_sendmsg(sv[0], &mh), EFAULT);
    CHECK_ERR(raw_recvmsg(sv[1], &mh), EFAULT);
    struct iovec bad[3] = {{b, 4}, {KERNEL_VA, 4}, {b, 4}};
    mh = (struct msghdr){.msg_iov = bad, .msg_iovlen = 3};
    CHECK_ERR(raw_sendmsg(sv[0], &mh), EFAULT);
    CHECK_ERR(raw_recvmsg(sv[1], &mh), EFAULT);
    bad[1] = (struct iovec){(void *)((uintptr_t)NONCANON - 2), 4}; /* across the top */
    CHECK_ERR(raw_sendmsg(sv[0], &mh), EFAULT);
    CHECK_ERR(raw_recvmsg(sv[1], &mh), EFAULT);
    /* Lengths: a negative segment, a total past SSIZE_MAX, too many segments. */
    bad[1] = (struct iovec){b, (size_t)1 << 63};
    CHECK_ERR(raw_sendmsg(sv[0], &mh), EINVAL);
    struct iovec two[2] = {{b, SIZE_MAX >> 2}, {b, SIZE_MAX >> 1}};
    mh = (struct msghdr){.msg_iov = two, .msg_iovlen = 2};
    CHECK_ERR(raw_sendmsg(sv[0], &mh), EFAULT); /* the first: not all mapped */
    struct kmsg k = {.iov = &v, .iovlen = (size_t)1 << 40};
    CHECK_ERR(raw_sendmsg(sv[0], &k), EMSGSIZE);
    mh.msg_iovlen = 1025;
    CHECK_ERR(raw_recvmsg(sv[1], &mh), EMSGSIZE);
    /* The name: unmapped with a length, too long, negative. */
    mh = (struct msghdr){.msg_iov = &v, .msg_iovlen = 1, .msg_name = KERNEL_VA, .msg_namelen = 16};
    CHECK_ERR(raw_sendmsg(sv[0], &mh), EFAULT);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    mh.msg_name = &ss;
    mh.msg_namelen = sizeof ss + 1;
    CHECK_ERR(raw_sendmsg(sv[0], &mh), EINVAL);
    mh.msg_namelen = 0x80000000u;
    CHECK_ERR(raw_sendmsg(sv[0], &mh), EINVAL);
    CHECK_ERR(raw_recvmsg(sv[1], &mh), EINVAL);
    /* Control bytes: unmapped, more than a call carries. */
    mh = (struct msghdr){
        .msg_iov = &v, .msg_iovlen = 1, .msg_control = KERNEL_VA, .msg_controllen = 16};
    CHECK_ERR(raw_sendmsg(sv[0], &mh), EFAULT);
    k = (struct kmsg){.iov = &v, .iovlen = 1, .control = ctl.b, .controllen = (size_t)1 << 40};
    CHECK_ERR(raw_sendmsg(sv[0], &k), ENOBUFS);
    /* Each refusal sent nothing: the one byte written above is all there is. */
    CHECK_EQ(recv(sv[1], b, sizeof b, 0), 1);
    CHECK_EQ(b[0], 'q');
    CHECK_ERR(recv(sv[1], b, sizeof b, 0), EAGAIN);
    /* sendto and recvfrom: the buffer, the address and its length's pointer. */
    CHECK_ERR(sendto(sv[0], KERNEL_VA, 4, 0, NULL, 0), EFAULT);
    CHECK_ERR(sendto(sv[0], b, (size_t)1 << 63, 0, NULL, 0), EFAULT);
    CHECK_ERR(sendto(sv[0], b, 4, 0, KERNEL_VA, 16), EFAULT);
    CHECK_EQ(write(sv[0], "r", 1), 1);
    socklen_t sl = sizeof ss;
    CHECK_ERR(recvfrom(sv[1], b, 4, 0, (struct sockaddr *)&ss, KERNEL_VA), EFAULT);
    CHECK_ERR(recvfrom(sv[1], b, 4, 0, KERNEL_VA, &sl), EFAULT);
    sl = (socklen_t)-1;
    CHECK_ERR(recvfrom(sv[1], b, 4, 0, (struct sockaddr *)&ss, &sl), EINVAL);
    CHECK_EQ(recv(sv[1], b, sizeof b, 0), 1); /* still there */
    CHECK_EQ(b[0], 'r');
    close(sv[0]);
    close(sv[1]);
    return 0;
}

USERTEST(sockh_scm_rights_refused_leave_no_trace)
{
    int sv[2], pf[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
    CHECK_EQ(pipe2(pf, O_NONBLOCK), 0);
    /* A good descriptor with a bad one after it: EBADF, and the good one's reference taken for
     * the message is given back: closing our pipe write end is the writer's last. */
    int fds[300];
    fds[0] = pf[1], fds[1] = 999;
    CHECK_ERR(send_fds(sv[0], fds, 2), EBADF);
    fds[1] = -1;
    CHECK_ERR(send_fds(sv[0], fds, 2), EBADF);
    /* 254 in one message, or in two records of one message: EINVAL. */
    for (int i = 0; i < 300; i++)
        fds[i] = pf[1];
    CHECK_ERR(send_fds(sv[0], fds, 254), EINVAL);
    struct iovec v = {"x", 1};
    struct msghdr mh = {.msg_iov = &v,
                        .msg_iovlen = 1,
                        .msg_control = ctl.b,
                        .msg_controllen = 2 * CMSG_SPACE(200 * sizeof(int))};
    memset(ctl.b, 0, sizeof ctl.b);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    for (int k = 0; k < 2; k++, cm = CMSG_NXTHDR(&mh, cm)) {
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(200 * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, 200 * sizeof(int));
    }
    CHECK_ERR(syscall(SYS_sendmsg, sv[0], &mh, 0), EINVAL);
    /* Malformed records: shorter than a header, longer than the control bytes, another type. */
    mh.msg_controllen = CMSG_SPACE(sizeof(int));
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_len = sizeof(struct cmsghdr) - 1;
    CHECK_ERR(sendmsg(sv[0], &mh, 0), EINVAL);
    cm->cmsg_len = CMSG_SPACE(sizeof(int)) + 1;
    CHECK_ERR(sendmsg(sv[0], &mh, 0), EINVAL);
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    cm->cmsg_type = 77;
    CHECK_ERR(sendmsg(sv[0], &mh, 0), EINVAL);
    /* Fewer control bytes than a header: none, as Linux reads them (the byte goes). */
    mh.msg_controllen = sizeof(struct cmsghdr) - 1;
    CHECK_EQ(sendmsg(sv[0], &mh, 0), 1);
    char b[4];
    CHECK_EQ(recv(sv[1], b, sizeof b, 0), 1);
    /* Nothing else was queued, and no reference to the pipe's write end is left anywhere. */
    CHECK_ERR(recv(sv[1], b, sizeof b, 0), EAGAIN);
    close(pf[1]);
    CHECK_EQ(read(pf[0], b, sizeof b), 0);
    /* 253 go, and received into room for 2: the rest are closed (MSG_CTRUNC), and the count
     * of open descriptors is back where it was once ours close. */
    CHECK_EQ(pipe2(pf, O_NONBLOCK), 0);
    for (int i = 0; i < 253; i++)
        fds[i] = pf[1];
    CHECK_EQ(send_fds(sv[0], fds, 253), 1);
    close(pf[1]);
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(2 * sizeof(int))];
    } small;
    mh = (struct msghdr){
        .msg_iov = &v, .msg_iovlen = 1, .msg_control = small.b, .msg_controllen = sizeof small.b};
    v = (struct iovec){b, sizeof b};
    CHECK_EQ(recvmsg(sv[1], &mh, 0), 1);
    CHECK_EQ(mh.msg_flags, MSG_CTRUNC);
    cm = CMSG_FIRSTHDR(&mh);
    CHECK_EQ(cm->cmsg_len, CMSG_LEN(2 * sizeof(int)));
    int got[2];
    memcpy(got, CMSG_DATA(cm), sizeof got);
    CHECK_ERR(read(pf[0], b, sizeof b), EAGAIN); /* two writers still open: ours */
    close(got[0]);
    close(got[1]);
    CHECK_EQ(read(pf[0], b, sizeof b), 0);
    close(pf[0]);
    close(sv[0]);
    close(sv[1]);
    return 0;
}

USERTEST(sockh_address_lengths)
{
    mkdir("/tmp/ut_sockh", 0777);
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    int t = socket(AF_INET, SOCK_STREAM, 0);
    int d = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK_EQ(u >= 0 && t >= 0 && d >= 0, 1);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_family = AF_UNIX;
    /* AF_UNIX: no family, part of it, past sockaddr_storage, negative. */
    CHECK_ERR(bind(u, (struct sockaddr *)&ss, 0), EINVAL);
    CHECK_ERR(bind(u, (struct sockaddr *)&ss, 1), EINVAL);
    CHECK_ERR(bind(u, (struct sockaddr *)&ss, sizeof ss + 1), EINVAL);
    CHECK_ERR(bind(u, (struct sockaddr *)&ss, (socklen_t)-1), EINVAL);
    CHECK_ERR(connect(u, (struct sockaddr *)&ss, 0), EINVAL);
    CHECK_ERR(connect(u, (struct sockaddr *)&ss, 2), EINVAL);
    CHECK_ERR(connect(u, (struct sockaddr *)&ss, sizeof(struct sockaddr_un) + 1), EINVAL);
    CHECK_ERR(connect(u, NULL, 16), EFAULT);
    CHECK_ERR(connect(u, KERNEL_VA, 16), EFAULT);
    /* AF_INET: shorter than sockaddr_in, past sockaddr_storage, another family. */
    struct sockaddr_in a = lo4(0);
    CHECK_ERR(bind(t, (struct sockaddr *)&a, 0), EINVAL);
    CHECK_ERR(bind(t, (struct sockaddr *)&a, 1), EINVAL);
    CHECK_ERR(bind(t, (struct sockaddr *)&a, sizeof a - 1), EINVAL);
    CHECK_ERR(bind(t, (struct sockaddr *)&ss, sizeof ss + 1), EINVAL);
    CHECK_ERR(connect(t, (struct sockaddr *)&a, 0), EINVAL);
    CHECK_ERR(connect(t, (struct sockaddr *)&a, 15), EINVAL);
    CHECK_ERR(sendto(d, "x", 1, 0, (struct sockaddr *)&a, 1), EINVAL);
    CHECK_ERR(bind(t, (struct sockaddr *)&ss, sizeof a), EAFNOSUPPORT); /* AF_UNIX's family */
    /* Names handed out: length 0 says the full size and writes nothing; negative is EINVAL. */
    CHECK_EQ(bind(d, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = 0;
    memset(&ss, 0x5a, sizeof ss);
    CHECK_EQ(getsockname(d, (struct sockaddr *)&ss, &l), 0);
    CHECK_EQ(l, sizeof a);
    CHECK_EQ(((unsigned char *)&ss)[0], 0x5a);
    l = 3;
    CHECK_EQ(getsockname(d, (struct sockaddr *)&ss, &l), 0);
    CHECK_EQ(l, sizeof a);
    CHECK_EQ(((unsigned char *)&ss)[3], 0x5a); /* three bytes only */
    l = (socklen_t)-1;
    CHECK_ERR(getsockname(d, (struct sockaddr *)&ss, &l), EINVAL);
    close(u);
    close(t);
    close(d);
    return 0;
}

USERTEST(sockh_short_options)
{
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    int t = socket(AF_INET, SOCK_STREAM, 0);
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    CHECK_EQ(u >= 0 && t >= 0 && s6 >= 0, 1);
    int one = 1;
    int socks[3] = {u, t, s6};
    for (int i = 0; i < 3; i++) {
        CHECK_ERR(setsockopt(socks[i], SOL_SOCKET, SO_REUSEADDR, &one, 0), EINVAL);
        CHECK_ERR(setsockopt(socks[i], SOL_SOCKET, SO_REUSEADDR, &one, 3), EINVAL);
        CHECK_ERR(setsockopt(socks[i], SOL_SOCKET, SO_KEEPALIVE, &one, (socklen_t)-1), EINVAL);
        CHECK_ERR(setsockopt(socks[i], SOL_SOCKET, SO_REUSEADDR, KERNEL_VA, 4), EFAULT);
        CHECK_ERR(setsockopt(socks[i], SOL_SOCKET, SO_REUSEADDR, NULL, 4), EFAULT);
        CHECK_ERR(setsockopt(socks[i], SOL_SOCKET, SO_RCVBUF, &one, 2), EINVAL);
        socklen_t l = (socklen_t)-1;
        int v = -7;
        CHECK_ERR(getsockopt(socks[i], SOL_SOCKET, SO_TYPE, &v, &l), EINVAL);
        CHECK_ERR(getsockopt(socks[i], SOL_SOCKET, SO_TYPE, &v, KERNEL_VA), EFAULT);
        l = 4;
        CHECK_ERR(getsockopt(socks[i], SOL_SOCKET, SO_TYPE, KERNEL_VA, &l), EFAULT);
        l = 1; /* a byte of the int, as Linux copies */
        CHECK_EQ(getsockopt(socks[i], SOL_SOCKET, SO_TYPE, &v, &l), 0);
        CHECK_EQ(l, 1);
        CHECK_EQ(v, (int)(((unsigned)-7 & ~0xffu) | (i == 2 ? SOCK_DGRAM : SOCK_STREAM)));
    }
    CHECK_ERR(setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, 2), EINVAL);
    struct linger lg = {1, 0};
    CHECK_ERR(setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof lg - 1), EINVAL);
    CHECK_ERR(setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, 1), EINVAL);
    /* IP_TTL takes a single byte too, as Linux's do_ip_setsockopt reads it. */
    unsigned char ttl = 9;
    CHECK_EQ(setsockopt(t, IPPROTO_IP, IP_TTL, &ttl, 1), 0);
    int v = 0;
    socklen_t l = sizeof v;
    CHECK_EQ(getsockopt(t, IPPROTO_IP, IP_TTL, &v, &l), 0);
    CHECK_EQ(v, 9);
    CHECK_ERR(setsockopt(t, IPPROTO_IP, IP_TTL, &ttl, 0), EINVAL);
    close(u);
    close(t);
    close(s6);
    return 0;
}

/* Reads fd (blocking, at most 5 s through poll) until end of file or an error: the bytes read,
 * or -errno; -1000 if it would hang. */
static long drain(int fd, long *bytes)
{
    static char buf[65536];
    *bytes = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) != 1)
            return -1000;
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0)
            return 0;
        if (n < 0)
            return errno == EAGAIN ? -1000 : -errno;
        *bytes += n;
    }
}

USERTEST(sockh_unix_peer_killed)
{
    signal(SIGPIPE, SIG_IGN);
    mkdir("/tmp/ut_sockh", 0777);
    unlink("/tmp/ut_sockh/l");
    struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "/tmp/ut_sockh/l"};
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ(listen(l, 4), 0);
    /* Killed blocked in accept: the listener goes on for the parent. */
    pid_t pid = fork();
    if (pid == 0) {
        accept(l, NULL, NULL);
        _exit(9);
    }
    nap();
    kill(pid, SIGKILL);
    CHECK_EQ(killed(pid, SIGKILL), 1);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&a, sizeof a), 0);
    int s = accept(l, NULL, NULL);
    CHECK_EQ(s >= 0, 1);
    CHECK_EQ(write(c, "hi", 2), 2);
    char b[8];
    CHECK_EQ(read(s, b, sizeof b), 2);
    /* Killed with its connection still in our accept queue: we accept it, and it is at EOF. */
    pid = fork();
    if (pid == 0) {
        int k = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(k, (struct sockaddr *)&a, sizeof a))
            _exit(2);
        pause();
        _exit(9);
    }
    struct pollfd pl = {l, POLLIN, 0};
    CHECK_EQ(poll(&pl, 1, 5000), 1);
    kill(pid, SIGKILL);
    CHECK_EQ(killed(pid, SIGKILL), 1);
    int e = accept(l, NULL, NULL);
    CHECK_EQ(e >= 0, 1);
    CHECK_EQ(read(e, b, sizeof b), 0);
    CHECK_ERR(write(e, "x", 1), EPIPE);
    close(e), close(c), close(s), close(l);
    unlink("/tmp/ut_sockh/l");

    /* Killed blocked in a send (its peer's queue full): what it sent is there, then EOF. */
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid = fork();
    if (pid == 0) {
        static char big[1 << 20];
        close(sv[0]);
        write(sv[1], big, sizeof big);
        _exit(9);
    }
    close(sv[1]);
    nap();
    kill(pid, SIGKILL);
    CHECK_EQ(killed(pid, SIGKILL), 1);
    long got;
    CHECK_EQ(drain(sv[0], &got), 0);
    CHECK_EQ(got > 0 && got < (1 << 20), 1);
    close(sv[0]);

    /* Killed blocked in a receive, with bytes we sent it unread: ECONNRESET once, then EOF;
     * sending is EPIPE. */
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(write(sv[0], "abc", 3), 3);
    pid = fork();
    if (pid == 0) {
        close(sv[0]);
        pause();
        _exit(9);
    }
    close(sv[1]);
    nap();
    kill(pid, SIGKILL);
    CHECK_EQ(killed(pid, SIGKILL), 1);
    CHECK_ERR(recv(sv[0], b, sizeof b, 0), ECONNRESET);
    CHECK_EQ(recv(sv[0], b, sizeof b, 0), 0);
    CHECK_ERR(send(sv[0], "x", 1, 0), EPIPE);
    close(sv[0]);

    /* A descriptor in flight when its sender dies: received after, it works (a pipe with
     * bytes in it), and the pipe's end is the receiver's alone. */
    CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    pid = fork();
    if (pid == 0) {
        int pf[2];
        if (pipe(pf) || write(pf[1], "piped", 5) != 5)
            _exit(2);
        close(pf[1]);
        _exit(send_fds(sv[1], &pf[0], 1) == 1 ? 0 : 3);
    }
    CHECK_EQ(exited(pid, 0), 1);
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } u;
    struct iovec v = {b, sizeof b};
    struct msghdr mh = {
        .msg_iov = &v, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
    CHECK_EQ(recvmsg(sv[0], &mh, 0), 1);
    int fd;
    memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof fd);
    CHECK_EQ(read(fd, b, sizeof b), 5);
    CHECK_EQ(memcmp(b, "piped", 5), 0);
    CHECK_EQ(read(fd, b, sizeof b), 0);
    close(fd), close(sv[0]), close(sv[1]);
    return 0;
}

USERTEST(sockh_inet_peer_killed)
{
    signal(SIGPIPE, SIG_IGN);
    int one = 1, sync[2];
    CHECK_EQ(pipe(sync), 0);
    /* A child listens on TCP 7711 and UDP 7712, accepts us, sends a byte, and is killed. */
    pid_t pid = fork();
    if (pid == 0) {
        int l = socket(AF_INET, SOCK_STREAM, 0), d = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in a = lo4(7711), ad = lo4(7712);
        setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4) ||
            bind(d, (struct sockaddr *)&ad, sizeof ad))
            _exit(2);
        write(sync[1], "L", 1);
        int s = accept(l, NULL, NULL);
        if (s < 0 || write(s, "x", 1) != 1)
            _exit(3);
        accept(l, NULL, NULL); /* killed here */
        _exit(9);
    }
    char b[8];
    CHECK_EQ(read(sync[0], b, 1), 1);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo4(7711);
    CHECK_EQ(connect(c, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ(read(c, b, 1), 1);
    kill(pid, SIGKILL);
    CHECK_EQ(killed(pid, SIGKILL), 1);
    /* Its end closed with the process: EOF here, EPIPE or ECONNRESET on a send after it. */
    long got;
    CHECK_EQ(drain(c, &got), 0);
    CHECK_EQ(got, 0);
    close(c);
    /* Its listener is gone (refused), and both ports are free again for us. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
    close(c);
    int l = socket(AF_INET, SOCK_STREAM, 0), d = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ad = lo4(7712);
    CHECK_EQ(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
    CHECK_EQ(bind(l, (struct sockaddr *)&a, sizeof a), 0); /* (its TIME-WAIT: REUSEADDR) */
    CHECK_EQ(listen(l, 4), 0);
    CHECK_EQ(bind(d, (struct sockaddr *)&ad, sizeof ad), 0);

    /* A child killed blocked in a TCP send to us (we do not read): we read what it had sent,
     * then EOF. */
    pid = fork();
    if (pid == 0) {
        static char big[4 << 20];
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a))
            _exit(2);
        write(s, big, sizeof big);
        _exit(9);
    }
    int s = accept(l, NULL, NULL);
    CHECK_EQ(s >= 0, 1);
    for (int i = 0; i < 20; i++)
        nap(); /* a window's worth queued, the child blocked */
    kill(pid, SIGKILL);
    CHECK_EQ(killed(pid, SIGKILL), 1);
    CHECK_EQ(drain(s, &got), 0);
    CHECK_EQ(got > 0 && got < (4 << 20), 1);
    close(s), close(l), close(d);
    close(sync[0]), close(sync[1]);
    return 0;
}

/* Opens sockets of (domain, type) until one is refused: how many, the errno in *err. */
static int fill(int domain, int type, int *fds, int max, int *err)
{
    int n = 0;
    *err = 0;
    while (n < max) {
        int fd = socket(domain, type, 0);
        if (fd < 0) {
            *err = errno;
            break;
        }
        fds[n++] = fd;
    }
    return n;
}

USERTEST(sockh_tables_exhausted)
{
    /* A process's descriptors: EMFILE, for one socket and for a pair (nothing half made). */
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = {32, 32};
        static int fds[64];
        int err, sv[2] = {-1, -1};
        if (setrlimit(RLIMIT_NOFILE, &rl))
            _exit(2);
        int n = fill(AF_UNIX, SOCK_STREAM, fds, 64, &err);
        if (err != EMFILE || n < 20)
            _exit(3);
        close(fds[--n]);
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != -1 || errno != EMFILE || sv[0] != -1)
            _exit(4);
        if ((fds[n++] = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0) /* the one slot: still free */
            _exit(5);
        while (n)
            close(fds[--n]);
        _exit(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? 0 : 6);
    }
    CHECK_EQ(exited(pid, 0), 1);

    /* pm's stack: every UDP and TCP socket there is, then a refusal, not a hang; once they
     * close, a TCP connection over the loopback works again. */
    static int fds[200];
    int err;
    int n = fill(AF_INET, SOCK_DGRAM, fds, 200, &err);
    CHECK_EQ(n > 0 && n < 200, 1);
    CHECK_EQ(err, ENOBUFS);
    int m = fill(AF_INET, SOCK_STREAM, fds + n, 200 - n, &err);
    CHECK_EQ(m > 0 && n + m < 200, 1);
    CHECK_EQ(err == ENOBUFS || err == ENFILE, 1);
    for (int i = 0; i < n + m; i++)
        close(fds[i]);
    int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(l >= 0 && c >= 0, 1);
    struct sockaddr_in a = lo4(7713);
    CHECK_EQ(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ(listen(l, 1), 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&a, sizeof a), 0);
    int s = accept(l, NULL, NULL);
    CHECK_EQ(s >= 0, 1);
    CHECK_EQ(write(c, "ok", 2), 2);
    char b[4];
    CHECK_EQ(read(s, b, sizeof b), 2);
    close(s), close(c), close(l);
    return 0;
}

/* pm's socket ops called straight through the mailbox, as a program that skips the libOS
 * would: every length out of range is EINVAL, and nothing is sent. */
USERTEST(sockh_pm_ops_raw)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct pm_msg *m = proc_msg();
    static const int64_t bad[][5] = {
        /* len, namelen, ctl */
        {PM_DATA_MAX, 0, 0},
        {PM_DATA_MAX - 128 + 1, 0, 0},
        {PM_DATA_MAX - 128 - 8 + 1, 0, 1},
        {-1, 0, 0},
        {1, 129, 0},
        {1, -1, 0},
        {1, 0, 4097},
        {1, 0, -8},
        {INT64_MIN, 0, 0},
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        for (unsigned op = 0; op < 2; op++) {
            m->a[0] = sv[op], m->a[1] = 0, m->a[2] = bad[i][0], m->a[3] = bad[i][1];
            m->a[4] = bad[i][2], m->a[5] = 0;
            CHECK_EQ(proc_call(op ? PM_OP_sock_recv : PM_OP_sock_send), -EINVAL);
        }
    m->a[0] = sv[0], m->a[1] = 129;
    CHECK_EQ(proc_call(PM_OP_sock_bind), -EINVAL);
    m->a[0] = sv[0], m->a[1] = -1;
    CHECK_EQ(proc_call(PM_OP_sock_connect), -EINVAL);
    m->a[0] = sv[0], m->a[1] = SOL_SOCKET, m->a[2] = SO_TYPE, m->a[3] = -1, m->a[4] = 0;
    CHECK_EQ(proc_call(PM_OP_sock_opt), -EINVAL);
    m->a[0] = sv[0], m->a[1] = 0, m->a[2] = -1;
    CHECK_EQ(proc_call(PM_OP_sock_name), -EINVAL);
    char b[4];
    CHECK_ERR(recv(sv[1], b, sizeof b, 0), EAGAIN);
    close(sv[0]), close(sv[1]);
    return 0;
}

/* Every process shares pm's stack: a port below 1024 is root's, as on Linux (EACCES for
 * another user, after the address's own checks), so no user can take the SSH port first; a
 * claim at exo through pm (net_claim) is root's at any port (EPERM). */
USERTEST(sockh_low_ports_root_only)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (setuid(1000))
            _exit(2);
        int t = socket(AF_INET, SOCK_STREAM, 0), d = socket(AF_INET6, SOCK_DGRAM, 0);
        struct sockaddr_in a = lo4(22), far = lo4(22);
        far.sin_addr.s_addr = htonl(0x0a090909);
        struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(53)};
        if (bind(t, (struct sockaddr *)&a, sizeof a) != -1 || errno != EACCES)
            _exit(3);
        if (bind(t, (struct sockaddr *)&far, sizeof far) != -1 || errno != EADDRNOTAVAIL)
            _exit(4);
        if (bind(d, (struct sockaddr *)&a6, sizeof a6) != -1 || errno != EACCES)
            _exit(5);
        a.sin_port = htons(1024); /* the first that is anyone's */
        if (bind(t, (struct sockaddr *)&a, sizeof a) != 0)
            _exit(6);
        /* a port of its own at exo (pm's net_claim, for a stack of its own) is root's at any
         * number: its holder may send any frame from it, as from a raw socket */
        struct pm_msg *m = proc_msg();
        m->a[0] = EXO_NF_IPV4, m->a[1] = EXO_NF_UDP, m->a[2] = 4000, m->a[3] = 0;
        if (proc_call(PM_OP_net_claim) != -EPERM)
            _exit(7);
        _exit(0);
    }
    CHECK_EQ(exited(pid, 0), 1);
    /* root may; the refusals above left the ports free */
    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo4(22);
    CHECK_EQ(bind(t, (struct sockaddr *)&a, sizeof a), 0);
    close(t);
    return 0;
}

/* One-byte messages at a peer that never reads fill its queue by pm's memory they hold, not by
 * their bytes (libos/fs/unix.h's UNIX_MEM_CAP: 4152 bytes each, 512 KiB), so a process cannot
 * pin a page of pm per byte: EAGAIN after 127 on a stream, 126 datagrams. */
USERTEST(sockh_small_messages_capped)
{
    static const int types[2] = {SOCK_STREAM, SOCK_DGRAM};
    static const long want[2] = {127, 126};
    for (int t = 0; t < 2; t++) {
        int sv[2];
        CHECK_EQ(socketpair(AF_UNIX, types[t] | SOCK_NONBLOCK, 0, sv), 0);
        long n = 0;
        while (n < 300000 && send(sv[0], "s", 1, 0) == 1)
            n++;
        CHECK_EQ(errno, EAGAIN);
        CHECK_EQ(n, want[t]);
        char b[256];
        long got = 0, r;
        while ((r = recv(sv[1], b, sizeof b, 0)) > 0)
            got += r;
        CHECK_EQ(got, n);
        CHECK_EQ(send(sv[0], "s", 1, 0), 1);
        close(sv[0]), close(sv[1]);
    }
    return 0;
}
