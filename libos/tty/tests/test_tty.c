/*
 * test_tty.c: the line discipline (libos/tty/ldisc.c, ioctl.c), byte for byte: what a read
 * returns and what the device is sent (echo) for each input, in Linux's default termios and
 * in the modes programs switch to (raw with VMIN/VTIME, no echo, no ISIG), and the ioctls'
 * values and refusals.
 */
#include <check.h>

#include <posix/linux.h>
#include <tty/tty.h>

#include <string.h>

static char echoed[8192];
static unsigned long nechoed, room_left = (unsigned long)-1;
static int sigs[16], sig_pgrp[16], nsigs, wakes;

static int nouts; /* calls of out */

static unsigned long out(void *ctx, const char *buf, unsigned long len)
{
    (void)ctx;
    nouts++;
    memcpy(echoed + nechoed, buf, len);
    nechoed += len;
    room_left -= room_left == (unsigned long)-1 ? 0 : len;
    return len;
}

static unsigned long room(void *ctx)
{
    (void)ctx;
    return room_left;
}

static void sig(void *ctx, int pgrp, int s)
{
    (void)ctx;
    sig_pgrp[nsigs] = pgrp;
    sigs[nsigs++] = s;
}

static void wake(void *ctx)
{
    (void)ctx;
    wakes++;
}

static const struct tty_ops ops = {.out = out, .room = room, .signal = sig, .wake = wake};
static struct tty t;

static void fresh(void)
{
    tty_init(&t, &ops, NULL);
    nechoed = 0;
    nsigs = wakes = 0;
    room_left = (unsigned long)-1;
}

static void type(const char *s)
{
    CHECK_EQ(tty_input(&t, s, strlen(s), 0), strlen(s));
}

/* The echo so far as a string, then forgotten. */
static const char *echo(void)
{
    static char s[8192];
    memcpy(s, echoed, nechoed);
    s[nechoed] = 0;
    nechoed = 0;
    return s;
}

/* One read (blocking mode, at time now) as a string; "<EAGAIN>" or "<EOF>" for those. */
static const char *rd(unsigned long len, uint64_t now)
{
    static char s[8192];
    uint64_t at;
    long r = tty_read(&t, s, len, 0, now, &at);
    if (r == -LNX_EAGAIN)
        return "<EAGAIN>";
    if (r == 0)
        return "<EOF>";
    if (r < 0)
        return "<error>";
    s[r] = 0;
    return s;
}

TEST_CASE(canonical_line_and_echo)
{
    fresh();
    type("ls -l");
    CHECK_STR(rd(100, 0), "<EAGAIN>"); /* no line yet */
    CHECK_STR(rd(0, 0), "<EOF>");      /* a read of nothing: 0 at once */
    CHECK_EQ(tty_poll(&t), 0);
    CHECK_EQ(wakes, 0);
    type("\r"); /* ICRNL */
    CHECK_EQ(wakes, 1);
    CHECK_EQ(tty_poll(&t), TTY_POLLIN);
    CHECK_STR(echo(), "ls -l\r\n"); /* ONLCR on the echoed newline */
    CHECK_EQ(tty_readable(&t), 6);
    CHECK_STR(rd(3, 0), "ls ");    /* a short read leaves the rest of the line */
    CHECK_STR(rd(100, 0), "-l\n"); /* and never runs into the next one */
    type("a\nb\n");
    CHECK_STR(rd(100, 0), "a\n");
    CHECK_STR(rd(100, 0), "b\n");
    CHECK_STR(rd(100, 0), "<EAGAIN>");
}

