/*
 * pty_dev.c: PTYs through the file system. /dev/ptmx is a device whose every open makes a new
 * pair (the open_file hook of fs_dev_ops: the file's own object is the pair) and registers its
 * slave as /dev/pts/N; opening /dev/pts/N may fail (locked: EIO, hung up); the node goes when
 * the pair is freed (both sides closed). The bytes, the discipline and the hang-ups are
 * tty/pty.c's, the device calls tty_dev.c's.
 */
#include <dev/tty_dev.h>
#include <posix/linux.h>

static struct fs_dev_ops ptmx_ops, pts_ops; /* tty_dev.c's master and slave, with the hooks */

static void pts_name(char *s, int n)
{
    char d[12];
    int k = 0;
    do
        d[k++] = (char)('0' + n % 10);
    while ((n /= 10) > 0);
    s[0] = 'p', s[1] = 't', s[2] = 's', s[3] = '/';
    int i = 4;
    while (k > 0)
        s[i++] = d[--k];
    s[i] = 0;
}

/* After a close: once the pair is freed its /dev/pts/N goes. */
static void pair_gone(int n)
{
    char name[16];
    if (pty_get(n))
        return;
    pts_name(name, n);
    fs_dev_unregister(name);
}

static long ptmx_open(void *dev, struct fs_proc *p, void **file_dev)
{
    (void)dev, (void)p;
    int n = pty_open_master();
    if (n < 0)
        return n;
    struct pty *t = pty_get(n);
    char name[16];
    pts_name(name, n);
    fs_dev_unregister(name); /* (none should be left; a node must name this pair) */
    int r = fs_dev_register(name, &pts_ops, t);
    if (r < 0) {
        pty_close_master(t);
        return r;
    }
    *file_dev = t;
    return 0;
}

static void ptmx_close(void *dev)
{
    struct pty *t = dev;
    int n = t->index;
    dev_pty_master_ops.close(t);
    pair_gone(n);
}

static long pts_open(void *dev, struct fs_proc *p, void **file_dev)
{
    struct pty *t = dev;
    (void)p;
    long r = pty_open_slave(t->index); /* -EIO while locked or after the master's close */
    if (r < 0)
        return r;
    *file_dev = t;
    return 0;
}

static void pts_close(void *dev)
{
    struct pty *t = dev;
    int n = t->index;
    dev_pty_slave_ops.close(t);
    pair_gone(n);
}

int dev_pty_register(void)
{
    ptmx_ops = dev_pty_master_ops;
    ptmx_ops.open_file = ptmx_open;
    ptmx_ops.close = ptmx_close;
    pts_ops = dev_pty_slave_ops;
    pts_ops.open_file = pts_open;
    pts_ops.close = pts_close;
    return fs_dev_register("ptmx", &ptmx_ops, 0);
}

int dev_pty_controls(int sid, const struct fs_dev_ops **ops, void **dev)
{
    for (int n = 0; n < PTY_MAX; n++) {
        struct pty *t = pty_get(n);
        if (t && sid && t->tty.sid == sid) {
            *ops = &pts_ops;
            *dev = t;
            return 1;
        }
    }
    return 0;
}

void dev_pty_session_ended(int sid)
{
    for (int n = 0; n < PTY_MAX; n++) {
        struct pty *t = pty_get(n);
        if (t && sid && t->tty.sid == sid)
            t->tty.sid = t->tty.pgrp = 0; /* no longer anyone's controlling terminal */
    }
}
