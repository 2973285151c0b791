/*
 * test_epoll.c: epoll instances (libos/fs/epoll.c): every epoll_ctl error in Linux's order,
 * level-triggered reports, EPOLLET (one report per write, none after a partial read),
 * EPOLLONESHOT until MOD, hang-up and error bits, 64-bit data given back exactly, interests
 * kept through dup and dropped at the description's last close, nesting (poll of an instance,
 * an instance inside another, ELOOP for cycles and depth), sharing after fork, round-robin
 * order when maxevents is smaller than what is ready, and no leak.
 */
#include <check.h>

#include "host_hooks.h"

#include <string.h>

#define IN FS_POLLIN
#define OUT FS_POLLOUT
#define ADD FS_EPOLL_CTL_ADD
#define MOD FS_EPOLL_CTL_MOD
#define DEL FS_EPOLL_CTL_DEL

static long ctl(struct fs_proc *p, int ep, int op, int fd, uint32_t events, uint64_t data)
{
    struct fs_epoll_event ev = {events, data};
    return fs_epoll_ctl(p, ep, op, fd, &ev);
}

static struct fs_epoll_event evs[8];

static long wait_(struct fs_proc *p, int ep)
{
    memset(evs, 0xee, sizeof evs);
    return fs_epoll_wait(p, ep, evs, 8);
}

TEST_CASE(create_and_ctl_errors)
{
    struct fs_proc *p = host_proc("ctlerr");
    CHECK_EQ(fs_epoll_create(p, 1), -FS_EINVAL);
    long ep = fs_epoll_create(p, FS_EPOLL_CLOEXEC);
    CHECK_EQ(ep, 0);
    CHECK_EQ(fs_fcntl(p, (int)ep, FS_F_GETFD, 0), FS_FD_CLOEXEC);
    CHECK_EQ(fs_fcntl(p, (int)ep, FS_F_GETFL, 0), FS_O_RDWR);
    long ep2 = fs_epoll_create(p, 0);
    CHECK_EQ(fs_fcntl(p, (int)ep2, FS_F_GETFD, 0), 0);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(host_put(p, "reg", "x"), 0);
    long reg = fs_open(p, "reg", FS_O_RDONLY, 0);
    long dir = fs_open(p, ".", FS_O_RDONLY, 0);
    CHECK_EQ(ctl(p, 99, ADD, fds[0], IN, 0), -FS_EBADF);
    CHECK_EQ(ctl(p, (int)ep, ADD, 99, IN, 0), -FS_EBADF);
    CHECK_EQ(ctl(p, (int)ep, ADD, (int)reg, IN, 0), -FS_EPERM); /* regular files: no poll */
    CHECK_EQ(ctl(p, (int)ep, ADD, (int)dir, IN, 0), -FS_EPERM);
    CHECK_EQ(ctl(p, fds[1], ADD, fds[0], IN, 0), -FS_EINVAL);   /* not an instance */
    CHECK_EQ(ctl(p, (int)ep, ADD, (int)ep, IN, 0), -FS_EINVAL); /* itself */
    CHECK_EQ(ctl(p, (int)ep, MOD, fds[0], IN, 0), -FS_ENOENT);
    CHECK_EQ(ctl(p, (int)ep, DEL, fds[0], IN, 0), -FS_ENOENT);
    CHECK_EQ(ctl(p, (int)ep, 7, fds[0], IN, 0), -FS_EINVAL);
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[0], IN, 1), 0);
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[0], IN, 1), -FS_EEXIST);
    CHECK_EQ(ctl(p, (int)ep, MOD, fds[0], IN | FS_EPOLLEXCLUSIVE, 0), -FS_EINVAL);
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[1], OUT | FS_EPOLLEXCLUSIVE | FS_EPOLLRDHUP, 0), -FS_EINVAL);
    CHECK_EQ(ctl(p, (int)ep, ADD, (int)ep2, IN | FS_EPOLLEXCLUSIVE, 0), -FS_EINVAL);
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[1], OUT | FS_EPOLLEXCLUSIVE, 0), 0);
    CHECK_EQ(ctl(p, (int)ep, MOD, fds[1], OUT, 0), -FS_EINVAL); /* exclusive: no MOD */
    CHECK_EQ(ctl(p, (int)ep, DEL, fds[1], 0, 0), 0);
    CHECK_EQ(fs_epoll_ctl(p, (int)ep, DEL, fds[0], NULL), 0);
    CHECK_EQ(fs_epoll_wait(p, (int)ep, evs, 0), -FS_EINVAL);
    CHECK_EQ(fs_epoll_wait(p, (int)ep, evs, -1), -FS_EINVAL);
    CHECK_EQ(fs_epoll_wait(p, 99, evs, 1), -FS_EBADF);
    CHECK_EQ(fs_epoll_wait(p, fds[0], evs, 1), -FS_EINVAL);
    char c;
    CHECK_EQ(fs_read(p, (int)ep, &c, 1), -FS_EINVAL);
    CHECK_EQ(fs_write(p, (int)ep, &c, 1), -FS_EINVAL);
    CHECK_EQ(fs_lseek(p, (int)ep, 5, FS_SEEK_SET), 0);
    struct fs_stat st;
    CHECK_EQ(fs_fstat(p, (int)ep, &st), 0);
    CHECK_EQ(st.st_mode, 0600);
    fs_proc_exit(p);
}

