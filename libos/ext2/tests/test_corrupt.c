/*
 * test_corrupt.c: damaged images (by poking bytes or with debugfs): bad magic, counts that
 * lie, block numbers out of range, directory entries with rec_len 0 or past their block, a
 * directory loop, entries naming free inodes, bitmaps that disagree with their counts,
 * a block owned twice, device errors. Each gives -EUCLEAN (or -EIO) and exactly one log line,
 * never a crash or a hang.
 */
#include "img.h"

#include <check.h>

#include <stdlib.h>
#include <string.h>

#define R EXT2_ROOT_INO

/* A 1 KiB-block image with /f (20 blocks), /small, /d/e/g (directories) made by mke2fs -d. */
static void make(struct img *im, const char *name)
{
    char root[600];
    snprintf(root, sizeof root, "%s/%s.tree", img_dir(), name);
    img_sh("rm -rf '%s' && mkdir -p '%s/d/e/g' '%s/x/y' && head -c 20480 /dev/urandom >'%s/f' "
           "&& echo hi >'%s/small' && echo there >'%s/small2'",
           root, root, root, root, root, root);
    char o[700];
    snprintf(o, sizeof o, "-b 1024 -d '%s'", root);
    CHECK_EQ(img_make(im, name, o, "4M"), 0);
}

static uint32_t u32(uint32_t v)
{
    return v;
}

static void poke32(struct img *im, unsigned long long off, uint32_t v)
{
    CHECK_EQ(img_poke(im, off, &v, 4), 0);
}

static void poke16(struct img *im, unsigned long long off, uint16_t v)
{
    CHECK_EQ(img_poke(im, off, &v, 2), 0);
}

static long long num(struct img *im, const char *cmd, const char *key)
{
    return img_debugfs_num(im, cmd, key);
}

