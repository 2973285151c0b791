/*
 * pm_ops.c: pm's process operations (ops.def rows 1..13 but exec): exit, wait, fork and its
 * report, kill with pm-side default actions, process groups and sessions, RLIMIT_NPROC, the
 * signals others sent. Each reads its arguments from the mailbox once and checks them.
 */
#include <proc/lnx.h>
#include <proc/pm.h>
#include <proc/status.h>

#include <los/los.h>

long pm_op_exit(struct pm_proc *p, struct pm_msg *m)
{
    int64_t status = m->a[0];
    if (p->slot == 0)
        return -LNX_EPERM; /* init does not end through its own server */
    int code = (int)(status >> 8 & 0xff), sig = (int)(status & 0x7f);
    p->said_exit = 1; /* only what exit or a signal gives: no stopped or continued forgery */
    p->exit_status = (status & 0xff) == 0 || sig == 0 || sig == 0x7f
                         ? PROC_W_EXITED(code)
                         : PROC_W_SIGNALED(sig, status & 0x80);
    exo_env_destroy(p->env_cap); /* the reply finds no caller; pm_reap does the rest */
    return 0;
}

/* Does child c match wait's (which, id) for the caller p? */
static int wait_match(const struct pm_proc *p, const struct proc_entry *c, int64_t which,
                      int64_t id)
{
    if (c->state == PROC_FREE || c->ppid != p->e->pid || pm_procs[c - pm_table->e].embryo)
        return 0;
    switch (which) {
    case PM_WAIT_ANY:
        return 1;
    case PM_WAIT_PID:
        return c->pid == id;
    case PM_WAIT_PGID:
        return c->pgid == (id ? id : p->e->pgid);
    }
    return 0;
}

long pm_op_wait(struct pm_proc *p, struct pm_msg *m)
{
    int64_t which = m->a[0], id = m->a[1];
    uint64_t flags = (uint64_t)m->a[2];
    if ((which != PM_WAIT_ANY && which != PM_WAIT_PID && which != PM_WAIT_PGID) ||
        (flags & ~(uint64_t)(PM_WNOHANG | PM_WNOWAIT | PM_WEXITED | PM_WSTOPPED | PM_WCONTINUED)))
        return -LNX_EINVAL;
    pm_reap(); /* a death exo has posted but the main loop has not seen yet counts now */
    int any = 0;
    for (int s = 1; s < PROC_MAX; s++) {
        struct proc_entry *c = &pm_table->e[s];
        if (!wait_match(p, c, which, id))
            continue;
        any = 1;
        int32_t st;
        if (c->state == PROC_ALIVE && pm_job_wait_status(&pm_procs[s], flags, &st)) {
            m->r[0] = st; /* stopped or continued */
            return c->pid;
        }
        if (c->state != PROC_ZOMBIE || !(flags & PM_WEXITED))
            continue;
        int32_t pid = c->pid;
        m->r[0] = c->status;
        if (!(flags & PM_WNOWAIT))
            pm_proc_release(&pm_procs[s]);
        return pid;
    }
    if (!any)
        return -LNX_ECHILD;
    return flags & PM_WNOHANG ? 0 : pm_wait_on(p, p); /* died() wakes what waits on p */
}

/* Processes counted against RLIMIT_NPROC: every one not yet reaped (no users yet: one uid). */
static uint64_t nprocs(void)
{
    uint64_t n = 0;
    for (int s = 1; s < PROC_MAX; s++)
        n += pm_table->e[s].state != PROC_FREE;
    return n;
}

