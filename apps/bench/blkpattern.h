/*
 * blkpattern.h: THE PATTERN of the virtio-blk benchmark (`./tessera bench blk`), shared by the
 * Linux guest (apps/bench/linux/blkbench_linux.c) and the Tessera guest so both read exactly
 * the same blocks in the same order and summarise them the same way. Only <stdint.h>.
 *
 * One xorshift64* generator, seeded once with BLKPAT_SEED, gives the block of every read in
 * order: BLKPAT_WARMUP unmeasured reads, then BLKPAT_QD1_OPS reads at queue depth 1, then
 * BLKPAT_QD32_OPS reads with BLKPAT_QD32 in flight. Each read is BLKPAT_BLOCK bytes at byte
 * offset block * BLKPAT_BLOCK, block < BLKPAT_NBLOCKS (the disk's first 64 MiB). Latency is per
 * request in ns (QD32: from the submit of that request to its completion); iops = ops * 1e9 /
 * (ns from the first submit to the last completion of the phase). sum = the uint64 sum of the
 * first little-endian 8-byte word of every measured block of the phase; the image holds
 * block * BLKPAT_MAGIC there, so blkpat_expected_sum() is what a correct read gives.
 *
 * Each measured phase prints one row, then the program prints "blkbench: done":
 *   blkbench: guest=<linux|tessera> path=<..> qd=<1|32> ops=<n> iops=<integer>
 *             lat_avg_ns=<n> lat_p50_ns=<n> lat_p99_ns=<n> sum=<hex>      (one line)
 * with sum in lower-case hex without 0x. build/bench_blk.py parses these rows.
 */
#ifndef BLKPATTERN_H
#define BLKPATTERN_H

#include <stdint.h>

#define BLKPAT_SEED 0x7e55e7a5eed5ull
#define BLKPAT_BLOCK 4096u
#define BLKPAT_NBLOCKS 16384u /* 64 MiB */
#define BLKPAT_WARMUP 200u
#define BLKPAT_QD1_OPS 2000u
#define BLKPAT_QD32_OPS 4000u
#define BLKPAT_QD32 32u
#define BLKPAT_MAGIC 0x9E3779B97F4A7C15ull /* image: block i starts with i * BLKPAT_MAGIC */

/* xorshift64*: advance *state, return the next output. */
static inline uint64_t blkpat_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* The next block number of the pattern. Start with state = BLKPAT_SEED. */
static inline uint32_t blkpat_block(uint64_t *state)
{
    return (uint32_t)(blkpat_next(state) % BLKPAT_NBLOCKS);
}

/* The first 8-byte word of block i on the benchmark image. */
static inline uint64_t blkpat_word(uint64_t block)
{
    return block * BLKPAT_MAGIC;
}

/* The sum a phase must report: phase 1 = QD1, phase 32 = QD32 (0 = the warm-up). */
static inline uint64_t blkpat_expected_sum(int phase)
{
    uint64_t s = BLKPAT_SEED, sum = 0;
    uint32_t skip = phase == 0 ? 0 : phase == 1 ? BLKPAT_WARMUP : BLKPAT_WARMUP + BLKPAT_QD1_OPS;
    uint32_t n = phase == 0 ? BLKPAT_WARMUP : phase == 1 ? BLKPAT_QD1_OPS : BLKPAT_QD32_OPS;
    for (uint32_t i = 0; i < skip; i++)
        blkpat_next(&s);
    for (uint32_t i = 0; i < n; i++)
        sum += blkpat_word(blkpat_block(&s));
    return sum;
}

struct blkpat_stats {
    uint64_t avg, p50, p99; /* ns */
};

/* Sorts lat[0..n) in place (shell sort: no recursion, no libc) and summarises it.
 * p50 = lat[n * 50 / 100], p99 = lat[n * 99 / 100] of the sorted samples. */
static inline struct blkpat_stats blkpat_summarise(uint64_t *lat, uint32_t n)
{
    struct blkpat_stats st = {0, 0, 0};
    uint64_t total = 0;
    if (n == 0)
        return st;
    for (uint32_t gap = n / 2; gap > 0; gap /= 2)
        for (uint32_t i = gap; i < n; i++)
            for (uint32_t j = i; j >= gap && lat[j - gap] > lat[j]; j -= gap) {
                uint64_t t = lat[j];
                lat[j] = lat[j - gap];
                lat[j - gap] = t;
            }
    for (uint32_t i = 0; i < n; i++)
        total += lat[i];
    st.avg = total / n;
    st.p50 = lat[(uint64_t)n * 50 / 100];
    st.p99 = lat[(uint64_t)n * 99 / 100];
    return st;
}

/* iops as printed: ops per second over the phase's elapsed ns (integer, rounded down). */
static inline uint64_t blkpat_iops(uint32_t ops, uint64_t elapsed_ns)
{
    return elapsed_ns ? (uint64_t)ops * 1000000000ull / elapsed_ns : 0;
}

#endif
