/*
 * test_frame.c: libos/signal/include/signal/frame.h against the host's own Linux ABI headers
 * (glibc's <signal.h> and <sys/ucontext.h> mirror the kernel's): every register's place in
 * the mcontext, the ucontext, siginfo and stack_t offsets, the numbers and flags a program
 * compiles in. A handler built for Linux reads a Tessera frame the same way.
 */
#define _GNU_SOURCE
#include <check.h>

#include <signal.h>
#include <stddef.h>
#include <sys/ucontext.h>

#include <signal/frame.h>

#define GREG(r) (offsetof(ucontext_t, uc_mcontext.gregs) + 8 * (r))
#define OURS(f) offsetof(struct lnx_ucontext, uc_mcontext.f)

TEST_CASE(registers)
{
    CHECK_EQ(OURS(r8), GREG(REG_R8));
    CHECK_EQ(OURS(r9), GREG(REG_R9));
    CHECK_EQ(OURS(r10), GREG(REG_R10));
    CHECK_EQ(OURS(r11), GREG(REG_R11));
    CHECK_EQ(OURS(r12), GREG(REG_R12));
    CHECK_EQ(OURS(r13), GREG(REG_R13));
    CHECK_EQ(OURS(r14), GREG(REG_R14));
    CHECK_EQ(OURS(r15), GREG(REG_R15));
    CHECK_EQ(OURS(rdi), GREG(REG_RDI));
    CHECK_EQ(OURS(rsi), GREG(REG_RSI));
    CHECK_EQ(OURS(rbp), GREG(REG_RBP));
    CHECK_EQ(OURS(rbx), GREG(REG_RBX));
    CHECK_EQ(OURS(rdx), GREG(REG_RDX));
    CHECK_EQ(OURS(rax), GREG(REG_RAX));
    CHECK_EQ(OURS(rcx), GREG(REG_RCX));
    CHECK_EQ(OURS(rsp), GREG(REG_RSP));
    CHECK_EQ(OURS(rip), GREG(REG_RIP));
    CHECK_EQ(OURS(eflags), GREG(REG_EFL));
    CHECK_EQ(OURS(cs), GREG(REG_CSGSFS));
    CHECK_EQ(OURS(err), GREG(REG_ERR));
    CHECK_EQ(OURS(trapno), GREG(REG_TRAPNO));
    CHECK_EQ(OURS(oldmask), GREG(REG_OLDMASK));
    CHECK_EQ(OURS(cr2), GREG(REG_CR2));
    CHECK_EQ(OURS(fpstate), offsetof(ucontext_t, uc_mcontext.fpregs));
    /* glibc's struct sigcontext is the kernel's */
    CHECK_EQ(sizeof(struct sigcontext), sizeof(struct lnx_sigcontext));
    CHECK_EQ(offsetof(struct sigcontext, rip), offsetof(struct lnx_sigcontext, rip));
    CHECK_EQ(offsetof(struct sigcontext, fpstate), offsetof(struct lnx_sigcontext, fpstate));
    CHECK_EQ(sizeof(struct _fpstate), 512);
}

