/*
 * ut_basic.c: the first POSIX layer's tests (usertests.h): a loop of getpid and clock_gettime
 * makes no exo call at all, counted by exo itself; clocks, TLS, memory, console fds, ENOSYS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <posix/posix.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "usertests.h"

#define LOOPS 1000

static long long ns(const struct timespec *t)
{
    return t->tv_sec * 1000000000ll + t->tv_nsec;
}

/* N x (getpid + clock_gettime) between two readings of exo's count of our calls: the second
 * reading is the only call in between. */
USERTEST(no_exo_calls)
{
    pid_t pid = getpid();
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long before = los_exo_calls();
    int bad = 0;
    long long last = ns(&t0);
    for (int i = 0; i < LOOPS; i++) {
        bad += getpid() != pid;
        bad += clock_gettime(CLOCK_MONOTONIC, &t) != 0;
        bad += ns(&t) < last || t.tv_nsec >= 1000000000;
        last = ns(&t);
    }
    long after = los_exo_calls();
    printf("    %d x (getpid + clock_gettime): %ld exo calls\n", LOOPS, after - before - 1);
    CHECK_EQ(after - before, 1);
    CHECK_EQ(bad, 0);
    CHECK_EQ(pid > 0, 1);
    return 0;
}

/* gettimeofday and time agree with CLOCK_REALTIME. */
USERTEST(realtime)
{
    struct timespec ts;
    struct timeval tv;
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &ts), 0);
    CHECK_EQ(gettimeofday(&tv, NULL), 0);
    time_t s = time(NULL);
    CHECK_EQ(tv.tv_sec >= ts.tv_sec && tv.tv_sec <= ts.tv_sec + 1, 1);
    CHECK_EQ(s >= tv.tv_sec && s <= tv.tv_sec + 1, 1);
    CHECK_EQ(clock_gettime(42, &ts), -1);
    CHECK_EQ(errno, EINVAL);
    return 0;
}

static __thread int tls_var = 42;

/* musl's thread pointer came through arch_prctl(ARCH_SET_FS) and exo's fs_set; ARCH_SET_GS and
 * ARCH_GET_GS are EINVAL. */
USERTEST(thread_pointer)
{
    CHECK_EQ(tls_var, 42);
    tls_var = 43;
    CHECK_EQ(*(volatile int *)&tls_var, 43);
    unsigned long fs = 0;
    CHECK_EQ(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs), 0);
    CHECK_EQ(fs, (unsigned long)pthread_self());
    CHECK_EQ(syscall(SYS_arch_prctl, 0x1002, 0xffff800000000000ul), -1);
    CHECK_EQ(errno, EPERM);
    /* The GS base is not the program's (the Linux runtime's fast entry uses it): refused,
     * nothing written. */
    CHECK_EQ(syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, 0x10000ul), -1);
    CHECK_EQ(errno, EINVAL);
    unsigned long gs = 7;
    CHECK_EQ(syscall(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, &gs), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(gs, 7);
    return 0;
}

USERTEST(memory)
{
    size_t n = 1 << 20;
    unsigned char *p = malloc(n);
    CHECK_EQ(p != NULL, 1);
    for (size_t i = 0; i < n; i += 4096)
        p[i] = (unsigned char)i + 1;
    for (size_t i = 0; i < n; i += 4096)
        CHECK_EQ(p[i], (unsigned char)((unsigned char)i + 1));
    free(p);
    unsigned char *m =
        mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(m != MAP_FAILED, 1);
    CHECK_EQ(m[0] | m[3 * 4096 - 1], 0); /* fresh pages are zero */
    m[5000] = 7;
    CHECK_EQ(m[5000], 7);
    CHECK_EQ(munmap(m, 3 * 4096), 0);
    CHECK_EQ(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 300, 0), MAP_FAILED);
    CHECK_EQ(errno, EBADF); /* file mappings: apps/posix/ut_shm.c */
    CHECK_EQ(munmap((void *)0x1001, 4096), -1);
    CHECK_EQ(errno, EINVAL);
    long b = syscall(SYS_brk, 0); /* musl's brk() refuses by design: the call itself */
    CHECK_EQ(syscall(SYS_brk, b + 8192), b + 8192);
    ((volatile char *)b)[8191] = 1;
    CHECK_EQ(syscall(SYS_brk, b), b);
    CHECK_EQ(syscall(SYS_brk, 0x1000), b); /* below the start: refused, break unchanged */
    CHECK_EQ(sysconf(_SC_PAGESIZE), 4096);
    return 0;
}

USERTEST(console_fds)
{
    CHECK_EQ(write(1, "    write\n", 10), 10);
    CHECK_EQ(isatty(1), 1);
    CHECK_EQ(write(5, "x", 1), -1);
    CHECK_EQ(errno, EBADF);
    char c;
    CHECK_EQ(read(0, &c, 0), 0); /* nothing asked, at once (reading the terminal: ut_tty.c) */
    CHECK_EQ(close(0), 0);
    CHECK_EQ(read(0, &c, 1), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(close(0), -1);
    CHECK_EQ(errno, EBADF);
    return 0;
}

/* An unimplemented call fails with ENOSYS (said once on the console, however often). */
USERTEST(enosys)
{
    CHECK_EQ(syscall(400), -1);
    CHECK_EQ(errno, ENOSYS);
    CHECK_EQ(syscall(400), -1);
    CHECK_EQ(errno, ENOSYS);
    CHECK_EQ(syscall(-5), -1);
    CHECK_EQ(errno, ENOSYS);
    return 0;
}
