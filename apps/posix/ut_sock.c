/*
 * ut_sock.c: AF_UNIX sockets in the guest (usertests.h), through musl and the POSIX layer
 * (libos/posix/socket.c) into pm's file layer (libos/fs/sock.c, unix.c): the calls' errors
 * (EFAULT, EBADF, ENOTSOCK, EAFNOSUPPORT, EINVAL, ENOENT, ECONNREFUSED, EPROTOTYPE,
 * EADDRINUSE), a socketpair across fork carrying 200000 bytes each way (many mailbox chunks,
 * MSG_WAITALL), iovecs byte for byte, EOF and SIGPIPE when the peer's process ends, a listening
 * socket on a path with a child connecting (SO_PEERCRED is the child's), two forked children
 * accepting on one listening socket, datagrams with names and MSG_TRUNC, poll and epoll woken by
 * another process, and a descriptor passed with SCM_RIGHTS. Exact values and errno each; work
 * under /tmp/ut_sock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "usertests.h"

static socklen_t un_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static int exited(pid_t pid, int code)
{
    int st = -1;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

static unsigned char pat(unsigned i)
{
    return (unsigned char)(i * 31 + i / 509);
}

USERTEST(sock_call_errors)
{
    CHECK_ERR(socket(AF_IPX, SOCK_STREAM, 0), EAFNOSUPPORT); /* a family nobody registers */
    CHECK_ERR(socket(123, SOCK_STREAM, 0), EAFNOSUPPORT);
    CHECK_ERR(socket(AF_UNIX, SOCK_STREAM | 0x10000, 0), EINVAL);
    CHECK_ERR(socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
    CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 6), EPROTONOSUPPORT);
    CHECK_ERR(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 8), EFAULT);
    int sv[2], pf[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
    CHECK_EQ(fcntl(sv[0], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(sv[1], F_GETFL), O_RDWR | O_NONBLOCK);
    CHECK_EQ(pipe(pf), 0);
    struct sockaddr_un a;
    socklen_t al = un_addr(&a, "/tmp/ut_sock/x");
    CHECK_ERR(bind(pf[0], (struct sockaddr *)&a, al), ENOTSOCK);
    CHECK_ERR(bind(99, (struct sockaddr *)&a, al), EBADF);
    CHECK_ERR(bind(sv[0], (struct sockaddr *)8, al), EFAULT);
    CHECK_ERR(bind(sv[0], (struct sockaddr *)&a, 200), EINVAL);
    CHECK_ERR(listen(pf[0], 1), ENOTSOCK);
    CHECK_ERR(accept(sv[0], NULL, NULL), EINVAL);
    socklen_t l = sizeof a;
    CHECK_ERR(accept(sv[0], (struct sockaddr *)&a, (socklen_t *)8), EFAULT);
    CHECK_ERR(send(sv[0], (void *)8, 10, 0), EFAULT);
    CHECK_ERR(recv(sv[0], (void *)8, 10, 0), EFAULT);
    CHECK_ERR(recv(sv[0], &a, 1, 0), EAGAIN);
    CHECK_ERR(send(pf[1], "x", 1, 0), ENOTSOCK);
    CHECK_ERR(shutdown(sv[0], 7), EINVAL);
    CHECK_ERR(getsockname(sv[0], (struct sockaddr *)&a, (socklen_t *)8), EFAULT);
    CHECK_ERR(getpeername(pf[0], (struct sockaddr *)&a, &l), ENOTSOCK);
    int v = 0;
    l = sizeof v;
    CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, 999, &v, &l), ENOPROTOOPT);
    CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l), 0);
    CHECK_EQ(v, SOCK_STREAM);
    CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &l), 0);
    CHECK_EQ(v, AF_UNIX);
    struct stat st;
    CHECK_EQ(fstat(sv[0], &st), 0);
    CHECK_EQ(S_ISSOCK(st.st_mode), 1);
    CHECK_ERR(lseek(sv[0], 0, SEEK_SET), ESPIPE);
    /* read, write, FIONREAD, and iovecs gathered and scattered byte for byte */
    CHECK_EQ(write(sv[0], "abc", 3), 3);
    char b1[2], b2[5], b3[9];
    struct iovec out[3] = {{"012", 3}, {"", 0}, {"3456789", 7}};
    struct msghdr mh = {.msg_iov = out, .msg_iovlen = 3};
    CHECK_EQ(sendmsg(sv[0], &mh, 0), 10);
    int n = -1;
    CHECK_EQ(ioctl(sv[1], FIONREAD, &n), 0);
    CHECK_EQ(n, 13);
    struct iovec in[3] = {{b1, 2}, {b2, 5}, {b3, 9}};
    mh = (struct msghdr){.msg_iov = in, .msg_iovlen = 3};
    CHECK_EQ(recvmsg(sv[1], &mh, 0), 13);
    CHECK_EQ(memcmp(b1, "ab", 2), 0);
    CHECK_EQ(memcmp(b2, "c0123", 5), 0);
    CHECK_EQ(memcmp(b3, "456789", 6), 0);
    CHECK_EQ(mh.msg_flags, 0);
    struct iovec many = {b1, 1};
    mh = (struct msghdr){.msg_iov = &many, .msg_iovlen = 1025};
    CHECK_ERR(sendmsg(sv[0], &mh, 0), EMSGSIZE);
    return 0;
}

