/*
 * fork.c: fork in user space. pm makes the child env (empty, with its own mailbox and the
 * table) and gives us a capability to fill it; we walk our address space with exo's
 * page_next, share most pages with the child copy-on-write (exo's page_share: read-only in
 * both, held by their mappings, so they outlive whichever of us ends first; los/cow.h answers
 * the first write), copy the rest at once, and start the child at proc_fork_child, which
 * resumes it where we called proc_fork_save, returning 0.
 *
 * Copied at once (eager), because a fault there could not be taken: the libOS's and the C
 * library's data and bss (libos/eager.ld puts them in page-aligned sections of their own: the
 * upcall path writes them: the fault answer's own lock and counters, the signal state, the
 * upcall entry's FPU pointer), and the libOS's ranges 0x6f00'0000'0000..0x7000'0000'0000
 * (upcall state pages, which exo writes, and upcall stacks, the threads' rows, the info page).
 * Read-only pages above the floor are copied too: a shared page there means "copy-on-write".
 * Shared: the image's read-only pages (text: a write there stays SIGSEGV, los_cow_floor), the
 * program's own data and bss, and every writable page of the break, the mappings and the
 * stack. A program linked without eager.ld (no __los_cow_floor) copies its whole data and bss,
 * as before. PROT_NONE pages, unmapped, are copied by the memory part
 * (posix_memory_fork). MAP_SHARED pages (pm's, posix_memory_shared) are mapped into the child
 * as they are, writable if they are here: both see each other's stores. Not passed on at all: pm's
 * range (the child has its own mailbox, and the same table, mapped by pm), the scratch pages, and
 * the boot archive (only init.run's program, spawned from it, has it mapped; a native program reads
 * no archive).
 */
#include <proc/client.h>
#include <proc/cow_counts.h>
#include <proc/layout.h>
#include <proc/lnx.h>
#include <proc/table.h>
#include <thread/thread.h>

#include <los/cow.h>
#include <los/los.h>
#include <los/spawn.h>
#include <los/upcall.h>

#include <signal/sig.h>

#include <string.h>

struct fork_regs {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
    uint32_t mxcsr;
    uint16_t fcw, pad;
    uint64_t fs_base; /* the thread pointer (musl's TCB: %fs:0 holds it) */
    uint64_t upcalls; /* 1: the parent had registered its upcall entry */
};
_Static_assert(__builtin_offsetof(struct fork_regs, mxcsr) == 64, "fork_entry.S offsets");

int proc_fork_save(struct fork_regs *r) __attribute__((returns_twice));
void proc_fork_child(void);
void los_upcall_entry(void);
void proc_fork_child_setup(const struct fork_regs *r);

static struct fork_regs regs; /* in our memory, so in the child's copy too */
uint64_t proc_fork_cap;
void (*proc_fork_child_hook)(void);

/* The program's image ends here (the toolchain's symbol; a plain libOS program has none and
 * shares nothing); eager.ld's symbols: where the program's own data starts, and the libOS's
 * bss between it and the program's bss. The memory part's PROT_NONE pages (posix/memory.c), if
 * linked in. */
extern char _end[] __attribute__((weak));
extern char __los_cow_floor[] __attribute__((weak));
extern char __los_eager_bss[] __attribute__((weak));
extern char __los_eager_bss_end[] __attribute__((weak));
long posix_memory_fork(uint64_t child) __attribute__((weak));
void posix_memory_forked(void) __attribute__((weak));
void posix_memory_lock(void) __attribute__((weak)); /* layout before cow: memory.c */
void posix_memory_unlock(void) __attribute__((weak));
int posix_memory_shared(uint64_t va) __attribute__((weak));

void proc_fork_child_setup(const struct fork_regs *r)
{
    if (r->fs_base)
        exo_fs_set(r->fs_base);
    los_cow_forked_child(); /* our copy of the lock was taken while the parent held it */
    if (posix_memory_forked)
        posix_memory_forked();
    proc_attention_set(); /* a fresh mailbox: the first call's return looks */
    /* The upcall entry first (POSIX: no pending signal, no timer): until it is registered a
     * store to a shared page could not be answered, and the forking thread's own variables
     * (its TLS) may lie in one. Only the image's data and our own stack are written before. */
    if (r->upcalls)
        los_sig_fork_child();
    los_thread_forked(); /* the forking thread is the child's only one (libos/thread) */
    if (proc_fork_child_hook)
        proc_fork_child_hook();
}

