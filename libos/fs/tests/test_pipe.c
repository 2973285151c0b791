/*
 * test_pipe.c: pipes and FIFOs (libos/fs/pipe.c): bytes in order around the ring, EOF when the
 * last writer goes (also through fork and exit), EPIPE and the SIGPIPE flag when the last
 * reader goes, O_NONBLOCK's EAGAIN against the blocking "would block" (p->wait set), PIPE_BUF
 * atomicity and short writes past it, fs_wake calls, poll bits, FIFO opens that wait for the
 * peer, ENXIO, FIONREAD, fstat.
 */
#include <check.h>

#include "host_hooks.h"

#include <string.h>

#define CAP (4 * 4096)

TEST_CASE(ring_order_and_wrap)
{
    struct fs_proc *p = host_proc("ring");
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(fds[0], 0);
    CHECK_EQ(fds[1], 1);
    static unsigned char out[3000], in[3000];
    unsigned seq = 0, got = 0;
    int ok = 1;
    for (int round = 0; round < 100; round++) { /* 300 KB through a 16 KB ring */
        for (int i = 0; i < 3000; i++)
            out[i] = (unsigned char)(seq + i);
        if (fs_write(p, fds[1], out, 3000) != 3000)
            ok = 0;
        seq += 3000;
        long n = fs_read(p, fds[0], in, 1000);
        long m = fs_read(p, fds[0], in + 1000, 2000);
        if (n != 1000 || m != 2000)
            ok = 0;
        for (int i = 0; i < 3000; i++)
            if (in[i] != (unsigned char)(got + i))
                ok = 0;
        got += 3000;
    }
    CHECK_EQ(ok, 1);
    char c;
    CHECK_EQ(fs_read(p, fds[1], &c, 1), -FS_EBADF);
    CHECK_EQ(fs_write(p, fds[0], &c, 1), -FS_EBADF);
    CHECK_EQ(fs_pipe2(p, fds, 0x1), -FS_EINVAL);
    fs_proc_exit(p);
}

TEST_CASE(eof_and_epipe)
{
    struct fs_proc *p = host_proc("eof");
    int fds[2];
    char buf[8];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    struct fs_proc *child = fs_proc_fork(p); /* the child holds both ends too */
    CHECK_EQ(fs_write(child, fds[1], "bye", 3), 3);
    CHECK_EQ(fs_close(p, fds[1]), 0);
    fs_proc_exit(child); /* a writer dying closes its end */
    CHECK_EQ(fs_read(p, fds[0], buf, sizeof buf), 3);
    CHECK_EQ(fs_read(p, fds[0], buf, sizeof buf), 0); /* EOF */
    CHECK_EQ(fs_poll(p, fds[0]), FS_POLLHUP);
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(fs_close(p, fds[0]), 0);
    p->sigpipe = 0;
    CHECK_EQ(fs_write(p, fds[1], "x", 0), 0); /* nothing to write: no EPIPE, no signal */
    CHECK_EQ(p->sigpipe, 0);
    CHECK_EQ(fs_write(p, fds[1], "x", 1), -FS_EPIPE);
    CHECK_EQ(p->sigpipe, 1);
    CHECK_EQ(fs_poll(p, fds[1]), FS_POLLOUT | FS_POLLWRNORM | FS_POLLERR);
    fs_proc_exit(p);
}

