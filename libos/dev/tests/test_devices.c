/*
 * test_devices.c: the pure devices (libos/dev/mem.c, tty_dev.c) through their fs_dev_ops, as
 * the file system calls them: /dev/null, zero, full, urandom with exact results, and the PTY
 * and /dev/tty glue with a host that names the caller and its controlling terminal.
 */
#include <check.h>

#include <dev/mem.h>
#include <dev/random.h>
#include <dev/tty_dev.h>
#include <posix/linux.h>

#include <string.h>

TEST_CASE(memory_devices)
{
    char b[16];
    memset(b, 'x', sizeof b);
    CHECK_EQ(dev_null_ops.read(0, 0, b, 16, 0), 0);
    CHECK_EQ(dev_null_ops.write(0, 0, "abc", 3, 0), 3);
    CHECK_EQ(b[0], 'x'); /* untouched */
    CHECK_EQ(dev_zero_ops.read(0, 0, b, 16, 0), 16);
    CHECK_EQ(memcmp(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16), 0);
    CHECK_EQ(dev_zero_ops.write(0, 0, "abc", 3, 0), 3);
    memset(b, 'x', sizeof b);
    CHECK_EQ(dev_full_ops.read(0, 0, b, 4, 0), 4);
    CHECK_EQ(b[3], 0);
    CHECK_EQ(b[4], 'x');
    CHECK_EQ(dev_full_ops.write(0, 0, "abc", 3, 0), -TTY_ENOSPC);
    CHECK_EQ(dev_full_ops.write(0, 0, "", 0, 0), 0);
    for (const struct fs_dev_ops *o = &dev_null_ops; o;
         o = o == &dev_null_ops ? &dev_full_ops : 0) {
        CHECK_EQ(o->ioctl(0, 0, TTY_TCGETS, b), -LNX_ENOTTY); /* isatty is false */
        CHECK_EQ(o->poll(0), TTY_POLLIN | TTY_POLLOUT);
    }
    /* urandom: writes mix in; two reads differ */
    char r1[32], r2[32];
    CHECK_EQ(dev_random_ops.write(0, 0, "seed seed seed seed seed seed 32", 32, 0), 32);
    CHECK_EQ(dev_random_ops.read(0, 0, r1, 32, 0), 32);
    CHECK_EQ(dev_random_ops.read(0, 0, r2, 32, 0), 32);
    CHECK_EQ(memcmp(r1, r2, 32) != 0, 1);
    CHECK_EQ(dev_random_ops.ioctl(0, 0, TTY_TCGETS, b), -LNX_ENOTTY);
}

/* A host: fs_proc pointers stand for processes 1 (session 1, has pts as its terminal) and 2. */
static struct pty *ctty_pty;
static int woken, signals[4], nsig;

static void who(struct fs_proc *p, struct tty_who *w)
{
    int pid = (int)(uintptr_t)p;
    *w = (struct tty_who){.pid = pid, .pgrp = pid, .sid = pid};
}

static int ctty(struct fs_proc *p, const struct fs_dev_ops **ops, void **dev)
{
    if ((uintptr_t)p != 1 || !ctty_pty)
        return -TTY_ENXIO;
    *ops = &dev_pty_slave_ops;
    *dev = ctty_pty;
    return 0;
}

static uint64_t now_ms(void)
{
    return 0;
}

static void on_signal(int pgrp, int sig)
{
    signals[nsig++] = pgrp * 100 + sig;
}

static void on_wake(const void *dev)
{
    (void)dev;
    woken++;
}

TEST_CASE(pty_and_dev_tty)
{
    const struct dev_host host = {
        .who = who, .ctty = ctty, .now_ms = now_ms, .signal = on_signal, .wake = on_wake};
    dev_set_host(&host);
    struct fs_proc *p1 = (struct fs_proc *)1, *p2 = (struct fs_proc *)2;
    char b[64];
    CHECK_EQ(dev_tty_ops.read(0, p1, b, 64, 0), -TTY_ENXIO); /* no controlling terminal yet */
    void *fd_dev = 0;
    CHECK_EQ(dev_tty_ops.open_file(0, p1, &fd_dev), -TTY_ENXIO); /* nor may it be opened */
    struct pty *m;
    long n = dev_ptmx_open(&m);
    CHECK_EQ(n, 0);
    struct pty *s;
    CHECK_EQ(dev_pts_open((int)n, &s), -LNX_EIO); /* locked */
    int32_t unlock = 0;
    CHECK_EQ(dev_pty_master_ops.ioctl(m, p2, TTY_TIOCSPTLCK, &unlock), 0);
    CHECK_EQ(dev_pts_open((int)n, &s), 0);
    CHECK_EQ(s == m, 1);
    CHECK_EQ(dev_pts_open(5, &s), -TTY_ENXIO);
    /* process 1 makes the slave its controlling terminal; /dev/tty is then the slave */
    CHECK_EQ(dev_pty_slave_ops.ioctl(s, p1, TTY_TIOCSCTTY, 0), 0);
    ctty_pty = s;
    CHECK_EQ(dev_pty_master_ops.write(m, p2, "hi\r", 3, 0), 3);
    CHECK_EQ(woken > 0, 1);
    CHECK_EQ(dev_tty_ops.open_file(0, p1, &fd_dev), 0);
    CHECK_EQ(fd_dev == 0, 1); /* every call looks the terminal up again */
    CHECK_EQ(dev_tty_ops.open_file(0, p2, &fd_dev), -TTY_ENXIO); /* p2 has none */
    CHECK_EQ(dev_tty_ops.read(0, p1, b, 64, 0), 3);
    CHECK_EQ(memcmp(b, "hi\n", 3), 0);
    CHECK_EQ(dev_tty_ops.write(0, p1, "ok\n", 3, 0), 3);
    CHECK_EQ(dev_pty_master_ops.read(m, p2, b, 64, 0), 8); /* the echo, then the output */
    CHECK_EQ(memcmp(b, "hi\r\nok\r\n", 8), 0);
    int32_t pg = 0;
    CHECK_EQ(dev_tty_ops.ioctl(0, p1, TTY_TIOCGPGRP, &pg), 0);
    CHECK_EQ(pg, 1);
    CHECK_EQ(dev_tty_ops.ioctl(0, p2, TTY_TIOCGPGRP, &pg), -TTY_ENXIO);        /* p2 has none */
    CHECK_EQ(dev_pty_slave_ops.ioctl(s, p2, TTY_TIOCGPGRP, &pg), -LNX_ENOTTY); /* not p2's */
    /* ^C typed on the master: SIGINT to the foreground group (1) */
    CHECK_EQ(dev_pty_master_ops.write(m, p2, "\x03", 1, 0), 1);
    CHECK_EQ(nsig, 1);
    CHECK_EQ(signals[0], 100 + TTY_SIGINT);
    CHECK_EQ(dev_pty_master_ops.poll(m) & TTY_POLLIN, TTY_POLLIN); /* the ^C echo */
    dev_pty_master_ops.close(m);
    CHECK_EQ(dev_pty_slave_ops.read(s, p1, b, 64, 0), 0); /* hung up */
    CHECK_EQ(dev_pty_slave_ops.write(s, p1, "x", 1, 0), -LNX_EIO);
    dev_pty_slave_ops.close(s);
    CHECK_EQ(pty_get((int)n) == NULL, 1);
}
