/*
 * thread.c: threads as exo envs sharing the process's address space (see thread.h): the row
 * table, clone, a thread's start and exit, tids, and futex over the wait queues of futex.c
 * with one exo event per thread to block on. Built into the Linux runtime (LOS_LINUX_RUNTIME),
 * the calling thread's row is found from rsp instead of TLS, and a Linux binary's thread
 * starts on its row's call stack with the binary's registers (los_clone_regs).
 */
#include <posix/calls.h>
#include <thread/futex.h>
#include <thread/thread.h>

#include <los/cow.h>
#include <los/los.h>
#include <los/spawn.h>
#include <los/uaccess.h>
#include <los/upcall.h>
#include <signal/sig.h>

enum { ROW_FREE, ROW_RUNNING, ROW_EXITING };

struct row {
    volatile uint32_t state;
    uint32_t ready; /* its pages are mapped and its event made (kept for the row's next thread) */
    int64_t env;    /* its env's capability slot (shared table: valid in every thread) */
    int64_t event;  /* its futex wake event */
    long tid;
    int *ctid; /* CLONE_CHILD_CLEARTID / set_tid_address: zeroed and woken at its exit */
    uint64_t tls;
    int (*fn)(void *);
    void *arg;
    int status;
    void *unmap_base; /* __unmapself: its stack, unmapped at its exit */
    size_t unmap_size;
    uint64_t sig[LOS_THREAD_SIG_WORDS]; /* its signal state (libos/signal: mask, directed set) */
};

static struct row rows[LOS_THREAD_MAX];
static volatile uint32_t rows_lock;
#ifdef LOS_LINUX_RUNTIME
static uint64_t regs_of[LOS_THREAD_MAX][18]; /* a new thread's registers (los_clone_regs) */
#else
static __thread struct row *self; /* the calling thread's row; NULL in the first thread */
#endif
static int *first_ctid;
static int64_t first_event; /* the first thread's futex wake event, made when it first waits */
static int running;         /* threads besides the first that have not ended (rows_lock) */
static int first_exited;    /* the first thread called exit while others ran (rows_lock) */
static long next_tid = LOS_THREAD_TID_BASE;
static uint64_t tsc_hz;

void los_upcall_entry(void);
__attribute__((noreturn)) void los_thread_call_on(void *arg, void (*fn)(void *), uint64_t top);

/* The calling thread's row (NULL: the first thread). On a stack in a row, that row: no TLS
 * read, since a detached thread's exit (exit_on_row) has unmapped the stack its TLS lived in,
 * and an upcall may still come (a timer's poll, a signal) before exo destroys its env. A row a
 * fork's child emptied (the forking thread goes on as the first) names no thread.
 * The Linux runtime's build (LOS_LINUX_RUNTIME) has no TLS (the FS base is the binary's), and
 * needs none: every libOS instruction a thread other than the first runs, runs on a stack in
 * its row (its reflected calls', its upcalls', its exit's).
 * Else the row is kept in `self`, a TLS word. musl's SIGEV_THREAD helper thread resets its TLS
 * after each notification (__reset_tls), which zeroes that word too: the row is then found
 * again by the thread's TCB, the address at %fs:0, which is the tls its clone was given. Never
 * before the first clone (the first thread's TLS may not be set up yet at start). */
static struct row *me(void)
{
    uint64_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    if (sp - LOS_THREAD_VA < (uint64_t)LOS_THREAD_MAX * LOS_THREAD_STRIDE) {
        struct row *r = &rows[(sp - LOS_THREAD_VA) / LOS_THREAD_STRIDE];
        return r->state == ROW_FREE ? NULL : r;
    }
#ifdef LOS_LINUX_RUNTIME
    return NULL;
#else
    if (self || los_process_slot == EXO_CAP_SELF)
        return self;
    uint64_t tp;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
    for (int i = 0; i < LOS_THREAD_MAX; i++)
        if (rows[i].state == ROW_RUNNING && rows[i].tls == tp)
            return self = &rows[i];
    return NULL;
#endif
}