TEST_CASE(ucontext_siginfo_stack)
{
    CHECK_EQ(offsetof(struct lnx_ucontext, uc_flags), offsetof(ucontext_t, uc_flags));
    CHECK_EQ(offsetof(struct lnx_ucontext, uc_link), offsetof(ucontext_t, uc_link));
    CHECK_EQ(offsetof(struct lnx_ucontext, uc_stack), offsetof(ucontext_t, uc_stack));
    CHECK_EQ(offsetof(struct lnx_ucontext, uc_mcontext), offsetof(ucontext_t, uc_mcontext));
    CHECK_EQ(offsetof(struct lnx_ucontext, uc_sigmask), offsetof(ucontext_t, uc_sigmask));
    CHECK_EQ(sizeof(struct lnx_siginfo), sizeof(siginfo_t));
    CHECK_EQ(offsetof(struct lnx_siginfo, si_signo), offsetof(siginfo_t, si_signo));
    CHECK_EQ(offsetof(struct lnx_siginfo, si_errno), offsetof(siginfo_t, si_errno));
    CHECK_EQ(offsetof(struct lnx_siginfo, si_code), offsetof(siginfo_t, si_code));
    CHECK_EQ(offsetof(struct lnx_siginfo, u.addr), offsetof(siginfo_t, si_addr));
    CHECK_EQ(offsetof(struct lnx_siginfo, u.proc.pid), offsetof(siginfo_t, si_pid));
    CHECK_EQ(offsetof(struct lnx_siginfo, u.proc.uid), offsetof(siginfo_t, si_uid));
    CHECK_EQ(offsetof(struct lnx_siginfo, u.proc.status), offsetof(siginfo_t, si_status));
    CHECK_EQ(sizeof(struct lnx_stack), sizeof(stack_t));
    CHECK_EQ(offsetof(struct lnx_stack, ss_sp), offsetof(stack_t, ss_sp));
    CHECK_EQ(offsetof(struct lnx_stack, ss_flags), offsetof(stack_t, ss_flags));
    CHECK_EQ(offsetof(struct lnx_stack, ss_size), offsetof(stack_t, ss_size));
    /* The frame: pretcode, then the ucontext, then siginfo (Linux's rt_sigframe). */
    CHECK_EQ(offsetof(struct lnx_rt_sigframe, uc), 8);
    CHECK_EQ(offsetof(struct lnx_rt_sigframe, info), 8 + 304);
}

TEST_CASE(numbers)
{
    CHECK_EQ(LNX_SIGSEGV, SIGSEGV);
    CHECK_EQ(LNX_SIGBUS, SIGBUS);
    CHECK_EQ(LNX_SIGUSR1, SIGUSR1);
    CHECK_EQ(LNX_SIGCHLD, SIGCHLD);
    CHECK_EQ(LNX_SIGSTOP, SIGSTOP);
    CHECK_EQ(LNX_SIGSYS, SIGSYS);
    CHECK_EQ(LNX_SA_SIGINFO, SA_SIGINFO);
    CHECK_EQ(LNX_SA_ONSTACK, SA_ONSTACK);
    CHECK_EQ(LNX_SA_RESTART, SA_RESTART);
    CHECK_EQ(LNX_SA_NODEFER, SA_NODEFER);
    CHECK_EQ(LNX_SA_RESETHAND, (unsigned)SA_RESETHAND);
    CHECK_EQ(LNX_SA_NOCLDSTOP, SA_NOCLDSTOP);
    CHECK_EQ(LNX_SS_ONSTACK, SS_ONSTACK);
    CHECK_EQ(LNX_SS_DISABLE, SS_DISABLE);
    CHECK_EQ(LNX_SIG_BLOCK, SIG_BLOCK);
    CHECK_EQ(LNX_SIG_UNBLOCK, SIG_UNBLOCK);
    CHECK_EQ(LNX_SIG_SETMASK, SIG_SETMASK);
    CHECK_EQ(LNX_SI_USER, SI_USER);
    CHECK_EQ(LNX_SI_KERNEL, SI_KERNEL);
    CHECK_EQ(LNX_SI_TKILL, SI_TKILL);
    CHECK_EQ(LNX_SI_TIMER, SI_TIMER);
    CHECK_EQ(LNX_SEGV_MAPERR, SEGV_MAPERR);
    CHECK_EQ(LNX_SEGV_ACCERR, SEGV_ACCERR);
    CHECK_EQ(LNX_BUS_ADRALN, BUS_ADRALN);
    CHECK_EQ(LNX_FPE_INTDIV, FPE_INTDIV);
    CHECK_EQ(LNX_FPE_FLTRES, FPE_FLTRES);
    CHECK_EQ(LNX_ILL_ILLOPN, ILL_ILLOPN);
    CHECK_EQ(LNX_TRAP_TRACE, TRAP_TRACE);
    CHECK_EQ(LNX_FP_XSTATE_MAGIC1, FP_XSTATE_MAGIC1);
    CHECK_EQ(LNX_FP_XSTATE_MAGIC2, FP_XSTATE_MAGIC2);
}
