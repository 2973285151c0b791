/*
 * ut_shm.c: mappings beyond private anonymous memory (usertests.h): MAP_SHARED memory stays
 * shared across fork (a grandchild too, munmap in one leaves the others theirs), file mappings
 * private (a copy, copy-on-write across fork) and shared (the RAM file's own pages: write(2)
 * seen through a mapping at once, stores seen by read(2), another process's mapping the same
 * bytes), SIGBUS past the file's end and after a truncate, mremap (grow in place, move,
 * shrink, MREMAP_FIXED), msync and mincore with their errors, addresses reused after munmap,
 * and shared memory given back whole after forks and unmaps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <posix/posix.h>
#include <proc/client.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usertests.h"

#define PG 4096

static int status_of(pid_t pid)
{
    int st = -1;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* A file of size bytes, byte i = i * 7 + 3. */
static int make_file(const char *path, int size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    for (int i = 0; i < size; i++) {
        unsigned char c = (unsigned char)(i * 7 + 3);
        if (write(fd, &c, 1) != 1)
            return -1;
    }
    return fd;
}

/* Parent, child and grandchild see each other's stores; a child's munmap is its own. */
USERTEST(shm_anon_shared_across_fork)
{
    volatile int *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(p != MAP_FAILED, 1);
    CHECK_EQ(p[0], 0);
    p[0] = 11;
    p[PG / 4] = 12;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = p[0] == 11 && p[PG / 4] == 12;
        p[0] = 21;
        pid_t g = fork();
        if (g == 0) {
            p[PG / 4] = 31; /* the grandchild */
            _exit(0);
        }
        int gst = status_of(g);
        ok = ok && gst == 0 && p[PG / 4] == 31;
        munmap((void *)p, 2 * PG); /* ours only */
        _exit(ok ? 0x51 : 1);
    }
    CHECK_EQ(status_of(pid), 0x51 << 8);
    CHECK_EQ(p[0], 21);
    CHECK_EQ(p[PG / 4], 31);
    p[1] = 5; /* still ours after the child's munmap */
    CHECK_EQ(p[1], 5);
    CHECK_EQ(munmap((void *)p, 2 * PG), 0);
    return 0;
}

/* The parent unmaps first: the child's mapping holds the memory. */
USERTEST(shm_anon_parent_unmaps_first)
{
    volatile int *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(p != MAP_FAILED, 1);
    int go[2];
    CHECK_EQ(pipe(go), 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        int v = p[0];
        p[0] = 99;
        _exit(v == 77 && p[0] == 99 ? 0x52 : 2);
    }
    close(go[0]);
    p[0] = 77;
    CHECK_EQ(munmap((void *)p, PG), 0);
    CHECK_EQ(write(go[1], "g", 1), 1);
    close(go[1]);
    CHECK_EQ(status_of(pid), 0x52 << 8);
    return 0;
}

/* A private file mapping: the file's bytes, zeros after its end in the last page, stores
 * private to the mapping (the file unchanged) and copy-on-write across fork. */
USERTEST(shm_file_private)
{
    int fd = make_file("/tmp/shm_priv", 5000);
    CHECK_EQ(fd >= 0, 1);
    unsigned char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK_EQ(m != MAP_FAILED, 1);
    CHECK_EQ(m[0], 3);
    CHECK_EQ(m[4999], (unsigned char)(4999 * 7 + 3));
    CHECK_EQ(m[5000], 0);
    CHECK_EQ(m[2 * PG - 1], 0);
    m[1] = 0xee;
    unsigned char c = 0;
    CHECK_EQ(pread(fd, &c, 1, 1), 1);
    CHECK_EQ(c, 10); /* the file keeps its byte */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = m[1] == 0xee;
        m[1] = 0x11;
        _exit(ok && m[1] == 0x11 ? 0x53 : 1);
    }
    CHECK_EQ(status_of(pid), 0x53 << 8);
    CHECK_EQ(m[1], 0xee);
    /* An offset: the second page of the file. */
    unsigned char *o = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, PG);
    CHECK_EQ(o != MAP_FAILED, 1);
    CHECK_EQ(o[0], (unsigned char)(PG * 7 + 3));
    CHECK_EQ(munmap(o, PG), 0);
    CHECK_EQ(munmap(m, 2 * PG), 0);
    close(fd);
    CHECK_EQ(unlink("/tmp/shm_priv"), 0);
    return 0;
}

