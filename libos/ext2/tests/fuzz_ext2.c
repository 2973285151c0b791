/*
 * fuzz_ext2.c: libFuzzer target. Each input is an image: mounted from memory (writes land in
 * a copy), its tree walked with bounds (depth, entries, bytes), every file read and every
 * symlink read, then a round of writes (create, write past indirect limits, mkdir, symlink,
 * link, rename, truncate, unlink, rmdir), sync and unmount. Any crash, sanitizer report or
 * hang is a bug; the library's errors are expected.
 */
#include <ext2/ext2.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct mem_dev {
    struct ext2_dev dev;
    uint8_t *data;
    size_t size;
};

static long mem_read(struct ext2_dev *d, uint64_t blk, uint32_t size, void *buf)
{
    struct mem_dev *m = (struct mem_dev *)d;
    if (blk >= m->size / size)
        return -EXT2_EIO;
    memcpy(buf, m->data + blk * size, size);
    return 0;
}

static long mem_write(struct ext2_dev *d, uint64_t blk, uint32_t size, const void *buf)
{
    struct mem_dev *m = (struct mem_dev *)d;
    if (blk >= m->size / size)
        return -EXT2_EIO;
    memcpy(m->data + blk * size, buf, size);
    return 0;
}

static void quiet(struct ext2_dev *d, const char *line)
{
    (void)d;
    (void)line;
}

static struct ext2_fs fs;
static uint8_t cache[64 * 4096];
static char buf[8192];
static int budget;

static void walk(uint32_t dir, int depth)
{
    uint64_t cookie = 0;
    struct ext2_entry e;
    for (int n = 0; n < 64 && budget > 0 && ext2_readdir(&fs, dir, &cookie, &e) == 1; n++) {
        budget--;
        struct ext2_stat st;
        if (ext2_stat(&fs, e.ino, &st) < 0)
            continue;
        uint32_t ino;
        ext2_lookup(&fs, dir, e.name, e.len, &ino);
        if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFREG) {
            ext2_read(&fs, e.ino, buf, sizeof buf, 0);
            if (st.size > 100)
                ext2_read(&fs, e.ino, buf, 100, st.size - 100);
        } else if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFLNK) {
            ext2_readlink(&fs, e.ino, buf, sizeof buf);
        } else if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFDIR && depth < 6 &&
                   !(e.len == 1 && e.name[0] == '.') &&
                   !(e.len == 2 && e.name[0] == '.' && e.name[1] == '.')) {
            walk(e.ino, depth + 1);
        }
    }
}

static void writes(void)
{
    const uint32_t R = EXT2_ROOT_INO;
    uint32_t f = 0, d = 0, l = 0, x = 0;
    memset(buf, 'w', sizeof buf);
    if (ext2_create(&fs, R, "fz", 2, 0644, 1, 2, 0, &f) == 0) {
        ext2_write(&fs, f, buf, 5000, 0);
        ext2_write(&fs, f, buf, 3000, 70000);
        ext2_read(&fs, f, buf, sizeof buf, 69000);
        ext2_truncate(&fs, f, 1234);
    }
    ext2_mkdir(&fs, R, "fd", 2, 0755, 0, 0, &d);
    ext2_symlink(&fs, R, "fl", 2, buf, 100, 0, 0, &l);
    ext2_link(&fs, d ? d : R, "fh", 2, f ? f : 12);
    ext2_rename(&fs, R, "fz", 2, d ? d : R, "moved", 5);
    if (ext2_resolve(&fs, "/d", &x) == 0)
        ext2_rename(&fs, R, "fd", 2, x, "fd", 2);
    ext2_rename(&fs, R, "a", 1, R, "fast", 4);
    ext2_unlink(&fs, R, "fl", 2);
    ext2_unlink(&fs, R, "a", 1);
    ext2_rmdir(&fs, R, "d", 1);
    ext2_rmdir(&fs, R, "lost+found", 10);
    struct ext2_statfs sf;
    ext2_statfs(&fs, &sf);
    ext2_sync(&fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mem_dev m = {0};
    m.data = malloc(size ? size : 1);
    memcpy(m.data, data, size);
    m.size = size;
    m.dev.read = mem_read;
    m.dev.write = mem_write;
    m.dev.bytes = size;
    m.dev.log = quiet;
    if (ext2_mount(&fs, &m.dev, cache, sizeof cache, 0) == 0) {
        budget = 2000;
        walk(EXT2_ROOT_INO, 0);
        if (!fs.ro)
            writes();
        budget = 500;
        walk(EXT2_ROOT_INO, 0); /* what the writes left must still be safe to read */
        ext2_unmount(&fs);
    }
    free(m.data);
    return 0;
}
