/*
 * seed.c: seeding the random generator from the CPU (dev.h). RDSEED is the entropy source
 * itself, RDRAND its conditioned output; both may fail transiently, so each word gets a few
 * tries. The TSC readings add little entropy but make two starts differ even without them.
 */
#include <dev/dev.h>
#include <dev/random.h>

#include <cpuid.h>

static int rdseed(uint64_t *v)
{
    unsigned char ok;
    __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
    return ok;
}

static int rdrand(uint64_t *v)
{
    unsigned char ok;
    __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
    return ok;
}

int dev_seed_from_cpu(void)
{
    unsigned a, b, c, d;
    int has_rdrand = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_RDRND);
    int has_rdseed = 0;
    if (__get_cpuid_max(0, 0) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        has_rdseed = (b & bit_RDSEED) != 0;
    }
    uint64_t words[4], got = 0;
    for (int i = 0; i < 4; i++) {
        int ok = 0;
        for (int tries = 0; tries < 10 && !ok; tries++)
            ok = (has_rdseed && rdseed(&words[i])) || (has_rdrand && rdrand(&words[i]));
        got += ok ? 8 : 0;
    }
    if (got)
        dev_rng_seed(&dev_rng, words, got);
    uint64_t tsc[4];
    for (int i = 0; i < 4; i++)
        tsc[i] = __builtin_ia32_rdtsc();
    dev_rng_seed(&dev_rng, tsc, sizeof tsc);
    for (int i = 0; i < 4; i++)
        ((volatile uint64_t *)words)[i] = 0;
    return (int)got;
}
