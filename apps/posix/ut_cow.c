/*
 * ut_cow.c: fork by copy-on-write (usertests.h): each side writes its own copy, a child
 * outlives its parent with all its memory, a fork copies (almost) nothing until a page is
 * written (counted exactly by the libOS's counters, proc/cow_counts.h), a write to a read-only page
 * stays SIGSEGV with SEGV_ACCERR, PROT_NONE pages cross fork with their bytes, vfork's parent
 * waits until its child execs or exits, and a thread writing while another forks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <proc/cow_counts.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "usertests.h"

#define PG 4096
#define NPAGES 1024 /* 4 MiB touched */

static int data_word = 11; /* the program's data: shared copy-on-write (libos/eager.ld) */

/* n pages of fresh anonymous memory, each page's words set to seed + page number. */
static uint64_t *area(long n, uint64_t seed)
{
    uint64_t *a =
        mmap(NULL, (size_t)n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return NULL;
    for (long p = 0; p < n; p++)
        for (int w = 0; w < PG / 8; w += 64)
            a[p * (PG / 8) + w] = seed + (uint64_t)p;
    return a;
}

/* Pages of a whose words hold seed + page number (all n: n). */
static long holds(const uint64_t *a, long n, uint64_t seed)
{
    long ok = 0;
    for (long p = 0; p < n; p++) {
        int good = 1;
        for (int w = 0; w < PG / 8; w += 64)
            good &= a[p * (PG / 8) + w] == seed + (uint64_t)p;
        ok += good;
    }
    return ok;
}

static void fill(uint64_t *a, long n, uint64_t seed)
{
    for (long p = 0; p < n; p++)
        for (int w = 0; w < PG / 8; w += 64)
            a[p * (PG / 8) + w] = seed + (uint64_t)p;
}

static void sleep_ms(long ms)
{
    struct timespec t = {0, ms * 1000000};
    nanosleep(&t, NULL);
}

static int exit_status(pid_t pid)
{
    int st = -1;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* After fork, parent and child each write the same pages and read back their own bytes; the
 * data segment, the heap and the stack are each side's own. */
USERTEST(cow_parent_and_child_write_their_own)
{
    uint64_t *a = area(16, 100);
    char *heap = malloc(64);
    char stack[64];
    CHECK_EQ(a != NULL && heap != NULL, 1);
    strcpy(heap, "heap before");
    strcpy(stack, "stack before");
    data_word = 11;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fill(a, 8, 200); /* the first half: ours now */
        strcpy(heap, "heap child");
        strcpy(stack, "stack child");
        data_word = 22;
        int ok = holds(a, 8, 200) == 8 && holds(a + 8 * PG / 8, 8, 108) == 8 &&
                 strcmp(heap, "heap child") == 0 && strcmp(stack, "stack child") == 0 &&
                 data_word == 22;
        _exit(ok ? 0x41 : 1);
    }
    CHECK_EQ(pid > 0, 1);
    fill(a, 4, 300); /* while the child may still map them */
    strcpy(heap, "heap parent");
    CHECK_EQ(exit_status(pid), 0x41 << 8);
    CHECK_EQ(holds(a, 4, 300), 4);
    CHECK_EQ(holds(a + 4 * PG / 8, 12, 104), 12); /* the child's writes never reached us */
    CHECK_EQ(strcmp(heap, "heap parent"), 0);
    CHECK_EQ(strcmp(stack, "stack before"), 0);
    CHECK_EQ(data_word, 11);
    munmap(a, 16 * PG);
    free(heap);
    return 0;
}

/* The parent ends first: the child still reads and writes all its memory (its pages were
 * the parent's, shared; exo keeps them for the child, their last mapper). */
USERTEST(cow_child_outlives_its_parent)
{
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    fflush(stdout);
    pid_t mid = fork();
    if (mid == 0) { /* the parent under test */
        close(fds[0]);
        uint64_t *a = area(64, 500);
        char stack[32];
        strcpy(stack, "on the stack");
        if (!a)
            _exit(2);
        pid_t pid = fork();
        if (pid == 0) {
            for (int i = 0; i < 5000 && getppid() != 1; i++)
                sleep_ms(1); /* until our parent has ended (we are init's) */
            char r = getppid() != 1                  ? 'p'
                     : holds(a, 64, 500) != 64       ? 'r'
                     : strcmp(stack, "on the stack") ? 's'
                                                     : 0;
            if (!r) {
                fill(a, 64, 900);
                r = holds(a, 64, 900) == 64 ? 'k' : 'w';
            }
            write(fds[1], &r, 1);
            _exit(0);
        }
        _exit(pid > 0 ? 0 : 3);
    }
    close(fds[1]);
    CHECK_EQ(exit_status(mid), 0);
    char r = 0;
    CHECK_EQ(read(fds[0], &r, 1), 1);
    CHECK_EQ(r, 'k');
    close(fds[0]);
    return 0;
}

/* A fork of a process with 4 MiB touched shares those pages and copies none of them: it
 * copies exactly as many pages at once as a fork without them, and shares exactly 1024 more.
 * The child's writes copy each page once (the parent still maps them); after the child ends
 * the parent's writes take each page back without a copy. Exact counts, from the libOS's. */
USERTEST(cow_fork_copies_nothing_until_written)
{
    struct proc_cow_counts c0, c1, c2, c3, s0, s1;
    proc_cow_counts(&c0);
    fflush(stdout);
    pid_t pid = fork(); /* the baseline: what a fork costs without the 4 MiB */
    if (pid == 0)
        _exit(0x42);
    proc_cow_counts(&c1);
    CHECK_EQ(exit_status(pid), 0x42 << 8);
    uint64_t *a = area(NPAGES, 7);
    CHECK_EQ(a != NULL, 1);
    proc_cow_counts(&c2);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        proc_cow_counts(&s0);
        fill(a, NPAGES, 8);
        proc_cow_counts(&s1);
        int ok = s1.copied - s0.copied == NPAGES && s1.taken == s0.taken &&
                 holds(a, NPAGES, 8) == NPAGES;
        if (!ok)
            printf("    child: copied %llu taken %llu\n", s1.copied - s0.copied,
                   s1.taken - s0.taken);
        _exit(ok ? 0x42 : 1);
    }
    CHECK_EQ(pid > 0, 1);
    proc_cow_counts(&c3);
    printf("    fork: %llu pages shared, %llu copied at once\n", c1.shared - c0.shared,
           c1.eager - c0.eager);
    CHECK_EQ(c3.eager - c2.eager, c1.eager - c0.eager);              /* not one more copied */
    CHECK_EQ(c3.shared - c2.shared, c1.shared - c0.shared + NPAGES); /* all 4 MiB shared */
    CHECK_EQ(exit_status(pid), 0x42 << 8);
    CHECK_EQ(holds(a, NPAGES, 7), NPAGES);
    proc_cow_counts(&s0);
    fill(a, NPAGES, 9);
    proc_cow_counts(&s1);
    CHECK_EQ(s1.taken - s0.taken, NPAGES); /* the child is gone: ours again, no copy */
    CHECK_EQ(s1.copied - s0.copied, 0);
    CHECK_EQ(holds(a, NPAGES, 9), NPAGES);
    CHECK_EQ(munmap(a, NPAGES * PG), 0);
    return 0;
}

