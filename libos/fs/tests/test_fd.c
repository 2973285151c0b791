/*
 * test_fd.c: descriptor tables (libos/fs/fd.c, proc.c): lowest free descriptor, EMFILE,
 * dup/dup2/dup3 and their errors, FD_CLOEXEC through fcntl and exec, F_GETFL/F_SETFL, F_DUPFD
 * and F_DUPFD_CLOEXEC, shared offsets after dup and fork, close, and that a process's exit
 * gives back every page.
 */
#include <check.h>

#include "host_hooks.h"

#include <string.h>

TEST_CASE(lowest_free)
{
    struct fs_proc *p = host_proc("lowest");
    CHECK_EQ(host_put(p, "f", "0123456789"), 0);
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY, 0), 0);
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY, 0), 1);
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY, 0), 2);
    CHECK_EQ(fs_close(p, 1), 0);
    CHECK_EQ(fs_close(p, 1), -FS_EBADF);
    CHECK_EQ(fs_close(p, -1), -FS_EBADF);
    CHECK_EQ(fs_close(p, FS_NFD), -FS_EBADF);
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY, 0), 1);
    CHECK_EQ(fs_dup(p, 0), 3);
    CHECK_EQ(fs_dup(p, 9), -FS_EBADF);
    for (int i = 4; i < FS_NFD; i++)
        CHECK_EQ(fs_dup(p, 0), i);
    CHECK_EQ(fs_dup(p, 0), -FS_EMFILE);
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY, 0), -FS_EMFILE);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), -FS_EMFILE);
    CHECK_EQ(fs_close(p, 100), 0);
    CHECK_EQ(fs_pipe2(p, fds, 0), -FS_EMFILE); /* needs two */
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY, 0), 100);
    fs_proc_exit(p);
}

TEST_CASE(dup2_dup3)
{
    struct fs_proc *p = host_proc("dup2");
    CHECK_EQ(host_put(p, "a", "AAAA"), 0);
    CHECK_EQ(host_put(p, "b", "BBBB"), 0);
    long a = fs_open(p, "a", FS_O_RDONLY, 0), b = fs_open(p, "b", FS_O_RDONLY, 0);
    char c;
    CHECK_EQ(fs_dup2(p, (int)a, 10), 10);
    CHECK_EQ(fs_read(p, 10, &c, 1), 1);
    CHECK_EQ(c, 'A');
    CHECK_EQ(fs_dup2(p, (int)b, 10), 10); /* closes the old 10 first */
    CHECK_EQ(fs_read(p, 10, &c, 1), 1);
    CHECK_EQ(c, 'B');
    CHECK_EQ(fs_dup2(p, 10, 10), 10);
    CHECK_EQ(fs_dup2(p, 11, 11), -FS_EBADF);
    CHECK_EQ(fs_dup2(p, 55, 10), -FS_EBADF);
    CHECK_EQ(fs_dup2(p, (int)a, -1), -FS_EBADF);
    CHECK_EQ(fs_dup2(p, (int)a, FS_NFD), -FS_EBADF);
    CHECK_EQ(fs_dup3(p, 10, 10, 0), -FS_EINVAL);
    CHECK_EQ(fs_dup3(p, (int)a, 12, FS_O_NONBLOCK), -FS_EINVAL);
    CHECK_EQ(fs_dup3(p, (int)a, 12, FS_O_CLOEXEC), 12);
    CHECK_EQ(fs_fcntl(p, 12, FS_F_GETFD, 0), FS_FD_CLOEXEC);
    CHECK_EQ(fs_dup2(p, (int)a, 12), 12); /* dup2 clears it */
    CHECK_EQ(fs_fcntl(p, 12, FS_F_GETFD, 0), 0);
    /* dup2 onto the last descriptor of a file keeps the file the other way round. */
    CHECK_EQ(fs_dup2(p, (int)b, (int)b), b);
    fs_proc_exit(p);
}

