/*
 * posix_proc.c: the Linux process calls as pm operations (calls.def's proc block): fork and
 * vfork, wait4 and waitid with exact statuses, kill, process groups and sessions,
 * RLIMIT_NPROC. Pointers handed in are checked before pm is asked (EFAULT, and nothing reaped
 * for a status that could not be stored), until the signals part's user-access helpers do it.
 */
#include <posix/calls.h>
#include <proc/client.h>
#include <proc/lnx.h>
#include <proc/status.h>

#include <signal/sig.h>

#include <los/cow.h>
#include <los/los.h>
#include <los/spawn.h>

#include <string.h>

/* Is [p, p + len) mapped in this process, writable if `write`? (exo's page_lookup, per page.) */
static int user_ok(uint64_t p, uint64_t len, int write)
{
    if (!p || p >= EXO_USER_TOP || len > EXO_USER_TOP - p)
        return 0;
    for (uint64_t pg = p & ~(EXO_PAGE - 1); pg < p + len; pg += EXO_PAGE) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, pg);
        if (pte < 0 && posix_memory_demand(pg)) /* never touched: paged in now */
            pte = exo_page_lookup(EXO_CAP_SELF, pg);
        if (pte < 0 || (pte & EXO_PROT_XONLY) || (write && !los_cow_writable(pg, pte)))
            return 0; /* copy-on-write is writable: the first store makes the page ours; an
                         execute-only one (the Linux runtime's trampoline) is not there */
    }
    return 1;
}

long posix_fork(const long a[6])
{
    (void)a;
    return proc_fork();
}

long posix_vfork(const long a[6])
{
    (void)a;
    long pid = proc_fork(); /* copy-on-write, so the child's memory is its own */
    if (pid > 0)
        proc_vfork_wait(pid); /* suspended until the child execs or exits */
    return pid;
}

/* pm's wait: the pid reaped (0: none yet with WNOHANG), *status its status. */
static long wait_pm(int64_t which, int64_t id, uint64_t flags, int *status)
{
    struct pm_msg *m = proc_msg();
    m->a[0] = which;
    m->a[1] = id;
    m->a[2] = (int64_t)flags;
    long r = proc_call(PM_OP_wait);
    if (r > 0)
        *status = (int)m->r[0];
    return r;
}

long posix_wait4(const long a[6])
{
    long pid = (int)a[0]; /* pid_t: Linux reads 32 bits (glibc's waitpid(-1) zero-extends) */
    uint64_t st = (uint64_t)a[1], ru = (uint64_t)a[3];
    unsigned long opt = (unsigned long)a[2];
    if (opt & ~(unsigned long)(LNX_WNOHANG | LNX_WUNTRACED | LNX_WCONTINUED | LNX___WALL |
                               LNX___WCLONE | 0x20000000 /* __WNOTHREAD */))
        return -LNX_EINVAL;
    if ((st && !user_ok(st, sizeof(int), 1)) || (ru && !user_ok(ru, 144, 1)))
        return -LNX_EFAULT;
    if (pid == (long)(int32_t)0x80000000)
        return -LNX_ESRCH; /* -INT_MIN names no group */
    int64_t which = pid == -1 ? PM_WAIT_ANY : pid > 0 ? PM_WAIT_PID : PM_WAIT_PGID;
    int64_t id = pid < -1 ? -pid : pid > 0 ? pid : 0;
    int status = 0;
    long r = wait_pm(which, id,
                     PM_WEXITED | (opt & LNX_WNOHANG ? PM_WNOHANG : 0) |
                         (opt & LNX_WUNTRACED ? PM_WSTOPPED : 0) |
                         (opt & LNX_WCONTINUED ? PM_WCONTINUED : 0),
                     &status);
    if (r > 0 && st)
        *(int *)st = status;
    if (r > 0 && ru)
        memset((void *)ru, 0, 144); /* struct rusage: no accounting yet */
    return r;
}

/* Linux's siginfo_t for SIGCHLD, as waitid fills it. */
struct lnx_siginfo_chld {
    int32_t si_signo, si_errno, si_code, pad;
    int32_t si_pid;
    uint32_t si_uid;
    int32_t si_status;
    uint8_t rest[128 - 28];
};
_Static_assert(sizeof(struct lnx_siginfo_chld) == 128, "siginfo_t is 128 bytes");

