/*
 * pm.h: the process server, pm, which runs inside init (pid 1). Every process is an env pm
 * creates, so pm is exo's parent of them all: one ending never takes another with it, and pm
 * can always destroy one. pm is single-threaded: it serves one call at a time (exo answers
 * EXO_E_BUSY to the others), never blocks while serving, and learns of every death through
 * one event (exo's env_watch) its main loop waits on.
 *
 * Adding an op (libos/proc/README.md): one row in ops.def and a handler
 *     long pm_op_<name>(struct pm_proc *p, struct pm_msg *m);
 * p is the caller (never NULL), m its mailbox as pm sees it (untrusted bytes).
 */
#ifndef PROC_PM_H
#define PROC_PM_H

#include <proc/msg.h>
#include <proc/table.h>

#include <stdint.h>

#define PROC_THREADS_MAX 64 /* live threads a process may have (exo's env_limit) */
#define PM_NPARTS 4         /* per-process state slots for other parts (fs, signals, tty...) */

/* pm's own view of a process (the shared entry is table.h's, at the same slot). */
#define PM_CMDLINE_MAX 128
#define PM_ENVIRON_MAX 256

struct pm_proc {
    int slot;                      /* index in the table (and in pm_procs) */
    struct proc_entry *e;          /* its shared entry */
    uint64_t env_cap;              /* pm's capability slot for its env */
    uint64_t wake_cap;             /* pm's capability slot for its wake event (POST | WAIT) */
    struct pm_msg *msg;            /* its mailbox, as pm maps it */
    int said_exit;                 /* it reported its status (exit, or a signal's default action) */
    int32_t exit_status;           /* that status */
    int embryo;                    /* forked, not yet reported started by the parent (fork_done) */
    const void *waits_on;          /* what it blocks on (pm_wait_on), or NULL */
    uint64_t nproc_cur, nproc_max; /* RLIMIT_NPROC */
    uint64_t sig_caught, sig_ignored; /* what it told pm (sig_disp): bit sig - 1 */
    uint64_t sig_blocked;             /* of sig_caught, those it blocks (sig_disp) */
    int rights;                       /* holds init's interrupt and device rights (pm_spawn) */
    int execd;                        /* it has exec'd since its fork: setpgid on it is EACCES */
    int nocldstop;                    /* its SIGCHLD has SA_NOCLDSTOP (sig_disp) */
    int stopped, stop_sig;            /* stopped by stop_sig (exo's env_stop: pm_job.c) */
    int job_report;                   /* PM_JOB_STOPPED/CONTINUED: news for its parent's wait */
    void *part[PM_NPARTS];            /* other parts' state (pm_parts_add) */
    char cmdline[PM_CMDLINE_MAX];     /* argv, each NUL-terminated (cut): /proc/PID/cmdline */
    uint32_t cmdline_len;
    char exe[64];                 /* the path its image came from, absolute (cut): /proc/PID/exe */
    char environ[PM_ENVIRON_MAX]; /* envp at its exec, whole strings that fit: /proc/PID/environ */
    uint32_t environ_len;
    uint32_t gen; /* which process of its pid this is (pm_proc_new counts): /proc's ESRCH */
};
/* envp as /proc/PID/environ shows it: the strings of [env, env + len) that fit whole. */
void pm_environ_set(struct pm_proc *p, const char *env, uint64_t len);
void pm_exe_set(struct pm_proc *p, const char *path);
/* argv as /proc/PID/cmdline shows it: from the spawn's words or exec's strings (pm_cmdline). */
void pm_cmdline_set(struct pm_proc *p, const char *words, uint64_t len, int split);
static inline uint64_t pm_strlen(const char *s)
{
    uint64_t n = 0;
    while (s && s[n])
        n++;
    return n;
}

/* Lifecycle hooks another part (fs: fd tables; signals: dispositions) registers with
 * pm_parts_add: each may be NULL. fork returns 0 or -errno (the fork fails with it). */
struct pm_part {
    int (*fork)(struct pm_proc *parent, struct pm_proc *child);
    void (*exec)(struct pm_proc *p); /* the image changes (O_CLOEXEC, handled signals) */
    void (*exit)(struct pm_proc *p); /* it ended: release what it held (fds, locks) */
};
int pm_parts_add(const struct pm_part *part);
int pm_parts_fork(struct pm_proc *parent, struct pm_proc *child); /* 0 or the first -errno */
void pm_parts_exec(struct pm_proc *p);
void pm_parts_exit(struct pm_proc *p);

/* Job control (pm_job.c). pm_deliver: one signal to one process as pm acts on it (pm_ops.c);
 * pm_job_signal takes the stop signals and SIGCONT (1: done with it); pm_job_wait_status: a
 * stop or continue to report to wait (flags PM_W*), its status, cleared unless PM_WNOWAIT. */
