/*
 * pm_nice.c: nice values, pm's (op nice), so getpriority and setpriority can name another
 * process, a group or everyone, as busybox's renice and nice do. One value per table slot,
 * with the pid it belongs to (a slot a new process takes reads as 0 until set); a fork's
 * child inherits its parent's (a part's fork hook, added at the first op: before that every
 * value is 0, so there is nothing to inherit); exec keeps it. Nothing schedules by it: exo's
 * round robin knows no priorities.
 */
#include <proc/lnx.h>
#include <proc/pm.h>

#ifndef LNX_EACCES
#define LNX_EACCES 13
#endif

static int8_t nice_of[PROC_MAX];
static int32_t nice_pid[PROC_MAX];

static int get(const struct pm_proc *p)
{
    return nice_pid[p->slot] == p->e->pid ? nice_of[p->slot] : 0;
}

static void set(const struct pm_proc *p, int v)
{
    nice_of[p->slot] = (int8_t)v;
    nice_pid[p->slot] = p->e->pid;
}

static int nice_fork(struct pm_proc *parent, struct pm_proc *child)
{
    set(child, get(parent));
    return 0;
}

static const struct pm_part nice_part = {.fork = nice_fork};

long pm_op_nice(struct pm_proc *p, struct pm_msg *m)
{
    static int added;
    int64_t which = m->a[0], who = m->a[1];
    if (which < 0 || which > 2)
        return -LNX_EINVAL;
    if (!added && pm_parts_add(&nice_part) == 0)
        added = 1;
    if (which == 0 && who == 0)
        who = p->e->pid;
    if (which == 1 && who == 0)
        who = p->e->pgid;
    int setting = m->a[2] == 1;
    int v = m->a[3] < -20 ? -20 : m->a[3] > 19 ? 19 : (int)m->a[3];
    int found = 0, lowest = 20;
    for (int s = 0; s < PROC_MAX; s++) {
        struct pm_proc *t = &pm_procs[s];
        /* (init, slot 0, is no process a nice value names.) An embryo is skipped (its parent
         * is still copying it) unless it is the caller: a child started on another CPU may ask
         * before its fork is reported (bbox_priority on 2 CPUs). */
        if (s == 0 || pm_table->e[s].state != PROC_ALIVE || (t->embryo && t != p))
            continue;
        if ((which == 0 && t->e->pid != who) || (which == 1 && t->e->pgid != who))
            continue;
        found = 1;
        if (!setting) {
            lowest = get(t) < lowest ? get(t) : lowest;
            continue;
        }
        if (v < get(t) && m->a[4] != 0)
            return -LNX_EACCES; /* only root raises a priority */
        set(t, v);
    }
    if (!found)
        return -LNX_ESRCH;
    return setting ? 0 : 20 - lowest;
}
