/*
 * test_write.c: file data written through the library, judged by e2fsprogs: after every test
 * e2fsck -fn is clean and debugfs reads back exactly the bytes we wrote. Overwrites, sparse
 * writes and holes, truncate both ways with the blocks freed, unlink while open (the busy
 * hook), attributes, device nodes, running out of space.
 */
#include "img.h"

#include <check.h>

#include <stdlib.h>
#include <string.h>

static unsigned char pattern(uint64_t i)
{
    return (unsigned char)(i * 131 + (i >> 9) * 7 + 1);
}

/* The file at path dumped by debugfs equals want[0..len). */
static int dump_equals(struct img *im, const char *path, const unsigned char *want, size_t len)
{
    unsigned char *got;
    size_t n;
    if (img_dump(im, path, &got, &n) != 0)
        return 0;
    int ok = n == len && memcmp(got, want, len) == 0;
    free(got);
    return ok;
}

static void write_read(const char *bs)
{
    struct img im;
    char opts[32];
    snprintf(opts, sizeof opts, "-b %s", bs);
    CHECK_EQ(img_make(&im, "wr", opts, "16M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t ino;
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "a.bin", 5, 0100644, 1000, 100, 0, &ino), 0);
    size_t len = 200 * 1024 + 17;
    unsigned char *want = malloc(len), *got = malloc(len);
    for (size_t i = 0; i < len; i++)
        want[i] = pattern(i);
    /* uneven pieces, so writes start and end inside blocks */
    for (size_t off = 0, step = 1; off < len; off += step, step = step * 3 % 7919 + 1) {
        size_t n = step < len - off ? step : len - off;
        CHECK_EQ(ext2_write(&im.fs, ino, want + off, n, off), (long)n);
    }
    memcpy(want + 5000, "OVERWRITTEN", 11);
    CHECK_EQ(ext2_write(&im.fs, ino, "OVERWRITTEN", 11, 5000), 11);
    CHECK_EQ(ext2_read(&im.fs, ino, got, len, 0), (long)len);
    CHECK_EQ(memcmp(got, want, len), 0);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_MSG(dump_equals(&im, "/a.bin", want, len), "debugfs reads what we wrote");

    CHECK_EQ(img_mount(&im, 0), 0);
    struct ext2_stat st;
    CHECK_EQ(ext2_stat(&im.fs, ino, &st), 0);
    CHECK_EQ(st.size, len);
    CHECK_EQ(st.mode, 0100644);
    CHECK_EQ(st.uid, 1000);
    CHECK_EQ(st.gid, 100);
    CHECK_EQ(st.nlink, 1);
    CHECK_EQ(st.mtime, IMG_NOW);
    CHECK_EQ(st.ctime, IMG_NOW);
    memset(got, 0, len);
    CHECK_EQ(ext2_read(&im.fs, ino, got, len, 0), (long)len);
    CHECK_EQ(memcmp(got, want, len), 0);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(im.nlog, 0);
    free(want);
    free(got);
}

TEST_CASE(write_read_back_1k)
{
    write_read("1024");
}

TEST_CASE(write_read_back_4k)
{
    write_read("4096");
}

TEST_CASE(sparse_write_reads_zeros_in_holes)
{
    struct img im;
    CHECK_EQ(img_make(&im, "sparse", "-b 1024", "16M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t ino;
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "s", 1, 0644, 0, 0, 0, &ino), 0);
    uint64_t off = 10 * 1024 * 1024 + 100;
    CHECK_EQ(ext2_write(&im.fs, ino, "X", 1, off), 1);
    struct ext2_stat st;
    CHECK_EQ(ext2_stat(&im.fs, ino, &st), 0);
    CHECK_EQ(st.size, off + 1);
    CHECK_EQ(st.blocks, 6); /* double indirect, single indirect, one data block */
    unsigned char buf[3000];
    memset(buf, 0xAA, sizeof buf);
    CHECK_EQ(ext2_read(&im.fs, ino, buf, sizeof buf, off - 2000), 2001);
    int zero = 1;
    for (int i = 0; i < 2000; i++)
        zero &= buf[i] == 0;
    CHECK_MSG(zero, "the hole before reads as zeros");
    CHECK_EQ(buf[2000], 'X');
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    unsigned char *want = calloc(1, off + 1);
    want[off] = 'X';
    CHECK_MSG(dump_equals(&im, "/s", want, off + 1), "debugfs: zeros then X");
    free(want);
}

TEST_CASE(truncate_shrinks_frees_and_grows_with_zeros)
{
    struct img im;
    CHECK_EQ(img_make(&im, "trunc", "-b 1024", "16M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    struct ext2_statfs before, now;
    CHECK_EQ(ext2_statfs(&im.fs, &before), 0);
    uint32_t ino;
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "t", 1, 0644, 0, 0, 0, &ino), 0);
    size_t len = 300 * 1024;
    unsigned char *want = malloc(len);
    for (size_t i = 0; i < len; i++)
        want[i] = pattern(i);
    CHECK_EQ(ext2_write(&im.fs, ino, want, len, 0), (long)len);
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(before.bfree - now.bfree, 300 + 1 + 1 + 1); /* data, single, double, its single */
    CHECK_EQ(ext2_truncate(&im.fs, ino, 1000), 0);
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(before.bfree - now.bfree, 1);
    CHECK_EQ(ext2_truncate(&im.fs, ino, 50000), 0);
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(before.bfree - now.bfree, 1); /* growing is a hole */
    memset(want + 1000, 0, len - 1000);
    unsigned char *got = malloc(len);
    CHECK_EQ(ext2_read(&im.fs, ino, got, len, 0), 50000);
    CHECK_EQ(memcmp(got, want, 50000), 0);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_MSG(dump_equals(&im, "/t", want, 50000), "debugfs: 1000 bytes then zeros");
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_truncate(&im.fs, ino, 0), 0);
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(now.bfree, before.bfree);
    struct ext2_stat st;
    CHECK_EQ(ext2_stat(&im.fs, ino, &st), 0);
    CHECK_EQ(st.blocks, 0);
    CHECK_EQ(st.size, 0);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    free(want);
    free(got);
}

