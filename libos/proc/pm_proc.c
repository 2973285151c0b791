/*
 * pm_proc.c: making and ending processes in pm: a table slot and a pid, the env's binding
 * (mailbox, table, capabilities for pm and its wake event, the death watch), the spawn of an
 * archive program, and giving the slot back.
 */
#include <proc/lnx.h>
#include <proc/pm.h>

#include <los/los.h>
#include <los/spawn.h>

static int32_t next_pid = PROC_PID_INIT;
int pm_top;
static uint64_t wake_caps[PROC_MAX]; /* slot s's wake event, made once and kept (events live
                                        as long as pm: one per process would run them out) */
static uint64_t mbox_ppn[PROC_MAX][PROC_MBOX_PAGES]; /* slot s's mailbox pages, kept too */
static uint32_t mbox_caps[PROC_MAX][2]; /* what its header says: pm_cap, wake_cap (pm's record) */

struct pm_proc *pm_proc_by_pid(int32_t pid)
{
    int s = proc_table_find(pm_table, pid);
    return s < 0 ? NULL : &pm_procs[s];
}

struct pm_proc *pm_proc_new(void)
{
    int s = proc_table_free_slot(pm_table);
    if (s < 0)
        return NULL;
    static uint32_t gens;
    struct pm_proc *p = &pm_procs[s];
    if (s >= pm_top)
        pm_top = s + 1;
    *p = (struct pm_proc){.slot = s,
                          .e = &pm_table->e[s],
                          .nproc_cur = PROC_MAX,
                          .nproc_max = PROC_MAX,
                          .gen = ++gens};
    int32_t pid = proc_table_next_pid(pm_table, &next_pid);
    *p->e = (struct proc_entry){.state = PROC_ALIVE,
                                .pid = pid,
                                .ppid = PROC_PID_INIT,
                                .pgid = pid,
                                .sid = pid,
                                .seq = p->e->seq + 1};
    return p;
}

void pm_cmdline_set(struct pm_proc *p, const char *words, uint64_t len, int split)
{
    uint32_t n = 0;
    for (uint64_t i = 0; words && i < len && n < PM_CMDLINE_MAX - 1; i++)
        p->cmdline[n++] = split && words[i] == ' ' ? 0 : words[i];
    if (n && p->cmdline[n - 1])
        p->cmdline[n++] = 0;
    p->cmdline_len = n;
}

void pm_environ_set(struct pm_proc *p, const char *env, uint64_t len)
{
    uint32_t whole = 0; /* the bytes up to the last NUL that fits */
    for (uint64_t i = 0; i < len && i < PM_ENVIRON_MAX; i++) {
        p->environ[i] = env[i];
        if (!env[i])
            whole = (uint32_t)i + 1;
    }
    p->environ_len = whole;
}

void pm_exe_set(struct pm_proc *p, const char *path)
{
    unsigned n = 0;
    if (path[0] != '/')
        p->exe[n++] = '/';
    for (unsigned i = 0; path[i] && n < sizeof p->exe - 1; i++)
        p->exe[n++] = path[i];
    p->exe[n] = 0;
}

/* Gives slot s's mailbox pages back to exo, which unmaps them everywhere first: whoever else
 * mapped them (a fork's child its parent mapped them into, by exo's pass-on rule, while it held
 * MAP on it) loses them, and the slot's next mailbox is pages no one else has seen. A page exo
 * will not take back (a device names it) is only unmapped from pm's view and never used again. */
static void mbox_free(int s)
{
    for (uint64_t i = 0; i < PROC_MBOX_PAGES; i++)
        if (mbox_ppn[s][i]) {
            if (exo_page_free(EXO_CAP_SELF, mbox_ppn[s][i]) < 0)
                exo_page_unmap(EXO_CAP_SELF,
                               PM_VIEW_VA + (uint64_t)s * PM_VIEW_STEP + i * EXO_PAGE);
            mbox_ppn[s][i] = 0;
        }
}

void pm_proc_release(struct pm_proc *p)
{
    mbox_free(p->slot);
    p->e->state = PROC_FREE;
    p->e->seq++;
    p->msg = NULL;
    while (pm_top > 0 && pm_table->e[pm_top - 1].state == PROC_FREE)
        pm_top--;
}

/* pm just got capability slot `slot` from exo (a new env, an event): exo reuses a slot only
 * once the env it named has ended, so a process still holding that slot has ended. Reaping it
 * now keeps two processes from sharing one slot (the next reap could not tell them apart). */
void pm_claim_cap(uint64_t slot)
{
    for (int s = 1; s < PROC_MAX; s++)
        if (pm_table->e[s].state == PROC_ALIVE && pm_procs[s].env_cap == slot && pm_procs[s].msg)
            pm_procs[s].env_cap = (uint64_t)-1; /* pm_reap sees it gone */
}

static int64_t mbox_pages(int s)
{
    for (uint64_t i = 0; i < PROC_MBOX_PAGES; i++) {
        if (mbox_ppn[s][i])
            continue;
        uint64_t va = PM_VIEW_VA + (uint64_t)s * PM_VIEW_STEP + i * EXO_PAGE;
        int64_t ppn = los_page_new(va, EXO_PROT_R | EXO_PROT_W);
        if (ppn < 0)
            return ppn;
        mbox_ppn[s][i] = (uint64_t)ppn;
    }
    return 0;
}

