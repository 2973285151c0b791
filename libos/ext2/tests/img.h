/*
 * img.h: the host tests' side of the ext2 library: a device backed by an image file, images
 * made by Debian's mke2fs, and e2fsprogs' own tools as the judges (e2fsck -fn for consistency,
 * debugfs to read files back and to damage images on purpose).
 */
#ifndef EXT2_TEST_IMG_H
#define EXT2_TEST_IMG_H

#include <ext2/ext2.h>

#include <stddef.h>

#define IMG_NOW 1700000000u /* the device's clock: every time stamp we write */

struct img {
    char path[512];
    int fd;
    struct ext2_dev dev;
    struct ext2_fs fs;
    unsigned char *cache;
    size_t cache_bytes;
    int nlog;       /* log lines since mount */
    char last[256]; /* the last one */
    int busy_ino;   /* an inode the "VFS" holds open (busy hook), or 0 */
    int fail_io;    /* the device fails every read and write (-EIO) */
    int flushes;    /* the device's flush hook calls (fdatasync of the image) */
};

/* A scratch folder for this test program (removed at exit); paths inside it. */
const char *img_dir(void);
/* A fresh image name.img made by `mke2fs -q -F -t ext2 <opts> path <size>`; 0 or -1. */
int img_make(struct img *im, const char *name, const char *opts, const char *size);
/* Opens the image file and fills im->dev (and the cache), without mounting; 0 or -EIO. */
long img_open(struct img *im, int ro);
/* Opens the image file and mounts it (ext2_mount's result). */
long img_mount(struct img *im, int ro);
/* Unmounts (sync, clean) and closes; ext2_unmount's result. */
long img_umount(struct img *im);
/* Runs a shell command (printf-style); its exit status. */
int img_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* e2fsck -fn on the image: its exit status (0: clean), its report on stderr when not. */
int img_fsck(struct img *im);
/* debugfs -R "dump path" into a buffer (malloc'd, *len bytes); 0 or -1. */
int img_dump(struct img *im, const char *path, unsigned char **data, size_t *len);
/* debugfs -w -R "cmd" (printf-style); its exit status. */
int img_debugfs(struct img *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The first line of `debugfs -R "cmd"` output holding `key`, the number after it; -1 if none. */
long long img_debugfs_num(struct img *im, const char *cmd, const char *key);
/* A number from `dumpe2fs -h` ("Free blocks:" ...); -1 if none. */
long long img_super_num(struct img *im, const char *key);
/* Reads/writes bytes of the image file directly (to damage it). */
int img_peek(struct img *im, unsigned long long off, void *buf, size_t len);
int img_poke(struct img *im, unsigned long long off, const void *buf, size_t len);
/* A file of the given bytes, or a directory, in the host folder (for mke2fs -d). */
int img_host_file(const char *path, const void *data, size_t len);

#endif
