/*
 * cpu.c: what the processor offers, from CPUID, read once at boot.
 */
#include <exo/cpu.h>
#include <exo/x86.h>

struct cpu_features cpu_features;

void cpu_detect(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    uint32_t max = r[0];
    uint32_t *v = (uint32_t *)cpu_features.vendor;
    v[0] = r[1], v[1] = r[3], v[2] = r[2]; /* EBX, EDX, ECX spell the vendor */
    cpu_features.vendor[12] = '\0';
    cpuid(1, 0, r);
    cpu_features.x2apic = !!(r[2] & (1u << 21));
    cpu_features.pge = !!(r[3] & (1u << 13));
    cpu_features.xsave = !!(r[2] & (1u << 26)) && max >= 0xd; /* its sizes are leaf 0xD's */
    cpu_features.avx = !!(r[2] & (1u << 28));
    if (max >= 7) {
        cpuid(7, 0, r);
        cpu_features.smep = !!(r[1] & (1u << 7));
        cpu_features.smap = !!(r[1] & (1u << 20));
        cpu_features.pku = !!(r[2] & (1u << 3));
        cpu_features.tsc_aux = !!(r[2] & (1u << 22)); /* RDPID */
    }
    cpuid(0x80000000, 0, r);
    uint32_t ext = r[0];
    if (ext >= 0x80000001) {
        cpuid(0x80000001, 0, r);
        cpu_features.nx = !!(r[3] & (1u << 20));
        cpu_features.tsc_aux |= !!(r[3] & (1u << 27)); /* RDTSCP */
    }
    if (ext >= 0x80000007) {
        cpuid(0x80000007, 0, r);
        cpu_features.invariant_tsc = !!(r[3] & (1u << 8));
    }
}