int pm_proc_bind(struct pm_proc *p, uint64_t env_cap, int fresh)
{
    int s = p->slot;
    int64_t r = mbox_pages(s);
    if (r < 0)
        return (int)r;
    struct proc_mbox *mb = (struct proc_mbox *)(PM_VIEW_VA + (uint64_t)s * PM_VIEW_STEP);
    volatile uint64_t *z = (uint64_t *)mb; /* a fresh mailbox: nothing of the last process's */
    for (uint64_t i = 0; fresh && i < PROC_MBOX_PAGES * EXO_PAGE / 8; i++) /* (no memset) */
        z[i] = 0;
    for (int i = 0; i < 4; i++) /* a new env: none of ext2's shared cache mapped in it yet */
        mb->cache_map[i] = 0;
    mb->cache_fdgen = 0;
    if (!wake_caps[s]) {
        r = exo_event_create();
        if (r < 0)
            return (int)r;
        pm_claim_cap((uint64_t)r);
        wake_caps[s] = (uint64_t)r;
    }
    for (uint64_t i = 0; r >= 0 && i < PROC_MBOX_PAGES; i++)
        r = exo_page_map(env_cap, PROC_MBOX_VA + i * EXO_PAGE, mbox_ppn[s][i],
                         EXO_PROT_R | EXO_PROT_W);
    for (uint64_t i = 0; r >= 0 && i < PROC_TABLE_PAGES; i++) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, PROC_TABLE_VA + i * EXO_PAGE);
        r = pte < 0 ? pte
                    : exo_page_map(env_cap, PROC_TABLE_VA + i * EXO_PAGE,
                                   (uint64_t)pte >> EXO_PAGE_SHIFT, EXO_PROT_R);
    }
    int64_t pm_cap =
        r < 0 ? r : exo_cap_copy(EXO_CAP_SELF, env_cap, EXO_RIGHT_CALL | EXO_RIGHT_RUN);
    int64_t wake = pm_cap < 0 ? pm_cap : exo_cap_copy(wake_caps[s], env_cap, EXO_RIGHT_WAIT);
    r = wake < 0 ? wake : exo_env_watch(env_cap, pm_death_cap); /* its env id */
    if (r < 0)
        return (int)r;
    p->e->env = (uint32_t)r; /* calls from it are known by this id (exo's pct_call says it) */
    mb->magic = PROC_MBOX_MAGIC;
    mb->slot = (uint32_t)s;
    mb->pm_cap = mbox_caps[s][0] = (uint32_t)pm_cap;
    mb->wake_cap = mbox_caps[s][1] = (uint32_t)wake;
    p->env_cap = env_cap;
    p->wake_cap = wake_caps[s];
    p->msg = &mb->msg;
    return 0;
}

/* Copies init's right over interrupt vectors and virtio devices to a new env (as los_run
 * does): they land in slots 1 and 2, where a program started by init finds them. */
int64_t pm_pass_rights(uint64_t env)
{
    int64_t r = exo_cap_copy(EXO_CAP_IRQS, env, EXO_RIGHT_BIND);
    if (r >= 0 || r == EXO_E_NOENT)
        r = exo_cap_copy(EXO_CAP_DEVS, env, EXO_RIGHT_BIND);
    return r == EXO_E_NOENT ? 0 : r;
}

int64_t pm_spawn(const char *name, const char *cmdline)
{
    const void *elf;
    uint64_t size, entry, stack;
    int64_t r = los_archive_find(name, &elf, &size);
    if (r < 0)
        return r;
    pm_reap();
    struct pm_proc *p = pm_proc_new();
    if (!p)
        return EXO_E_NOMEM;
    int64_t c = los_spawn_prepare_args(elf, size, cmdline, &entry, &stack);
    if (c < 0) {
        pm_proc_release(p);
        return c;
    }
    pm_claim_cap((uint64_t)c);
    p->rights = 1;
    pm_cmdline_set(p, cmdline ? cmdline : name, pm_strlen(cmdline ? cmdline : name), 1);
    pm_exe_set(p, name);
    r = pm_pass_rights((uint64_t)c);
    if (r >= 0)
        r = pm_proc_bind(p, (uint64_t)c, 1);
    if (r >= 0)
        r = exo_env_start((uint64_t)c, entry, stack, 0);
    if (r < 0) {
        exo_env_destroy((uint64_t)c);
        pm_proc_release(p);
        return r;
    }
    return p->e->pid;
}

int pm_mbox_renew(struct pm_proc *p)
{
    int s = p->slot;
    int64_t fresh[PROC_MBOX_PAGES], r = 0;
    uint64_t n = 0; /* every new page first: on failure the old mailbox stays as it was */
    for (; n < PROC_MBOX_PAGES && r >= 0; n++)
        r = fresh[n] = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    if (r < 0) {
        for (uint64_t i = 0; i + 1 < n; i++)
            exo_page_free(EXO_CAP_SELF, (uint64_t)fresh[i]);
        return (int)r;
    }
    mbox_free(s);
    uint64_t view = PM_VIEW_VA + (uint64_t)s * PM_VIEW_STEP;
    for (uint64_t i = 0; i < PROC_MBOX_PAGES; i++) {
        mbox_ppn[s][i] = (uint64_t)fresh[i];
        if (r >= 0)
            r = exo_page_map(EXO_CAP_SELF, view + i * EXO_PAGE, (uint64_t)fresh[i],
                             EXO_PROT_R | EXO_PROT_W);
        if (r >= 0)
            r = exo_page_map(p->env_cap, PROC_MBOX_VA + i * EXO_PAGE, (uint64_t)fresh[i],
                             EXO_PROT_R | EXO_PROT_W);
    }
    if (r < 0) /* (page tables: no memory for them) the view may lack a page: pm must not touch */
        return (int)r;
    struct proc_mbox *mb = (struct proc_mbox *)view;
    mb->magic = PROC_MBOX_MAGIC;
    mb->slot = (uint32_t)s;
    mb->pm_cap = mbox_caps[s][0];
    mb->wake_cap = mbox_caps[s][1];
    p->msg = &mb->msg;
    return 0;
}
