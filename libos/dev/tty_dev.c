/*
 * tty_dev.c: /dev/tty and the PTY devices (tty_dev.h): the discipline's calls with the caller's
 * identity and the clock from the host, and the host's hooks for signals and wake-ups.
 */
#include <dev/tty_dev.h>
#include <posix/linux.h>

#include <stddef.h>

struct dev_host dev_host;

static void pty_wake(struct pty *p)
{
    if (dev_host.wake)
        dev_host.wake(p);
}

static void pty_signal(int pgrp, int sig)
{
    if (dev_host.signal && pgrp > 0)
        dev_host.signal(pgrp, sig);
}

static int pty_pgrp_check(int pgrp, int sid)
{
    return dev_host.pgrp_check ? dev_host.pgrp_check(pgrp, sid) : pgrp > 0 ? 0 : -TTY_ESRCH;
}

void dev_set_host(const struct dev_host *h)
{
    static const struct pty_hooks hooks = {
        .wake = pty_wake, .signal = pty_signal, .pgrp_check = pty_pgrp_check};
    dev_host = *h;
    pty_set_hooks(&hooks);
}

void dev_who(struct fs_proc *p, struct tty_who *who)
{
    *who = (struct tty_who){0};
    if (dev_host.who)
        dev_host.who(p, who);
}

long dev_tty_job(const struct tty *t, struct fs_proc *p, enum tty_job_op op)
{
    struct tty_who w;
    dev_who(p, &w);
    int sig = tty_job_check(t, &w, op);
    return sig && dev_host.job ? dev_host.job(p, w.pgrp, sig) : 0;
}

static uint64_t now(void)
{
    return dev_host.now_ms ? dev_host.now_ms() : 0;
}

/* --- /dev/tty -------------------------------------------------------------------------------- */

static int ctty(struct fs_proc *p, const struct fs_dev_ops **ops, void **dev)
{
    return dev_host.ctty ? dev_host.ctty(p, ops, dev) : -TTY_ENXIO;
}

static long tty_read_(void *d, struct fs_proc *p, void *buf, unsigned long len, int nonblock)
{
    const struct fs_dev_ops *ops;
    void *dev;
    (void)d;
    int r = ctty(p, &ops, &dev);
    return r < 0 ? r : ops->read(dev, p, buf, len, nonblock);
}

static long tty_write_(void *d, struct fs_proc *p, const void *buf, unsigned long len, int nonblock)
{
    const struct fs_dev_ops *ops;
    void *dev;
    (void)d;
    int r = ctty(p, &ops, &dev);
    return r < 0 ? r : ops->write(dev, p, buf, len, nonblock);
}

static long tty_ioctl_(void *d, struct fs_proc *p, unsigned long req, void *arg)
{
    const struct fs_dev_ops *ops;
    void *dev;
    (void)d;
    int r = ctty(p, &ops, &dev);
    return r < 0 ? r : ops->ioctl(dev, p, req, arg);
}

/* Opening /dev/tty with no controlling terminal fails (ENXIO, as Linux): a daemon that called
 * setsid() checks this way that it has shed its terminal (Dropbear's session child does). */
static long tty_open_(void *d, struct fs_proc *p, void **file_dev)
{
    const struct fs_dev_ops *ops;
    void *dev;
    (void)d, (void)file_dev;
    int r = ctty(p, &ops, &dev);
    return r < 0 ? r : 0;
}

static unsigned tty_poll_(void *d)
{
    (void)d;
    return TTY_POLLIN | TTY_POLLOUT; /* per process: the binding polls the real terminal */
}

const struct fs_dev_ops dev_tty_ops = {.read = tty_read_,
                                       .write = tty_write_,
                                       .ioctl = tty_ioctl_,
                                       .poll = tty_poll_,
                                       .open_file = tty_open_};

/* --- PTYs ------------------------------------------------------------------------------------ */

long dev_ptmx_open(struct pty **out)
{
    int n = pty_open_master();
    if (n < 0)
        return n;
    *out = pty_get(n);
    return n;
}

long dev_pts_open(int n, struct pty **out)
{
    long r = pty_open_slave(n);
    if (r < 0)
        return r;
    *out = pty_get(n);
    return 0;
}

static long m_read(void *dev, struct fs_proc *p, void *buf, unsigned long len, int nonblock)
{
    (void)p, (void)nonblock;
    return pty_master_read(dev, buf, len);
}

static long m_write(void *dev, struct fs_proc *p, const void *buf, unsigned long len, int nonblock)
{
    (void)p, (void)nonblock;
    return pty_master_write(dev, buf, len, now());
}

static long m_ioctl(void *dev, struct fs_proc *p, unsigned long req, void *arg)
{
    struct tty_who who;
    dev_who(p, &who);
    return pty_master_ioctl(dev, &who, req, arg);
}

static unsigned m_poll(void *dev)
{
    return pty_master_poll(dev);
}

static void m_close(void *dev)
{
    pty_close_master(dev);
}

static long s_read(void *dev, struct fs_proc *p, void *buf, unsigned long len, int nonblock)
{
    uint64_t wake_at;
    struct pty *t = dev;
    long r = dev_tty_job(&t->tty, p, TTY_JOB_READ);
    return r ? r : pty_slave_read(dev, buf, len, nonblock, now(), &wake_at);
}

static long s_write(void *dev, struct fs_proc *p, const void *buf, unsigned long len, int nonblock)
{
    (void)nonblock;
    struct pty *t = dev;
    long r = dev_tty_job(&t->tty, p, TTY_JOB_WRITE);
    return r ? r : pty_slave_write(dev, buf, len);
}

static long s_ioctl(void *dev, struct fs_proc *p, unsigned long req, void *arg)
{
    struct tty_who who;
    struct pty *t = dev;
    long r = tty_job_ioctl_op(req) ? dev_tty_job(&t->tty, p, TTY_JOB_CHANGE) : 0;
    if (r) /* an ioctl does not wait: stopped, it returns EINTR once continued */
        return r == -LNX_EAGAIN ? -LNX_EINTR : r;
    dev_who(p, &who);
    return pty_slave_ioctl(dev, &who, req, arg);
}

static unsigned s_poll(void *dev)
{
    return pty_slave_poll(dev);
}

static void s_close(void *dev)
{
    pty_close_slave(dev);
}

const struct fs_dev_ops dev_pty_master_ops = {
    .read = m_read, .write = m_write, .ioctl = m_ioctl, .poll = m_poll, .close = m_close};
const struct fs_dev_ops dev_pty_slave_ops = {
    .read = s_read, .write = s_write, .ioctl = s_ioctl, .poll = s_poll, .close = s_close};
