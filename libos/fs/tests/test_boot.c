/*
 * test_boot.c: filling the RAM file system from a boot archive (libos/fs/boot.c) built here
 * byte by byte: directories, files read in place until written (the archive's bytes stay
 * untouched), symlinks, modes, missing parents, "./" names, a corrupt archive's EIO; and the
 * device table (libos/fs/dev.c): /dev nodes, reads and writes sent to the device, would-block
 * on a device, ioctl, poll, unregister.
 */
#define _GNU_SOURCE /* memmem */
#include <check.h>

#include "host_hooks.h"

#include <fs/dev.h>

#include <stdio.h>
#include <string.h>

static char ar[2048];
static size_t len;

static void entry(const char *name, unsigned mode, const char *body)
{
    size_t nlen = strlen(name) + 1, blen = strlen(body);
    len += (size_t)sprintf(ar + len, "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x",
                           1, mode, 0, 0, 1, 0, blen, 0, 0, 0, 0, nlen, 0);
    memcpy(ar + len, name, nlen);
    len = (len + nlen + 3) & ~3ul;
    memcpy(ar + len, body, blen);
    len = (len + blen + 3) & ~3ul;
}

static long early_rw(void *dev, struct fs_proc *p, void *buf, unsigned long n, int nb)
{
    (void)dev, (void)p, (void)buf, (void)nb;
    return (long)n;
}

static const struct fs_dev_ops early_ops = {.read = early_rw};

/* A device registered before the file system starts (pm's parts set up first) gets its node
 * when it does. (The first case: nothing has started fs_init yet.) */
