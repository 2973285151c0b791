/*
 * client.h: a process's side of pm (the process server in init): the call stub, its identity
 * read from the process table, fork, exit, and the hooks the signals part uses. Linked into
 * native programs (with the POSIX layer). A program pm did not make (one init starts with
 * los_run) has no mailbox: proc_present is 0 and the POSIX layer falls back to one process.
 */
#ifndef PROC_CLIENT_H
#define PROC_CLIENT_H

#include <proc/layout.h>
#include <proc/msg.h>
#include <proc/table.h>

#include <stdint.h>

/* Finds the mailbox and the table (checking magic and version): 1 if pm made this process. */
int proc_init(void);
extern int proc_present;

/* The mailbox's message area: fill a[] (and data), call, read r[]. */
struct pm_msg *proc_msg(void);

/* Calls pm's op: its result (>= 0 or -errno). EXO_E_BUSY from exo and PM_R_BUSY: yield to pm
 * and call again; PM_R_BLOCK: wait on the wake event and call again, unless the signals part
 * says a signal interrupts the wait (proc_interrupt: its -EINTR or restart code is returned). */
long proc_call(unsigned op);
extern int (*proc_interrupt)(void); /* NULL: nothing interrupts (no signals part) */
/* The TSC deadline that ends a PM_R_BLOCK wait early (0: none): the signals part's real-time
 * timer, whose expiry (alarm's SIGALRM) interrupts the call as a sent signal does. */
extern uint64_t (*proc_wait_deadline)(void);

/* Gives the rest of the time slice to anyone (exo's yield): for tests that wait on others. */
void proc_yield(void);

/* This process's entry in the table (plain loads, no exo call). */
const struct proc_entry *proc_self(void);

/* fork: the child's pid in the parent, 0 in the child, or -errno. */
long proc_fork(void);

/* The "look at signals" word in the mailbox (msg.h's attention): what a call's return loads
 * instead of checking every source of signals. proc_attention_set raises it (after a signal
 * became pending, or a timer was armed); no-op without pm. */
#define PROC_ATTENTION                                                                             \
    ((volatile uint32_t *)(PROC_MBOX_VA + __builtin_offsetof(struct proc_mbox, attention)))
void proc_attention_set(void);
/* The mailbox's sig_hold word (msg.h): the signals this process holds now, which pm must leave
 * pending whatever their disposition. A plain store, no pm call: safe in an upcall. No-op
 * without pm. */
void proc_sig_hold(uint64_t set);
/* The capability slot on the child that pm lent the last fork (pm takes it back, every copy,
 * once the fork is reported done: a test checks it no longer works). */
extern uint64_t proc_fork_cap;
/* Run in a forked child before it returns from fork (NULL: nothing): the Linux runtime asks
 * exo again to reflect the child's `syscall`s (libos/linux). */
extern void (*proc_fork_child_hook)(void);
/* vfork's wait, in the parent after proc_fork: returns once child pid has exec'd or ended. */
void proc_vfork_wait(long pid);

/* Ends the process with wait status `status` (status.h); never returns. */
void proc_exit(int status) __attribute__((noreturn));

/* The signals part's hooks (design11.md): the signals others sent, cleared at pm (no exo call
 * when none is pending): their bits; those sent with a siginfo (kill, sigqueue) are posted to
 * the signal part (los_sig_post_from) on the way, and its hook los_sig_fetch is given only the
 * others. And exit by a signal's default action. */
uint64_t proc_sig_fetch(void);
void proc_sig_die(int sig, int core) __attribute__((noreturn));
void proc_sig_stop(int sig); /* los_sig_stop: kill(getpid(), sig) through pm */

#endif
