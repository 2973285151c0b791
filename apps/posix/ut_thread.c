/*
 * ut_thread.c: threads through musl's pthreads (usertests.h): create/join with results,
 * pthread_exit, a mutex-protected counter over 4 threads, mmap and files from 4 threads at once, a
 * producer/consumer pair over condition variables, TLS per thread, tids, detached threads, timed
 * waits, rows reused, and two threads on two CPUs (the boot test libos.boot.threads-smp2 checks the
 * CPU count), and threads meeting processes: exit_group from a thread, the first thread's
 * pthread_exit, fork from a thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
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

int los_thread_count(void); /* libos/thread: threads running besides the first */

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

/* Waits (computing) until the libOS says no thread but the first runs. */
static int all_ended(void)
{
    long long end = now_ns() + 5000000000ll;
    while (los_thread_count() != 0 && now_ns() < end)
        ;
    return los_thread_count() == 0;
}

/* --- create, join, pthread_exit --- */

static void *returns_arg(void *p)
{
    return (void *)((uintptr_t)p * 10 + 1);
}

static void (*volatile thread_exit)(void *) = pthread_exit; /* (gcc: not "infinite") */

static int deep_exit(int n)
{
    if (n > 0)
        return deep_exit(n - 1) + 1; /* five frames down, then out of them all */
    thread_exit((void *)42);
    return 0;
}

static void *exits_deep(void *p)
{
    (void)p;
    deep_exit(5);
    return (void *)1; /* not reached */
}

USERTEST(thread_create_join_values)
{
    pthread_t t[3];
    for (uintptr_t i = 0; i < 3; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, returns_arg, (void *)i), 0);
    for (uintptr_t i = 0; i < 3; i++) {
        void *r = NULL;
        CHECK_EQ(pthread_join(t[i], &r), 0);
        CHECK_EQ((uintptr_t)r, i * 10 + 1);
    }
    pthread_t e;
    void *r = NULL;
    CHECK_EQ(pthread_create(&e, NULL, exits_deep, NULL), 0);
    CHECK_EQ(pthread_join(e, &r), 0);
    CHECK_EQ((uintptr_t)r, 42); /* pthread_exit's value */
    CHECK_EQ(all_ended(), 1);
    return 0;
}

/* --- a mutex-protected counter --- */

#define ADDS 20000
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static long count; /* plain: only the mutex keeps increments whole */

static void *adder(void *p)
{
    (void)p;
    for (int i = 0; i < ADDS; i++) {
        pthread_mutex_lock(&count_lock);
        long c = count;
        if (i % 512 == 0)
            sched_yield(); /* inside the section: others must wait on the futex */
        count = c + 1;
        pthread_mutex_unlock(&count_lock);
    }
    return NULL;
}

USERTEST(thread_mutex_counter_4_threads)
{
    pthread_t t[4];
    count = 0;
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, adder, NULL), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(count, 4 * ADDS);
    return 0;
}

/* --- producer / consumer over condition variables --- */

#define ITEMS 500
#define SLOTS 4
static pthread_mutex_t pc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pc_not_full = PTHREAD_COND_INITIALIZER,
                      pc_not_empty = PTHREAD_COND_INITIALIZER;
static int ring[SLOTS], ring_head, ring_count;

static void *producer(void *p)
{
    (void)p;
    for (int v = 1; v <= ITEMS; v++) {
        pthread_mutex_lock(&pc_lock);
        while (ring_count == SLOTS)
            pthread_cond_wait(&pc_not_full, &pc_lock);
        ring[(ring_head + ring_count) % SLOTS] = v;
        ring_count++;
        pthread_cond_signal(&pc_not_empty);
        pthread_mutex_unlock(&pc_lock);
    }
    return NULL;
}