TEST_CASE(bad_superblocks)
{
    struct img im;
    struct {
        unsigned off;
        uint32_t v;
    } bad[] = {
        {1024 + 56, 0x1234},   /* magic (16 bits: the low half is enough) */
        {1024 + 0, 2049},      /* inode count: not groups * inodes per group */
        {1024 + 4, 1u << 30},  /* block count: past the device's end */
        {1024 + 16, 0xffffff}, /* free inodes above the total */
        {1024 + 40, 0},        /* inodes per group 0 */
        {1024 + 32, 1 << 20},  /* blocks per group above a bitmap's reach */
        {1024 + 20, 7},        /* first data block */
        {1024 + 88, 100},      /* inode size not a power of two */
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make(&im, "sb");
        if (bad[i].off == 1024 + 56)
            poke16(&im, bad[i].off, (uint16_t)bad[i].v);
        else
            poke32(&im, bad[i].off, bad[i].v);
        CHECK_EQ(img_mount(&im, 0), -EXT2_EUCLEAN);
        CHECK_MSG(im.nlog == 1, "case %u: %d log lines, last: %s", i, im.nlog, im.last);
    }
    make(&im, "sb");
    CHECK_EQ(img_debugfs(&im, "set_bg 0 free_blocks_count 60000"), 0);
    CHECK_EQ(img_mount(&im, 0), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    make(&im, "sb");
    CHECK_EQ(img_debugfs(&im, "set_bg 0 inode_table 5000000"), 0);
    CHECK_EQ(img_mount(&im, 0), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    make(&im, "sb");
    CHECK_EQ(img_debugfs(&im, "sif <2> mode 0100644"), 0); /* the root not a directory */
    CHECK_EQ(img_mount(&im, 0), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
}

TEST_CASE(block_numbers_out_of_range)
{
    struct img im;
    make(&im, "range");
    CHECK_EQ(img_debugfs(&im, "sif /f block[0] 4000000"), 0);
    CHECK_EQ(img_debugfs(&im, "sif /small block[0] 2"), 0); /* the superblock's group header */
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t f, s;
    char buf[2048];
    CHECK_EQ(ext2_resolve(&im.fs, "/f", &f), 0);
    CHECK_EQ(ext2_read(&im.fs, f, buf, sizeof buf, 0), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    CHECK_EQ(ext2_read(&im.fs, f, buf, 1024, 5000), 1024); /* the rest of the file is fine */
    CHECK_EQ(ext2_write(&im.fs, f, buf, 10, 0), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 2);
    CHECK_EQ(ext2_unlink(&im.fs, R, "f", 1), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 3);
    CHECK_EQ(ext2_resolve(&im.fs, "/small", &s), 0);
    CHECK_EQ(ext2_read(&im.fs, s, buf, sizeof buf, 0), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 4);
    img_umount(&im);

    make(&im, "range2"); /* an indirect block out of range, and an entry inside one */
    CHECK_EQ(img_debugfs(&im, "sif /f block[IND] 99999999"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_resolve(&im.fs, "/f", &f), 0);
    CHECK_EQ(ext2_read(&im.fs, f, buf, 1024, 0), 1024);
    CHECK_EQ(ext2_read(&im.fs, f, buf, 1024, 13 * 1024), -EXT2_EUCLEAN);
    CHECK_EQ(ext2_truncate(&im.fs, f, 0), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 2);
    img_umount(&im);

    make(&im, "range3");
    long long ind = num(&im, "stat /f", "(IND):");
    CHECK_MSG(ind > 0, "the single indirect block of /f: %lld", ind);
    poke32(&im, (unsigned long long)ind * 1024 + 4, 0xfffffff0u);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_resolve(&im.fs, "/f", &f), 0);
    CHECK_EQ(ext2_read(&im.fs, f, buf, 1024, 12 * 1024), 1024);
    CHECK_EQ(ext2_read(&im.fs, f, buf, 1024, 13 * 1024), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
}

/* The byte offset in the image of /path's directory block 0. */
static unsigned long long dir_block(struct img *im, const char *path)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "bmap %s 0", path);
    return (unsigned long long)num(im, cmd, "") * 1024;
}

TEST_CASE(directory_entries_rec_len_zero_or_past_the_block)
{
    struct img im;
    uint32_t d, x;
    make(&im, "reclen0");
    poke16(&im, dir_block(&im, "/d") + 4, 0); /* "." */
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_resolve(&im.fs, "/d", &d), 0);
    CHECK_EQ(ext2_lookup(&im.fs, d, "e", 1, &x), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    uint64_t cookie = 0;
    struct ext2_entry e;
    CHECK_EQ(ext2_readdir(&im.fs, d, &cookie, &e), -EXT2_EUCLEAN);
    CHECK_EQ(ext2_create(&im.fs, d, "n", 1, 0644, 0, 0, 0, &x), -EXT2_EUCLEAN);
    CHECK_EQ(ext2_rmdir(&im.fs, R, "d", 1), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 4);
    img_umount(&im);

    make(&im, "reclenpast");
    poke16(&im, dir_block(&im, "/d") + 12 + 4, 1024); /* "..": 12 + 1024 > 1024 */
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_resolve(&im.fs, "/d/e", &x), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    img_umount(&im);

    make(&im, "namelen");
    unsigned char nl = 200; /* "..": a name longer than its record */
    CHECK_EQ(img_poke(&im, dir_block(&im, "/d") + 12 + 6, &nl, 1), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_resolve(&im.fs, "/d/e", &x), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    img_umount(&im);

    make(&im, "badino"); /* an entry naming an inode past the last */
    poke32(&im, dir_block(&im, "/d") + 24, 999999);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_resolve(&im.fs, "/d/e", &x), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
}

TEST_CASE(directory_loop_is_euclean_not_a_hang)
{
    struct img im;
    make(&im, "loop");
    uint32_t e = (uint32_t)num(&im, "stat /d/e", "Inode:");
    uint32_t g = (uint32_t)num(&im, "stat /d/e/g", "Inode:");
    CHECK_MSG(e > 2 && g > 2, "inodes %u %u", e, g);
    poke32(&im, dir_block(&im, "/d/e") + 12, g); /* e's '..' is g, g's '..' is e */
    poke32(&im, dir_block(&im, "/d/e/g") + 12, e);
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t gi;
    CHECK_EQ(ext2_resolve(&im.fs, "/d/e/g", &gi), 0);
    CHECK_EQ(ext2_rename(&im.fs, R, "x", 1, gi, "x", 1), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    CHECK_EQ(ext2_resolve(&im.fs, "/d/e/g/../../..", &gi), 0); /* bounded by the path */
    CHECK_EQ(gi, e);
    img_umount(&im);
}

TEST_CASE(counts_and_bitmaps_that_lie)
{
    struct img im;
    uint32_t f, x;
    make(&im, "freeino"); /* an entry naming a free inode */
    CHECK_EQ(img_debugfs(&im, "sif /small links_count 0"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_lookup(&im.fs, R, "small", 5, &x), -EXT2_EUCLEAN);
    CHECK_EQ(ext2_unlink(&im.fs, R, "small", 5), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 2);
    img_umount(&im);

    make(&im, "bmfull"); /* the block bitmap full, the counts saying otherwise */
    long long bb = num(&im, "stats", "block bitmap at");
    CHECK_MSG(bb > 0, "block bitmap at %lld", bb);
    unsigned char ones[1024];
    memset(ones, 0xff, sizeof ones);
    CHECK_EQ(img_poke(&im, (unsigned long long)bb * 1024, ones, sizeof ones), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_create(&im.fs, R, "n", 1, 0644, 0, 0, 0, &f), 0);
    CHECK_EQ(ext2_write(&im.fs, f, "data", 4, 0), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    img_umount(&im);

    make(&im, "bmmeta"); /* the inode table's first block marked free */
    bb = num(&im, "stats", "block bitmap at");
    long long it = num(&im, "stats", "inode table at");
    CHECK_MSG(it > 0, "inode table at %lld", it);
    unsigned char byte;
    unsigned long long at = (unsigned long long)bb * 1024 + (unsigned long long)(it - 1) / 8;
    CHECK_EQ(img_peek(&im, at, &byte, 1), 0);
    byte &= (unsigned char)~(1u << ((it - 1) % 8));
    CHECK_EQ(img_poke(&im, at, &byte, 1), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_create(&im.fs, R, "n", 1, 0644, 0, 0, 0, &f), 0);
    CHECK_EQ(ext2_write(&im.fs, f, "data", 4, 0), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    img_umount(&im);

    make(&im, "ibfull"); /* the inode bitmap full */
    long long ib = num(&im, "stats", "inode bitmap at");
    CHECK_EQ(img_poke(&im, (unsigned long long)ib * 1024, ones, sizeof ones), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_create(&im.fs, R, "n", 1, 0644, 0, 0, 0, &f), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    img_umount(&im);

    make(&im, "twice"); /* two files own one block: the second free is refused */
    long long blk = num(&im, "stat /small", "(0):");
    CHECK_MSG(blk > 0, "block of /small %lld", blk);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "sif /small2 block[0] %lld", blk);
    CHECK_EQ(img_debugfs(&im, "%s", cmd), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    CHECK_EQ(ext2_unlink(&im.fs, R, "small", 5), 0);
    CHECK_EQ(ext2_unlink(&im.fs, R, "small2", 6), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    img_umount(&im);

    make(&im, "fastlink"); /* a "fast" symlink longer than the inode holds */
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t l;
    CHECK_EQ(ext2_symlink(&im.fs, R, "l", 1, "target", 6, 0, 0, &l), 0);
    img_umount(&im);
    CHECK_EQ(img_debugfs(&im, "sif /l size 200"), 0);
    CHECK_EQ(img_mount(&im, 0), 0);
    char buf[300];
    CHECK_EQ(ext2_readlink(&im.fs, l, buf, sizeof buf), -EXT2_EUCLEAN);
    CHECK_EQ(im.nlog, 1);
    (void)u32;
}

TEST_CASE(device_errors_are_eio)
{
    struct img im;
    make(&im, "eio");
    CHECK_EQ(img_mount(&im, 0), 0);
    uint32_t f;
    CHECK_EQ(ext2_resolve(&im.fs, "/f", &f), 0);
    im.fail_io = 1;
    char buf[1024];
    CHECK_EQ(ext2_read(&im.fs, f, buf, sizeof buf, 15 * 1024), -EXT2_EIO);
    CHECK_EQ(im.nlog, 1);
    im.fail_io = 0;
    CHECK_EQ(ext2_read(&im.fs, f, buf, sizeof buf, 15 * 1024), 1024);
    CHECK_EQ(img_umount(&im), 0);
    im.fail_io = 1;
    CHECK_EQ(img_mount(&im, 0), -EXT2_EIO);
}
