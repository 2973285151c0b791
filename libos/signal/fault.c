/*
 * fault.c: which signal a CPU exception in the program raises, with Linux's siginfo
 * (arch/x86/kernel/traps.c; pure, tests/test_fault.c). Exceptions Linux reports without
 * details (#GP, int3, #OF, #BR, #NP, #SS...) carry si_code SI_KERNEL and no address. int3
 * may come as #BP or, if the IDT keeps vector 3 from ring 3 (exo does), as a #GP naming IDT
 * entry 3: SIGTRAP either way (the caller then moves rip past the int3, as a trap leaves it).
 */
#include <signal/sigset.h>

#define PF_PRESENT 1 /* page-fault error code: the page was mapped (a protection fault) */
#define PF_PK 0x20   /* ... denied by the page's protection key (EXO_PROT_XONLY) */
#define USER_TOP 0x0000800000000000ull /* EXO_USER_TOP */
/* #GP error code naming IDT entry 3 (int3 refused to ring 3): index * 8 + 2 as the SDM says,
 * index * 16 + 2 under QEMU's TCG (apps/tests/test_trap.c). */
#define INT3_GP(e) ((e) == (3 << 3 | 2) || (e) == (3 << 4 | 2))

static int info(struct lnx_siginfo *i, int sig, int code, uint64_t addr)
{
    *i = (struct lnx_siginfo){.si_signo = sig, .si_code = code};
    i->u.addr = addr;
    return sig;
}

/* Linux's fpu__exception_code for SSE: the first unmasked exception flag that is set. */
static int simd_code(uint32_t mxcsr)
{
    uint32_t err = ~(mxcsr >> 7) & mxcsr;
    if (err & 0x001)
        return LNX_FPE_FLTINV;
    if (err & 0x004)
        return LNX_FPE_FLTDIV;
    if (err & 0x008)
        return LNX_FPE_FLTOVF;
    if (err & 0x012)
        return LNX_FPE_FLTUND;
    if (err & 0x020)
        return LNX_FPE_FLTRES;
    return 0;
}

int sig_from_fault(uint64_t vector, uint64_t error, uint64_t addr, uint64_t rip, uint32_t mxcsr,
                   struct lnx_siginfo *i)
{
    switch (vector) {
    case 0: /* #DE */
        return info(i, LNX_SIGFPE, LNX_FPE_INTDIV, rip);
    case 1: /* #DB: a single step */
        return info(i, LNX_SIGTRAP, LNX_TRAP_TRACE, rip);
    case 3: /* #BP: int3 */
        return info(i, LNX_SIGTRAP, LNX_SI_KERNEL, 0);
    case 6: /* #UD */
        return info(i, LNX_SIGILL, LNX_ILL_ILLOPN, rip);
    case 9:  /* coprocessor segment overrun */
    case 16: /* #MF: x87 */
        return info(i, LNX_SIGFPE, vector == 16 ? LNX_FPE_FLTINV : LNX_SI_KERNEL,
                    vector == 16 ? rip : 0);
    case 11: /* #NP */
    case 12: /* #SS */
        return info(i, LNX_SIGBUS, LNX_SI_KERNEL, 0);
    case 14: /* #PF; the kernel's half counts as not mapped (Linux: bad_area_nosemaphore), and
                so does an execute-only page: the only one is the Linux runtime's trampoline at
                VA 0, which to the program is not there (a NULL access is SEGV_MAPERR) */
        return info(i, LNX_SIGSEGV,
                    error & PF_PRESENT && !(error & PF_PK) && addr < USER_TOP ? LNX_SEGV_ACCERR
                                                                              : LNX_SEGV_MAPERR,
                    addr);
    case 17: /* #AC */
        return info(i, LNX_SIGBUS, LNX_BUS_ADRALN, 0);
    case 19: /* #XM */
        return info(i, LNX_SIGFPE, simd_code(mxcsr), rip);
    case 13: /* #GP; exo's gate for #BP is not open to ring 3, so int3 arrives as this */
        if (INT3_GP(error))
            return info(i, LNX_SIGTRAP, LNX_SI_KERNEL, 0);
        break;
    }
    return info(i, LNX_SIGSEGV, LNX_SI_KERNEL, 0); /* #GP, #OF, #BR, #TS and the rest */
}
