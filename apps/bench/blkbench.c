/*
 * blkbench.c: the Tessera guest of `./tessera bench blk` (build/bench_blk.py; init runs it for
 * init.blkbench, passing on the device capability). It finds the virtio-blk disk whose serial
 * (GET_ID) is "blkbench" among those exo offers, and runs THE PATTERN of blkpattern.h on it
 * through the libOS driver (drivers/virtio, los_virtio): warm-up, QD1, QD32, the same blocks
 * in the same order as the Linux guest (linux/blkbench_linux.c), printing its rows in the same
 * format with the same integer arithmetic, then "blkbench: done".
 *
 * A path is how requests reach the device and how their completions are found, a struct
 * blk_path of functions; the measuring loops know nothing else, so another path is another
 * struct and another set of rows. Two paths, each on its own open of queue 0:
 *
 *   kick   vio_blk_submit builds each chain in the shadow ring (no exo call), vio_blk_kick hands
 *          a batch to exo (exo_vio_kick: exo checks the chains and rings the doorbell), and
 *          completions are found by polling the used ring in memory (vio_blk_poll: no exo
 *          call, no event wait; the queue's interrupt is turned off, nobody waits for it).
 *          QD1: submit one, kick, spin on the used ring. QD32: 32 in flight; each time polling
 *          finds completions, all that are there are taken, then as many are submitted and
 *          kicked at once.
 *   direct the same driver calls after vio_blk_open_direct: exo gives this env the whole
 *          device (vio_direct; only with an IOMMU, which confines the device's DMA to this
 *          env's pages), the queue is the device's own ring, and a kick is the available index
 *          stored into it and one 16-bit store to the queue's doorbell: no exo call on the
 *          submission path either. Run only when the device reports direct_ok (else only the
 *          kick rows are printed, and a line saying why); the device is given back after.
 *          direct minus kick on the same machine is the cost of the kick call.
 *
 * Time is the TSC (rdtsc between lfences), turned into ns with exo_clock()'s ticks per second;
 * a request's latency runs from just before its batch's submit to the poll that finds it
 * done, as the Linux guest times io_submit .. io_getevents.
 */
#include <los/los.h>
#include <virtio/vio.h>

#include "blkpattern.h"

#define SERIAL "blkbench"
#define SECTORS_PER_BLOCK (BLKPAT_BLOCK / VIRTIO_BLK_SECTOR)
#define POLL_LIMIT_S 10 /* a request not done after this long: the device is stuck */

static uint64_t hz; /* TSC ticks per second (exo_clock) */
static uint64_t lat[BLKPAT_QD32_OPS];
static struct vio_blk blk;
static struct vio_dma bufs[BLKPAT_QD32]; /* one 4 KiB page per request in flight */

static inline uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
}

