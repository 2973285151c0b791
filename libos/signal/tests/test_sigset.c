/*
 * test_sigset.c: signal sets on the host (libos/signal/sigset.c): default actions as
 * signal(7) lists them, synchronous signals taken first, rt_sigprocmask's arithmetic.
 */
#include <check.h>

#include <signal/sigset.h>

TEST_CASE(defaults)
{
    CHECK_EQ(sig_default_action(LNX_SIGCHLD), SIG_DEF_IGNORE);
    CHECK_EQ(sig_default_action(LNX_SIGWINCH), SIG_DEF_IGNORE);
    CHECK_EQ(sig_default_action(LNX_SIGURG), SIG_DEF_IGNORE);
    CHECK_EQ(sig_default_action(LNX_SIGCONT), SIG_DEF_IGNORE);
    CHECK_EQ(sig_default_action(LNX_SIGSTOP), SIG_DEF_STOP);
    CHECK_EQ(sig_default_action(LNX_SIGTSTP), SIG_DEF_STOP);
    CHECK_EQ(sig_default_action(LNX_SIGTTOU), SIG_DEF_STOP);
    CHECK_EQ(sig_default_action(LNX_SIGSEGV), SIG_DEF_CORE);
    CHECK_EQ(sig_default_action(LNX_SIGABRT), SIG_DEF_CORE);
    CHECK_EQ(sig_default_action(LNX_SIGQUIT), SIG_DEF_CORE);
    CHECK_EQ(sig_default_action(LNX_SIGSYS), SIG_DEF_CORE);
    CHECK_EQ(sig_default_action(LNX_SIGTERM), SIG_DEF_TERM);
    CHECK_EQ(sig_default_action(LNX_SIGKILL), SIG_DEF_TERM);
    CHECK_EQ(sig_default_action(LNX_SIGPIPE), SIG_DEF_TERM);
    CHECK_EQ(sig_default_action(LNX_SIGALRM), SIG_DEF_TERM);
    CHECK_EQ(sig_default_action(34), SIG_DEF_TERM); /* real-time */
    CHECK_EQ(sig_default_action(64), SIG_DEF_TERM);
}

TEST_CASE(order)
{
    CHECK_EQ(sig_bit(1), 1);
    CHECK_EQ(sig_bit(64), 1ull << 63);
    CHECK_EQ(sig_next(sig_bit(LNX_SIGUSR1)), LNX_SIGUSR1);
    CHECK_EQ(sig_next(sig_bit(LNX_SIGUSR2) | sig_bit(LNX_SIGHUP)), LNX_SIGHUP);
    /* A fault's signal first, whatever else is pending. */
    CHECK_EQ(sig_next(sig_bit(LNX_SIGHUP) | sig_bit(LNX_SIGSEGV)), LNX_SIGSEGV);
    CHECK_EQ(sig_next(sig_bit(LNX_SIGINT) | sig_bit(LNX_SIGFPE) | sig_bit(LNX_SIGSEGV)),
             LNX_SIGFPE);
    CHECK_EQ(sig_next(sig_bit(64)), 64);
}

TEST_CASE(masks)
{
    uint64_t m = 0;
    CHECK_EQ(sig_mask_apply(0, LNX_SIG_BLOCK, sig_bit(10), &m), 0);
    CHECK_EQ(m, sig_bit(10));
    CHECK_EQ(sig_mask_apply(m, LNX_SIG_BLOCK, sig_bit(12), &m), 0);
    CHECK_EQ(m, sig_bit(10) | sig_bit(12));
    CHECK_EQ(sig_mask_apply(m, LNX_SIG_UNBLOCK, sig_bit(10), &m), 0);
    CHECK_EQ(m, sig_bit(12));
    CHECK_EQ(sig_mask_apply(m, LNX_SIG_SETMASK, sig_bit(1), &m), 0);
    CHECK_EQ(m, sig_bit(1));
    /* Everything but SIGKILL and SIGSTOP; signal 64 (the sign bit) is a signal like any. */
    CHECK_EQ(sig_mask_apply(0, LNX_SIG_SETMASK, ~0ull, &m), 0);
    CHECK_EQ(m, ~(sig_bit(LNX_SIGKILL) | sig_bit(LNX_SIGSTOP)));
    uint64_t keep = 77;
    CHECK_EQ(sig_mask_apply(0, 3, 0, &keep), -1);
    CHECK_EQ(sig_mask_apply(0, -1, 0, &keep), -1);
    CHECK_EQ(keep, 77);
}
