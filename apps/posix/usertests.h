/*
 * usertests.h: the in-guest POSIX test table, in the xv6 usertests style. A test is
 *     USERTEST(name) { ...; return 0; }
 * in any apps/posix/ut_*.c file: the macro puts {name, function} in the `usertests` section,
 * so files add tests without editing a shared table. usertests.c runs every entry and prints
 * "usertests: NAME: ok" (or FAIL with the failing check), then "usertests: N passed, M failed",
 * which the host reads (libos/posix/tests/native_boot_test.py, `libos.boot.usertests`).
 */
#ifndef USERTESTS_H
#define USERTESTS_H

#include <errno.h>
#include <stdio.h>

struct usertest {
    const char *name;
    int (*fn)(void); /* 0: passed */
};

#define USERTEST(fn_)                                                                              \
    static int fn_(void);                                                                          \
    static const struct usertest usertest_##fn_                                                    \
        __attribute__((used, section("usertests"), aligned(sizeof(void *)))) = {#fn_, fn_};        \
    static int fn_(void)

/* The table, as the linker gathered it (one section per program). */
extern const struct usertest __start_usertests[], __stop_usertests[];

/* A whole file into ut_text (NUL-terminated): its length, or -errno (ut_root.c). */
extern char ut_text[8192];
long ut_slurp(const char *path);

/* Fails the test, naming the check and both values, unless a == b. */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            printf("    %s:%d: %s == %s: %lld != %lld\n", __FILE__, __LINE__, #a, #b, a_, b_);     \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* Fails the test unless call returns -1 with errno e (errno cleared first). */
#define CHECK_ERR(call, e)                                                                         \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(call);                                                                    \
        CHECK_EQ(r_, -1);                                                                          \
        CHECK_EQ(errno, e);                                                                        \
    } while (0)

#endif
