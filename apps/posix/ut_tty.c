/*
 * ut_tty.c: the console as a terminal (libos/posix/tty.c over libos/tty and libos/dev), as a
 * program sees it through musl: isatty, termios (Linux's defaults exactly, raw mode set and
 * read back), the window size, the foreground process group and session, reads in raw mode
 * with VMIN/VTIME when nobody types, unknown ioctls, getrandom/getentropy. Typing itself is
 * libos.boot.tty's (apps/posix/ttytest.c). fd 2: ut_basic.c closes fd 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <proc/client.h>

#include "usertests.h"

#define TTY 2

USERTEST(tty_isatty_and_defaults)
{
    CHECK_EQ(isatty(TTY), 1);
    CHECK_EQ(isatty(7), 0);
    CHECK_EQ(errno, EBADF);
    struct termios t;
    CHECK_EQ(tcgetattr(TTY, &t), 0);
    CHECK_EQ(t.c_iflag, ICRNL | IXON);
    CHECK_EQ(t.c_oflag, OPOST | ONLCR);
    CHECK_EQ(t.c_cflag, B38400 | CS8 | CREAD | HUPCL);
    CHECK_EQ(t.c_lflag, ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN);
    CHECK_EQ(t.c_cc[VINTR], 3);
    CHECK_EQ(t.c_cc[VQUIT], 034);
    CHECK_EQ(t.c_cc[VERASE], 0177);
    CHECK_EQ(t.c_cc[VKILL], 025);
    CHECK_EQ(t.c_cc[VEOF], 4);
    CHECK_EQ(t.c_cc[VSUSP], 032);
    CHECK_EQ(t.c_cc[VWERASE], 027);
    CHECK_EQ(t.c_cc[VMIN], 1);
    CHECK_EQ(cfgetospeed(&t), B38400);
    return 0;
}

USERTEST(tty_termios_set_and_back)
{
    struct termios saved, raw, got;
    CHECK_EQ(tcgetattr(TTY, &saved), 0);
    raw = saved;
    cfmakeraw(&raw);
    raw.c_oflag |= OPOST; /* keep the console's output as it is */
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    CHECK_EQ(tcsetattr(TTY, TCSANOW, &raw), 0);
    CHECK_EQ(tcgetattr(TTY, &got), 0);
    CHECK_EQ(got.c_lflag, raw.c_lflag);
    CHECK_EQ(got.c_lflag & (ICANON | ECHO | ISIG), 0);
    CHECK_EQ(got.c_iflag, raw.c_iflag);
    CHECK_EQ(got.c_cc[VMIN], 0);
    /* VMIN 0, VTIME 0 with nobody typing: a read returns 0 at once */
    char c;
    CHECK_EQ(read(TTY, &c, 1), 0);
    /* VMIN 0, VTIME 2: 0 with nobody typing (after 200 ms in one process; at once under pm,
     * which has no timer yet: docs/concepts/terminals.md) */
    raw.c_cc[VTIME] = 2;
    CHECK_EQ(tcsetattr(TTY, TCSADRAIN, &raw), 0);
    long r = read(TTY, &c, 1);
    CHECK_EQ(tcsetattr(TTY, TCSAFLUSH, &saved), 0); /* the console is shared: restore first */
    CHECK_EQ(r, 0);
    CHECK_EQ(tcgetattr(TTY, &got), 0);
    CHECK_EQ(got.c_lflag, saved.c_lflag);
    CHECK_EQ(tcflush(TTY, TCIFLUSH), 0);
    CHECK_EQ(tcflush(TTY, 9), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(tcdrain(TTY), 0);
    return 0;
}

USERTEST(tty_window_size)
{
    struct winsize w;
    CHECK_EQ(ioctl(TTY, TIOCGWINSZ, &w), 0);
    CHECK_EQ(w.ws_row, 25);
    CHECK_EQ(w.ws_col, 80);
    struct winsize big = {.ws_row = 50, .ws_col = 132};
    CHECK_EQ(ioctl(TTY, TIOCSWINSZ, &big), 0); /* SIGWINCH: ignored by default */
    CHECK_EQ(ioctl(TTY, TIOCGWINSZ, &w), 0);
    CHECK_EQ(w.ws_row, 50);
    CHECK_EQ(w.ws_col, 132);
    w.ws_row = 25;
    w.ws_col = 80;
    CHECK_EQ(ioctl(TTY, TIOCSWINSZ, &w), 0);
    return 0;
}