/* MAP_SHARED of a file: write(2) by another process is in the mapping at once, stores are
 * what read(2) returns, and another process's own mapping is the same bytes. */
USERTEST(shm_file_shared)
{
    int fd = make_file("/tmp/shm_shared", 2 * PG);
    CHECK_EQ(fd >= 0, 1);
    volatile unsigned char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_EQ(m != MAP_FAILED, 1);
    CHECK_EQ(m[PG + 5], (unsigned char)((PG + 5) * 7 + 3));
    m[10] = 'M';
    unsigned char c = 0;
    CHECK_EQ(pread(fd, &c, 1, 10), 1);
    CHECK_EQ(c, 'M');
    CHECK_EQ(msync((void *)m, 2 * PG, MS_SYNC), 0);
    CHECK_EQ(msync((void *)m, PG, MS_ASYNC | MS_INVALIDATE), 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (pwrite(fd, "W", 1, PG + 1) != 1)
            _exit(1);
        int f2 = open("/tmp/shm_shared", O_RDWR);
        volatile unsigned char *n = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, f2, PG);
        if (n == MAP_FAILED)
            _exit(2);
        int ok = n[1] == 'W' && m[PG + 1] == 'W';
        n[2] = 'N'; /* through its own mapping */
        _exit(ok ? 0x54 : 3);
    }
    CHECK_EQ(status_of(pid), 0x54 << 8);
    CHECK_EQ(m[PG + 1], 'W');
    CHECK_EQ(m[PG + 2], 'N');
    CHECK_EQ(pread(fd, &c, 1, PG + 2), 1);
    CHECK_EQ(c, 'N');
    /* A read-only mapping, raised to writing (the descriptor allows it). */
    volatile unsigned char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK_EQ(r != MAP_FAILED, 1);
    CHECK_EQ(r[10], 'M');
    CHECK_EQ(mprotect((void *)r, PG, PROT_READ | PROT_WRITE), 0);
    r[11] = 'R';
    CHECK_EQ(m[11], 'R');
    CHECK_EQ(munmap((void *)r, PG), 0);
    CHECK_EQ(munmap((void *)m, 2 * PG), 0);
    CHECK_EQ(pread(fd, &c, 1, 11), 1);
    CHECK_EQ(c, 'R');
    close(fd);
    CHECK_EQ(unlink("/tmp/shm_shared"), 0);
    return 0;
}

/* The signal a child dies of touching p[off] (reading). */
static int touch_signal(volatile unsigned char *p, long off)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        (void)p[off];
        _exit(0);
    }
    int st = status_of(pid);
    return WIFSIGNALED(st) ? WTERMSIG(st) : -st;
}

/* A page past the file's end is SIGBUS, private or shared; so is a page a truncate took. */
USERTEST(shm_sigbus_past_end)
{
    int fd = make_file("/tmp/shm_bus", 100);
    CHECK_EQ(fd >= 0, 1);
    volatile unsigned char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    volatile unsigned char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK_EQ(s != MAP_FAILED && p != MAP_FAILED, 1);
    CHECK_EQ(s[99], (unsigned char)(99 * 7 + 3));
    CHECK_EQ(s[100], 0);
    CHECK_EQ(touch_signal(s, PG), SIGBUS);
    CHECK_EQ(touch_signal(p, PG + 7), SIGBUS);
    CHECK_EQ(touch_signal(p, 50), 0);
    CHECK_EQ(ftruncate(fd, 0), 0);
    CHECK_EQ(touch_signal(s, 0), SIGBUS);
    CHECK_EQ(touch_signal(p, 0), 0); /* the private copy keeps its bytes */
    CHECK_EQ(munmap((void *)s, 2 * PG), 0);
    CHECK_EQ(munmap((void *)p, 2 * PG), 0);
    close(fd);
    CHECK_EQ(unlink("/tmp/shm_bus"), 0);
    return 0;
}

