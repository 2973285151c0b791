/*
 * ut_epoll.c: epoll in the guest (usertests.h), through musl and the POSIX layer into pm's
 * file layer (libos/fs/epoll.c): epoll_create/epoll_create1 and EPOLL_CLOEXEC, every
 * epoll_ctl error (EBADF, EPERM for a regular file, EINVAL, EEXIST, ENOENT, ELOOP, EFAULT),
 * epoll_wait's timeouts (0, a few ms, -1 woken by another process) and EINTR, level and edge
 * triggering, EPOLLONESHOT, hang-up and error bits, data.u64 given back exactly, pipes, FIFOs,
 * the console and /dev/null, an instance inside poll and inside another instance, interests
 * dropped at the last close of their file, the instance shared after fork, and epoll_pwait's
 * signal mask; O_APPEND writes and writevs larger than the mailbox staying whole; freed pages
 * back to exo, ENOSPC with memory to spare, RLIMIT_NOFILE, renameat2's EXCHANGE; poll and
 * select timeouts. Exact values and errno each; work under /tmp/ut_epoll.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <posix/posix.h>
#include <unistd.h>

#include "usertests.h"

static int ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, op, fd, &ev);
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A child that sleeps ms, then writes one byte to fd, and exits 0. */
static pid_t late_writer(int fd, int ms)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec ts = {0, ms * 1000000L};
        nanosleep(&ts, NULL);
        _exit(write(fd, "w", 1) == 1 ? 0 : 1);
    }
    return pid;
}

static int reaped(pid_t pid)
{
    int st = -1;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

USERTEST(epoll_create_and_ctl_errors)
{
    CHECK_ERR(syscall(SYS_epoll_create, 0), EINVAL); /* musl's epoll_create never asks */
    CHECK_ERR(epoll_create1(1), EINVAL);
    int ep = epoll_create1(EPOLL_CLOEXEC), ep2 = epoll_create(1);
    CHECK_EQ(ep >= 0 && ep2 >= 0, 1);
    CHECK_EQ(fcntl(ep, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(ep2, F_GETFD), 0);
    CHECK_EQ(fcntl(ep, F_GETFL), O_RDWR);
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    mkdir("/tmp/ut_epoll", 0777);
    int reg = open("/tmp/ut_epoll/reg", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK_EQ(reg >= 0, 1);
    CHECK_ERR(ctl(99, EPOLL_CTL_ADD, fds[0], EPOLLIN, 0), EBADF);
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, 99, EPOLLIN, 0), EBADF);
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, reg, EPOLLIN, 0), EPERM);
    CHECK_ERR(ctl(fds[0], EPOLL_CTL_ADD, fds[1], EPOLLOUT, 0), EINVAL);
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), EINVAL);
    CHECK_ERR(ctl(ep, EPOLL_CTL_MOD, fds[0], EPOLLIN, 0), ENOENT);
    CHECK_ERR(ctl(ep, EPOLL_CTL_DEL, fds[0], EPOLLIN, 0), ENOENT);
    CHECK_ERR(ctl(ep, 42, fds[0], EPOLLIN, 0), EINVAL);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], (struct epoll_event *)16), EFAULT);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, 1), 0);
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, 1), EEXIST);
    CHECK_EQ(ctl(ep2, EPOLL_CTL_ADD, ep, EPOLLIN, 2), 0);
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN, 3), ELOOP);
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], NULL), 0);
    struct epoll_event ev[4];
    CHECK_ERR(epoll_wait(ep, ev, 0, 0), EINVAL);
    CHECK_ERR(epoll_wait(99, ev, 4, 0), EBADF);
    CHECK_ERR(epoll_wait(fds[0], ev, 4, 0), EINVAL);
    CHECK_ERR(epoll_wait(ep, (struct epoll_event *)16, 4, 0), EFAULT);
    CHECK_ERR(syscall(SYS_epoll_pwait, ep, ev, 4, 0, 16, 8), EFAULT);     /* the mask */
    CHECK_ERR(syscall(SYS_epoll_pwait, ep, ev, 4, 0, &ev[0], 4), EINVAL); /* its size */
    CHECK_ERR(syscall(SYS_epoll_pwait2, ep, ev, 4, 16, NULL, 8), EFAULT); /* the timeout */
    struct timespec bad = {0, 1000000000};
    CHECK_ERR(syscall(SYS_epoll_pwait2, ep, ev, 4, &bad, NULL, 8), EINVAL);
    struct timespec zero = {0, 0};
    CHECK_EQ(syscall(SYS_epoll_pwait2, ep, ev, 4, &zero, NULL, 8), 0);
    char c;
    CHECK_ERR(read(ep, &c, 1), EINVAL);
    close(reg);
    close(fds[0]);
    close(fds[1]);
    close(ep2);
    close(ep);
    return 0;
}

