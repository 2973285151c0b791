/*
 * test_walk.c: path walking (libos/fs/walk.c) through the calls that use it: ".", "..", the
 * root's "..", symlinks relative and absolute, loops (ELOOP after 40), ENAMETOOLONG for a
 * component and a path, ENOTDIR in the middle and before a trailing slash, empty paths,
 * dirfd-relative walks, crossing into and out of the /tmp mount, getcwd.
 */
#include <check.h>

#include "host_hooks.h"

#include <stdio.h>
#include <string.h>

TEST_CASE(dots_and_root)
{
    struct fs_proc *p = host_proc("dots");
    struct fs_stat a, b;
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    CHECK_EQ(fs_mkdir(p, "d/e", 0755), 0);
    CHECK_EQ(fs_stat(p, "d/e/../././e/..", &a), 0);
    CHECK_EQ(fs_stat(p, "d", &b), 0);
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(fs_stat(p, "/..", &a), 0); /* the root's parent is the root */
    CHECK_EQ(fs_stat(p, "/", &b), 0);
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(a.st_ino, 2);
    CHECK_EQ(fs_stat(p, "////../..//.", &a), 0);
    CHECK_EQ(a.st_ino, 2);
    CHECK_EQ(fs_stat(p, "", &a), -FS_ENOENT);
    CHECK_EQ(fs_stat(p, "missing", &a), -FS_ENOENT);
    CHECK_EQ(fs_stat(p, "missing/x", &a), -FS_ENOENT);
    fs_proc_exit(p);
}

TEST_CASE(notdir)
{
    struct fs_proc *p = host_proc("notdir");
    struct fs_stat st;
    CHECK_EQ(host_put(p, "f", "x"), 0);
    CHECK_EQ(fs_stat(p, "f/x", &st), -FS_ENOTDIR);
    CHECK_EQ(fs_stat(p, "f/", &st), -FS_ENOTDIR);
    CHECK_EQ(fs_stat(p, "f/.", &st), -FS_ENOTDIR);
    CHECK_EQ(fs_stat(p, "f", &st), 0);
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    CHECK_EQ(fs_stat(p, "d/", &st), 0);
    CHECK_EQ(fs_stat(p, "d//", &st), 0);
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY | FS_O_DIRECTORY, 0), -FS_ENOTDIR);
    fs_proc_exit(p);
}

TEST_CASE(name_too_long)
{
    struct fs_proc *p = host_proc("long");
    static char name[300], path[5000];
    memset(name, 'a', 255);
    name[255] = '\0';
    struct fs_stat st;
    CHECK_EQ(host_put(p, name, "x"), 0); /* 255 bytes: fine */
    CHECK_EQ(fs_stat(p, name, &st), 0);
    name[255] = 'a';
    name[256] = '\0';
    CHECK_EQ(fs_stat(p, name, &st), -FS_ENAMETOOLONG);
    CHECK_EQ(fs_open(p, name, FS_O_CREAT | FS_O_WRONLY, 0644), -FS_ENAMETOOLONG);
    /* A path of 4096 bytes (no room for the NUL) is too long; 4095 is walked. */
    for (int i = 0; i < 4096; i += 2)
        path[i] = '.', path[i + 1] = '/';
    path[4095] = '\0';
    CHECK_EQ(fs_stat(p, path, &st), 0);
    path[4095] = '/';
    path[4096] = '\0';
    CHECK_EQ(fs_stat(p, path, &st), -FS_ENAMETOOLONG);
    fs_proc_exit(p);
}

