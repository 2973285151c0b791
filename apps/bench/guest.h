/*
 * guest.h: what each benchmark program built for both guests needs to know about the guest it
 * runs in (posixbench.c, filebench.c, netbench.c): GUEST ("tessera" or "linux") and ON_TESSERA
 * from whether the libOS's header is there (tessera-cc) or not (gcc -static for the Linux
 * guest), exo's call count (Tessera only: -1 on Linux) and the monotonic clock in ns (under
 * -icount shift=0 one guest instruction each). Included after the system headers.
 */
#ifndef BENCH_GUEST_H
#define BENCH_GUEST_H

#include <time.h>

#if __has_include(<posix/posix.h>)
#include <posix/posix.h>
#define GUEST "tessera"
#define ON_TESSERA 1
static inline long exo_calls(void)
{
    return los_exo_calls();
}
#else
#define GUEST "linux"
#define ON_TESSERA 0
static inline long exo_calls(void)
{
    return -1;
}
#endif

static inline long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

#endif
