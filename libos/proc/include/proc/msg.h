/*
 * msg.h: the pm RPC: a process calls pm with exo_pct_call(its pm capability, op, 0); the
 * arguments, results and bytes travel in its mailbox, pages pm owns that are mapped
 * read-write in the process at PROC_MBOX_VA and in pm at its slot's view. pm trusts nothing
 * it reads there: every value is read once into a local and checked (lengths within data,
 * strings NUL-terminated within bounds).
 */
#ifndef PROC_MSG_H
#define PROC_MSG_H

#include <proc/layout.h>

#include <stdint.h>

/* A handler's result that is not an errno value (Linux's lie below 4096): would block. */
#define PM_BLOCK (-4096L)

/* What pm's pct_return says (exo's own errors for the call are negative, so the op's result
 * travels in the mailbox, msg.ret, where no exo error can be mistaken for an errno). */
enum pm_reply {
    PM_R_DONE = 0,     /* msg.ret holds the op's result: >= 0 or -errno */
    PM_R_BLOCK = 1,    /* would block: wait on the wake event, then call again */
    PM_R_BUSY = 2,     /* pm's main loop is busy with a death: yield to pm, call again */
    PM_R_STRANGER = 3, /* the caller is no process of pm's */
};

/* wait's which and flags. */
#define PM_WAIT_ANY 0
#define PM_WAIT_PID 1
#define PM_WAIT_PGID 2
#define PM_WNOHANG 1u
#define PM_WNOWAIT 2u
#define PM_WEXITED 4u
#define PM_DISP_NOCLDSTOP 1u /* sig_disp's a[2]: SIGCHLD has SA_NOCLDSTOP */
#define PM_WSTOPPED 8u       /* report stops (wait4's WUNTRACED, waitid's WSTOPPED) */
#define PM_WCONTINUED 16u    /* report continues */

#define PM_ARGS 6
#define PM_DATA_MAX (PROC_MBOX_PAGES * 4096 - 256)

struct pm_msg {
    int64_t ret;               /* the op's result (PM_R_DONE) */
    int64_t a[PM_ARGS];        /* arguments */
    int64_t r[PM_ARGS];        /* results beyond the return value */
    uint8_t data[PM_DATA_MAX]; /* bytes: paths, argv, buffers */
};

/* The mailbox at PROC_MBOX_VA. pm writes the header when it makes the process; the process
 * may scribble on its own copy, but pm never reads the header back, sig_hold aside (read once,
 * as a hint that can only hurt its writer). */
struct proc_mbox {
    uint32_t magic;    /* PROC_MBOX_MAGIC */
    uint32_t slot;     /* its entry in the process table (table.h) */
    uint32_t pm_cap;   /* its capability slot for pm: CALL | RUN */
    uint32_t wake_cap; /* its capability slot for its wake event: WAIT */
    uint32_t exec_len; /* nonzero after exec: msg.data holds path, argv and envp strings */
    uint32_t exec_argc, exec_envc, pad;
    uint32_t exec_ids[4]; /* after exec: uid, euid, gid, egid for the auxv (AT_UID...) */
    uint32_t exec_secure; /* after exec: AT_SECURE (a set-user/group-ID image changed them) */
    uint32_t attention;   /* nonzero: a signal may be pending (pm's, the libOS's own) or a timer
                           * armed: a call's return must look (libos/posix/syscall.c); zero: it
                           * need not. Set after whatever it announces, cleared before a look */
    uint64_t exec_sig[3]; /* exec: the old image's signal mask, pending and ignored sets
                           * (libos/signal's struct los_sig_exec), written by it before the
                           * call, read by the new image's start; pm neither reads nor clears */
    uint64_t sig_hold;    /* signals the process holds now (blocked or waited for in every
                           * thread: the mask a running handler adds, sigsuspend's): pm leaves
                           * one of them pending instead of taking its default action. Written
                           * by the libOS without a pm call (libos/signal/action.c); pm reads it
                           * once per signal and never holds SIGKILL or SIGSTOP */

    /* Bit g: ext2's shared cache buffer g is mapped here read-only, and so is its index; set
     * by pm (libos/ext2/pm_share.c), zero in a new env. */
    uint64_t cache_map[4];
    /* pm's number for this process's descriptor table: a new one whenever a descriptor is
     * closed or replaced (never a value seen before, here or in another process), so what
     * the libOS learnt of an fd under one value still holds while it stays. */
    uint64_t cache_fdgen;
    struct pm_msg msg;
};

/* sig_fetch's entries in data: a signal with what its siginfo says (pm_sigq.c). */
struct pm_siginfo {
    int32_t signo, code, pid;
    uint32_t uid;
    int64_t value; /* sigqueue's sival */
    uint32_t seq, pad;
};
#define PM_SIGINFO_MAX 128 /* sig_fetch hands at most this many at once */

#define PROC_MBOX_MAGIC 0x786f626du /* "mbox" */

_Static_assert(sizeof(struct proc_mbox) <= PROC_MBOX_PAGES * 4096, "mailbox fits its pages");

enum pm_op {
#define PM_OP(num, name, doc) PM_OP_##name = num,
#include <proc/ops.def>
#undef PM_OP
};

#define PM_NOPS 192 /* op numbers below this are dispatched (ops.def's ranges) */

#endif
