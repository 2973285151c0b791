/*
 * clone.c: threads of a Linux binary. clone with CLONE_VM (musl's and glibc's pthread_create)
 * and clone3 (which glibc 2.34 and later try first) make a libos/thread thread whose first
 * instructions are the runtime's, on its row's call stack: it registers its own reflected-call
 * entry (lnx_thread_entries + 32 * row: exo keeps one handler per env, and that entry finds
 * the row's stack with no register and no FS base) and points its GS base at its own struct
 * lnx_gs (exo keeps one per env: lnx_fast_entry finds the row's stack through it, so the
 * thread's rewritten sites stay direct), then enters the binary at the instruction
 * after the parent's `syscall` with the parent's registers, rax = 0 and the stack it was
 * given, as Linux's clone returns in the child. Its FS base is the tls given (CLONE_SETTLS,
 * which libos/thread requires). The rest (tids, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID's
 * zero and wake at exit, futex, exit of one thread vs exit_group) is libos/thread's, as for
 * native threads. A clone that makes a process is fork with its tid words (glibc's fork), or
 * vfork with the child on the stack given (posix_spawn's CLONE_VM | CLONE_VFORK); a clone3
 * that makes one is ENOSYS (glibc then makes it again with clone).
 */
#include <linux_rt/lnx.h>

#include <los/los.h>
#include <los/uaccess.h>
#include <posix/calls.h>
#include <proc/lnx.h>
#include <thread/thread.h>

_Static_assert(sizeof(struct exo_regs) == 18 * 8, "los_clone_regs copies 18 words");

void lnx_resume(const struct exo_regs *r) __attribute__((noreturn));

/* The new thread, on its row's call stack, its upcalls already registered (libos/thread). */
static int go(void *copy)
{
    int row = los_thread_row();
    if (row < 0 || exo_syscall_reflect((uint64_t)(lnx_thread_entries + 32 * row)) < 0 ||
        lnx_gs_own(row) < 0) {
        los_printf("linux: a thread's syscall_reflect or gs_set refused\n");
        return 127; /* the thread ends (it cannot make a call of the binary's) */
    }
    lnx_resume(copy);
}

static long thread(const struct exo_regs *u, unsigned long flags, uint64_t stack, int *ptid,
                   int *ctid, unsigned long tls)
{
    struct exo_regs r = *u;
    r.rsp = stack;
    return los_clone_regs(flags, (void *)stack, ptid, ctid, tls, (const uint64_t *)&r, go);
}

/* A clone that makes a process (glibc's fork: CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID |
 * SIGCHLD, no stack): fork, then the tid words (the first thread's tid is the pid). */
static long fork_like(unsigned long flags, uint64_t stack, int *ptid, int *ctid)
{
    const unsigned long known =
        LNX_CLONE_PARENT_SETTID | LNX_CLONE_CHILD_SETTID | LNX_CLONE_CHILD_CLEARTID | 0xff;
    if ((flags & ~known) || stack)
        return -LNX_ENOSYS; /* shared files, a new stack, namespaces...: not yet */
    const long none[6] = {0};
    long pid = los_syscall_call(LNX_fork, none);
    if (pid < 0)
        return pid;
    if (pid == 0) {
        long me = posix_getpid(none);
        if ((flags & LNX_CLONE_CHILD_SETTID) && los_copy_to_user(ctid, &(int){(int)me}, 4) < 0)
            return -LNX_EFAULT;
        if (flags & LNX_CLONE_CHILD_CLEARTID)
            los_thread_set_tid_address(ctid);
    } else if (flags & LNX_CLONE_PARENT_SETTID) {
        los_copy_to_user(ptid, &(int){(int)pid}, 4); /* the child exists: pid is the answer */
    }
    return pid;
}

/* posix_spawn's clone (musl's and glibc's): CLONE_VM | CLONE_VFORK, no CLONE_THREAD, the
 * child on the stack given. The libOS's vfork: the parent waits until the child execs or
 * exits, but the child's memory is a copy-on-write view, not the parent's: what the child
 * writes before its exec is not seen (glibc's child reports a failed exec in memory, so its
 * posix_spawn then says 0 and the child exits 127; musl's reports it through a pipe). */
static long spawn_like(struct exo_regs *u, unsigned long flags, uint64_t stack)
{
    if (flags & ~(LNX_CLONE_VM | LNX_CLONE_VFORK | 0xff))
        return -LNX_ENOSYS;
    const long none[6] = {0};
    long pid = los_syscall_call(LNX_vfork, none);
    if (pid == 0 && stack)
        u->rsp = stack; /* the child goes on, on its stack: rax = 0 */
    return pid;
}

