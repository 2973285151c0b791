/*
 * pm_wait.c: blocking without blocking pm. An op that cannot finish now records what the
 * caller waits on and returns PM_BLOCK; the caller waits on its own wake event and calls
 * again. Whoever changes that object calls pm_wake(object), which posts the wake event of
 * every process waiting on it (a post nobody waits for is counted by exo, so a wake between
 * PM_BLOCK and the caller's wait is not lost; a stale one only costs a retry). Also the
 * lifecycle hooks of the other parts (pm_part) and signals pm posts.
 */
#include <proc/lnx.h>
#include <proc/pm.h>

#include <los/los.h>

#define PM_MAX_PARTS 8
static const struct pm_part *parts[PM_MAX_PARTS];
static int nparts;

long pm_wait_on(struct pm_proc *p, const void *object)
{
    p->waits_on = object;
    return PM_BLOCK;
}

void pm_wake(const void *object)
{
    for (int s = 1; s < pm_top; s++) {
        struct pm_proc *p = &pm_procs[s];
        if (pm_table->e[s].state == PROC_ALIVE && p->msg && p->waits_on == object) {
            p->waits_on = NULL;
            exo_event_post(p->wake_cap);
        }
    }
}

void pm_post_signal(struct pm_proc *p, int sig)
{
    if (sig < 1 || sig > LNX_NSIG || p->e->state != PROC_ALIVE)
        return;
    if (sig == LNX_SIGKILL) { /* never caught: pm ends it (pm_reap records the status) */
        if (p->slot != 0)
            exo_env_destroy(p->env_cap);
        return;
    }
    p->e->pending |= 1ull << (sig - 1);
    p->e->seq++;
    if (p->msg) /* after the bit: the process's next call return looks (libos/posix/syscall.c) */
        __atomic_store_n(
            &((struct proc_mbox *)((uint8_t *)p->msg - __builtin_offsetof(struct proc_mbox, msg)))
                 ->attention,
            1, __ATOMIC_SEQ_CST);
    if (p->slot != 0)
        exo_event_post(p->wake_cap); /* a blocked wait notices (EINTR or restart) */
    else if (pm_init_keeps)          /* init's inittab loop: busybox's poweroff, reboot, halt */
        pm_init_signal(sig);
}

int pm_parts_add(const struct pm_part *part)
{
    if (nparts == PM_MAX_PARTS)
        return -LNX_ENOMEM;
    parts[nparts++] = part;
    return 0;
}

int pm_parts_fork(struct pm_proc *parent, struct pm_proc *child)
{
    for (int i = 0; i < nparts; i++) {
        int r = parts[i]->fork ? parts[i]->fork(parent, child) : 0;
        if (r < 0) { /* the parts already forked let the child go again */
            while (i-- > 0)
                if (parts[i]->exit)
                    parts[i]->exit(child);
            return r;
        }
    }
    return 0;
}

void pm_parts_exec(struct pm_proc *p)
{
    for (int i = 0; i < nparts; i++)
        if (parts[i]->exec)
            parts[i]->exec(p);
}

void pm_parts_exit(struct pm_proc *p)
{
    for (int i = 0; i < nparts; i++)
        if (parts[i]->exit)
            parts[i]->exit(p);
}
