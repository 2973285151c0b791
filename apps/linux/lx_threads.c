/*
 * lx_threads.c: POSIX threads in an unmodified Linux binary (built with musl-gcc -static as
 * lx_threads and with glibc's gcc -static -pthread as lx_gthreads): four threads each sum a
 * range and keep a thread-local count, wait for each other at a mutex + condition variable
 * barrier, return their sums through pthread_join (one by pthread_exit); their tids differ
 * from each other's and the process's; a tgkill reaches the one thread it names; a timed
 * wait times out; a detached thread ends on its own; four threads contend for one mutex while
 * making calls of their own. Then it forks (a process that has had threads: the child has one)
 * and the child execs itself twice, `lx_threads calls N` with TESSERA_LINUX_STATS=1, N = 0
 * then 1000: four threads each make N getpid and N gettid calls; the runtime's exit reports
 * (libos/linux/tests/linux_boot_test.py) show every one of them direct, none trapped, though
 * the process has threads. Every line is exact, so the guest's output must be the host's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define THREADS 4
#define SPAN 250000ull

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int arrived, detached_done, sleeper_ready;
static pid_t tids[THREADS];
static __thread uint64_t local_count = 7; /* every thread starts with its initial value */
static uint64_t counts[THREADS];
static volatile pid_t handler_tid;

static pid_t my_tid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

static void on_usr1(int n)
{
    (void)n;
    handler_tid = my_tid();
}

static void *work(void *arg)
{
    int k = (int)(intptr_t)arg;
    tids[k] = my_tid();
    pthread_mutex_lock(&lock);
    if (++arrived == THREADS)
        pthread_cond_broadcast(&cond);
    while (arrived < THREADS)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    uint64_t sum = 0;
    for (uint64_t i = k * SPAN; i < (k + 1) * SPAN; i++) {
        sum += i;
        local_count++;
    }
    counts[k] = local_count;
    if (k == 2) { /* waits for main's tgkill, sleeping: the signal ends a sleep of its own */
        pthread_mutex_lock(&lock);
        sleeper_ready = 1;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
        while (!handler_tid) {
            struct timespec ts = {0, 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (k == 3)
        pthread_exit((void *)(uintptr_t)sum);
    return (void *)(uintptr_t)sum;
}

#define ROUNDS 20000
static long shared;
static int calls_ok[THREADS];

/* Contention: every round takes the mutex (futex waits and wakes when another holds it); every
 * 100th makes a call of its own (each thread's calls go through its own runtime stack). */
static void *contend(void *arg)
{
    int k = (int)(intptr_t)arg, ok = 1;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        shared++;
        pthread_mutex_unlock(&lock);
        if (i % 100 == 0)
            ok &= my_tid() == tids[k] && getppid() > 0;
    }
    calls_ok[k] = ok;
    return NULL;
}

static void *contend_start(void *arg)
{
    tids[(intptr_t)arg] = my_tid();
    return contend(arg);
}

static void *detached(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    detached_done = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static long ncalls;

static void *caller(void *arg)
{
    (void)arg;
    long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid), ok = tid != pid;
    for (long i = 0; i < ncalls; i++)
        ok &= syscall(SYS_getpid) == pid && syscall(SYS_gettid) == tid;
    return (void *)ok;
}

/* `lx_threads calls N`: four threads, N getpid and N gettid calls each. */
static int calls(long n)
{
    ncalls = n;
    pthread_t th[THREADS];
    long ok = 0;
    for (int k = 0; k < THREADS; k++)
        pthread_create(&th[k], NULL, caller, NULL);
    for (int k = 0; k < THREADS; k++) {
        void *r = NULL;
        pthread_join(th[k], &r);
        ok += (long)r;
    }
    printf("calls %ld: right in %ld threads\n", n, ok);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "calls") == 0)
        return calls(atol(argv[2]));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t th[THREADS];
    for (int k = 0; k < THREADS; k++)
        if (pthread_create(&th[k], NULL, work, (void *)(intptr_t)k) != 0) {
            printf("pthread_create %d failed\n", k);
            return 1;
        }
    pthread_mutex_lock(&lock);
    while (!sleeper_ready)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    printf("tgkill: %d\n", (int)syscall(SYS_tgkill, getpid(), tids[2], SIGUSR1));
    uint64_t total = 0;
    for (int k = 0; k < THREADS; k++) {
        void *r;
        int e = pthread_join(th[k], &r);
        printf("thread %d: join %d sum %llu local %llu\n", k, e, (unsigned long long)(uintptr_t)r,
               (unsigned long long)counts[k]);
        total += (uintptr_t)r;
    }
    printf("total %llu (want %llu)\n", (unsigned long long)total,
           (unsigned long long)(THREADS * SPAN * (THREADS * SPAN - 1) / 2));
    printf("main's local %llu\n", (unsigned long long)local_count);
    int distinct = 1;
    for (int i = 0; i < THREADS; i++) {
        distinct &= tids[i] > 0 && tids[i] != getpid();
        for (int j = 0; j < i; j++)
            distinct &= tids[i] != tids[j];
    }
    printf("tids distinct: %d; main's tid is the pid: %d\n", distinct, my_tid() == getpid());
    printf("SIGUSR1 ran in thread 2: %d\n", handler_tid == tids[2]);

    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_t d;
    int e = pthread_create(&d, &at, detached, NULL);
    pthread_mutex_lock(&lock);
    while (!detached_done)
        pthread_cond_wait(&cond, &lock);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 50 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    int t = pthread_cond_timedwait(&cond, &lock, &until);
    pthread_mutex_unlock(&lock);
    printf("detached: create %d, ran %d; timed wait: %s\n", e, detached_done,
           t == ETIMEDOUT ? "ETIMEDOUT" : strerror(t));

    for (int k = 0; k < THREADS; k++)
        pthread_create(&th[k], NULL, contend_start, (void *)(intptr_t)k);
    int joined = 0, ok = 0;
    for (int k = 0; k < THREADS; k++) {
        joined += pthread_join(th[k], NULL) == 0;
        ok += calls_ok[k];
    }
    printf("contention: joined %d, counter %ld (want %d), calls right in %d\n", joined, shared,
           THREADS * ROUNDS, ok);

    fflush(stdout);
    pid_t c = fork();
    if (c == 0) { /* the child of a threaded process: one thread, the forking one */
        for (int k = 0; k < 2; k++) {
            fflush(stdout);
            pid_t g = fork();
            if (g == 0) {
                char *args[] = {"lx_threads", "calls", k ? "1000" : "0", NULL};
                char *env[] = {"TESSERA_LINUX_STATS=1", NULL};
                execve("/proc/self/exe", args, env);
                perror("execve");
                _exit(127);
            }
            int st = 0;
            printf("calls child: waitpid %d, ", waitpid(g, &st, 0) == g);
            printf("exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
        fflush(stdout);
        _exit(0);
    }
    int st = 0;
    printf("forked child: waitpid %d, exit %d\n", waitpid(c, &st, 0) == c,
           WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    return 0;
}