USERTEST(tty_process_group)
{
    CHECK_EQ(tcgetpgrp(TTY), getpgrp()); /* our console: our group in the foreground */
    CHECK_EQ(tcgetsid(TTY), getsid(0));
    CHECK_EQ(tcsetpgrp(TTY, getpgrp()), 0);
    CHECK_EQ(tcsetpgrp(TTY, -1), -1);
    CHECK_EQ(errno, EINVAL);
    int n = -1;
    CHECK_EQ(ioctl(TTY, FIONREAD, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(ioctl(TTY, 0x54ff, &n), -1); /* no such request */
    CHECK_EQ(errno, ENOTTY);
    CHECK_EQ(ioctl(9, TCGETS, &n), -1);
    CHECK_EQ(errno, EBADF);
    return 0;
}

USERTEST(tty_getrandom)
{
    unsigned char a[64], b[64], zero[64] = {0};
    CHECK_EQ(getrandom(a, sizeof a, 0), 64);
    CHECK_EQ(getrandom(b, sizeof b, GRND_NONBLOCK), 64);
    CHECK_EQ(memcmp(a, b, 64) != 0, 1);
    CHECK_EQ(memcmp(a, zero, 64) != 0, 1);
    CHECK_EQ(getrandom(a, 0, 0), 0);
    CHECK_EQ(getrandom(a, 8, 0x40), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(getentropy(a, 32), 0); /* musl: getrandom */
    CHECK_EQ(getentropy(a, 257), -1);
    CHECK_EQ(errno, EIO);
    return 0;
}

/* A forked child's generator is reseeded: its next byte is not its parent's next byte (4
 * children agreeing by chance: 2^-32). The child says its byte as its exit status. */
USERTEST(tty_getrandom_after_fork)
{
    unsigned char warm;
    CHECK_EQ(getrandom(&warm, 1, 0), 1); /* seeded in the parent before the forks */
    int same = 0;
    for (int i = 0; i < 4; i++) {
        pid_t c = fork();
        CHECK_EQ(c >= 0, 1);
        if (c == 0) {
            unsigned char b = 0;
            getrandom(&b, 1, 0);
            _exit(b);
        }
        unsigned char mine;
        CHECK_EQ(getrandom(&mine, 1, 0), 1);
        int status = -1;
        pid_t w = waitpid(c, &status, 0);
        if (w != c)
            printf("    waitpid: %d errno %d\n", (int)w, errno);
        CHECK_EQ(w, c);
        CHECK_EQ(WIFEXITED(status), 1);
        same += WEXITSTATUS(status) == mine;
    }
    CHECK_EQ(same < 4, 1);
    return 0;
}

/* A hostile mailbox: a pointer request (TCGETS) with no bytes in the mailbox and an address in
 * its value slot. pm must refuse it (EFAULT), never write termios through that address. */
USERTEST(tty_ioctl_pointer_through_value_slot_refused)
{
    struct pm_msg *m = proc_msg();
    m->a[0] = 1;      /* stdout: the console */
    m->a[1] = TCGETS; /* its argument is a struct termios */
    m->a[2] = 0;      /* no bytes in the mailbox */
    m->a[3] = 0x1000; /* an address in pm's space, if pm followed it */
    CHECK_EQ(proc_call(PM_OP_fs_ioctl), -EFAULT);
    m->a[0] = 1;
    m->a[1] = TCGETS;
    m->a[2] = 8; /* fewer bytes than a termios */
    m->a[3] = 0;
    CHECK_EQ(proc_call(PM_OP_fs_ioctl), -EFAULT);
    struct termios t;
    CHECK_EQ(tcgetattr(1, &t), 0); /* pm is still there */
    return 0;
}