TEST_CASE(erase_kill_werase)
{
    fresh();
    type("cat\x7f\x7fp\n"); /* DEL erases: "\b \b" each (ECHOE) */
    CHECK_STR(echo(), "cat\b \b\b \bp\r\n");
    CHECK_STR(rd(100, 0), "cp\n");
    type("\x7fx\n"); /* erase at a line start: nothing, no echo */
    CHECK_STR(echo(), "x\r\n");
    CHECK_STR(rd(100, 0), "x\n");
    type("a\x01\x7f\n"); /* a ^A echoed as two columns is erased as two */
    CHECK_STR(echo(), "a^A\b \b\b \b\r\n");
    CHECK_STR(rd(100, 0), "a\n");
    type("rm -rf /\x15ls\n"); /* ^U with ECHOKE: the line is wiped on screen */
    CHECK_STR(echo(), "rm -rf /\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \bls\r\n");
    CHECK_STR(rd(100, 0), "ls\n");
    type("cp a_1  b_2  \x17x\n"); /* ^W: trailing blanks, then the word (_ and digits in it) */
    CHECK_STR(rd(100, 0), "cp a_1  x\n");
    type("cp a.c\x17\n"); /* "." is not a word character: ^W stops at it (ALTWERASE) */
    CHECK_STR(rd(100, 0), "cp a.\n");
    echo();
    /* KILL without ECHOKE: the kill character, then a newline (ECHOK) */
    t.tio.c_lflag &= ~TTY_ECHOKE;
    type("abc\x15");
    CHECK_STR(echo(), "abc^U\r\n");
    type("d\n");
    CHECK_STR(rd(100, 0), "d\n");
    /* ERASE without ECHOE: the erase character is echoed */
    echo();
    t.tio.c_lflag &= ~TTY_ECHOE;
    type("ab\x7f\n");
    CHECK_STR(echo(), "ab^?\r\n");
    CHECK_STR(rd(100, 0), "a\n");
}

TEST_CASE(eof)
{
    fresh();
    type("\x04"); /* ^D at a line start: an end of file, no echo */
    CHECK_STR(echo(), "");
    CHECK_EQ(tty_poll(&t), TTY_POLLIN);
    CHECK_STR(rd(100, 0), "<EOF>");
    CHECK_STR(rd(100, 0), "<EAGAIN>"); /* once */
    type("abc\x04");                   /* mid-line: the line goes as it is, without the ^D */
    CHECK_STR(rd(100, 0), "abc");
    CHECK_STR(rd(100, 0), "<EAGAIN>");
    type("x\x04\x04"); /* then a second one at the (new) start: EOF */
    CHECK_STR(rd(100, 0), "x");
    CHECK_STR(rd(100, 0), "<EOF>");
}

TEST_CASE(signals)
{
    fresh();
    t.pgrp = 42;
    type("partial\x03");
    CHECK_EQ(nsigs, 1);
    CHECK_EQ(sigs[0], TTY_SIGINT);
    CHECK_EQ(sig_pgrp[0], 42);
    CHECK_STR(echo(), "partial^C"); /* and the line is gone (no NOFLSH) */
    type("\n");
    CHECK_STR(rd(100, 0), "\n");
    type("\x1c\x1a");
    CHECK_EQ(nsigs, 3);
    CHECK_EQ(sigs[1], TTY_SIGQUIT);
    CHECK_EQ(sigs[2], TTY_SIGTSTP);
    CHECK_STR(echo(), "\r\n^\\^Z");
    /* NOFLSH keeps the line; without ISIG ^C is data */
    t.tio.c_lflag |= TTY_NOFLSH;
    type("ab\x03\n");
    CHECK_STR(rd(100, 0), "ab\n");
    t.tio.c_lflag &= ~TTY_ISIG;
    type("\x03\n");
    CHECK_EQ(nsigs, 4);
    CHECK_STR(rd(100, 0), "\x03\n");
    /* a disabled character (0) matches nothing: ^@ is data */
    t.tio.c_lflag |= TTY_ISIG;
    t.tio.c_cc[TTY_VINTR] = 0;
    CHECK_EQ(tty_input(&t, "\0\n", 2, 0), 2);
    CHECK_EQ(nsigs, 4);
    char b[4];
    uint64_t at;
    CHECK_EQ(tty_read(&t, b, 4, 0, 0, &at), 2);
    CHECK_EQ(b[0], 0);
}