/* TSC ticks as ns, rounded down (no overflow: ticks % hz < hz, times 1e9 fits in 64 bits). */
static uint64_t ns(uint64_t ticks)
{
    return ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

static uint64_t first_word(const struct vio_dma *page)
{
    return *(const volatile uint64_t *)page->va; /* little-endian, as the image stores it */
}

/* --- paths ---------------------------------------------------------------------------------- */

struct blk_path {
    const char *name; /* the rows' path= */
    /* Queues a read of `block` into bufs[slot] (not yet visible to the device): >= 0 or an
     * error. */
    int (*submit)(uint32_t block, unsigned slot);
    /* Makes everything submitted since the last kick visible to the device: >= 0 or an error. */
    int64_t (*kick)(void);
    /* One finished read, found in memory: 1 with *slot and *result (0: good), 0 if none is
     * done yet, or an error. Never blocks. */
    int (*poll)(unsigned *slot, int *result);
};

static int kick_submit(uint32_t block, unsigned slot)
{
    return vio_blk_submit(&blk, VIRTIO_BLK_T_IN, (uint64_t)block * SECTORS_PER_BLOCK,
                          SECTORS_PER_BLOCK, &bufs[slot], slot);
}

static int64_t kick_kick(void)
{
    return vio_blk_kick(&blk);
}

static int kick_poll(unsigned *slot, int *result)
{
    uint64_t tag;
    int r = vio_blk_poll(&blk, &tag, result);
    if (r == 1)
        *slot = (unsigned)tag;
    return r;
}

static const struct blk_path kick_path = {"kick", kick_submit, kick_kick, kick_poll};

/* The same driver calls: only the queue's kick function differs (vq_kick_direct). */
static const struct blk_path direct_path = {"direct", kick_submit, kick_kick, kick_poll};

/* --- the pattern ---------------------------------------------------------------------------- */

static int fail(const char *what, int64_t err)
{
    los_printf("blkbench: error: %s (%ld)\n", what, (long)err);
    los_printf("blkbench: failed\n");
    return 1;
}

/* Spins on p->poll until one read is done: 1 with *slot, or an error (VIO_E_TIMEOUT: nothing
 * for POLL_LIMIT_S seconds; VIO_E_IO: the read failed). */
static int poll_one(const struct blk_path *p, unsigned *slot)
{
    uint64_t limit = 0;
    for (uint32_t spins = 0;; spins++) {
        int result, r = p->poll(slot, &result);
        if (r < 0)
            return r;
        if (r == 1)
            return result < 0 ? result : 1;
        if ((spins & 1023) == 1023) { /* the clock only now and then: the loop stays tight */
            uint64_t t = tsc();
            if (!limit)
                limit = t + POLL_LIMIT_S * hz;
            else if (t > limit)
                return VIO_E_TIMEOUT;
        }
        __builtin_ia32_pause();
    }
}

/* One read at a time: submit, kick, poll until done. Its first word in *word; 0 or an error. */
static int read_one(const struct blk_path *p, uint32_t block, uint64_t *word)
{
    unsigned slot;
    int r = p->submit(block, 0);
    if (r >= 0)
        r = (int)p->kick();
    if (r >= 0)
        r = poll_one(p, &slot);
    if (r < 0)
        return r;
    if (slot != 0)
        return EXO_E_CORRUPT;
    *word = first_word(&bufs[0]);
    return 0;
}

static void row(const struct blk_path *p, unsigned qd, uint32_t ops, uint64_t elapsed_ns,
                uint64_t sum)
{
    struct blkpat_stats st = blkpat_summarise(lat, ops);
    los_printf("blkbench: guest=tessera path=%s qd=%u ops=%u iops=%lu lat_avg_ns=%lu "
               "lat_p50_ns=%lu lat_p99_ns=%lu sum=%lx\n",
               p->name, qd, ops, blkpat_iops(ops, elapsed_ns), st.avg, st.p50, st.p99, sum);
}

/* Warm-up and QD1: reads one at a time, in the pattern's order. */
static int qd1(const struct blk_path *p, uint64_t *state)
{
    uint64_t word, sum = 0;
    for (uint32_t i = 0; i < BLKPAT_WARMUP; i++) {
        int r = read_one(p, blkpat_block(state), &word);
        if (r < 0)
            return fail("warm-up read", r);
    }
    uint64_t t0 = tsc();
    for (uint32_t i = 0; i < BLKPAT_QD1_OPS; i++) {
        uint32_t block = blkpat_block(state);
        uint64_t t = tsc();
        int r = read_one(p, block, &word);
        lat[i] = ns(tsc() - t);
        if (r < 0)
            return fail("qd1 read", r);
        sum += word;
    }
    row(p, 1, BLKPAT_QD1_OPS, ns(tsc() - t0), sum);
    return 0;
}

/* QD32: BLKPAT_QD32 reads in flight; whenever polling finds completions, every one there is
 * taken, then the freed slots are refilled with the pattern's next blocks and kicked at once. */
static int qd32(const struct blk_path *p, uint64_t *state)
{
    uint64_t issued_at[BLKPAT_QD32], sum = 0;
    unsigned freeslots[BLKPAT_QD32], nfree = BLKPAT_QD32;
    uint32_t submitted = 0, done = 0;
    for (unsigned i = 0; i < BLKPAT_QD32; i++)
        freeslots[i] = i;

    uint64_t t0 = tsc();
    while (done < BLKPAT_QD32_OPS) {
        if (nfree && submitted < BLKPAT_QD32_OPS) {
            uint64_t t = tsc();
            while (nfree && submitted < BLKPAT_QD32_OPS) {
                unsigned s = freeslots[--nfree];
                int r = p->submit(blkpat_block(state), s);
                if (r < 0)
                    return fail("qd32 submit", r);
                issued_at[s] = t;
                submitted++;
            }
            int64_t k = p->kick();
            if (k < 0)
                return fail("qd32 kick", k);
        }
        unsigned s;
        int r = poll_one(p, &s); /* at least one */
        for (;;) {
            if (r < 0)
                return fail("qd32 read", r);
            if (s >= BLKPAT_QD32)
                return fail("qd32 completion of an unknown slot", s);
            lat[done++] = ns(tsc() - issued_at[s]);
            sum += first_word(&bufs[s]);
            freeslots[nfree++] = s;
            int result;
            r = p->poll(&s, &result); /* and every other one already there */
            if (r == 0)
                break;
            if (r == 1 && result < 0)
                r = result;
        }
    }
    row(p, BLKPAT_QD32, BLKPAT_QD32_OPS, ns(tsc() - t0), sum);
    return 0;
}

static int run(const struct blk_path *p)
{
    uint64_t state = BLKPAT_SEED;
    int r = qd1(p, &state);
    return r ? r : qd32(p, &state);
}

/* Opens queue 0 of the blk device whose serial is SERIAL: its number, or an error. */
static int open_disk(void)
{
    return vio_blk_open_serial(&blk, SERIAL, 0);
}

int main(uint64_t arg, uint64_t unused)
{
    (void)arg;
    (void)unused;
    int64_t c = exo_clock();
    if (c <= 0)
        return fail("exo_clock", c);
    hz = (uint64_t)c;
    int dev = open_disk();
    if (dev < 0)
        return fail("no virtio-blk disk with serial " SERIAL, dev);
    if (blk.capacity < (uint64_t)BLKPAT_NBLOCKS * SECTORS_PER_BLOCK)
        return fail("disk smaller than the pattern's 64 MiB", (int64_t)blk.capacity);
    for (unsigned i = 0; i < BLKPAT_QD32; i++) {
        int r = vio_dma_alloc(&bufs[i]);
        if (r < 0)
            return fail("vio_dma_alloc", r);
    }
    /* Completions are polled, never waited for: ask the device for no interrupts (exo copies
     * the flag into the device's ring at each kick; in direct mode it is the device's ring). */
    blk.vq.avail->flags = 1;
    if (run(&kick_path))
        return 1;
    vio_blk_close(&blk);

    struct exo_vio_info info;
    int r = vio_info((unsigned)dev, &info);
    if (r < 0)
        return fail("vio_info", r);
    if (!info.direct_ok) {
        los_printf("blkbench: path=direct skipped: the device reports direct_ok=0 (no IOMMU)\n");
    } else {
        if ((r = vio_blk_open_direct(&blk, (unsigned)dev, 0)) < 0)
            return fail("vio_blk_open_direct", r);
        blk.vq.avail->flags = 1;
        if (run(&direct_path))
            return 1;
        vio_blk_close(&blk); /* exo resets a device driven directly */
        if ((r = vio_direct_end((unsigned)dev)) < 0)
            return fail("vio_direct_end", r);
    }
    los_printf("blkbench: done\n");
    return 0;
}
