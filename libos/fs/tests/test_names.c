/*
 * test_names.c: the calls that change names (libos/fs/names.c): mkdir/rmdir (EEXIST,
 * ENOTEMPTY, "." and ".."), unlink (EISDIR, open files living on), link (EPERM on directories,
 * EXDEV, nlink counts), mknod, and rename's POSIX cases: replacing files and empty directories
 * in one step, same file, directory onto file and back, a directory into itself, across
 * directories (".." and link counts follow) and across file systems.
 */
#include <check.h>

#include "host_hooks.h"

#include <string.h>

static long nlink(struct fs_proc *p, const char *path)
{
    struct fs_stat st;
    long r = fs_lstat(p, path, &st);
    return r < 0 ? r : (long)st.st_nlink;
}

TEST_CASE(mkdir_rmdir)
{
    struct fs_proc *p = host_proc("mkdir");
    CHECK_EQ(fs_mkdir(p, "d", 0777), 0);
    struct fs_stat st;
    CHECK_EQ(fs_stat(p, "d", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFDIR | 0755);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(fs_mkdir(p, "d", 0777), -FS_EEXIST);
    CHECK_EQ(fs_mkdir(p, "d/", 0777), -FS_EEXIST);
    CHECK_EQ(fs_mkdir(p, "e/", 0777), 0); /* a trailing slash is fine for a directory */
    CHECK_EQ(fs_mkdir(p, ".", 0777), -FS_EEXIST);
    CHECK_EQ(fs_mkdir(p, "..", 0777), -FS_EEXIST);
    CHECK_EQ(fs_mkdir(p, "/", 0777), -FS_EEXIST);
    CHECK_EQ(fs_mkdir(p, "x/y", 0777), -FS_ENOENT);
    long parent = nlink(p, ".");
    CHECK_EQ(fs_mkdir(p, "d/sub", 0777), 0);
    CHECK_EQ(nlink(p, "d"), 3);
    CHECK_EQ(fs_rmdir(p, "d"), -FS_ENOTEMPTY);
    CHECK_EQ(fs_rmdir(p, "d/sub/."), -FS_EINVAL);
    CHECK_EQ(fs_rmdir(p, "d/sub/.."), -FS_ENOTEMPTY);
    CHECK_EQ(fs_rmdir(p, "/"), -FS_EBUSY);
    CHECK_EQ(fs_rmdir(p, "/tmp"), -FS_EBUSY); /* a mount point */
    CHECK_EQ(host_put(p, "f", "x"), 0);
    CHECK_EQ(fs_rmdir(p, "f"), -FS_ENOTDIR);
    CHECK_EQ(fs_rmdir(p, "nothere"), -FS_ENOENT);
    CHECK_EQ(fs_rmdir(p, "d/sub"), 0);
    CHECK_EQ(nlink(p, "d"), 2);
    CHECK_EQ(fs_rmdir(p, "d/"), 0);
    CHECK_EQ(nlink(p, "."), parent - 1);
    CHECK_EQ(fs_unlinkat(p, FS_AT_FDCWD, "e", 0x1), -FS_EINVAL);
    CHECK_EQ(fs_unlinkat(p, FS_AT_FDCWD, "e", FS_AT_REMOVEDIR), 0);
    fs_proc_exit(p);
}

TEST_CASE(unlink_cases)
{
    struct fs_proc *p = host_proc("unlink");
    CHECK_EQ(host_put(p, "f", "data"), 0);
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    CHECK_EQ(fs_unlink(p, "d"), -FS_EISDIR);
    CHECK_EQ(fs_unlink(p, "."), -FS_EISDIR);
    CHECK_EQ(fs_unlink(p, "f/"), -FS_ENOTDIR);
    CHECK_EQ(fs_unlink(p, "nothere"), -FS_ENOENT);
    long fd = fs_open(p, "f", FS_O_RDWR, 0);
    CHECK_EQ(fs_unlink(p, "f"), 0);
    CHECK_EQ(fs_unlink(p, "f"), -FS_ENOENT);
    struct fs_stat st;
    CHECK_EQ(fs_fstat(p, (int)fd, &st), 0);
    CHECK_EQ(st.st_nlink, 0);
    char buf[8];
    CHECK_EQ(fs_read(p, (int)fd, buf, sizeof buf), 4); /* still readable through the fd */
    CHECK_EQ(fs_symlink(p, "d", "ld"), 0);
    CHECK_EQ(fs_unlink(p, "ld"), 0); /* the link, not the directory */
    CHECK_EQ(fs_stat(p, "d", &st), 0);
    fs_proc_exit(p);
}

TEST_CASE(links)
{
    struct fs_proc *p = host_proc("link");
    CHECK_EQ(host_put(p, "a", "1"), 0);
    CHECK_EQ(fs_link(p, "a", "b"), 0);
    CHECK_EQ(nlink(p, "a"), 2);
    CHECK_EQ(fs_link(p, "a", "b"), -FS_EEXIST);
    CHECK_EQ(fs_link(p, "nothere", "c"), -FS_ENOENT);
    CHECK_EQ(fs_link(p, "a", "nodir/c"), -FS_ENOENT);
    CHECK_EQ(fs_link(p, "a", "c/"), -FS_ENOENT);
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    CHECK_EQ(fs_link(p, "d", "d2"), -FS_EPERM);
    CHECK_EQ(fs_link(p, "a", "/tmp/a-link"), -FS_EXDEV);
    CHECK_EQ(host_put(p, "b", "22"), 0); /* one file: both names see it */
    char buf[8];
    CHECK_EQ(host_get(p, "a", buf, sizeof buf), 2);
    CHECK_EQ(fs_unlink(p, "a"), 0);
    CHECK_EQ(nlink(p, "b"), 1);
    CHECK_EQ(fs_symlink(p, "b", "s"), 0);
    CHECK_EQ(fs_link(p, "s", "s2"), 0); /* a link to the symlink itself */
    struct fs_stat st;
    CHECK_EQ(fs_lstat(p, "s2", &st), 0);
    CHECK_EQ(st.st_mode & FS_S_IFMT, FS_S_IFLNK);
    CHECK_EQ(fs_linkat(p, FS_AT_FDCWD, "s", FS_AT_FDCWD, "s3", FS_AT_SYMLINK_FOLLOW), 0);
    CHECK_EQ(fs_lstat(p, "s3", &st), 0);
    CHECK_EQ(st.st_mode & FS_S_IFMT, FS_S_IFREG);
    CHECK_EQ(nlink(p, "b"), 2);
    CHECK_EQ(fs_linkat(p, FS_AT_FDCWD, "s", FS_AT_FDCWD, "s4", 0x1), -FS_EINVAL);
    fs_proc_exit(p);
}

TEST_CASE(mknod_types)
{
    struct fs_proc *p = host_proc("mknod");
    struct fs_stat st;
    CHECK_EQ(fs_mknodat(p, FS_AT_FDCWD, "fifo", FS_S_IFIFO | 0666, 0), 0);
    CHECK_EQ(fs_stat(p, "fifo", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFIFO | 0644);
    CHECK_EQ(fs_mknodat(p, FS_AT_FDCWD, "reg", 0644, 0), 0);
    CHECK_EQ(fs_stat(p, "reg", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFREG | 0644);
    CHECK_EQ(fs_mknodat(p, FS_AT_FDCWD, "chr", FS_S_IFCHR | 0600, 0x0103), 0);
    CHECK_EQ(fs_stat(p, "chr", &st), 0);
    CHECK_EQ(st.st_rdev, 0x0103);
    CHECK_EQ(fs_open(p, "chr", FS_O_RDONLY, 0), -FS_ENXIO); /* no such device registered */
    CHECK_EQ(fs_mknodat(p, FS_AT_FDCWD, "dir", FS_S_IFDIR | 0755, 0), -FS_EPERM);
    CHECK_EQ(fs_mknodat(p, FS_AT_FDCWD, "bad", 0170000, 0), -FS_EINVAL);
    CHECK_EQ(fs_mknodat(p, FS_AT_FDCWD, "fifo", FS_S_IFIFO | 0666, 0), -FS_EEXIST);
    struct fs_proc *u = host_user(p, 1000, 1000);
    CHECK_EQ(fs_mknodat(u, FS_AT_FDCWD, "chr2", FS_S_IFCHR | 0600, 0x0103), -FS_EPERM);
    fs_proc_exit(u);
    fs_proc_exit(p);
}

TEST_CASE(rename_files)
{
    struct fs_proc *p = host_proc("renf");
    char buf[16];
    CHECK_EQ(host_put(p, "a", "A"), 0);
    CHECK_EQ(host_put(p, "b", "B"), 0);
    long fdb = fs_open(p, "b", FS_O_RDONLY, 0);
    CHECK_EQ(fs_rename(p, "a", "b"), 0); /* replaces b in one step */
    CHECK_EQ(host_get(p, "b", buf, sizeof buf), 1);
    CHECK_STR(buf, "A");
    CHECK_EQ(fs_stat(p, "a", &(struct fs_stat){0}), -FS_ENOENT);
    CHECK_EQ(fs_read(p, (int)fdb, buf, sizeof buf), 1); /* the replaced file lives on */
    CHECK_EQ(buf[0], 'B');
    CHECK_EQ(fs_rename(p, "nothere", "x"), -FS_ENOENT);
    CHECK_EQ(fs_rename(p, "b", "nodir/x"), -FS_ENOENT);
    CHECK_EQ(fs_rename(p, "b", "b"), 0);
    CHECK_EQ(fs_link(p, "b", "b2"), 0);
    CHECK_EQ(fs_rename(p, "b", "b2"), 0); /* two links of one file: nothing happens */
    CHECK_EQ(nlink(p, "b"), 2);
    CHECK_EQ(fs_rename(p, "b", "/tmp/b"), -FS_EXDEV);
    CHECK_EQ(fs_rename(p, "b/", "c"), -FS_ENOTDIR);
    CHECK_EQ(fs_rename(p, "b", "c/"), -FS_ENOTDIR);
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    CHECK_EQ(fs_rename(p, "b", "d"), -FS_EISDIR);
    CHECK_EQ(fs_rename(p, "d", "b"), -FS_ENOTDIR);
    CHECK_EQ(fs_rename(p, "b", "d/moved"), 0);
    CHECK_EQ(host_get(p, "d/moved", buf, sizeof buf), 1);
    CHECK_EQ(fs_rename(p, ".", "x"), -FS_EBUSY);
    CHECK_EQ(fs_rename(p, "d/moved", ".."), -FS_EBUSY);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "d/moved", FS_AT_FDCWD, "b2", FS_RENAME_NOREPLACE),
             -FS_EEXIST);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "d/moved", FS_AT_FDCWD, "b3", FS_RENAME_NOREPLACE), 0);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "b3", FS_AT_FDCWD, "b4", 4), -FS_EINVAL);
    CHECK_EQ(fs_symlink(p, "b3", "sl"), 0);
    CHECK_EQ(fs_rename(p, "sl", "sl2"), 0); /* the link moves, not its target */
    struct fs_stat st;
    CHECK_EQ(fs_lstat(p, "sl2", &st), 0);
    CHECK_EQ(st.st_mode & FS_S_IFMT, FS_S_IFLNK);
    fs_proc_exit(p);
}

