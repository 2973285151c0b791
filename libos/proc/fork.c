/*
 * fork.c: fork in user space. pm makes the child env (empty, with its own mailbox and the
 * table) and gives us a capability to fill it; we copy every page of ours into pages the
 * child owns, walking our address space with exo's page_next, and start the child at
 * proc_fork_child, which resumes it where we called proc_fork_save, returning 0.
 *
 * Eager copy, not copy-on-write: exo frees an env's pages when it ends, so a page shared
 * copy-on-write would vanish from the child if the parent ended first (docs/concepts/
 * processes.md). Not copied: pm's range (the child has its own mailbox, and the same table,
 * mapped by pm), the scratch page, and the boot archive (only init.run's program, spawned from
 * it, has it mapped; a native program reads no archive: its files are pm's).
 */
#include <proc/client.h>
#include <proc/lnx.h>
#include <thread/thread.h>

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

void proc_fork_child_setup(const struct fork_regs *r)
{
    if (r->fs_base)
        exo_fs_set(r->fs_base);
    los_thread_forked(); /* the forking thread is the child's only one (libos/thread) */
    proc_attention_set(); /* a fresh mailbox: the first call's return looks */
    if (r->upcalls)      /* the upcall entry registered; POSIX: no pending signal, no timer */
        los_sig_fork_child();
}

/* One page of ours at va into the child: a copy in a page it owns. */
static int64_t copy_page(uint64_t child, uint64_t va)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
    if (pte < 0)
        return pte;
    uint64_t prot = (uint64_t)pte & 7;
    int64_t np = exo_page_alloc(child, EXO_ANY); /* owned by the child: it outlives us */
    if (np < 0)
        return np;
    int64_t r = exo_page_map(EXO_CAP_SELF, LOS_SCRATCH_VA, (uint64_t)np, EXO_PROT_R | EXO_PROT_W);
    if (r < 0)
        return r;
    memcpy((void *)LOS_SCRATCH_VA, (const void *)va, EXO_PAGE);
    return exo_page_map(child, va, (uint64_t)np, prot);
}

static int64_t copy_space(uint64_t child)
{
    const struct los_info *in = los_info();
    uint64_t arch_lo = in->archive_va,
             arch_hi = (in->archive_va + in->archive_size + EXO_PAGE - 1) & ~(EXO_PAGE - 1);
    int64_t r = 0;
    for (int64_t va = exo_page_next(EXO_CAP_SELF, 0); va >= 0 && r >= 0;) {
        uint64_t v = (uint64_t)va, next = v + EXO_PAGE;
        if (v >= PROC_AREA_VA && v < PROC_AREA_END)
            next = PROC_AREA_END; /* pm's: the child has its own */
        else if (v >= arch_lo && v < arch_hi)
            next = arch_hi; /* the boot archive: not passed on (init's program only has it) */
        else if (v != LOS_SCRATCH_VA)
            r = copy_page(child, v);
        va = next < EXO_USER_TOP ? exo_page_next(EXO_CAP_SELF, next) : EXO_E_NOENT;
    }
    exo_page_unmap(EXO_CAP_SELF, LOS_SCRATCH_VA);
    return r;
}

long proc_fork(void)
{
    if (!proc_present)
        return -LNX_ENOSYS;
    long pid = proc_call(PM_OP_fork);
    if (pid < 0)
        return pid;
    uint64_t child = (uint64_t)proc_msg()->r[0];
    proc_fork_cap = child;
    uint64_t tp = 0;
    if (proc_fork_save(&regs))
        return 0;                                  /* the child, resumed by proc_fork_child */
    __asm__ volatile("mov %%fs:0, %0" : "=r"(tp)); /* native programs always have a TCB */
    regs.fs_base = tp;
    regs.upcalls = exo_page_lookup(EXO_CAP_SELF, LOS_UPCALL_STATE_VA) >= 0;
    int64_t r = copy_space(child);
    if (r >= 0)
        r = exo_env_start(child, (uint64_t)proc_fork_child, regs.rsp, (uint64_t)&regs);
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
