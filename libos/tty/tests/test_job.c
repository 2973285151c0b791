/*
 * test_job.c: job control at a terminal (libos/tty/job.c): who may read, write and change a
 * terminal, and which signal the others' group gets.
 */
#include <check.h>

#include <posix/linux.h>
#include <tty/tty.h>

static unsigned long out(void *ctx, const char *buf, unsigned long len)
{
    (void)ctx, (void)buf;
    return len;
}

static const struct tty_ops ops = {.out = out};

TEST_CASE(foreground_and_background)
{
    static struct tty t;
    tty_init(&t, &ops, 0);
    const struct tty_who fg = {.pid = 5, .pgrp = 5, .sid = 5}, bg = {.pid = 6, .pgrp = 6, .sid = 5},
                         other = {.pid = 9, .pgrp = 9, .sid = 9};
    /* no session controls it yet: anyone goes on */
    CHECK_EQ(tty_job_check(&t, &bg, TTY_JOB_READ), 0);
    t.sid = 5;
    t.pgrp = 5;
    CHECK_EQ(tty_job_check(&t, &fg, TTY_JOB_READ), 0);
    CHECK_EQ(tty_job_check(&t, &fg, TTY_JOB_WRITE), 0);
    CHECK_EQ(tty_job_check(&t, &fg, TTY_JOB_CHANGE), 0);
    CHECK_EQ(tty_job_check(&t, &bg, TTY_JOB_READ), TTY_SIGTTIN);
    CHECK_EQ(tty_job_check(&t, &bg, TTY_JOB_WRITE), 0); /* TOSTOP is off by default */
    CHECK_EQ(tty_job_check(&t, &bg, TTY_JOB_CHANGE), TTY_SIGTTOU);
    t.tio.c_lflag |= TTY_TOSTOP;
    CHECK_EQ(tty_job_check(&t, &bg, TTY_JOB_WRITE), TTY_SIGTTOU);
    CHECK_EQ(tty_job_check(&t, &fg, TTY_JOB_WRITE), 0);
    /* not its controlling terminal (another session's): no job control */
    CHECK_EQ(tty_job_check(&t, &other, TTY_JOB_READ), 0);
    CHECK_EQ(tty_job_check(&t, &other, TTY_JOB_CHANGE), 0);
    /* no foreground group: nobody is in the background */
    t.pgrp = 0;
    CHECK_EQ(tty_job_check(&t, &bg, TTY_JOB_READ), 0);
}

TEST_CASE(which_ioctls_change_the_terminal)
{
    CHECK_EQ(tty_job_ioctl_op(TTY_TCSETS), 1);
    CHECK_EQ(tty_job_ioctl_op(TTY_TCSETSW), 1);
    CHECK_EQ(tty_job_ioctl_op(TTY_TCSETSF), 1);
    CHECK_EQ(tty_job_ioctl_op(TTY_TIOCSPGRP), 1);
    CHECK_EQ(tty_job_ioctl_op(TTY_TCFLSH), 1);
    CHECK_EQ(tty_job_ioctl_op(TTY_TIOCSWINSZ), 1);
    CHECK_EQ(tty_job_ioctl_op(TTY_TCGETS), 0);
    CHECK_EQ(tty_job_ioctl_op(TTY_TIOCGPGRP), 0);
    CHECK_EQ(tty_job_ioctl_op(TTY_TIOCGWINSZ), 0);
}