/* Is the page at va all zero? (Most of a program's bss, untouched.) */
static int zero_page(uint64_t va)
{
    const uint64_t *w = (const uint64_t *)va;
    for (unsigned i = 0; i < EXO_PAGE / 8; i += 4)
        if (w[i] | w[i + 1] | w[i + 2] | w[i + 3])
            return 0;
    return 1;
}

/* One page of ours at va (its page_lookup: pte) into the child: a copy in a page it owns. */
static int64_t copy_page(uint64_t child, uint64_t va, int64_t pte)
{
    uint64_t prot = (uint64_t)pte & (EXO_PROT_R | EXO_PROT_W | EXO_PROT_X | EXO_PROT_XONLY);
    if ((pte & EXO_LOOKUP_SHARED) && los_cow_area(va))
        prot |= EXO_PROT_W; /* copy-on-write here: the child's copy is its own, writable */
    int64_t np = exo_page_alloc(child, EXO_ANY); /* owned by the child: it outlives us */
    if (np < 0)
        return np;
    los_cow_stats.eager++;
    /* An execute-only page (the Linux runtime's trampoline at VA 0) is read for the copy. */
    int xonly =
        (prot & EXO_PROT_XONLY) && exo_page_protect(EXO_CAP_SELF, va, EXO_PROT_R | EXO_PROT_X) == 0;
    if ((prot & EXO_PROT_XONLY) && !xonly)
        return EXO_E_PERM;
    if (!zero_page(va)) { /* exo zeroes what it hands out: a zero page needs no copy */
        int64_t r =
            exo_page_map(EXO_CAP_SELF, LOS_SCRATCH_VA, (uint64_t)np, EXO_PROT_R | EXO_PROT_W);
        if (r < 0) {
            if (xonly)
                exo_page_protect(EXO_CAP_SELF, va, prot);
            return r;
        }
        memcpy((void *)LOS_SCRATCH_VA, (const void *)va, EXO_PAGE);
    }
    if (xonly)
        exo_page_protect(EXO_CAP_SELF, va, prot);
    return exo_page_map(child, va, (uint64_t)np, prot);
}

/* Shared copy-on-write with the child, or copied at once? (See the top of this file.) */
static int shareable(uint64_t va, int64_t pte)
{
    if (va >= LOS_LIBOS_LO && va < LOS_LIBOS_HI) /* the libOS's own ranges (eager) */
        return 0;
    if (!los_cow_area(va) || !regs.upcalls) /* no upcall entry: no write fault answered */
        return !(pte & EXO_PROT_W);
    return (pte & (EXO_PROT_W | EXO_LOOKUP_SHARED)) != 0;
}

/* One page of ours at va into the child: shared if it may be, else (or if exo says it cannot
 * be: mapped twice, a device's, another's) copied. */
static int64_t pass_page(uint64_t child, uint64_t va)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
    if (pte < 0)
        return pte;
    if (posix_memory_shared && posix_memory_shared(va)) /* MAP_SHARED: pm's page, as it is */
        return exo_page_map(child, va, (uint64_t)pte >> EXO_PAGE_SHIFT,
                            (uint64_t)pte & (EXO_PROT_R | EXO_PROT_W | EXO_PROT_X));
    if (shareable(va, pte) && exo_page_share(child, va) == 0) {
        los_cow_stats.shared++;
        return 0;
    }
    return copy_page(child, va, pte);
}