/* mmap's errors on descriptors: EACCES (write-only; writable shared on read-only), ENODEV
 * (a pipe, a directory), EBADF, EINVAL (an unaligned offset). */
USERTEST(shm_mmap_errors)
{
    int fd = make_file("/tmp/shm_err", 10);
    CHECK_EQ(fd >= 0, 1);
    close(fd);
    int wo = open("/tmp/shm_err", O_WRONLY), ro = open("/tmp/shm_err", O_RDONLY);
    CHECK_EQ(wo >= 0 && ro >= 0, 1);
    errno = 0;
    CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_SHARED, wo, 0), MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wo, 0), MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    CHECK_EQ(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    void *ok = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0); /* private: fine */
    CHECK_EQ(ok != MAP_FAILED, 1);
    CHECK_EQ(munmap(ok, PG), 0);
    int pfd[2];
    CHECK_EQ(pipe(pfd), 0);
    CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_SHARED, pfd[0], 0), MAP_FAILED);
    CHECK_EQ(errno, ENODEV);
    CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pfd[0], 0), MAP_FAILED);
    CHECK_EQ(errno, ENODEV);
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dir, 0), MAP_FAILED);
    CHECK_EQ(errno, ENODEV);
    CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_SHARED, 200, 0), MAP_FAILED);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 100), MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    /* Below 64 KiB (Linux's mmap_min_addr) nothing of a program's can be: Linux's answers */
    CHECK_EQ(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), MAP_FAILED);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(mmap((void *)0xf000, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
             MAP_FAILED);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(mprotect(NULL, PG, PROT_READ), -1);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(munmap(NULL, 16 * PG), 0);
    void *low = mmap((void *)PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* a hint */
    CHECK_EQ(low != MAP_FAILED && (uintptr_t)low >= 0x10000, 1);
    CHECK_EQ(munmap(low, PG), 0);
    close(pfd[0]);
    close(pfd[1]);
    close(dir);
    close(wo);
    close(ro);
    CHECK_EQ(unlink("/tmp/shm_err"), 0);
    return 0;
}

/* The libOS's own range, 0x6f00'0000'0000 .. 0x7000'0000'0000 (LOS_LIBOS_LO/HI): to mmap and
 * friends as memory not mapped, never the program's to change. MAP_FIXED_NOREPLACE: EEXIST
 * over a mapping, the break or the image, exactly there where nothing is. A mapping just below it:
 * munmap over both takes the mapping and leaves the libOS (calls go on), mprotect over both is
 * ENOMEM and changes nothing, a MAP_FIXED or mremap into it ENOMEM, a grow in place into it too. */
USERTEST(shm_libos_range)
{
    char *lo = (char *)0x6f0000000000ull, *hi = (char *)0x700000000000ull;
    char *below = mmap(lo - 2 * PG, 2 * PG, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK_EQ(below, lo - 2 * PG);
    below[0] = 7;
    CHECK_EQ(mmap(lo - PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
             MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(below[0], 7); /* the refused MAP_FIXED unmapped nothing */
    CHECK_EQ(mmap(hi - PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
             MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(mprotect(below, 4 * PG, PROT_READ), -1);
    CHECK_EQ(errno, ENOMEM);
    below[1] = 8; /* still writable: nothing changed */
    CHECK_EQ(madvise(lo, PG, MADV_DONTNEED), -1);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(mremap(below, 2 * PG, 4 * PG, 0), MAP_FAILED); /* grow in place: into it */
    CHECK_EQ(errno, ENOMEM);
    char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(m != MAP_FAILED, 1);
    CHECK_EQ(mremap(m, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, lo + 16 * PG), MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(mremap(lo, PG, PG, MREMAP_MAYMOVE), MAP_FAILED); /* no mapping of ours there */
    CHECK_EQ(errno, EFAULT);
    /* MAP_FIXED_NOREPLACE: EEXIST over a mapping (which stays), over the break, over the
     * program's image; placed exactly where nothing is. */
    CHECK_EQ(mmap(m, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
             MAP_FAILED);
    CHECK_EQ(errno, EEXIST);
    m[0] = 5;
    char *brk_now = (char *)syscall(SYS_brk, 0); /* (musl's sbrk moves nothing) */
    char *brk_page = (char *)(((uintptr_t)brk_now + PG - 1) & ~(uintptr_t)(PG - 1));
    CHECK_EQ((char *)syscall(SYS_brk, brk_page + PG), brk_page + PG);
    CHECK_EQ(
        mmap(brk_page, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
        MAP_FAILED);
    CHECK_EQ(errno, EEXIST);
    CHECK_EQ((char *)syscall(SYS_brk, brk_now), brk_now);
    CHECK_EQ(mmap((void *)((uintptr_t)&status_of & ~(uintptr_t)(PG - 1)), PG, PROT_READ,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
             MAP_FAILED);
    CHECK_EQ(errno, EEXIST);
    char *free_at = mmap(NULL, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(munmap(free_at, 2 * PG), 0);
    CHECK_EQ(mmap(free_at + PG, PG, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
             free_at + PG);
    CHECK_EQ(munmap(free_at + PG, PG), 0);
    CHECK_EQ(munmap(m, PG), 0);
    CHECK_EQ(munmap(below, (size_t)(hi - below) + PG), 0); /* the mapping goes, the libOS stays */
    unsigned char vec;
    CHECK_EQ(mincore(below, PG, &vec), -1);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(getpid() > 0, 1);
    int p[2];
    CHECK_EQ(pipe(p), 0); /* the file layer's pages are in that range */
    CHECK_EQ(write(p[1], "ok", 2), 2);
    char buf[2];
    CHECK_EQ(read(p[0], buf, 2), 2);
    CHECK_EQ(memcmp(buf, "ok", 2), 0);
    close(p[0]);
    close(p[1]);
    return 0;
}

/* msync, mincore and mremap refuse as Linux does. */
USERTEST(shm_msync_mincore_mremap_errors)
{
    char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(p != MAP_FAILED, 1);
    CHECK_EQ(msync(p + 1, PG, MS_SYNC), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(msync(p, PG, 8), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(msync(p, PG, MS_SYNC | MS_ASYNC), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(msync(p, 4 * PG, MS_SYNC), -1); /* the fourth page is not mapped */
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(msync(p, 3 * PG, MS_ASYNC), 0);
    unsigned char vec[4] = {9, 9, 9, 9};
    CHECK_EQ(mincore(p + 1, PG, vec), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(mincore(p, 4 * PG, vec), -1);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(mincore(p, 3 * PG, vec), 0);
    CHECK_EQ(vec[0] | vec[2], 0); /* never touched: no page yet (demand paging), as Linux */
    p[0] = p[2 * PG] = 1;
    CHECK_EQ(mincore(p, 3 * PG, vec), 0);
    CHECK_EQ(vec[0] & 1, 1);
    CHECK_EQ(vec[1], 0);
    CHECK_EQ(vec[2] & 1, 1);
    CHECK_EQ(vec[3], 9);
    CHECK_EQ(mremap(p + 1, PG, 2 * PG, 0), MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(mremap(p, PG, 2 * PG, 8), MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(mremap(p, PG, 2 * PG, MREMAP_FIXED, p + 8 * PG), MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(mremap(p, 4 * PG, 5 * PG, MREMAP_MAYMOVE), MAP_FAILED); /* past the mapping */
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(munmap(p, 3 * PG), 0);
    CHECK_EQ(mremap(p, PG, 2 * PG, MREMAP_MAYMOVE), MAP_FAILED);
    CHECK_EQ(errno, EFAULT);
    return 0;
}

/* mremap: grow in place, blocked without MAYMOVE (ENOMEM), moved with it (bytes kept, the old
 * range gone), shrink, MREMAP_FIXED; a shared range moved stays shared with a child. */
USERTEST(shm_mremap)
{
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(p != MAP_FAILED, 1);
    CHECK_EQ(munmap(p, 2 * PG), 0); /* room after it */
    p = mmap(p, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(p, "first");
    strcpy(p + PG, "second");
    char *q = mremap(p, 2 * PG, 3 * PG, 0);
    if (q == MAP_FAILED) { /* something lies after it (another test's mapping) */
        CHECK_EQ(errno, ENOMEM);
    } else {
        CHECK_EQ(q, p);
        q[2 * PG] = 'x';
        CHECK_EQ(q[2 * PG + 1], 0);
        CHECK_EQ(mremap(p, 3 * PG, 2 * PG, 0), p); /* shrink */
    }
    char *block = mmap(p + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK_EQ(block, p + 2 * PG);
    CHECK_EQ(mremap(p, 2 * PG, 4 * PG, 0), MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);
    char *m = mremap(p, 2 * PG, 4 * PG, MREMAP_MAYMOVE);
    CHECK_EQ(m != MAP_FAILED && m != p, 1);
    CHECK_EQ(strcmp(m, "first"), 0);
    CHECK_EQ(strcmp(m + PG, "second"), 0);
    CHECK_EQ(m[3 * PG], 0);
    unsigned char v = 7;
    CHECK_EQ(mincore(p, PG, &v), -1); /* the old range is gone */
    CHECK_EQ(errno, ENOMEM);
    char *f = mremap(m, 4 * PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, p);
    CHECK_EQ(f, p);
    CHECK_EQ(strcmp(f, "first"), 0);
    CHECK_EQ(munmap(f, PG), 0);
    CHECK_EQ(munmap(block, PG), 0);
    /* A shared range moved: still the child's memory. */
    volatile int *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(s != MAP_FAILED, 1);
    s[0] = 1;
    char *blk = mmap((char *)s + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK_EQ(blk, (char *)s + PG);
    volatile int *t = mremap((void *)s, PG, 2 * PG, MREMAP_MAYMOVE);
    CHECK_EQ(t != MAP_FAILED && t != s, 1);
    CHECK_EQ(t[0], 1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        t[0] = 2;
        t[PG / 4] = 3;
        _exit(0x55);
    }
    CHECK_EQ(status_of(pid), 0x55 << 8);
    CHECK_EQ(t[0], 2);
    CHECK_EQ(t[PG / 4], 3);
    CHECK_EQ(munmap((void *)t, 2 * PG), 0);
    CHECK_EQ(munmap(blk, PG), 0);
    return 0;
}

/* An address munmap freed is where the next mapping of its size goes. */
USERTEST(shm_munmap_reuses_addresses)
{
    char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *b = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(a != MAP_FAILED && b != MAP_FAILED, 1);
    CHECK_EQ(munmap(a, 4 * PG), 0);
    char *c = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(c, a);
    CHECK_EQ(c[0], 0); /* fresh, zeroed */
    CHECK_EQ(munmap(b, 4 * PG), 0);
    CHECK_EQ(munmap(c, 4 * PG), 0);
    for (int i = 0; i < 2000; i++) { /* no address space used up */
        char *d = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK_EQ(d, a);
        CHECK_EQ(munmap(d, 64 * PG), 0);
    }
    return 0;
}

/* Shared memory goes back to exo whole: maps, forks and unmaps leave the free count as it was
 * (within a few pages of page tables and the file layer's own). */
USERTEST(shm_shared_memory_returned)
{
    long before = los_free_pages();
    for (int i = 0; i < 20; i++) {
        char *p = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        CHECK_EQ(p != MAP_FAILED, 1);
        memset(p, i, 64 * PG);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(p[63 * PG] == i ? 0x56 : 1);
        CHECK_EQ(status_of(pid), 0x56 << 8);
        CHECK_EQ(munmap(p, 64 * PG), 0);
    }
    long after = los_free_pages();
    CHECK_EQ(before - after < 16, 1);
    return 0;
}

/* A mapped file outlives its name; a read-only descriptor's shared mapping cannot be made
 * writable (EACCES: exo refuses the binding, pm the new lending). */
USERTEST(shm_unlinked_and_read_only)
{
    int fd = make_file("/tmp/shm_gone", PG);
    CHECK_EQ(fd >= 0, 1);
    volatile unsigned char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_EQ(m != MAP_FAILED, 1);
    close(fd);
    CHECK_EQ(unlink("/tmp/shm_gone"), 0);
    m[0] = 'u';
    CHECK_EQ(m[0], 'u');
    CHECK_EQ(m[1], 10);
    CHECK_EQ(munmap((void *)m, PG), 0);
    fd = make_file("/tmp/shm_ro", PG);
    close(fd);
    int ro = open("/tmp/shm_ro", O_RDONLY);
    volatile unsigned char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
    CHECK_EQ(r != MAP_FAILED, 1);
    CHECK_EQ(mprotect((void *)r, PG, PROT_READ | PROT_WRITE), -1);
    CHECK_EQ(errno, EACCES);
    CHECK_EQ(r[2], 17);
    CHECK_EQ(munmap((void *)r, PG), 0);
    close(ro);
    CHECK_EQ(unlink("/tmp/shm_ro"), 0);
    return 0;
}

/* pm's ops read hostile arguments: addresses in the libOS's ranges, unaligned or wrapping,
 * objects the caller does not map: each refused, nothing mapped. */
USERTEST(shm_pm_ops_refuse)
{
    char *a = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(a != MAP_FAILED, 1);
    CHECK_EQ(munmap(a, PG), 0); /* a hole pm must leave empty */
    int64_t va = (int64_t)(uintptr_t)a;
    struct pm_msg *m = proc_msg();
    const int64_t cases[][6] = {
        {-1, 0, PG, 0x6fd000000000, PROT_READ | PROT_WRITE, 0}, /* the mailbox */
        {-1, 0, PG, va + 1, PROT_READ, 0},                      /* unaligned */
        {-1, 0, 0, va, PROT_READ, 0},                           /* empty */
        {-1, 0, -PG, va, PROT_READ, 0},                         /* wraps */
        {-1, PG, PG, va, PROT_READ, 0},                         /* anonymous at an offset */
        {-2, 0, PG, va, PROT_READ, 1},                          /* not ours */
        {-2, 0, PG, va, PROT_READ, 255},
        {-2, 0, PG, va, PROT_READ, 70000},
        {-3, 0, PG, va, PROT_READ, 0},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int k = 0; k < 6; k++)
            m->a[k] = cases[i][k];
        CHECK_EQ(proc_call(PM_OP_mem_map), -EINVAL);
    }
    m->a[0] = 3;
    CHECK_EQ(proc_call(PM_OP_mem_release), -EINVAL);
    m->a[0] = 300;
    CHECK_EQ(proc_call(PM_OP_mem_file), -EBADF);
    CHECK_EQ(touch_signal((volatile unsigned char *)a, 0), SIGSEGV); /* still a hole */
    return 0;
}

/* Shared pages made PROT_NONE: a touch is SIGSEGV (not SIGBUS), mprotect brings the same
 * bytes back, still shared with a child; a shared mapping made PROT_NONE from the start too. */
USERTEST(shm_shared_prot_none)
{
    volatile char *p =
        mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(p != MAP_FAILED, 1);
    p[0] = 'a';
    CHECK_EQ(mprotect((void *)p, 2 * PG, PROT_NONE), 0);
    CHECK_EQ(touch_signal((volatile unsigned char *)p, 0), SIGSEGV);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) { /* the child raises its own view of the same page */
        if (mprotect((void *)p, PG, PROT_READ | PROT_WRITE) != 0)
            _exit(1);
        int ok = p[0] == 'a';
        p[0] = 'b';
        _exit(ok ? 0x57 : 2);
    }
    CHECK_EQ(status_of(pid), 0x57 << 8);
    CHECK_EQ(mprotect((void *)p, 2 * PG, PROT_READ), 0);
    CHECK_EQ(p[0], 'b');
    CHECK_EQ(p[PG], 0);
    CHECK_EQ(munmap((void *)p, 2 * PG), 0);
    volatile char *n = mmap(NULL, PG, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(n != MAP_FAILED, 1);
    CHECK_EQ(touch_signal((volatile unsigned char *)n, 0), SIGSEGV);
    CHECK_EQ(mprotect((void *)n, PG, PROT_READ | PROT_WRITE), 0);
    n[5] = 'n';
    CHECK_EQ(n[5], 'n');
    CHECK_EQ(munmap((void *)n, PG), 0);
    return 0;
}
