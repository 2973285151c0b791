/*
 * check.h: the one assertion header of the host unit tests (exo, common, drivers, libos, efi;
 * added with host_test() from cmake/host_test.cmake). A test file declares named cases with
 * TEST_CASE(name) { ... }; this header's main() runs them in file order (or only the cases named
 * on the command line after "--case"), prints each with ok or FAILED, then "N passed, M failed"
 * over all checks, and exits 1 if any failed. Each CHECK_* counts a pass or prints the failing
 * expression with both values, and the case goes on. Include it from one file per test program.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;
static int check_argc; /* the program's arguments after any "--case NAME" pairs, for cases */
static char **check_argv;

struct check_case {
    const char *name;
    void (*fn)(void);
};

/* Cases land in one section in definition order; the linker gives its bounds. */
#define TEST_CASE(cname)                                                                           \
    static void cname(void);                                                                       \
    __attribute__((used, section("check_cases"),                                                   \
                   aligned(8))) static const struct check_case cname##_case = {#cname, cname};     \
    static void cname(void)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ == b_) {                                                                            \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", __FILE__, __LINE__, #a, #b, a_,     \
                    b_);                                                                           \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ && b_ && strcmp(a_, b_) == 0) {                                                     \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b,     \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                       \
        }                                                                                          \
    } while (0)

/* Fails the case with a message when cond is false (for what CHECK_EQ cannot say). */
#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

extern const struct check_case __start_check_cases[], __stop_check_cases[];

static int check_wanted(const char *name, int argc, char **argv)
{
    int any = 0;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--case") == 0) {
            any = 1;
            if (strcmp(argv[++i], name) == 0)
                return 1;
        }
    return !any;
}

int main(int argc, char **argv)
{
    static char *rest[64];
    check_argc = 0;
    for (int i = 0; i < argc && check_argc < 63; i++) {
        if (i > 0 && strcmp(argv[i], "--case") == 0 && i + 1 < argc) {
            i++;
            continue;
        }
        rest[check_argc++] = argv[i];
    }
    check_argv = rest;
    int ncases = 0;
    for (const struct check_case *c = __start_check_cases; c < __stop_check_cases; c++) {
        if (!check_wanted(c->name, argc, argv))
            continue;
        int before = check_failed;
        c->fn();
        ncases++;
        printf("%s: %s\n", c->name, check_failed == before ? "ok" : "FAILED");
    }
    printf("%d cases, %d passed, %d failed\n", ncases, check_passed, check_failed);
    return check_failed || ncases == 0 ? 1 : 0;
}

#endif
