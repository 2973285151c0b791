/*
 * vdso_map.c: a Linux process's vDSO (vdso/vdso.c) and its data page (vvar, linux_rt/vvar.h),
 * mapped once at the start at LNX_VVAR_VA and LNX_VDSO_VA: the vvar page filled with the
 * libOS's clock (posix/clock.c) and how getcpu learns the CPU, then read-only; the image copied
 * from the runtime's read-only data (vdso_image.S), then read and execute, never writable. Both
 * lie in the libOS's range: fork copies them into the child, and exec's new env gets fresh ones
 * from its own runtime.
 */
#include <linux_rt/lnx.h>
#include <linux_rt/vvar.h>

#include <posix/calls.h>

#include <los/los.h>
#include <los/spawn.h>

#include <string.h>

extern const uint8_t lnx_vdso_image[], lnx_vdso_image_end[];

/* IA32_TSC_AUX's reader, if exo set it (exo/percpu.c: whenever the CPU has RDTSCP or RDPID). */
static uint32_t getcpu_way(void)
{
    uint32_t a = 0, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    if (a >= 7) {
        a = 7, c = 0;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
        if (c & (1u << 22)) /* CPUID.7.0:ECX.RDPID */
            return LNX_VVAR_CPU_RDPID;
    }
    a = 0x80000000, c = 0;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    if (a >= 0x80000001) {
        a = 0x80000001, c = 0;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
        if (d & (1u << 27)) /* CPUID.80000001:EDX.RDTSCP */
            return LNX_VVAR_CPU_RDTSCP;
    }
    return LNX_VVAR_CPU_SYSCALL;
}

uint64_t lnx_vdso_map(void)
{
    uint64_t size = (uint64_t)(lnx_vdso_image_end - lnx_vdso_image);
    uint64_t pages = (size + EXO_PAGE - 1) / EXO_PAGE;
    if (pages == 0 || pages > LNX_VDSO_MAX_PAGES ||
        los_page_new(LNX_VVAR_VA, EXO_PROT_R | EXO_PROT_W) < 0)
        return 0;
    struct lnx_vvar *v = (struct lnx_vvar *)LNX_VVAR_VA;
    v->mult = posix_clock_mult(posix_tsc_hz);
    v->realtime_ns = 0;
    v->getcpu = getcpu_way();
    if (exo_page_protect(EXO_CAP_SELF, LNX_VVAR_VA, EXO_PROT_R) < 0)
        return 0;
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t va = LNX_VDSO_VA + i * EXO_PAGE, n = size - i * EXO_PAGE;
        if (los_page_new(va, EXO_PROT_R | EXO_PROT_W) < 0)
            return 0;
        memcpy((void *)va, lnx_vdso_image + i * EXO_PAGE, n < EXO_PAGE ? n : EXO_PAGE);
        if (exo_page_protect(EXO_CAP_SELF, va, EXO_PROT_R | EXO_PROT_X) < 0)
            return 0;
    }
    return LNX_VDSO_VA;
}