TEST_CASE(fcntl_flags)
{
    struct fs_proc *p = host_proc("fcntl");
    CHECK_EQ(host_put(p, "f", "x"), 0);
    long fd = fs_open(p, "f", FS_O_RDWR | FS_O_CLOEXEC | FS_O_APPEND, 0);
    CHECK_EQ(fd, 0);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_GETFD, 0), FS_FD_CLOEXEC);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_GETFL, 0), FS_O_RDWR | FS_O_APPEND | FS_O_LARGEFILE);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_SETFL, FS_O_NONBLOCK | FS_O_WRONLY | FS_O_TRUNC), 0);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_GETFL, 0), FS_O_RDWR | FS_O_NONBLOCK | FS_O_LARGEFILE);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_SETFD, 0), 0);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_GETFD, 0), 0);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_DUPFD, 5), 5);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_DUPFD, 5), 6);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_DUPFD_CLOEXEC, 0), 1);
    CHECK_EQ(fs_fcntl(p, 1, FS_F_GETFD, 0), FS_FD_CLOEXEC);
    CHECK_EQ(fs_fcntl(p, 5, FS_F_GETFD, 0), 0);
    CHECK_EQ(fs_fcntl(p, 5, FS_F_GETFL, 0), FS_O_RDWR | FS_O_NONBLOCK | FS_O_LARGEFILE);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_DUPFD, FS_NFD), -FS_EINVAL);
    CHECK_EQ(fs_fcntl(p, 40, FS_F_GETFD, 0), -FS_EBADF);
    CHECK_EQ(fs_fcntl(p, (int)fd, 9999, 0), -FS_EINVAL);
    fs_proc_exit(p);
}

TEST_CASE(shared_offset)
{
    struct fs_proc *p = host_proc("offset");
    CHECK_EQ(host_put(p, "f", "abcdef"), 0);
    long fd = fs_open(p, "f", FS_O_RDONLY, 0);
    long d = fs_dup(p, (int)fd);
    char buf[8];
    CHECK_EQ(fs_read(p, (int)fd, buf, 2), 2);
    CHECK_EQ(fs_read(p, (int)d, buf, 2), 2);
    CHECK_EQ(memcmp(buf, "cd", 2), 0);
    struct fs_proc *child = fs_proc_fork(p);
    CHECK_EQ(fs_read(child, (int)fd, buf, 1), 1);
    CHECK_EQ(buf[0], 'e');
    CHECK_EQ(fs_lseek(p, (int)d, 0, FS_SEEK_CUR), 5);
    /* A separate open has its own offset. */
    long other = fs_open(p, "f", FS_O_RDONLY, 0);
    CHECK_EQ(fs_read(p, (int)other, buf, 1), 1);
    CHECK_EQ(buf[0], 'a');
    fs_proc_exit(child);
    CHECK_EQ(fs_read(p, (int)fd, buf, 8), 1);
    CHECK_EQ(buf[0], 'f');
    fs_proc_exit(p);
}

TEST_CASE(cloexec_exec)
{
    struct fs_proc *p = host_proc("exec");
    CHECK_EQ(host_put(p, "f", "x"), 0);
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY | FS_O_CLOEXEC, 0), 0);
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY, 0), 1);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, FS_O_CLOEXEC), 0);
    CHECK_EQ(fds[0], 2);
    CHECK_EQ(fds[1], 3);
    CHECK_EQ(fs_fcntl(p, 1, FS_F_SETFD, FS_FD_CLOEXEC), 0);
    CHECK_EQ(fs_fcntl(p, 3, FS_F_SETFD, 0), 0);
    fs_proc_exec(p);
    CHECK_EQ(fs_fcntl(p, 0, FS_F_GETFD, 0), -FS_EBADF);
    CHECK_EQ(fs_fcntl(p, 1, FS_F_GETFD, 0), -FS_EBADF);
    CHECK_EQ(fs_fcntl(p, 2, FS_F_GETFD, 0), -FS_EBADF);
    CHECK_EQ(fs_fcntl(p, 3, FS_F_GETFD, 0), 0);
    CHECK_EQ(fs_write(p, 3, "x", 1), -FS_EPIPE); /* the read end went with exec */
    CHECK_EQ(p->sigpipe, 1);
    fs_proc_exit(p);
}