TEST_CASE(input_flags_and_ctl_echo)
{
    fresh();
    type("\x1b[A\t\n"); /* ECHOCTL: ESC as ^[, a tab as itself */
    CHECK_STR(echo(), "^[[A\t\r\n");
    CHECK_STR(rd(100, 0), "\x1b[A\t\n");
    t.tio.c_lflag &= ~TTY_ECHOCTL;
    type("\x01\n");
    CHECK_STR(echo(), "\x01\r\n");
    rd(100, 0);
    t.tio.c_iflag &= ~TTY_ICRNL; /* \r is data; it does not end the line */
    type("a\rb\n");
    CHECK_STR(rd(100, 0), "a\rb\n");
    t.tio.c_iflag |= TTY_IGNCR;
    type("a\rb\n");
    CHECK_STR(rd(100, 0), "ab\n");
    t.tio.c_iflag = TTY_INLCR | TTY_ISTRIP; /* \n -> \r (no line end now); bit 7 stripped */
    type("\xc1\n\x04");
    CHECK_STR(rd(100, 0), "A\r");
    echo();
    t.tio.c_lflag &= ~TTY_ECHO; /* no echo, but ECHONL still echoes the newline */
    t.tio.c_lflag |= TTY_ECHONL;
    t.tio.c_iflag = TTY_ICRNL;
    type("secret\r");
    CHECK_STR(echo(), "\r\n");
    CHECK_STR(rd(100, 0), "secret\n");
    /* ^V takes the next character literally (echo "^\b", then the character) */
    t.tio.c_lflag |= TTY_ECHO | TTY_ECHOCTL;
    type("\x16\x03\x16\x7f\n");
    CHECK_STR(echo(), "^\b^C^\b^?\r\n");
    CHECK_STR(rd(100, 0), "\x03\x7f\n");
    /* IXON: ^S and ^Q are taken, not data */
    t.tio.c_iflag |= TTY_IXON;
    type("\x13\x11z\n");
    CHECK_STR(rd(100, 0), "z\n");
}

TEST_CASE(output_processing)
{
    fresh();
    CHECK_EQ(tty_write(&t, "a\nb\r", 4), 4);
    CHECK_STR(echo(), "a\r\nb\r");
    t.tio.c_oflag |= TTY_OCRNL;
    CHECK_EQ(tty_write(&t, "\r", 1), 1);
    CHECK_STR(echo(), "\n");
    t.tio.c_oflag &= ~TTY_OPOST; /* raw output: bytes as they are */
    CHECK_EQ(tty_write(&t, "a\nb\r", 4), 4);
    CHECK_STR(echo(), "a\nb\r");
    /* a device with room for 3 bytes: "x\n" needs 3 (x, \r, \n), "y" then does not fit */
    t.tio.c_oflag |= TTY_OPOST;
    room_left = 3;
    CHECK_EQ(tty_write(&t, "x\ny", 3), 2);
    CHECK_EQ(tty_write(&t, "y", 1), -LNX_EAGAIN);
    CHECK_STR(echo(), "x\r\n");
    /* the device gets chunks: 600 bytes ("ab\n" x 200, 800 after ONLCR) in 4 calls */
    room_left = (unsigned long)-1;
    char many[600];
    for (int i = 0; i < 600; i++)
        many[i] = "ab\n"[i % 3];
    nouts = 0;
    CHECK_EQ(tty_write(&t, many, sizeof many), 600);
    CHECK_EQ(nouts, 4);
    CHECK_EQ(nechoed, 800);
    CHECK_EQ(memcmp(echoed, "ab\r\nab\r\n", 8), 0);
}

TEST_CASE(line_limit)
{
    fresh();
    char big[5000];
    memset(big, 'a', sizeof big);
    CHECK_EQ(tty_input(&t, big, sizeof big, 0), sizeof big); /* canonical: extra dropped */
    type("\n");
    char b[5000];
    uint64_t at;
    CHECK_EQ(tty_read(&t, b, sizeof b, 0, 0, &at), 4096); /* 4095 and the newline */
    CHECK_EQ(b[4094], 'a');
    CHECK_EQ(b[4095], '\n');
    /* raw: the buffer fills, the rest is not taken (a PTY writer waits) */
    t.tio.c_lflag &= ~TTY_ICANON;
    CHECK_EQ(tty_input(&t, big, sizeof big, 0), 4096);
    CHECK_EQ(tty_readable(&t), 4096);
}