TEST_CASE(symlinks)
{
    struct fs_proc *p = host_proc("sym");
    char buf[64];
    struct fs_stat st, lst;
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    CHECK_EQ(host_put(p, "d/f", "hello"), 0);
    CHECK_EQ(fs_symlink(p, "d/f", "rel"), 0);
    CHECK_EQ(fs_symlink(p, "/t/sym/d", "abs"), 0);
    CHECK_EQ(fs_symlink(p, "f", "d/inner"), 0); /* relative to the link's directory */
    CHECK_EQ(host_get(p, "rel", buf, sizeof buf), 5);
    CHECK_STR(buf, "hello");
    CHECK_EQ(host_get(p, "abs/f", buf, sizeof buf), 5);
    CHECK_EQ(host_get(p, "d/inner", buf, sizeof buf), 5);
    CHECK_EQ(host_get(p, "abs/inner", buf, sizeof buf), 5);
    CHECK_EQ(fs_stat(p, "rel", &st), 0);
    CHECK_EQ(fs_lstat(p, "rel", &lst), 0);
    CHECK_EQ(st.st_mode, FS_S_IFREG | 0644);
    CHECK_EQ(lst.st_mode, FS_S_IFLNK | 0777);
    CHECK_EQ(lst.st_size, 3);
    CHECK_EQ(fs_lstat(p, "abs/", &lst), 0); /* a trailing slash follows */
    CHECK_EQ(lst.st_mode & FS_S_IFMT, FS_S_IFDIR);
    CHECK_EQ(fs_stat(p, "rel/", &st), -FS_ENOTDIR);
    CHECK_EQ(fs_readlink(p, "abs", buf, sizeof buf), 8);
    CHECK_EQ(memcmp(buf, "/t/sym/d", 8), 0);
    CHECK_EQ(fs_readlink(p, "abs", buf, 3), 3); /* cut, no NUL */
    CHECK_EQ(memcmp(buf, "/t/", 3), 0);
    CHECK_EQ(fs_readlink(p, "d", buf, sizeof buf), -FS_EINVAL);
    CHECK_EQ(fs_readlink(p, "abs", buf, 0), -FS_EINVAL);
    CHECK_EQ(fs_symlink(p, "", "empty"), -FS_ENOENT);
    CHECK_EQ(fs_symlink(p, "nowhere", "dangling"), 0);
    CHECK_EQ(fs_stat(p, "dangling", &st), -FS_ENOENT);
    CHECK_EQ(fs_lstat(p, "dangling", &st), 0);
    CHECK_EQ(fs_symlink(p, "x", "rel"), -FS_EEXIST);
    /* O_CREAT through a dangling link makes its target; O_EXCL does not follow. */
    CHECK_EQ(fs_open(p, "dangling", FS_O_CREAT | FS_O_EXCL | FS_O_WRONLY, 0600), -FS_EEXIST);
    long fd = fs_open(p, "dangling", FS_O_CREAT | FS_O_WRONLY, 0600);
    CHECK_EQ(fd, 0);
    fs_close(p, (int)fd);
    CHECK_EQ(fs_stat(p, "nowhere", &st), 0);
    CHECK_EQ(fs_open(p, "rel", FS_O_RDONLY | FS_O_NOFOLLOW, 0), -FS_ELOOP);
    fs_proc_exit(p);
}

TEST_CASE(loops)
{
    struct fs_proc *p = host_proc("loops");
    struct fs_stat st;
    CHECK_EQ(fs_symlink(p, "b", "a"), 0);
    CHECK_EQ(fs_symlink(p, "a", "b"), 0);
    CHECK_EQ(fs_stat(p, "a", &st), -FS_ELOOP);
    CHECK_EQ(fs_open(p, "a", FS_O_RDONLY, 0), -FS_ELOOP);
    CHECK_EQ(fs_open(p, "a", FS_O_CREAT | FS_O_WRONLY, 0644), -FS_ELOOP);
    CHECK_EQ(fs_lstat(p, "a", &st), 0);
    /* A chain of exactly 40 links resolves; 41 is ELOOP. */
    CHECK_EQ(host_put(p, "end", "e"), 0);
    char from[16], to[16];
    for (int i = 0; i < 41; i++) {
        snprintf(from, sizeof from, "c%d", i);
        if (i == 0)
            snprintf(to, sizeof to, "end");
        else
            snprintf(to, sizeof to, "c%d", i - 1);
        CHECK_EQ(fs_symlink(p, to, from), 0);
    }
    CHECK_EQ(fs_stat(p, "c39", &st), 0);
    CHECK_EQ(fs_stat(p, "c40", &st), -FS_ELOOP);
    /* A self loop through a directory component. */
    CHECK_EQ(fs_symlink(p, "self/x", "self"), 0);
    CHECK_EQ(fs_stat(p, "self", &st), -FS_ELOOP);
    fs_proc_exit(p);
}

