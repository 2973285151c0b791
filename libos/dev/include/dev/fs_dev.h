/*
 * fs_dev.h: the file system's device interface, where the devices take it from: the fs part's
 * `struct fs_dev_ops`, `fs_dev_register` (fs/dev.h) and `fs_wake` (fs/fs.h). A device is an ops
 * table and an opaque pointer registered under /dev; -EAGAIN from read or write on a blocking
 * file means "would block", and the device calls fs_wake(dev) when it is ready again.
 * An open that fails (a locked slave: EIO) or makes a new object per file (each /dev/ptmx
 * open is a new master) is the ops' open_file (dev/pty_dev.c).
 */
#ifndef DEV_FS_DEV_H
#define DEV_FS_DEV_H

#include <fs/dev.h>
#include <fs/fs.h>

#endif
