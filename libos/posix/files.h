/*
 * files.h: the POSIX layer's file calls sent to pm (files_pm.c), for files.c, which serves them
 * in the process when pm did not make it.
 */
#ifndef POSIX_FILES_H
#define POSIX_FILES_H

#include <stdint.h>

long pmc_read(int fd, void *buf, uint64_t len);
long pmc_write(int fd, const void *buf, uint64_t len);
/* writev: len bytes from the segments in order, as one write (an O_APPEND file's one append) */
struct pmc_seg {
    const void *base;
    uint64_t len;
};
long pmc_writev(int fd, const struct pmc_seg *seg, uint64_t len);
long pmc_pread(int fd, void *buf, uint64_t len, int64_t off);
long pmc_pwrite(int fd, const void *buf, uint64_t len, int64_t off);
long pmc_openat(int dirfd, const char *path, int flags, uint32_t mode);
long pmc_fcntl(int fd, int cmd, long arg);
long pmc_ioctl(int fd, unsigned long req, void *arg);
/* stat of path (dirfd, flags) or, path NULL, of fd */
long pmc_stat(int dirfd, const char *path, void *st, int flags, int fd);
long pmc_utimensat(int dirfd, const char *path, const void *times, int flags);
long pmc_pipe2(int *fds, int flags);
/* poll: block 1 waits (a negative timeout); 0 answers now; 2 answers now and, with nothing
 * ready, has pm post the wake event at the next change (the caller waits: posix_wait_change) */
long pmc_poll(void *fds, uint64_t n, int block);
/* Waiting for readiness with a timeout (epoll.c): the TSC reading ms from now; one wait for
 * pm's next post of the wake event or the deadline (0: none), -EINTR on a signal. */
uint64_t posix_deadline_ms(long ms);
long posix_wait_change(uint64_t deadline);
/* The process's own file state, for a program pm did not make (files.c; made at first use). */
struct fs_proc;
struct fs_proc *posix_files_proc(void);
/* op with arguments only; with a path first in data; with two paths */
long pmc_fd1(unsigned op, long a0, long a1, long a2, long a3);
long pmc_path(unsigned op, const char *path, long a0, long a1, long a2, long a3);
long pmc_paths(unsigned op, const char *p1, const char *p2, long a0, long a1, long a2);
/* op whose result is that many bytes of data copied to buf (at most size) */
long pmc_out(unsigned op, const char *path, long a0, long a1, void *buf, long size);

#endif
