/*
 * test_pty.c: PTY pairs (libos/tty/pty.c): allocation and numbering, the slave lock musl's
 * unlockpt opens, bytes both ways through the discipline (echo and output processing included),
 * signals to the slave's foreground group, hang-ups on either side, freeing.
 */
#include <check.h>

#include <posix/linux.h>
#include <tty/pty.h>

#include <string.h>

static int sigs[8], pgrps[8], nsigs, wakes;

static void on_wake(struct pty *p)
{
    (void)p;
    wakes++;
}

static void on_signal(int pgrp, int sig)
{
    pgrps[nsigs] = pgrp;
    sigs[nsigs++] = sig;
}

static const struct pty_hooks hooks = {.wake = on_wake, .signal = on_signal};

/* What the master reads now, as a string ("<EAGAIN>", "<EIO>"). */
static const char *master_rd(struct pty *p)
{
    static char s[PTY_OUT + 1];
    long r = pty_master_read(p, s, PTY_OUT);
    if (r == -LNX_EAGAIN)
        return "<EAGAIN>";
    if (r == -LNX_EIO)
        return "<EIO>";
    s[r < 0 ? 0 : r] = 0;
    return s;
}

TEST_CASE(open_lock_and_number)
{
    pty_set_hooks(&hooks);
    int m = pty_open_master();
    CHECK_EQ(m, 0);
    struct pty *p = pty_get(m);
    CHECK_EQ(p != NULL, 1);
    uint32_t n = 99;
    struct tty_who who = {0};
    CHECK_EQ(pty_master_ioctl(p, &who, TTY_TIOCGPTN, &n), 0); /* ptsname: /dev/pts/0 */
    CHECK_EQ(pty_master_ioctl(p, &who, TTY_TIOCGPTN, NULL), -LNX_EFAULT);
    CHECK_EQ(n, 0);
    CHECK_EQ(pty_open_slave(0), -LNX_EIO); /* locked until unlockpt */
    CHECK_EQ(pty_open_slave(1), -TTY_ENXIO);
    CHECK_EQ(pty_open_slave(-1), -TTY_ENXIO);
    int32_t lock = 0;
    CHECK_EQ(pty_master_ioctl(p, &who, TTY_TIOCSPTLCK, &lock), 0);
    CHECK_EQ(pty_open_slave(0), 0);
    CHECK_EQ(pty_slave_ioctl(p, &who, TTY_TIOCGPTN, &n), -LNX_ENOTTY); /* the master's only */
    int m2 = pty_open_master();
    CHECK_EQ(m2, 1);
    pty_close_master(pty_get(m2)); /* never had a slave: freed at once */
    CHECK_EQ(pty_get(m2) == NULL, 1);
    /* all pairs taken: ENOSPC */
    int got[PTY_MAX], k = 0, r;
    while ((r = pty_open_master()) >= 0)
        got[k++] = r;
    CHECK_EQ(r, -TTY_ENOSPC);
    CHECK_EQ(k, PTY_MAX - 1);
    for (int i = 0; i < k; i++)
        pty_close_master(pty_get(got[i]));
    pty_close_slave(p);
    pty_close_master(p);
    CHECK_EQ(pty_get(0) == NULL, 1);
}