int los_thread_row(void)
{
    struct row *r = me();
    return r ? (int)(r - rows) : -1;
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void relax(void)
{
    exo_yield(EXO_ANY);
}

static void table_lock(void)
{
    for (uint32_t spins = 0; __atomic_exchange_n(&rows_lock, 1, __ATOMIC_ACQUIRE); spins++)
        if (spins > 1000) {
            relax();
            spins = 0;
        }
}

static void table_unlock(void)
{
    __atomic_store_n(&rows_lock, 0, __ATOMIC_RELEASE);
}

/* --- futex: the table's hooks are exo events ------------------------------------------------- */

#define FUTEX_LOOK_HZ 50 /* a wait a signal from another process may end looks every 20 ms */

/* One exo wait on the thread's event, until a post or the deadline (exo call 36). A signal
 * from another process posts the process's wake event, not this one: while one could end the
 * wait (los_sig_may_interrupt), the wait ends every 20 ms to look (the futex loop asks
 * los_sig_peek before each block). A post meanwhile stays counted: a harmless early return. */
static int block(uint64_t token, uint64_t deadline)
{
    uint64_t now = rdtsc(), until = deadline;
    if (deadline && now >= deadline)
        return -LNX_ETIMEDOUT;
    if (los_sig_may_interrupt()) {
        if (!tsc_hz)
            tsc_hz = (uint64_t)exo_clock();
        uint64_t look = now + tsc_hz / FUTEX_LOOK_HZ;
        if (!until || look < until)
            until = look;
    }
    if (!until)
        exo_event_wait(token);
    else if (exo_event_wait_until(token, until) == 0 && deadline && rdtsc() >= deadline)
        return -LNX_ETIMEDOUT;
    return 0;
}

static void post(uint64_t token)
{
    exo_event_post(token);
}

static struct futex_table futexes = {
    .block = block, .post = post, .relax = relax, .now = rdtsc, .interrupted = los_sig_peek};

/* The calling thread's wake event, or an exo error. */
static int64_t my_event(void)
{
    struct row *r = me();
    if (r)
        return r->event;
    if (!first_event)
        first_event = exo_event_create(); /* only the first thread ever gets here */
    return first_event;
}

long los_futex(uint32_t *addr, int op, uint32_t val, uint64_t timeout_or_n, uint32_t *addr2,
               uint32_t val3)
{
    int cmd = op & ~(LNX_FUTEX_PRIVATE_FLAG | LNX_FUTEX_CLOCK_REALTIME);
    switch (cmd) {
    case LNX_FUTEX_WAIT:
    case LNX_FUTEX_WAIT_BITSET: {
        uint64_t deadline = 0;
        if (cmd == LNX_FUTEX_WAIT_BITSET && !val3)
            return -LNX_EINVAL; /* as Linux: an empty bitset */
        if (timeout_or_n) {
            struct lnx_timespec ts;
            if (los_copy_from_user(&ts, (const void *)timeout_or_n, sizeof ts) < 0)
                return -LNX_EFAULT;
            if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
                return -LNX_EINVAL;
            if (cmd == LNX_FUTEX_WAIT_BITSET) { /* absolute, on the clock op names: left */
                struct lnx_timespec now;
                const long c[6] = {op & LNX_FUTEX_CLOCK_REALTIME ? 0 : 1, (long)&now};
                if (posix_clock_gettime(c) < 0)
                    return -LNX_EINVAL;
                if (ts.tv_sec < now.tv_sec ||
                    (ts.tv_sec == now.tv_sec && ts.tv_nsec <= now.tv_nsec)) {
                    ts.tv_sec = ts.tv_nsec = 0; /* passed: the value is checked, then ETIMEDOUT */
                } else {
                    ts.tv_sec -= now.tv_sec;
                    ts.tv_nsec -= now.tv_nsec;
                    if (ts.tv_nsec < 0) {
                        ts.tv_sec--;
                        ts.tv_nsec += 1000000000;
                    }
                }
            }
            if (!tsc_hz)
                tsc_hz = (uint64_t)exo_clock();
            uint64_t sec = ts.tv_sec > 1000000000 ? 1000000000 : (uint64_t)ts.tv_sec;
            deadline = rdtsc() + sec * tsc_hz + (uint64_t)ts.tv_nsec * (tsc_hz / 1000) / 1000000;
            deadline += !deadline; /* 0 means none */
        }
        int64_t ev = my_event();
        if (ev < 0)
            return -LNX_EAGAIN;
        return futex_wait(&futexes, addr, val, (uint64_t)ev, deadline);
    }
    case LNX_FUTEX_WAKE_BITSET:
        if (!val3)
            return -LNX_EINVAL;
        __attribute__((fallthrough)); /* every waiter matches (WAIT_BITSET keeps no bitset) */
    case LNX_FUTEX_WAKE:
        return (int)val > 0 ? futex_wake(&futexes, addr, (int)val) : 0;
    case LNX_FUTEX_REQUEUE:
    case LNX_FUTEX_CMP_REQUEUE:
        if ((int)val < 0 || (int)timeout_or_n < 0)
            return -LNX_EINVAL;
        return futex_requeue(&futexes, addr, (int)val, addr2, (int)timeout_or_n,
                             cmd == LNX_FUTEX_CMP_REQUEUE, val3);
    }
    return -LNX_ENOSYS;
}

void los_thread_kick(const void *sig_area)
{
    int64_t ev = 0;
    if (!sig_area) {
        ev = first_event;
    } else {
        for (int i = 0; i < LOS_THREAD_MAX && !ev; i++)
            if (rows[i].state == ROW_RUNNING && (const void *)rows[i].sig == sig_area)
                ev = rows[i].event;
    }
    if (ev > 0)
        exo_event_post((uint64_t)ev);
}

/* --- the pm mailbox, one per process ---------------------------------------------------------- */

static volatile long pm_holder; /* key of the thread using the mailbox (0: none) */
static int pm_depth;

static long my_key(void)
{
    struct row *r = me();
    return r ? r->tid : 1; /* tids of the others are LOS_THREAD_TID_BASE and up */
}

static void pm_take(long me)
{
    long none = 0;
    for (uint32_t spins = 0;
         !__atomic_compare_exchange_n(&pm_holder, &none, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
         spins++, none = 0)
        if (spins > 100) { /* its holder makes a pm call: give it our CPU */
            relax();
            spins = 0;
        }
}

int los_thread_pm_enter(long n)
{
    if (los_process_slot == EXO_CAP_SELF)
        return 0; /* one thread ever: no one to share the mailbox with */
    switch (n) {
    case LNX_futex: /* these wait for other threads, which may need the mailbox meanwhile */
    case LNX_exit:
    case LNX_sched_yield:
    case 15:  /* rt_sigreturn: never returns to los_syscall, which would let the mailbox go */
    case 34:  /* pause */
    case 35:  /* nanosleep */
    case 128: /* rt_sigtimedwait */
    case 130: /* rt_sigsuspend */
    case 230: /* clock_nanosleep */
        return 0;
    }
    long me = my_key();
    if (__atomic_load_n(&pm_holder, __ATOMIC_ACQUIRE) != me)
        pm_take(me);
    pm_depth++;
    return 1;
}

void los_thread_pm_leave(int taken)
{
    if (taken && --pm_depth == 0)
        __atomic_store_n(&pm_holder, 0, __ATOMIC_RELEASE);
}

int los_thread_pm_release(void)
{
    if (los_process_slot == EXO_CAP_SELF ||
        __atomic_load_n(&pm_holder, __ATOMIC_ACQUIRE) != my_key())
        return 0;
    int depth = pm_depth;
    pm_depth = 0;
    __atomic_store_n(&pm_holder, 0, __ATOMIC_RELEASE);
    return depth;
}

void los_thread_pm_reacquire(int depth)
{
    pm_take(my_key());
    pm_depth = depth;
}

/* --- rows, clone, start ----------------------------------------------------------------------- */

static uint64_t row_va(const struct row *t)
{
    return LOS_THREAD_VA + (uint64_t)(t - rows) * LOS_THREAD_STRIDE;
}

/* A row for a new thread, marked RUNNING: a free one, or one whose thread has ended (exo says
 * its env is gone, so nothing runs on its stacks any more). NULL if none. */
static struct row *row_take(void)
{
    table_lock();
    for (int i = 0; i < LOS_THREAD_MAX; i++) {
        struct row *t = &rows[i];
        if (t->state == ROW_FREE ||
            (t->state == ROW_EXITING && exo_env_runs((uint64_t)t->env) == EXO_E_NOENT)) {
            t->state = ROW_RUNNING;
            t->tid = next_tid++;
            table_unlock();
            return t;
        }
    }
    table_unlock();
    return NULL;
}

#ifdef LOS_LINUX_RUNTIME
#define ROW_TOP LOS_THREAD_CALL_TOP /* and the stack its reflected calls run on */
#else
#define ROW_TOP LOS_THREAD_ROW_TOP
#endif

/* Maps the row's pages (upcall state, upcall stack, exit stack, rt_sigreturn buffer, and in the
 * Linux runtime the call stack) and makes its event, once. */
static int row_ready(struct row *t)
{
    if (t->ready)
        return 0;
    uint64_t base = row_va(t);
    for (uint64_t off = 0; off < ROW_TOP; off += EXO_PAGE)
        if (exo_page_lookup(EXO_CAP_SELF, base + off) < 0 &&
            los_page_new(base + off, EXO_PROT_R | EXO_PROT_W) < 0)
            return -1;
    t->event = exo_event_create();
    if (t->event < 0)
        return -1;
    t->ready = 1;
    return 0;
}

/* Is the page at va present, writable and not shared copy-on-write? */
static int private_page(uint64_t va)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, va & ~(EXO_PAGE - 1));
    return pte >= 0 && (pte & EXO_PROT_W) && !(pte & EXO_LOOKUP_SHARED);
}

