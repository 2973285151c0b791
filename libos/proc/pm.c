/*
 * pm.c: the process server's frame: setting pm up in init, the dispatch of calls by op number
 * (ops.def), and the main loop that waits for deaths. Calls arrive by protected control
 * transfer on pm's call stack, setting the main loop's context aside wherever it is: while
 * the main loop works on pm's state it raises `busy`, and a call arriving then answers
 * PM_R_BUSY (the client yields to pm and calls again), so the state has one writer at a time.
 */
#include <proc/lnx.h>
#include <proc/pm.h>

#include <los/los.h>
#include <los/spawn.h>

struct proc_table *pm_table = (struct proc_table *)PROC_TABLE_VA;
struct pm_proc pm_procs[PROC_MAX];
uint64_t pm_death_cap;
static void (*loop_hooks[PM_LOOP_HOOKS])(void);
uint64_t (*pm_loop_deadline)(void);

static volatile int busy = 1; /* until pm_init is done: calls answer PM_R_BUSY */

void (*pm_op_after)(struct pm_proc *p);

typedef long (*pm_op_fn)(struct pm_proc *p, struct pm_msg *m);
static const pm_op_fn ops[PM_NOPS] = {
#define PM_OP(num, name, doc) [num] = pm_op_##name,
#include <proc/ops.def>
#undef PM_OP
};

#define PM_STACK_SIZE (64 * 1024)
static uint8_t call_stack[PM_STACK_SIZE] __attribute__((aligned(16)));

void pm_pct_entry(void); /* pm_entry.S: saves the FPU state, calls pm_serve, pct_return */
/* The XSAVE components pm_entry.S saves (x87, SSE, AVX, as exo enabled them in XCR0), 0: use
 * FXSAVE (exo without XSAVE). */
uint32_t pm_xsave_mask;

static uint32_t xsave_mask(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!(c & 1u << 27)) /* OSXSAVE: exo turned XSAVE on */
        return 0;
    __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
    return a & 7; /* x87 | SSE | AVX: what the 1 KiB area holds */
}
long pm_serve(uint64_t caller, uint64_t op);

static void set_busy(int b)
{
    __atomic_store_n(&busy, b, __ATOMIC_SEQ_CST); /* no store of pm state crosses it */
}

int pm_loop_add(void (*fn)(void))
{
    for (int i = 0; i < PM_LOOP_HOOKS; i++)
        if (!loop_hooks[i]) {
            loop_hooks[i] = fn;
            return 0;
        }
    return -1;
}

/* One wait of the main loop: until a post, the caller's deadline (0: none) or the loop's own
 * (lwIP's timers); then the hooks, busy (a call must not come into the state they change).
 * 0: the caller's deadline passed with nothing posted. */
static int64_t loop_wait(uint64_t deadline)
{
    uint64_t own = pm_loop_deadline ? pm_loop_deadline() : 0;
    uint64_t until = own && (!deadline || own < deadline) ? own : deadline;
    int64_t r = until ? exo_event_wait_until(pm_death_cap, until) : exo_event_wait(pm_death_cap);
    if (r == 0 && until != deadline)
        r = 1; /* our own deadline: not the caller's */
    if (r == 0 && deadline && __builtin_ia32_rdtsc() < deadline)
        r = 1;
    set_busy(1);
    for (int i = 0; i < PM_LOOP_HOOKS && loop_hooks[i]; i++)
        loop_hooks[i]();
    set_busy(0);
    return r;
}

void pm_busy(int b)
{
    set_busy(b);
}

long pm_serve(uint64_t caller, uint64_t op)
{
    if (__atomic_load_n(&busy, __ATOMIC_SEQ_CST))
        return PM_R_BUSY;
    struct pm_proc *p = NULL;
    static uint8_t hint[256]; /* caller id's hash -> the slot it had last: no scan mostly */
    _Static_assert(PROC_MAX <= 256, "a slot in a byte");
    int h = hint[caller & 255];
    if (pm_table->e[h].state == PROC_ALIVE && pm_table->e[h].env == (uint32_t)caller &&
        pm_procs[h].msg)
        p = &pm_procs[h];
    for (int s = 0; s < pm_top && !p; s++) /* who calls: by env id, never by what it says */
        if (pm_table->e[s].state == PROC_ALIVE && pm_table->e[s].env == (uint32_t)caller &&
            pm_procs[s].msg) {
            p = &pm_procs[s];
            hint[caller & 255] = (uint8_t)s;
        }
    if (!p)
        return PM_R_STRANGER;
    long r = op < PM_NOPS && ops[op] ? ops[op](p, p->msg) : -LNX_ENOSYS;
    if (r == PM_BLOCK)
        return PM_R_BLOCK;
    if (p->msg && pm_op_after)
        pm_op_after(p);
    if (p->msg) /* (an exit ends the caller: no one reads it) */
        p->msg->ret = r;
    return PM_R_DONE;
}