TEST_CASE(exit_frees_everything)
{
    struct fs_proc *setup = host_proc("leak");
    fs_proc_exit(setup);
    long before = host_pages_out;
    struct fs_proc *p = fs_proc_new();
    CHECK_EQ(fs_chdir(p, "/t/leak"), 0);
    long fd = fs_open(p, "f", FS_O_RDWR | FS_O_CREAT, 0644);
    static char big[20000];
    CHECK_EQ(fs_write(p, (int)fd, big, sizeof big), (long)sizeof big);
    CHECK_EQ(fs_unlink(p, "f"), 0); /* open: the bytes stay */
    CHECK_EQ(fs_pread(p, (int)fd, big, 10, 19995), 5);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(fs_write(p, fds[1], "abc", 3), 3);
    struct fs_flock fl = {.l_type = FS_F_WRLCK, .l_whence = FS_SEEK_SET, .l_start = 0, .l_len = 5};
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_SETLK, (uint64_t)(uintptr_t)&fl), 0);
    struct fs_proc *child = fs_proc_fork(p);
    fs_proc_exit(p);
    CHECK_MSG(host_pages_out > before, "the child still holds the file and the pipe");
    fs_proc_exit(child);
    CHECK_EQ(host_pages_out - before <= 1, 1); /* allocator slabs may stay; data pages went */
}

/* RLIMIT_NOFILE: EMFILE at the soft limit for every call that makes a descriptor, EBADF for
 * dup2/dup3 and EINVAL for F_DUPFD at or past it, descriptors above it kept; Linux's checks on
 * a new limit; inherited by fork. */
TEST_CASE(rlimit_nofile)
{
    struct fs_proc *p = host_proc("nofile");
    uint64_t old[2], nw[2] = {4, 8};
    CHECK_EQ(fs_rlimit_nofile(p, NULL, old), 0);
    CHECK_EQ(old[0], FS_NFD);
    CHECK_EQ(old[1], FS_NFD);
    CHECK_EQ(host_put(p, "f", "x"), 0);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(fs_open(p, "f", FS_O_RDONLY, 0), i);
    CHECK_EQ(fs_rlimit_nofile(p, nw, old), 0);
    CHECK_EQ(old[0], FS_NFD);
    CHECK_EQ(fs_close(p, 1), 0);
    CHECK_EQ(fs_dup(p, 0), 1);          /* below the limit: fine */
    CHECK_EQ(fs_dup(p, 0), -FS_EMFILE); /* 0..3 taken; 4 and 5 stay open above it */
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY, 0), -FS_EMFILE);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), -FS_EMFILE);
    CHECK_EQ(fs_epoll_create(p, 0), -FS_EMFILE);
    CHECK_EQ(fs_dup2(p, 0, 4), -FS_EBADF);
    CHECK_EQ(fs_dup3(p, 0, 3, 0), 3);
    CHECK_EQ(fs_fcntl(p, 0, FS_F_DUPFD, 4), -FS_EINVAL);
    CHECK_EQ(fs_read(p, 5, nw, 1), 1); /* still open */
    struct fs_proc *c = fs_proc_fork(p);
    CHECK_EQ(fs_rlimit_nofile(c, NULL, old), 0);
    CHECK_EQ(old[0], 4);
    CHECK_EQ(old[1], 8);
    fs_proc_exit(c);
    uint64_t bad[2] = {9, 8};
    CHECK_EQ(fs_rlimit_nofile(p, bad, NULL), -FS_EINVAL);
    bad[0] = 8, bad[1] = FS_NFD + 1;
    CHECK_EQ(fs_rlimit_nofile(p, bad, NULL), -FS_EPERM);
    struct fs_proc *u = host_user(p, 1000, 1000); /* not root: the hard limit only goes down */
    CHECK_EQ(fs_rlimit_nofile(u, (uint64_t[]){8, 16}, NULL), -FS_EPERM);
    CHECK_EQ(fs_rlimit_nofile(u, (uint64_t[]){2, 6}, NULL), 0);
    CHECK_EQ(fs_rlimit_nofile(u, (uint64_t[]){2, 8}, NULL), -FS_EPERM);
    fs_proc_exit(u);
    fs_proc_exit(p);
}