TEST_CASE(level_triggered)
{
    struct fs_proc *p = host_proc("level");
    long ep = fs_epoll_create(p, 0);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[0], IN, 0x1122334455667788ull), 0);
    CHECK_EQ(wait_(p, (int)ep), 0);
    CHECK_EQ(fs_write(p, fds[1], "ab", 2), 2);
    for (int i = 0; i < 3; i++) { /* reported while it stays readable */
        CHECK_EQ(wait_(p, (int)ep), 1);
        CHECK_EQ(evs[0].events, IN);
        CHECK_EQ(evs[0].data, 0x1122334455667788ull);
    }
    char buf[4];
    CHECK_EQ(fs_read(p, fds[0], buf, 4), 2);
    CHECK_EQ(wait_(p, (int)ep), 0);
    CHECK_EQ(ctl(p, (int)ep, MOD, fds[0], IN | FS_POLLRDNORM, 7), 0);
    CHECK_EQ(fs_write(p, fds[1], "c", 1), 1);
    CHECK_EQ(wait_(p, (int)ep), 1);
    CHECK_EQ(evs[0].events, IN | FS_POLLRDNORM);
    CHECK_EQ(evs[0].data, 7);
    CHECK_EQ(ctl(p, (int)ep, DEL, fds[0], 0, 0), 0);
    CHECK_EQ(wait_(p, (int)ep), 0);
    fs_proc_exit(p);
}

TEST_CASE(edge_triggered)
{
    struct fs_proc *p = host_proc("edge");
    long ep = fs_epoll_create(p, 0);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[0], IN | FS_EPOLLET, 5), 0);
    CHECK_EQ(wait_(p, (int)ep), 0);
    CHECK_EQ(fs_write(p, fds[1], "abcd", 4), 4);
    CHECK_EQ(wait_(p, (int)ep), 1);
    CHECK_EQ(evs[0].events, IN);
    CHECK_EQ(wait_(p, (int)ep), 0); /* no new edge */
    char buf[4];
    CHECK_EQ(fs_read(p, fds[0], buf, 2), 2);
    CHECK_EQ(wait_(p, (int)ep), 0); /* a read is not an input edge, data left or not */
    CHECK_EQ(fs_write(p, fds[1], "e", 1), 1);
    CHECK_EQ(wait_(p, (int)ep), 1); /* each write is one */
    CHECK_EQ(wait_(p, (int)ep), 0);
    CHECK_EQ(ctl(p, (int)ep, MOD, fds[0], IN | FS_EPOLLET, 6), 0); /* MOD of a ready one */
    CHECK_EQ(wait_(p, (int)ep), 1);
    CHECK_EQ(evs[0].data, 6);
    /* The write end, edge-triggered: space made by a read is its edge. */
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[1], OUT | FS_EPOLLET, 9), 0);
    CHECK_EQ(wait_(p, (int)ep), 1);
    CHECK_EQ(evs[0].events, OUT);
    CHECK_EQ(evs[0].data, 9);
    CHECK_EQ(wait_(p, (int)ep), 0);
    CHECK_EQ(fs_read(p, fds[0], buf, 1), 1);
    CHECK_EQ(wait_(p, (int)ep), 1);
    CHECK_EQ(evs[0].data, 9);
    /* Hang-up is an edge for every interest: the reader sees IN (data left) and HUP. */
    CHECK_EQ(ctl(p, (int)ep, DEL, fds[1], 0, 0), 0);
    CHECK_EQ(fs_close(p, fds[1]), 0);
    CHECK_EQ(wait_(p, (int)ep), 1);
    CHECK_EQ(evs[0].events, IN | FS_POLLHUP);
    CHECK_EQ(wait_(p, (int)ep), 0);
    fs_proc_exit(p);
}