__attribute__((noreturn)) static void thread_start(struct row *t)
{
    exo_fs_set(t->tls); /* first: TLS, `self` included, lives there */
#ifndef LOS_LINUX_RUNTIME
    self = t;
#endif
    /* Its own upcall state and stack, with the process's handlers: a fault in a thread is
     * the process's to handle (or to die of), not a silent end of one env. */
    uint64_t base = row_va(t);
    exo_upcall_set((uint64_t)los_upcall_entry, base + LOS_THREAD_UPCALL_TOP,
                   base + LOS_THREAD_STATE_OFF);
    /* It may take faults now: los_clone's wait ends, and from this store on its upcalls resume
     * under the copy-on-write lock (taken once los_clone gives it back). */
    __atomic_store_n(&los_cow_unlocked_state, 0, __ATOMIC_RELEASE);
    los_thread_exit(t->fn(t->arg));
}

static long clone_thread(unsigned long flags, void *stack, int *ptid, int *ctid, unsigned long tls,
                         int (*fn)(void *), void *arg, const uint64_t *regs);

long los_clone(unsigned long flags, void *stack, int *ptid, int *ctid, unsigned long tls,
               int (*fn)(void *), void *arg)
{
    return clone_thread(flags, stack, ptid, ctid, tls, fn, arg, NULL);
}