int pm_init(void)
{
    for (uint64_t i = 0; i < PROC_TABLE_PAGES; i++) {
        int64_t r = los_page_new(PROC_TABLE_VA + i * EXO_PAGE, EXO_PROT_R | EXO_PROT_W);
        if (r < 0)
            return (int)r;
    }
    pm_table->magic = PROC_TABLE_MAGIC;
    pm_table->version = PROC_TABLE_VERSION;
    pm_table->nslots = PROC_MAX;
    int64_t ev = exo_event_create();
    if (ev < 0)
        return (int)ev;
    pm_death_cap = (uint64_t)ev;
    pm_xsave_mask = xsave_mask();
    /* init itself: pid 1, its own group and session, slot 0 */
    struct pm_proc *p = pm_proc_new();
    p->env_cap = EXO_CAP_SELF;
    p->e->env = (uint32_t)exo_env_self();
    p->e->ppid = 0;
    int64_t r = exo_pct_entry((uint64_t)pm_pct_entry, (uint64_t)(call_stack + PM_STACK_SIZE));
    if (r < 0)
        return (int)r;
    set_busy(0);
    return 0;
}

int64_t pm_run(const char *name, const char *cmdline, int *status)
{
    set_busy(1); /* a call arriving meanwhile must not reap the child before we watch it */
    int64_t pid = pm_spawn(name, cmdline);
    if (pid > 0)
        pm_init_waits = (int32_t)pid;
    set_busy(0);
    if (pid < 0)
        return pid;
    *status = pm_wait_child((int32_t)pid);
    return pid;
}

int64_t pm_start_path(const char *path, const char *cmdline)
{
    set_busy(1);
    pm_reap();
    const void *elf;
    uint64_t size, entry, stack;
    int64_t r = pm_exec_image(&pm_procs[0], path, &elf, &size), c = -1; /* as init (root) */
    struct pm_proc *p = r < 0 ? NULL : pm_proc_new();
    if (r >= 0 && !p)
        r = -LNX_EAGAIN;
    if (r >= 0) {
        c = los_spawn_prepare_flags(elf, size, cmdline, LOS_SPAWN_NO_ARCHIVE, &entry, &stack);
        r = c < 0 ? (c == EXO_E_INVAL ? -LNX_ENOEXEC : -LNX_ENOMEM) : 0;
    }
    if (r >= 0) {
        pm_claim_cap((uint64_t)c);
        pm_cmdline_set(p, cmdline, pm_strlen(cmdline), 1);
        pm_exe_set(p, path);
        r = exo_env_limit((uint64_t)c, 0, PROC_THREADS_MAX); /* no device rights: a process */
        if (r >= 0)
            r = pm_proc_bind(p, (uint64_t)c, 1);
        if (r >= 0)
            r = exo_env_start((uint64_t)c, entry, stack, 0);
        if (r < 0) {
            exo_env_destroy((uint64_t)c);
            r = -LNX_ENOMEM;
        }
    }
    if (r < 0 && p)
        pm_proc_release(p);
    int64_t pid = r < 0 ? r : p->e->pid;
    set_busy(0);
    return pid;
}

int32_t pm_wait_init(uint64_t deadline, int *status)
{
    for (;;) {
        set_busy(1);
        pm_reap();
        int32_t pid = 0;
        for (int s = 1; s < pm_top && !pid; s++) {
            struct proc_entry *c = &pm_table->e[s];
            if (c->state == PROC_ZOMBIE && c->ppid == PROC_PID_INIT) {
                pid = c->pid;
                *status = c->status;
                pm_proc_release(&pm_procs[s]);
            }
        }
        int stop = pm_init_stop;
        set_busy(0);
        if (pid)
            return pid;
        if (stop && !deadline)
            return 0; /* the inittab loop looks; a shutdown's wait (a deadline) waits on */
        int64_t r = loop_wait(deadline);
        if (deadline && r == 0)
            return -1; /* nothing posted by the deadline */
    }
}

int pm_wait_child(int32_t pid)
{
    for (;;) {
        set_busy(1);
        pm_reap();
        struct pm_proc *c = pm_proc_by_pid(pid);
        int status = -1;
        if (!c || c->e->ppid != PROC_PID_INIT) {
            set_busy(0);
            return -1;
        }
        if (c->e->state == PROC_ZOMBIE) {
            status = c->e->status;
            pm_proc_release(c);
        }
        set_busy(0);
        if (status >= 0)
            return status;
        loop_wait(0); /* a death, console input, a frame (or a post made while we were busy) */
    }
}
