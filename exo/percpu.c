/*
 * percpu.c: a CPU's set-up for running envs: its GS base, the SYSCALL entry MSRs, the stack
 * entries from ring 3 land on, and SMEP/SMAP so exo can neither run nor touch user pages by
 * accident (it reads user memory only through the direct map, after checking the env's tables),
 * and the envs' x87/SSE/AVX state (fpu.c).
 */
#include <exo/cpu.h>
#include <exo/fpu.h>
#include <exo/percpu.h>
#include <exo/vm.h>
#include <exo/x86.h>

#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
#define MSR_TSC_AUX 0xc0000103u
#define EFER_SCE (1ull << 0)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CR4_PKE (1ull << 22) /* protection keys for user pages (EXO_PROT_XONLY) */
/* Flags cleared on syscall entry: IF (exo runs with interrupts off), DF, TF, AC, NT. */
#define FMASK_BITS 0x44700ull

struct percpu cpus[EXO_MAXCPU];
int exo_ncpu = 1;
extern char exo_boot_stack_top[];
void syscall_entry(void);

void percpu_attach(uint32_t id)
{
    struct percpu *c = &cpus[id];
    c->self = c;
    c->id = id;
    /* The boot CPU's entries from ring 3 reuse the boot stack: by then exo_main's frames are
     * dead. Other CPUs got theirs from smp.c before they started. */
    if (id == 0)
        c->kstack_top = (uint64_t)exo_boot_stack_top;
    wrmsr(MSR_GS_BASE, (uint64_t)c);
}

void percpu_init(void)
{
    struct percpu *c = this_cpu();
    c->pml4 = read_cr3() & PTE_ADDR;
    tss_set_kernel_stack((int)c->id, c->kstack_top);
    wrmsr(MSR_KERNEL_GS_BASE, 0); /* what envs see in GS until they set their own */

    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* sysret would load CS = 0x10 + 16 and SS = 0x10 + 8 (user code, user data); exo returns
     * with iretq today, but keeps the layout syscall/sysret require. */
    wrmsr(MSR_STAR, (uint64_t)(SEL_KDATA | 3) << 48 | (uint64_t)SEL_KCODE << 32);
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, FMASK_BITS);
    /* As Linux: (node << 12) | cpu, read in ring 3 by rdtscp or rdpid (the Linux runtime's
     * vDSO getcpu, libos/linux/vdso); one node. */
    if (cpu_features.tsc_aux)
        wrmsr(MSR_TSC_AUX, c->id);

    uint64_t cr4 = read_cr4();
    if (cpu_features.smep)
        cr4 |= CR4_SMEP;
    if (cpu_features.smap)
        cr4 |= CR4_SMAP;
    if (cpu_features.pku)
        cr4 |= CR4_PKE;
    write_cr4(cr4);
    if (cpu_features.pku)
        wrpkru(PKRU_EXO); /* fpu_enter puts it back at every change of env */
    fpu_cpu_init();
}