TEST_CASE(raw_vmin_vtime)
{
    fresh();
    struct tty_termios r = t.tio;
    r.c_lflag &= ~(TTY_ICANON | TTY_ECHO | TTY_ISIG);
    r.c_cc[TTY_VMIN] = 0;
    r.c_cc[TTY_VTIME] = 0;
    CHECK_EQ(tty_ioctl(&t, &(struct tty_who){0}, TTY_TCSETS, &r), 0);
    CHECK_STR(rd(10, 0), "<EOF>"); /* MIN 0, TIME 0: a poll, 0 bytes */
    type("\x03q");                 /* no ISIG, no echo: data */
    CHECK_STR(echo(), "");
    CHECK_STR(rd(10, 0), "\x03q");
    /* MIN 3, TIME 0: wait for 3 (or len) */
    t.tio.c_cc[TTY_VMIN] = 3;
    type("ab");
    CHECK_STR(rd(10, 0), "<EAGAIN>");
    CHECK_STR(rd(2, 0), "ab"); /* len 2 < MIN: 2 do */
    type("abc");
    CHECK_STR(rd(10, 0), "abc");
    /* MIN 0, TIME 5: the timer starts with the read; 0 when 500 ms pass with nothing */
    t.tio.c_cc[TTY_VMIN] = 0;
    t.tio.c_cc[TTY_VTIME] = 5;
    uint64_t at;
    char b[8];
    CHECK_EQ(tty_read(&t, b, 8, 0, 1000, &at), -LNX_EAGAIN);
    CHECK_EQ(at, 1500);
    CHECK_EQ(tty_read(&t, b, 8, 0, 1499, &at), -LNX_EAGAIN);
    CHECK_EQ(tty_read(&t, b, 8, 0, 1500, &at), 0);
    CHECK_EQ(tty_read(&t, b, 8, 0, 2000, &at), -LNX_EAGAIN); /* a new read: a new timer */
    CHECK_EQ(at, 2500);
    CHECK_EQ(tty_input(&t, "z", 1, 2100), 1);
    CHECK_EQ(tty_read(&t, b, 8, 0, 2100, &at), 1);
    /* MIN 2, TIME 2: an inter-byte timer after the first byte */
    t.tio.c_cc[TTY_VMIN] = 2;
    t.tio.c_cc[TTY_VTIME] = 2;
    CHECK_EQ(tty_read(&t, b, 8, 0, 3000, &at), -LNX_EAGAIN);
    CHECK_EQ(at, 0); /* nothing yet: only input wakes it */
    CHECK_EQ(tty_input(&t, "1", 1, 3000), 1);
    CHECK_EQ(tty_read(&t, b, 8, 0, 3100, &at), -LNX_EAGAIN);
    CHECK_EQ(at, 3200);
    CHECK_EQ(tty_read(&t, b, 8, 0, 3200, &at), 1); /* the timer ran out: the one byte */
    /* non-blocking: never a timer */
    CHECK_EQ(tty_read(&t, b, 8, 1, 4000, &at), -LNX_EAGAIN);
}

TEST_CASE(mode_switches)
{
    fresh();
    type("half");
    struct tty_termios r = t.tio;
    r.c_lflag &= ~TTY_ICANON;
    r.c_cc[TTY_VMIN] = 1;
    CHECK_EQ(tty_ioctl(&t, &(struct tty_who){0}, TTY_TCSETSW, &r), 0);
    CHECK_STR(rd(10, 0), "half"); /* the unfinished line is readable raw */
    type("xy");
    r.c_lflag |= TTY_ICANON;
    CHECK_EQ(tty_ioctl(&t, &(struct tty_who){0}, TTY_TCSETS, &r), 0);
    CHECK_STR(rd(10, 0), "xy"); /* raw bytes before the switch: one line */
    type("gone");
    CHECK_EQ(tty_ioctl(&t, &(struct tty_who){0}, TTY_TCSETSF, &r), 0); /* flushes input */
    type("\n");
    CHECK_STR(rd(10, 0), "\n");
    type("x\n");
    CHECK_EQ(tty_ioctl(&t, &(struct tty_who){0}, TTY_TCFLSH, (void *)TTY_TCIFLUSH), 0);
    CHECK_STR(rd(10, 0), "<EAGAIN>");
    CHECK_EQ(tty_ioctl(&t, &(struct tty_who){0}, TTY_TCFLSH, (void *)7), -LNX_EINVAL);
}