USERTEST(sock_pair_across_fork)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    static unsigned char buf[200000];
    pid_t pid = fork();
    if (pid == 0) { /* echoes 200000 bytes back, then its end goes with it */
        close(sv[0]);
        size_t got = 0;
        while (got < sizeof buf) {
            ssize_t r = read(sv[1], buf + got, sizeof buf - got);
            if (r <= 0)
                _exit(2);
            got += (size_t)r;
        }
        /* in two halves, 30 ms apart: the parent's MSG_WAITALL waits for the second */
        struct timespec ts = {0, 30 * 1000000L};
        if (write(sv[1], buf, sizeof buf / 2) != (ssize_t)sizeof buf / 2)
            _exit(3);
        nanosleep(&ts, NULL);
        _exit(write(sv[1], buf + sizeof buf / 2, sizeof buf / 2) == (ssize_t)sizeof buf / 2 ? 0
                                                                                            : 4);
    }
    close(sv[1]);
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = pat(i);
    CHECK_EQ(send(sv[0], buf, sizeof buf, 0), (long)sizeof buf);
    memset(buf, 0, sizeof buf);
    CHECK_EQ(recv(sv[0], buf, sizeof buf, MSG_WAITALL), (long)sizeof buf);
    int ok = 1;
    for (unsigned i = 0; i < sizeof buf; i++)
        ok &= buf[i] == pat(i);
    CHECK_EQ(ok, 1);
    CHECK_EQ(exited(pid, 0), 1);
    CHECK_EQ(read(sv[0], buf, 10), 0); /* EOF: the child's end went with it */
    struct pollfd pfd = {sv[0], POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&pfd, 1, 0), 1);
    CHECK_EQ(pfd.revents, POLLIN | POLLOUT | POLLHUP);
    CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    /* without MSG_NOSIGNAL, SIGPIPE ends a process that did not ask otherwise */
    pid = fork();
    if (pid == 0) {
        write(sv[0], "x", 1);
        _exit(9);
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE, 1);
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(write(sv[0], "x", 1), EPIPE);
    return 0;
}

