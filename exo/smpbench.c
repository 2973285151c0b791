/*
 * smpbench.c: what a cross-CPU operation costs, measured by exo itself at boot when the
 * command line has `exo.smpbench` (and there is more than one CPU), in TSC ticks: the median of
 * N samples after a warm-up, printed in exobench's row format so `./tessera bench exo --smp 2`
 * tabulates them with the rest. It runs while the other CPUs wait in hlt with nothing to do
 * (smp.c holds them there), so every sample is a real IPI delivered to a halted CPU.
 *
 * Rows: ipi_roundtrip (an empty mailbox request: IPI out, the handler's acknowledgement back),
 * shootdown_1page / shootdown_16pages (invlpg of 1 or 16 addresses here and on every other CPU,
 * acknowledged), shootdown_full (CR3 reload everywhere, acknowledged).
 */
#include <exo/console.h>
#include <exo/percpu.h>
#include <exo/smp.h>
#include <exo/tlb.h>
#include <exo/vm.h>
#include <exo/x86.h>

#define N 1000
#define WARMUP 100

static uint64_t samples[N];

static void sort(uint64_t *a, int n)
{
    for (int gap = n / 2; gap > 0; gap /= 2)
        for (int i = gap; i < n; i++)
            for (int j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
                uint64_t t = a[j];
                a[j] = a[j - gap];
                a[j - gap] = t;
            }
}

static void row(const char *name, const uint64_t *va, uint32_t n)
{
    for (int i = -WARMUP; i < N; i++) {
        uint64_t t0 = rdtsc();
        tlb_shootdown(vm_kernel_pml4, va, n); /* every CPU idles on exo's own tables */
        uint64_t t1 = rdtsc();
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    sort(samples, N);
    kprintf("exobench: %s median %lu cycles (n=%d, min %lu)\n", name, samples[N / 2], N,
            samples[0]);
}

void smp_bench(void)
{
    static const char *const names[] = {"ipi_roundtrip", "shootdown_1page", "shootdown_16pages",
                                        "shootdown_full"};
    if (exo_ncpu < 2) {
        for (int i = 0; i < 4; i++)
            kprintf("exobench: %s n/a (one cpu)\n", names[i]);
        return;
    }
    static uint8_t scratch[TLB_BATCH][EXO_PAGE] __attribute__((aligned(EXO_PAGE)));
    uint64_t va[TLB_BATCH];
    for (int i = 0; i < TLB_BATCH; i++)
        va[i] = (uint64_t)scratch[i];
    uint64_t ipis = tlb_ipis;
    row(names[0], va, 0);
    row(names[1], va, 1);
    row(names[2], va, TLB_BATCH);
    row(names[3], va, TLB_FULL);
    kprintf("exo: smpbench: %lu shootdown IPIs to %d other cpus\n", tlb_ipis - ipis, exo_ncpu - 1);
}
