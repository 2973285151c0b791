/*
 * vvar.h: the vDSO's data page (vvar), shared between the runtime, which fills it once at the
 * start (vdso_map.c), and the vDSO (vdso/vdso.c), which reads it with no call. The runtime maps
 * it read-only one page below the vDSO's image; the vDSO finds it at a link-time offset from
 * its own code (vdso/vdso.lds: lnx_vvar_page), as Linux's vDSO finds its vvar pages.
 */
#ifndef LINUX_RT_VVAR_H
#define LINUX_RT_VVAR_H

#include <stdint.h>

/* Where the runtime maps them: in the libOS's range (docs/concepts/address-space.md), which a
 * Linux binary never maps and fork copies at once (so a forked child has them). */
#define LNX_VVAR_VA 0x6f3800000000ull
#define LNX_VDSO_VA (LNX_VVAR_VA + 4096)
#define LNX_VDSO_MAX_PAGES 4 /* the image's room */

/* How the vDSO's getcpu learns the CPU: exo writes each CPU's number into IA32_TSC_AUX when the
 * CPU has RDTSCP or RDPID (exo/percpu.c), as Linux does; with neither, the `syscall`. */
#define LNX_VVAR_CPU_SYSCALL 0
#define LNX_VVAR_CPU_RDTSCP 1
#define LNX_VVAR_CPU_RDPID 2

struct lnx_vvar {
    uint64_t mult;        /* ns = (tsc * mult) >> 32: the libOS's own clock (posix/clock.c) */
    uint64_t realtime_ns; /* added for CLOCK_REALTIME(_COARSE): 0 (no wall clock: 1970 at boot) */
    uint32_t getcpu;      /* LNX_VVAR_CPU_* */
    uint32_t pad;
};

#endif