TEST_CASE(rename_dirs)
{
    struct fs_proc *p = host_proc("rend");
    CHECK_EQ(fs_mkdir(p, "a", 0755), 0);
    CHECK_EQ(fs_mkdir(p, "a/sub", 0755), 0);
    CHECK_EQ(fs_mkdir(p, "b", 0755), 0);
    CHECK_EQ(fs_mkdir(p, "full", 0755), 0);
    CHECK_EQ(host_put(p, "full/f", "x"), 0);
    CHECK_EQ(fs_rename(p, "a", "a/sub/x"), -FS_EINVAL);
    CHECK_EQ(fs_rename(p, "a", "a/x"), -FS_EINVAL);
    CHECK_EQ(fs_rename(p, "a", "full"), -FS_ENOTEMPTY);
    CHECK_EQ(fs_rename(p, "a/sub", "a"), -FS_ENOTEMPTY);
    CHECK_EQ(fs_rename(p, "a", "/tmp/a"), -FS_EXDEV);
    CHECK_EQ(fs_rename(p, "/tmp", "x"), -FS_EBUSY);
    /* Onto an empty directory: replaced; link counts follow the move. */
    CHECK_EQ(nlink(p, "a"), 3);
    CHECK_EQ(nlink(p, "b"), 2);
    CHECK_EQ(fs_rename(p, "a/sub", "b/sub"), 0);
    CHECK_EQ(nlink(p, "a"), 2);
    CHECK_EQ(nlink(p, "b"), 3);
    struct fs_stat up, bst;
    CHECK_EQ(fs_stat(p, "b/sub/..", &up), 0);
    CHECK_EQ(fs_stat(p, "b", &bst), 0);
    CHECK_EQ(up.st_ino, bst.st_ino);
    long top = nlink(p, ".");
    CHECK_EQ(fs_rename(p, "b", "a"), 0); /* a was empty */
    CHECK_EQ(nlink(p, "."), top - 1);
    CHECK_EQ(fs_stat(p, "a/sub", &up), 0);
    CHECK_EQ(fs_stat(p, "b", &bst), -FS_ENOENT);
    CHECK_EQ(fs_rename(p, "a/", "c/"), 0);
    char buf[64];
    CHECK_EQ(fs_chdir(p, "c/sub"), 0);
    CHECK_EQ(fs_rename(p, "/t/rend/c", "/t/rend/e"), 0); /* the cwd's parent may move */
    CHECK_EQ(fs_getcwd(p, buf, sizeof buf), 14);
    CHECK_STR(buf, "/t/rend/e/sub");
    fs_proc_exit(p);
}

