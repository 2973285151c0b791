/*
 * status.h: wait statuses as Linux encodes them (what WIFEXITED, WEXITSTATUS, WIFSIGNALED,
 * WTERMSIG and WCOREDUMP decode in musl's <sys/wait.h>), and the siginfo codes of waitid.
 */
#ifndef PROC_STATUS_H
#define PROC_STATUS_H

#define PROC_W_EXITED(code) (((code)&0xff) << 8)                        /* exit(code) */
#define PROC_W_SIGNALED(sig, core) (((sig)&0x7f) | ((core) ? 0x80 : 0)) /* killed by sig */
#define PROC_W_STOPPED(sig) (((sig)&0xff) << 8 | 0x7f) /* stopped by sig (WIFSTOPPED) */
#define PROC_W_CONTINUED 0xffff                        /* continued (WIFCONTINUED) */
#define PROC_W_IFEXITED(s) (((s)&0x7f) == 0)
#define PROC_W_EXITSTATUS(s) (((s) >> 8) & 0xff)
#define PROC_W_TERMSIG(s) ((s)&0x7f)
#define PROC_W_COREDUMP(s) (((s)&0x80) != 0)

/* waitid's si_code for a status (CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3) and si_status. */
#define PROC_CLD_EXITED 1
#define PROC_CLD_KILLED 2
#define PROC_CLD_DUMPED 3
#define PROC_CLD_STOPPED 5
#define PROC_CLD_CONTINUED 6

/* The job-control signals (Linux's numbers). */
#define PROC_SIGCONT 18
#define PROC_SIGSTOP 19
#define PROC_SIGTSTP 20
#define PROC_SIGTTIN 21
#define PROC_SIGTTOU 22
int proc_status_cld_code(int status);
int proc_status_cld_status(int status);

/* A signal's default action as Linux has it (signal(7)), stop and continue aside: pm's job
 * control (pm_job.c) takes those before this is asked, so here they read as ignored. */
enum proc_sig_default { PROC_SIG_TERM = 0, PROC_SIG_CORE, PROC_SIG_IGN };
enum proc_sig_default proc_sig_default(int sig);

#endif
