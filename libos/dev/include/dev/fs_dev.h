/*
 * fs_dev.h: the device interface of the file system, H4's copy of design11.md's `struct
 * fs_dev_ops` exactly as the plan gives it (the fs part owns it, as libos/fs/include/fs/dev.h;
 * once that header is in main this one goes and the devices include it instead). A device is
 * an ops table and an opaque `dev` pointer registered under /dev; each call gets the calling
 * process's fs state and buffers in the server's (pm's) memory; -EAGAIN from read or write on a
 * blocking file means "would block" (the binding waits until the device calls fs_wake(dev)).
 *
 * Two things the shape cannot say, which /dev/ptmx and /dev/pts/N need (dev/tty_dev.c gives
 * the binding functions for them meanwhile): an open that fails (a locked slave: EIO), and an
 * open that makes a new object per file (each /dev/ptmx open is a new master).
 */
#ifndef DEV_FS_DEV_H
#define DEV_FS_DEV_H

struct fs_proc; /* one process's fs state: the fs part's */

struct fs_dev_ops {
    long (*read)(void *dev, struct fs_proc *p, void *buf, unsigned long len, int nonblock);
    long (*write)(void *dev, struct fs_proc *p, const void *buf, unsigned long len, int nonblock);
    long (*ioctl)(void *dev, struct fs_proc *p, unsigned long req, void *arg); /* arg: pm memory */
    unsigned (*poll)(void *dev);                /* POLLIN / POLLOUT / POLLHUP now */
    void (*open)(void *dev, struct fs_proc *p); /* may be NULL */
    void (*close)(void *dev);                   /* may be NULL */
};

int fs_dev_register(const char *name /* under /dev */, const struct fs_dev_ops *ops, void *dev);

/* The fs part calls it whenever an object's readiness changes (pm implements it). */
void fs_wake(const void *object);

#endif
