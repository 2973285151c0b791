/*
 * console.c: file descriptors 0, 1 and 2, all exo's console (a terminal: isatty is true).
 * Output goes through cons_write; reads and the terminal ioctls go through the console's line
 * discipline in this process (tty.c). Closing one makes it EBADF; nothing reopens it until
 * files arrive.
 */
#include <posix/calls.h>

#include <los/los.h>

#define CONSOLE_FDS 3
#define CONS_CHUNK 4096 /* the most one cons_write takes */

static uint8_t closed[CONSOLE_FDS];

static int console_fd(long fd)
{
    return fd >= 0 && fd < CONSOLE_FDS && !closed[fd];
}

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

long posix_write(const long a[6])
{
    if (!console_fd(a[0]))
        return -LNX_EBADF;
    return posix_console_write((const char *)a[1], (uint64_t)a[2]);
}

long posix_writev(const long a[6])
{
    if (!console_fd(a[0]))
        return -LNX_EBADF;
    if (a[2] < 0 || a[2] > 1024) /* IOV_MAX */
        return -LNX_EINVAL;
    const struct lnx_iovec *iov = (const struct lnx_iovec *)a[1];
    long total = 0;
    for (long i = 0; i < a[2]; i++) {
        long r = posix_console_write((const char *)iov[i].iov_base, iov[i].iov_len);
        if (r < 0)
            return total ? total : r;
        total += r;
    }
    return total;
}

long posix_read(const long a[6])
{
    return console_fd(a[0]) ? posix_tty_read((void *)a[1], (uint64_t)a[2]) : -LNX_EBADF;
}

long posix_readv(const long a[6])
{
    if (!console_fd(a[0]))
        return -LNX_EBADF;
    if (a[2] < 0 || a[2] > 1024) /* IOV_MAX */
        return -LNX_EINVAL;
    const struct lnx_iovec *iov = (const struct lnx_iovec *)a[1];
    for (long i = 0; i < a[2]; i++) /* one read: a terminal read returns what one line has */
        if (iov[i].iov_len)
            return posix_tty_read((void *)iov[i].iov_base, iov[i].iov_len);
    return 0;
}

long posix_close(const long a[6])
{
    if (!console_fd(a[0]))
        return -LNX_EBADF;
    closed[a[0]] = 1;
    return 0;
}

long posix_ioctl(const long a[6])
{
    if (!console_fd(a[0]))
        return -LNX_EBADF;
    return posix_tty_ioctl((unsigned long)a[1], a[2]); /* a terminal: stdout is line-buffered */
}
