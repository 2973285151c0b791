/*
 * test_vfs.c: ext2 behind the VFS (libos/ext2/vfs.c) on the host: an image made by mke2fs -d
 * mounted on a directory of the RAM file system, used through the file layer's calls (open,
 * read, write, getdents, mkdir, rename, link, symlink, unlink of an open file, chmod), then
 * judged by e2fsck -fn and debugfs.
 */
#include "img.h"

#include <check.h>
#include <ext2/vfs.h>
#include <fs/fs.h>
#include <host_hooks.h>

#include <stdlib.h>
#include <string.h>

TEST_CASE(ext2_through_the_vfs)
{
    char root[600];
    snprintf(root, sizeof root, "%s/vfs.tree", img_dir());
    img_sh("rm -rf '%s' && mkdir -p '%s' && printf 'written on the host\\n' >'%s/from_host'", root,
           root, root);
    struct img im;
    char o[700];
    snprintf(o, sizeof o, "-b 1024 -d '%s'", root);
    CHECK_EQ(img_make(&im, "vfs", o, "8M"), 0);
    CHECK_EQ(img_open(&im, 0), 0);
    struct fs_proc *p = host_proc("ext2");
    CHECK_EQ(fs_mkdir(p, "mnt", 0755), 0);
    struct fs_ext2_args a = {&im.dev, &im.fs, im.cache, im.cache_bytes, 0, "/dev/vdb2"};
    CHECK_EQ(fs_mount(p, "mnt", &fs_ext2, &a), 0);

    /* statfs and sync reach ext2 (libos/fs/mounts.c): the numbers mke2fs gave (8 MiB of
     * 1 KiB blocks); the mount table names the device. */
    struct fs_statfs sf;
    CHECK_EQ(fs_statfs(p, "mnt", &sf), 0);
    CHECK_EQ(sf.f_type, 0xEF53);
    CHECK_EQ(sf.f_bsize, 1024);
    CHECK_EQ(sf.f_blocks, 8192);
    CHECK_MSG(sf.f_bfree > 0 && sf.f_bfree < 8192, "bfree %lu", (unsigned long)sf.f_bfree);
    CHECK_EQ(sf.f_namelen, 255);
    CHECK_EQ(fs_statfs(p, ".", &sf), 0);
    CHECK_EQ(sf.f_type, 0x858458f6); /* the ramfs around it */
    int nm = 0;
    while (fs_mount_nth(nm))
        nm++;
    CHECK_STR(fs_mount_nth(nm - 1)->source, "/dev/vdb2");
    CHECK_STR(fs_mount_nth(nm - 1)->type->name, "ext2");
    CHECK_EQ(im.flushes, 0);
    CHECK_EQ(fs_sync_all(), 0);
    CHECK_EQ(im.flushes, 1); /* sync writes the device's cache out: each change alone does not */

    char buf[256];
    CHECK_EQ(host_get(p, "mnt/from_host", buf, sizeof buf), 20);
    CHECK_STR(buf, "written on the host\n");
    CHECK_EQ(host_put(p, "mnt/hello", "hello through the VFS\n"), 0);
    CHECK_EQ(fs_mkdir(p, "mnt/d", 0750), 0);
    CHECK_EQ(fs_rename(p, "mnt/hello", "mnt/d/hello2"), 0);
    CHECK_EQ(fs_link(p, "mnt/d/hello2", "mnt/hard"), 0);
    CHECK_EQ(fs_symlink(p, "d/hello2", "mnt/sym"), 0);
    CHECK_EQ(host_get(p, "mnt/sym", buf, sizeof buf), 22);
    CHECK_STR(buf, "hello through the VFS\n");
    struct fs_stat st;
    CHECK_EQ(fs_stat(p, "mnt/hard", &st), 0);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(st.st_size, 22);
    CHECK_EQ(st.st_mode, 0100644);
    CHECK_EQ(fs_stat(p, "mnt/d", &st), 0);
    CHECK_EQ(st.st_mode, 040750);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(fs_lstat(p, "mnt/sym", &st), 0);
    CHECK_EQ(st.st_mode & FS_S_IFMT, FS_S_IFLNK);
    CHECK_EQ(fs_chmod(p, "mnt/hard", 0600), 0);
    CHECK_EQ(fs_rmdir(p, "mnt/d"), -FS_ENOTEMPTY);

    /* the directory as getdents sees it */
    long dfd = fs_open(p, "mnt", FS_O_RDONLY | FS_O_DIRECTORY, 0);
    CHECK_MSG(dfd >= 0, "open mnt: %ld", dfd);
    static char dents[4096];
    long n = fs_getdents64(p, (int)dfd, dents, sizeof dents);
    int names = 0;
    for (long off = 0; off < n;) {
        struct fs_dirent64 *d = (struct fs_dirent64 *)(dents + off);
        names++;
        off += d->d_reclen;
    }
    CHECK_EQ(names, 7); /* . .. lost+found from_host d hard sym */
    fs_close(p, (int)dfd);

    /* an open file unlinked: readable until closed, then its inode is freed */
    struct ext2_statfs s0, s1;
    ext2_statfs(&im.fs, &s0);
    long fd = fs_open(p, "mnt/tmpfile", FS_O_RDWR | FS_O_CREAT, 0644);
    CHECK_MSG(fd >= 0, "open: %ld", fd);
    CHECK_EQ(fs_unlink(p, "mnt/tmpfile"), 0);
    CHECK_EQ(fs_write(p, (int)fd, "gone soon", 9), 9);
    CHECK_EQ(fs_pread(p, (int)fd, buf, sizeof buf, 0), 9);
    ext2_statfs(&im.fs, &s1);
    CHECK_EQ(s1.ffree, s0.ffree - 1);
    CHECK_EQ(fs_close(p, (int)fd), 0);
    ext2_statfs(&im.fs, &s1);
    CHECK_EQ(s1.ffree, s0.ffree);
    CHECK_EQ(s1.bfree, s0.bfree);

    CHECK_EQ(ext2_unmount(&im.fs), 0);
    CHECK_EQ(img_fsck(&im), 0);
    unsigned char *got;
    size_t len;
    CHECK_EQ(img_dump(&im, "/d/hello2", &got, &len), 0);
    CHECK_EQ(len, 22);
    CHECK_EQ(memcmp(got, "hello through the VFS\n", 22), 0);
    free(got);
    CHECK_EQ(img_debugfs_num(&im, "stat /hard", "Links:"), 2);
    CHECK_EQ(im.nlog, 0);
}
