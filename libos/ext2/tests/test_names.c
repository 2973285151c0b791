/*
 * test_names.c: names through the library, judged by e2fsck -fn after each test: mkdir and
 * rmdir (ENOTEMPTY, link counts), link and unlink, fast and slow symlinks, every kind of
 * rename (replacing, across directories with '..' moved, refused into its own subtree), and
 * thousands of files in one directory.
 */
#include "img.h"

#include <check.h>

#include <stdlib.h>
#include <string.h>

#define R EXT2_ROOT_INO

static uint32_t nlink(struct img *im, uint32_t ino)
{
    struct ext2_stat st;
    return ext2_stat(&im->fs, ino, &st) == 0 ? st.nlink : 0;
}

static uint32_t look(struct img *im, uint32_t dir, const char *name)
{
    uint32_t ino = 0;
    return ext2_lookup(&im->fs, dir, name, (unsigned)strlen(name), &ino) == 0 ? ino : 0;
}

TEST_CASE(mkdir_rmdir_and_link_counts)
{
    struct img im;
    CHECK_EQ(img_make(&im, "mkdir", "", "8M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t root_links = nlink(&im, R), d, e, f;
    CHECK_EQ(ext2_mkdir(&im.fs, R, "d", 1, 0750, 5, 6, &d), 0);
    CHECK_EQ(nlink(&im, R), root_links + 1);
    CHECK_EQ(nlink(&im, d), 2);
    CHECK_EQ(ext2_mkdir(&im.fs, R, "d", 1, 0750, 0, 0, &e), -EXT2_EEXIST);
    CHECK_EQ(ext2_create(&im.fs, R, "d", 1, 0644, 0, 0, 0, &e), -EXT2_EEXIST);
    CHECK_EQ(ext2_mkdir(&im.fs, d, "e", 1, 0755, 0, 0, &e), 0);
    CHECK_EQ(nlink(&im, d), 3);
    CHECK_EQ(look(&im, e, ".."), d);
    CHECK_EQ(look(&im, e, "."), e);
    CHECK_EQ(ext2_create(&im.fs, e, "f", 1, 0644, 0, 0, 0, &f), 0);
    CHECK_EQ(ext2_rmdir(&im.fs, R, "d", 1), -EXT2_ENOTEMPTY);
    CHECK_EQ(ext2_rmdir(&im.fs, d, "e", 1), -EXT2_ENOTEMPTY);
    CHECK_EQ(ext2_rmdir(&im.fs, e, "f", 1), -EXT2_ENOTDIR);
    CHECK_EQ(ext2_rmdir(&im.fs, e, ".", 1), -EXT2_EINVAL);
    CHECK_EQ(ext2_rmdir(&im.fs, e, "..", 2), -EXT2_ENOTEMPTY);
    CHECK_EQ(ext2_unlink(&im.fs, d, "e", 1), -EXT2_EISDIR);
    CHECK_EQ(ext2_unlink(&im.fs, e, "f", 1), 0);
    CHECK_EQ(ext2_unlink(&im.fs, e, "f", 1), -EXT2_ENOENT);
    CHECK_EQ(ext2_rmdir(&im.fs, d, "e", 1), 0);
    CHECK_EQ(nlink(&im, d), 2);
    CHECK_EQ(ext2_mkdir(&im.fs, e, "g", 1, 0755, 0, 0, &f), -EXT2_ENOENT); /* e is gone */
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(img_debugfs_num(&im, "stat /d", "Links:"), 2);
    CHECK_EQ(img_debugfs_num(&im, "stat /d", "User:"), 5);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_rmdir(&im.fs, R, "d", 1), 0);
    CHECK_EQ(nlink(&im, R), root_links);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(im.nlog, 0);
}

TEST_CASE(hard_links)
{
    struct img im;
    CHECK_EQ(img_make(&im, "link", "", "8M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t d, f;
    CHECK_EQ(ext2_mkdir(&im.fs, R, "d", 1, 0755, 0, 0, &d), 0);
    CHECK_EQ(ext2_create(&im.fs, R, "f", 1, 0644, 0, 0, 0, &f), 0);
    CHECK_EQ(ext2_write(&im.fs, f, "linked", 6, 0), 6);
    CHECK_EQ(ext2_link(&im.fs, d, "g", 1, f), 0);
    CHECK_EQ(nlink(&im, f), 2);
    CHECK_EQ(ext2_link(&im.fs, d, "g", 1, f), -EXT2_EEXIST);
    CHECK_EQ(ext2_link(&im.fs, R, "dd", 2, d), -EXT2_EPERM);
    CHECK_EQ(ext2_unlink(&im.fs, R, "f", 1), 0);
    CHECK_EQ(nlink(&im, f), 1);
    CHECK_EQ(look(&im, d, "g"), f);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    unsigned char *got;
    size_t n;
    CHECK_EQ(img_dump(&im, "/d/g", &got, &n), 0);
    CHECK_EQ(n, 6);
    CHECK_EQ(memcmp(got, "linked", 6), 0);
    free(got);
}

TEST_CASE(symlinks_fast_and_slow)
{
    struct img im;
    CHECK_EQ(img_make(&im, "symlink", "-b 1024", "8M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    char t59[60], t60[61], t900[901], buf[1024];
    memset(t59, 'a', 59);
    memset(t60, 'b', 60);
    memset(t900, 'c', 900);
    uint32_t a, b, c, x;
    CHECK_EQ(ext2_symlink(&im.fs, R, "a", 1, t59, 59, 0, 0, &a), 0);
    CHECK_EQ(ext2_symlink(&im.fs, R, "b", 1, t60, 60, 0, 0, &b), 0);
    CHECK_EQ(ext2_symlink(&im.fs, R, "c", 1, t900, 900, 0, 0, &c), 0);
    CHECK_EQ(ext2_symlink(&im.fs, R, "x", 1, buf, 1024, 0, 0, &x), -EXT2_ENAMETOOLONG);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    struct ext2_stat st;
    CHECK_EQ(ext2_stat(&im.fs, a, &st), 0);
    CHECK_EQ(st.mode, 0120777);
    CHECK_EQ(st.blocks, 0); /* fast: in the inode */
    CHECK_EQ(st.size, 59);
    CHECK_EQ(ext2_stat(&im.fs, b, &st), 0);
    CHECK_EQ(st.blocks, 2); /* slow: one 1 KiB block */
    CHECK_EQ(ext2_readlink(&im.fs, a, buf, sizeof buf), 59);
    CHECK_EQ(memcmp(buf, t59, 59), 0);
    CHECK_EQ(ext2_readlink(&im.fs, b, buf, sizeof buf), 60);
    CHECK_EQ(memcmp(buf, t60, 60), 0);
    CHECK_EQ(ext2_readlink(&im.fs, c, buf, sizeof buf), 900);
    CHECK_EQ(memcmp(buf, t900, 900), 0);
    CHECK_EQ(ext2_readlink(&im.fs, R, buf, sizeof buf), -EXT2_EINVAL);
    CHECK_EQ(ext2_read(&im.fs, a, buf, 10, 0), -EXT2_EINVAL);
    struct ext2_statfs s0, s1;
    CHECK_EQ(ext2_statfs(&im.fs, &s0), 0);
    CHECK_EQ(ext2_unlink(&im.fs, R, "c", 1), 0);
    CHECK_EQ(ext2_unlink(&im.fs, R, "a", 1), 0);
    CHECK_EQ(ext2_statfs(&im.fs, &s1), 0);
    CHECK_EQ(s1.bfree, s0.bfree + 1);
    CHECK_EQ(s1.ffree, s0.ffree + 2);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(im.nlog, 0);
}

TEST_CASE(renames)
{
    struct img im;
    CHECK_EQ(img_make(&im, "rename", "", "8M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t a, b, f, g, sub, e, x;
    CHECK_EQ(ext2_mkdir(&im.fs, R, "a", 1, 0755, 0, 0, &a), 0);
    CHECK_EQ(ext2_mkdir(&im.fs, R, "b", 1, 0755, 0, 0, &b), 0);
    CHECK_EQ(ext2_create(&im.fs, a, "f", 1, 0644, 0, 0, 0, &f), 0);
    CHECK_EQ(ext2_write(&im.fs, f, "F", 1, 0), 1);
    CHECK_EQ(ext2_create(&im.fs, b, "g", 1, 0644, 0, 0, 0, &g), 0);
    CHECK_EQ(ext2_write(&im.fs, g, "G", 1, 0), 1);
    /* in one directory */
    CHECK_EQ(ext2_rename(&im.fs, a, "f", 1, a, "f2", 2), 0);
    CHECK_EQ(look(&im, a, "f"), 0);
    CHECK_EQ(look(&im, a, "f2"), f);
    /* across, replacing a file: g's inode is freed */
    struct ext2_statfs s0, s1;
    CHECK_EQ(ext2_statfs(&im.fs, &s0), 0);
    CHECK_EQ(ext2_rename(&im.fs, a, "f2", 2, b, "g", 1), 0);
    CHECK_EQ(ext2_statfs(&im.fs, &s1), 0);
    CHECK_EQ(s1.ffree, s0.ffree + 1);
    CHECK_EQ(s1.bfree, s0.bfree + 1);
    CHECK_EQ(look(&im, b, "g"), f);
    CHECK_EQ(look(&im, a, "f2"), 0);
    /* the same file under two names: nothing happens */
    CHECK_EQ(ext2_link(&im.fs, b, "h", 1, f), 0);
    CHECK_EQ(ext2_rename(&im.fs, b, "g", 1, b, "h", 1), 0);
    CHECK_EQ(look(&im, b, "g"), f);
    CHECK_EQ(nlink(&im, f), 2);
    /* a directory across directories: '..' and both parents' counts follow */
    CHECK_EQ(ext2_mkdir(&im.fs, a, "sub", 3, 0755, 0, 0, &sub), 0);
    CHECK_EQ(ext2_mkdir(&im.fs, sub, "e", 1, 0755, 0, 0, &e), 0);
    CHECK_EQ(nlink(&im, a), 3);
    CHECK_EQ(ext2_rename(&im.fs, a, "sub", 3, b, "moved", 5), 0);
    CHECK_EQ(nlink(&im, a), 2);
    CHECK_EQ(nlink(&im, b), 3);
    CHECK_EQ(look(&im, sub, ".."), b);
    CHECK_EQ(look(&im, e, ".."), sub);
    /* refused: into its own subtree, dir over file, file over dir, over a non-empty dir */
    CHECK_EQ(ext2_rename(&im.fs, b, "moved", 5, e, "x", 1), -EXT2_EINVAL);
    CHECK_EQ(ext2_rename(&im.fs, b, "moved", 5, sub, "x", 1), -EXT2_EINVAL);
    CHECK_EQ(ext2_rename(&im.fs, b, "moved", 5, b, "g", 1), -EXT2_ENOTDIR);
    CHECK_EQ(ext2_rename(&im.fs, b, "g", 1, b, "moved", 5), -EXT2_EISDIR);
    CHECK_EQ(ext2_rename(&im.fs, R, "a", 1, R, "b", 1), -EXT2_ENOTEMPTY);
    CHECK_EQ(ext2_rename(&im.fs, R, "nothing", 7, R, "z", 1), -EXT2_ENOENT);
    CHECK_EQ(ext2_rename(&im.fs, R, "a", 1, R, "..", 2), -EXT2_EINVAL);
    /* a directory replacing an empty one, across: a's empty place taken by moved */
    uint32_t root_links = nlink(&im, R);
    CHECK_EQ(ext2_rename(&im.fs, b, "moved", 5, R, "a", 1), 0);
    CHECK_EQ(look(&im, R, "a"), sub);
    CHECK_EQ(look(&im, sub, ".."), R);
    CHECK_EQ(nlink(&im, R), root_links);
    CHECK_EQ(nlink(&im, b), 2);
    CHECK_EQ(ext2_stat(&im.fs, a, &(struct ext2_stat){0}), 0);
    CHECK_EQ(nlink(&im, a), 0); /* freed */
    CHECK_EQ(look(&im, sub, "e"), e);
    CHECK_EQ(ext2_lookup(&im.fs, R, "x", 1, &x), -EXT2_ENOENT);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(img_debugfs_num(&im, "stat /a/e", "Links:"), 2);
    CHECK_EQ(im.nlog, 0);
}

TEST_CASE(thousands_of_files_in_one_directory)
{
    struct img im;
    CHECK_EQ(img_make(&im, "many", "-b 1024 -N 4096", "16M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t d, ino;
    CHECK_EQ(ext2_mkdir(&im.fs, R, "m", 1, 0755, 0, 0, &d), 0);
    char name[64], text[64];
    int ok = 1;
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "file-%05d", i);
        snprintf(text, sizeof text, "contents of %d\n", i);
        ok &= ext2_create(&im.fs, d, name, (unsigned)strlen(name), 0644, 0, 0, 0, &ino) == 0;
        ok &= ext2_write(&im.fs, ino, text, strlen(text), 0) == (long)strlen(text);
    }
    CHECK_MSG(ok, "3000 files made");
    for (int i = 0; i < 3000; i += 2) {
        snprintf(name, sizeof name, "file-%05d", i);
        ok &= ext2_unlink(&im.fs, d, name, (unsigned)strlen(name)) == 0;
    }
    CHECK_MSG(ok, "1500 removed");
    int n = 0;
    uint64_t cookie = 0;
    struct ext2_entry e;
    while (ext2_readdir(&im.fs, d, &cookie, &e) == 1)
        n++;
    CHECK_EQ(n, 1500 + 2);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    unsigned char *got;
    size_t len;
    CHECK_EQ(img_dump(&im, "/m/file-02999", &got, &len), 0);
    CHECK_EQ(len, 17);
    CHECK_EQ(memcmp(got, "contents of 2999\n", 17), 0);
    free(got);
    CHECK_EQ(img_dump(&im, "/m/file-02998", &got, &len), -1);
    CHECK_EQ(im.nlog, 0);
}