TEST_CASE(oneshot_until_mod)
{
    struct fs_proc *p = host_proc("oneshot");
    long ep = fs_epoll_create(p, 0);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[0], IN | FS_EPOLLONESHOT, 1), 0);
    CHECK_EQ(fs_write(p, fds[1], "a", 1), 1);
    CHECK_EQ(wait_(p, (int)ep), 1);
    CHECK_EQ(wait_(p, (int)ep), 0); /* disabled though still readable */
    CHECK_EQ(fs_write(p, fds[1], "b", 1), 1);
    CHECK_EQ(wait_(p, (int)ep), 0); /* and writes do not wake it */
    CHECK_EQ(fs_close(p, fds[1]), 0);
    CHECK_EQ(wait_(p, (int)ep), 0);                            /* nor a hang-up */
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[0], IN, 1), -FS_EEXIST); /* still there */
    CHECK_EQ(ctl(p, (int)ep, MOD, fds[0], IN | FS_EPOLLONESHOT, 2), 0);
    CHECK_EQ(wait_(p, (int)ep), 1);
    CHECK_EQ(evs[0].events, IN | FS_POLLHUP);
    CHECK_EQ(evs[0].data, 2);
    CHECK_EQ(wait_(p, (int)ep), 0);
    fs_proc_exit(p);
}

TEST_CASE(hangup_and_error_bits)
{
    struct fs_proc *p = host_proc("hup");
    long ep = fs_epoll_create(p, 0);
    int a[2], b[2];
    CHECK_EQ(fs_pipe2(p, a, 0), 0);
    CHECK_EQ(fs_pipe2(p, b, 0), 0);
    CHECK_EQ(ctl(p, (int)ep, ADD, a[0], 0, 1), 0); /* no events asked: HUP and ERR still */
    CHECK_EQ(ctl(p, (int)ep, ADD, b[1], FS_EPOLLRDHUP, 2), 0);
    CHECK_EQ(wait_(p, (int)ep), 0);
    CHECK_EQ(fs_close(p, a[1]), 0);
    CHECK_EQ(fs_close(p, b[0]), 0);
    CHECK_EQ(wait_(p, (int)ep), 2);
    CHECK_EQ(evs[0].events, FS_POLLHUP); /* pipes say no RDHUP, as Linux's */
    CHECK_EQ(evs[0].data, 1);
    CHECK_EQ(evs[1].events, FS_POLLERR);
    CHECK_EQ(evs[1].data, 2);
    fs_proc_exit(p);
}

TEST_CASE(interest_follows_the_description)
{
    struct fs_proc *p = host_proc("desc");
    long ep = fs_epoll_create(p, 0);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[0], IN, 42), 0);
    long d = fs_dup(p, fds[0]);
    CHECK_EQ(ctl(p, (int)ep, DEL, (int)d, 0, 0), -FS_ENOENT); /* keyed by (file, fd) */
    CHECK_EQ(fs_close(p, fds[0]), 0);                         /* the description lives on in d */
    CHECK_EQ(fs_write(p, fds[1], "x", 1), 1);
    CHECK_EQ(wait_(p, (int)ep), 1);
    CHECK_EQ(evs[0].data, 42);
    CHECK_EQ(fs_close(p, (int)d), 0); /* the last close: the interest goes */
    CHECK_EQ(wait_(p, (int)ep), 0);
    CHECK_EQ(fs_pipe2(p, fds, 0), 0); /* a new file at the old number is a new interest */
    CHECK_EQ(ctl(p, (int)ep, ADD, fds[0], IN, 43), 0);
    /* Shared after fork: the child's ADD is the parent's too. */
    struct fs_proc *c = fs_proc_fork(p);
    CHECK_EQ(ctl(c, (int)ep, ADD, fds[1], OUT, 44), 0);
    fs_proc_exit(c);
    CHECK_EQ(wait_(p, (int)ep), 1);
    CHECK_EQ(evs[0].data, 44);
    fs_proc_exit(p);
}

