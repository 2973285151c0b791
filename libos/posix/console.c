/*
 * console.c: exo's console as a character device of the in-process file layer (/dev/console,
 * opened on descriptors 0, 1 and 2 by files.c, for a program pm did not make; a terminal:
 * isatty is true). Output goes through cons_write; reads and ioctls go through the console's
 * line discipline held in this process (tty.c). Under pm, pm holds the one console device
 * (libos/dev/console.c, libos/dev/pm_tty.c) for every process.
 */
#include <posix/calls.h>

#include <fs/dev.h>
#include <los/los.h>

#define CONS_CHUNK 4096 /* the most one cons_write takes */

long posix_console_write(const char *buf, uint64_t len)
{
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < CONS_CHUNK ? len - done : CONS_CHUNK;
        int64_t r = exo_cons_write((uint64_t)(buf + done), n);
        if (r < 0) /* a bad buffer: what was written counts, as on Linux */
            return done ? (long)done : posix_errno(r);
        done += (uint64_t)r;
    }
    return (long)done;
}

static long cons_read(void *dev, struct fs_proc *p, void *buf, unsigned long len, int nonblock)
{
    (void)dev, (void)p, (void)nonblock;
    return posix_tty_read(buf, len); /* blocks in this process: nobody else would wake it */
}

static long cons_write(void *dev, struct fs_proc *p, const void *buf, unsigned long len,
                       int nonblock)
{
    (void)dev, (void)p, (void)nonblock;
    return posix_console_write(buf, len);
}

static long cons_ioctl(void *dev, struct fs_proc *p, unsigned long req, void *arg)
{
    (void)dev, (void)p;
    return posix_tty_ioctl(req, (long)arg); /* a terminal: stdout is line-buffered */
}

static unsigned cons_poll(void *dev)
{
    (void)dev;
    return posix_tty_poll();
}

const struct fs_dev_ops posix_console_ops = {
    .read = cons_read,
    .write = cons_write,
    .ioctl = cons_ioctl,
    .poll = cons_poll,
};
