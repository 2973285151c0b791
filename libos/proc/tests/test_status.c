/*
 * test_status.c: wait statuses as musl's <sys/wait.h> macros decode them (the host's glibc
 * macros are Linux's too: compared here), waitid's codes, and the default action of every
 * signal (libos/proc/status.c).
 */
#include <check.h>

#include <proc/status.h>

#include <signal.h>
#include <sys/wait.h>

TEST_CASE(statuses)
{
    for (int code = 0; code < 256; code++) {
        int s = PROC_W_EXITED(code);
        CHECK_EQ(WIFEXITED(s), 1);
        CHECK_EQ(WIFSIGNALED(s), 0);
        CHECK_EQ(WEXITSTATUS(s), code);
        CHECK_EQ(proc_status_cld_code(s), PROC_CLD_EXITED);
        CHECK_EQ(proc_status_cld_status(s), code);
    }
    CHECK_EQ(PROC_W_EXITED(256), 0); /* exit(256) is exit(0) */
    CHECK_EQ(PROC_W_EXITED(-1), 0xff00);
    for (int sig = 1; sig < 65; sig++) {
        int s = PROC_W_SIGNALED(sig, 0), c = PROC_W_SIGNALED(sig, 1);
        CHECK_EQ(WIFSIGNALED(s), 1);
        CHECK_EQ(WIFEXITED(s), 0);
        CHECK_EQ(WTERMSIG(s), sig);
        CHECK_EQ(WCOREDUMP(s) != 0, 0);
        CHECK_EQ(WTERMSIG(c), sig);
        CHECK_EQ(WCOREDUMP(c) != 0, 1);
        CHECK_EQ(PROC_W_TERMSIG(c), sig);
        CHECK_EQ(PROC_W_COREDUMP(c), 1);
        CHECK_EQ(proc_status_cld_code(s), PROC_CLD_KILLED);
        CHECK_EQ(proc_status_cld_code(c), PROC_CLD_DUMPED);
        CHECK_EQ(proc_status_cld_status(c), sig);
    }
    CHECK_EQ(PROC_CLD_EXITED, CLD_EXITED);
    CHECK_EQ(PROC_CLD_KILLED, CLD_KILLED);
    CHECK_EQ(PROC_CLD_DUMPED, CLD_DUMPED);
}

TEST_CASE(default_actions)
{
    const int core[] = {SIGQUIT, SIGILL,  SIGTRAP, SIGABRT, SIGBUS,
                        SIGFPE,  SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS};
    const int ign[] = {SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH};
    const int term[] = {SIGHUP,    SIGINT,    SIGKILL, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
                        SIGSTKFLT, SIGVTALRM, SIGPROF, SIGIO,   SIGPWR,  32,      64};
    for (unsigned i = 0; i < sizeof core / sizeof core[0]; i++)
        CHECK_EQ(proc_sig_default(core[i]), PROC_SIG_CORE);
    for (unsigned i = 0; i < sizeof ign / sizeof ign[0]; i++)
        CHECK_EQ(proc_sig_default(ign[i]), PROC_SIG_IGN);
    for (unsigned i = 0; i < sizeof term / sizeof term[0]; i++)
        CHECK_EQ(proc_sig_default(term[i]), PROC_SIG_TERM);
}