/* RENAME_EXCHANGE: two names swap their files in one step (a file and a directory across
 * directories too: the directory's ".." and both parents' link counts follow); both must
 * exist, neither may hold the other, with NOREPLACE it is EINVAL. */
TEST_CASE(rename_exchange)
{
    struct fs_proc *p = host_proc("exchange");
    char buf[16];
    const unsigned X = FS_RENAME_EXCHANGE;
    CHECK_EQ(host_put(p, "a", "A"), 0);
    CHECK_EQ(host_put(p, "b", "BB"), 0);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "a", FS_AT_FDCWD, "b", X), 0);
    CHECK_EQ(host_get(p, "a", buf, sizeof buf), 2);
    CHECK_EQ(host_get(p, "b", buf, sizeof buf), 1);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "a", FS_AT_FDCWD, "none", X), -FS_ENOENT);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "none", FS_AT_FDCWD, "a", X), -FS_ENOENT);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "a", FS_AT_FDCWD, "b", X | FS_RENAME_NOREPLACE),
             -FS_EINVAL);
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    CHECK_EQ(fs_mkdir(p, "d/sub", 0755), 0);
    CHECK_EQ(fs_mkdir(p, "e", 0755), 0);
    struct fs_stat st;
    CHECK_EQ(fs_stat(p, "d", &st), 0);
    CHECK_EQ(st.st_nlink, 3);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "d", FS_AT_FDCWD, "d/sub", X), -FS_EINVAL);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "d/sub", FS_AT_FDCWD, "d", X), -FS_EINVAL);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "d/sub", FS_AT_FDCWD, "a", X), 0);
    CHECK_EQ(fs_stat(p, "a", &st), 0); /* the directory is here now, the file in d */
    CHECK_EQ(st.st_mode & FS_S_IFMT, FS_S_IFDIR);
    CHECK_EQ(host_get(p, "d/sub", buf, sizeof buf), 2);
    CHECK_EQ(fs_stat(p, "d", &st), 0);
    CHECK_EQ(st.st_nlink, 2); /* lost its subdirectory */
    CHECK_EQ(fs_chdir(p, "a"), 0);
    CHECK_EQ(fs_stat(p, "..", &st), 0); /* the moved directory's parent is the new one */
    struct fs_stat here;
    CHECK_EQ(fs_stat(p, "../e", &here), 0);
    CHECK_EQ(fs_chdir(p, ".."), 0);
    CHECK_EQ(fs_renameat2(p, FS_AT_FDCWD, "d", FS_AT_FDCWD, "e", X), 0); /* two directories */
    CHECK_EQ(fs_stat(p, "e/sub", &st), 0);
    fs_proc_exit(p);
}
