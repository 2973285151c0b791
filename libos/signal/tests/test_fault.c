/*
 * test_fault.c: the fault-to-signal table (libos/signal/fault.c) on the host: each exception
 * with Linux's signal, si_code and si_addr (arch/x86/kernel/traps.c, arch/x86/mm/fault.c).
 */
#include <check.h>

#include <signal/sigset.h>

struct row {
    uint64_t vector, error, addr, rip;
    uint32_t mxcsr;
    int sig, code;
    uint64_t si_addr;
};

static const struct row rows[] = {
    {0, 0, 0, 0x401000, 0x1f80, LNX_SIGFPE, LNX_FPE_INTDIV, 0x401000},      /* #DE */
    {1, 0, 0, 0x401000, 0x1f80, LNX_SIGTRAP, LNX_TRAP_TRACE, 0x401000},     /* #DB */
    {3, 0, 0, 0x401001, 0x1f80, LNX_SIGTRAP, LNX_SI_KERNEL, 0},             /* #BP */
    {13, 3 * 8 + 2, 0, 0x401000, 0x1f80, LNX_SIGTRAP, LNX_SI_KERNEL, 0},    /* int3 */
    {13, 3 * 16 + 2, 0, 0x401000, 0x1f80, LNX_SIGTRAP, LNX_SI_KERNEL, 0},   /* TCG's */
    {13, 0x80 * 8 + 2, 0, 0x401000, 0x1f80, LNX_SIGSEGV, LNX_SI_KERNEL, 0}, /* int 0x80 */
    {13, 0, 0, 0x401000, 0x1f80, LNX_SIGSEGV, LNX_SI_KERNEL, 0},            /* #GP */
    {6, 0, 0, 0x402000, 0x1f80, LNX_SIGILL, LNX_ILL_ILLOPN, 0x402000},      /* #UD */
    {14, 4, 0x300000000000, 1, 0x1f80, LNX_SIGSEGV, LNX_SEGV_MAPERR, 0x300000000000},
    {14, 6, 0x1000, 1, 0x1f80, LNX_SIGSEGV, LNX_SEGV_MAPERR, 0x1000},     /* write */
    {14, 7, 0x401000, 1, 0x1f80, LNX_SIGSEGV, LNX_SEGV_ACCERR, 0x401000}, /* to text */
    {14, 0x25, 0, 1, 0x1f80, LNX_SIGSEGV, LNX_SEGV_MAPERR, 0}, /* NULL read, execute-only */
    {14, 0x27, 8, 1, 0x1f80, LNX_SIGSEGV, LNX_SEGV_MAPERR, 8}, /* NULL write, execute-only */
    {14, 5, 0xffff800000000000, 1, 0x1f80, LNX_SIGSEGV, LNX_SEGV_MAPERR, 0xffff800000000000},
    {17, 0, 0x1001, 1, 0x1f80, LNX_SIGBUS, LNX_BUS_ADRALN, 0},          /* #AC */
    {12, 0, 0, 1, 0x1f80, LNX_SIGBUS, LNX_SI_KERNEL, 0},                /* #SS */
    {11, 0, 0, 1, 0x1f80, LNX_SIGBUS, LNX_SI_KERNEL, 0},                /* #NP */
    {4, 0, 0, 1, 0x1f80, LNX_SIGSEGV, LNX_SI_KERNEL, 0},                /* #OF */
    {16, 0, 0, 0x403000, 0x1f80, LNX_SIGFPE, LNX_FPE_FLTINV, 0x403000}, /* #MF */
    /* #XM: the first unmasked flag (IE 0x1, ZE 0x4, OE 0x8, UE 0x10, PE 0x20; masks << 7) */
    {19, 0, 0, 0x404000, (0x1f80 & ~0x80u) | 0x1, LNX_SIGFPE, LNX_FPE_FLTINV, 0x404000},
    {19, 0, 0, 0x404000, (0x1f80 & ~0x200u) | 0x4, LNX_SIGFPE, LNX_FPE_FLTDIV, 0x404000},
    {19, 0, 0, 0x404000, (0x1f80 & ~0x400u) | 0x8, LNX_SIGFPE, LNX_FPE_FLTOVF, 0x404000},
    {19, 0, 0, 0x404000, (0x1f80 & ~0x800u) | 0x10, LNX_SIGFPE, LNX_FPE_FLTUND, 0x404000},
    {19, 0, 0, 0x404000, (0x1f80 & ~0x1000u) | 0x20, LNX_SIGFPE, LNX_FPE_FLTRES, 0x404000},
    {19, 0, 0, 0x404000, 0x1f80 | 0x20, LNX_SIGFPE, 0, 0x404000}, /* masked flag only */
};

TEST_CASE(table)
{
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        struct lnx_siginfo info;
        int sig = sig_from_fault(r->vector, r->error, r->addr, r->rip, r->mxcsr, &info);
        CHECK_MSG(sig == r->sig && info.si_signo == r->sig && info.si_code == r->code &&
                      info.u.addr == r->si_addr && info.si_errno == 0,
                  "row %u (vector %lu): signal %d code %d addr 0x%lx", i, (unsigned long)r->vector,
                  sig, info.si_code, (unsigned long)info.u.addr);
    }
}