static void *volatile segv_addr;
static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (sig == SIGSEGV && si->si_code == SEGV_ACCERR && si->si_addr == segv_addr)
        _exit(0x43);
    printf("    signal %d code %d addr %p (wrote %p)\n", sig, si->si_code, si->si_addr,
           (void *)segv_addr);
    fflush(stdout);
    _exit(1);
}

static int write_faults(volatile char *p)
{
    struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
    sigaction(SIGSEGV, &sa, NULL);
    segv_addr = (void *)(uintptr_t)p;
    *p = 1;
    return 2; /* the write went through */
}

/* A write to a page that is read-only in the program (mapped so, or its text) is still
 * SIGSEGV with SEGV_ACCERR after fork, in the child and in the parent; copy-on-write never
 * makes it writable. */
USERTEST(cow_read_only_stays_read_only)
{
    char *ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *wr = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(ro != MAP_FAILED && wr != MAP_FAILED, 1);
    wr[0] = 5;
    fflush(stdout);
    pid_t c1 = fork();
    if (c1 == 0)
        _exit(write_faults(ro));
    pid_t c2 = fork();
    if (c2 == 0)
        _exit(write_faults((volatile char *)(uintptr_t)&write_faults)); /* text: shared */
    pid_t c3 = fork();
    if (c3 == 0) { /* made read-only after fork: sharing ends first, the write faults */
        if (mprotect(wr, PG, PROT_READ) != 0 || wr[0] != 5)
            _exit(3);
        _exit(write_faults(wr));
    }
    CHECK_EQ(exit_status(c1), 0x43 << 8);
    CHECK_EQ(exit_status(c2), 0x43 << 8);
    CHECK_EQ(exit_status(c3), 0x43 << 8);
    pid_t c4 = fork(); /* and in the parent after its fork */
    if (c4 == 0)
        _exit(0);
    CHECK_EQ(exit_status(c4), 0);
    wr[0] = 6; /* still writable here */
    CHECK_EQ(wr[0], 6);
    munmap(ro, PG);
    munmap(wr, PG);
    return 0;
}

