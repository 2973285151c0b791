/*
 * futex.c: futex wait queues (see futex.h). Pure: locks are spin locks on words of the
 * process's memory, blocking and waking are the table's hooks.
 */
#include <posix/linux.h>
#include <thread/futex.h>

#include <stddef.h>

static struct futex_bucket *bucket_of(struct futex_table *t, const volatile uint32_t *addr)
{
    uint64_t a = (uint64_t)(uintptr_t)addr;
    a ^= a >> 17;
    a *= 0x9e3779b97f4a7c15ull;
    return &t->bucket[(a >> 40) & (FUTEX_NBUCKETS - 1)];
}

static void lock(struct futex_table *t, struct futex_bucket *b)
{
    for (uint32_t spins = 0; __atomic_exchange_n(&b->lock, 1, __ATOMIC_ACQUIRE); spins++) {
        /* The holder may have lost its CPU mid-section: after a while, give ours away. */
        if (spins > 1000 && t->relax) {
            t->relax();
            spins = 0;
        }
        __builtin_ia32_pause();
    }
}

static void unlock(struct futex_bucket *b)
{
    __atomic_store_n(&b->lock, 0, __ATOMIC_RELEASE);
}

static void enqueue(struct futex_bucket *b, struct futex_waiter *w)
{
    struct futex_waiter **p = &b->head;
    while (*p)
        p = &(*p)->next;
    w->next = NULL;
    *p = w;
}

/* Unlinks w from b: 1, or 0 if it is not queued there. */
static int unlink_waiter(struct futex_bucket *b, struct futex_waiter *w)
{
    for (struct futex_waiter **p = &b->head; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            return 1;
        }
    return 0;
}

/* Locks the bucket w is queued in now (a requeue may move it meanwhile). */
static struct futex_bucket *lock_waiter(struct futex_table *t, struct futex_waiter *w)
{
    for (;;) {
        const volatile uint32_t *a = __atomic_load_n(&w->addr, __ATOMIC_ACQUIRE);
        struct futex_bucket *b = bucket_of(t, a);
        lock(t, b);
        if (__atomic_load_n(&w->addr, __ATOMIC_ACQUIRE) == a)
            return b;
        unlock(b);
    }
}

long futex_wait(struct futex_table *t, const volatile uint32_t *addr, uint32_t val, uint64_t token,
                uint64_t deadline)
{
    if ((uintptr_t)addr % 4)
        return -LNX_EINVAL;
    struct futex_waiter w = {.addr = addr, .token = token};
    struct futex_bucket *b = bucket_of(t, addr);
    lock(t, b);
    /* Checked under the lock that every waker of addr takes: a wake after the caller changed
     * *addr either finds us queued or happened before we looked (and we see the new value). */
    if (*addr != val) {
        unlock(b);
        return -LNX_EAGAIN;
    }
    enqueue(b, &w);
    unlock(b);
    while (!__atomic_load_n(&w.woken, __ATOMIC_ACQUIRE)) {
        long why = t->interrupted ? t->interrupted() : 0;
        if (!why && t->block(token, deadline) != -LNX_ETIMEDOUT)
            continue; /* posted (maybe a stale post of an earlier wait, or a signal's) */
        b = lock_waiter(t, &w);
        int queued = !w.woken && unlink_waiter(b, &w);
        unlock(b);
        if (queued)
            return why ? why : -LNX_ETIMEDOUT;
        /* Taken off the queue at the last moment: it counts as woken. */
    }
    return 0;
}

/* Takes up to n waiters on addr off b (caller holds b), marking them woken; their tokens go to
 * tokens[] (at most FUTEX_BATCH). Returns how many. */
static long take(struct futex_bucket *b, const volatile uint32_t *addr, long n, uint64_t *tokens)
{
    long k = 0;
    for (struct futex_waiter **p = &b->head; *p && k < n && k < FUTEX_BATCH;) {
        struct futex_waiter *w = *p;
        if (w->addr != addr) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        tokens[k++] = w->token; /* before woken: the waiter's node dies once it sees that */
        __atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
    }
    return k;
}

long futex_wake(struct futex_table *t, const volatile uint32_t *addr, long n)
{
    struct futex_bucket *b = bucket_of(t, addr);
    long done = 0;
    while (done < n) {
        uint64_t tokens[FUTEX_BATCH];
        lock(t, b);
        long k = take(b, addr, n - done, tokens);
        unlock(b);
        for (long i = 0; i < k; i++)
            t->post(tokens[i]);
        done += k;
        if (k < FUTEX_BATCH)
            break; /* none left on addr */
    }
    return done;
}

long futex_requeue(struct futex_table *t, const volatile uint32_t *addr, long nwake,
                   const volatile uint32_t *addr2, long nmove, int cmp, uint32_t val)
{
    if ((uintptr_t)addr % 4 || (uintptr_t)addr2 % 4 || addr == addr2)
        return -LNX_EINVAL;
    struct futex_bucket *b = bucket_of(t, addr), *b2 = bucket_of(t, addr2);
    /* Both locks, in address order (one if they are the same bucket): no deadlock with a
     * requeue the other way. */
    struct futex_bucket *first = b < b2 ? b : b2, *second = b < b2 ? b2 : b;
    lock(t, first);
    if (second != first)
        lock(t, second);
    if (cmp && *addr != val) {
        if (second != first)
            unlock(second);
        unlock(first);
        return -LNX_EAGAIN;
    }
    uint64_t tokens[FUTEX_BATCH];
    long woken = take(b, addr, nwake, tokens), moved = 0;
    for (struct futex_waiter **p = &b->head; *p && moved < nmove;) {
        struct futex_waiter *w = *p;
        if (w->addr != addr) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        __atomic_store_n(&w->addr, addr2, __ATOMIC_RELEASE);
        enqueue(b2, w); /* (the same list: met again at its end, on addr2 now, and skipped) */
        moved++;
    }
    if (second != first)
        unlock(second);
    unlock(first);
    for (long i = 0; i < woken; i++)
        t->post(tokens[i]);
    return woken + moved;
}

long futex_waiters(struct futex_table *t, const volatile uint32_t *addr)
{
    struct futex_bucket *b = bucket_of(t, addr);
    long n = 0;
    lock(t, b);
    for (struct futex_waiter *w = b->head; w; w = w->next)
        n += w->addr == addr;
    unlock(b);
    return n;
}
