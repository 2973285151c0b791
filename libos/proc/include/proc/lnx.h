/*
 * lnx.h: the Linux numbers the process part uses beyond posix/linux.h (call numbers, errno,
 * signals, wait flags, rlimits), written out as Linux x86-64 defines them. Each is guarded:
 * another part may define the same name with the same value.
 */
#ifndef PROC_LNX_H
#define PROC_LNX_H

#include <posix/linux.h>

#ifndef LNX_fork
#define LNX_fork 57
#endif
#ifndef LNX_vfork
#define LNX_vfork 58
#endif
#ifndef LNX_execve
#define LNX_execve 59
#endif
#ifndef LNX_wait4
#define LNX_wait4 61
#endif
#ifndef LNX_kill
#define LNX_kill 62
#endif
#ifndef LNX_setpgid
#define LNX_setpgid 109
#endif
#ifndef LNX_getpgrp
#define LNX_getpgrp 111
#endif
#ifndef LNX_setsid
#define LNX_setsid 112
#endif
#ifndef LNX_getpgid
#define LNX_getpgid 121
#endif
#ifndef LNX_getsid
#define LNX_getsid 124
#endif
#ifndef LNX_getrlimit
#define LNX_getrlimit 97
#endif
#ifndef LNX_setrlimit
#define LNX_setrlimit 160
#endif
#ifndef LNX_tgkill
#define LNX_tgkill 234
#endif
#ifndef LNX_waitid
#define LNX_waitid 247
#endif
#ifndef LNX_prlimit64
#define LNX_prlimit64 302
#endif

#ifndef LNX_ESRCH
#define LNX_ESRCH 3
#endif
#ifndef LNX_E2BIG
#define LNX_E2BIG 7
#endif
#ifndef LNX_ENOEXEC
#define LNX_ENOEXEC 8
#endif
#ifndef LNX_ENAMETOOLONG
#define LNX_ENAMETOOLONG 36
#endif
#ifndef LNX_ECHILD
#define LNX_ECHILD 10
#endif

#ifndef LNX_SIGHUP
#define LNX_SIGHUP 1
#endif
#ifndef LNX_EACCES
#define LNX_EACCES 13
#endif
#ifndef LNX_SIGKILL
#define LNX_SIGKILL 9
#endif
#ifndef LNX_SIGSEGV
#define LNX_SIGSEGV 11
#endif
#ifndef LNX_SIGTERM
#define LNX_SIGTERM 15
#endif
#ifndef LNX_SIGCHLD
#define LNX_SIGCHLD 17
#endif
#ifndef LNX_SIGCONT
#define LNX_SIGCONT 18
#endif
#ifndef LNX_NSIG
#define LNX_NSIG 64 /* signals 1..64 */
#endif
#ifndef LNX_SI_USER /* si_code: who sent a signal */
#define LNX_SI_USER 0
#endif
#ifndef LNX_SI_QUEUE
#define LNX_SI_QUEUE (-1)
#endif
#ifndef LNX_SI_TKILL
#define LNX_SI_TKILL (-6)
#endif

#ifndef LNX_WNOHANG
#define LNX_WNOHANG 1
#endif
#ifndef LNX_WUNTRACED
#define LNX_WUNTRACED 2
#endif
#ifndef LNX_WEXITED
#define LNX_WEXITED 4
#endif
#ifndef LNX_WCONTINUED
#define LNX_WCONTINUED 8
#endif
#ifndef LNX_WNOWAIT
#define LNX_WNOWAIT 0x01000000
#endif
#ifndef LNX___WALL
#define LNX___WALL 0x40000000
#endif
#ifndef LNX___WCLONE
#define LNX___WCLONE 0x80000000
#endif
#ifndef LNX_P_ALL
#define LNX_P_ALL 0
#define LNX_P_PID 1
#define LNX_P_PGID 2
#define LNX_P_PIDFD 3
#endif

#ifndef LNX_RLIMIT_NPROC
#define LNX_RLIMIT_NPROC 6
#endif
#define LNX_RLIM_INFINITY (~0ull)

#endif
