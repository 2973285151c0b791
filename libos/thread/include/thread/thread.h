/*
 * thread.h: threads of a Tessera process. Each thread is an exo env made with env_thread: it
 * runs in the process's address space with its own registers, FS base (its TLS), extended
 * state and upcall state page, and shares the process's pages and capability table. The libOS
 * keeps a table of them in the process's memory (LOS_THREAD_MAX rows, each with its pages at
 * LOS_THREAD_VA + row * LOS_THREAD_STRIDE, reused by the next thread of that row) and
 * implements clone (as musl's pthread_create makes it), exit of one thread, gettid,
 * set_tid_address and futex on top (docs/concepts/threads.md).
 */
#ifndef THREAD_THREAD_H
#define THREAD_THREAD_H

#include <stddef.h>
#include <stdint.h>

#define LOS_THREAD_MAX 32                       /* threads besides the first, at once */
#define LOS_THREAD_VA 0x00006f9000000000ull     /* rows of per-thread libOS pages (0x6f9...) */
#define LOS_THREAD_STRIDE 0x0000000000100000ull /* per row: */
#define LOS_THREAD_STATE_OFF 0x0000ull          /*   its upcall state page */
#define LOS_THREAD_UPCALL_TOP 0x9000ull         /*   8 pages of upcall stack below */
#define LOS_THREAD_EXIT_TOP 0xb000ull           /*   2 pages of stack its exit runs on */
#define LOS_THREAD_RESTORE_OFF 0xb000ull        /*   2 pages: its rt_sigreturn's buffer */
#define LOS_THREAD_ROW_TOP 0xd000ull            /*   (the row's pages end here, but: */
#define LOS_THREAD_CALL_TOP 0x1d000ull  /*   the Linux runtime's: 16 pages its calls run on) */
#define LOS_THREAD_TID_BASE 0x40000000l /* tids of threads after the first */

/* clone(2) for a new thread (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND, and whatever of
 * CLONE_FS/FILES/SYSVSEM/SETTLS/PARENT_SETTID/CHILD_CLEARTID/CHILD_SETTID/DETACHED): the
 * thread runs fn(arg) on stack with FS base tls (CLONE_SETTLS) and ends with fn's result.
 * Returns its tid, or -errno: -EINVAL for flags Linux refuses, -ENOSYS for a clone that is
 * not a thread (fork is the process server's), -EAGAIN when there is no room (row, env). */
long los_clone(unsigned long flags, void *stack, int *ptid, int *ctid, unsigned long tls,
               int (*fn)(void *), void *arg);

/* The Linux runtime's (libos/linux/clone.c): a thread of a Linux binary, as los_clone makes
 * one, but started on its row's call stack (LOS_THREAD_CALL_TOP) at go(copy), copy being the
 * row's own copy of the 18 words of the struct exo_regs regs (the binary's registers, which the
 * new thread resumes with); go never returns. In that build the calling thread's row is found
 * from rsp (every libOS instruction a thread runs, runs on a stack in its row), not from TLS:
 * the FS base is the binary's. */
long los_clone_regs(unsigned long flags, void *stack, int *ptid, int *ctid, unsigned long tls,
                    const uint64_t regs[18], int (*go)(void *copy));

/* The calling thread's upcall state page and upcall stack top, if it is not the first thread
 * (whose are LOS_UPCALL_STATE_VA and LOS_UPCALL_STACK_TOP: *state and *top stay as given):
 * where the libOS's own upcalls go (libos/signal's delivery at a call's return and sigreturn,
 * the Linux runtime's delivery), so that exo's in_upcall guard and the stack are the calling
 * thread's. */
void los_thread_upcall_area(uint64_t *state, uint64_t *top);

/* The calling thread's rt_sigreturn buffer (LOS_THREAD_RESTORE_OFF in its row, 8 KiB: two
 * threads may make rt_sigreturn at once), or NULL for the first thread (libos/signal keeps its
 * own). */
