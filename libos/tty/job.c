/*
 * job.c: job control at a terminal, as pure code: what a process may do with a terminal that
 * is its controlling one while its group is not the foreground one (Linux's n_tty
 * job_control and tty_check_change). Reading sends SIGTTIN, writing with TOSTOP set and
 * changing the terminal (termios, the foreground group) send SIGTTOU; the owner (pm) makes
 * that -EIO when the caller ignores the signal or its group is orphaned, and otherwise sends
 * it to the caller's group and has the call wait: the group stops, and retries when continued.
 */
#include <tty/tty.h>

int tty_job_check(const struct tty *t, const struct tty_who *w, enum tty_job_op op)
{
    if (!t->sid || w->sid != t->sid || !t->pgrp || w->pgrp == t->pgrp)
        return 0; /* not its controlling terminal, or in the foreground: go on */
    switch (op) {
    case TTY_JOB_READ:
        return TTY_SIGTTIN;
    case TTY_JOB_WRITE:
        return t->tio.c_lflag & TTY_TOSTOP ? TTY_SIGTTOU : 0;
    case TTY_JOB_CHANGE:
        return TTY_SIGTTOU;
    }
    return 0;
}

int tty_job_ioctl_op(unsigned long req)
{
    switch (req) {
    case TTY_TCSETS:
    case TTY_TCSETSW:
    case TTY_TCSETSF:
    case TTY_TIOCSPGRP:
    case TTY_TCFLSH:
    case TTY_TCXONC:
    case TTY_TIOCSWINSZ:
        return 1; /* changes the terminal: SIGTTOU from the background */
    }
    return 0;
}