static void *consumer(void *p)
{
    int *out = p;
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&pc_lock);
        while (ring_count == 0)
            pthread_cond_wait(&pc_not_empty, &pc_lock);
        out[i] = ring[ring_head];
        ring_head = (ring_head + 1) % SLOTS;
        ring_count--;
        pthread_cond_signal(&pc_not_full);
        pthread_mutex_unlock(&pc_lock);
    }
    return NULL;
}

USERTEST(thread_condvar_producer_consumer)
{
    static int got[ITEMS];
    pthread_t c, p;
    CHECK_EQ(pthread_create(&c, NULL, consumer, got), 0);
    CHECK_EQ(pthread_create(&p, NULL, producer, NULL), 0);
    CHECK_EQ(pthread_join(p, NULL), 0);
    CHECK_EQ(pthread_join(c, NULL), 0);
    for (int i = 0; i < ITEMS; i++)
        CHECK_EQ(got[i], i + 1); /* every item, once, in order */
    CHECK_EQ(ring_count, 0);
    return 0;
}

USERTEST(thread_cond_timedwait_times_out)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_nsec += 30000000; /* 30 ms */
    if (at.tv_nsec >= 1000000000) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000;
    }
    long long t0 = now_ns();
    pthread_mutex_lock(&m);
    CHECK_EQ(pthread_cond_timedwait(&cv, &m, &at), ETIMEDOUT);
    pthread_mutex_unlock(&m);
    long long waited = now_ns() - t0;
    CHECK_EQ(waited >= 25000000, 1); /* (the realtime and monotonic readings differ by ns) */
    CHECK_EQ(syscall(SYS_futex, &m, 0x80 /* FUTEX_WAIT_PRIVATE */, 12345, NULL), -1);
    CHECK_EQ(errno, EAGAIN); /* the word is not 12345 */
    return 0;
}

/* --- TLS, tids --- */

static __thread long tls_value = 7;
static __thread char tls_zeroed[64];

struct tls_report {
    long before, after;
    void *where;
    long tid;
    int zeroed;
};

static void *tls_worker(void *p)
{
    struct tls_report *r = p;
    r->before = tls_value; /* the initial image's, not another thread's */
    r->zeroed = 1;
    for (int i = 0; i < 64; i++)
        r->zeroed &= tls_zeroed[i] == 0;
    tls_value = (long)(uintptr_t)p;
    for (int i = 0; i < 64; i++)
        tls_zeroed[i] = (char)i;
    for (int i = 0; i < 20; i++)
        sched_yield(); /* others write theirs meanwhile */
    r->after = tls_value;
    r->where = (void *)&tls_value;
    r->tid = syscall(SYS_gettid);
    return NULL;
}

USERTEST(thread_tls_and_tids_distinct)
{
    struct tls_report r[4] = {0};
    pthread_t t[4];
    tls_value = 99;
    CHECK_EQ(syscall(SYS_gettid), getpid()); /* the first thread's tid is the pid */
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, tls_worker, &r[i]), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(r[i].before, 7);
        CHECK_EQ(r[i].zeroed, 1);
        CHECK_EQ(r[i].after, (long)(uintptr_t)&r[i]);
        CHECK_EQ(r[i].tid != getpid() && r[i].tid > 0, 1);
        for (int j = 0; j < i; j++) {
            CHECK_EQ(r[i].where != r[j].where, 1);
            CHECK_EQ(r[i].tid != r[j].tid, 1);
        }
    }
    CHECK_EQ(tls_value, 99); /* ours untouched */
    CHECK_EQ(tls_zeroed[5], 0);
    return 0;
}

/* --- detached threads; rows reused --- */

static sem_t detached_done;
static volatile int detached_ran;

static void *detached_worker(void *p)
{
    (void)p;
    __atomic_fetch_add(&detached_ran, 1, __ATOMIC_RELAXED);
    sem_post(&detached_done);
    return NULL; /* its stack is freed by itself (musl's __unmapself, the libOS's exit) */
}