TEST_CASE(bytes_both_ways)
{
    pty_set_hooks(&hooks);
    int m = pty_open_master();
    struct pty *p = pty_get(m);
    int32_t lock = 0;
    struct tty_who who = {0};
    pty_master_ioctl(p, &who, TTY_TIOCSPTLCK, &lock);
    CHECK_EQ(pty_open_slave(m), 0);
    CHECK_STR(master_rd(p), "<EAGAIN>");
    /* the master types a line with an erase: the slave reads the edited line, the master
     * reads the echo */
    CHECK_EQ(pty_master_write(p, "lx\x7fs\r", 5, 0), 5);
    CHECK_STR(master_rd(p), "lx\b \bs\r\n");
    char b[64];
    uint64_t at;
    CHECK_EQ(pty_slave_read(p, b, sizeof b, 0, 0, &at), 3);
    CHECK_EQ(memcmp(b, "ls\n", 3) == 0, 1);
    CHECK_EQ(pty_slave_read(p, b, sizeof b, 0, 0, &at), -LNX_EAGAIN);
    /* the slave writes: ONLCR */
    CHECK_EQ(pty_slave_write(p, "out\n", 4), 4);
    CHECK_EQ(pty_master_poll(p), TTY_POLLIN | TTY_POLLOUT);
    CHECK_STR(master_rd(p), "out\r\n");
    /* termios set through the master is the slave's */
    struct tty_termios tio;
    CHECK_EQ(pty_master_ioctl(p, &who, TTY_TCGETS, &tio), 0);
    tio.c_lflag &= ~(TTY_ECHO | TTY_ICANON);
    CHECK_EQ(pty_master_ioctl(p, &who, TTY_TCSETS, &tio), 0);
    CHECK_EQ(pty_master_write(p, "k", 1, 0), 1);
    CHECK_STR(master_rd(p), "<EAGAIN>"); /* no echo now */
    CHECK_EQ(pty_slave_poll(p), TTY_POLLIN | TTY_POLLOUT);
    CHECK_EQ(pty_slave_read(p, b, sizeof b, 0, 0, &at), 1);
    /* the slave's output ring is full: its writer waits */
    char big[PTY_OUT + 10];
    memset(big, 'z', sizeof big);
    CHECK_EQ(pty_slave_write(p, big, sizeof big), PTY_OUT);
    CHECK_EQ(pty_slave_write(p, "z", 1), -LNX_EAGAIN);
    CHECK_EQ(pty_master_read(p, big, 10), 10);
    CHECK_EQ(pty_slave_write(p, big, sizeof big), 10);
    /* ^C from the master: SIGINT to the slave's foreground group */
    tio.c_lflag |= TTY_ICANON | TTY_ECHO;
    pty_master_ioctl(p, &who, TTY_TCSETS, &tio);
    p->tty.pgrp = 33;
    nsigs = 0;
    CHECK_EQ(pty_master_write(p, "\x03", 1, 0), 1);
    CHECK_EQ(nsigs, 1);
    CHECK_EQ(sigs[0], TTY_SIGINT);
    CHECK_EQ(pgrps[0], 33);
    pty_close_slave(p);
    pty_close_master(p);
}

TEST_CASE(hangups)
{
    pty_set_hooks(&hooks);
    int m = pty_open_master();
    struct pty *p = pty_get(m);
    int32_t lock = 0;
    struct tty_who who = {0};
    pty_master_ioctl(p, &who, TTY_TIOCSPTLCK, &lock);
    CHECK_STR(master_rd(p), "<EAGAIN>"); /* no slave yet: the master waits, no EIO */
    CHECK_EQ(pty_open_slave(m), 0);
    CHECK_EQ(pty_open_slave(m), 0); /* two opens */
    CHECK_EQ(pty_slave_write(p, "bye", 3), 3);
    pty_close_slave(p);
    CHECK_STR(master_rd(p), "bye");
    CHECK_STR(master_rd(p), "<EAGAIN>"); /* one slave still open */
    pty_close_slave(p);
    CHECK_STR(master_rd(p), "<EIO>"); /* every slave closed */
    CHECK_EQ(pty_master_poll(p) & TTY_POLLHUP, TTY_POLLHUP);
    /* the master closes first: the slave reads end of file, writes EIO, SIGHUP to its group */
    CHECK_EQ(pty_open_slave(m), 0);
    p->tty.pgrp = 44;
    nsigs = 0;
    pty_close_master(p);
    CHECK_EQ(pty_get(m) == p, 1); /* the slave still holds it */
    CHECK_EQ(nsigs, 2);
    CHECK_EQ(sigs[0], TTY_SIGHUP);
    CHECK_EQ(sigs[1], TTY_SIGCONT);
    CHECK_EQ(pgrps[0], 44);
    char b[8];
    uint64_t at;
    CHECK_EQ(pty_slave_read(p, b, sizeof b, 0, 0, &at), 0);
    CHECK_EQ(pty_slave_write(p, "x", 1), -LNX_EIO);
    CHECK_EQ(pty_slave_poll(p) & TTY_POLLHUP, TTY_POLLHUP);
    CHECK_EQ(pty_open_slave(m), -LNX_EIO); /* no new opens after the hang-up */
    pty_close_slave(p);
    CHECK_EQ(pty_get(m) == NULL, 1);
    CHECK_EQ(wakes > 0, 1);
}
