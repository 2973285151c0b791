/*
 * mem.c: /dev/null, /dev/zero, /dev/full, /dev/urandom and /dev/random (mem.h). None is a
 * terminal (ENOTTY for every ioctl); all are always ready.
 */
#include <dev/mem.h>
#include <dev/random.h>
#include <posix/linux.h>
#include <tty/termios.h>

static long zeros(void *dev, struct fs_proc *p, void *buf, unsigned long len, int nonblock)
{
    (void)dev, (void)p, (void)nonblock;
    for (unsigned long i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = 0;
    return (long)len;
}

static long eof(void *dev, struct fs_proc *p, void *buf, unsigned long len, int nonblock)
{
    (void)dev, (void)p, (void)buf, (void)len, (void)nonblock;
    return 0;
}

static long sink(void *dev, struct fs_proc *p, const void *buf, unsigned long len, int nonblock)
{
    (void)dev, (void)p, (void)buf, (void)nonblock;
    return (long)len;
}

static long full(void *dev, struct fs_proc *p, const void *buf, unsigned long len, int nonblock)
{
    (void)dev, (void)p, (void)buf, (void)nonblock;
    return len ? -TTY_ENOSPC : 0;
}

static long random_read(void *dev, struct fs_proc *p, void *buf, unsigned long len, int nonblock)
{
    (void)dev, (void)p, (void)nonblock;
    if (len > DEV_RANDOM_MAX)
        len = DEV_RANDOM_MAX;
    dev_rng_bytes(&dev_rng, buf, len); /* seeded at start (seed.c): never blocks */
    return (long)len;
}

static long random_write(void *dev, struct fs_proc *p, const void *buf, unsigned long len,
                         int nonblock)
{
    (void)dev, (void)p, (void)nonblock;
    dev_rng_seed(&dev_rng, buf, len);
    return (long)len;
}

static long notty(void *dev, struct fs_proc *p, unsigned long req, void *arg)
{
    (void)dev, (void)p, (void)req, (void)arg;
    return -LNX_ENOTTY;
}

static unsigned ready(void *dev)
{
    (void)dev;
    return TTY_POLLIN | TTY_POLLOUT;
}

const struct fs_dev_ops dev_null_ops = {.read = eof, .write = sink, .ioctl = notty, .poll = ready};
const struct fs_dev_ops dev_zero_ops = {
    .read = zeros, .write = sink, .ioctl = notty, .poll = ready};
const struct fs_dev_ops dev_full_ops = {
    .read = zeros, .write = full, .ioctl = notty, .poll = ready};
const struct fs_dev_ops dev_random_ops = {
    .read = random_read, .write = random_write, .ioctl = notty, .poll = ready};
