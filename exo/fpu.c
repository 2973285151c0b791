/*
 * fpu.c: the envs' extended state (see fpu.h): enabling x87/SSE/AVX on each CPU, one save area
 * per env slot, and saving and loading them as CPUs change envs. Eager at a switch (one XSAVE
 * of the env left, one XRSTOR of the env entered), nothing on a trap or call that returns to
 * the same env: exo's own code keeps the registers untouched.
 */
#include <exo/console.h>
#include <exo/cpu.h>
#include <exo/env.h>
#include <exo/fpu.h>
#include <exo/percpu.h>
#include <exo/power.h>
#include <exo/vm.h>
#include <exo/x86.h>

#include <common/string.h>

#define CR0_MP (1ull << 1) /* WAIT/FWAIT honour TS (which exo never sets) */
#define CR0_EM (1ull << 2) /* set: x87 and SSE instructions #UD */
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)          /* x87 errors as #MF, not the legacy IRQ 13 */
#define CR4_OSFXSR (1ull << 9)      /* FXSAVE/FXRSTOR and SSE instructions */
#define CR4_OSXMMEXCPT (1ull << 10) /* unmasked SIMD exceptions as #XM */
#define CR4_OSXSAVE (1ull << 18)    /* XSAVE, XGETBV, and the components in XCR0 */

/* x87|SSE|AVX in the standard XSAVE layout: 512 legacy + 64 header + 256 AVX = 832 bytes. */
#define FPU_AREA_MAX 1024
#define LEGACY_FCW 0
#define LEGACY_MXCSR 24
#define HEADER_XSTATE_BV 512
#define MXCSR_DEFAULT 0x1f80u /* all exceptions masked, round to nearest */
#define FCW_DEFAULT 0x037fu   /* FNINIT: all exceptions masked, 64-bit precision, nearest */

uint64_t fpu_xcr0;
uint32_t fpu_area_size;
static uint8_t areas[EXO_NENV][FPU_AREA_MAX] __attribute__((aligned(64)));
static uint8_t clean[FPU_AREA_MAX] __attribute__((aligned(64)));

static inline void xsetbv0(uint64_t v)
{
    __asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void save(void *area)
{
    if (fpu_xcr0)
        __asm__ volatile("xsave64 (%0)"
                         :
                         : "r"(area), "a"((uint32_t)fpu_xcr0), "d"((uint32_t)(fpu_xcr0 >> 32))
                         : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

static void load(const void *area)
{
    if (fpu_xcr0)
        __asm__ volatile("xrstor64 (%0)"
                         :
                         : "r"(area), "a"((uint32_t)fpu_xcr0), "d"((uint32_t)(fpu_xcr0 >> 32))
                         : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

static void *area_of(const struct env *e)
{
    return areas[e - envs];
}

/* The first CPU's part: which components, how big an area, and the clean state. The
 * registers all zero, x87 as FNINIT leaves it; XSTATE_BV says x87 and SSE come from memory
 * and AVX (bit clear) from its init state: the upper halves zero. */
static void setup(void)
{
    uint32_t r[4];
    if (cpu_features.xsave) {
        cpuid(0xd, 0, r);
        fpu_xcr0 = r[0] & (XCR0_X87 | XCR0_SSE | (cpu_features.avx ? XCR0_AVX : 0));
        xsetbv0(fpu_xcr0);
        cpuid(0xd, 0, r); /* ebx: the size the components now in XCR0 need */
        fpu_area_size = r[1];
    } else {
        fpu_area_size = 512;
    }
    if (fpu_area_size > FPU_AREA_MAX)
        exo_fail("fpu: the XSAVE area is larger than exo provides");
    *(uint16_t *)(clean + LEGACY_FCW) = FCW_DEFAULT;
    *(uint32_t *)(clean + LEGACY_MXCSR) = MXCSR_DEFAULT;
    if (fpu_xcr0)
        *(uint64_t *)(clean + HEADER_XSTATE_BV) = XCR0_X87 | XCR0_SSE;
    kprintf("exo: fpu: %s, components 0x%lx (x87 sse%s), %u-byte save area per env\n",
            fpu_xcr0 ? "xsave" : "fxsave",
            (unsigned long)(fpu_xcr0 ? fpu_xcr0 : XCR0_X87 | XCR0_SSE),
            fpu_xcr0 & XCR0_AVX ? " avx" : "", fpu_area_size);
}

void fpu_cpu_init(void)
{
    static int ready;
    write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT | (cpu_features.xsave ? CR4_OSXSAVE : 0));
    if (!ready) {
        setup();
        ready = 1;
    } else if (fpu_xcr0) {
        xsetbv0(fpu_xcr0);
    }
}

void fpu_env_init(struct env *e)
{
    memcpy(area_of(e), clean, FPU_AREA_MAX);
    e->fpu_cpu = NULL;
}

void fpu_leave(struct percpu *c)
{
    struct env *o = c->fpu_env;
    if (!o)
        return;
    save(area_of(o));
    o->fpu_cpu = NULL;
    c->fpu_env = NULL;
}

void fpu_enter(struct percpu *c, struct env *e)
{
    /* env_run calls this only when c does not hold e's state already. Another CPU cannot hold e's
     * state: every CPU saves it before it lets e go (fpu_leave here, before idling), under the lock
     * that any CPU taking e next must hold. */
    fpu_leave(c);
    load(area_of(e));
    /* PKRU is not in XCR0: it is the CPU's. An env may change it (WRPKRU works in ring 3);
     * that reaches only its own pages' keys until the next env here finds it back as exo
     * keeps it (EXO_PROT_XONLY's pages fault on data access in every env but one that chose
     * otherwise for itself). */
    if (cpu_features.pku && rdpkru() != PKRU_EXO)
        wrpkru(PKRU_EXO);
    e->fpu_cpu = c;
    c->fpu_env = e;
}

void fpu_env_freed(struct env *e)
{
    if (e->fpu_cpu)
        e->fpu_cpu->fpu_env = NULL;
    e->fpu_cpu = NULL;
}
