/*
 * termios.h: the Linux terminal interface a TTY speaks, written out (no libc headers): the
 * kernel's struct termios (what TCGETS/TCSETS copy, 36 bytes, not musl's larger one), the
 * window size, the ioctl numbers, c_cc indices, flag bits and the signals a discipline raises.
 */
#ifndef TTY_TERMIOS_H
#define TTY_TERMIOS_H

#include <stdint.h>

#define TTY_NCCS 19

struct tty_termios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[TTY_NCCS];
};
_Static_assert(sizeof(struct tty_termios) == 36, "Linux's struct termios (kernel)");

struct tty_winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* ioctl requests */
#define TTY_TCGETS 0x5401
#define TTY_TCSETS 0x5402
#define TTY_TCSETSW 0x5403
#define TTY_TCSETSF 0x5404
#define TTY_TCSBRK 0x5409
#define TTY_TCXONC 0x540a
#define TTY_TCFLSH 0x540b
#define TTY_TIOCSCTTY 0x540e
#define TTY_TIOCGPGRP 0x540f
#define TTY_TIOCSPGRP 0x5410
#define TTY_TIOCOUTQ 0x5411
#define TTY_TIOCGWINSZ 0x5413
#define TTY_TIOCSWINSZ 0x5414
#define TTY_FIONREAD 0x541b
#define TTY_TIOCNOTTY 0x5422
#define TTY_TIOCGSID 0x5429
#define TTY_TIOCGPTN 0x80045430u
#define TTY_TIOCSPTLCK 0x40045431u

/* c_cc indices */
#define TTY_VINTR 0
#define TTY_VQUIT 1
#define TTY_VERASE 2
#define TTY_VKILL 3
#define TTY_VEOF 4
#define TTY_VTIME 5
#define TTY_VMIN 6
#define TTY_VSTART 8
#define TTY_VSTOP 9
#define TTY_VSUSP 10
#define TTY_VEOL 11
#define TTY_VWERASE 14
#define TTY_VLNEXT 15
#define TTY_VEOL2 16

/* c_iflag */
#define TTY_ISTRIP 0040u
#define TTY_INLCR 0100u
#define TTY_IGNCR 0200u
#define TTY_ICRNL 0400u
#define TTY_IXON 02000u
/* c_oflag */
#define TTY_OPOST 0001u
#define TTY_ONLCR 0004u
#define TTY_OCRNL 0010u
/* c_cflag */
#define TTY_B38400 0000017u
#define TTY_CS8 0000060u
#define TTY_CREAD 0000200u
#define TTY_HUPCL 0002000u
/* c_lflag */
#define TTY_ISIG 0000001u
#define TTY_ICANON 0000002u
#define TTY_ECHO 0000010u
#define TTY_ECHOE 0000020u
#define TTY_ECHOK 0000040u
#define TTY_ECHONL 0000100u
#define TTY_NOFLSH 0000200u
#define TTY_TOSTOP 0000400u
#define TTY_ECHOCTL 0001000u
#define TTY_ECHOKE 0004000u
#define TTY_IEXTEN 0100000u

/* TCFLSH */
#define TTY_TCIFLUSH 0
#define TTY_TCOFLUSH 1
#define TTY_TCIOFLUSH 2

/* poll events */
#define TTY_POLLIN 0x001u
#define TTY_POLLOUT 0x004u
#define TTY_POLLERR 0x008u
#define TTY_POLLHUP 0x010u

/* errno values posix/linux.h does not have (yet) */
#define TTY_ESRCH 3
#define TTY_ENXIO 6
#define TTY_ENOSPC 28

/* signals a terminal sends */
#define TTY_SIGHUP 1
#define TTY_SIGINT 2
#define TTY_SIGQUIT 3
#define TTY_SIGCONT 18
#define TTY_SIGTSTP 20
#define TTY_SIGTTIN 21
#define TTY_SIGTTOU 22
#define TTY_SIGWINCH 28

#endif