TEST_CASE(nesting_and_loops)
{
    struct fs_proc *p = host_proc("nest");
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    long inner = fs_epoll_create(p, 0), outer = fs_epoll_create(p, 0);
    CHECK_EQ(ctl(p, (int)inner, ADD, fds[0], IN, 1), 0);
    CHECK_EQ(ctl(p, (int)outer, ADD, (int)inner, IN | FS_EPOLLET, 2), 0);
    CHECK_EQ(ctl(p, (int)inner, ADD, (int)outer, IN, 3), -FS_ELOOP); /* a cycle */
    CHECK_EQ(fs_poll(p, (int)inner), 0);
    CHECK_EQ(wait_(p, (int)outer), 0);
    CHECK_EQ(fs_write(p, fds[1], "x", 1), 1);
    CHECK_EQ(fs_poll(p, (int)inner), FS_POLLIN | FS_POLLRDNORM);
    CHECK_EQ(wait_(p, (int)outer), 1);
    CHECK_EQ(evs[0].events, IN);
    CHECK_EQ(evs[0].data, 2);
    CHECK_EQ(wait_(p, (int)outer), 0); /* edge-triggered on the inner one */
    CHECK_EQ(wait_(p, (int)inner), 1); /* which still says its pipe is readable */
    /* A chain e0 <- e1 <- ... : Linux takes six nestings, the seventh is ELOOP. */
    long e[8];
    for (int i = 0; i < 8; i++)
        e[i] = fs_epoll_create(p, 0);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(ctl(p, (int)e[i + 1], ADD, (int)e[i], IN, 0), 0);
    CHECK_EQ(ctl(p, (int)e[7], ADD, (int)e[6], IN, 0), -FS_ELOOP);
    CHECK_EQ(ctl(p, (int)e[0], ADD, fds[0], IN, 0), 0); /* readiness climbs the chain */
    CHECK_EQ(fs_poll(p, (int)e[6]), FS_POLLIN | FS_POLLRDNORM);
    fs_proc_exit(p);
}

TEST_CASE(round_robin_and_leaks)
{
    struct fs_proc *p = host_proc("rr");
    long ep = fs_epoll_create(p, 0);
    int f[3][2];
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(fs_pipe2(p, f[i], 0), 0);
        CHECK_EQ(fs_write(p, f[i][1], "x", 1), 1);
        CHECK_EQ(ctl(p, (int)ep, ADD, f[i][0], IN, (uint64_t)i), 0);
    }
    struct fs_epoll_event one[2];
    int order[6];
    for (int k = 0; k < 3; k++) { /* two at a time: 0 1, 2 0, 1 2 */
        CHECK_EQ(fs_epoll_wait(p, (int)ep, one, 2), 2);
        order[2 * k] = (int)one[0].data;
        order[2 * k + 1] = (int)one[1].data;
    }
    CHECK_EQ(order[0], 0);
    CHECK_EQ(order[1], 1);
    CHECK_EQ(order[2], 2);
    CHECK_EQ(order[3], 0);
    CHECK_EQ(order[4], 1);
    CHECK_EQ(order[5], 2);
    fs_proc_exit(p); /* closes the instance before some of its files, then the rest */
    long again = host_pages_out;
    for (int round = 0; round < 100; round++) {
        p = fs_proc_new();
        ep = fs_epoll_create(p, 0);
        CHECK_EQ(fs_pipe2(p, f[0], 0), 0);
        CHECK_EQ(ctl(p, (int)ep, ADD, f[0][0], IN, 0), 0);
        fs_proc_exit(p);
    }
    CHECK_EQ(host_pages_out, again);
}