long los_clone_regs(unsigned long flags, void *stack, int *ptid, int *ctid, unsigned long tls,
                    const uint64_t regs[18], int (*go)(void *copy))
{
#ifdef LOS_LINUX_RUNTIME
    if (!(flags & LNX_CLONE_VM))
        return -LNX_ENOSYS; /* a new process: fork is the process server's */
    return clone_thread(flags, stack, ptid, ctid, tls, go, NULL, regs);
#else
    (void)flags, (void)stack, (void)ptid, (void)ctid, (void)tls, (void)regs, (void)go;
    return -LNX_ENOSYS;
#endif
}

static long clone_thread(unsigned long flags, void *stack, int *ptid, int *ctid, unsigned long tls,
                         int (*fn)(void *), void *arg, const uint64_t *regs)
{
    const unsigned long thread = LNX_CLONE_VM | LNX_CLONE_SIGHAND | LNX_CLONE_THREAD;
    const unsigned long known = thread | LNX_CLONE_FS | LNX_CLONE_FILES | LNX_CLONE_SYSVSEM |
                                LNX_CLONE_SETTLS | LNX_CLONE_PARENT_SETTID |
                                LNX_CLONE_CHILD_CLEARTID | LNX_CLONE_DETACHED |
                                LNX_CLONE_CHILD_SETTID | 0xff /* exit signal */;
    if (((flags & LNX_CLONE_THREAD) && !(flags & LNX_CLONE_SIGHAND)) ||
        ((flags & LNX_CLONE_SIGHAND) && !(flags & LNX_CLONE_VM)))
        return -LNX_EINVAL; /* as Linux */
    const unsigned long spawn = LNX_CLONE_VM | LNX_CLONE_VFORK;
    if ((flags & (thread | spawn)) == spawn && (flags & ~(spawn | 0xff)) == 0 && fn && !regs) {
        /* musl's posix_spawn (so popen and system): a child that runs fn and execs or exits,
         * its parent suspended until then. The libOS's vfork is that, with the child's memory
         * a copy-on-write view (fn runs on its copy of our stack, not on `stack`, which musl
         * reads nothing back from: the child reports an exec failure through a pipe). */
        long pid = posix_vfork((const long[6]){0});
        if (pid == 0)
            posix_exit_group((const long[6]){fn(arg)});
        return pid;
    }
    if ((flags & thread) != thread)
        return -LNX_ENOSYS; /* a new process: fork is the process server's */
    if ((flags & ~known) || !(flags & LNX_CLONE_SETTLS) || !fn || !stack)
        return -LNX_EINVAL; /* a thread gets its own TLS: it names `self` */
    if (los_process_slot == EXO_CAP_SELF) {
        /* The first clone (from the first thread, the only one): a slot naming the process
         * env, which every thread's exit_group destroys (slot 0 names each thread itself). */
        int64_t s = exo_cap_copy(EXO_CAP_SELF, EXO_CAP_SELF, EXO_RIGHTS_ENV);
        if (s < 0)
            return -LNX_EAGAIN;
        los_process_slot = (uint64_t)s;
    }
    struct row *t = row_take();
    if (!t)
        return -LNX_EAGAIN;
    int64_t env = row_ready(t) < 0 ? EXO_E_NOMEM : exo_env_thread(EXO_CAP_SELF);
    if (env < 0) {
        t->state = ROW_FREE;
        return -LNX_EAGAIN;
    }
    t->env = env;
    t->ctid = flags & LNX_CLONE_CHILD_CLEARTID ? ctid : NULL;
    t->tls = tls;
    t->fn = fn;
    t->arg = arg;
    uint64_t start_sp = ((uint64_t)stack & ~15ull) - 8; /* rsp as if fn had been called */
#ifdef LOS_LINUX_RUNTIME
    if (regs) { /* a Linux binary's thread: the runtime's part runs on the row's call stack */
        for (int i = 0; i < 18; i++)
            regs_of[t - rows][i] = regs[i];
        t->arg = regs_of[t - rows];
        start_sp = row_va(t) + LOS_THREAD_CALL_TOP - 8;
    }
#endif
    t->unmap_base = NULL;
    los_sig_thread_new(t->sig); /* the creator's mask, nothing pending (POSIX) */
    if (flags & LNX_CLONE_PARENT_SETTID)
        *ptid = (int)t->tid; /* before it runs: it may read its tid at once */
    if (flags & LNX_CLONE_CHILD_SETTID)
        *ctid = (int)t->tid;
    table_lock();
    running++;
    table_unlock();
    /* Until the new thread has its upcall entry, a fault of its would end it: its first stack
     * words are made ours and writable here (a page never touched is paged in, one a fork
     * shared is copied), and no fork may share them again (the copy-on-write lock) until the
     * thread says it can take faults. */
    volatile uint64_t *first = (uint64_t *)(((uint64_t)stack & ~15ull) - 256);
    volatile uint64_t *tls_self = NULL; /* where the new thread writes `self` (TLS) */
#ifndef LOS_LINUX_RUNTIME
    uint64_t tp;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
    tls_self = (uint64_t *)(tls + ((uint64_t)&self - tp));
#endif
    /* Touched first (a fault here is ours to take), then checked under the lock; a stack that
     * cannot be made private (a MAP_SHARED one the caller chose) is taken as it is. */
    for (int tries = 0;; tries++) {
        for (int i = 0; i < 32; i++)
            first[i] = first[i];
        if (tls_self)
            *tls_self = *tls_self;
        los_cow_lock();
        if (private_page((uint64_t)first) && private_page((uint64_t)&first[31]) &&
            (!tls_self || private_page((uint64_t)tls_self)))
            break;
        if (tries == 8)
            break;
        los_cow_unlock(); /* a fork shared them again meanwhile */
    }
    /* Until it has its upcall entry, its upcalls resume without the lock we hold for it (else
     * one would wait for us while we wait for it); it clears this itself once it has the entry,
     * which is what we wait for (thread_start). */
    const uint64_t state = row_va(t) + LOS_THREAD_STATE_OFF;
    __atomic_store_n(&los_cow_unlocked_state, state, __ATOMIC_RELEASE);
    int64_t r = exo_env_start((uint64_t)env, (uint64_t)thread_start, start_sp, (uint64_t)t);
    while (r >= 0 && __atomic_load_n(&los_cow_unlocked_state, __ATOMIC_ACQUIRE) == state)
        exo_yield(EXO_ANY);
    los_cow_unlocked_state = 0;
    los_cow_unlock();
    if (r < 0) {
        exo_env_destroy((uint64_t)env);
        table_lock();
        running--;
        t->state = ROW_FREE;
        table_unlock();
        return -LNX_EAGAIN;
    }
    return t->tid;
}