#define PM_JOB_STOPPED 1
#define PM_JOB_CONTINUED 2
void pm_deliver(struct pm_proc *t, int sig);
int pm_job_signal(struct pm_proc *t, int sig);
int pm_job_is_stop(int sig);
void pm_job_continue(struct pm_proc *t);
int pm_job_orphaned(int32_t pgid);
void pm_job_orphan_check(int32_t pgid); /* SIGHUP + SIGCONT if orphaned with a stopped member */
/* A move of t to another group or session (setpgid, setsid) may orphan its own group and its
 * children's: pm_job_linked puts those not orphaned before the move in groups (PROC_MAX
 * entries), their count; pm_job_orphans_after, after the move, gives each that is orphaned now
 * with a stopped member SIGHUP then SIGCONT (POSIX: newly orphaned). */
int pm_job_linked(const struct pm_proc *t, int32_t *groups);
void pm_job_orphans_after(const int32_t *groups, int n);
int pm_job_wait_status(struct pm_proc *c, uint64_t flags, int32_t *status);

/* The handlers, from ops.def. */
#define PM_OP(num, name, doc) long pm_op_##name(struct pm_proc *p, struct pm_msg *m);
#include <proc/ops.def>
#undef PM_OP

/* Sets pm up in the calling env (init): the table, its own entry (pid 1), the death event,
 * the call entry. 0 or an exo error. */
int pm_init(void);

/* init's main loop: a new process (parent: init) running archive program `name` with the
 * command line `cmdline` (argv, space-separated; NULL: none), also given init's rights over
 * interrupt vectors and virtio devices; then pm serves until it has ended, reaps it and
 * stores its wait status. Its pid, or an exo error (nothing left behind). */
int64_t pm_run(const char *name, const char *cmdline, int *status);

/* The parts of pm_run: the spawn (called with pm busy), and serving until process `pid` (a
 * child of init) has ended, then reaping it: its wait status (-1: no such child). */
int64_t pm_spawn(const char *name, const char *cmdline);
int pm_wait_child(int32_t pid);

/* Blocking: p waits on `object` (any address naming a thing whose state may change: a child
 * list, a pipe); the op returns PM_BLOCK. pm_wake(object) posts the wake event of every
 * process waiting on it (fs_wake lands here). */
long pm_wait_on(struct pm_proc *p, const void *object);
void pm_wake(const void *object);

/* The process with this pid (live or zombie), or NULL; init's table. */
struct pm_proc *pm_proc_by_pid(int32_t pid);

/* Who may see and act on whom (pm_perm.c). pm_visible: not free, and not a fork's copy still
 * being made (an embryo whose env has never run); pm_proc_visible: pm_proc_by_pid if visible.
 * pm_may_signal: Linux's kill permission (pid 1 from root only; pm itself, slot 0, is root);
 * pm_may_inspect: /proc's private files (the same uid, or root). pm_ids: a process's user ids,
 * from the file layer's credentials (pm_ids_of; root's until then). */
struct pm_ids {
    uint32_t uid, euid, suid;
};
extern void (*pm_ids_of)(const struct pm_proc *p, struct pm_ids *ids);
void pm_ids(const struct pm_proc *p, struct pm_ids *ids);
int pm_visible(const struct pm_proc *t);
struct pm_proc *pm_proc_visible(int32_t pid);
int pm_may_signal(const struct pm_proc *p, const struct pm_proc *t, int sig);
int pm_may_inspect(const struct pm_proc *p, const struct pm_proc *t);
extern struct pm_proc pm_procs[PROC_MAX];
/* 1 + the highest table slot not FREE: pm's own loops over processes stop there. */
extern int pm_top;
extern struct proc_table *pm_table;

/* Internals shared by pm's files. */
struct pm_proc *pm_proc_new(void); /* a slot and pid, entry ALIVE, not yet an env */
/* Binds env_cap's env as p's image: mailbox (zeroed if `fresh`), table, caps, the death watch;
 * p changes only once all of it is done. */
int pm_proc_bind(struct pm_proc *p, uint64_t env_cap, int fresh);
/* exec, once the old image is gone: the slot's mailbox on new pages (the old ones freed, so
 * unmapped from wherever they were), mapped into p's env, the header written from pm's own
 * record. 0, or an exo error (no page: the process cannot go on). */
int pm_mbox_renew(struct pm_proc *p);
int64_t pm_pass_rights(uint64_t env); /* init's interrupt and device rights, as los_run */
/* Where exec finds an image's bytes: the boot archive by default (a leading '/' dropped); the
 * fs part replaces it to read files. 0 and the bytes (valid until the next call), or -errno. */
extern long (*pm_exec_image)(struct pm_proc *p, const char *path, const void **elf, uint64_t *size);
/* The same for a dynamic Linux binary's interpreter (PT_INTERP), in a buffer of its own: the
 * image's bytes stay valid beside it. */
extern long (*pm_exec_interp)(struct pm_proc *p, const char *path, const void **elf,
                              uint64_t *size);