USERTEST(epoll_timeouts_and_wakeup)
{
    int ep = epoll_create1(0), fds[2];
    CHECK_EQ(pipe(fds), 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, 0xfedcba9876543210ull), 0);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ(epoll_wait(ep, ev, 4, 30), 0);
    CHECK_EQ(ms_since(&t0) >= 30, 1);    /* never shorter than asked */
    pid_t pid = late_writer(fds[1], 20); /* -1 waits until another process writes */
    memset(ev, 0, sizeof ev);
    CHECK_EQ(epoll_wait(ep, ev, 4, -1), 1);
    CHECK_EQ(ev[0].events, EPOLLIN);
    CHECK_EQ(ev[0].data.u64, 0xfedcba9876543210ull);
    CHECK_EQ(reaped(pid), 1);
    char c;
    CHECK_EQ(read(fds[0], &c, 1), 1);
    pid = late_writer(fds[1], 20); /* and a timeout longer than the wait ends early */
    CHECK_EQ(epoll_wait(ep, ev, 4, 10000), 1);
    CHECK_EQ(reaped(pid), 1);
    close(fds[0]);
    close(fds[1]);
    close(ep);
    return 0;
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig)
{
    got_usr1 = sig;
}

USERTEST(epoll_wait_eintr_and_pwait_mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART; /* epoll_wait is never restarted */
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    int ep = epoll_create1(0), fds[2];
    CHECK_EQ(pipe(fds), 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, 0), 0);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        struct timespec ts = {0, 30000000};
        nanosleep(&ts, NULL);
        _exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
    }
    struct epoll_event ev[2];
    CHECK_ERR(epoll_wait(ep, ev, 2, -1), EINTR);
    CHECK_EQ(got_usr1, SIGUSR1);
    CHECK_EQ(reaped(pid), 1);
    /* SIGUSR1 blocked, epoll_pwait lets it through: EINTR, the handler runs, and the mask
     * is the blocking one again afterwards. */
    sigset_t block, none, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&none);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &block, NULL), 0);
    got_usr1 = 0;
    pid = fork();
    if (pid == 0) {
        struct timespec ts = {0, 30000000};
        nanosleep(&ts, NULL);
        _exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
    }
    CHECK_ERR(epoll_pwait(ep, ev, 2, -1, &none), EINTR);
    CHECK_EQ(got_usr1, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &now), 0);
    CHECK_EQ(sigismember(&now, SIGUSR1), 1);
    CHECK_EQ(reaped(pid), 1);
    /* Ready at once: the mask comes back too. */
    CHECK_EQ(write(fds[1], "x", 1), 1);
    CHECK_EQ(epoll_pwait(ep, ev, 2, 0, &none), 1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &now), 0);
    CHECK_EQ(sigismember(&now, SIGUSR1), 1);
    return 0;
}

USERTEST(epoll_level_edge_oneshot)
{
    int ep = epoll_create1(0), lt[2], et[2], os[2];
    CHECK_EQ(pipe(lt) | pipe(et) | pipe(os), 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, lt[0], EPOLLIN, 1), 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, et[0], EPOLLIN | EPOLLET, 2), 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, os[0], EPOLLIN | EPOLLONESHOT, 3), 0);
    CHECK_EQ(write(lt[1], "ab", 2) + write(et[1], "ab", 2) + write(os[1], "ab", 2), 6);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 3);
    uint64_t seen = 0;
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(ev[i].events, EPOLLIN);
        seen |= 1ull << ev[i].data.u64;
    }
    CHECK_EQ(seen, 0xe);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1); /* only the level-triggered one again */
    CHECK_EQ(ev[0].data.u64, 1);
    char c;
    CHECK_EQ(read(et[0], &c, 1), 1); /* a partial read is no edge */
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(ev[0].data.u64, 1);
    CHECK_EQ(write(et[1], "c", 1), 1); /* a write is */
    CHECK_EQ(write(os[1], "c", 1), 1); /* but not for a fired one-shot */
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 2);
    CHECK_EQ(ev[0].data.u64 + ev[1].data.u64, 3);
    CHECK_EQ(ctl(ep, EPOLL_CTL_MOD, os[0], EPOLLIN | EPOLLONESHOT, 4), 0); /* re-armed */
    CHECK_EQ(ctl(ep, EPOLL_CTL_DEL, lt[0], 0, 0), 0);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(ev[0].data.u64, 4);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    return 0;
}

