/*
 * test_mount.c: mounting mke2fs images (block sizes 1, 2, 4 KiB, revision 0 and 1), statfs
 * against dumpe2fs, features refused or read-only, and reading what mke2fs -d put there:
 * files (multi-block, sparse), symlinks, directories, and directories e2fsck -D indexed.
 */
#include "img.h"

#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char pattern(uint64_t i)
{
    return (unsigned char)(i * 131 + (i >> 9) * 7 + 1);
}

TEST_CASE(statfs_matches_dumpe2fs)
{
    const char *bs[] = {"1024", "2048", "4096"};
    for (int i = 0; i < 3; i++) {
        struct img im;
        char opts[64];
        snprintf(opts, sizeof opts, "-b %s", bs[i]);
        CHECK_EQ(img_make(&im, "statfs", opts, "16M"), 0);
        CHECK_EQ(img_mount(&im, 0), 0);
        struct ext2_statfs st;
        CHECK_EQ(ext2_statfs(&im.fs, &st), 0);
        CHECK_EQ(st.bsize, atoi(bs[i]));
        CHECK_EQ(st.namelen, 255);
        CHECK_EQ(st.blocks, img_super_num(&im, "Block count:"));
        CHECK_EQ(st.bfree, img_super_num(&im, "Free blocks:"));
        CHECK_EQ(st.bavail, st.bfree - img_super_num(&im, "Reserved block count:"));
        CHECK_EQ(st.files, img_super_num(&im, "Inode count:"));
        CHECK_EQ(st.ffree, img_super_num(&im, "Free inodes:"));
        CHECK_EQ(im.nlog, 0);
        CHECK_EQ(img_umount(&im), 0);
        CHECK_EQ(img_fsck(&im), 0);
        CHECK_EQ(img_super_num(&im, "Mount count:"), 1);
    }
}

TEST_CASE(unknown_incompat_is_einval)
{
    struct img im;
    CHECK_EQ(img_make(&im, "incompat", "", "4M"), 0);
    CHECK_EQ(img_debugfs(&im, "feature extent"), 0);
    CHECK_EQ(img_mount(&im, 0), -EXT2_EINVAL);
    CHECK_EQ(im.nlog, 1);
    CHECK_EQ(img_mount(&im, 1), -EXT2_EINVAL);
}

TEST_CASE(unknown_ro_compat_mounts_read_only)
{
    struct img im;
    CHECK_EQ(img_make(&im, "rocompat", "", "4M"), 0);
    CHECK_EQ(img_debugfs(&im, "feature huge_file"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(im.fs.ro, 1);
    CHECK_EQ(im.nlog, 1);
    uint32_t ino;
    CHECK_EQ(ext2_lookup(&im.fs, EXT2_ROOT_INO, "lost+found", 10, &ino), 0);
    CHECK_EQ(ino, 11);
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "f", 1, 0644, 0, 0, 0, &ino), -EXT2_EROFS);
    CHECK_EQ(ext2_mkdir(&im.fs, EXT2_ROOT_INO, "d", 1, 0755, 0, 0, &ino), -EXT2_EROFS);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_super_num(&im, "Mount count:"), 0); /* nothing written */
}

TEST_CASE(bad_block_size_is_einval)
{
    struct img im;
    CHECK_EQ(img_make(&im, "bs64k", "", "4M"), 0);
    uint32_t log = 6; /* 64 KiB */
    CHECK_EQ(img_poke(&im, 1024 + 24, &log, 4), 0);
    CHECK_EQ(img_mount(&im, 0), -EXT2_EINVAL);
    CHECK_EQ(im.nlog, 1);
}

/* A folder for mke2fs -d: small, multi-block and sparse files, symlinks, a subdirectory. */
static void make_tree(const char *root, unsigned char **big, size_t *big_len)
{
    char p[1200];
    img_host_file(root, 0, 0);
    snprintf(p, sizeof p, "%s/small.txt", root);
    img_host_file(p, "hello, ext2\n", 12);
    *big_len = 300 * 1024 + 123;
    *big = malloc(*big_len);
    for (size_t i = 0; i < *big_len; i++)
        (*big)[i] = pattern(i);
    snprintf(p, sizeof p, "%s/big.bin", root);
    img_host_file(p, *big, *big_len);
    img_sh("cd '%s' && truncate -s 3M sparse && printf tail >>sparse && printf head | dd "
           "of=sparse conv=notrunc status=none",
           root);
    img_sh("cd '%s' && ln -s small.txt fast && ln -s "
           "'%0100d/x' slow && mkdir -p sub/deeper && echo inside >sub/deeper/f",
           root, 0);
}

