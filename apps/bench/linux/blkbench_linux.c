/*
 * blkbench_linux.c: the Linux guest of `./tessera bench blk`. A static x86-64 program run as
 * /init of a tiny initramfs (build/bench_blk.py builds it with `gcc -static -O2` and packs it
 * with the virtio modules listed in /modules). It loads those modules, mounts devtmpfs on
 * /dev, opens the scratch virtio disk /dev/vda with O_RDONLY|O_DIRECT and runs THE PATTERN of
 * ../blkpattern.h: warm-up, QD1 with pread, QD32 with Linux native AIO through raw syscalls
 * (io_setup/io_submit/io_getevents; no libaio) keeping 32 reads in flight. It prints one
 * "blkbench: guest=linux ..." row per phase, "blkbench: done", and powers off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/reboot.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../blkpattern.h"

#define DISK "/dev/vda"

static uint64_t lat[BLKPAT_QD32_OPS];
static uint8_t bufs[BLKPAT_QD32][BLKPAT_BLOCK] __attribute__((aligned(4096)));

static void halt(int failed)
{
    if (failed)
        printf("blkbench: failed\n");
    fflush(stdout);
    sync();
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
    for (;;)
        pause();
}

#define DIE(...)                                                                                   \
    do {                                                                                           \
        printf("blkbench: error: " __VA_ARGS__);                                                   \
        printf(" (%s)\n", strerror(errno));                                                        \
        halt(1);                                                                                   \
    } while (0)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t first_word(const uint8_t *b)
{
    uint64_t w;
    memcpy(&w, b, sizeof w); /* x86-64: little-endian, as the image stores it */
    return w;
}

/* finit_module every path listed in /modules, one per line, in order (dependencies first). */
static void load_modules(void)
{
    FILE *f = fopen("/modules", "r");
    char path[256];
    if (!f)
        return;
    while (fgets(path, sizeof path, f)) {
        path[strcspn(path, "\n")] = 0;
        if (!path[0])
            continue;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            DIE("open %s", path);
        if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
            DIE("finit_module %s", path);
        close(fd);
    }
    fclose(f);
}

static void row(const char *path, unsigned qd, uint32_t ops, uint64_t elapsed, uint64_t sum)
{
    struct blkpat_stats st = blkpat_summarise(lat, ops);
    printf("blkbench: guest=linux path=%s qd=%u ops=%u iops=%llu lat_avg_ns=%llu lat_p50_ns=%llu "
           "lat_p99_ns=%llu sum=%llx\n",
           path, qd, ops, (unsigned long long)blkpat_iops(ops, elapsed),
           (unsigned long long)st.avg, (unsigned long long)st.p50, (unsigned long long)st.p99,
           (unsigned long long)sum);
    fflush(stdout);
}

static uint64_t read_sync(int fd, uint32_t block, uint8_t *buf)
{
    ssize_t n = pread(fd, buf, BLKPAT_BLOCK, (off_t)block * BLKPAT_BLOCK);
    if (n != (ssize_t)BLKPAT_BLOCK)
        DIE("pread block %u returned %zd", block, n);
    return first_word(buf);
}

static void qd32(int fd, uint64_t *state)
{
    aio_context_t ctx = 0;
    struct iocb cbs[BLKPAT_QD32], *ptrs[BLKPAT_QD32];
    struct io_event evs[BLKPAT_QD32];
    uint64_t issued_at[BLKPAT_QD32], sum = 0;
    uint32_t submitted = 0, done = 0;

    if (syscall(SYS_io_setup, BLKPAT_QD32, &ctx) != 0)
        DIE("io_setup");
    uint64_t t0 = now_ns();
    /* Slots free for reuse: at first all of them, then those whose read just completed. */
    unsigned nfree = BLKPAT_QD32, freeslots[BLKPAT_QD32];
    for (unsigned i = 0; i < BLKPAT_QD32; i++)
        freeslots[i] = i;
    while (done < BLKPAT_QD32_OPS) {
        unsigned n = 0;
        while (nfree && submitted + n < BLKPAT_QD32_OPS) {
            unsigned s = freeslots[--nfree];
            memset(&cbs[s], 0, sizeof cbs[s]);
            cbs[s].aio_data = s;
            cbs[s].aio_lio_opcode = IOCB_CMD_PREAD;
            cbs[s].aio_fildes = fd;
            cbs[s].aio_buf = (uint64_t)(uintptr_t)bufs[s];
            cbs[s].aio_nbytes = BLKPAT_BLOCK;
            cbs[s].aio_offset = (int64_t)blkpat_block(state) * BLKPAT_BLOCK;
            ptrs[n++] = &cbs[s];
        }
        if (n) {
            uint64_t t = now_ns();
            for (unsigned i = 0; i < n; i++)
                issued_at[ptrs[i]->aio_data] = t;
            long r = syscall(SYS_io_submit, ctx, (long)n, ptrs);
            if (r != (long)n)
                DIE("io_submit of %u returned %ld", n, r);
            submitted += n;
        }
        long got = syscall(SYS_io_getevents, ctx, 1L, (long)BLKPAT_QD32, evs, NULL);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            DIE("io_getevents");
        }
        uint64_t t = now_ns();
        for (long i = 0; i < got; i++) {
            unsigned s = (unsigned)evs[i].data;
            if (evs[i].res != (int64_t)BLKPAT_BLOCK) {
                errno = evs[i].res < 0 ? (int)-evs[i].res : EIO;
                DIE("aio read at %lld returned %lld", (long long)cbs[s].aio_offset,
                    (long long)evs[i].res);
            }
            lat[done++] = t - issued_at[s];
            sum += first_word(bufs[s]);
            freeslots[nfree++] = s;
        }
    }
    uint64_t elapsed = now_ns() - t0;
    syscall(SYS_io_destroy, ctx);
    row("aio", BLKPAT_QD32, BLKPAT_QD32_OPS, elapsed, sum);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    mkdir("/dev", 0755);
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
        DIE("mount devtmpfs");
    if (fcntl(1, F_GETFD) < 0) { /* no /dev/console in the archive: use devtmpfs's */
        int c = open("/dev/console", O_RDWR);
        if (c >= 0) {
            dup2(c, 0), dup2(c, 1), dup2(c, 2);
            if (c > 2)
                close(c);
        }
    }
    load_modules();

    int fd = -1;
    for (int tries = 0; tries < 1000 && fd < 0; tries++) { /* the probe may finish later */
        fd = open(DISK, O_RDONLY | O_DIRECT | O_CLOEXEC);
        if (fd < 0)
            usleep(10000);
    }
    if (fd < 0)
        DIE("open " DISK);

    uint64_t state = BLKPAT_SEED, sum = 0;
    for (uint32_t i = 0; i < BLKPAT_WARMUP; i++)
        read_sync(fd, blkpat_block(&state), bufs[0]);

    uint64_t t0 = now_ns();
    for (uint32_t i = 0; i < BLKPAT_QD1_OPS; i++) {
        uint32_t block = blkpat_block(&state);
        uint64_t t = now_ns();
        sum += read_sync(fd, block, bufs[0]);
        lat[i] = now_ns() - t;
    }
    row("pread", 1, BLKPAT_QD1_OPS, now_ns() - t0, sum);

    qd32(fd, &state);
    close(fd);
    printf("blkbench: done\n");
    halt(0);
}