/* The whole process ends with this status: exit_group's way (pm hears the status). */
__attribute__((noreturn)) static void end_process(int status)
{
    const long a[6] = {status};
    los_thread_pm_enter(LNX_exit_group); /* the exit goes through the mailbox */
    posix_exit_group(a);
    los_exit(status); /* not reached */
}

/* --- exit ------------------------------------------------------------------------------------- */

/* Zeroes a thread's clear-tid word and wakes one waiter on it (pthread_join, musl's thread
 * list lock). */
static void clear_tid(int *ctid)
{
    if (!ctid)
        return;
    __atomic_store_n(ctid, 0, __ATOMIC_RELEASE);
    futex_wake(&futexes, (uint32_t *)ctid, 1);
}

/* A thread's last steps, on its row's exit stack: its own stack may be freed from the moment
 * its clear-tid word is zero. */
__attribute__((noreturn)) static void exit_on_row(void *p)
{
    struct row *t = p;
    if (t->unmap_base)
        los_syscall(LNX_munmap, (long)t->unmap_base, (long)t->unmap_size, 0, 0, 0, 0);
    clear_tid(t->ctid);
    table_lock();
    int last = --running == 0 && first_exited;
    t->state = ROW_EXITING; /* reused once exo says its env is gone (row_take) */
    table_unlock();
    if (last) /* the first thread ended before: the process ends with us */
        end_process(t->status);
    exo_env_destroy(EXO_CAP_SELF);
    for (;;)
        ;
}

