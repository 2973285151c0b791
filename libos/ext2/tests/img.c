/*
 * img.c: the host tests' image files, device callbacks and e2fsprogs runs (img.h).
 */
#define _GNU_SOURCE
#include "img.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void cleanup(void)
{
    if (dir[0] && !getenv("EXT2_TEST_KEEP"))
        img_sh("rm -rf '%s'", dir);
}

const char *img_dir(void)
{
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/ext2test.XXXXXX", t ? t : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(2);
        }
        atexit(cleanup);
    }
    return dir;
}

int img_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    /* e2fsprogs live in /usr/sbin, which a user's PATH may lack */
    char full[4200];
    snprintf(full, sizeof full, "PATH=/usr/sbin:/sbin:$PATH; %s", cmd);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static long dev_read(struct ext2_dev *d, uint64_t blk, uint32_t size, void *buf)
{
    struct img *im = d->ctx;
    if (im->fail_io)
        return -EXT2_EIO;
    return pread(im->fd, buf, size, (off_t)(blk * size)) == (ssize_t)size ? 0 : -EXT2_EIO;
}

static long dev_write(struct ext2_dev *d, uint64_t blk, uint32_t size, const void *buf)
{
    struct img *im = d->ctx;
    if (im->fail_io)
        return -EXT2_EIO;
    return pwrite(im->fd, buf, size, (off_t)(blk * size)) == (ssize_t)size ? 0 : -EXT2_EIO;
}

static void dev_log(struct ext2_dev *d, const char *line)
{
    struct img *im = d->ctx;
    im->nlog++;
    snprintf(im->last, sizeof im->last, "%s", line);
    if (getenv("EXT2_TEST_VERBOSE"))
        fprintf(stderr, "[log] %s\n", line);
}

static uint32_t dev_now(struct ext2_dev *d)
{
    (void)d;
    return IMG_NOW;
}

static int dev_busy(struct ext2_dev *d, uint32_t ino)
{
    struct img *im = d->ctx;
    return im->busy_ino && (uint32_t)im->busy_ino == ino;
}

int img_make(struct img *im, const char *name, const char *opts, const char *size)
{
    memset(im, 0, sizeof *im);
    im->fd = -1;
    snprintf(im->path, sizeof im->path, "%s/%s.img", img_dir(), name);
    unlink(im->path);
    /* the file made first keeps mke2fs quiet ("Creating regular file") */
    return img_sh("truncate -s %s '%s' && mke2fs -q -F -t ext2 %s '%s' %s", size, im->path, opts,
                  im->path, size) == 0
               ? 0
               : -1;
}

static long dev_flush(struct ext2_dev *d)
{
    struct img *im = d->ctx;
    im->flushes++;
    return fdatasync(im->fd) == 0 ? 0 : -EXT2_EIO;
}

#define CACHE_BYTES (128 * 4096)

long img_open(struct img *im, int ro)
{
    im->fd = open(im->path, ro ? O_RDONLY : O_RDWR);
    if (im->fd < 0)
        return -EXT2_EIO;
    struct stat st;
    fstat(im->fd, &st);
    im->dev.read = dev_read;
    im->dev.write = dev_write;
    im->dev.bytes = (uint64_t)st.st_size;
    im->dev.log = dev_log;
    im->dev.now = dev_now;
    im->dev.busy = dev_busy;
    im->dev.flush = dev_flush;
    im->dev.ctx = im;
    im->nlog = 0;
    im->last[0] = 0;
    if (!im->cache)
        im->cache = malloc(CACHE_BYTES);
    im->cache_bytes = CACHE_BYTES;
    return 0;
}

long img_mount(struct img *im, int ro)
{
    long r = img_open(im, ro);
    if (r < 0)
        return r;
    r = ext2_mount(&im->fs, &im->dev, im->cache, CACHE_BYTES, ro);
    if (r < 0) {
        close(im->fd);
        im->fd = -1;
    }
    return r;
}

long img_umount(struct img *im)
{
    long r = ext2_unmount(&im->fs);
    if (im->fd >= 0)
        close(im->fd);
    im->fd = -1;
    return r;
}

int img_fsck(struct img *im)
{
    char out[600];
    snprintf(out, sizeof out, "%s.fsck", im->path);
    int st = img_sh("e2fsck -fn '%s' >'%s' 2>&1", im->path, out);
    if (st != 0)
        img_sh("cat '%s' >&2", out);
    return st;
}

int img_dump(struct img *im, const char *path, unsigned char **data, size_t *len)
{
    char out[600];
    snprintf(out, sizeof out, "%s.dump", im->path);
    unlink(out);
    if (img_sh("debugfs -R 'dump %s %s' '%s' >/dev/null 2>&1", path, out, im->path) != 0)
        return -1;
    FILE *f = fopen(out, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = malloc(n ? (size_t)n : 1);
    *len = fread(*data, 1, (size_t)n, f);
    fclose(f);
    unlink(out);
    return *len == (size_t)n ? 0 : -1;
}

int img_debugfs(struct img *im, const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return img_sh("debugfs -w -R '%s' '%s' >/dev/null 2>&1", cmd, im->path);
}

static long long grep_num(const char *cmd, const char *key)
{
    char full[4200];
    snprintf(full, sizeof full, "PATH=/usr/sbin:/sbin:$PATH; %s 2>/dev/null", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    char line[1024];
    long long v = -1;
    while (fgets(line, sizeof line, p)) {
        char *k = strstr(line, key);
        if (k && v < 0) {
            k += strlen(key);
            while (*k == ' ' || *k == ':' || *k == '\t')
                k++;
            v = strtoll(k, 0, 10);
        }
    }
    pclose(p);
    return v;
}

long long img_debugfs_num(struct img *im, const char *cmd, const char *key)
{
    char full[2048];
    snprintf(full, sizeof full, "debugfs -R '%s' '%s'", cmd, im->path);
    return grep_num(full, key);
}

long long img_super_num(struct img *im, const char *key)
{
    char full[1024];
    snprintf(full, sizeof full, "dumpe2fs -h '%s'", im->path);
    return grep_num(full, key);
}

int img_peek(struct img *im, unsigned long long off, void *buf, size_t len)
{
    int fd = open(im->path, O_RDONLY);
    ssize_t n = pread(fd, buf, len, (off_t)off);
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

int img_poke(struct img *im, unsigned long long off, const void *buf, size_t len)
{
    int fd = open(im->path, O_RDWR);
    ssize_t n = pwrite(fd, buf, len, (off_t)off);
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

int img_host_file(const char *path, const void *data, size_t len)
{
    if (!data)
        return mkdir(path, 0755);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(data, 1, len, f);
    fclose(f);
    return n == len ? 0 : -1;
}