USERTEST(epoll_hangup_error_and_close)
{
    int ep = epoll_create1(0), a[2], b[2];
    CHECK_EQ(pipe(a) | pipe(b), 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, a[0], EPOLLIN | EPOLLRDHUP, 1), 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, b[1], EPOLLOUT, 2), 0);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(ev[0].events, EPOLLOUT);
    pid_t pid = fork(); /* the writer of a dies holding it: hang-up */
    if (pid == 0)
        _exit(write(a[1], "z", 1) == 1 ? 0 : 1);
    close(a[1]);
    CHECK_EQ(reaped(pid), 1);
    close(b[0]);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 2);
    for (int i = 0; i < 2; i++) /* pipes have no RDHUP, as on Linux */
        CHECK_EQ(ev[i].events, ev[i].data.u64 == 1 ? (EPOLLIN | EPOLLHUP) : (EPOLLOUT | EPOLLERR));
    /* Interest lives with the description: a dup keeps it, the last close drops it. */
    int d = dup(a[0]);
    close(a[0]);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 2);
    close(d);
    close(b[1]);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    CHECK_EQ(pipe(a), 0); /* a new file at the old number is not the old interest */
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, a[0], EPOLLIN, 5), 0);
    return 0;
}

USERTEST(epoll_fifo_console_devices)
{
    mkdir("/tmp/ut_epoll", 0777);
    unlink("/tmp/ut_epoll/fifo");
    CHECK_EQ(mkfifo("/tmp/ut_epoll/fifo", 0600), 0);
    int r = open("/tmp/ut_epoll/fifo", O_RDONLY | O_NONBLOCK);
    int w = open("/tmp/ut_epoll/fifo", O_WRONLY | O_NONBLOCK);
    CHECK_EQ(r >= 0 && w >= 0, 1);
    int ep = epoll_create1(0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLET, 1), 0);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    CHECK_EQ(write(w, "f", 1), 1);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(ev[0].events, EPOLLIN);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    close(w);
    close(r);
    int null = open("/dev/null", O_RDWR);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, null, EPOLLIN | EPOLLOUT, 2), 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, 1, EPOLLOUT, 3), 0); /* the console: writable */
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 2);
    CHECK_EQ(ev[0].events, EPOLLIN | EPOLLOUT);
    CHECK_EQ(ev[0].data.u64, 2);
    CHECK_EQ(ev[1].events, EPOLLOUT);
    CHECK_EQ(ev[1].data.u64, 3);
    return 0;
}

USERTEST(epoll_in_poll_and_nested)
{
    int inner = epoll_create1(0), outer = epoll_create1(0), fds[2];
    CHECK_EQ(pipe(fds), 0);
    CHECK_EQ(ctl(inner, EPOLL_CTL_ADD, fds[0], EPOLLIN, 7), 0);
    CHECK_EQ(ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, 8), 0);
    struct pollfd pf = {inner, POLLIN, 0};
    CHECK_EQ(poll(&pf, 1, 0), 0);
    pid_t pid = late_writer(fds[1], 20);
    struct epoll_event ev[2];
    CHECK_EQ(epoll_wait(outer, ev, 2, -1), 1); /* woken through the inner instance */
    CHECK_EQ(ev[0].events, EPOLLIN);
    CHECK_EQ(ev[0].data.u64, 8);
    CHECK_EQ(poll(&pf, 1, 0), 1);
    CHECK_EQ(pf.revents, POLLIN);
    CHECK_EQ(epoll_wait(inner, ev, 2, 0), 1);
    CHECK_EQ(ev[0].data.u64, 7);
    CHECK_EQ(reaped(pid), 1);
    return 0;
}

