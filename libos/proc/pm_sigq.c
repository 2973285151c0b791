/*
 * pm_sigq.c: who sent a signal, and real-time signals queued one per send. The process
 * table's pending word has a bit per signal; what a siginfo says beyond the number (the
 * sender's pid and uid, si_code, sigqueue's value) waits here until the target fetches it
 * (sig_fetch). A standard signal sent while its bit is up coalesces (its first sender's info
 * stays); a real-time one (SIGRTMIN 32 .. 64) queues each instance in order, up to
 * PM_SIGQ_PER_PROC per process (sigqueue then fails with EAGAIN, as past RLIMIT_SIGPENDING).
 * One pool for all processes (no .bss per slot); an entry names its target by slot and pid, so
 * a dead process's leftovers are recognisable and reclaimed when the pool runs short.
 */
#include <proc/lnx.h>
#include <proc/pm.h>
#include <proc/status.h>

#include <los/los.h>

#include <stddef.h>

#define PM_SIGQ_MAX 256
#define PM_SIGQ_PER_PROC 32 /* as a process queues itself (libos/signal SIG_RTQ_MAX) */
#define SIG_RTMIN 32

struct pm_sigq_ent {
    int32_t slot, pid; /* the target; slot -1: free */
    struct pm_siginfo info;
};

static struct pm_sigq_ent pool[PM_SIGQ_MAX];
static int used; /* entries [0, used) are candidates; free ones have slot -1 */
static uint32_t seq;

uint32_t (*pm_uid_of)(const struct pm_proc *p);

uint32_t pm_sender_uid(const struct pm_proc *p)
{
    return pm_uid_of ? pm_uid_of(p) : 0;
}

static int mine(const struct pm_sigq_ent *q, const struct pm_proc *t)
{
    return q->slot == t->slot && q->pid == t->e->pid;
}

static int stale(const struct pm_sigq_ent *q)
{
    if (q->slot < 0)
        return 1;
    const struct proc_entry *e = &pm_table->e[q->slot];
    return e->state != PROC_ALIVE || e->pid != q->pid;
}

/* A free entry, reclaiming dead processes' entries if the pool is full; NULL if none. */
static struct pm_sigq_ent *grab(void)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < used; i++)
            if (pool[i].slot < 0)
                return &pool[i];
        if (used < PM_SIGQ_MAX)
            return &pool[used++];
        for (int i = 0; i < used; i++)
            if (stale(&pool[i]))
                pool[i].slot = -1;
    }
    return NULL;
}

int pm_sigq_add(struct pm_proc *t, const struct pm_siginfo *info)
{
    int sig = info->signo, n = 0;
    uint64_t bit = 1ull << (sig - 1);
    if (sig < SIG_RTMIN) {
        if (t->e->pending & bit)
            return 0; /* coalesces: the first sender's info stays */
        for (int i = 0; i < used; i++)
            if (mine(&pool[i], t) && pool[i].info.signo == sig)
                pool[i].slot = -1; /* fetched bit, entry left behind: the new one replaces it */
    } else {
        for (int i = 0; i < used; i++)
            n += mine(&pool[i], t);
        if (n >= PM_SIGQ_PER_PROC)
            return -LNX_EAGAIN;
    }
    struct pm_sigq_ent *q = grab();
    if (!q)
        return -LNX_EAGAIN;
    q->slot = t->slot;
    q->pid = t->e->pid;
    q->info = *info;
    q->info.seq = seq++;
    return 0;
}

long pm_sigq_fetch(struct pm_proc *p, struct pm_msg *m)
{
    /* In send order: the oldest sequence number first. */
    struct pm_siginfo *out = (struct pm_siginfo *)m->data;
    long n = 0;
    for (;;) {
        int best = -1;
        for (int i = 0; i < used; i++)
            if (mine(&pool[i], p) &&
                (best < 0 || (int32_t)(pool[i].info.seq - pool[best].info.seq) < 0))
                best = i;
        if (best < 0 || n == PM_SIGINFO_MAX)
            break;
        out[n++] = pool[best].info;
        pool[best].slot = -1;
    }
    while (used > 0 && pool[used - 1].slot < 0)
        used--;
    return n;
}

void pm_sigchld(struct pm_proc *parent, int32_t pid, uint32_t uid, int status)
{
    if (parent->e->state != PROC_ALIVE || !(pm_sig_keeps(parent) & 1ull << (LNX_SIGCHLD - 1)))
        return; /* its default is to ignore: nothing would run for it */
    /* si_status lies where sigqueue's value does (after pid and uid): the value carries it. */
    struct pm_siginfo info = {.signo = LNX_SIGCHLD,
                              .code = proc_status_cld_code(status),
                              .pid = pid,
                              .uid = uid,
                              .value = (uint32_t)proc_status_cld_status(status)};
    if (pm_sigq_add(parent, &info) == 0) /* (a pending SIGCHLD keeps its first siginfo) */
        pm_post_signal(parent, LNX_SIGCHLD);
}

long pm_op_sig_wake(struct pm_proc *p, struct pm_msg *m)
{
    (void)m;
    exo_event_post(p->wake_cap);
    return 0;
}

long pm_op_sig_queue(struct pm_proc *p, struct pm_msg *m)
{
    int64_t pid = m->a[0], sig = m->a[1], code = m->a[2], value = m->a[3];
    if (sig < 0 || sig > LNX_NSIG)
        return -LNX_EINVAL;
    if (pid <= 0 || pid != (int32_t)pid)
        return -LNX_ESRCH;
    struct pm_proc *t = pm_proc_by_pid((int32_t)pid);
    if (!t || t->e->state != PROC_ALIVE || (t->embryo && t != p))
        return -LNX_ESRCH;
    /* Only the kernel sends si_code >= 0, only tkill SI_TKILL (Linux's check). */
    if (t != p && (code >= 0 || code == LNX_SI_TKILL))
        return -LNX_EPERM;
    if (sig == 0)
        return 0;
    struct pm_siginfo info = {.signo = (int32_t)sig,
                              .code = (int32_t)code,
                              .pid = p->e->pid,
                              .uid = pm_sender_uid(p),
                              .value = value};
    return pm_send(t, &info);
}
