/*
 * test_futex.c: the futex wait queues (libos/thread/futex.c) on the host, with host threads
 * as the waiters and a semaphore per token as their wake event: EAGAIN on a changed word,
 * oldest-first wakes of exactly n, only the word's own waiters, timeouts that leave nothing
 * queued, requeue, and a futex mutex over 4 threads counting exactly.
 */
#include <check.h>

#include <posix/linux.h>
#include <thread/futex.h>

#include <pthread.h>
#include <semaphore.h>
#include <time.h>
#include <unistd.h>

#define NTOKENS 8
static sem_t sems[NTOKENS];

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int block(uint64_t token, uint64_t deadline)
{
    if (!deadline) {
        sem_wait(&sems[token]);
        return 0;
    }
    if (now_ns() >= deadline)
        return -LNX_ETIMEDOUT;
    if (sem_trywait(&sems[token]) != 0)
        usleep(100);
    return 0;
}

static void post(uint64_t token)
{
    sem_post(&sems[token]);
}

static void relax(void)
{
    sched_yield();
}

static struct futex_table table = {.block = block, .post = post, .relax = relax, .now = now_ns};

static void reset(void)
{
    table = (struct futex_table){.block = block, .post = post, .relax = relax, .now = now_ns};
    for (int i = 0; i < NTOKENS; i++) {
        sem_destroy(&sems[i]);
        sem_init(&sems[i], 0, 0);
    }
}

static volatile uint32_t word_a, word_b;
static volatile int order[NTOKENS], norder;
static pthread_mutex_t order_lock = PTHREAD_MUTEX_INITIALIZER;

struct waiter_arg {
    const volatile uint32_t *addr;
    uint32_t val;
    uint64_t token;
    uint64_t deadline;
    long result;
};

static void *waiter(void *p)
{
    struct waiter_arg *w = p;
    w->result = futex_wait(&table, w->addr, w->val, w->token, w->deadline);
    pthread_mutex_lock(&order_lock);
    order[norder++] = (int)w->token;
    pthread_mutex_unlock(&order_lock);
    return NULL;
}

/* Starts a waiter and returns once it is queued on addr (n: waiters there after it). */
static void start_waiter(pthread_t *th, struct waiter_arg *w, long n)
{
    pthread_create(th, NULL, waiter, w);
    while (futex_waiters(&table, w->addr) < n)
        usleep(100);
}

static int finished(void)
{
    pthread_mutex_lock(&order_lock);
    int n = norder;
    pthread_mutex_unlock(&order_lock);
    return n;
}

static void wait_finished(int n)
{
    for (int i = 0; i < 20000 && finished() < n; i++)
        usleep(100);
}

TEST_CASE(wait_refuses_a_changed_word)
{
    reset();
    word_a = 5;
    CHECK_EQ(futex_wait(&table, &word_a, 4, 0, 0), -LNX_EAGAIN);
    CHECK_EQ(futex_waiters(&table, &word_a), 0);
    CHECK_EQ(futex_wait(&table, (const volatile uint32_t *)((uintptr_t)&word_a + 1), 5, 0, 0),
             -LNX_EINVAL);
    CHECK_EQ(futex_wake(&table, &word_a, 1), 0); /* no one waits */
}

TEST_CASE(wake_takes_exactly_n_oldest_first)
{
    reset();
    norder = 0;
    word_a = 1;
    pthread_t th[3];
    struct waiter_arg w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = (struct waiter_arg){.addr = &word_a, .val = 1, .token = (uint64_t)i + 1};
        start_waiter(&th[i], &w[i], i + 1);
    }
    CHECK_EQ(futex_wake(&table, &word_a, 1), 1);
    wait_finished(1);
    CHECK_EQ(finished(), 1);
    CHECK_EQ(order[0], 1); /* the oldest */
    CHECK_EQ(futex_waiters(&table, &word_a), 2);
    CHECK_EQ(futex_wake(&table, &word_a, 10), 2);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(norder, 3);
    CHECK_EQ(w[0].result, 0);
    CHECK_EQ(w[1].result, 0);
    CHECK_EQ(w[2].result, 0);
    CHECK_EQ(futex_waiters(&table, &word_a), 0);
}