USERTEST(epoll_shared_after_fork)
{
    int ep = epoll_create1(0), fds[2];
    CHECK_EQ(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) /* the child's interest is in the parent's instance too */
        _exit(ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, 0x5eed) == 0 ? 0 : 1);
    CHECK_EQ(reaped(pid), 1);
    CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, fds[0], EPOLLIN, 1), EEXIST);
    CHECK_EQ(write(fds[1], "s", 1), 1);
    struct epoll_event ev[2];
    CHECK_EQ(epoll_wait(ep, ev, 2, 0), 1);
    CHECK_EQ(ev[0].data.u64, 0x5eed);
    pid = fork(); /* and its wait sees the parent's interests */
    if (pid == 0) {
        struct epoll_event e[2];
        _exit(epoll_wait(ep, e, 2, 0) == 1 && e[0].data.u64 == 0x5eed ? 0 : 1);
    }
    CHECK_EQ(reaped(pid), 1);
    return 0;
}

/* O_APPEND writes larger than pm's mailbox stay one append each (pm reserves the whole range
 * at the first piece): a parent and a child appending records through one inherited
 * descriptor, with write and with writev, never interleave within a record; 64 KiB records,
 * then 512 KiB ones. Without the reservation usertests-smp2 sees records interleaved (the two
 * writers on two CPUs); on one CPU a writer is seldom preempted inside a record. */
#define REC_MAX (512 * 1024)
static char *rec_buf; /* mapped by the test: big buffers in .bss would be copied by every fork */

static int append_records(int fd, char base, long size, int n)
{
    for (int i = 0; i < n; i++) {
        memset(rec_buf, base + i, (size_t)size);
        if (i % 2 == 0) {
            if (write(fd, rec_buf, (size_t)size) != size)
                return 1;
        } else { /* writev with three pieces is one append too */
            struct iovec v[3] = {
                {rec_buf, 100}, {rec_buf + 100, (size_t)size - 200}, {rec_buf + size - 100, 100}};
            if (writev(fd, v, 3) != size)
                return 1;
        }
    }
    return 0;
}

/* 2n records of size bytes from two processes: each whole, each once. */
static int records_whole(long size, int n)
{
    int fd = open("/tmp/ut_epoll/log", O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0)
        _exit(append_records(fd, 'a', size, n));
    CHECK_EQ(append_records(fd, 'A', size, n), 0);
    CHECK_EQ(reaped(pid), 1);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 2 * n * size);
    int seen[64] = {0}, whole = 1;
    for (int r = 0; r < 2 * n; r++) {
        CHECK_EQ(pread(fd, rec_buf, (size_t)size, (off_t)r * size), size);
        for (long i = 1; i < size; i++)
            if (rec_buf[i] != rec_buf[0])
                whole = 0;
        int k = rec_buf[0] >= 'a' ? rec_buf[0] - 'a' + n : rec_buf[0] - 'A';
        if (k >= 0 && k < 2 * n)
            seen[k]++;
    }
    CHECK_EQ(whole, 1);
    for (int k = 0; k < 2 * n; k++)
        CHECK_EQ(seen[k], 1);
    close(fd);
    unlink("/tmp/ut_epoll/log");
    return 0;
}

USERTEST(append_big_records_stay_whole)
{
    mkdir("/tmp/ut_epoll", 0777);
    rec_buf = mmap(NULL, REC_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(rec_buf != MAP_FAILED, 1);
    CHECK_EQ(records_whole(64 * 1024, 24), 0);
    CHECK_EQ(records_whole(REC_MAX, 8), 0);
    return 0;
}

/* Pages the file layer frees go back to exo: a 4 MiB file created and deleted 50 times leaves
 * exo's free page count where it was, to within the few pages pm keeps for reuse. */
static long free_pages(void)
{
    return los_free_pages();
}

static char *mb_buf(char c) /* 1 MiB, mapped (not in .bss: every fork would copy it) */
{
    static char *mb;
    if (!mb)
        mb = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mb != MAP_FAILED)
        memset(mb, c, 1 << 20);
    return mb;
}

static int file_4m(const char *path)
{
    char *mb = mb_buf('p');
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 1;
    for (int i = 0; i < 4; i++)
        if (write(fd, mb, 1 << 20) != 1 << 20)
            return 1;
    return close(fd) != 0 || unlink(path) != 0;
}

