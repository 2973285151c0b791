/*
 * blkbench_linux.c: the Linux guest of `./tessera bench blk`. A static x86-64 program run as
 * /init of a tiny initramfs (build/bench_blk.py builds it with `gcc -static -O2` from this file
 * and blkbench_uring.c and packs it with the virtio modules listed in /modules). It loads those
 * modules, mounts devtmpfs, proc and sysfs, opens the scratch virtio disk /dev/vda with
 * O_RDONLY|O_DIRECT and runs THE PATTERN of ../blkpattern.h (warm-up, QD1, QD32) once per
 * configuration: pread at QD1 and Linux native AIO at QD32 through raw syscalls
 * (io_setup/io_submit/io_getevents; no libaio), then io_uring with interrupts, polled
 * (IOPOLL) and with a polling SQ thread (blkbench_uring.c). Before the polled rows it checks
 * that the disk has a poll queue (/sys/block/vda/queue/io_poll: virtio_blk.poll_queues on the
 * command line and a second virtqueue), else the kernel would quietly complete "polled" reads
 * by interrupt. Each row says how many request-queue interrupts its phase took. It prints
 * "blkbench: kernel ...", one "blkbench: guest=linux ..." row per phase, "blkbench: done", and
 * powers off.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/reboot.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "blkbench_linux.h"

#define DISK "/dev/vda"
#define DISK_SYS "/sys/block/vda"

uint64_t lat[BLKPAT_QD32_OPS];
uint8_t bufs[BLKPAT_QD32][BLKPAT_BLOCK] __attribute__((aligned(4096)));

void halt(int failed)
{
    if (failed)
        printf("blkbench: failed\n");
    fflush(stdout);
    sync();
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
    for (;;)
        pause();
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t first_word(const uint8_t *b)
{
    uint64_t w;
    memcpy(&w, b, sizeof w); /* x86-64: little-endian, as the image stores it */
    return w;
}

/* The first line of a sysfs or proc file, or "" (no such file). */
static void read_line(const char *path, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    out[0] = 0;
    if (f) {
        if (fgets(out, (int)n, f))
            out[strcspn(out, "\n")] = 0;
        fclose(f);
    }
}

/*
 * The "name.param=value" words of the kernel command line as name's parameter string
 * ("param=value ..."): the kernel applies them only to built-in code, modprobe passes them to
 * a module it loads, and so do we (virtio_blk.poll_queues).
 */
static void module_params(const char *path, char *out, size_t n)
{
    char cmdline[4096], name[64];
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t len = strcspn(base, ".");
    out[0] = 0;
    if (len >= sizeof name - 1)
        return;
    for (size_t i = 0; i < len; i++)
        name[i] = base[i] == '-' ? '_' : base[i];
    name[len] = '.';
    name[len + 1] = 0;
    read_line("/proc/cmdline", cmdline, sizeof cmdline);
    for (char *w = strtok(cmdline, " "); w; w = strtok(NULL, " "))
        if (strncmp(w, name, len + 1) == 0 && strlen(out) + strlen(w) + 2 < n) {
            strcat(out, out[0] ? " " : "");
            strcat(out, w + len + 1);
        }
}

/* finit_module every path listed in /modules, one per line, in order (dependencies first),
 * with its parameters from the kernel command line. */
static void load_modules(void)
{
    FILE *f = fopen("/modules", "r");
    char path[256], params[512];
    if (!f)
        return;
    while (fgets(path, sizeof path, f)) {
        path[strcspn(path, "\n")] = 0;
        if (!path[0])
            continue;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            DIE("open %s", path);
        module_params(path, params, sizeof params);
        if (params[0])
            printf("blkbench: module %s %s\n", path, params);
        if (syscall(SYS_finit_module, fd, params, 0) != 0 && errno != EEXIST)
            DIE("finit_module %s", path);
        close(fd);
    }
    fclose(f);
}

void row(const char *path, unsigned qd, uint32_t ops, struct phase ph, uint64_t irqs)
{
    struct blkpat_stats st = blkpat_summarise(lat, ops);
    printf("blkbench: guest=linux path=%s qd=%u ops=%u iops=%llu lat_avg_ns=%llu lat_p50_ns=%llu "
           "lat_p99_ns=%llu sum=%llx irqs=%llu\n",
           path, qd, ops, (unsigned long long)blkpat_iops(ops, ph.elapsed_ns),
           (unsigned long long)st.avg, (unsigned long long)st.p50, (unsigned long long)st.p99,
           (unsigned long long)ph.sum, (unsigned long long)irqs);
    fflush(stdout);
}

/* Sums the counts of every "virtioN-req.M" line of /proc/interrupts (the disk is the guest's
 * only virtio device; a poll queue has no interrupt, so it has no line). */