USERTEST(sock_listen_child_connects)
{
    mkdir("/tmp/ut_sock", 0777);
    unlink("/tmp/ut_sock/srv");
    struct sockaddr_un a;
    socklen_t al = un_addr(&a, "/tmp/ut_sock/srv");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ(bind(l, (struct sockaddr *)&a, al), 0);
    struct stat st;
    CHECK_EQ(stat("/tmp/ut_sock/srv", &st), 0);
    CHECK_EQ(S_ISSOCK(st.st_mode), 1);
    int d = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(bind(d, (struct sockaddr *)&a, al), EADDRINUSE);
    CHECK_ERR(connect(d, (struct sockaddr *)&a, al), ECONNREFUSED); /* not listening yet */
    CHECK_EQ(listen(l, 4), 0);
    int g = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_ERR(connect(g, (struct sockaddr *)&a, al), EPROTOTYPE);
    struct sockaddr_un none;
    socklen_t nl = un_addr(&none, "/tmp/ut_sock/none");
    CHECK_ERR(connect(d, (struct sockaddr *)&none, nl), ENOENT);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, al) != 0)
            _exit(2);
        char r[8];
        if (write(c, "hello", 5) != 5 || read(c, r, 8) != 3 || memcmp(r, "bye", 3) != 0)
            _exit(3);
        _exit(0);
    }
    struct sockaddr_un peer;
    socklen_t pl = sizeof peer;
    int c = accept4(l, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC); /* waits for the child */
    CHECK_EQ(c >= 0, 1);
    CHECK_EQ(pl, (long)offsetof(struct sockaddr_un, sun_path)); /* an unbound client */
    CHECK_EQ(fcntl(c, F_GETFD), FD_CLOEXEC);
    struct ucred uc;
    socklen_t ul = sizeof uc;
    CHECK_EQ(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &ul), 0);
    CHECK_EQ(ul, (long)sizeof uc);
    CHECK_EQ(uc.pid, pid);
    CHECK_EQ(uc.uid, getuid());
    char b[8];
    CHECK_EQ(read(c, b, 8), 5);
    CHECK_EQ(memcmp(b, "hello", 5), 0);
    CHECK_EQ(write(c, "bye", 3), 3);
    CHECK_EQ(exited(pid, 0), 1);
    struct sockaddr_un me;
    socklen_t ml = sizeof me;
    CHECK_EQ(getsockname(c, (struct sockaddr *)&me, &ml), 0);
    CHECK_EQ(ml, al);
    CHECK_EQ(strcmp(me.sun_path, "/tmp/ut_sock/srv"), 0);
    CHECK_EQ(unlink("/tmp/ut_sock/srv"), 0);
    CHECK_ERR(connect(d, (struct sockaddr *)&a, al), ENOENT); /* the name is gone */
    return 0;
}

USERTEST(sock_two_acceptors_share_a_listener)
{
    mkdir("/tmp/ut_sock", 0777);
    unlink("/tmp/ut_sock/two");
    struct sockaddr_un a;
    socklen_t al = un_addr(&a, "/tmp/ut_sock/two");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ(bind(l, (struct sockaddr *)&a, al), 0);
    CHECK_EQ(listen(l, 8), 0);
    pid_t kid[2];
    for (int i = 0; i < 2; i++)
        if ((kid[i] = fork()) == 0) { /* accepts one connection, exits with its first byte */
            int c = accept(l, NULL, NULL);
            unsigned char x = 0;
            _exit(c >= 0 && read(c, &x, 1) == 1 ? x : 1);
        }
    int s1 = socket(AF_UNIX, SOCK_STREAM, 0), s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ(connect(s1, (struct sockaddr *)&a, al), 0);
    CHECK_EQ(connect(s2, (struct sockaddr *)&a, al), 0);
    CHECK_EQ(write(s1, "A", 1), 1);
    CHECK_EQ(write(s2, "B", 1), 1);
    int sum = 0;
    for (int i = 0; i < 2; i++) {
        int st;
        CHECK_EQ(waitpid(kid[i], &st, 0), kid[i]);
        CHECK_EQ(WIFEXITED(st), 1);
        sum += WEXITSTATUS(st) == 'A' ? 1 : WEXITSTATUS(st) == 'B' ? 2 : 100;
    }
    CHECK_EQ(sum, 3); /* one each */
    unlink("/tmp/ut_sock/two");
    return 0;
}

