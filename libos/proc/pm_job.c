/*
 * pm_job.c: job control in pm. A stop signal's default action stops the process's env and all
 * its threads (exo's env_stop, call 41: never scheduled until continued); SIGCONT continues
 * it, whatever its disposition, and is then delivered like any signal. Each change is kept
 * for the parent's wait (WUNTRACED/WSTOPPED, WCONTINUED) and announced with SIGCHLD (CLD_STOPPED
 * or CLD_CONTINUED; none if the parent set SA_NOCLDSTOP) and a wake-up. POSIX's orphaned process
 * groups: a stop from the terminal (SIGTSTP, SIGTTIN, SIGTTOU) to an orphaned group is discarded,
 * and a group that becomes orphaned with a stopped member gets SIGHUP then SIGCONT, whether an exit
 * (pm_death.c) or a move (setpgid, setsid: pm_job_linked before, pm_job_orphans_after) did it.
 */
#include <proc/lnx.h>
#include <proc/pm.h>
#include <proc/status.h>

#include <los/los.h>

#define SIG_BIT(n) (1ull << ((n)-1))
#define STOP_SET                                                                                   \
    (SIG_BIT(PROC_SIGSTOP) | SIG_BIT(PROC_SIGTSTP) | SIG_BIT(PROC_SIGTTIN) | SIG_BIT(PROC_SIGTTOU))

int pm_job_is_stop(int sig)
{
    return sig >= 1 && sig <= 64 && (STOP_SET & SIG_BIT(sig));
}

int pm_job_orphaned(int32_t pgid)
{
    /* Orphaned: no member has a parent in another group of the same session. */
    for (int s = 1; s < pm_top; s++) {
        const struct proc_entry *m = &pm_table->e[s];
        if (m->state != PROC_ALIVE || m->pgid != pgid)
            continue;
        const struct pm_proc *q = pm_proc_by_pid(m->ppid);
        if (q && q->e->state == PROC_ALIVE && q->e->pgid != pgid && q->e->sid == m->sid)
            return 0;
    }
    return 1;
}

/* The parent learns of a stop or a continue: its wait looks again, and SIGCHLD if it catches
 * it without SA_NOCLDSTOP. */
static void tell_parent(struct pm_proc *t)
{
    struct pm_proc *pp = pm_proc_by_pid(t->e->ppid);
    if (!pp || pp->e->state != PROC_ALIVE)
        return;
    if (!pp->nocldstop) /* CLD_STOPPED or CLD_CONTINUED, si_status the signal */
        pm_sigchld(pp, t->e->pid, pm_sender_uid(t),
                   t->stopped ? PROC_W_STOPPED(t->stop_sig) : PROC_W_CONTINUED);
    pm_wake(pp); /* a wait in it waits on itself (pm_op_wait) */
}

static void stop(struct pm_proc *t, int sig)
{
    if (t->stopped || exo_env_stop(t->env_cap, 1) < 0)
        return;
    t->stopped = 1;
    t->stop_sig = sig;
    t->job_report = PM_JOB_STOPPED;
    t->e->seq++;
    tell_parent(t);
}

void pm_job_continue(struct pm_proc *t)
{
    if (!t->stopped)
        return;
    exo_env_stop(t->env_cap, 0);
    t->stopped = 0;
    t->job_report = PM_JOB_CONTINUED;
    t->e->seq++;
    if (t->msg)
        exo_event_post(t->wake_cap); /* a call it waits in looks again (a background read) */
    tell_parent(t);
}

int pm_job_signal(struct pm_proc *t, int sig)
{
    uint64_t bit = SIG_BIT(sig);
    if (sig == PROC_SIGCONT) {
        t->e->pending &= ~STOP_SET; /* a continue discards pending stops */
        pm_job_continue(t);
        if (pm_sig_keeps(t) & bit)
            pm_post_signal(t, sig);
        return 1;
    }
    if (!pm_job_is_stop(sig))
        return 0;
    t->e->pending &= ~SIG_BIT(PROC_SIGCONT); /* and a stop pending continues */
    if (sig != PROC_SIGSTOP && (pm_sig_keeps(t) & bit)) {
        pm_post_signal(t, sig);
        return 1;
    }
    if (sig != PROC_SIGSTOP && ((t->sig_ignored & bit) || pm_job_orphaned(t->e->pgid)))
        return 1; /* ignored; or from a terminal to an orphaned group: discarded (POSIX) */
    stop(t, sig);
    return 1;
}

void pm_job_orphan_check(int32_t pgid)
{
    int stopped = 0;
    for (int s = 1; s < pm_top; s++)
        stopped |= pm_table->e[s].state == PROC_ALIVE && pm_table->e[s].pgid == pgid &&
                   pm_procs[s].stopped;
    if (!stopped || !pm_job_orphaned(pgid))
        return;
    for (int s = 1; s < pm_top; s++)
        if (pm_table->e[s].state == PROC_ALIVE && pm_table->e[s].pgid == pgid) {
            pm_deliver(&pm_procs[s], LNX_SIGHUP);
            pm_deliver(&pm_procs[s], PROC_SIGCONT);
        }
}

int pm_job_linked(const struct pm_proc *t, int32_t *groups)
{
    int n = 0;
    for (int s = 0; s < pm_top; s++) {
        const struct proc_entry *e = &pm_table->e[s];
        if (e->state != PROC_ALIVE || (e != t->e && e->ppid != t->e->pid))
            continue;
        int seen = 0;
        for (int i = 0; i < n; i++)
            seen |= groups[i] == e->pgid;
        if (!seen && !pm_job_orphaned(e->pgid))
            groups[n++] = e->pgid;
    }
    return n;
}

void pm_job_orphans_after(const int32_t *groups, int n)
{
    for (int i = 0; i < n; i++)
        pm_job_orphan_check(groups[i]);
}

int pm_job_wait_status(struct pm_proc *c, uint64_t flags, int32_t *status)
{
    if ((flags & PM_WSTOPPED) && c->job_report == PM_JOB_STOPPED && c->stopped) {
        *status = PROC_W_STOPPED(c->stop_sig);
    } else if ((flags & PM_WCONTINUED) && c->job_report == PM_JOB_CONTINUED) {
        *status = PROC_W_CONTINUED;
    } else {
        return 0;
    }
    if (!(flags & PM_WNOWAIT))
        c->job_report = 0;
    return 1;
}