void los_thread_exit(int status)
{
    struct row *t = me();
    if (t) {
        t->status = status;
        los_thread_call_on(t, exit_on_row, row_va(t) + LOS_THREAD_EXIT_TOP);
    }
    /* The first thread. Its env is the process's: it cannot end alone (exo would end every
     * thread with it). Alone, it ends the process; else it waits for the last to do so. */
    table_lock();
    if (running == 0) {
        table_unlock();
        end_process(status);
    }
    first_exited = 1;
    table_unlock();
    clear_tid(first_ctid);
    int64_t ev = my_event();
    for (;;)
        ev >= 0 ? exo_event_wait((uint64_t)ev) : exo_yield(EXO_ANY);
}

void los_thread_unmapself(void *base, size_t size)
{
    struct row *r = me();
    if (!r) { /* never a detached thread's stack: musl's first thread has none to free */
        los_syscall(LNX_munmap, (long)base, (long)size, 0, 0, 0, 0);
        los_thread_exit(0);
    }
    r->unmap_base = base;
    r->unmap_size = size;
    los_thread_exit(0);
}

void los_thread_upcall_area(uint64_t *state, uint64_t *top)
{
    if (los_process_slot == EXO_CAP_SELF)
        return; /* never cloned: the first thread's, as given */
    struct row *r = me();
    if (r) {
        *state = row_va(r) + LOS_THREAD_STATE_OFF;
        *top = row_va(r) + LOS_THREAD_UPCALL_TOP;
    }
}