TEST_CASE(device_before_start)
{
    CHECK_EQ(fs_dev_register("early", &early_ops, NULL), 0);
    struct fs_proc *p = host_proc("early");
    struct fs_stat st;
    CHECK_EQ(fs_stat(p, "/dev/early", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFCHR | 0666);
    char buf[4];
    long fd = fs_open(p, "/dev/early", FS_O_RDONLY, 0);
    CHECK_EQ(fd, 0);
    CHECK_EQ(fs_read(p, (int)fd, buf, 4), 4);
    fs_proc_exit(p);
}

TEST_CASE(fill_from_archive)
{
    struct fs_proc *p = host_proc("boot");
    len = 0;
    entry("./boot", 040700, "");
    entry("boot/etc/motd", 0100640, "hello from the archive\n"); /* parent made on the way */
    entry("boot/bin", 040755, "");
    entry("boot/bin/prog", 0100755, "\177ELF....");
    entry("boot/bin/alias", 0120777, "prog");
    entry("TRAILER!!!", 0, "");
    CHECK_EQ(fs_boot_fill(ar, len), 0);
    struct fs_stat st;
    char buf[64];
    CHECK_EQ(fs_stat(p, "/boot", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFDIR | 0700);
    CHECK_EQ(fs_stat(p, "/boot/etc", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFDIR | 0755);
    CHECK_EQ(fs_stat(p, "/boot/etc/motd", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFREG | 0640);
    CHECK_EQ(st.st_size, 23);
    CHECK_EQ(st.st_uid, 0);
    CHECK_EQ(host_get(p, "/boot/bin/alias", buf, sizeof buf), 8);
    CHECK_EQ(memcmp(buf, "\177ELF....", 8), 0);
    CHECK_EQ(fs_readlink(p, "/boot/bin/alias", buf, sizeof buf), 4);
    long pages = host_pages_out;
    CHECK_EQ(host_get(p, "/boot/etc/motd", buf, sizeof buf), 23);
    CHECK_STR(buf, "hello from the archive\n");
    CHECK_EQ(host_pages_out, pages); /* read in place: no page for it */
    long fd = fs_open(p, "/boot/etc/motd", FS_O_WRONLY, 0);
    CHECK_EQ(fs_pwrite(p, (int)fd, "J", 1, 0), 1);
    CHECK_EQ(host_get(p, "/boot/etc/motd", buf, sizeof buf), 23);
    CHECK_STR(buf, "Jello from the archive\n");
    CHECK_MSG(memmem(ar, len, "hello from the archive", 22) != NULL, "the archive is untouched");
    fs_close(p, (int)fd);
    /* A second fill meets existing names: EEXIST for a file. */
    CHECK_EQ(fs_boot_fill(ar, len), -FS_EEXIST);
    /* A corrupt archive: what was read stays, the result is EIO. */
    len = 0;
    entry("boot2", 040755, "");
    memcpy(ar + len, "garbage", 8);
    CHECK_EQ(fs_boot_fill(ar, len + 8), -FS_EIO);
    CHECK_EQ(fs_stat(p, "/boot2", &st), 0);
    fs_proc_exit(p);
}

/* A device: reads give "dev" once then would block; writes are counted. */
static int written, opened, closed_count, ready;

static long dev_read(void *dev, struct fs_proc *p, void *buf, unsigned long n, int nonblock)
{
    (void)p;
    (void)nonblock;
    if (!ready)
        return -FS_EAGAIN;
    ready = 0;
    memcpy(buf, dev, n < 3 ? n : 3);
    return n < 3 ? (long)n : 3;
}

static long dev_write(void *dev, struct fs_proc *p, const void *buf, unsigned long n, int nb)
{
    (void)dev, (void)p, (void)buf, (void)nb;
    written += (int)n;
    return (long)n;
}

static long dev_ioctl(void *dev, struct fs_proc *p, unsigned long req, void *arg)
{
    (void)dev, (void)p;
    if (req != 0x5413)
        return -FS_ENOTTY;
    *(int *)arg = 80;
    return 0;
}

static unsigned dev_poll(void *dev)
{
    (void)dev;
    return ready ? FS_POLLIN | FS_POLLOUT : FS_POLLOUT;
}

static void dev_open(void *dev, struct fs_proc *p)
{
    (void)dev, (void)p;
    opened++;
}

static void dev_close(void *dev)
{
    (void)dev;
    closed_count++;
}

static const struct fs_dev_ops ops = {dev_read, dev_write, dev_ioctl, dev_poll,
                                      dev_open, dev_close, NULL};

/* A device whose opens may fail, and whose every open is an object of its own (/dev/ptmx). */
static char objs[4][4] = {"ob0", "ob1", "ob2", "ob3"};
static int nobjs, refuse;
static void *last_closed;

static long obj_open(void *dev, struct fs_proc *p, void **file_dev)
{
    (void)dev, (void)p;
    if (refuse || nobjs == 4)
        return refuse ? -FS_EIO : -FS_ENOSPC;
    *file_dev = objs[nobjs++];
    return 0;
}

static void obj_close(void *dev)
{
    last_closed = dev;
}

static const struct fs_dev_ops obj_ops = {
    .read = dev_read, .close = obj_close, .open_file = obj_open};

TEST_CASE(device_open_per_file)
{
    struct fs_proc *p = host_proc("obj");
    CHECK_EQ(fs_dev_register("objdev", &obj_ops, NULL), 0);
    long a = fs_open(p, "/dev/objdev", FS_O_RDWR, 0), b = fs_open(p, "/dev/objdev", FS_O_RDWR, 0);
    CHECK_EQ(a >= 0 && b >= 0, 1);
    char buf[4];
    ready = 1;
    CHECK_EQ(fs_read(p, (int)b, buf, 3), 3);
    CHECK_EQ(memcmp(buf, "ob1", 3), 0); /* each file reads its own object */
    ready = 1;
    CHECK_EQ(fs_read(p, (int)a, buf, 3), 3);
    CHECK_EQ(memcmp(buf, "ob0", 3), 0);
    refuse = 1;
    CHECK_EQ(fs_open(p, "/dev/objdev", FS_O_RDWR, 0), -FS_EIO); /* refused: no descriptor */
    CHECK_EQ(fs_close(p, (int)b + 1), -FS_EBADF);
    refuse = 0;
    CHECK_EQ(fs_close(p, (int)a), 0);
    CHECK_MSG(last_closed == objs[0], "the close gets the file's own object");
    CHECK_EQ(fs_close(p, (int)b), 0);
    CHECK_MSG(last_closed == objs[1], "the close gets the file's own object");
    CHECK_EQ(fs_dev_unregister("objdev"), 0);
    fs_proc_exit(p);
}

TEST_CASE(devices)
{
    struct fs_proc *p = host_proc("dev");
    static char name[] = "dev";
    CHECK_EQ(fs_dev_register("testdev", &ops, name), 0);
    CHECK_EQ(fs_dev_register("testdev", &ops, name), -FS_EEXIST);
    CHECK_EQ(fs_dev_register("pts/7", &ops, name), 0); /* /dev/pts made too */
    struct fs_stat st;
    CHECK_EQ(fs_stat(p, "/dev/testdev", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFCHR | 0666);
    CHECK_EQ(st.st_rdev >> 8, FS_DEV_MAJOR);
    CHECK_EQ(fs_stat(p, "/dev/pts/7", &st), 0);
    long fd = fs_open(p, "/dev/testdev", FS_O_RDWR, 0);
    CHECK_EQ(fd, 0);
    CHECK_EQ(opened, 1);
    CHECK_EQ(fs_write(p, (int)fd, "12345", 5), 5);
    CHECK_EQ(written, 5);
    char buf[8];
    p->wait = NULL;
    CHECK_EQ(fs_read(p, (int)fd, buf, sizeof buf), -FS_EAGAIN);
    CHECK_MSG(p->wait == name, "a blocking read waits on the device");
    ready = 1;
    CHECK_EQ(fs_poll(p, (int)fd), FS_POLLIN | FS_POLLOUT);
    CHECK_EQ(fs_read(p, (int)fd, buf, sizeof buf), 3);
    CHECK_EQ(memcmp(buf, "dev", 3), 0);
    CHECK_EQ(fs_fcntl(p, (int)fd, FS_F_SETFL, FS_O_NONBLOCK), 0);
    p->wait = NULL;
    CHECK_EQ(fs_read(p, (int)fd, buf, sizeof buf), -FS_EAGAIN);
    CHECK_MSG(p->wait == NULL, "O_NONBLOCK: no wait");
    int cols = 0;
    CHECK_EQ(fs_ioctl(p, (int)fd, 0x5413, &cols), 0);
    CHECK_EQ(cols, 80);
    CHECK_EQ(fs_ioctl(p, (int)fd, 0x1234, &cols), -FS_ENOTTY);
    CHECK_EQ(fs_lseek(p, (int)fd, 10, FS_SEEK_SET), 0);
    long d = fs_dup(p, (int)fd);
    CHECK_EQ(fs_close(p, (int)fd), 0);
    CHECK_EQ(closed_count, 0); /* a dup still has it open */
    CHECK_EQ(fs_dev_unregister("testdev"), 0);
    CHECK_EQ(fs_stat(p, "/dev/testdev", &st), -FS_ENOENT);
    CHECK_EQ(fs_write(p, (int)d, "x", 1), -FS_EIO);
    CHECK_EQ(fs_close(p, (int)d), 0);
    CHECK_EQ(closed_count, 0); /* unregistered: its close is not called any more */
    CHECK_EQ(fs_dev_unregister("testdev"), -FS_ENOENT);
    CHECK_EQ(fs_dev_register("", &ops, name), -FS_ENOENT);
    fs_proc_exit(p);
}
