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

int pm_fs_euid(struct pm_proc *p); /* libos/fs/pm_fs.c: the caller's effective user id */

/* Each mailbox argument is read once (a sibling thread may rewrite it meanwhile); the
 * caller's euid is pm's (the file layer's credentials), never the mailbox's. Linux's rules:
 * setting needs the caller's euid to be the target's uid or euid (EPERM), lowering a value
 * needs root (EACCES); PRIO_USER names the processes of uid `who` (0: the caller's). */
long pm_op_nice(struct pm_proc *p, struct pm_msg *m)
{
    static int added;
    int64_t which = m->a[0], who = m->a[1], op = m->a[2], val = m->a[3];
    if (which < 0 || which > 2)
        return -LNX_EINVAL;
    if (!added && pm_parts_add(&nice_part) == 0)
        added = 1;
    struct pm_ids me;
    pm_ids(p, &me);
    int euid = pm_fs_euid(p);
    if (which == 0 && who == 0)
        who = p->e->pid;
    if (which == 1 && who == 0)
        who = p->e->pgid;
    if (which == 2 && who == 0)
        who = me.uid;
    int setting = op == 1;
    int v = val < -20 ? -20 : val > 19 ? 19 : (int)val;
    int found = 0, lowest = 20;
    long err = 0;
    for (int s = 1; s < pm_top; s++) { /* (init, slot 0, is no process a nice value names) */
        struct pm_proc *t = &pm_procs[s];
        if (pm_table->e[s].state != PROC_ALIVE || !pm_visible(t))
            continue;
        struct pm_ids ids;
        pm_ids(t, &ids);
        if ((which == 0 && t->e->pid != who) || (which == 1 && t->e->pgid != who) ||
            (which == 2 && (int64_t)ids.uid != who))
            continue;
        found = 1;
        if (!setting) {
            lowest = get(t) < lowest ? get(t) : lowest;
            continue;
        }
        if (euid != 0 && (uint32_t)euid != ids.uid && (uint32_t)euid != ids.euid)
            err = -LNX_EPERM; /* not its owner */
        else if (v < get(t) && euid != 0)
            err = -LNX_EACCES; /* only root raises a priority */
        else
            set(t, v);
    }
    if (!found)
        return -LNX_ESRCH;
    return setting ? err : 20 - lowest;
}
