/*
 * table.c: lookups in the process table (pure: host-tested in tests/test_table.c).
 */
#include <proc/table.h>

int proc_table_find(const struct proc_table *t, int32_t pid)
{
    for (int s = 0; s < PROC_MAX; s++)
        if (t->e[s].state != PROC_FREE && t->e[s].pid == pid)
            return s;
    return -1;
}

int proc_table_free_slot(const struct proc_table *t)
{
    for (int s = 0; s < PROC_MAX; s++)
        if (t->e[s].state == PROC_FREE)
            return s;
    return -1;
}

/* Is pid in use as a pid, a group or a session? (A group outlives its leader's pid.) */
static int pid_used(const struct proc_table *t, int32_t pid)
{
    for (int s = 0; s < PROC_MAX; s++)
        if (t->e[s].state != PROC_FREE &&
            (t->e[s].pid == pid || t->e[s].pgid == pid || t->e[s].sid == pid))
            return 1;
    return 0;
}

int32_t proc_table_next_pid(const struct proc_table *t, int32_t *next)
{
    for (;;) { /* at most PROC_MAX * 3 pids are in use: this ends */
        int32_t pid = *next;
        *next = pid + 1 >= PROC_PID_MAX ? 2 : pid + 1;
        if (!pid_used(t, pid))
            return pid;
    }
}

int proc_table_children(const struct proc_table *t, int32_t ppid, int zombies_too)
{
    int n = 0;
    for (int s = 0; s < PROC_MAX; s++)
        if ((t->e[s].state == PROC_ALIVE || (zombies_too && t->e[s].state == PROC_ZOMBIE)) &&
            t->e[s].ppid == ppid)
            n++;
    return n;
}
