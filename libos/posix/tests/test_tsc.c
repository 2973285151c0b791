/*
 * test_tsc.c: the TSC-to-nanosecond arithmetic of libos/posix/tsc.c on the host:
 * exact values for round and awkward rates, no overflow at large tick counts.
 */
#include <check.h>

#include <posix/calls.h>

TEST_CASE(tsc)
{
    CHECK_EQ(posix_clock_mult(2000000000), 1ull << 31);
    CHECK_EQ(posix_tsc_to_ns(2000000000, posix_clock_mult(2000000000)), 1000000000);
    CHECK_EQ(posix_clock_mult(1000000000), 1ull << 32);
    CHECK_EQ(posix_tsc_to_ns(123456789, 1ull << 32), 123456789);
    CHECK_EQ(posix_clock_mult(3000000000), 1431655765);
    CHECK_EQ(posix_tsc_to_ns(3000000000, posix_clock_mult(3000000000)), 999999999);
    /* A year of a 3 GHz TSC: no overflow, within 1 ppb of the truth. */
    uint64_t year = 3000000000ull * 86400 * 365;
    uint64_t got = posix_tsc_to_ns(year, posix_clock_mult(3000000000));
    uint64_t want = 1000000000ull * 86400 * 365;
    CHECK_EQ(got <= want && want - got < want / 1000000000 + 1, 1);
    CHECK_EQ(posix_clock_mult(0), 0);
}