#define NEWNS 0x20000ul
#define NEWUSER 0x10000000ul
#define PIDFD 0x1000ul

/* The combinations Linux's copy_process refuses (EINVAL), checked before anything is made or
 * said unsupported, in its order. */
static int flags_valid(unsigned long f)
{
    if ((f & (NEWNS | LNX_CLONE_FS)) == (NEWNS | LNX_CLONE_FS) ||
        (f & (NEWUSER | LNX_CLONE_FS)) == (NEWUSER | LNX_CLONE_FS))
        return 0; /* a new mount or user namespace cannot share the file system's root */
    if ((f & LNX_CLONE_THREAD) && !(f & LNX_CLONE_SIGHAND))
        return 0; /* a thread shares its handlers */
    if ((f & LNX_CLONE_SIGHAND) && !(f & LNX_CLONE_VM))
        return 0; /* handlers shared need the memory they are in */
    if ((f & PIDFD) && (f & (LNX_CLONE_DETACHED | LNX_CLONE_THREAD)))
        return 0;
    return 1;
}

long lnx_clone(struct exo_regs *u, const long a[6])
{
    /* Linux's x86-64 order: flags, newsp, parent_tid, child_tid, tls. Only the flags' low 32
     * bits count (kernel_clone's lower_32_bits); with CLONE_PIDFD the pidfd goes where the
     * parent's tid would, so the two together are refused. */
    unsigned long f = (uint32_t)a[0];
    if (!flags_valid(f) || ((f & PIDFD) && (f & LNX_CLONE_PARENT_SETTID)))
        return -LNX_EINVAL;
    if (!(f & LNX_CLONE_VM))
        return fork_like(f, (uint64_t)a[1], (int *)a[2], (int *)a[3]);
    if ((f & (LNX_CLONE_VFORK | LNX_CLONE_THREAD)) == LNX_CLONE_VFORK)
        return spawn_like(u, f, (uint64_t)a[1]);
    return thread(u, f, (uint64_t)a[1], (int *)a[2], (int *)a[3], (unsigned long)a[4]);
}

struct lnx_clone_args { /* Linux's struct clone_args (CLONE_ARGS_SIZE_VER2) */
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};

long lnx_clone3(struct exo_regs *u, const long a[6])
{
    struct lnx_clone_args c = {0};
    uint64_t size = (uint64_t)a[1];
    if (size < 64) /* CLONE_ARGS_SIZE_VER0 */
        return -LNX_EINVAL;
    if (size > EXO_PAGE)
        return -LNX_E2BIG;
    /* A larger struct than ours (a newer C library's): what we do not know must be zero
     * (copy_struct_from_user's E2BIG, checked before the known part is read, as Linux). */
    for (uint64_t off = sizeof c; off < size; off += 8) {
        uint64_t w = 0, n = size - off < 8 ? size - off : 8;
        if (los_copy_from_user(&w, (const uint8_t *)a[0] + off, n) < 0)
            return -LNX_EFAULT;
        if (w)
            return -LNX_E2BIG;
    }
    if (los_copy_from_user(&c, (const void *)a[0], size < sizeof c ? size : sizeof c) < 0)
        return -LNX_EFAULT;
    const uint64_t known =
        0xfffffffful | 0x100000000ul | 0x200000000ul; /* CLEAR_SIGHAND, INTO_CGROUP */
    if ((c.flags & ~known) || (c.flags & 0xff) || (c.flags & LNX_CLONE_DETACHED) ||
        c.exit_signal > 64 || c.set_tid_size || c.set_tid)
        return -LNX_EINVAL;
    if ((c.flags & (LNX_CLONE_THREAD | 0x8000 /* CLONE_PARENT */)) && c.exit_signal)
        return -LNX_EINVAL;
    if (!c.stack != !c.stack_size || c.stack + c.stack_size < c.stack || !flags_valid(c.flags))
        return -LNX_EINVAL;
    if ((c.flags & (LNX_CLONE_VM | LNX_CLONE_THREAD)) != (LNX_CLONE_VM | LNX_CLONE_THREAD))
        return -LNX_ENOSYS; /* a process: glibc makes it again with clone (fork's way) */
    if (!c.stack)
        return -LNX_EINVAL; /* a thread on its parent's stack: Linux makes it, to crash */
    return thread(u, c.flags | c.exit_signal, c.stack + c.stack_size, (int *)c.parent_tid,
                  (int *)c.child_tid, c.tls);
}