USERTEST(fs_pages_go_back)
{
    mkdir("/tmp/ut_epoll", 0777);
    CHECK_EQ(file_4m("/tmp/ut_epoll/big"), 0); /* the first: pm's own tables settle */
    long before = free_pages();
    for (int i = 0; i < 50; i++)
        CHECK_EQ(file_4m("/tmp/ut_epoll/big"), 0);
    long after = free_pages();
    CHECK_EQ(before - after <= 8 && after - before <= 8, 1);
    return 0;
}

/* Fills /tmp until ENOSPC through an unlinked file (its pages go at the last close, even if a
 * check fails and the test's process ends): how many bytes it took, or -1. */
static long fill(void)
{
    char *mb = mb_buf('q');
    int fd = open("/tmp/ut_epoll/fill", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || unlink("/tmp/ut_epoll/fill") != 0)
        return -1;
    long total = 0, r;
    while ((r = write(fd, mb, 1 << 20)) == 1 << 20)
        total += r;
    if (r < 0) /* the last one short... */
        return -1;
    total += r;
    struct stat st;
    errno = 0;
    if (write(fd, mb, 1 << 20) != -1 || errno != ENOSPC) /* ...then none */
        return -1;
    if (fstat(fd, &st) != 0 || st.st_size != total || free_pages() < 4096 - 64)
        return -1;
    pid_t pid = fork(); /* the file system is full, memory is not */
    if (pid == 0)
        _exit(7);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 7)
        return -1;
    return close(fd) == 0 ? total : -1;
}

/* The file layer stops short of exo's last pages: filling /tmp is ENOSPC, and a fork still
 * finds memory. Closing the file gives every page back but the page tables pm keeps for the
 * range (one per 512 pages), which the next fill reuses: after it, not a page more is gone. */
USERTEST(fs_full_is_enospc)
{
    mkdir("/tmp/ut_epoll", 0777);
    CHECK_EQ(mb_buf('q') != MAP_FAILED, 1); /* its pages taken before counting */
    long before = free_pages();
    long total = fill();
    CHECK_EQ(total > (64l << 20), 1); /* most of memory went, as on a tmpfs without size= */
    long mid = free_pages(), tables = total / 4096 / 512 + 1;
    CHECK_EQ(before - mid >= 0 && before - mid <= tables + 16, 1);
    long again = fill(); /* the same, to within what pm's own pages moved meanwhile */
    CHECK_EQ(again - total <= (tables + 16) * 4096 && total - again <= 16 * 4096, 1);
    long after = free_pages();
    CHECK_EQ(mid - after <= 8 && after - mid <= 8, 1);
    return 0;
}

/* RLIMIT_NOFILE through getrlimit/setrlimit: EMFILE from open, dup, pipe and epoll_create at
 * the soft limit, EBADF from dup2 past it, EINVAL from F_DUPFD; inherited by a child. */
USERTEST(rlimit_nofile_emfile)
{
    struct rlimit rl;
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
    CHECK_EQ(rl.rlim_cur, 256);
    CHECK_EQ(rl.rlim_max, 256);
    rl.rlim_cur = 300;
    CHECK_ERR(setrlimit(RLIMIT_NOFILE, &rl), EINVAL); /* soft above hard */
    rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
    CHECK_ERR(setrlimit(RLIMIT_NOFILE, &rl), EPERM); /* past the table (Linux: nr_open) */
    int top = open("/dev/null", O_RDONLY);
    CHECK_EQ(top >= 3, 1);
    rl.rlim_cur = (rlim_t)top + 1;
    rl.rlim_max = 256;
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0); /* 0..top used: nothing more */
    CHECK_ERR(open("/dev/null", O_RDONLY), EMFILE);
    CHECK_ERR(dup(0), EMFILE);
    int fds[2];
    CHECK_ERR(pipe(fds), EMFILE);
    CHECK_ERR(epoll_create1(0), EMFILE);
    CHECK_ERR(dup2(0, top + 1), EBADF);
    CHECK_ERR(fcntl(0, F_DUPFD, top + 1), EINVAL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit c;
        _exit(getrlimit(RLIMIT_NOFILE, &c) == 0 && c.rlim_cur == (rlim_t)top + 1 &&
                      open("/dev/null", O_RDONLY) < 0 && errno == EMFILE
                  ? 0
                  : 1);
    }
    CHECK_EQ(reaped(pid), 1);
    CHECK_EQ(close(top), 0);
    CHECK_EQ(open("/dev/null", O_RDONLY), top); /* room again */
    return 0;
}

