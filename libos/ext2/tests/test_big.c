/*
 * test_big.c: large and far files: a write at 5 GiB (large_file, triple indirect with 4 KiB
 * blocks), the first triple-indirect block with 1 KiB blocks, the size limit (EFBIG). Checked
 * by e2fsck -fn, debugfs's size and block map, and the image's bytes at the mapped block.
 */
#include "img.h"

#include <check.h>

#include <stdlib.h>
#include <string.h>

static unsigned char pattern(uint64_t i)
{
    return (unsigned char)(i * 131 + (i >> 9) * 7 + 1);
}

/* The bytes at logical block lblk of path, read from the image where debugfs maps it. */
static int block_equals(struct img *im, const char *path, uint64_t lblk, uint32_t bsize,
                        const unsigned char *want)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "bmap %s %llu", path, (unsigned long long)lblk);
    long long pblk = img_debugfs_num(im, cmd, "");
    if (pblk <= 0)
        return 0;
    unsigned char *got = malloc(bsize);
    int ok = img_peek(im, (unsigned long long)pblk * bsize, got, bsize) == 0 &&
             memcmp(got, want, bsize) == 0;
    free(got);
    return ok;
}

TEST_CASE(write_at_5_gib_with_4k_blocks)
{
    struct img im;
    CHECK_EQ(img_make(&im, "five", "-b 4096 -O ^large_file", "64M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    struct ext2_statfs before, now;
    CHECK_EQ(ext2_statfs(&im.fs, &before), 0);
    uint32_t ino;
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "big", 3, 0644, 0, 0, 0, &ino), 0);
    uint64_t off = 5ull << 30;
    unsigned char data[8192];
    for (int i = 0; i < 8192; i++)
        data[i] = pattern((uint64_t)i);
    CHECK_EQ(ext2_write(&im.fs, ino, data, sizeof data, off), 8192);
    CHECK_EQ(im.fs.sb.s_feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE,
             EXT2_FEATURE_RO_COMPAT_LARGE_FILE);
    struct ext2_stat st;
    CHECK_EQ(ext2_stat(&im.fs, ino, &st), 0);
    CHECK_EQ(st.size, off + 8192);
    CHECK_EQ(st.blocks, (2 + 3) * 8); /* two data blocks, triple, double, single indirect */
    unsigned char got[8192];
    CHECK_EQ(ext2_read(&im.fs, ino, got, sizeof got, off), 8192);
    CHECK_EQ(memcmp(got, data, sizeof data), 0);
    memset(got, 1, sizeof got);
    CHECK_EQ(ext2_read(&im.fs, ino, got, 4096, 4ull << 30), 4096);
    CHECK_EQ(got[0] | got[4095], 0);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(img_debugfs_num(&im, "stat /big", "Size:"), (long long)(off + 8192));
    CHECK_MSG(block_equals(&im, "/big", off / 4096, 4096, data),
              "first block where debugfs maps it");
    CHECK_MSG(block_equals(&im, "/big", off / 4096 + 1, 4096, data + 4096), "second block");
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_truncate(&im.fs, ino, 0), 0);
    CHECK_EQ(ext2_statfs(&im.fs, &now), 0);
    CHECK_EQ(now.bfree, before.bfree);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(im.nlog, 0);
}

TEST_CASE(triple_indirect_reach_with_1k_blocks)
{
    struct img im;
    CHECK_EQ(img_make(&im, "triple", "-b 1024", "16M"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t ino;
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "t", 1, 0644, 0, 0, 0, &ino), 0);
    uint64_t first_triple = 12 + 256 + 256 * 256;
    uint64_t off = first_triple * 1024 - 1024; /* the last double-indirect block, then on */
    static unsigned char data[3 * 1024];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = pattern(i + 7);
    CHECK_EQ(ext2_write(&im.fs, ino, data, sizeof data, off), (long)sizeof data);
    struct ext2_stat st;
    CHECK_EQ(ext2_stat(&im.fs, ino, &st), 0);
    CHECK_EQ(st.blocks, (3 + 2 + 3) * 2); /* 3 data; double + single; triple + double + single */
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    for (int i = 0; i < 3; i++)
        CHECK_MSG(block_equals(&im, "/t", first_triple - 1 + (uint64_t)i, 1024, data + i * 1024),
                  "block %d where debugfs maps it", i);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint64_t max = (12 + 256 + 65536ull + 16777216ull) * 1024;
    CHECK_EQ(ext2_write(&im.fs, ino, "x", 1, max), -EXT2_EFBIG);
    CHECK_EQ(ext2_truncate(&im.fs, ino, max + 1), -EXT2_EFBIG);
    CHECK_EQ(ext2_truncate(&im.fs, ino, first_triple * 1024 + 10), 0); /* frees the last one */
    CHECK_EQ(ext2_stat(&im.fs, ino, &st), 0);
    CHECK_EQ(st.blocks, (2 + 2 + 3) * 2);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(im.nlog, 0);
}
