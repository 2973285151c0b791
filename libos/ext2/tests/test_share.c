/*
 * test_share.c: the shared cache index (ext2/share.h, share.c) against the library's own
 * reads: after every call every tagged entry names a block whose buffer holds exactly that
 * file block's bytes up to `valid` (the file's size), every seq is even, and the reader's side
 * (ext2_share_read) returns the bytes ext2_read returns, or -1; never old bytes after a write,
 * a truncate, an unlink and a new file that reuses the inode, or an eviction of the buffer.
 */
#include "img.h"

#include <check.h>

#include <stdlib.h>
#include <string.h>

#define SLOTS 128
static struct ext2_share_ent ix[SLOTS];
static const uint64_t all[SLOTS / 64] = {~0ull, ~0ull};

static long mount_shared(struct img *im, const char *name, const char *opts)
{
    if (img_make(im, name, opts, "8M") != 0)
        return -1;
    im->dev.share = ix;
    im->dev.share_slots = SLOTS;
    im->dev.share_fsid = 3;
    return img_mount(im, 0);
}

static long sread(struct img *im, uint32_t ino, void *buf, uint64_t len, uint64_t off)
{
    unsigned hint = 0;
    return ext2_share_read(ix, im->cache, all, 0, im->fs.nbufs, &hint, 3, ino, im->fs.log_bsize,
                           buf, len, off);
}

/* Every tagged entry tells the truth (what ext2_read says of that block), every seq is even. */
static int index_true(struct img *im)
{
    static unsigned char want[4096];
    for (unsigned i = 0; i < im->fs.nbufs; i++) {
        if (ix[i].seq & 1 || ix[i].fsid != 3 || ix[i].log_bsize != im->fs.log_bsize)
            return 0;
        if (!ix[i].ino)
            continue;
        uint64_t start = (uint64_t)ix[i].lblk << im->fs.log_bsize;
        long n = ext2_read(&im->fs, ix[i].ino, want, im->fs.bsize, start);
        if (n != ix[i].valid || memcmp(want, im->cache + (size_t)i * 4096, (size_t)n) != 0)
            return 0;
    }
    return 1;
}

static void hits_and_changes(const char *opts)
{
    struct img im;
    CHECK_EQ(mount_shared(&im, "sh", opts), 0);
    uint32_t ino, bs = im.fs.bsize;
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "f", 1, 0100644, 0, 0, 0, &ino), 0);
    unsigned char data[3 * 4096 + 100], got[sizeof data];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + 1);
    uint64_t len = 3 * bs + 100;
    CHECK_EQ(ext2_write(&im.fs, ino, data, len, 0), (long)len);
    CHECK_EQ(index_true(&im), 1);
    /* written blocks are tagged: a read from the index alone, up to the end of the file */
    memset(got, 0, sizeof got);
    CHECK_EQ(sread(&im, ino, got, sizeof got, 0), (long)len);
    CHECK_EQ(memcmp(got, data, len), 0);
    CHECK_EQ(sread(&im, ino, got, 10, bs - 5), 10);
    CHECK_EQ(memcmp(got, data + bs - 5, 10), 0);
    CHECK_EQ(sread(&im, ino, got, 10, len), 0);       /* at the end: 0 */
    CHECK_EQ(sread(&im, ino, got, 10, len - 4), 4);   /* short */
    CHECK_EQ(sread(&im, ino, got, 10, len + bs), -1); /* past the last block: ask */
    CHECK_EQ(sread(&im, ino + 1, got, 10, 0), -1);    /* another inode */
    /* an overwrite is seen */
    CHECK_EQ(ext2_write(&im.fs, ino, "XYZ", 3, 1), 3);
    CHECK_EQ(sread(&im, ino, got, 5, 0), 5);
    CHECK_EQ(memcmp(got, "\001XYZ", 4), 0);
    CHECK_EQ(index_true(&im), 1);
    /* growing: the old last block no longer says the file ends there */
    CHECK_EQ(ext2_write(&im.fs, ino, "end", 3, 4 * bs + 10), 3);
    CHECK_EQ(index_true(&im), 1);
    long n = sread(&im, ino, got, 200, 3 * bs);
    CHECK_EQ(n == -1 || n == 200, 1); /* never the old end of file */
    /* truncate: nothing of the file stays tagged until read again, then the new size */
    CHECK_EQ(ext2_truncate(&im.fs, ino, bs + 10), 0);
    CHECK_EQ(sread(&im, ino, got, 100, 0), -1);
    CHECK_EQ(index_true(&im), 1);
    CHECK_EQ(ext2_read(&im.fs, ino, got, sizeof got, 0), (long)bs + 10);
    CHECK_EQ(sread(&im, ino, got, sizeof got, 0), (long)bs + 10);
    CHECK_EQ(sread(&im, ino, got, 100, bs + 10), 0);
    CHECK_EQ(index_true(&im), 1);
    /* unlink and a new file (the same inode number): never the old bytes */
    CHECK_EQ(ext2_unlink(&im.fs, EXT2_ROOT_INO, "f", 1), 0);
    CHECK_EQ(sread(&im, ino, got, 10, 0), -1);
    uint32_t ino2;
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "g", 1, 0100644, 0, 0, 0, &ino2), 0);
    CHECK_EQ(ino2, ino);
    CHECK_EQ(sread(&im, ino2, got, 10, 0), -1); /* empty file: no block */
    CHECK_EQ(ext2_write(&im.fs, ino2, "new", 3, 0), 3);
    CHECK_EQ(sread(&im, ino2, got, 10, 0), 3);
    CHECK_EQ(memcmp(got, "new", 3), 0);
    CHECK_EQ(index_true(&im), 1);
    CHECK_EQ(img_umount(&im), 0);
    for (unsigned i = 0; i < SLOTS; i++)
        CHECK_EQ(ix[i].ino, 0u); /* unmounted: nothing tagged */
    CHECK_EQ(img_fsck(&im), 0);
}

TEST_CASE(share_4k)
{
    hits_and_changes("-b 4096");
}

TEST_CASE(share_1k)
{
    hits_and_changes("-b 1024");
}

/* More blocks than buffers: entries follow the buffers as they are reused. */
TEST_CASE(share_eviction)
{
    struct img im;
    CHECK_EQ(mount_shared(&im, "ev", "-b 4096"), 0);
    uint32_t a, b;
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "a", 1, 0100644, 0, 0, 0, &a), 0);
    CHECK_EQ(ext2_create(&im.fs, EXT2_ROOT_INO, "b", 1, 0100644, 0, 0, 0, &b), 0);
    static unsigned char blk[4096], got[4096];
    for (int i = 0; i < 300; i++) {
        memset(blk, i, sizeof blk);
        CHECK_EQ(ext2_write(&im.fs, i % 2 ? b : a, blk, 4096, (uint64_t)(i / 2) * 4096), 4096);
    }
    CHECK_EQ(index_true(&im), 1);
    int hits = 0;
    for (int i = 0; i < 300; i++) {
        long n = sread(&im, i % 2 ? b : a, got, 4096, (uint64_t)(i / 2) * 4096);
        if (n == -1)
            continue;
        hits++;
        CHECK_EQ(n, 4096);
        CHECK_EQ(got[0], i & 255);
        CHECK_EQ(got[4095], i & 255);
    }
    CHECK_EQ(hits > 0 && hits < 300, 1);
    CHECK_EQ(img_umount(&im), 0);
    CHECK_EQ(img_fsck(&im), 0);
}