void *los_thread_restore_buf(void);

/* The calling thread's row (0 <= row < LOS_THREAD_MAX), or -1 in the first thread. */
int los_thread_row(void);

/* SYS_exit: ends the calling thread (its CLONE_CHILD_CLEARTID word is zeroed and woken, on a
 * stack of the libOS, after which its own stack may be freed). The first thread ending while
 * others run waits for them; the last thread to end ends the process with its status. */
__attribute__((noreturn)) void los_thread_exit(int status);

/* musl's __unmapself: munmap(base, size) (the caller's own stack) and exit the thread. */
__attribute__((noreturn)) void los_thread_unmapself(void *base, size_t size);

/* The calling thread's tid: LOS_THREAD_TID_BASE + n, or 0 in the first thread (whose tid is
 * the pid: gettid answers getpid's). */
long los_thread_tid(void);

/* set_tid_address: the word the calling thread's exit zeroes and wakes. */
void los_thread_set_tid_address(int *ctid);

/* futex(2): FUTEX_WAIT (relative timeout), FUTEX_WAIT_BITSET (absolute timeout on
 * CLOCK_MONOTONIC, or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME; any nonzero bitset matches
 * every wake), FUTEX_WAKE, FUTEX_WAKE_BITSET (as FUTEX_WAKE), FUTEX_REQUEUE,
 * FUTEX_CMP_REQUEUE, private or not (both process-local); else -ENOSYS. */
long los_futex(uint32_t *addr, int op, uint32_t val, uint64_t timeout_or_n, uint32_t *addr2,
               uint32_t val3);

/* Posts the futex wake event of the thread whose signal state is sig_area (NULL: the first
 * thread's), so a futex wait it blocks in looks at its signals (a directed signal for it). A
 * post it finds later only makes its next wait look once more. */
void los_thread_kick(const void *sig_area);

/* In a forked child, first thing: the thread that forked is its only (first) thread; the
 * parent's rows, events and process slot name nothing in the child's capability table. */
void los_thread_forked(void);

/* The process's pm mailbox is one for all its threads: once a second thread has existed,
 * los_syscall holds the mailbox lock across each call that may use it (recursively in one
 * thread; not across futex, exit, sched_yield and the sleeps, which wait for other threads).
 * pm_enter(n): 1 if it took the lock for call n (pass it to pm_leave), else 0. */
int los_thread_pm_enter(long n);
void los_thread_pm_leave(int taken);

/* For proc_call when pm says "would block": lets the mailbox go while the caller waits, and
 * says (nonzero) whether the call must then be made again from the start (other threads may
 * have used the mailbox meanwhile: los_syscall repeats the whole call, which refills it). */
int los_thread_pm_release(void);
void los_thread_pm_reacquire(int depth);
#define LOS_THREAD_RECALL (-4096 - 77) /* proc_call's answer then: los_syscall calls again */

/* Threads running besides the first (tests). */
int los_thread_count(void);
/* CPU time (exo's env_cputime, call 43, TSC ticks): the calling thread's, and the process's:
 * the calling thread's plus every other live thread's besides the first (the first thread's
 * when called from it; an ended thread's time is not kept). */
uint64_t los_thread_cputime(void);

/* The signal part's per-thread state (libos/signal's struct sig_thread) in each thread's row:
 * the calling thread's (NULL in the first thread, whose state is the signal part's own), and
 * the live thread with this tid's (NULL: none). los_sig_thread_new fills a new thread's. */
#define LOS_THREAD_SIG_WORDS 6
void *los_thread_sig(void);
void *los_thread_sig_of(long tid);
/* Row i's (0 <= i < LOS_THREAD_MAX) when a thread runs in it, else NULL. */
void *los_thread_sig_at(int i);
void los_sig_thread_new(void *area);
uint64_t los_process_cputime(void);

#endif