TEST_CASE(dirfd_and_empty_path)
{
    struct fs_proc *p = host_proc("dirfd");
    struct fs_stat st, st2;
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    CHECK_EQ(host_put(p, "d/f", "abc"), 0);
    long dfd = fs_open(p, "d", FS_O_RDONLY | FS_O_DIRECTORY, 0);
    CHECK_EQ(dfd, 0);
    CHECK_EQ(fs_fstatat(p, (int)dfd, "f", &st, 0), 0);
    CHECK_EQ(st.st_size, 3);
    CHECK_EQ(fs_fstatat(p, (int)dfd, "", &st, 0), -FS_ENOENT);
    CHECK_EQ(fs_fstatat(p, (int)dfd, "", &st, FS_AT_EMPTY_PATH), 0);
    CHECK_EQ(fs_stat(p, "d", &st2), 0);
    CHECK_EQ(st.st_ino, st2.st_ino);
    CHECK_EQ(fs_fstatat(p, 77, "f", &st, 0), -FS_EBADF);
    CHECK_EQ(fs_fstatat(p, 77, "/t", &st, 0), 0); /* absolute: dirfd unused */
    long ffd = fs_open(p, "d/f", FS_O_RDONLY, 0);
    CHECK_EQ(fs_fstatat(p, (int)ffd, "x", &st, 0), -FS_ENOTDIR);
    CHECK_EQ(fs_fstatat(p, (int)dfd, "f", &st, 0x1), -FS_EINVAL);
    fs_proc_exit(p);
}

TEST_CASE(mounts_and_cwd)
{
    struct fs_proc *p = host_proc("mnt");
    struct fs_stat root, tmp, st;
    char buf[128];
    CHECK_EQ(fs_stat(p, "/", &root), 0);
    CHECK_EQ(fs_stat(p, "/tmp", &tmp), 0);
    CHECK_MSG(root.st_dev != tmp.st_dev, "/tmp is its own file system");
    CHECK_EQ(tmp.st_ino, 2);
    CHECK_EQ(tmp.st_mode, FS_S_IFDIR | 01777);
    CHECK_EQ(fs_stat(p, "/tmp/..", &st), 0);
    CHECK_EQ(st.st_ino, root.st_ino);
    CHECK_EQ(st.st_dev, root.st_dev);
    CHECK_EQ(fs_getcwd(p, buf, sizeof buf), 7);
    CHECK_STR(buf, "/t/mnt");
    CHECK_EQ(fs_getcwd(p, buf, 6), -FS_ERANGE);
    CHECK_EQ(fs_mkdir(p, "/tmp/mnt", 0755), 0);
    CHECK_EQ(fs_chdir(p, "/tmp/mnt"), 0);
    CHECK_EQ(fs_getcwd(p, buf, sizeof buf), 9);
    CHECK_STR(buf, "/tmp/mnt");
    CHECK_EQ(fs_chdir(p, "../.."), 0);
    CHECK_EQ(fs_getcwd(p, buf, sizeof buf), 2);
    CHECK_STR(buf, "/");
    CHECK_EQ(fs_chdir(p, "/tmp/nothere"), -FS_ENOENT);
    CHECK_EQ(host_put(p, "/tmp/mnt/f", "x"), 0);
    CHECK_EQ(fs_chdir(p, "/tmp/mnt/f"), -FS_ENOTDIR);
    /* A removed cwd: getcwd is ENOENT, names in it are gone. */
    CHECK_EQ(fs_mkdir(p, "/tmp/gone", 0755), 0);
    CHECK_EQ(fs_chdir(p, "/tmp/gone"), 0);
    CHECK_EQ(fs_rmdir(p, "/tmp/gone"), 0);
    CHECK_EQ(fs_getcwd(p, buf, sizeof buf), -FS_ENOENT);
    CHECK_EQ(fs_open(p, "new", FS_O_CREAT | FS_O_WRONLY, 0644), -FS_ENOENT);
    CHECK_EQ(fs_stat(p, ".", &st), 0);
    CHECK_EQ(st.st_nlink, 0);
    long fd = fs_open(p, "/tmp", FS_O_RDONLY, 0);
    CHECK_EQ(fs_fchdir(p, (int)fd), 0);
    CHECK_EQ(fs_getcwd(p, buf, sizeof buf), 5);
    CHECK_STR(buf, "/tmp");
    fs_proc_exit(p);
}
