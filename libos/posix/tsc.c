/*
 * tsc.c: TSC ticks to nanoseconds, by a multiply and a shift (no division per reading): the
 * arithmetic clock.c reads time with (pure: host-tested in tests/test_tsc.c).
 */
#include <posix/calls.h>

uint64_t posix_clock_mult(uint64_t hz)
{
    return hz ? (1000000000ull << 32) / hz : 0; /* 10^9 * 2^32 < 2^64 */
}

uint64_t posix_tsc_to_ns(uint64_t tsc, uint64_t mult)
{
    return (uint64_t)(((unsigned __int128)tsc * mult) >> 32);
}
