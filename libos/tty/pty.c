/*
 * pty.c: pseudo-terminal pairs (pty.h) over the line discipline: a table of PTY_MAX pairs,
 * the slave's output ring, locking, hang-ups.
 */
#include <posix/linux.h>
#include <tty/pty.h>

#include <stddef.h>

static struct pty pairs[PTY_MAX];
static struct pty_hooks hooks;

void pty_set_hooks(const struct pty_hooks *h)
{
    hooks = *h;
}

static void wake(struct pty *p)
{
    if (hooks.wake)
        hooks.wake(p);
}

/* The slave's device side: its output goes to the master's ring. */
static unsigned long slave_out(void *ctx, const char *buf, unsigned long len)
{
    struct pty *p = ctx;
    unsigned long n = 0;
    for (; n < len && p->out_head - p->out_tail < PTY_OUT; n++)
        p->out[p->out_head++ % PTY_OUT] = (uint8_t)buf[n];
    if (n)
        wake(p);
    return n;
}

static unsigned long slave_room(void *ctx)
{
    const struct pty *p = ctx;
    return PTY_OUT - (p->out_head - p->out_tail);
}

static void slave_signal(void *ctx, int pgrp, int sig)
{
    (void)ctx;
    if (hooks.signal && pgrp > 0)
        hooks.signal(pgrp, sig);
}

static void slave_wake(void *ctx)
{
    wake(ctx);
}

static int slave_pgrp_check(void *ctx, int pgrp, int sid)
{
    (void)ctx;
    return hooks.pgrp_check ? hooks.pgrp_check(pgrp, sid) : pgrp ? 0 : -TTY_ESRCH;
}

static const struct tty_ops slave_ops = {
    .out = slave_out,
    .room = slave_room,
    .signal = slave_signal,
    .wake = slave_wake,
    .pgrp_check = slave_pgrp_check,
};

int pty_open_master(void)
{
    for (int n = 0; n < PTY_MAX; n++) {
        struct pty *p = &pairs[n];
        if (p->used)
            continue;
        tty_init(&p->tty, &slave_ops, p);
        p->out_head = p->out_tail = 0;
        p->index = n;
        p->used = p->locked = p->master_open = 1;
        p->slave_ever = 0;
        p->slave_opens = 0;
        return n;
    }
    return -TTY_ENOSPC;
}

struct pty *pty_get(int n)
{
    return n >= 0 && n < PTY_MAX && pairs[n].used ? &pairs[n] : NULL;
}

long pty_open_slave(int n)
{
    struct pty *p = pty_get(n);
    if (!p)
        return -TTY_ENXIO;
    if (p->locked || !p->master_open)
        return -LNX_EIO;
    p->slave_opens++;
    p->slave_ever = 1;
    return 0;
}

static void release(struct pty *p)
{
    if (!p->master_open && !p->slave_opens)
        p->used = 0;
}

void pty_close_master(struct pty *p)
{
    p->master_open = 0;
    if (p->tty.pgrp > 0 && hooks.signal) { /* a hang-up for whoever is in the foreground */
        hooks.signal(p->tty.pgrp, TTY_SIGHUP);
        hooks.signal(p->tty.pgrp, TTY_SIGCONT);
    }
    wake(p);
    release(p);
}

void pty_close_slave(struct pty *p)
{
    if (p->slave_opens > 0)
        p->slave_opens--;
    wake(p);
    release(p);
}

long pty_master_read(struct pty *p, void *buf, unsigned long len)
{
    uint8_t *b = buf;
    unsigned long n = 0;
    for (; n < len && p->out_tail != p->out_head; n++)
        b[n] = p->out[p->out_tail++ % PTY_OUT];
    if (n) {
        wake(p); /* room for the slave's writer */
        return (long)n;
    }
    if (!len)
        return 0;
    return p->slave_ever && !p->slave_opens ? -LNX_EIO : -LNX_EAGAIN;
}

long pty_master_write(struct pty *p, const void *buf, unsigned long len, uint64_t now_ms)
{
    unsigned long n = tty_input(&p->tty, buf, len, now_ms);
    return n || !len ? (long)n : -LNX_EAGAIN;
}

long pty_master_ioctl(struct pty *p, const struct tty_who *who, unsigned long req, void *arg)
{
    if (!arg && (req == TTY_TIOCGPTN || req == TTY_TIOCSPTLCK))
        return -LNX_EFAULT;
    switch (req) {
    case TTY_TIOCGPTN:
        *(uint32_t *)arg = (uint32_t)p->index;
        return 0;
    case TTY_TIOCSPTLCK:
        p->locked = *(const int32_t *)arg != 0;
        return 0;
    case TTY_TIOCSCTTY: /* the master is no one's controlling terminal here */
    case TTY_TIOCNOTTY:
        return -LNX_ENOTTY;
    }
    return tty_ioctl(&p->tty, who, req, arg);
}

unsigned pty_master_poll(const struct pty *p)
{
    unsigned ev = 0;
    if (p->out_tail != p->out_head)
        ev |= TTY_POLLIN;
    if (p->tty.edit - p->tty.tail < TTY_BUF)
        ev |= TTY_POLLOUT;
    if (p->slave_ever && !p->slave_opens)
        ev |= TTY_POLLHUP;
    return ev;
}

long pty_slave_read(struct pty *p, void *buf, unsigned long len, int nonblock, uint64_t now_ms,
                    uint64_t *wake_at)
{
    long r = tty_read(&p->tty, buf, len, nonblock, now_ms, wake_at);
    if (r == -LNX_EAGAIN && !p->master_open) {
        *wake_at = 0;
        return 0; /* hung up: end of file */
    }
    return r;
}

long pty_slave_write(struct pty *p, const void *buf, unsigned long len)
{
    if (!p->master_open)
        return -LNX_EIO;
    return tty_write(&p->tty, buf, len);
}

long pty_slave_ioctl(struct pty *p, const struct tty_who *who, unsigned long req, void *arg)
{
    if (req == TTY_TIOCGPTN || req == TTY_TIOCSPTLCK)
        return -LNX_ENOTTY;
    return tty_ioctl(&p->tty, who, req, arg);
}

unsigned pty_slave_poll(const struct pty *p)
{
    unsigned ev = tty_poll(&p->tty);
    if (p->master_open && PTY_OUT - (p->out_head - p->out_tail) >= 2)
        ev |= TTY_POLLOUT;
    if (!p->master_open)
        ev |= TTY_POLLHUP | TTY_POLLIN;
    return ev;
}