long pm_op_fork(struct pm_proc *p, struct pm_msg *m)
{
    pm_reap(); /* free what the dead held before counting */
    if (nprocs() >= p->nproc_cur)
        return -LNX_EAGAIN;
    struct pm_proc *c = pm_proc_new();
    if (!c)
        return -LNX_EAGAIN;
    int64_t env = exo_env_create();
    if (env < 0) {
        pm_proc_release(c);
        return env == EXO_E_NOMEM ? -LNX_EAGAIN : -LNX_ENOMEM;
    }
    pm_claim_cap((uint64_t)env);
    /* A process makes no env but through pm (RLIMIT_NPROC holds), and a bounded number of
     * threads. */
    int64_t r = exo_env_limit((uint64_t)env, 0, PROC_THREADS_MAX);
    if (r >= 0)
        r = pm_proc_bind(c, (uint64_t)env, 1);
    c->e->ppid = p->e->pid;
    c->e->pgid = p->e->pgid;
    c->e->sid = p->e->sid;
    pm_cmdline_set(c, p->cmdline, p->cmdline_len, 0); /* a fork's argv is its parent's */
    pm_exe_set(c, p->exe[0] ? p->exe : "/");
    pm_environ_set(c, p->environ, p->environ_len);
    c->nproc_cur = p->nproc_cur;
    c->nproc_max = p->nproc_max;
    c->sig_caught = p->sig_caught;
    c->sig_ignored = p->sig_ignored;
    c->sig_blocked = p->sig_blocked;
    c->nocldstop = p->nocldstop;
    c->embryo = 1;
    int64_t slot =
        r < 0 ? r : exo_cap_copy((uint64_t)env, p->env_cap, EXO_RIGHT_MAP | EXO_RIGHT_RUN);
    if (slot >= 0 && (r = pm_parts_fork(p, c)) < 0)
        slot = EXO_E_NOMEM;
    if (slot < 0) {
        exo_env_destroy((uint64_t)env);
        pm_proc_release(c);
        return slot == EXO_E_NOMEM ? -LNX_EAGAIN : -LNX_ENOMEM;
    }
    m->r[0] = slot;
    return c->e->pid;
}

long pm_op_fork_done(struct pm_proc *p, struct pm_msg *m)
{
    int64_t pid = m->a[0], err = m->a[1];
    struct pm_proc *c = pm_proc_by_pid((int32_t)pid);
    if (!c || c->e->ppid != p->e->pid || !c->embryo || pid != (int32_t)pid)
        return -LNX_ESRCH;
    /* The parent needed MAP and RUN on the child only to fill and start it: take back every
     * copy of that capability from its table (it may have copied the one fork lent it). */
    exo_cap_drop(p->env_cap, c->env_cap);
    if (err == 0) { /* it runs, or (on another CPU) has run and ended: a zombie to wait for */
        c->embryo = 0;
        if (c->e->state == PROC_ZOMBIE && (p->sig_ignored & 1ull << (LNX_SIGCHLD - 1))) {
            pm_proc_release(c); /* SIGCHLD ignored: no zombie (pm_death.c) */
        } else if (c->e->state == PROC_ZOMBIE) {
            pm_sigchld(p, c->e->pid, pm_sender_uid(c), c->e->status);
            pm_wake(p);
        }
        return 0;
    }
    /* The copy failed: the child leaves no trace, no SIGCHLD. */
    if (c->e->state == PROC_ALIVE) {
        pm_parts_exit(c);
        exo_env_destroy(c->env_cap);
    }
    pm_proc_release(c);
    return 0;
}

uint64_t pm_sig_held(const struct pm_proc *p)
{
    uint64_t hold = 0;
    if (p->msg) /* the mailbox's header, before its message area */
        hold =
            __atomic_load_n(&((const struct proc_mbox *)((const uint8_t *)p->msg -
                                                         __builtin_offsetof(struct proc_mbox, msg)))
                                 ->sig_hold,
                            __ATOMIC_SEQ_CST);
    hold &= ~(p->sig_ignored | 1ull << (LNX_SIGKILL - 1) | 1ull << (PROC_SIGSTOP - 1));
    return p->sig_blocked | hold;
}

uint64_t pm_sig_keeps(const struct pm_proc *p)
{
    return p->sig_caught | pm_sig_held(p);
}

/* One signal to one process, as pm can act on it: SIGKILL and a default action of terminate
 * end it here; stops and continues are job control's (pm_job.c); a signal it catches or holds
 * (pm_sig_keeps) is left pending for its libOS, with its siginfo (pm_sigq.c); an ignored one
 * is dropped. */
