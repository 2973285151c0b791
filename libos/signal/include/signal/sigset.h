/*
 * sigset.h: the pure parts of signals (sigset.c, fault.c; host-tested in tests/): sets of
 * signals as 64-bit masks, default actions, rt_sigprocmask's arithmetic, the order signals
 * are taken in, and what CPU fault becomes which signal with which siginfo.
 */
#ifndef SIGNAL_SIGSET_H
#define SIGNAL_SIGSET_H

#include <signal/frame.h>

#include <stdint.h>

static inline uint64_t sig_bit(int sig)
{
    return 1ull << (sig - 1);
}

/* Signals no mask can hold back and no handler can take. */
#define SIG_UNBLOCKABLE (sig_bit(LNX_SIGKILL) | sig_bit(LNX_SIGSTOP))
/* Signals a fault raises: taken before any other pending signal (as Linux does). */
#define SIG_SYNCHRONOUS                                                                            \
    (sig_bit(LNX_SIGSEGV) | sig_bit(LNX_SIGBUS) | sig_bit(LNX_SIGILL) | sig_bit(LNX_SIGTRAP) |     \
     sig_bit(LNX_SIGFPE) | sig_bit(LNX_SIGSYS))

enum sig_default { SIG_DEF_TERM, SIG_DEF_CORE, SIG_DEF_IGNORE, SIG_DEF_STOP };

/* What SIG_DFL does for sig (1..64); real-time signals terminate. */
enum sig_default sig_default_action(int sig);

/* The signal to take first from a nonempty set: the lowest synchronous one, else the lowest. */
int sig_next(uint64_t set);

/* rt_sigprocmask: the new mask from how (LNX_SIG_*) and set in *out (SIGKILL and SIGSTOP are
 * never blocked): 0, or -1 if how is not one of the three (*out untouched). */
int sig_mask_apply(uint64_t blocked, int how, uint64_t set, uint64_t *out);

/* A CPU exception in the program as Linux reports it: the signal (returned) and *info
 * (si_signo, si_code, si_addr: the faulting address for a page fault, the instruction for
 * #DE/#UD/#MF/#XM, 0 for a general protection fault, as Linux gives). mxcsr: the SIMD
 * exception flags for #XM. */
int sig_from_fault(uint64_t vector, uint64_t error, uint64_t addr, uint64_t rip, uint32_t mxcsr,
                   struct lnx_siginfo *info);

#endif
