/*
 * test_fdpath.c: what a descriptor names, as /proc/PID/fd/FD shows it (libos/fs/fdpath.c):
 * a file's path from where it was opened, following a rename in its directory, " (deleted)"
 * once unlinked, directories, a symlink's target, pipes, epoll, dup and fork, a cut buffer.
 */
#include <check.h>

#include "host_hooks.h"

#include <string.h>

static char got[256];

static const char *path_of(struct fs_proc *p, int fd)
{
    long n = fs_fd_path(p, fd, got, sizeof got - 1);
    if (n < 0)
        return "(error)";
    got[n] = 0;
    return got;
}

TEST_CASE(files_dirs_and_renames)
{
    struct fs_proc *p = host_proc("fdpath");
    CHECK_EQ(host_put(p, "f", "x"), 0);
    long f = fs_open(p, "f", FS_O_RDONLY, 0);
    CHECK_STR(path_of(p, (int)f), "/t/fdpath/f");
    CHECK_EQ(fs_rename(p, "f", "g"), 0);
    CHECK_STR(path_of(p, (int)f), "/t/fdpath/g");
    long d = fs_dup(p, (int)f);
    CHECK_STR(path_of(p, (int)d), "/t/fdpath/g");
    CHECK_EQ(fs_unlink(p, "g"), 0);
    CHECK_STR(path_of(p, (int)f), "/t/fdpath/g (deleted)");
    long dot = fs_open(p, ".", FS_O_RDONLY, 0);
    CHECK_STR(path_of(p, (int)dot), "/t/fdpath");
    long root = fs_open(p, "/", FS_O_RDONLY, 0);
    CHECK_STR(path_of(p, (int)root), "/");
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    long x = fs_open(p, "d/x", FS_O_CREAT | FS_O_WRONLY, 0644);
    CHECK_STR(path_of(p, (int)x), "/t/fdpath/d/x");
    long top = fs_open(p, "/t", FS_O_PATH, 0);
    CHECK_STR(path_of(p, (int)top), "/t");
    CHECK_EQ(fs_symlink(p, "d/x", "l"), 0);
    long l = fs_open(p, "l", FS_O_RDONLY, 0);
    CHECK_STR(path_of(p, (int)l), "/t/fdpath/d/x"); /* the file, not the link */
    struct fs_proc *c = fs_proc_fork(p);
    CHECK_STR(path_of(c, (int)x), "/t/fdpath/d/x");
    fs_proc_exit(c);
    CHECK_EQ(fs_fd_path(p, (int)x, got, 5), 5); /* cut, no NUL */
    CHECK_EQ(memcmp(got, "/t/fd", 5), 0);
    CHECK_EQ(fs_fd_path(p, 200, got, sizeof got), -FS_EBADF);
    CHECK_EQ(fs_fd_path(p, -1, got, sizeof got), -FS_EBADF);
    fs_proc_exit(p);
}

TEST_CASE(pipes_and_epoll)
{
    struct fs_proc *p = host_proc("fdpipe");
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    const char *r = path_of(p, fds[0]);
    CHECK_MSG(strncmp(r, "pipe:[", 6) == 0 && r[strlen(r) - 1] == ']', "pipe: %s", r);
    char first[64];
    strcpy(first, r);
    CHECK_STR(path_of(p, fds[1]), first); /* both ends name one pipe */
    long e = fs_epoll_create(p, 0);
    CHECK_STR(path_of(p, (int)e), "anon_inode:[eventpoll]");
    fs_proc_exit(p);
}