long posix_waitid(const long a[6])
{
    long idtype = (int)a[0], id = (int)a[1]; /* int and pid_t, as Linux reads them */
    uint64_t info = (uint64_t)a[2], ru = (uint64_t)a[4];
    unsigned long opt = (unsigned long)a[3];
    if (opt & ~(unsigned long)(LNX_WNOHANG | LNX_WEXITED | 2 /* WSTOPPED */ | LNX_WCONTINUED |
                               LNX_WNOWAIT | LNX___WALL | LNX___WCLONE | 0x20000000))
        return -LNX_EINVAL;
    if (!(opt & (LNX_WEXITED | 2 | LNX_WCONTINUED)))
        return -LNX_EINVAL;
    int64_t which;
    switch (idtype) {
    case LNX_P_ALL:
        which = PM_WAIT_ANY;
        break;
    case LNX_P_PID:
        if (id <= 0)
            return -LNX_EINVAL;
        which = PM_WAIT_PID;
        break;
    case LNX_P_PGID:
        if (id < 0)
            return -LNX_EINVAL;
        which = PM_WAIT_PGID;
        break;
    default:
        return -LNX_EINVAL;
    }
    if ((info && !user_ok(info, 128, 1)) || (ru && !user_ok(ru, 144, 1)))
        return -LNX_EFAULT;
    uint64_t flags = (opt & LNX_WEXITED ? PM_WEXITED : 0) | (opt & 2 ? PM_WSTOPPED : 0) |
                     (opt & LNX_WCONTINUED ? PM_WCONTINUED : 0) |
                     (opt & LNX_WNOHANG ? PM_WNOHANG : 0) | (opt & LNX_WNOWAIT ? PM_WNOWAIT : 0);
    int status = 0;
    long r = wait_pm(which, id, flags, &status);
    if (r < 0)
        return r;
    if (info) {
        struct lnx_siginfo_chld *si = (struct lnx_siginfo_chld *)info;
        memset(si, 0, sizeof *si); /* WNOHANG with none ready: all zero, as Linux */
        if (r > 0) {
            si->si_signo = LNX_SIGCHLD;
            si->si_code = proc_status_cld_code(status);
            si->si_pid = (int32_t)r;
            si->si_status = proc_status_cld_status(status);
        }
    }
    if (ru)
        memset((void *)ru, 0, 144);
    return 0;
}

long proc_kill_code(long pid, long sig, long code);
long proc_kill_code(long pid, long sig, long code)
{
    if (sig < 0 || sig > LNX_NSIG)
        return -LNX_EINVAL;
    if (!proc_present) /* one process: only ourselves to name */
        return pid == posix_pid || pid == 0 || pid == -1 ? (sig ? -LNX_ENOSYS : 0) : -LNX_ESRCH;
    struct pm_msg *m = proc_msg();
    m->a[0] = pid;
    m->a[1] = sig;
    m->a[2] = code; /* SI_USER, or tkill's SI_TKILL */
    return proc_call(PM_OP_kill);
}

long proc_kill(long pid, long sig);
long proc_kill(long pid, long sig)
{
    return proc_kill_code(pid, sig, LNX_SI_USER);
}

long posix_kill(const long a[6])
{
    return proc_kill((int)a[0], (int)a[1]); /* pid_t and int: 32 bits, as Linux reads them */
}

static long pm_op1(unsigned op, long a0, long a1)
{
    if (!proc_present)
        return -LNX_ENOSYS;
    struct pm_msg *m = proc_msg();
    m->a[0] = a0;
    m->a[1] = a1;
    return proc_call(op);
}

long posix_setpgid(const long a[6])
{
    return pm_op1(PM_OP_setpgid, (int)a[0], (int)a[1]); /* pid_t: 32 bits */
}

long posix_getpgid(const long a[6])
{
    return pm_op1(PM_OP_getpgid, (int)a[0], 0);
}

long posix_getpgrp(const long a[6])
{
    (void)a;
    return proc_present ? proc_self()->pgid : posix_pid;
}

long posix_setsid(const long a[6])
{
    (void)a;
    return pm_op1(PM_OP_setsid, 0, 0);
}

long posix_getsid(const long a[6])
{
    return pm_op1(PM_OP_getsid, (int)a[0], 0);
}

struct lnx_rlimit {
    uint64_t cur, max;
};

/* prlimit on ourselves: RLIMIT_NPROC is pm's; the others are reported unlimited (the stack:
 * its real size) and a new value is accepted but not enforced. */
