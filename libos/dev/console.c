/*
 * console.c: exo's console as a terminal device (tty_dev.h). Output leaves through cons_write;
 * exo's serial console turns "\n" into "\r\n" itself, so the "\r" of the discipline's ONLCR
 * is left out here (a program sees ONLCR set, as on Linux, and the wire carries one "\r").
 * Input is exo's console input (cons_read), which one env at a time holds: the holder's
 * cons_bind event says when bytes came.
 */
#include <dev/tty_dev.h>
#include <los/los.h>
#include <posix/linux.h>

struct dev_console dev_console;

/* One cons_write per chunk, each "\r\n" written as "\n": exo writes it as "\r\n" again, so the
 * wire carries exactly what the discipline produced. */
static unsigned long out(void *ctx, const char *buf, unsigned long len)
{
    char chunk[256];
    unsigned long n = 0;
    (void)ctx;
    for (unsigned long i = 0; i < len; i++) {
        if (!(buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))
            chunk[n++] = buf[i];
        if (n == sizeof chunk || i + 1 == len) {
            exo_cons_write((uint64_t)chunk, n);
            n = 0;
        }
    }
    return len;
}

static void con_signal(void *ctx, int pgrp, int sig)
{
    (void)ctx;
    if (dev_host.signal)
        dev_host.signal(pgrp, sig);
}

static void con_wake(void *ctx)
{
    if (dev_host.wake)
        dev_host.wake(ctx);
}

static int con_pgrp_check(void *ctx, int pgrp, int sid)
{
    (void)ctx;
    return dev_host.pgrp_check ? dev_host.pgrp_check(pgrp, sid) : pgrp > 0 ? 0 : -TTY_ESRCH;
}

static const struct tty_ops con_ops = {
    .out = out, .signal = con_signal, .wake = con_wake, .pgrp_check = con_pgrp_check};

void dev_console_setup(void)
{
    tty_init(&dev_console.tty, &con_ops, &dev_console);
}

long dev_console_bind(uint64_t event)
{
    int64_t r = exo_cons_bind(event);
    if (r < 0)
        return r;
    dev_console.event = event;
    return 0;
}

long dev_console_init(void)
{
    int64_t ev = exo_event_create();
    return ev < 0 ? ev : dev_console_bind((uint64_t)ev);
}

long dev_console_input(void)
{
    static char buf[256];
    long total = 0;
    int64_t n;
    while ((n = exo_cons_read((uint64_t)buf, sizeof buf)) > 0) {
        uint64_t t = dev_host.now_ms ? dev_host.now_ms() : 0;
        tty_input(&dev_console.tty, buf, (unsigned long)n, t); /* full: the rest is dropped */
        total += n;
    }
    return n < 0 ? n : total;
}

static long c_read(void *dev, struct fs_proc *p, void *buf, unsigned long len, int nonblock)
{
    struct dev_console *c = dev;
    long j = dev_tty_job(&c->tty, p, TTY_JOB_READ);
    if (j)
        return j;
    if (!c->in_server)
        dev_console_input(); /* whatever came since the last post (pm drains in its loop) */
    uint64_t t = dev_host.now_ms ? dev_host.now_ms() : 0;
    long r = tty_read(&c->tty, buf, len, nonblock, t, &c->wake_at);
    if (r == -LNX_EAGAIN && c->wake_at && c->in_server)
        return 0; /* pm has no timer to end a VTIME wait: it ends at once (docs) */
    return r;
}

static long c_write(void *dev, struct fs_proc *p, const void *buf, unsigned long len, int nonblock)
{
    struct dev_console *c = dev;
    (void)nonblock;
    long j = dev_tty_job(&c->tty, p, TTY_JOB_WRITE);
    return j ? j : tty_write(&c->tty, buf, len);
}

static long c_ioctl(void *dev, struct fs_proc *p, unsigned long req, void *arg)
{
    struct dev_console *c = dev;
    struct tty_who who;
    long j = tty_job_ioctl_op(req) ? dev_tty_job(&c->tty, p, TTY_JOB_CHANGE) : 0;
    if (j) /* an ioctl does not wait: stopped, it returns EINTR once continued */
        return j == -LNX_EAGAIN ? -LNX_EINTR : j;
    dev_who(p, &who);
    return tty_ioctl(&c->tty, &who, req, arg);
}

static unsigned c_poll(void *dev)
{
    struct dev_console *c = dev;
    return tty_poll(&c->tty) | TTY_POLLOUT;
}

const struct fs_dev_ops dev_console_ops = {
    .read = c_read, .write = c_write, .ioctl = c_ioctl, .poll = c_poll};
