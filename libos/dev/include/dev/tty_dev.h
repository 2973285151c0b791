/*
 * tty_dev.h: terminals as devices (fs_dev.h) over the line discipline (libos/tty): /dev/console
 * (exo's console: dev/console.c), /dev/tty (the caller's controlling terminal), /dev/ptmx and
 * /dev/pts/N (PTY pairs). The owner of the state (pm; or, until pm serves files, one process for
 * its own console: libos/posix/console.c) supplies the process facts through struct dev_host.
 */
#ifndef DEV_TTY_DEV_H
#define DEV_TTY_DEV_H

#include <dev/fs_dev.h>
#include <tty/pty.h>
#include <tty/tty.h>

struct dev_host {
    /* the calling process as the process table knows it (pid, pgrp, sid) */
    void (*who)(struct fs_proc *p, struct tty_who *who);
    /* its controlling terminal as a device: 0 and *ops, *dev; -ENXIO if it has none */
    int (*ctty)(struct fs_proc *p, const struct fs_dev_ops **ops, void **dev);
    uint64_t (*now_ms)(void);
    void (*signal)(int pgrp, int sig);    /* to a process group (pgrp > 0) */
    int (*pgrp_check)(int pgrp, int sid); /* as tty_ops.pgrp_check; NULL: any pgrp > 0 */
    void (*wake)(const void *dev); /* a device's readiness changed (pm: fs_wake); may be NULL */
    /* job control: p, in background group pgrp, met signal sig at its terminal (tty/job.c):
     * -EIO if it ignores sig or the group is orphaned (0 for a SIGTTOU it ignores: the write
     * goes on), else sig to the group and -EAGAIN (the call waits; the group stops). NULL:
     * no job control (every call goes on) */
    long (*job)(struct fs_proc *p, int pgrp, int sig);
};

/* Sets the host for every terminal device (before the first call). */
void dev_set_host(const struct dev_host *h);
extern struct dev_host dev_host;

/* The caller as the host says (all 0 without a host). */
void dev_who(struct fs_proc *p, struct tty_who *who);

/* Job control before a call on terminal t (tty_job_check, then the host's job): 0 to go on,
 * else what the call returns (-EIO, -EAGAIN). */
long dev_tty_job(const struct tty *t, struct fs_proc *p, enum tty_job_op op);

/* exo's console as a terminal: input from cons_read (its event, bound with cons_bind, says
 * when), output through cons_write. */
struct dev_console {
    struct tty tty;
    uint64_t event;   /* the event cons_bind posts (our slot), 0 before dev_console_init */
    uint64_t wake_at; /* after a read that would block: when a VTIME timer ends (0: input only) */
    int in_server;    /* held by pm for every process: input is drained in pm's loop only */
};
extern struct dev_console dev_console;
extern const struct fs_dev_ops dev_console_ops; /* dev: &dev_console */

/* The console's discipline in its default state (before any other call). */
void dev_console_setup(void);

/* Takes exo's console input for this env (cons_bind with a new event, or with `event`, one of
 * ours we may post): 0 or a negative exo error (EXO_E_BUSY: another env holds it). */
long dev_console_init(void);
long dev_console_bind(uint64_t event);

/* Moves whatever exo's console has received into the discipline (echo, signals, lines): how
 * many bytes, or a negative exo error. Call when dev_console.event was posted. */
long dev_console_input(void);

/* /dev/tty: every call goes to the caller's controlling terminal (-ENXIO without one; its open
 * too). */
extern const struct fs_dev_ops dev_tty_ops;

/* PTYs: a pair by hand (host tests; pty_dev.c opens them through the file system), and the
 * master's and the slave's ops on a struct pty. */
long dev_ptmx_open(struct pty **out);       /* N, or -ENOSPC */
long dev_pts_open(int n, struct pty **out); /* 0, -ENXIO, -EIO (locked, hung up) */
extern const struct fs_dev_ops dev_pty_master_ops, dev_pty_slave_ops;

/* PTYs through the file system (pty_dev.c): registers /dev/ptmx, each open of which is a new
 * pair whose slave is registered as /dev/pts/N until the pair is freed. dev_pty_controls: the
 * slave controlling session sid (its TIOCSCTTY), for /dev/tty: 1 and *ops, *dev, or 0.
 * dev_pty_session_ended: the leader of sid ended, its terminal is nobody's now. */
int dev_pty_register(void);
int dev_pty_controls(int sid, const struct fs_dev_ops **ops, void **dev);
void dev_pty_session_ended(int sid);

#endif