void *los_thread_restore_buf(void)
{
    if (los_process_slot == EXO_CAP_SELF)
        return NULL;
    struct row *r = me();
    return r ? (void *)(row_va(r) + LOS_THREAD_RESTORE_OFF) : NULL;
}

long los_thread_tid(void)
{
    struct row *r = me();
    return r ? r->tid : 0;
}

void los_thread_set_tid_address(int *ctid)
{
    struct row *r = me();
    if (r)
        r->ctid = ctid;
    else
        first_ctid = ctid;
}

void *los_thread_sig(void)
{
    if (los_process_slot == EXO_CAP_SELF)
        return NULL; /* never cloned (TLS may not be set up yet at start): the first thread */
    struct row *r = me();
    return r ? r->sig : NULL;
}

void *los_thread_sig_of(long tid)
{
    for (int i = 0; i < LOS_THREAD_MAX; i++)
        if (rows[i].state == ROW_RUNNING && rows[i].tid == tid)
            return rows[i].sig;
    return NULL;
}

void *los_thread_sig_at(int i)
{
    return rows[i].state == ROW_RUNNING ? rows[i].sig : NULL;
}

uint64_t los_thread_cputime(void)
{
    int64_t c = exo_env_cputime(EXO_CAP_SELF);
    return c > 0 ? (uint64_t)c : 0;
}

uint64_t los_process_cputime(void)
{
    uint64_t sum = los_thread_cputime();
    if (!running) /* no lock: an upcall (a timer's poll) may ask while the table is locked */
        return sum;
    const struct row *mine = me();
    for (int i = 0; i < LOS_THREAD_MAX; i++) {
        const struct row *t = &rows[i];
        if (t->state == ROW_RUNNING && t != mine) {
            int64_t c = exo_env_cputime((uint64_t)t->env);
            sum += c > 0 ? (uint64_t)c : 0;
        }
    }
    return sum;
}

int los_thread_count(void)
{
    table_lock();
    int n = running;
    table_unlock();
    return n;
}

void los_thread_forked(void)
{
    for (int i = 0; i < LOS_THREAD_MAX; i++)
        rows[i] = (struct row){0}; /* its pages were copied: row_ready finds them mapped */
    rows_lock = 0;
#ifndef LOS_LINUX_RUNTIME
    self = NULL;
#endif
    first_ctid = NULL;
    first_event = 0;
    running = 0;
    first_exited = 0;
    /* The fork call holds the mailbox lock if threads existed (its los_syscall leaves it when
     * fork returns): the forking thread goes on as the first thread, key 1. */
    pm_holder = pm_holder ? 1 : 0;
    los_process_slot = EXO_CAP_SELF;
}