static long rlimit(long res, const struct lnx_rlimit *new, struct lnx_rlimit *old)
{
    if (res < 0 || res >= 16)
        return -LNX_EINVAL;
    if ((new && !user_ok((uint64_t) new, sizeof *new, 0)) ||
        (old && !user_ok((uint64_t)old, sizeof *old, 1)))
        return -LNX_EFAULT;
    if (new &&new->cur > new->max)
        return -LNX_EINVAL;
    if (res == 7) /* RLIMIT_NOFILE: the file layer's */
        return posix_rlimit_nofile(new ? &new->cur : NULL, old ? &old->cur : NULL);
    if (res == LNX_RLIMIT_NPROC && proc_present) {
        struct pm_msg *m = proc_msg();
        m->a[0] = res;
        m->a[1] = new != NULL;
        if (new) {
            m->r[0] = (int64_t) new->cur;
            m->r[1] = (int64_t) new->max;
        }
        long r = proc_call(PM_OP_rlimit);
        if (r < 0)
            return r;
        if (old)
            *old = (struct lnx_rlimit){(uint64_t)m->r[2], (uint64_t)m->r[3]};
        return 0;
    }
    if (old) {
        uint64_t v = res == 3 /* RLIMIT_STACK */ ? LOS_STACK_PAGES * EXO_PAGE : LNX_RLIM_INFINITY;
        *old = (struct lnx_rlimit){v, v};
    }
    return 0;
}

long posix_prlimit64(const long a[6])
{
    if (a[0] != 0 && a[0] != (proc_present ? proc_self()->pid : posix_pid))
        return -LNX_EPERM; /* another process's limits: not yet */
    return rlimit(a[1], (const struct lnx_rlimit *)a[2], (struct lnx_rlimit *)a[3]);
}

long posix_getrlimit(const long a[6])
{
    if (!a[1])
        return -LNX_EFAULT;
    return rlimit(a[0], NULL, (struct lnx_rlimit *)a[1]);
}

long posix_setrlimit(const long a[6])
{
    if (!a[1])
        return -LNX_EFAULT;
    return rlimit(a[0], (const struct lnx_rlimit *)a[1], NULL);
}

/* Copies the NUL-terminated string at user address s to dst[0, room): its length with the
 * NUL, -EFAULT if it runs into a page not mapped, -E2BIG if it does not fit. */
static long copy_str(char *dst, uint64_t room, uint64_t s)
{
    for (uint64_t i = 0;; i++) {
        if (i == 0 || (s + i) % EXO_PAGE == 0)
            if (!user_ok(s + i, 1, 0))
                return -LNX_EFAULT;
        if (i == room)
            return -LNX_E2BIG;
        char c = *(const char *)(s + i);
        dst[i] = c;
        if (!c)
            return (long)i + 1;
    }
}

/* Appends the strings of the NULL-terminated vector at user address vec (NULL: none). */
static long copy_vec(char *data, uint64_t *used, uint64_t vec, int64_t *count)
{
    *count = 0;
    for (uint64_t k = 0; vec; k++) {
        if (!user_ok(vec + 8 * k, 8, 0))
            return -LNX_EFAULT;
        uint64_t s = *(const uint64_t *)(vec + 8 * k);
        if (!s)
            return 0;
        long n = copy_str(data + *used, PM_DATA_MAX - *used, s);
        if (n < 0)
            return n;
        *used += (uint64_t)n;
        (*count)++;
    }
    return 0;
}

#define EXEC_STACK_ROOM 24576 /* entry.S's POSIX_START_ROOM: what the new image lays out */

long posix_execve(const long a[6])
{
    if (!proc_present)
        return -LNX_ENOSYS;
    struct pm_msg *m = proc_msg();
    char *data = (char *)m->data;
    uint64_t used = 0;
    long r = copy_str(data, PM_DATA_MAX, (uint64_t)a[0]);
    if (r < 0)
        return r == -LNX_E2BIG ? -LNX_ENAMETOOLONG : r;
    used = (uint64_t)r;
    int64_t argc, envc;
    r = copy_vec(data, &used, (uint64_t)a[1], &argc);
    if (r == 0)
        r = copy_vec(data, &used, (uint64_t)a[2], &envc);
    if (r < 0)
        return r;
    /* What the new image lays out on its start: the strings, their pointers, auxv. */
    uint64_t path_len = strlen(data) + 1;
    if (used - path_len + 8 * (uint64_t)(argc + envc + 3) + 512 > EXEC_STACK_ROOM)
        return -LNX_E2BIG;
    m->a[0] = (int64_t)used;
    m->a[1] = argc;
    m->a[2] = envc;
    /* What the new image keeps of the signal state (POSIX): its start reads it back. */
    struct los_sig_exec keep;
    los_sig_exec_save(&keep);
    struct proc_mbox *mb = (struct proc_mbox *)PROC_MBOX_VA;
    mb->exec_sig[0] = keep.blocked;
    mb->exec_sig[1] = keep.pending;
    mb->exec_sig[2] = keep.ignored;
    return proc_call(PM_OP_exec); /* returns only if the exec failed */
}
