/*
 * status.c: wait statuses and default signal actions as Linux has them (pure: host-tested in
 * tests/test_status.c).
 */
#include <proc/status.h>

int proc_status_cld_code(int status)
{
    if (status == PROC_W_CONTINUED)
        return PROC_CLD_CONTINUED;
    if ((status & 0xff) == 0x7f)
        return PROC_CLD_STOPPED;
    if (PROC_W_IFEXITED(status))
        return PROC_CLD_EXITED;
    return PROC_W_COREDUMP(status) ? PROC_CLD_DUMPED : PROC_CLD_KILLED;
}

int proc_status_cld_status(int status)
{
    if (status == PROC_W_CONTINUED)
        return PROC_SIGCONT;
    if ((status & 0xff) == 0x7f)
        return (status >> 8) & 0xff;
    return PROC_W_IFEXITED(status) ? PROC_W_EXITSTATUS(status) : PROC_W_TERMSIG(status);
}

enum proc_sig_default proc_sig_default(int sig)
{
    switch (sig) {
    case 3:  /* SIGQUIT */
    case 4:  /* SIGILL */
    case 5:  /* SIGTRAP */
    case 6:  /* SIGABRT */
    case 7:  /* SIGBUS */
    case 8:  /* SIGFPE */
    case 11: /* SIGSEGV */
    case 24: /* SIGXCPU */
    case 25: /* SIGXFSZ */
    case 31: /* SIGSYS */
        return PROC_SIG_CORE;
    case 17: /* SIGCHLD */
    case 18: /* SIGCONT */
    case 19: /* SIGSTOP: stops are pm's job control (pm_job.c) */
    case 20: /* SIGTSTP */
    case 21: /* SIGTTIN */
    case 22: /* SIGTTOU */
    case 23: /* SIGURG */
    case 28: /* SIGWINCH */
        return PROC_SIG_IGN;
    }
    return PROC_SIG_TERM;
}