static int64_t copy_space(uint64_t child)
{
    const struct los_info *in = los_info();
    uint64_t arch_lo = in->archive_va,
             arch_hi = (in->archive_va + in->archive_size + EXO_PAGE - 1) & ~(EXO_PAGE - 1);
    /* The program's own data (eager.ld), else the image's end; with no symbol, everything is
     * "image": copied, or shared read-only. */
    uint64_t floor = __los_cow_floor ? (uint64_t)__los_cow_floor
                     : _end          ? ((uint64_t)_end + EXO_PAGE - 1) & ~(EXO_PAGE - 1)
                                     : EXO_USER_TOP;
    int64_t r = posix_memory_fork ? posix_memory_fork(child) : 0;
    if (r >= 0 && exo_page_lookup(EXO_CAP_SELF, LOS_COW_STACK_VA) < 0)
        r = los_page_new(LOS_COW_STACK_VA, EXO_PROT_R | EXO_PROT_W); /* copied, never shared */
    if (__los_cow_floor && __los_eager_bss && __los_eager_bss_end) {
        los_cow_hole_lo = (uint64_t)__los_eager_bss; /* page-aligned by eager.ld */
        los_cow_hole_hi = (uint64_t)__los_eager_bss_end;
    }
    los_cow_floor = floor; /* before any page is shared: our own writes may fault from now on */
    for (int64_t va = exo_page_next(EXO_CAP_SELF, 0); va >= 0 && r >= 0;) {
        uint64_t v = (uint64_t)va, next = v + EXO_PAGE;
        if (v >= PROC_AREA_VA && v < PROC_AREA_END)
            next = PROC_AREA_END; /* pm's: the child has its own */
        else if (v >= arch_lo && v < arch_hi)
            next = arch_hi; /* the boot archive: not passed on (init's program only has it) */
        else if (v != LOS_SCRATCH_VA && v != LOS_COW_SCRATCH_VA)
            r = pass_page(child, v);
        va = next < EXO_USER_TOP ? exo_page_next(EXO_CAP_SELF, next) : EXO_E_NOENT;
    }
    exo_page_unmap(EXO_CAP_SELF, LOS_SCRATCH_VA);
    return r;
}

static uint32_t fork_env; /* the env id of the last child proc_fork made (vfork's wait) */

long proc_fork(void)
{
    if (!proc_present)
        return -LNX_ENOSYS;
    long pid = proc_call(PM_OP_fork);
    if (pid < 0)
        return pid;
    uint64_t child = (uint64_t)proc_msg()->r[0];
    proc_fork_cap = child;
    {
        /* The child's first env, before it can run: vfork's wait compares against it (read
         * after the start, a child that exec'd at once on another CPU would be missed). */
        const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
        int s = proc_table_find(t, (int32_t)pid);
        fork_env = s < 0 ? 0 : t->e[s].env;
    }
    uint64_t tp = 0;
    if (proc_fork_save(&regs))
        return 0;                                  /* the child, resumed by proc_fork_child */
    __asm__ volatile("mov %%fs:0, %0" : "=r"(tp)); /* native programs always have a TCB */
    regs.fs_base = tp;
    regs.upcalls = exo_page_lookup(EXO_CAP_SELF, LOS_UPCALL_STATE_VA) >= 0;
    if (posix_memory_lock)
        posix_memory_lock(); /* the lock order: layout, then cow (memory.c) */
    los_cow_lock(); /* another thread's write fault waits until the space is shared whole */
    int64_t r = copy_space(child);
    los_cow_unlock();
    if (posix_memory_unlock)
        posix_memory_unlock();
    if (r >= 0)
        r = exo_env_start(child, (uint64_t)proc_fork_child, LOS_COW_STACK_VA + EXO_PAGE,
                          (uint64_t)&regs);
    struct pm_msg *m = proc_msg();
    m->a[0] = pid;
    m->a[1] = r < 0 ? r : 0;
    long done = proc_call(PM_OP_fork_done); /* a failed copy: pm destroys the child */
    if (r >= 0 && done < 0)
        return done; /* pm no longer knows the child: it was ended (our group killed?) */
    if (r < 0)
        return r == EXO_E_NOMEM ? -LNX_ENOMEM : -LNX_EAGAIN;
    return pid;
}

/* vfork's parent: suspended until the child pid has exec'd (its table entry names another
 * env) or ended (a zombie, or gone), as read in the process table pm keeps. The child runs
 * meanwhile (we give it our CPU); our memory is copy-on-write, so the child changes none of
 * it, which POSIX allows of vfork. */
void proc_vfork_wait(long pid)
{
    const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
    int s = proc_table_find(t, (int32_t)pid);
    if (s < 0)
        return;
    const volatile struct proc_entry *e = &t->e[s];
    uint32_t env = fork_env; /* as fork made it: an exec since shows as another */
    while (e->pid == pid && e->state == PROC_ALIVE && e->env == env)
        exo_yield(EXO_ANY);
}

void proc_cow_counts(struct proc_cow_counts *c)
{
    *c = (struct proc_cow_counts){los_cow_stats.shared, los_cow_stats.eager, los_cow_stats.copied,
                                  los_cow_stats.taken};
}