TEST_CASE(wake_touches_only_its_word)
{
    reset();
    norder = 0;
    word_a = word_b = 0;
    pthread_t ta, tb;
    struct waiter_arg wa = {.addr = &word_a, .val = 0, .token = 1};
    struct waiter_arg wb = {.addr = &word_b, .val = 0, .token = 2};
    start_waiter(&ta, &wa, 1);
    start_waiter(&tb, &wb, 1);
    CHECK_EQ(futex_wake(&table, &word_b, 5), 1);
    pthread_join(tb, NULL);
    CHECK_EQ(futex_waiters(&table, &word_a), 1);
    CHECK_EQ(order[0], 2);
    CHECK_EQ(futex_wake(&table, &word_a, 5), 1);
    pthread_join(ta, NULL);
}

TEST_CASE(timeout_leaves_nothing_queued)
{
    reset();
    word_a = 3;
    uint64_t t0 = now_ns();
    CHECK_EQ(futex_wait(&table, &word_a, 3, 1, t0 + 20000000ull), -LNX_ETIMEDOUT); /* 20 ms */
    CHECK_MSG(now_ns() - t0 >= 20000000ull, "returned before its deadline");
    CHECK_EQ(futex_waiters(&table, &word_a), 0);
    CHECK_EQ(futex_wake(&table, &word_a, 1), 0);
}

TEST_CASE(requeue_moves_the_rest)
{
    reset();
    norder = 0;
    word_a = 0;
    word_b = 0;
    pthread_t th[3];
    struct waiter_arg w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = (struct waiter_arg){.addr = &word_a, .val = 0, .token = (uint64_t)i + 1};
        start_waiter(&th[i], &w[i], i + 1);
    }
    CHECK_EQ(futex_requeue(&table, &word_a, 1, &word_b, 1, 1, 1), -LNX_EAGAIN); /* a is 0 */
    CHECK_EQ(futex_requeue(&table, &word_a, 1, &word_a, 1, 0, 0), -LNX_EINVAL);
    CHECK_EQ(futex_requeue(&table, &word_a, 1, &word_b, 1, 1, 0), 2); /* woke 1, moved 1 */
    wait_finished(1);
    CHECK_EQ(order[0], 1);
    CHECK_EQ(futex_waiters(&table, &word_a), 1);
    CHECK_EQ(futex_waiters(&table, &word_b), 1);
    CHECK_EQ(futex_wake(&table, &word_b, 5), 1); /* the moved one: the second */
    wait_finished(2);
    CHECK_EQ(order[1], 2);
    CHECK_EQ(futex_wake(&table, &word_a, 5), 1);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(order[2], 3);
}

/* A mutex as musl builds one on futexes: 0 free, 1 taken, 2 taken with waiters. */
static volatile uint32_t mutex_word;
static long counter;
#define ADDS 20000

static void mutex_lock(uint64_t token)
{
    uint32_t c = 0;
    if (__atomic_compare_exchange_n(&mutex_word, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    if (c != 2)
        c = __atomic_exchange_n(&mutex_word, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        futex_wait(&table, &mutex_word, 2, token, 0);
        c = __atomic_exchange_n(&mutex_word, 2, __ATOMIC_ACQUIRE);
    }
}

static void mutex_unlock(void)
{
    if (__atomic_exchange_n(&mutex_word, 0, __ATOMIC_RELEASE) == 2)
        futex_wake(&table, &mutex_word, 1);
}

static void *adder(void *p)
{
    uint64_t token = (uint64_t)(uintptr_t)p;
    for (int i = 0; i < ADDS; i++) {
        mutex_lock(token);
        counter++;
        mutex_unlock();
    }
    return NULL;
}

TEST_CASE(futex_mutex_counts_exactly)
{
    reset();
    pthread_t th[4];
    for (uintptr_t i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, adder, (void *)(i + 1));
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(counter, 4 * ADDS);
    CHECK_EQ(mutex_word, 0);
}
