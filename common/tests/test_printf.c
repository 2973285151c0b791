/*
 * test_printf.c: the shared formatter (common/printf.c) against exact expected strings.
 */
#include <check.h>

#include <common/printf.h>

#include <stdint.h>

static char buf[128];

#define FMT(expect, ...)                                                                           \
    do {                                                                                           \
        int n_ = exo_snprintf(buf, sizeof buf, __VA_ARGS__);                                       \
        CHECK_STR(buf, expect);                                                                    \
        CHECK_EQ(n_, strlen(expect));                                                              \
    } while (0)

TEST_CASE(conversions)
{
    FMT("42 -7 0", "%d %i %u", 42, -7, 0u);
    FMT("ff FF 0x00000000deadbeef", "%x %X %p", 255u, 255u, (void *)0xdeadbeefull);
    FMT("18446744073709551615", "%lu", UINT64_MAX);
    FMT("-9223372036854775808", "%ld", INT64_MIN);
    FMT("[  7] [7  ] [007] [-07]", "[%3d] [%-3d] [%03d] [%03d]", 7, 7, 7, -7);
    FMT("0000beef", "%08lx", 0xbeeful);
#pragma GCC diagnostic push /* a NULL %s and an unknown %q are what this line tests */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-overflow"
    FMT("a|  bc|(null)|%|%q", "%c|%4s|%s|%%|%q", 'a', "bc", (char *)0);
#pragma GCC diagnostic pop
    FMT("size 12", "size %zu", (size_t)12);
}

/* Truncation keeps the NUL and reports the full length. */
TEST_CASE(truncation)
{
    int n = exo_snprintf(buf, 5, "%s", "abcdefgh");
    CHECK_STR(buf, "abcd");
    CHECK_EQ(n, 8);
    CHECK_EQ(exo_snprintf(NULL, 0, "%d", 12345), 5);
}