TEST_CASE(termios_and_winsize)
{
    fresh();
    struct tty_who me = {.pid = 5, .pgrp = 5, .sid = 5};
    struct tty_termios g;
    CHECK_EQ(tty_ioctl(&t, &me, TTY_TCGETS, &g), 0);
    /* Linux's tty_std_termios, exactly */
    CHECK_EQ(g.c_iflag, 02400);
    CHECK_EQ(g.c_oflag, 05);
    CHECK_EQ(g.c_cflag, 02277);
    CHECK_EQ(g.c_lflag, 0105073);
    CHECK_EQ(memcmp(g.c_cc, "\003\034\177\025\004\0\1\0\021\023\032\0\022\017\027\026\0", 17) == 0,
             1);
    struct tty_winsize w;
    CHECK_EQ(tty_ioctl(&t, &me, TTY_TIOCGWINSZ, &w), 0);
    CHECK_EQ(w.ws_row, 25);
    CHECK_EQ(w.ws_col, 80);
    t.pgrp = 9;
    w.ws_col = 132;
    CHECK_EQ(tty_ioctl(&t, &me, TTY_TIOCSWINSZ, &w), 0); /* a change: SIGWINCH */
    CHECK_EQ(tty_ioctl(&t, &me, TTY_TIOCSWINSZ, &w), 0); /* the same: none */
    CHECK_EQ(nsigs, 1);
    CHECK_EQ(sigs[0], TTY_SIGWINCH);
    CHECK_EQ(sig_pgrp[0], 9);
    CHECK_EQ(tty_ioctl(&t, &me, TTY_TIOCGWINSZ, &w), 0);
    CHECK_EQ(w.ws_col, 132);
    type("ab\ncd");
    int32_t n = -1;
    CHECK_EQ(tty_ioctl(&t, &me, TTY_FIONREAD, &n), 0);
    CHECK_EQ(n, 3);
    CHECK_EQ(tty_ioctl(&t, &me, 0x1234, &n), -LNX_ENOTTY);
    CHECK_EQ(tty_ioctl_arg_size(TTY_TCGETS), 36);
    CHECK_EQ(tty_ioctl_arg_size(TTY_TIOCSWINSZ), 8);
    CHECK_EQ(tty_ioctl_arg_size(TTY_TIOCGPGRP), 4);
    CHECK_EQ(tty_ioctl_arg_size(TTY_TIOCGPTN), 4);
    CHECK_EQ(tty_ioctl_arg_size(TTY_TIOCSCTTY), 0);
    CHECK_EQ(tty_ioctl_arg_size(0x1234), -LNX_ENOTTY);
    /* a pointer request with no argument: EFAULT, nothing touched */
    CHECK_EQ(tty_ioctl(&t, &me, TTY_TCGETS, NULL), -LNX_EFAULT);
    CHECK_EQ(tty_ioctl(&t, &me, TTY_TIOCSPGRP, NULL), -LNX_EFAULT);
    CHECK_EQ(tty_ioctl(&t, &me, TTY_TCFLSH, NULL), 0); /* a value: 0 is TCIFLUSH */
}

static int check_calls;
static int pgrp_check(void *ctx, int pgrp, int sid)
{
    (void)ctx;
    check_calls++;
    return pgrp == 7 && sid == 5 ? 0 : pgrp == 8 ? -LNX_EPERM : -TTY_ESRCH;
}