USERTEST(sock_datagrams)
{
    mkdir("/tmp/ut_sock", 0777);
    unlink("/tmp/ut_sock/rx");
    unlink("/tmp/ut_sock/tx");
    struct sockaddr_un ra, ta;
    socklen_t rl = un_addr(&ra, "/tmp/ut_sock/rx"), tl = un_addr(&ta, "/tmp/ut_sock/tx");
    int r = socket(AF_UNIX, SOCK_DGRAM, 0), w = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_EQ(bind(r, (struct sockaddr *)&ra, rl), 0);
    CHECK_EQ(bind(w, (struct sockaddr *)&ta, tl), 0);
    CHECK_ERR(send(w, "x", 1, 0), ENOTCONN);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = sendto(w, "first", 5, 0, (struct sockaddr *)&ra, rl) == 5 &&
                 sendto(w, "second!", 7, 0, (struct sockaddr *)&ra, rl) == 7;
        _exit(ok ? 0 : 2);
    }
    CHECK_EQ(exited(pid, 0), 1);
    char b[16];
    struct sockaddr_un from;
    socklen_t fl = sizeof from;
    CHECK_EQ(recvfrom(r, b, sizeof b, 0, (struct sockaddr *)&from, &fl), 5);
    CHECK_EQ(memcmp(b, "first", 5), 0);
    CHECK_EQ(fl, tl);
    CHECK_EQ(strcmp(from.sun_path, "/tmp/ut_sock/tx"), 0);
    struct iovec v = {b, 3};
    struct msghdr mh = {.msg_iov = &v, .msg_iovlen = 1};
    CHECK_EQ(recvmsg(r, &mh, 0), 3);
    CHECK_EQ(mh.msg_flags, MSG_TRUNC);
    CHECK_EQ(memcmp(b, "sec", 3), 0);
    CHECK_ERR(recv(r, b, sizeof b, MSG_DONTWAIT), EAGAIN);
    close(r);                                            /* the destination goes: ECONNREFUSED */
    CHECK_EQ(connect(w, (struct sockaddr *)&ta, tl), 0); /* to itself */
    CHECK_EQ(send(w, "self", 4, 0), 4);
    CHECK_EQ(recv(w, b, sizeof b, 0), 4);
    CHECK_ERR(sendto(w, "x", 1, 0, (struct sockaddr *)&ra, rl), ECONNREFUSED);
    unlink("/tmp/ut_sock/rx");
    unlink("/tmp/ut_sock/tx");
    return 0;
}

USERTEST(sock_poll_and_epoll_wake)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t pid = fork();
    if (pid == 0) { /* writes twice, a little later each time */
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        if (write(sv[1], "p", 1) != 1)
            _exit(2);
        nanosleep(&ts, NULL);
        _exit(write(sv[1], "e", 1) == 1 ? 0 : 3);
    }
    struct pollfd pfd = {sv[0], POLLIN, 0};
    CHECK_EQ(poll(&pfd, 1, 5000), 1);
    CHECK_EQ(pfd.revents, POLLIN);
    char c;
    CHECK_EQ(read(sv[0], &c, 1), 1);
    CHECK_EQ(c, 'p');
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = 77}, got[2];
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev), 0);
    CHECK_EQ(epoll_wait(ep, got, 2, 5000), 1);
    CHECK_EQ(got[0].events, EPOLLIN);
    CHECK_EQ(got[0].data.u64, 77);
    CHECK_EQ(read(sv[0], &c, 1), 1);
    CHECK_EQ(c, 'e');
    close(sv[1]);
    CHECK_EQ(exited(pid, 0), 1); /* the last end goes: hang-up */
    CHECK_EQ(epoll_wait(ep, got, 2, 5000), 1);
    CHECK_EQ(got[0].events, EPOLLIN | EPOLLRDHUP | EPOLLHUP);
    return 0;
}

USERTEST(sock_scm_rights)
{
    mkdir("/tmp/ut_sock", 0777);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    pid_t pid = fork();
    if (pid == 0) { /* opens a file the parent never opened, and sends its descriptor */
        int fd = open("/tmp/ut_sock/passed", O_RDWR | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || write(fd, "secret", 6) != 6)
            _exit(2);
        union {
            struct cmsghdr h;
            char b[CMSG_SPACE(sizeof(int))];
        } u;
        memset(&u, 0, sizeof u);
        struct iovec v = {"fd", 2};
        struct msghdr mh = {
            .msg_iov = &v, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof fd);
        _exit(sendmsg(sv[1], &mh, 0) == 2 ? 0 : 3);
    }
    CHECK_EQ(exited(pid, 0), 1);
    union {
        struct cmsghdr h;
        char b[64];
    } u;
    char b[8];
    struct iovec v = {b, sizeof b};
    struct msghdr mh = {
        .msg_iov = &v, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
    CHECK_EQ(recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC), 2);
    CHECK_EQ(mh.msg_controllen, (long)CMSG_SPACE(sizeof(int)));
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    CHECK_EQ(cm != NULL, 1);
    CHECK_EQ(cm->cmsg_type, SCM_RIGHTS);
    int fd = -1;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6); /* the child's description, offset and all */
    CHECK_EQ(pread(fd, b, 6, 0), 6);
    CHECK_EQ(memcmp(b, "secret", 6), 0);
    unlink("/tmp/ut_sock/passed");
    return 0;
}
