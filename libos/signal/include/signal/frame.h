/*
 * frame.h: Linux x86-64's signal ABI, written out (no libc or kernel headers): the kernel's
 * sigaction, stack_t, siginfo, and the signal frame a handler is entered with (rt_sigframe:
 * the restorer's address, a ucontext whose mcontext holds every general register and points
 * at the XSAVE/FXSAVE image of the x87/SSE/AVX state, then the siginfo). Offsets are Linux's
 * (arch/x86/include/uapi/asm/sigcontext.h, include/uapi/asm-generic/siginfo.h); the host
 * test tests/test_frame.c compares them with the host's <signal.h> and <sys/ucontext.h>.
 */
#ifndef SIGNAL_FRAME_H
#define SIGNAL_FRAME_H

#include <stdint.h>

#define LOS_NSIG 64 /* signals 1..64; bit (n - 1) of a set is signal n */

/* Signal numbers. */
#define LNX_SIGHUP 1
#define LNX_SIGINT 2
#define LNX_SIGQUIT 3
#define LNX_SIGILL 4
#define LNX_SIGTRAP 5
#define LNX_SIGABRT 6
#define LNX_SIGBUS 7
#define LNX_SIGFPE 8
#define LNX_SIGKILL 9
#define LNX_SIGUSR1 10
#define LNX_SIGSEGV 11
#define LNX_SIGUSR2 12
#define LNX_SIGPIPE 13
#define LNX_SIGALRM 14
#define LNX_SIGTERM 15
#define LNX_SIGSTKFLT 16
#define LNX_SIGCHLD 17
#define LNX_SIGCONT 18
#define LNX_SIGSTOP 19
#define LNX_SIGTSTP 20
#define LNX_SIGTTIN 21
#define LNX_SIGTTOU 22
#define LNX_SIGURG 23
#define LNX_SIGXCPU 24
#define LNX_SIGXFSZ 25
#define LNX_SIGVTALRM 26
#define LNX_SIGPROF 27
#define LNX_SIGWINCH 28
#define LNX_SIGIO 29
#define LNX_SIGPWR 30
#define LNX_SIGSYS 31

/* sigaction flags, handlers, rt_sigprocmask's how. */
#define LNX_SA_NOCLDSTOP 0x00000001u
#define LNX_SA_NOCLDWAIT 0x00000002u
#define LNX_SA_SIGINFO 0x00000004u
#define LNX_SA_RESTORER 0x04000000u
#define LNX_SA_ONSTACK 0x08000000u
#define LNX_SA_RESTART 0x10000000u
#define LNX_SA_NODEFER 0x40000000u
#define LNX_SA_RESETHAND 0x80000000u
#define LNX_SIG_DFL 0
#define LNX_SIG_IGN 1
#define LNX_SIG_BLOCK 0
#define LNX_SIG_UNBLOCK 1
#define LNX_SIG_SETMASK 2

/* sigaltstack. */
#define LNX_SS_ONSTACK 1
#define LNX_SS_DISABLE 2
#define LNX_SS_AUTODISARM (1u << 31)
#define LNX_MINSIGSTKSZ 2048

/* si_code values. */
#define LNX_SI_USER 0
#define LNX_SI_KERNEL 0x80
#define LNX_SI_TIMER (-2)
#define LNX_SI_TKILL (-6)
#define LNX_ILL_ILLOPC 1
#define LNX_ILL_ILLOPN 2
#define LNX_FPE_INTDIV 1
#define LNX_FPE_FLTDIV 3
#define LNX_FPE_FLTOVF 4
#define LNX_FPE_FLTUND 5
#define LNX_FPE_FLTRES 6
#define LNX_FPE_FLTINV 7
#define LNX_SEGV_MAPERR 1
#define LNX_SEGV_ACCERR 2
#define LNX_BUS_ADRALN 1
#define LNX_BUS_ADRERR 2
#define LNX_TRAP_BRKPT 1
#define LNX_TRAP_TRACE 2

/* ucontext flags; the XSAVE image's software words (in the FXSAVE area's bytes 464..511). */
#define LNX_UC_FP_XSTATE 0x1
#define LNX_UC_SIGCONTEXT_SS 0x2
#define LNX_UC_STRICT_RESTORE_SS 0x4
#define LNX_FP_XSTATE_MAGIC1 0x46505853u
#define LNX_FP_XSTATE_MAGIC2 0x46505845u
#define LNX_FPX_SW_BYTES 464

/* The kernel's struct sigaction (rt_sigaction's argument), with a 64-signal mask. */
struct lnx_sigaction {
    uint64_t handler; /* LNX_SIG_DFL, LNX_SIG_IGN or a function */
    uint64_t flags;
    uint64_t restorer; /* with LNX_SA_RESTORER: where the handler returns to */
    uint64_t mask;
};

struct lnx_stack {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
};

/* 128 bytes; the union's fields by signal kind. */
struct lnx_siginfo {
    int32_t si_signo, si_errno, si_code, pad;
    union {
        uint64_t addr; /* faults: the address */
        struct {
            int32_t pid;    /* kill, tkill, SIGCHLD: the sender / the child */
            uint32_t uid;   /* its user */
            int32_t status; /* SIGCHLD: exit code or signal */
        } proc;
        uint64_t raw[14];
    } u;
};

/* The general registers as a handler sees them (uc_mcontext; musl's and glibc's gregs[]). */
struct lnx_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; /* the XSAVE (or FXSAVE) image, 64-byte aligned, or 0 */
    uint64_t reserved1[8];
};

struct lnx_ucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct lnx_stack uc_stack;
    struct lnx_sigcontext uc_mcontext;
    uint64_t uc_sigmask; /* the mask to restore at sigreturn */
};

/* What rsp points at when a handler starts: it returns to pretcode, whose rt_sigreturn finds
 * the ucontext at its rsp (pretcode popped). The x87/SSE/AVX image lies above, 64-aligned. */
struct lnx_rt_sigframe {
    uint64_t pretcode;
    struct lnx_ucontext uc;
    struct lnx_siginfo info;
};

_Static_assert(sizeof(struct lnx_siginfo) == 128, "siginfo");
_Static_assert(sizeof(struct lnx_sigcontext) == 256, "sigcontext");
_Static_assert(sizeof(struct lnx_ucontext) == 304, "ucontext");
_Static_assert(sizeof(struct lnx_sigaction) == 32, "sigaction");

#endif