/* renameat2's RENAME_EXCHANGE swaps two names in one step; RENAME_NOREPLACE keeps the target. */
USERTEST(renameat2_exchange_noreplace)
{
    mkdir("/tmp/ut_epoll", 0777);
    int a = open("/tmp/ut_epoll/xa", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int b = open("/tmp/ut_epoll/xb", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_EQ(write(a, "a", 1) + write(b, "bb", 2), 3);
    CHECK_EQ(syscall(SYS_renameat2, AT_FDCWD, "/tmp/ut_epoll/xa", AT_FDCWD, "/tmp/ut_epoll/xb",
                     2 /* RENAME_EXCHANGE */),
             0);
    struct stat st;
    CHECK_EQ(stat("/tmp/ut_epoll/xa", &st), 0);
    CHECK_EQ(st.st_size, 2);
    CHECK_EQ(stat("/tmp/ut_epoll/xb", &st), 0);
    CHECK_EQ(st.st_size, 1);
    CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "/tmp/ut_epoll/xa", AT_FDCWD, "/tmp/ut_epoll/xb",
                      1 /* RENAME_NOREPLACE */),
              EEXIST);
    CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "/tmp/ut_epoll/xa", AT_FDCWD, "/tmp/ut_epoll/no", 2),
              ENOENT);
    CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "/tmp/ut_epoll/xa", AT_FDCWD, "/tmp/ut_epoll/xb", 3),
              EINVAL);
    close(a);
    close(b);
    return 0;
}

/* poll, ppoll, select and pselect with a timeout: never shorter than asked with nothing ready,
 * over as soon as another process makes a descriptor ready; ppoll's mask as epoll_pwait's;
 * a negative or bad timeout is EINVAL / EFAULT. */
USERTEST(poll_select_timeouts)
{
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    struct pollfd pf = {fds[0], POLLIN, 0};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ(poll(&pf, 1, 30), 0);
    CHECK_EQ(ms_since(&t0) >= 30, 1);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fds[0], &rd);
    struct timeval tv = {0, 30000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ(select(fds[0] + 1, &rd, NULL, NULL, &tv), 0);
    CHECK_EQ(ms_since(&t0) >= 30, 1);
    CHECK_EQ(FD_ISSET(fds[0], &rd), 0);
    tv.tv_usec = -1;
    CHECK_ERR(select(fds[0] + 1, &rd, NULL, NULL, &tv), EINVAL);
    struct timespec ts = {0, 30000000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ(ppoll(&pf, 1, &ts, NULL), 0);
    CHECK_EQ(ms_since(&t0) >= 30, 1);
    CHECK_ERR(syscall(SYS_ppoll, &pf, 1, 16, NULL, 8), EFAULT); /* musl's ppoll reads it */
    pid_t pid = late_writer(fds[1], 20);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ(poll(&pf, 1, 10000), 1); /* woken by the write, long before the timeout */
    CHECK_EQ(pf.revents, POLLIN);
    CHECK_EQ(ms_since(&t0) < 5000, 1);
    CHECK_EQ(reaped(pid), 1);
    char c;
    CHECK_EQ(read(fds[0], &c, 1), 1);
    pid = late_writer(fds[1], 20);
    FD_ZERO(&rd);
    FD_SET(fds[0], &rd);
    ts = (struct timespec){10, 0};
    CHECK_EQ(pselect(fds[0] + 1, &rd, NULL, NULL, &ts, NULL), 1);
    CHECK_EQ(FD_ISSET(fds[0], &rd) != 0, 1);
    CHECK_EQ(reaped(pid), 1);
    /* ppoll's mask: SIGUSR1 blocked, let through for the wait: EINTR, handler, mask back. */
    CHECK_EQ(read(fds[0], &c, 1), 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    sigset_t block, none, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&none);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &block, NULL), 0);
    got_usr1 = 0;
    pid_t parent = getpid();
    pid = fork();
    if (pid == 0) {
        struct timespec d = {0, 30000000};
        nanosleep(&d, NULL);
        _exit(kill(parent, SIGUSR1) == 0 ? 0 : 1);
    }
    CHECK_ERR(ppoll(&pf, 1, NULL, &none), EINTR);
    CHECK_EQ(got_usr1, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &now), 0);
    CHECK_EQ(sigismember(&now, SIGUSR1), 1);
    CHECK_EQ(reaped(pid), 1);
    return 0;
}
