/*
 * pty.h: pseudo-terminals as pure code. A pair is a master (/dev/ptmx opens a new one) and a
 * slave (/dev/pts/N) with one line discipline (tty.h) between them: bytes the master writes
 * are the slave's keyboard input, bytes the slave writes (after output processing) and its
 * echo are what the master reads. A new pair's slave is locked until TIOCSPTLCK(0) (musl's
 * unlockpt); TIOCGPTN gives N (ptsname). Hang-ups as Linux: once the master has closed, the
 * slave reads 0 and writes fail with EIO; once a slave was open and all have closed, master
 * reads fail with EIO. A pair is freed when both sides have closed.
 */
#ifndef TTY_PTY_H
#define TTY_PTY_H

#include <tty/tty.h>

#define PTY_MAX 16   /* pairs */
#define PTY_OUT 4096 /* slave output the master has not read */

struct pty {
    struct tty tty; /* the slave's discipline; termios ioctls on either side act on it */
    uint8_t out[PTY_OUT];
    uint32_t out_head, out_tail; /* free-running */
    int index;
    uint8_t used, locked, master_open, slave_ever;
    int slave_opens;
};

/* What the owner (pm) supplies for every pair; any may be NULL. */
struct pty_hooks {
    void (*wake)(struct pty *p); /* either side's readiness changed */
    void (*signal)(int pgrp, int sig);
    int (*pgrp_check)(int pgrp, int sid); /* as tty_ops.pgrp_check */
};

void pty_set_hooks(const struct pty_hooks *h);

/* /dev/ptmx: a new pair, its master open: N, or -ENOSPC when all PTY_MAX are taken. */
int pty_open_master(void);

/* The pair N if it is in use, else NULL. */
struct pty *pty_get(int n);

/* /dev/pts/N: 0, -ENXIO (no pair N), -EIO (locked, or its master has closed). */
long pty_open_slave(int n);

void pty_close_master(struct pty *p);
void pty_close_slave(struct pty *p);

long pty_master_read(struct pty *p, void *buf, unsigned long len); /* n, -EAGAIN, -EIO */
long pty_master_write(struct pty *p, const void *buf, unsigned long len, uint64_t now_ms);
long pty_master_ioctl(struct pty *p, const struct tty_who *who, unsigned long req, void *arg);
unsigned pty_master_poll(const struct pty *p);

long pty_slave_read(struct pty *p, void *buf, unsigned long len, int nonblock, uint64_t now_ms,
                    uint64_t *wake_at);
long pty_slave_write(struct pty *p, const void *buf, unsigned long len);
long pty_slave_ioctl(struct pty *p, const struct tty_who *who, unsigned long req, void *arg);
unsigned pty_slave_poll(const struct pty *p);

#endif
