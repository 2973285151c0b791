/*
 * tty.h: a terminal's line discipline as pure code (no exo, no libc): input processing,
 * canonical editing with echo, signals from ^C ^\ ^Z, VMIN/VTIME reads, output processing,
 * termios and the controlling-terminal data behind the TTY ioctls. The owner (the console
 * device, a PTY pair) supplies the device side and the clock; whoever holds the state (pm, or
 * one process for its own console) serializes calls: nothing here locks or blocks.
 *
 * Errors are negative Linux errno values; -EAGAIN means "would block": the caller waits for
 * input (the owner's wake callback) or until the deadline tty_read names, then calls again.
 */
#ifndef TTY_TTY_H
#define TTY_TTY_H

#include <tty/termios.h>

#include <stdint.h>

#define TTY_BUF 4096 /* input held, the line being edited included (Linux's N_TTY_BUF_SIZE) */
#define TTY_LINES 64 /* complete lines (or ends of file) waiting to be read */

struct tty;

/* What the owner supplies. ctx is tty.ctx. */
struct tty_ops {
    /* The device's output (echo and written bytes, already processed): how many it took. */
    unsigned long (*out)(void *ctx, const char *buf, unsigned long len);
    /* How many bytes out would take now; NULL: always all of them. */
    unsigned long (*room)(void *ctx);
    /* ISIG: send sig to process group pgrp (the foreground one; 0 if none is set). */
    void (*signal)(void *ctx, int pgrp, int sig);
    /* Input became readable (a line, a byte, an end of file): wake a blocked reader. May be NULL.
     */
    void (*wake)(void *ctx);
    /* TIOCSPGRP: 0 if pgrp is a process group of session sid, -ESRCH if there is no such group,
     * -EPERM if it is another session's. NULL: any pgrp > 0 is one of sid's. */
    int (*pgrp_check)(void *ctx, int pgrp, int sid);
};

/* The caller of an ioctl, as the process table knows it. */
struct tty_who {
    int pid, pgrp, sid;
    int privileged; /* may take a terminal that is another session's (TIOCSCTTY arg 1) */
};

struct tty {
    struct tty_termios tio;
    struct tty_winsize ws;
    const struct tty_ops *ops;
    void *ctx;
    int sid, pgrp; /* the session it controls (0: none) and its foreground process group */
    /* input: [tail, commit) readable, [commit, edit) the line being edited; free-running */
    uint32_t tail, commit, edit;
    uint32_t ends[TTY_LINES]; /* canonical: where each complete line ends (absolute) */
    uint32_t ends_head, ends_tail;
    uint8_t buf[TTY_BUF];
    uint8_t lnext;  /* the last byte was VLNEXT: the next one is taken literally */
    uint8_t timing; /* VMIN 0, VTIME > 0: a read's timer runs since `timer` */
    uint64_t timer;
    uint64_t last_in; /* when input last arrived (ms), for VMIN > 0 with VTIME */
};

/* A terminal in Linux's default state (tty_std_termios: canonical, echo, ISIG, ICRNL, ONLCR,
 * ^C ^\ DEL ^U ^D ^Z ^W ^V), 80x25 unless the owner changes ws. */
void tty_init(struct tty *t, const struct tty_ops *ops, void *ctx);

/* Job control (job.c): a process `w` about to read, write or change terminal t. 0: go on;
 * else the signal (TTY_SIGTTIN, TTY_SIGTTOU) its group gets because it is in the background of
 * its controlling terminal (the owner makes it -EIO if ignored or the group is orphaned).
 * tty_job_ioctl_op: 1 if ioctl req changes the terminal (TTY_JOB_CHANGE). */
enum tty_job_op { TTY_JOB_READ, TTY_JOB_WRITE, TTY_JOB_CHANGE };
int tty_job_check(const struct tty *t, const struct tty_who *w, enum tty_job_op op);
int tty_job_ioctl_op(unsigned long req);

/* Input from the device (the keyboard side) at time now_ms: processed, edited, echoed. Returns
 * how many bytes it took: fewer than len only when the buffer is full in non-canonical mode
 * (a PTY master's writer then waits); a full canonical line drops what does not fit. */
unsigned long tty_input(struct tty *t, const void *buf, unsigned long len, uint64_t now_ms);

/* A read of up to len bytes at time now_ms. Canonical: one line at most (its end included);
 * 0 for an end of file (^D at a line start). Non-canonical: VMIN/VTIME as POSIX says. Returns
 * the count, 0, or -EAGAIN (nothing yet: *wake_at is the time (ms) to call again, 0 if only
 * input will do). nonblock: never wait for a timer (-EAGAIN when nothing is there). */
long tty_read(struct tty *t, void *buf, unsigned long len, int nonblock, uint64_t now_ms,
              uint64_t *wake_at);

/* A write: output processing (OPOST: ONLCR, OCRNL) to the device. The count taken (whole input
 * bytes only), or -EAGAIN if the device took none. */
long tty_write(struct tty *t, const void *buf, unsigned long len);

/* POLLIN if a read would not block (a line in canonical mode, any byte otherwise). */
unsigned tty_poll(const struct tty *t);

/* Bytes a read could return now (FIONREAD). */
unsigned long tty_readable(const struct tty *t);

/* Drops unread input (TCIFLUSH, TCSETSF, a signal without NOFLSH). */
void tty_flush_input(struct tty *t);

/* An ioctl on the terminal from `who`. arg points to tty_ioctl_arg_size(req) bytes in the
 * caller's (the server's) memory, or carries the value itself when that size is 0. 0 or a
 * value >= 0, else -errno (-ENOTTY for requests a TTY does not know). */
long tty_ioctl(struct tty *t, const struct tty_who *who, unsigned long req, void *arg);

/* How many bytes req's argument has (copied in and out by a client stub): 0 for requests
 * whose argument is a plain value, -ENOTTY for requests a TTY does not know. */
long tty_ioctl_arg_size(unsigned long req);

#endif