TEST_CASE(unlink_frees_at_once_or_after_the_last_close)
{
    struct img im;
    CHECK_EQ(img_make(&im, "unlink", "-b 4096", "16M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    struct ext2_statfs before, now;
    CHECK_EQ(ext2_statfs(&im.fs, &before), 0);
    uint32_t a, b;
    static unsigned char data[100000];
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "a", 1, 0644, 0, 0, 0, &a), 0);
    CHECK_EQ(ext2_write(&im.fs, a, data, sizeof data, 0), (long)sizeof data);
    CHECK_EQ(ext2_unlink(&im.fs, EXT2_ROOT_INO, "a", 1), 0);
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(now.bfree, before.bfree);
    CHECK_EQ(now.ffree, before.ffree);

    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "b", 1, 0644, 0, 0, 0, &b), 0);
    CHECK_EQ(ext2_write(&im.fs, b, "still here", 10, 0), 10);
    im.busy_ino = (int)b; /* open above us */
    CHECK_EQ(ext2_unlink(&im.fs, EXT2_ROOT_INO, "b", 1), 0);
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(before.ffree - now.ffree, 1);
    char buf[16];
    CHECK_EQ(ext2_read(&im.fs, b, buf, sizeof buf, 0), 10);
    CHECK_EQ(memcmp(buf, "still here", 10), 0);
    uint32_t x;
    CHECK_EQ(ext2_lookup(&im.fs, EXT2_ROOT_INO, "b", 1, &x), -EXT2_ENOENT);
    CHECK_EQ(ext2_evict(&im.fs, b), 0); /* the last close */
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(now.bfree, before.bfree);
    CHECK_EQ(now.ffree, before.ffree);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(im.nlog, 0);
}

TEST_CASE(attributes_survive_a_remount)
{
    struct img im;
    CHECK_EQ(img_make(&im, "attr", "", "8M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t ino, c, f;
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "f", 1, 0100644, 0, 0, 0, &ino), 0);
    struct ext2_stat st = {.mode = 04751, .uid = 70000, .gid = 70001, .atime = 111, .mtime = 222};
    CHECK_EQ(
        ext2_setattr(&im.fs, ino, &st,
                     EXT2_SET_MODE | EXT2_SET_UID | EXT2_SET_GID | EXT2_SET_ATIME | EXT2_SET_MTIME),
        0);
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "tty", 3, 020620, 0, 5, 0x0440, &c), 0);
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "fifo", 4, 010600, 0, 0, 0, &f), 0);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(img_debugfs_num(&im, "stat /f", "User:"), 70000);
    CHECK_EQ(img_debugfs_num(&im, "stat /f", "Group:"), 70001);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_stat(&im.fs, ino, &st), 0);
    CHECK_EQ(st.mode, 0104751);
    CHECK_EQ(st.uid, 70000);
    CHECK_EQ(st.gid, 70001);
    CHECK_EQ(st.atime, 111);
    CHECK_EQ(st.mtime, 222);
    CHECK_EQ(st.ctime, IMG_NOW);
    CHECK_EQ(ext2_stat(&im.fs, c, &st), 0);
    CHECK_EQ(st.mode, 020620);
    CHECK_EQ(st.rdev, 0x0440);
    CHECK_EQ(st.gid, 5);
    CHECK_EQ(ext2_stat(&im.fs, f, &st), 0);
    CHECK_EQ(st.mode, 010600);
    uint64_t cookie = 0;
    struct ext2_entry e;
    int types = 0;
    while (ext2_readdir(&im.fs, EXT2_ROOT_INO, &cookie, &e) == 1) {
        if (strcmp(e.name, "tty") == 0)
            types += e.type == EXT2_FT_CHRDEV;
        if (strcmp(e.name, "fifo") == 0)
            types += e.type == EXT2_FT_FIFO;
    }
    CHECK_EQ(types, 2);
    CHECK_EQ(img_umount(&im), 0);
}

TEST_CASE(full_disk_is_enospc_and_stays_consistent)
{
    struct img im;
    CHECK_EQ(img_make(&im, "full", "-b 1024", "2M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    struct ext2_statfs before, now;
    CHECK_EQ(ext2_statfs(&im.fs, &before), 0);
    uint32_t ino;
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "big", 3, 0644, 0, 0, 0, &ino), 0);
    static unsigned char chunk[64 * 1024];
    long r;
    uint64_t off = 0;
    while ((r = ext2_write(&im.fs, ino, chunk, sizeof chunk, off)) == (long)sizeof chunk)
        off += (uint64_t)r;
    if (r < 0)
        CHECK_EQ(r, -EXT2_ENOSPC); /* the disk filled exactly at a chunk's end */
    off += (uint64_t)(r > 0 ? r : 0);
    CHECK_EQ(ext2_write(&im.fs, ino, chunk, 1024, off), -EXT2_ENOSPC);
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(now.bfree, 0);
    uint32_t x;
    CHECK_EQ(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "d", 1, 0755, 0, 0, &x), -EXT2_ENOSPC);
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(now.ffree, before.ffree - 1); /* the failed mkdir gave its inode back */
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_unlink(&im.fs, EXT2_ROOT_INO, "big", 3), 0);
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(now.bfree, before.bfree);
    CHECK_EQ(now.ffree, before.ffree);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(im.nlog, 0);
}