long pm_send(struct pm_proc *t, const struct pm_siginfo *info)
{
    int sig = info->signo;
    if (t->slot == 0 && sig != 0 && pm_init_keeps)
        pm_init_signal(sig); /* init's inittab loop: busybox's poweroff, reboot, halt */
    if (sig == 0 || t->slot == 0 || t->e->state != PROC_ALIVE)
        return 0; /* init takes no signal it has not asked for: nothing kills it */
    if (pm_job_signal(t, sig))
        return 0;
    uint64_t bit = 1ull << (sig - 1);
    if (sig != LNX_SIGKILL && (pm_sig_keeps(t) & bit)) {
        long r = pm_sigq_add(t, info);
        if (r == 0)
            pm_post_signal(t, sig);
        return r;
    }
    if (sig != LNX_SIGKILL && ((t->sig_ignored & bit) || proc_sig_default(sig) == PROC_SIG_IGN))
        return 0;
    if (!t->said_exit) {
        t->said_exit = 1;
        t->exit_status = PROC_W_SIGNALED(sig, proc_sig_default(sig) == PROC_SIG_CORE);
    }
    exo_env_destroy(t->env_cap); /* pm_reap makes it a zombie with that status */
    return 0;
}

void pm_deliver(struct pm_proc *t, int sig)
{
    const struct pm_siginfo info = {.signo = sig, .code = LNX_SI_USER}; /* from pm itself */
    pm_send(t, &info);
}

long pm_op_kill(struct pm_proc *p, struct pm_msg *m)
{
    int64_t pid = m->a[0], sig = m->a[1], code = m->a[2];
    if (sig < 0 || sig > LNX_NSIG)
        return -LNX_EINVAL;
    if (pid != (int32_t)pid)
        return -LNX_ESRCH;
    struct pm_siginfo info = {.signo = (int32_t)sig,
                              .code = code == LNX_SI_TKILL ? LNX_SI_TKILL : LNX_SI_USER,
                              .pid = p->e->pid,
                              .uid = pm_sender_uid(p)};
    /* Every target the caller may signal gets it; those it may not are skipped (EPERM if
     * every one was). One target: its delivery's error too (a full real-time queue). */
    int found = 0, sent = 0;
    long err = 0;
    for (int s = 0; s < pm_top; s++) {
        struct proc_entry *e = &pm_table->e[s];
        if (e->state != PROC_ALIVE || !pm_visible(&pm_procs[s]))
            continue;
        int hit = pid > 0     ? e->pid == pid
                  : pid == 0  ? e->pgid == p->e->pgid
                  : pid == -1 ? s != 0 && &pm_procs[s] != p
                              : e->pgid == -pid;
        if (!hit)
            continue;
        found = 1;
        if (!pm_may_signal(p, &pm_procs[s], (int)sig))
            continue;
        long r = pm_send(&pm_procs[s], &info); /* itself too: a default action ends it here */
        if (r < 0)
            err = r;
        else
            sent = 1;
    }
    return !found ? -LNX_ESRCH : sent ? 0 : err ? err : -LNX_EPERM;
}

long pm_op_sig_disp(struct pm_proc *p, struct pm_msg *m)
{
    p->sig_caught = (uint64_t)m->a[0] & ~(1ull << (LNX_SIGKILL - 1));
    p->sig_ignored = (uint64_t)m->a[1] & ~(1ull << (LNX_SIGKILL - 1));
    p->nocldstop = (m->a[2] & PM_DISP_NOCLDSTOP) != 0;
    p->sig_blocked = (uint64_t)m->a[3] & p->sig_caught;
    return 0;
}

long pm_op_sig_fetch(struct pm_proc *p, struct pm_msg *m)
{
    m->r[0] = (int64_t)p->e->pending; /* in r[0]: bit 63 (signal 64) would read as an error */
    p->e->pending = 0;
    p->e->seq++;
    return pm_sigq_fetch(p, m);
}

