/*
 * exotest.h: in-guest tests of exo, table-driven like xv6's usertests. A test is a function
 * declared with EXOTEST(name); the runner (exotest.c) runs each in a fresh child env of its own,
 * so a test that crashes its env fails alone, and reports through a result page it shares with
 * the child. Checks print the failing expression with its values on the console.
 */
#ifndef EXOTEST_H
#define EXOTEST_H

#include <los/los.h>
#include <los/spawn.h>
#include <los/upcall.h>

struct exotest {
    const char *name;
    int (*fn)(void); /* 0: passed; anything else: failed (a CHECK printed why) */
};

#define EXOTEST(fname)                                                                             \
    static int fname(void);                                                                        \
    __attribute__((used, section("exotests"),                                                      \
                   aligned(8))) static const struct exotest fname##_entry = {#fname, fname};       \
    static int fname(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            los_printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                                              \
        if (a_ != b_) {                                                                            \
            los_printf("    %s:%d: %s == %s: %ld != %ld\n", __FILE__, __LINE__, #a, #b, a_, b_);   \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* Test-visible details of the runner: where the shared result page sits in the test's env, and
 * the argument that makes `exotest` end at once (for tests that need a child to exist). */
#define EXOTEST_RESULT_VA 0x00006ffd00000000ull
#define EXOTEST_ARG_EXIT 0xe0e0u
#define EXOTEST_ARG_PARAM (1ull << 40) /* runner arg: | p hands p (< 2^32) to every test */
#define EXOTEST_PARAM_MASK 0xffffffffull

/* The parameter the runner was started with (0 if none). */
uint64_t exotest_param(void);

/* The TSC, for the tests' own deadlines. */
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* Yields until cond holds or ms milliseconds passed; 1 if cond held (evaluated once a round:
 * it may have side effects). */
#define WAIT_UNTIL(cond, ms)                                                                       \
    ({                                                                                             \
        uint64_t end_ = rdtsc() + (uint64_t)exo_clock() / 1000 * (ms);                             \
        int ok_;                                                                                   \
        while (!(ok_ = !!(cond)) && rdtsc() < end_)                                                \
            exo_yield(EXO_ANY);                                                                    \
        ok_;                                                                                       \
    })

/* A new thread of ours running fn(arg) on test stack i (test_thread.c's range; each test runs in
 * an env of its own): its capability slot, or an exo error. */
int64_t exotest_thread_start(void (*fn)(uint64_t), uint64_t arg, int i);

#endif
