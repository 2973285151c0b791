/*
 * nhello.c: the app of the smallest per-app image, an ordinary C program on newlib instead of
 * musl (tessera_newlib_program): the libOS below a C library does not care which one it is.
 * Greets, uses malloc and libm, writes a file through newlib's stdio and reads it back through
 * read(2) (both reach the libOS's open/read/write), then a small benchmark: Adler-32 over
 * 4 MiB and a qsort of 20000 ints, timed in TSC ticks. Every line but the ticks is exact
 * (apps/nhello/test_nhello.py checks them).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#ifdef _NEWLIB_VERSION
#define LIBC "newlib " _NEWLIB_VERSION
#else /* the same source through tessera-cc, for comparison (docs/per-app-images.md) */
#define LIBC "musl"
#endif

#define FILE_PATH "/tmp/nhello.txt"
#define FILE_TEXT "written by newlib's stdio, read back by read(2)\n"

static uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static long usec_since(const struct timeval *t0)
{
    struct timeval t1;
    gettimeofday(&t1, NULL);
    return (t1.tv_sec - t0->tv_sec) * 1000000L + (t1.tv_usec - t0->tv_usec);
}

/* What a failed call's errno says, with its name for the ones this program expects. */
static void failed(const char *what)
{
    int e = errno;
    printf("nhello: file: %s: %s (%s)\n", what, strerror(e),
           e == ENOSYS   ? "ENOSYS: the libOS has no file calls yet"
           : e == ENOENT ? "ENOENT"
                         : "unexpected");
}

/* FILE_TEXT written to FILE_PATH with fopen/fputs/fclose, read back with open/read/close. */
static void file_roundtrip(void)
{
    FILE *f = fopen(FILE_PATH, "w");
    if (!f) {
        failed("fopen " FILE_PATH " for writing");
        return;
    }
    if (fputs(FILE_TEXT, f) < 0 || fclose(f) != 0) {
        failed("fputs/fclose " FILE_PATH);
        return;
    }
    char buf[128];
    int fd = open(FILE_PATH, O_RDONLY);
    if (fd < 0) {
        failed("open " FILE_PATH " for reading");
        return;
    }
    int n = read(fd, buf, sizeof buf - 1);
    if (n < 0) {
        failed("read " FILE_PATH);
        close(fd);
        return;
    }
    close(fd);
    buf[n] = 0;
    printf("nhello: file: wrote %u bytes to %s, read %d back: %s\n", (unsigned)strlen(FILE_TEXT),
           FILE_PATH, n, strcmp(buf, FILE_TEXT) == 0 ? "the same bytes" : "DIFFERENT bytes");
    if (unlink(FILE_PATH) != 0)
        failed("unlink " FILE_PATH);
}

/* zlib's Adler-32 (RFC 1950), continued from a. */
static uint32_t adler32(uint32_t a, const unsigned char *p, size_t n)
{
    uint32_t s1 = a & 0xffff, s2 = a >> 16;
    while (n) {
        size_t k = n < 5552 ? n : 5552; /* the most bytes before s2 can overflow */
        n -= k;
        while (k--) {
            s1 += *p++;
            s2 += s1;
        }
        s1 %= 65521;
        s2 %= 65521;
    }
    return s2 << 16 | s1;
}

static int by_value(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void bench(void)
{
    enum { BLOCK = 65536, ROUNDS = 64, INTS = 20000 };
    unsigned char *buf = malloc(BLOCK);
    int *v = malloc(INTS * sizeof *v);
    if (!buf || !v) {
        printf("nhello: bench: malloc failed\n");
        return;
    }
    for (int i = 0; i < BLOCK; i++)
        buf[i] = (unsigned char)(i * 7);
    struct timeval t0;
    gettimeofday(&t0, NULL);
    uint64_t c0 = tsc();
    uint32_t a = 1;
    for (int r = 0; r < ROUNDS; r++)
        a = adler32(a, buf, BLOCK);
    uint64_t ticks = tsc() - c0;
    printf("nhello: bench adler32: %d x %d bytes, adler32 0x%08lx, %llu TSC ticks, %ld us\n",
           ROUNDS, BLOCK, (unsigned long)a, (unsigned long long)ticks, usec_since(&t0));

    uint32_t x = 12345; /* a fixed LCG sequence: same ints every run */
    for (int i = 0; i < INTS; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = (int)(x >> 8) - (1 << 23);
    }
    gettimeofday(&t0, NULL);
    c0 = tsc();
    qsort(v, INTS, sizeof *v, by_value);
    ticks = tsc() - c0;
    int sorted = 1;
    for (int i = 1; i < INTS; i++)
        sorted &= v[i - 1] <= v[i];
    printf("nhello: bench qsort: %d ints, %s, min %d max %d, %llu TSC ticks, %ld us\n", INTS,
           sorted ? "sorted" : "NOT sorted", v[0], v[INTS - 1], (unsigned long long)ticks,
           usec_since(&t0));
    free(v);
    free(buf);
}

int main(int argc, char **argv)
{
    printf("nhello: hello from " LIBC " on the Tessera libOS: argc %d, argv[0] \"%s\"\n", argc,
           argv[0]);
    enum { N = 300000 };
    unsigned char *p = malloc(N);
    unsigned long sum = 0;
    for (int i = 0; i < N; i++)
        p[i] = (unsigned char)(i * 7);
    for (int i = 0; i < N; i++)
        sum += p[i];
    free(p);
    printf("nhello: malloc: %d bytes summed to %lu\n", N, sum);
    volatile double two = 2.0, one = 1.0, sixth = M_PI / 6; /* volatile: libm, not gcc, computes */
    printf("nhello: libm: sqrt(2) %.6f exp(1) %.6f sin(pi/6) %.3f\n", sqrt(two), exp(one),
           sin(sixth));
    file_roundtrip();
    /* newlib numbers signals as BSD does: its SIGURG (16) is Linux's SIGSTKFLT, whose default
     * ends the process; sent as Linux's SIGURG (23) it is ignored. SIGEMT has no Linux twin. */
    fflush(stdout);
    int urg = kill(getpid(), SIGURG), emt = kill(getpid(), SIGEMT);
    printf("nhello: kill: SIGURG %d, SIGEMT %d (%s)\n", urg, emt, strerror(errno));
    bench();
    printf("nhello: done\n");
    return 0;
}
