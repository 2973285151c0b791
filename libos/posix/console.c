/*
 * console.c: file descriptors 0, 1 and 2, all exo's console (a terminal: isatty is true).
 * Output goes through cons_write; exo's console offers no input yet, so reads see end of file
 * (0) at once. Closing one makes it EBADF; nothing reopens it until files arrive.
 */
#include <posix/calls.h>

#include <los/los.h>
#include <los/uaccess.h>

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
        struct lnx_iovec v;
        if (los_copy_from_user(&v, &iov[i], sizeof v) < 0)
            return total ? total : -LNX_EFAULT;
        long r = posix_console_write((const char *)v.iov_base, v.iov_len);
        if (r < 0)
            return total ? total : r;
        total += r;
    }
    return total;
}

long posix_read(const long a[6])
{
    if (!console_fd(a[0]))
        return -LNX_EBADF;
    /* No console input: end of file, once the buffer is known to be writable (Linux's
     * terminal checks it before it waits). */
    return los_user_check_write((void *)a[1], (size_t)a[2]) < 0 ? -LNX_EFAULT : 0;
}

long posix_readv(const long a[6])
{
    if (!console_fd(a[0]))
        return -LNX_EBADF;
    if (a[2] < 0 || a[2] > 1024) /* IOV_MAX */
        return -LNX_EINVAL;
    const struct lnx_iovec *iov = (const struct lnx_iovec *)a[1];
    for (long i = 0; i < a[2]; i++) {
        struct lnx_iovec v;
        if (los_copy_from_user(&v, &iov[i], sizeof v) < 0 ||
            los_user_check_write((void *)v.iov_base, v.iov_len) < 0)
            return -LNX_EFAULT;
    }
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
    if ((unsigned long)a[1] == LNX_TIOCGWINSZ) { /* a terminal: stdout is line-buffered */
        struct lnx_winsize w = {.ws_row = 25, .ws_col = 80};
        return los_copy_to_user((void *)a[2], &w, sizeof w) < 0 ? -LNX_EFAULT : 0;
    }
    return -LNX_ENOTTY; /* termios and the rest arrive with the TTY layer */
}
