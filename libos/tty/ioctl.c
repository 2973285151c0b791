/*
 * ioctl.c: the TTY ioctls on a line discipline (tty.h): termios (TCGETS, TCSETS, TCSETSW,
 * TCSETSF), the window size (TIOCGWINSZ, TIOCSWINSZ: SIGWINCH to the foreground group on a
 * change), the controlling-terminal data (TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP,
 * TIOCGSID), FIONREAD, TIOCOUTQ, TCFLSH, TCXONC and TCSBRK (output is never held back, so
 * the last two only check their argument). The checks are Linux's (drivers/tty/tty_jobctrl.c);
 * what a process's own record says (its controlling terminal) is the caller's to update.
 */
#include <posix/linux.h>
#include <tty/tty.h>

long tty_ioctl_arg_size(unsigned long req)
{
    switch (req) {
    case TTY_TCGETS:
    case TTY_TCSETS:
    case TTY_TCSETSW:
    case TTY_TCSETSF:
        return sizeof(struct tty_termios);
    case TTY_TIOCGWINSZ:
    case TTY_TIOCSWINSZ:
        return sizeof(struct tty_winsize);
    case TTY_TIOCGPGRP:
    case TTY_TIOCSPGRP:
    case TTY_TIOCGSID:
    case TTY_FIONREAD:
    case TTY_TIOCOUTQ:
    case TTY_TIOCGPTN:
    case TTY_TIOCSPTLCK:
        return 4;
    case TTY_TIOCSCTTY:
    case TTY_TIOCNOTTY:
    case TTY_TCFLSH:
    case TTY_TCXONC:
    case TTY_TCSBRK:
        return 0;
    }
    return -LNX_ENOTTY;
}

static void set_termios(struct tty *t, const struct tty_termios *n)
{
    int was_canon = (t->tio.c_lflag & TTY_ICANON) != 0;
    t->tio = *n;
    int canon = (t->tio.c_lflag & TTY_ICANON) != 0;
    if (was_canon && !canon) {
        t->commit = t->edit; /* the line being edited becomes readable as it is */
        t->ends_tail = t->ends_head;
        if (t->ops->wake && t->commit != t->tail)
            t->ops->wake(t->ctx);
    } else if (!was_canon && canon && t->commit != t->tail &&
               t->ends_head - t->ends_tail < TTY_LINES) {
        t->ends[t->ends_head++ % TTY_LINES] = t->commit; /* what was typed raw: one line */
    }
    t->timing = 0;
}

/* Is t the caller's controlling terminal? */
static int ctty_of(const struct tty *t, const struct tty_who *who)
{
    return t->sid != 0 && t->sid == who->sid;
}

static long set_pgrp(struct tty *t, const struct tty_who *who, int pgrp)
{
    if (!ctty_of(t, who))
        return -LNX_ENOTTY;
    if (pgrp < 0)
        return -LNX_EINVAL;
    int r = t->ops->pgrp_check ? t->ops->pgrp_check(t->ctx, pgrp, t->sid) : pgrp ? 0 : -TTY_ESRCH;
    if (r < 0)
        return r;
    t->pgrp = pgrp;
    return 0;
}

static long set_ctty(struct tty *t, const struct tty_who *who, long steal)
{
    if (who->sid != who->pid)
        return -LNX_EPERM; /* only a session leader acquires a controlling terminal */
    if (t->sid == who->sid)
        return 0;
    if (t->sid && !(steal == 1 && who->privileged))
        return -LNX_EPERM; /* another session's */
    t->sid = who->sid;
    t->pgrp = who->pgrp;
    return 0;
}

static long notty(struct tty *t, const struct tty_who *who)
{
    if (!ctty_of(t, who))
        return -LNX_ENOTTY;
    if (who->sid == who->pid) { /* the session leader lets go: the foreground group hears */
        if (t->pgrp) {
            t->ops->signal(t->ctx, t->pgrp, TTY_SIGHUP);
            t->ops->signal(t->ctx, t->pgrp, TTY_SIGCONT);
        }
        t->sid = t->pgrp = 0;
    }
    return 0;
}

long tty_ioctl(struct tty *t, const struct tty_who *who, unsigned long req, void *arg)
{
    long v = (long)(uintptr_t)arg; /* the requests whose argument is a value */
    if (!arg && tty_ioctl_arg_size(req) > 0)
        return -LNX_EFAULT; /* a stub that copied nothing in: never a NULL dereference */
    switch (req) {
    case TTY_TCGETS:
        *(struct tty_termios *)arg = t->tio;
        return 0;
    case TTY_TCSETSF:
        tty_flush_input(t);
        /* fallthrough */
    case TTY_TCSETS:
    case TTY_TCSETSW: /* output is written at once: nothing to drain */
        set_termios(t, arg);
        return 0;
    case TTY_TIOCGWINSZ:
        *(struct tty_winsize *)arg = t->ws;
        return 0;
    case TTY_TIOCSWINSZ: {
        const struct tty_winsize *w = arg;
        int changed = w->ws_row != t->ws.ws_row || w->ws_col != t->ws.ws_col ||
                      w->ws_xpixel != t->ws.ws_xpixel || w->ws_ypixel != t->ws.ws_ypixel;
        t->ws = *w;
        if (changed && t->pgrp)
            t->ops->signal(t->ctx, t->pgrp, TTY_SIGWINCH);
        return 0;
    }
    case TTY_TIOCGPGRP:
        if (!ctty_of(t, who))
            return -LNX_ENOTTY;
        *(int32_t *)arg = t->pgrp;
        return 0;
    case TTY_TIOCSPGRP:
        return set_pgrp(t, who, *(const int32_t *)arg);
    case TTY_TIOCGSID:
        if (!ctty_of(t, who))
            return -LNX_ENOTTY;
        *(int32_t *)arg = t->sid;
        return 0;
    case TTY_TIOCSCTTY:
        return set_ctty(t, who, v);
    case TTY_TIOCNOTTY:
        return notty(t, who);
    case TTY_FIONREAD:
        *(int32_t *)arg = (int32_t)tty_readable(t);
        return 0;
    case TTY_TIOCOUTQ:
        *(int32_t *)arg = 0; /* output leaves at once */
        return 0;
    case TTY_TCFLSH:
        if (v != TTY_TCIFLUSH && v != TTY_TCOFLUSH && v != TTY_TCIOFLUSH)
            return -LNX_EINVAL;
        if (v != TTY_TCOFLUSH)
            tty_flush_input(t);
        return 0;
    case TTY_TCXONC:
        return v >= 0 && v <= 3 ? 0 : -LNX_EINVAL; /* TCOOFF..TCION: output never stops */
    case TTY_TCSBRK:
        return 0; /* drain (arg != 0) or break: both instant here */
    }
    return -LNX_ENOTTY;
}