uint64_t blk_irqs(void)
{
    FILE *f = fopen("/proc/interrupts", "r");
    char line[1024];
    uint64_t total = 0;
    if (!f)
        DIE("open /proc/interrupts");
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, "virtio") || !strstr(line, "-req."))
            continue;
        char *p = strchr(line, ':'), *end;
        if (!p)
            continue;
        for (p++;; p = end) { /* one count per CPU, then the chip's name */
            unsigned long long v = strtoull(p, &end, 10);
            if (end == p)
                break;
            total += v;
        }
    }
    fclose(f);
    return total;
}

/* The polled rows need a poll queue: say how many hardware queues the disk has and refuse to
 * go on without one (the block layer would clear REQ_POLLED and take interrupts instead). */
static void check_poll_queues(void)
{
    char io_poll[32], path[64];
    unsigned hw = 0;
    read_line(DISK_SYS "/queue/io_poll", io_poll, sizeof io_poll);
    for (;; hw++) {
        struct stat st;
        snprintf(path, sizeof path, DISK_SYS "/mq/%u", hw);
        if (stat(path, &st) != 0)
            break;
    }
    printf("blkbench: linux hw_queues=%u io_poll=%s\n", hw, io_poll[0] ? io_poll : "?");
    if (strcmp(io_poll, "1") != 0) {
        errno = EOPNOTSUPP;
        DIE("vda has no poll queue (io_poll=%s, %u hw queues): needs virtio_blk.poll_queues=1, "
            "a device with num-queues>=2 and >= 2 possible CPUs",
            io_poll, hw);
    }
}

static uint64_t read_sync(int fd, uint32_t block, uint8_t *buf)
{
    ssize_t n = pread(fd, buf, BLKPAT_BLOCK, (off_t)block * BLKPAT_BLOCK);
    if (n != (ssize_t)BLKPAT_BLOCK)
        DIE("pread block %u returned %zd", block, n);
    return first_word(buf);
}

static struct phase qd32(int fd, uint64_t *state)
{
    aio_context_t ctx = 0;
    struct iocb cbs[BLKPAT_QD32], *ptrs[BLKPAT_QD32];
    struct io_event evs[BLKPAT_QD32];
    uint64_t issued_at[BLKPAT_QD32];
    struct phase ph = {0, 0};
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
            ph.sum += first_word(bufs[s]);
            freeslots[nfree++] = s;
        }
    }
    ph.elapsed_ns = now_ns() - t0;
    syscall(SYS_io_destroy, ctx);
    return ph;
}

/* The classic configuration: pread at QD1, native AIO at QD32. */
static void classic_rows(int fd)
{
    uint64_t state = BLKPAT_SEED;
    for (uint32_t i = 0; i < BLKPAT_WARMUP; i++)
        read_sync(fd, blkpat_block(&state), bufs[0]);

    uint64_t irq0 = blk_irqs(), t0 = now_ns();
    struct phase ph = {0, 0};
    for (uint32_t i = 0; i < BLKPAT_QD1_OPS; i++) {
        uint32_t block = blkpat_block(&state);
        uint64_t t = now_ns();
        ph.sum += read_sync(fd, block, bufs[0]);
        lat[i] = now_ns() - t;
    }
    ph.elapsed_ns = now_ns() - t0;
    row("pread", 1, BLKPAT_QD1_OPS, ph, blk_irqs() - irq0);

    irq0 = blk_irqs();
    ph = qd32(fd, &state);
    row("aio", BLKPAT_QD32, BLKPAT_QD32_OPS, ph, blk_irqs() - irq0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    mkdir("/dev", 0755);
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
        DIE("mount devtmpfs");
    mkdir("/proc", 0555);
    mkdir("/sys", 0555);
    if (mount("proc", "/proc", "proc", 0, NULL) != 0 && errno != EBUSY)
        DIE("mount proc");
    if (mount("sysfs", "/sys", "sysfs", 0, NULL) != 0 && errno != EBUSY)
        DIE("mount sysfs");
    if (fcntl(1, F_GETFD) < 0) { /* no /dev/console in the archive: use devtmpfs's */
        int c = open("/dev/console", O_RDWR);
        if (c >= 0) {
            dup2(c, 0), dup2(c, 1), dup2(c, 2);
            if (c > 2)
                close(c);
        }
    }
    struct utsname u;
    if (uname(&u) == 0) /* the CSV records which kernel made the rows */
        printf("blkbench: kernel release=%s version=%s\n", u.release, u.version);
    load_modules();

    int fd = -1;
    for (int tries = 0; tries < 1000 && fd < 0; tries++) { /* the probe may finish later */
        fd = open(DISK, O_RDONLY | O_DIRECT | O_CLOEXEC);
        if (fd < 0)
            usleep(10000);
    }
    if (fd < 0)
        DIE("open " DISK);

    /* Every configuration reads the same blocks from the start of THE PATTERN. */
    classic_rows(fd);
    uring_rows(fd, "uring", URING_IRQ);
    check_poll_queues();
    uring_rows(fd, "uring-poll", URING_POLL);
    uring_rows(fd, "uring-sqpoll", URING_SQPOLL);
    close(fd);
    printf("blkbench: done\n");
    halt(0);
}
