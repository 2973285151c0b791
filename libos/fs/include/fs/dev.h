/*
 * dev.h: character devices behind the VFS. A device part (the tty engineer's: the console,
 * /dev/null, ptys, ...) registers a name under /dev with its operations; the VFS makes the node
 * (S_IFCHR, 0666, a device number of its own), and an open of that node sends read, write,
 * ioctl and poll to the device. A device's read or write that cannot proceed returns -EAGAIN;
 * when `nonblock` is 0 the VFS turns that into "would block" on the device (fs_wait_object),
 * and the device calls fs_wake(dev) when it is ready again.
 */
#ifndef FS_DEV_H
#define FS_DEV_H

#include <fs/abi.h>

struct fs_proc;

struct fs_dev_ops {
    long (*read)(void *dev, struct fs_proc *p, void *buf, unsigned long len, int nonblock);
    long (*write)(void *dev, struct fs_proc *p, const void *buf, unsigned long len, int nonblock);
    long (*ioctl)(void *dev, struct fs_proc *p, unsigned long req, void *arg); /* arg: pm memory */
    unsigned (*poll)(void *dev);                /* FS_POLLIN / FS_POLLOUT / FS_POLLHUP now */
    void (*open)(void *dev, struct fs_proc *p); /* may be NULL */
    void (*close)(void *dev);                   /* may be NULL: the last close of an open */
    /* May be NULL. An open that may fail (-errno: nothing is opened) or that makes an object of
     * its own for the new file (each /dev/ptmx open is a new master): *file_dev (dev unless
     * changed) is what every other call on that file gets as dev, close included. */
    long (*open_file)(void *dev, struct fs_proc *p, void **file_dev);
};

#define FS_DEV_MAX 64
#define FS_DEV_MAJOR 240 /* Linux's "local use" block: the devices' st_rdev major */

/* Makes /dev/<name> (directories in name are made too) for the device: 0 or -errno (EEXIST,
 * ENOSPC when FS_DEV_MAX are registered, ENAMETOOLONG). May be called before fs_init (pm's
 * start): the node is made when the file system starts. */
int fs_dev_register(const char *name, const struct fs_dev_ops *ops, void *dev);
/* Removes /dev/<name>; open files of it then read and write -EIO. */
int fs_dev_unregister(const char *name);

#endif
