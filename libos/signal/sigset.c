/*
 * sigset.c: signal sets and default actions (pure; tests/test_sigset.c). The defaults are
 * Linux's (signal(7)): ignore SIGCHLD, SIGCONT, SIGURG, SIGWINCH; stop SIGSTOP, SIGTSTP,
 * SIGTTIN, SIGTTOU; terminate with a core the fault signals, SIGQUIT, SIGABRT, SIGXCPU,
 * SIGXFSZ, SIGSYS; terminate the rest, real-time signals included.
 */
#include <signal/sigset.h>

enum sig_default sig_default_action(int sig)
{
    switch (sig) {
    case LNX_SIGCHLD:
    case LNX_SIGCONT:
    case LNX_SIGURG:
    case LNX_SIGWINCH:
        return SIG_DEF_IGNORE;
    case LNX_SIGSTOP:
    case LNX_SIGTSTP:
    case LNX_SIGTTIN:
    case LNX_SIGTTOU:
        return SIG_DEF_STOP;
    case LNX_SIGQUIT:
    case LNX_SIGILL:
    case LNX_SIGTRAP:
    case LNX_SIGABRT:
    case LNX_SIGBUS:
    case LNX_SIGFPE:
    case LNX_SIGSEGV:
    case LNX_SIGXCPU:
    case LNX_SIGXFSZ:
    case LNX_SIGSYS:
        return SIG_DEF_CORE;
    }
    return SIG_DEF_TERM;
}

int sig_next(uint64_t set)
{
    uint64_t sync = set & SIG_SYNCHRONOUS;
    return __builtin_ctzll(sync ? sync : set) + 1;
}

int sig_mask_apply(uint64_t blocked, int how, uint64_t set, uint64_t *out)
{
    switch (how) {
    case LNX_SIG_BLOCK:
        blocked |= set;
        break;
    case LNX_SIG_UNBLOCK:
        blocked &= ~set;
        break;
    case LNX_SIG_SETMASK:
        blocked = set;
        break;
    default:
        return -1;
    }
    *out = blocked & ~SIG_UNBLOCKABLE;
    return 0;
}