USERTEST(thread_detached_end_alone)
{
    CHECK_EQ(sem_init(&detached_done, 0, 0), 0);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 5; i++) {
        pthread_t t;
        CHECK_EQ(pthread_create(&t, &a, detached_worker, NULL), 0);
    }
    for (int i = 0; i < 5; i++)
        CHECK_EQ(sem_wait(&detached_done), 0);
    CHECK_EQ(detached_ran, 5);
    CHECK_EQ(all_ended(), 1);
    pthread_t j;
    CHECK_EQ(pthread_create(&j, NULL, returns_arg, (void *)3), 0);
    CHECK_EQ(pthread_detach(j), 0); /* detached while it may still run */
    CHECK_EQ(all_ended(), 1);
    return 0;
}

USERTEST(thread_rows_reused)
{
    /* More threads over time than the libOS has rows (32): each row serves again once exo
     * says its thread's env is gone. */
    for (uintptr_t i = 0; i < 80; i++) {
        pthread_t t;
        void *r = NULL;
        CHECK_EQ(pthread_create(&t, NULL, returns_arg, (void *)i), 0);
        CHECK_EQ(pthread_join(t, &r), 0);
        CHECK_EQ((uintptr_t)r, i * 10 + 1);
    }
    CHECK_EQ(all_ended(), 1);
    return 0;
}

/* --- the memory layout shared by threads --- */

#define MAPS 40
static volatile int maps_ok;

/* mmap, fill with our own pattern, let the others run, check every byte, munmap: two threads
 * handed overlapping ranges would see each other's bytes. */
static void *mapper(void *p)
{
    unsigned char id = (unsigned char)(uintptr_t)p;
    for (int i = 0; i < MAPS; i++) {
        unsigned char *m =
            mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        for (int k = 0; k < 2 * 4096; k += 64)
            m[k] = (unsigned char)(id * 64 + i);
        sched_yield();
        int good = 1;
        for (int k = 0; k < 2 * 4096; k += 64)
            good &= m[k] == (unsigned char)(id * 64 + i);
        munmap(m, 2 * 4096);
        __atomic_fetch_add(&maps_ok, good, __ATOMIC_RELAXED);
    }
    return NULL;
}

USERTEST(thread_mmap_from_4_threads)
{
    pthread_t t[4];
    maps_ok = 0;
    for (uintptr_t i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, mapper, (void *)i), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(maps_ok, 4 * MAPS);
    return 0;
}

/* --- files from 4 threads at once: one pm mailbox, one call at a time --- */

#define LINES 30
#define LINE_LEN 17 /* "thread N line NN\n" */

static void *file_writer(void *p)
{
    int id = (int)(uintptr_t)p;
    char path[32], line[64];
    snprintf(path, sizeof path, "/tmp/thread%d", id);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        return (void *)1;
    for (int i = 0; i < LINES; i++) {
        int n = snprintf(line, sizeof line, "thread %d line %02d\n", id, i);
        if (write(fd, line, (size_t)n) != n)
            return (void *)2;
    }
    return close(fd) == 0 ? NULL : (void *)3;
}

USERTEST(thread_files_from_4_threads)
{
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, file_writer, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        void *r = (void *)9;
        CHECK_EQ(pthread_join(t[i], &r), 0);
        CHECK_EQ((uintptr_t)r, 0);
    }
    for (int id = 0; id < 4; id++) {
        char path[32], want[64], got[LINES * LINE_LEN + 1];
        snprintf(path, sizeof path, "/tmp/thread%d", id);
        int fd = open(path, O_RDONLY);
        CHECK_EQ(fd >= 0, 1);
        CHECK_EQ(read(fd, got, sizeof got), LINES * LINE_LEN);
        close(fd);
        unlink(path);
        for (int i = 0; i < LINES; i++) {
            snprintf(want, sizeof want, "thread %d line %02d\n", id, i);
            CHECK_EQ(memcmp(got + i * LINE_LEN, want, LINE_LEN), 0); /* every byte, in order */
        }
    }
    return 0;
}