static void read_tree(const char *opts)
{
    char root[600];
    snprintf(root, sizeof root, "%s/tree", img_dir());
    img_sh("rm -rf '%s'", root);
    unsigned char *big;
    size_t big_len;
    make_tree(root, &big, &big_len);
    struct img im;
    char o[700];
    snprintf(o, sizeof o, "%s -d '%s'", opts, root);
    CHECK_EQ(img_make(&im, "tree", o, "16M"), 0);
    CHECK_EQ(img_mount(&im, 1), 0);

    uint32_t ino;
    char buf[4096];
    CHECK_EQ(ext2_resolve(&im.fs, "/small.txt", &ino), 0);
    CHECK_EQ(ext2_read(&im.fs, ino, buf, sizeof buf, 0), 12);
    CHECK_EQ(memcmp(buf, "hello, ext2\n", 12), 0);
    CHECK_EQ(ext2_read(&im.fs, ino, buf, sizeof buf, 7), 5);
    CHECK_EQ(ext2_read(&im.fs, ino, buf, sizeof buf, 12), 0);

    CHECK_EQ(ext2_resolve(&im.fs, "/big.bin", &ino), 0);
    unsigned char *got = malloc(big_len + 100);
    CHECK_EQ(ext2_read(&im.fs, ino, got, big_len + 100, 0), (long)big_len);
    CHECK_EQ(memcmp(got, big, big_len), 0);
    CHECK_EQ(ext2_read(&im.fs, ino, got, 5000, 270 * 1024 + 3), 5000); /* across indirects */
    CHECK_EQ(memcmp(got, big + 270 * 1024 + 3, 5000), 0);
    free(got);

    CHECK_EQ(ext2_resolve(&im.fs, "/sparse", &ino), 0);
    struct ext2_stat st;
    CHECK_EQ(ext2_stat(&im.fs, ino, &st), 0);
    CHECK_EQ(st.size, 3 * 1024 * 1024 + 4);
    CHECK_MSG(st.blocks < 64, "sparse file holds %llu sectors", (unsigned long long)st.blocks);
    CHECK_EQ(ext2_read(&im.fs, ino, buf, 4, 0), 4);
    CHECK_EQ(memcmp(buf, "head", 4), 0);
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(ext2_read(&im.fs, ino, buf, sizeof buf, 1024 * 1024), (long)sizeof buf);
    int zero = 1;
    for (size_t i = 0; i < sizeof buf; i++)
        zero &= buf[i] == 0;
    CHECK_MSG(zero, "a hole reads as zeros");
    CHECK_EQ(ext2_read(&im.fs, ino, buf, 100, 3 * 1024 * 1024), 4);
    CHECK_EQ(memcmp(buf, "tail", 4), 0);

    CHECK_EQ(ext2_resolve(&im.fs, "/fast", &ino), 0);
    CHECK_EQ(ext2_readlink(&im.fs, ino, buf, sizeof buf), 9);
    CHECK_EQ(memcmp(buf, "small.txt", 9), 0);
    CHECK_EQ(ext2_resolve(&im.fs, "/slow", &ino), 0);
    CHECK_EQ(ext2_readlink(&im.fs, ino, buf, sizeof buf), 102);
    CHECK_EQ(memcmp(buf + 98, "00/x", 4), 0);
    CHECK_EQ(ext2_readlink(&im.fs, ino, buf, 10), 102); /* the length, 10 bytes copied */

    CHECK_EQ(ext2_resolve(&im.fs, "/sub/deeper/f", &ino), 0);
    CHECK_EQ(ext2_read(&im.fs, ino, buf, sizeof buf, 0), 7);
    CHECK_EQ(memcmp(buf, "inside\n", 7), 0);
    CHECK_EQ(ext2_resolve(&im.fs, "/sub/nothing", &ino), -EXT2_ENOENT);
    CHECK_EQ(ext2_resolve(&im.fs, "/small.txt/x", &ino), -EXT2_ENOTDIR);

    /* readdir of / : every name once, with its type */
    const char *want[] = {".",      "..",   "lost+found", "small.txt", "big.bin",
                          "sparse", "fast", "slow",       "sub"};
    int seen[9] = {0}, n = 0;
    uint64_t cookie = 0;
    struct ext2_entry e;
    while (ext2_readdir(&im.fs, EXT2_ROOT_INO, &cookie, &e) == 1) {
        n++;
        for (int i = 0; i < 9; i++)
            if (strcmp(e.name, want[i]) == 0) {
                seen[i]++;
                if (i == 6)
                    CHECK_EQ(e.type, EXT2_FT_SYMLINK);
                if (i == 8)
                    CHECK_EQ(e.type, EXT2_FT_DIR);
                if (i == 3)
                    CHECK_EQ(e.type, EXT2_FT_REG_FILE);
            }
    }
    CHECK_EQ(n, 9);
    for (int i = 0; i < 9; i++)
        CHECK_EQ(seen[i], 1);
    CHECK_EQ(im.nlog, 0);
    img_umount(&im);
    free(big);
}