/* PROT_NONE pages keep their bytes across fork, in the child's own copy. */
USERTEST(cow_prot_none_crosses_fork)
{
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(p != MAP_FAILED, 1);
    strcpy(p, "kept while none");
    strcpy(p + PG, "second page");
    CHECK_EQ(mprotect(p, 2 * PG, PROT_NONE), 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (mprotect(p, 2 * PG, PROT_READ | PROT_WRITE) != 0)
            _exit(2);
        int ok = strcmp(p, "kept while none") == 0 && strcmp(p + PG, "second page") == 0;
        strcpy(p, "child wrote");
        _exit(ok ? 0x44 : 1);
    }
    CHECK_EQ(exit_status(pid), 0x44 << 8);
    CHECK_EQ(mprotect(p, 2 * PG, PROT_READ), 0);
    CHECK_EQ(strcmp(p, "kept while none"), 0); /* the child's write was its copy's */
    CHECK_EQ(strcmp(p + PG, "second page"), 0);
    CHECK_EQ(munmap(p, 2 * PG), 0);
    return 0;
}

/* vfork: the parent resumes only once the child has exited, or exec'd. The child, asleep
 * first, writes a byte to a pipe before it exits or execs: the parent finds it there at once,
 * and an exited child already waitable with WNOHANG. */
USERTEST(cow_vfork_parent_waits)
{
    int fds[2];
    CHECK_EQ(pipe2(fds, O_NONBLOCK), 0);
    fflush(stdout);
    pid_t pid = vfork(); /* musl's, through the libOS's SYS_vfork */
    if (pid == 0) {
        sleep_ms(30);
        write(fds[1], "x", 1);
        _exit(7);
    }
    CHECK_EQ(pid > 0, 1);
    char c = 0;
    CHECK_EQ(read(fds[0], &c, 1), 1);
    CHECK_EQ(c, 'x');
    int st = -1;
    CHECK_EQ(waitpid((pid_t)pid, &st, WNOHANG), pid);
    CHECK_EQ(st, 7 << 8);

    pid_t parent = getpid();
    pid = vfork();
    if (pid == 0) {
        char me[16], dad[16];
        snprintf(me, sizeof me, "%d", (int)getpid());
        snprintf(dad, sizeof dad, "%d", (int)parent);
        char *argv[] = {"usertests", "--exec-check", me, dad, "two words", "", NULL};
        char *envp[] = {"FOO=bar", "EMPTY=", NULL};
        sleep_ms(30);
        write(fds[1], "y", 1);
        execve("/usertests", argv, envp);
        _exit(100 + errno);
    }
    CHECK_EQ(pid > 0, 1);
    CHECK_EQ(read(fds[0], &c, 1), 1);
    CHECK_EQ(c, 'y');
    CHECK_EQ(exit_status((pid_t)pid), 0x33 << 8);
    close(fds[0]);
    close(fds[1]);
    return 0;
}

static uint64_t *busy_area;
static volatile int busy_stop;
static volatile uint64_t busy_rounds;

static void *busy_writer(void *arg)
{
    (void)arg;
    for (uint64_t r = 1; !busy_stop; r++) {
        for (long p = 0; p < 32; p++)
            busy_area[p * (PG / 8)] = r;
        busy_rounds = r;
    }
    return NULL;
}

/* A thread writes pages while another forks, again and again: its write faults (while the
 * fork shares, and after) are answered safely, each child sees whole pages of one snapshot,
 * and the writer's last round is in every page. */
USERTEST(cow_thread_writes_while_forking)
{
    busy_area = area(32, 0);
    CHECK_EQ(busy_area != NULL, 1);
    busy_stop = 0;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, busy_writer, NULL), 0);
    while (busy_rounds < 2)
        sched_yield();
    for (int i = 0; i < 4; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            uint64_t lo = busy_area[0], hi = lo;
            for (long p = 0; p < 32; p++) { /* a round was in progress: two values at most */
                uint64_t v = busy_area[p * (PG / 8)];
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            int ok = hi >= 1 && hi - lo <= 1;
            fill(busy_area, 32, 77); /* and the child's own writes stay its own */
            ok &= holds(busy_area, 32, 77) == 32;
            _exit(ok ? 0x45 : 1);
        }
        CHECK_EQ(exit_status(pid), 0x45 << 8);
    }
    busy_stop = 1;
    CHECK_EQ(pthread_join(t, NULL), 0);
    uint64_t last = busy_rounds;
    for (long p = 0; p < 32; p++)
        CHECK_EQ(busy_area[p * (PG / 8)], last);
    munmap(busy_area, 32 * PG);
    return 0;
}