TEST_CASE(controlling_terminal)
{
    static const struct tty_ops ops2 = {.out = out, .signal = sig, .pgrp_check = pgrp_check};
    tty_init(&t, &ops2, NULL);
    nsigs = 0;
    struct tty_who leader = {.pid = 5, .pgrp = 5, .sid = 5};
    struct tty_who member = {.pid = 6, .pgrp = 7, .sid = 5};
    struct tty_who other = {.pid = 9, .pgrp = 9, .sid = 9};
    struct tty_who root = {.pid = 10, .pgrp = 10, .sid = 10, .privileged = 1};
    int32_t v = 0;
    CHECK_EQ(tty_ioctl(&t, &leader, TTY_TIOCGPGRP, &v), -LNX_ENOTTY); /* not its ctty yet */
    CHECK_EQ(tty_ioctl(&t, &member, TTY_TIOCSCTTY, 0), -LNX_EPERM);   /* not a leader */
    CHECK_EQ(tty_ioctl(&t, &leader, TTY_TIOCSCTTY, 0), 0);
    CHECK_EQ(t.sid, 5);
    CHECK_EQ(t.pgrp, 5);
    CHECK_EQ(tty_ioctl(&t, &leader, TTY_TIOCSCTTY, 0), 0);                 /* again: fine */
    CHECK_EQ(tty_ioctl(&t, &other, TTY_TIOCSCTTY, 0), -LNX_EPERM);         /* another session's */
    CHECK_EQ(tty_ioctl(&t, &other, TTY_TIOCSCTTY, (void *)1), -LNX_EPERM); /* unprivileged */
    CHECK_EQ(tty_ioctl(&t, &member, TTY_TIOCGPGRP, &v), 0);
    CHECK_EQ(v, 5);
    CHECK_EQ(tty_ioctl(&t, &member, TTY_TIOCGSID, &v), 0);
    CHECK_EQ(v, 5);
    CHECK_EQ(tty_ioctl(&t, &other, TTY_TIOCGPGRP, &v), -LNX_ENOTTY);
    v = 7;
    CHECK_EQ(tty_ioctl(&t, &member, TTY_TIOCSPGRP, &v), 0);
    CHECK_EQ(t.pgrp, 7);
    v = -1;
    CHECK_EQ(tty_ioctl(&t, &member, TTY_TIOCSPGRP, &v), -LNX_EINVAL);
    v = 8;
    CHECK_EQ(tty_ioctl(&t, &member, TTY_TIOCSPGRP, &v), -LNX_EPERM);
    v = 99;
    CHECK_EQ(tty_ioctl(&t, &member, TTY_TIOCSPGRP, &v), -TTY_ESRCH);
    CHECK_EQ(tty_ioctl(&t, &other, TTY_TIOCSPGRP, &v), -LNX_ENOTTY);
    CHECK_EQ(check_calls, 3);
    CHECK_EQ(t.pgrp, 7);
    /* a member lets go: nothing changes for the terminal */
    CHECK_EQ(tty_ioctl(&t, &member, TTY_TIOCNOTTY, 0), 0);
    CHECK_EQ(t.sid, 5);
    CHECK_EQ(tty_ioctl(&t, &other, TTY_TIOCNOTTY, 0), -LNX_ENOTTY);
    /* the leader lets go: SIGHUP and SIGCONT to the foreground group, the terminal is free */
    CHECK_EQ(tty_ioctl(&t, &leader, TTY_TIOCNOTTY, 0), 0);
    CHECK_EQ(nsigs, 2);
    CHECK_EQ(sigs[0], TTY_SIGHUP);
    CHECK_EQ(sigs[1], TTY_SIGCONT);
    CHECK_EQ(sig_pgrp[0], 7);
    CHECK_EQ(t.sid, 0);
    /* a privileged leader may take another session's terminal with arg 1 */
    CHECK_EQ(tty_ioctl(&t, &other, TTY_TIOCSCTTY, 0), 0);
    CHECK_EQ(tty_ioctl(&t, &root, TTY_TIOCSCTTY, 0), -LNX_EPERM);
    CHECK_EQ(tty_ioctl(&t, &root, TTY_TIOCSCTTY, (void *)1), 0);
    CHECK_EQ(t.sid, 10);
}