TEST_CASE(reads_mke2fs_tree_1k)
{
    read_tree("-b 1024");
}

TEST_CASE(reads_mke2fs_tree_4k)
{
    read_tree("-b 4096");
}

TEST_CASE(reads_mke2fs_tree_rev0)
{
    read_tree("-b 1024 -r 0");
}

TEST_CASE(indexed_directory_reads_linear_and_stays_clean_after_a_change)
{
    char root[600];
    snprintf(root, sizeof root, "%s/manyfiles", img_dir());
    img_sh("rm -rf '%s' && mkdir -p '%s/d' && cd '%s/d' && for i in $(seq 1 400); do echo $i "
           ">file-with-a-long-name-$i; done",
           root, root, root);
    struct img im;
    char o[700];
    snprintf(o, sizeof o, "-b 1024 -d '%s'", root);
    CHECK_EQ(img_make(&im, "indexed", o, "8M"), 0);
    img_sh("e2fsck -fyD '%s' >/dev/null 2>&1", im.path);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t d, ino;
    CHECK_EQ(ext2_resolve(&im.fs, "/d", &d), 0);
    struct ext2_stat st;
    CHECK_EQ(ext2_stat(&im.fs, d, &st), 0);
    CHECK_EQ(st.flags & EXT2_INDEX_FL, EXT2_INDEX_FL);
    int n = 0;
    uint64_t cookie = 0;
    struct ext2_entry e;
    while (ext2_readdir(&im.fs, d, &cookie, &e) == 1)
        n++;
    CHECK_EQ(n, 402);
    char name[64], buf[16];
    int ok = 1;
    for (int i = 1; i <= 400; i++) {
        snprintf(name, sizeof name, "file-with-a-long-name-%d", i);
        ok &= ext2_lookup(&im.fs, d, name, (unsigned)strlen(name), &ino) == 0;
        long r = ext2_read(&im.fs, ino, buf, sizeof buf, 0);
        snprintf(name, sizeof name, "%d\n", i);
        ok &= r == (long)strlen(name) && memcmp(buf, name, (size_t)r) == 0;
    }
    CHECK_MSG(ok, "every file found by name with its contents");
    CHECK_EQ(ext2_create(&im.fs, d, "new", 3, 0644, 0, 0, 0, &ino), 0);
    CHECK_EQ(ext2_unlink(&im.fs, d, "file-with-a-long-name-7", 23), 0);
    CHECK_EQ(ext2_stat(&im.fs, d, &st), 0);
    CHECK_EQ(st.flags & EXT2_INDEX_FL, 0);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
    CHECK_EQ(img_debugfs_num(&im, "stat /d/new", "Links:"), 1);
    CHECK_EQ(im.nlog, 0);
}
