/*
 * filebench.c: `./tessera bench file`'s program, one source for both guests: built by
 * tessera-cc as a Tessera native program (init.ext2=filebench init.run=filebench: pm mounts the
 * disk's ext2 on /mnt) and by gcc -static as the Linux guest's /init (it loads the modules
 * listed in /modules and mounts /dev/vda1, the same image's partition, as ext2 on /mnt). The
 * operations, on a fresh ext2 from mke2fs (build/bench_file.py):
 *     pread_cached_4k        pread 4 KiB from a 64 KiB file read once before (in the cache)
 *     create_write_unlink_4k open(O_CREAT)+write 4 KiB+close+unlink of small files
 *     seq_write_64m_fsync    64 MiB written in 64 KiB writes, then fsync (one op)
 *     rand_read_4k           pread 4 KiB at random block offsets of that 64 MiB file; Linux
 *                            first drops its page cache (sync, drop_caches=3), Tessera keeps
 *                            its pm block cache (128 blocks: 512 KiB) as it is
 * and prints one row per operation, as posixbench does:
 *     filebench: guest=G op=NAME iters=N ns_per_op=F exo_calls_per_op=F
 * or "op=NAME failed errno=E". Under -icount shift=0 a nanosecond is one guest instruction.
 * "filebench: done" ends the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#if !ON_TESSERA
#include <linux/reboot.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#endif

#define DIR "/mnt/fb"
#define SMALL_BYTES (64 * 1024)
#define BIG_BYTES (64L * 1024 * 1024)
#define CHUNK (64 * 1024)
#define BLK 4096

static char *buf; /* CHUNK bytes, malloc'd: no big .bss (a fork copies it) */

static void row(const char *op, int iters, long long ns, long calls)
{
    printf("filebench: guest=%s op=%s iters=%d ns_per_op=%.1f exo_calls_per_op=%.2f\n", GUEST, op,
           iters, (double)ns / iters, calls < 0 ? -1.0 : (double)calls / iters);
    fflush(stdout);
}

static void failed(const char *op, int e)
{
    printf("filebench: guest=%s op=%s failed errno=%d\n", GUEST, op, e ? e : EIO);
    fflush(stdout);
}

static int write_all(int fd, long bytes)
{
    for (long at = 0; at < bytes; at += CHUNK)
        if (write(fd, buf, CHUNK) != CHUNK)
            return errno ? errno : EIO;
    return 0;
}

static void pread_cached(void)
{
    const char *op = "pread_cached_4k";
    int iters = 2000, e = 0;
    int fd = open(DIR "/cached", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write_all(fd, SMALL_BYTES) || fsync(fd)) {
        failed(op, errno);
        return;
    }
    for (long at = 0; at < SMALL_BYTES; at += BLK) /* read once: now it is cached */
        if (pread(fd, buf, BLK, at) != BLK)
            e = errno ? errno : EIO;
    long c0 = exo_calls();
    long long t0 = now_ns();
    for (int i = 0; i < iters && !e; i++)
        if (pread(fd, buf, BLK, (i * BLK) % SMALL_BYTES) != BLK)
            e = errno ? errno : EIO;
    long long t1 = now_ns();
    long c1 = exo_calls();
    close(fd);
    if (e)
        failed(op, e);
    else
        row(op, iters, t1 - t0, c0 < 0 ? -1 : c1 - c0 - 1);
}

static void create_write_unlink(void)
{
    const char *op = "create_write_unlink_4k";
    int iters = 200, e = 0;
    char name[64];
    long c0 = exo_calls();
    long long t0 = now_ns();
    for (int i = 0; i < iters && !e; i++) {
        snprintf(name, sizeof name, DIR "/small%d", i);
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, buf, BLK) != BLK || close(fd) || unlink(name))
            e = errno ? errno : EIO;
    }
    long long t1 = now_ns();
    long c1 = exo_calls();
    if (e)
        failed(op, e);
    else
        row(op, iters, t1 - t0, c0 < 0 ? -1 : c1 - c0 - 1);
}

static void seq_write(void)
{
    const char *op = "seq_write_64m_fsync";
    long c0 = exo_calls();
    long long t0 = now_ns();
    int fd = open(DIR "/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = fd < 0 ? errno : write_all(fd, BIG_BYTES);
    if (!e && fsync(fd))
        e = errno;
    if (fd >= 0 && close(fd) && !e)
        e = errno;
    long long t1 = now_ns();
    long c1 = exo_calls();
    if (e)
        failed(op, e);
    else
        row(op, 1, t1 - t0, c0 < 0 ? -1 : c1 - c0 - 1);
}

static void rand_read(void)
{
    const char *op = "rand_read_4k";
    int iters = 1000, e = 0;
#if !ON_TESSERA
    sync(); /* then the page cache holds none of the file */
    int dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (dc < 0 || write(dc, "3\n", 2) != 2) {
        failed(op, errno);
        return;
    }
    close(dc);
#endif
    int fd = open(DIR "/big", O_RDONLY);
    if (fd < 0) {
        failed(op, errno);
        return;
    }
    uint64_t x = 0x7e55e7a5eed5; /* xorshift: the same offsets in both guests */
    long c0 = exo_calls();
    long long t0 = now_ns();
    for (int i = 0; i < iters && !e; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        long at = (long)((x * 0x2545F4914F6CDD1Dull) % (BIG_BYTES / BLK)) * BLK;
        if (pread(fd, buf, BLK, at) != BLK)
            e = errno ? errno : EIO;
    }
    long long t1 = now_ns();
    long c1 = exo_calls();
    close(fd);
    if (e)
        failed(op, e);
    else
        row(op, iters, t1 - t0, c0 < 0 ? -1 : c1 - c0 - 1);
}

#if !ON_TESSERA
/* finit_module every path listed in /modules (dependencies first), then mount the disk. */
static int linux_setup(void)
{
    mkdir("/dev", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    mkdir("/proc", 0555);
    mount("proc", "/proc", "proc", 0, NULL);
    struct utsname u; /* the CSV records which kernel made the rows */
    if (uname(&u) == 0)
        printf("filebench: kernel release=%s version=%s\n", u.release, u.version);
    FILE *f = fopen("/modules", "r");
    char path[256];
    while (f && fgets(path, sizeof path, f)) {
        path[strcspn(path, "\n")] = 0;
        int fd = path[0] ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd >= 0 && syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
            printf("filebench: module %s: errno=%d\n", path, errno);
        if (fd >= 0)
            close(fd);
    }
    if (f)
        fclose(f);
    mkdir("/mnt", 0755);
    for (int i = 0; i < 100; i++) { /* the partition's node comes with the driver's probe */
        if (mount("/dev/vda1", "/mnt", "ext2", 0, NULL) == 0)
            return 0;
        usleep(20000);
    }
    printf("filebench: mount /dev/vda1 as ext2: errno=%d\n", errno);
    return -1;
}
#endif

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
#if !ON_TESSERA
    if (linux_setup() == 0) {
#endif
        buf = malloc(CHUNK);
        if (buf)
            memset(buf, 0x5a, CHUNK);
        if (!buf || (mkdir(DIR, 0755) && errno != EEXIST)) {
            printf("filebench: mkdir %s: errno=%d\n", DIR, errno);
        } else {
            pread_cached();
            create_write_unlink();
            seq_write();
            rand_read();
            printf("filebench: done\n");
        }
#if !ON_TESSERA
        umount("/mnt");
    }
    fflush(stdout);
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
#endif
    return 0;
}
