/*
 * pm_perm.c: who may see and act on whom, pm's own rules (what pm enforces, whatever a libOS
 * does). Visibility: a process is visible (to kill, sigqueue, nice, getpgid, getsid, setpgid
 * and /proc) once its env has run; before that it is a copy its parent is still making. The
 * caller is always visible (it runs), and a parent that never reports fork_done cannot hide a
 * child that runs. Signals: Linux's check_kill_permission (euid 0, or the sender's uid or
 * euid is the target's uid or saved uid, or SIGCONT within one session); pid 1 takes signals
 * from root only; pm itself (slot 0: ^C from the terminal, shutdown) is root. Inspecting
 * (/proc maps, cwd, exe, environ): the same uid, or root.
 */
#include <proc/lnx.h>
#include <proc/pm.h>

#include <los/los.h>

void (*pm_ids_of)(const struct pm_proc *p, struct pm_ids *ids);

void pm_ids(const struct pm_proc *p, struct pm_ids *ids)
{
    *ids = (struct pm_ids){0, 0, 0};
    if (p->slot != 0 && pm_ids_of)
        pm_ids_of(p, ids);
}

int pm_visible(const struct pm_proc *t)
{
    if (t->e->state == PROC_FREE)
        return 0;
    if (!t->embryo || t->e->state != PROC_ALIVE)
        return 1; /* (an embryo that is a zombie ran and ended) */
    return exo_env_runs(t->env_cap) > 0;
}

struct pm_proc *pm_proc_visible(int32_t pid)
{
    struct pm_proc *t = pm_proc_by_pid(pid);
    return t && pm_visible(t) ? t : NULL;
}

int pm_may_signal(const struct pm_proc *p, const struct pm_proc *t, int sig)
{
    struct pm_ids s, d;
    pm_ids(p, &s);
    if (p->slot == 0 || s.euid == 0)
        return 1;
    if (t->slot == 0)
        return 0; /* init: root's only */
    if (sig == LNX_SIGCONT && p->e->sid == t->e->sid)
        return 1;
    pm_ids(t, &d);
    return s.euid == d.uid || s.euid == d.suid || s.uid == d.uid || s.uid == d.suid;
}

int pm_may_inspect(const struct pm_proc *p, const struct pm_proc *t)
{
    struct pm_ids s, d;
    pm_ids(p, &s);
    if (p == t || p->slot == 0 || s.euid == 0)
        return 1;
    pm_ids(t, &d);
    return s.euid == d.uid && s.euid == d.euid && s.euid == d.suid;
}