/* --- two CPUs --- */

#define SPIN_ADDS 200000
#define SAMPLES 64
static volatile long spin_total;
static volatile unsigned cpu_seen[2][SAMPLES];
static long long spin_until;

static unsigned apic_id(void)
{
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return b >> 24;
}

/* SPIN_ADDS atomic adds, then computing until spin_until, noting the CPU now and then: no
 * libOS call that could block, so with two CPUs each thread keeps one. */
static void *spinner(void *p)
{
    int me = (int)(uintptr_t)p;
    for (int i = 0; i < SPIN_ADDS; i++) {
        __atomic_fetch_add(&spin_total, 1, __ATOMIC_RELAXED);
        if (i % (SPIN_ADDS / (SAMPLES / 2)) == 0)
            cpu_seen[me][i / (SPIN_ADDS / (SAMPLES / 2))] = apic_id();
    }
    for (int s = SAMPLES / 2; s < SAMPLES; s++) {
        while (now_ns() < spin_until - (long long)(SAMPLES - 1 - s) * 1000000)
            ;
        cpu_seen[me][s] = apic_id();
    }
    return NULL;
}

USERTEST(thread_two_cpus)
{
    pthread_t t[2];
    spin_until = now_ns() + 100000000ll; /* 100 ms */
    for (uintptr_t i = 0; i < 2; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, spinner, (void *)i), 0);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(spin_total, 2 * SPIN_ADDS);
    unsigned first = cpu_seen[0][0], other = first;
    for (int me = 0; me < 2; me++)
        for (int s = 0; s < SAMPLES; s++)
            if (cpu_seen[me][s] != first)
                other = cpu_seen[me][s];
    printf("    thread_two_cpus: ran on %d cpus\n", other == first ? 1 : 2);
    return 0;
}

/* --- threads and processes (fork and wait through pm) --- */

static void spin_ms(long long ms)
{
    long long end = now_ns() + ms * 1000000;
    while (now_ns() < end)
        ;
}

static void *exits_process(void *p)
{
    spin_ms(20);
    _exit((int)(uintptr_t)p); /* exit_group: every thread of the process ends */
}

static void *outlives_first(void *p)
{
    (void)p;
    spin_ms(50); /* the first thread has called pthread_exit by now */
    _exit(9);
}

static void *forks(void *p)
{
    (void)p;
    pid_t pid = fork();
    if (pid == 0) {
        /* The child's only thread is this one: its tid is the pid, and it makes threads. */
        pthread_t t;
        void *r = NULL;
        if (syscall(SYS_gettid) != getpid() || los_thread_count() != 0)
            _exit(20);
        if (pthread_create(&t, NULL, returns_arg, (void *)4) || pthread_join(t, &r))
            _exit(21);
        _exit((uintptr_t)r == 41 ? 7 : 22);
    }
    return (void *)(intptr_t)pid;
}

USERTEST(thread_exit_group_and_fork)
{
    int st = 0;
    /* A thread's _exit ends the process with its status, the blocked first thread too. */
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exits_process, (void *)5);
        pthread_join(t, NULL); /* never returns: the process ends first */
        _exit(30);
    }
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st) && WEXITSTATUS(st) == 5, 1);
    /* pthread_exit in the first thread while another runs: the process lives on. */
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, outlives_first, NULL);
        pthread_exit(NULL);
    }
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st) && WEXITSTATUS(st) == 9, 1);
    /* fork from a thread: the child has that thread alone, and threads of its own. */
    pthread_t f;
    void *r = NULL;
    CHECK_EQ(pthread_create(&f, NULL, forks, NULL), 0);
    CHECK_EQ(pthread_join(f, &r), 0);
    pid = (pid_t)(intptr_t)r;
    CHECK_EQ(pid > 0, 1);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(WIFEXITED(st) && WEXITSTATUS(st) == 7, 1);
    return 0;
}
