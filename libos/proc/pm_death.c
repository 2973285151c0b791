/*
 * pm_death.c: what pm does when a process's env has ended, however it ended (exit, a signal's
 * default action, exo killing it for a fault it had no handler for, SIGKILL): the death rule.
 *   1. its status is what it said at exit (or its signal's), else "killed by SIGKILL";
 *   2. every part releases what it held (fds: pipes see EOF; locks go);
 *   3. its children go to init (pid 1), which reaps them; children its fork left unfinished
 *      are destroyed;
 *   4. it becomes a zombie, its parent gets SIGCHLD pending with CLD_EXITED, CLD_KILLED or
 *      CLD_DUMPED (if it catches or blocks it: the default is to ignore) and its wake event
 *      posted.
 * exo's env_watch posts pm's death event at every end, so no death goes unseen, and a waiting
 * parent is never left hung.
 */
#include <proc/lnx.h>
#include <proc/pm.h>
#include <proc/status.h>

#include <los/los.h>

int32_t pm_init_waits; /* the child init's main loop waits for: not reaped behind its back */

static void died_(struct pm_proc *p);

/* The death rule, then POSIX's orphans: a group this end orphans (the dead one's, or a
 * child's) with a stopped member gets SIGHUP and SIGCONT (pm_job.c). */
static void died(struct pm_proc *p)
{
    int32_t groups[PROC_MAX], n = 0, pid = p->e->pid;
    groups[n++] = p->e->pgid;
    for (int s = 1; s < pm_top; s++)
        if (pm_table->e[s].state == PROC_ALIVE && pm_table->e[s].ppid == pid && &pm_procs[s] != p &&
            pm_table->e[s].pgid != groups[0])
            groups[n++] = pm_table->e[s].pgid;
    died_(p);
    for (int i = 0; i < n; i++)
        pm_job_orphan_check(groups[i]); /* (a group seen twice finds no one stopped again) */
}

static void died_(struct pm_proc *p)
{
    struct proc_entry *e = p->e;
    int32_t status = p->said_exit ? p->exit_status : PROC_W_SIGNALED(LNX_SIGKILL, 0);
    uint32_t uid = pm_sender_uid(p); /* SIGCHLD's si_uid, before the file layer lets go */
    pm_parts_exit(p);
    for (int s = 1; s < PROC_MAX; s++) {
        struct proc_entry *c = &pm_table->e[s];
        if (c->state == PROC_FREE || c->ppid != e->pid || &pm_procs[s] == p)
            continue;
        if (pm_procs[s].embryo && c->state == PROC_ALIVE && exo_env_runs(pm_procs[s].env_cap) > 0)
            pm_procs[s].embryo = 0; /* started already: a process like any other, init's now */
        if (pm_procs[s].embryo) {   /* never started: its copy will never be finished */
            if (c->state == PROC_ALIVE)
                exo_env_destroy(pm_procs[s].env_cap); /* (its end is released below) */
            else
                pm_proc_release(&pm_procs[s]);
            continue;
        }
        c->ppid = PROC_PID_INIT;
        c->seq++;
        if (c->state == PROC_ZOMBIE && c->pid != pm_init_waits && !pm_init_keeps)
            pm_proc_release(&pm_procs[s]); /* init reaps its orphans at once */
    }
    if (p->embryo) { /* started (on another CPU) and ended before its fork was reported */
        struct pm_proc *parent = pm_proc_by_pid(e->ppid);
        if (!parent || parent->e->state != PROC_ALIVE) {
            pm_proc_release(p); /* a fork that never finished: no one to tell */
            return;
        } /* else a zombie that fork_done makes visible to its parent's wait */
    }
    struct pm_proc *pp = pm_proc_by_pid(e->ppid);
    if (pp && !p->embryo && (pp->sig_ignored & 1ull << (LNX_SIGCHLD - 1))) {
        pm_proc_release(p); /* SIGCHLD ignored (SIG_IGN, SA_NOCLDWAIT): no zombie, as Linux */
        pm_wake(pp);        /* a blocked wait looks again: ECHILD once none is left */
        return;
    }
    e->state = PROC_ZOMBIE;
    e->status = status;
    e->pending = 0;
    e->seq++;
    p->waits_on = NULL;
    struct pm_proc *parent = pm_proc_by_pid(e->ppid);
    if (e->ppid == PROC_PID_INIT && e->pid != pm_init_waits && !pm_init_keeps) {
        pm_proc_release(p);
        return;
    }
    if (parent) {
        pm_sigchld(parent, e->pid, uid, status); /* CLD_EXITED, _KILLED or _DUMPED */
        pm_wake(parent);                         /* a wait in it waits on itself (pm_op_wait) */
    }
}

void pm_reap(void)
{
    for (int again = 1; again;) {
        again = 0;
        for (int s = 1; s < PROC_MAX; s++) {
            struct pm_proc *p = &pm_procs[s];
            if (pm_table->e[s].state != PROC_ALIVE || !p->msg)
                continue;
            if (p->env_cap != (uint64_t)-1 && exo_env_runs(p->env_cap) >= 0)
                continue; /* still there */
            died(p);
            again = 1; /* it may have destroyed embryos */
        }
    }
}