static int32_t target_pid(const struct pm_proc *p, int64_t pid)
{
    return pid == 0 ? p->e->pid : (int32_t)pid;
}

long pm_op_getpgid(struct pm_proc *p, struct pm_msg *m)
{
    int64_t pid = m->a[0];
    struct pm_proc *t = pid < 0 || pid != (int32_t)pid ? NULL : pm_proc_visible(target_pid(p, pid));
    return t ? t->e->pgid : -LNX_ESRCH;
}

long pm_op_getsid(struct pm_proc *p, struct pm_msg *m)
{
    int64_t pid = m->a[0];
    struct pm_proc *t = pid < 0 || pid != (int32_t)pid ? NULL : pm_proc_visible(target_pid(p, pid));
    return t ? t->e->sid : -LNX_ESRCH;
}

long pm_op_setsid(struct pm_proc *p, struct pm_msg *m)
{
    (void)m;
    int32_t pid = p->e->pid;
    for (int s = 0; s < PROC_MAX; s++) /* a group leader, or anyone's group named pid */
        if (pm_table->e[s].state != PROC_FREE && pm_table->e[s].pgid == pid)
            return -LNX_EPERM;
    int32_t groups[PROC_MAX];
    int n = pm_job_linked(p, groups);
    p->e->pgid = pid;
    p->e->sid = pid;
    p->e->seq++;
    pm_job_orphans_after(groups, n); /* its old group and its children's may be orphaned now */
    return pid;
}

long pm_op_setpgid(struct pm_proc *p, struct pm_msg *m)
{
    int64_t pid = m->a[0], pgid = m->a[1];
    if (pgid == 0)
        pgid = pid ? pid : p->e->pid; /* Linux's order: 0 is the pid, then a negative one is
                                         EINVAL (setpgid(-1, 0)) */
    if (pgid < 0 || pgid != (int32_t)pgid)
        return -LNX_EINVAL;
    if (pid < 0 || pid != (int32_t)pid)
        return -LNX_ESRCH;
    struct pm_proc *t = pm_proc_visible(target_pid(p, pid));
    if (!t || t->e->state != PROC_ALIVE || (t != p && t->e->ppid != p->e->pid))
        return -LNX_ESRCH; /* only itself or a child */
    if (t != p && t->e->sid != p->e->sid)
        return -LNX_EPERM;
    if (t != p && t->execd)
        return -LNX_EACCES; /* a child that has exec'd keeps its group */
    if (t->e->sid == t->e->pid)
        return -LNX_EPERM; /* a session leader keeps its group */
    int32_t g = pgid ? (int32_t)pgid : t->e->pid;
    if (g != t->e->pid) { /* joining: the group must exist in the same session */
        int ok = 0;
        for (int s = 0; s < PROC_MAX; s++)
            ok |= (pm_table->e[s].state == PROC_ALIVE || pm_table->e[s].state == PROC_ZOMBIE) &&
                  pm_table->e[s].pgid == g && /* a zombie still holds its group, as Linux's */
                  pm_table->e[s].sid == t->e->sid;
        if (!ok)
            return -LNX_EPERM;
    }
    int32_t groups[PROC_MAX];
    int n = pm_job_linked(t, groups);
    t->e->pgid = g;
    t->e->seq++;
    pm_job_orphans_after(groups, n); /* a group it left, joined or linked may be orphaned */
    return 0;
}

long pm_op_rlimit(struct pm_proc *p, struct pm_msg *m)
{
    int64_t res = m->a[0], set = m->a[1];
    uint64_t cur = (uint64_t)m->r[0], max = (uint64_t)m->r[1];
    if (res != LNX_RLIMIT_NPROC)
        return -LNX_EINVAL;
    m->r[2] = (int64_t)p->nproc_cur;
    m->r[3] = (int64_t)p->nproc_max;
    if (!set)
        return 0;
    if (cur > max)
        return -LNX_EINVAL;
    if (max > p->nproc_max)
        return -LNX_EPERM; /* raising the hard limit needs privilege nobody has yet */
    p->nproc_cur = cur;
    p->nproc_max = max;
    return 0;
}