void pm_proc_release(struct pm_proc *p);         /* the slot is free again */
void pm_reap(void);                              /* finds ended envs: zombies, orphans, wakes */
void pm_post_signal(struct pm_proc *p, int sig); /* pending bit, wake; SIGKILL destroys */
/* What p blocks now: what sig_disp told, and its mailbox's sig_hold word (msg.h: a running
 * handler's mask, sigsuspend's), read once; never SIGKILL, SIGSTOP or an ignored signal, so
 * a hostile word only keeps its own signals pending. pm_sig_keeps: those and the ones it
 * catches: what pm leaves pending for its libOS instead of acting on (pm_ops.c). */
uint64_t pm_sig_held(const struct pm_proc *p);
uint64_t pm_sig_keeps(const struct pm_proc *p);

/* A signal with what its siginfo says (pm_sigq.c): a standard one coalesces while pending, a
 * real-time one queues each instance. pm_send is kill's delivery to one process (pm_ops.c):
 * left pending if caught, the default action or nothing otherwise; 0 or -EAGAIN (queue full).
 * sig_fetch hands the entries to their process in send order (data, the return value counts
 * them). pm_uid_of: the sender's real uid (the file layer's credentials; NULL: 0). */
int pm_sigq_add(struct pm_proc *t, const struct pm_siginfo *info);
long pm_sigq_fetch(struct pm_proc *p, struct pm_msg *m);
long pm_send(struct pm_proc *t, const struct pm_siginfo *info);
extern uint32_t (*pm_uid_of)(const struct pm_proc *p);
/* SIGCHLD to parent for child pid (real uid uid) whose wait status became status (exited,
 * killed, stopped, continued): si_code CLD_*, si_status, si_pid, si_uid, as Linux's; only if
 * the parent catches or holds SIGCHLD (its default is to ignore). */
void pm_sigchld(struct pm_proc *parent, int32_t pid, uint32_t uid, int status);
uint32_t pm_sender_uid(const struct pm_proc *p);
void pm_claim_cap(uint64_t slot); /* pm got cap slot `slot` from exo: its old env has ended */
extern uint64_t pm_death_cap;     /* the event every process env's end posts */
/* Run in pm's main loop after each wake of pm_death_cap (or its deadline), outside any call
 * and busy: the terminal part binds console input to that event and moves the bytes into its
 * line discipline here; the network part (libos/net/pm_net.c) reads its receive ring and runs
 * lwIP's timers. Up to PM_LOOP_HOOKS, run in the order added; -1 when full. */
#define PM_LOOP_HOOKS 4
int pm_loop_add(void (*fn)(void));
/* The main loop's wait also ends by this TSC reading (NULL, or 0 returned: no deadline of its
 * own): lwIP's next timer. */
extern uint64_t (*pm_loop_deadline)(void);
/* Run after every op pm answered for p (NULL: none): the file part publishes p's descriptor
 * table number in its mailbox (cache_fdgen, libos/ext2/pm_share.c). */
extern void (*pm_op_after)(struct pm_proc *p);
extern int32_t pm_init_waits; /* the pid init's main loop waits for (not auto-reaped) */
/* init's inittab loop (apps/init): children of init are kept as zombies for it (not reaped at
 * death) while pm_init_keeps is set; pm_wait_init reaps one: its pid and *status; with no
 * deadline (0) 0 when pm_init_stop is set (a reboot(2) or a signal to pid 1 asked for the end);
 * with one, it waits on whatever pm_init_stop says (the shutdown's waits for the processes to
 * end: returning at once would spin past the deadline) and is -1 past the TSC deadline. */
extern int pm_init_keeps;
extern volatile int pm_init_stop; /* PM_STOP_POWEROFF, PM_STOP_REBOOT, PM_STOP_HALT; 0: run */
#define PM_STOP_POWEROFF 1
#define PM_STOP_REBOOT 2
#define PM_STOP_HALT 3
int32_t pm_wait_init(uint64_t deadline, int *status);
/* A new process (parent: init, no device rights) running the file at path (read as init
 * reads it: pm_exec_image) with argv the words of cmdline: its pid, or -errno. */
int64_t pm_start_path(const char *path, const char *cmdline);
void pm_init_signal(int sig); /* a signal to pid 1 (pm_power.c) */
/* init's own work on pm's state outside a call (the inittab loop reading a file, signalling
 * everyone, unmounting) holds pm busy: a call arriving meanwhile is told to retry. */
void pm_busy(int b);
/* The file layer for init (libos/fs/pm_fs.c): the first len bytes of a file, as root (the
 * layer started if it was not), how many, or -errno; at the end every file system synced and
 * the disks unmounted cleanly. */
long pm_file_read(const char *path, void *buf, uint64_t len);
long pm_fs_shutdown(void);
void pm_signal_all(int sig); /* every process but init */
int pm_alive_count(void);    /* processes alive, init not counted */

#endif