TEST_CASE(blocking_and_nonblocking)
{
    struct fs_proc *p = host_proc("block");
    int fds[2];
    char buf[8];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    p->wait = NULL;
    CHECK_EQ(fs_read(p, fds[0], buf, sizeof buf), -FS_EAGAIN);
    CHECK_MSG(fs_wait_object(p) != NULL, "a blocking read says what to wait on");
    const void *pipe_obj = fs_wait_object(p);
    fs_proc_cancel(p);
    CHECK_EQ(fs_fcntl(p, fds[0], FS_F_SETFL, FS_O_NONBLOCK), 0);
    CHECK_EQ(fs_read(p, fds[0], buf, sizeof buf), -FS_EAGAIN);
    CHECK_MSG(fs_wait_object(p) == NULL, "O_NONBLOCK: a real EAGAIN");
    long wakes = host_wakes;
    CHECK_EQ(fs_write(p, fds[1], "ab", 2), 2);
    CHECK_EQ(host_wakes, wakes + 1);
    CHECK_MSG(host_last_wake == pipe_obj, "the write woke the pipe's waiters");
    CHECK_EQ(fs_poll(p, fds[0]), FS_POLLIN | FS_POLLRDNORM);
    int avail = 0;
    CHECK_EQ(fs_ioctl(p, fds[0], 0x541b, &avail), 0); /* FIONREAD */
    CHECK_EQ(avail, 2);
    CHECK_EQ(fs_read(p, fds[0], buf, 1), 1);
    CHECK_EQ(host_wakes, wakes + 2); /* space appeared */
    struct fs_stat st;
    CHECK_EQ(fs_fstat(p, fds[0], &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFIFO | 0600);
    CHECK_EQ(fs_ioctl(p, fds[0], 0x5401, NULL), -FS_ENOTTY); /* TCGETS: not a terminal */
    fs_proc_exit(p);
}

TEST_CASE(pipe_buf_atomicity)
{
    struct fs_proc *p = host_proc("atomic");
    int fds[2];
    static char big[CAP + 5000], sink[CAP + 5000];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(fs_write(p, fds[1], big, CAP - 100), CAP - 100);
    p->wait = NULL;
    /* 4096 bytes do not fit in 100: nothing is written, the writer would block. */
    CHECK_EQ(fs_write(p, fds[1], big, 4096), -FS_EAGAIN);
    CHECK_MSG(p->wait != NULL, "blocking writer waits");
    CHECK_EQ(fs_poll(p, fds[1]), 0); /* less than PIPE_BUF free: not writable */
    CHECK_EQ(fs_write(p, fds[1], big, 100), 100);
    CHECK_EQ(fs_write(p, fds[1], big, 1), -FS_EAGAIN);
    CHECK_EQ(fs_read(p, fds[0], sink, CAP), CAP);
    /* Past PIPE_BUF a write may be cut: what fits goes, the caller writes the rest. */
    CHECK_EQ(fs_write(p, fds[1], big, CAP + 5000), CAP);
    CHECK_EQ(fs_read(p, fds[0], sink, 10), 10);
    CHECK_EQ(fs_write(p, fds[1], big, 5000), 10);
    fs_proc_exit(p);
}

TEST_CASE(fifo_opens)
{
    struct fs_proc *a = host_proc("fifo");
    struct fs_proc *b = fs_proc_fork(a);
    CHECK_EQ(fs_mkfifo(a, "f", 0666), 0);
    CHECK_EQ(fs_open(a, "f", FS_O_WRONLY | FS_O_NONBLOCK, 0), -FS_ENXIO); /* no reader */
    long r = fs_open(a, "f", FS_O_RDONLY | FS_O_NONBLOCK, 0);             /* never waits */
    CHECK_EQ(r, 0);
    char buf[8];
    CHECK_EQ(fs_read(a, (int)r, buf, sizeof buf), 0); /* no writer: EOF */
    long w = fs_open(b, "f", FS_O_WRONLY | FS_O_NONBLOCK, 0);
    CHECK_EQ(w, 0);
    CHECK_EQ(fs_write(b, (int)w, "hi", 2), 2);
    CHECK_EQ(fs_read(a, (int)r, buf, sizeof buf), 2);
    CHECK_EQ(fs_close(a, (int)r), 0);
    CHECK_EQ(fs_close(b, (int)w), 0);
    /* Blocking: the reader waits for a writer; the writer's open completes it. */
    a->wait = NULL;
    CHECK_EQ(fs_open(a, "f", FS_O_RDONLY, 0), -FS_EAGAIN);
    CHECK_MSG(a->wait != NULL, "the reader's open waits");
    CHECK_EQ(fs_open(a, "f", FS_O_RDONLY, 0), -FS_EAGAIN); /* called again: still no writer */
    w = fs_open(b, "f", FS_O_WRONLY, 0); /* the waiting reader counts: no wait here */
    CHECK_EQ(w, 0);
    r = fs_open(a, "f", FS_O_RDONLY, 0);
    CHECK_EQ(r, 0);
    CHECK_EQ(fs_write(b, (int)w, "yo", 2), 2);
    CHECK_EQ(fs_read(a, (int)r, buf, sizeof buf), 2);
    CHECK_EQ(fs_close(b, (int)w), 0);
    CHECK_EQ(fs_read(a, (int)r, buf, sizeof buf), 0);
    CHECK_EQ(fs_close(a, (int)r), 0);
    /* A waiting open given up (a signal) stops counting as a reader. */
    CHECK_EQ(fs_open(a, "f", FS_O_RDONLY, 0), -FS_EAGAIN);
    fs_proc_cancel(a);
    CHECK_EQ(fs_open(b, "f", FS_O_WRONLY | FS_O_NONBLOCK, 0), -FS_ENXIO);
    /* O_RDWR opens both ends at once. */
    long rw = fs_open(a, "f", FS_O_RDWR, 0);
    CHECK_EQ(rw, 0);
    CHECK_EQ(fs_write(a, (int)rw, "z", 1), 1);
    CHECK_EQ(fs_read(a, (int)rw, buf, 1), 1);
    CHECK_EQ(fs_lseek(a, (int)rw, 0, FS_SEEK_SET), -FS_ESPIPE);
    struct fs_stat st;
    CHECK_EQ(fs_fstat(a, (int)rw, &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFIFO | 0644);
    fs_proc_exit(a);
    fs_proc_exit(b);
}

TEST_CASE(poll_many)
{
    struct fs_proc *p = host_proc("pollmany");
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    struct fs_pollfd pf[4] = {
        {fds[0], FS_POLLIN, 7}, {fds[1], FS_POLLOUT, 0}, {-1, FS_POLLIN, 5}, {99, FS_POLLIN, 0}};
    CHECK_EQ(fs_poll_many(p, pf, 4), 2);
    CHECK_EQ(pf[0].revents, 0);
    CHECK_EQ(pf[1].revents, FS_POLLOUT);
    CHECK_EQ(pf[2].revents, 0); /* a negative fd is skipped */
    CHECK_EQ(pf[3].revents, FS_POLLNVAL);
    CHECK_EQ(fs_write(p, fds[1], "x", 1), 1);
    pf[1].events = 0; /* errors and hang-ups are reported even when not asked for */
    CHECK_EQ(fs_close(p, fds[0]), 0);
    CHECK_EQ(fs_poll_many(p, pf, 2), 2);
    CHECK_EQ(pf[0].revents, FS_POLLNVAL);
    CHECK_EQ(pf[1].revents, FS_POLLERR);
    fs_proc_exit(p);
}
