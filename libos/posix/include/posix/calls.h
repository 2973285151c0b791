/*
 * calls.h: the POSIX layer's inside: one handler per Linux call (calls.def), the dispatcher
 * that picks one by number, the errno mapping of exo's errors, and what start-up sets.
 * Handlers take the six raw arguments and return the result or -errno.
 */
#ifndef POSIX_CALLS_H
#define POSIX_CALLS_H

#include <posix/linux.h>
#include <posix/posix.h>

#include <stddef.h>
#include <stdint.h>

typedef long (*posix_call_fn)(const long a[6]);

#define POSIX_CALL(num, name) long posix_##name(const long a[6]);
#include <posix/calls.def>
#undef POSIX_CALL

/* table[nr](a) if nr < n and the entry is set (*first_enosys untouched). Otherwise -ENOSYS, with
 * *first_enosys set to 1 the first time nr comes back ENOSYS, else 0: seen[] (n + 1 bytes, zeroed
 * at first) remembers each number below n, and seen[n] every other number. */
long posix_dispatch(const posix_call_fn *table, size_t n, long nr, const long a[6], uint8_t *seen,
                    int *first_enosys);

/* los_syscall's fast paths alone (getpid, clock_gettime of the TSC's clocks, with no signal
 * to look at): the result, or LOS_NOT_FAST (no call's result) for every other call. */
#define LOS_NOT_FAST (-4097l)
long los_syscall_fast(long n, long a1, long a2);

/* Linux call n made once through the table, without the look at signals los_syscall does at
 * its return (-LOS_ERESTARTSYS passes through): the Linux runtime (libos/linux) delivers
 * signals to the Linux binary's own context itself. */
long los_syscall_call(long n, const long a[6]);

/* An exo result as a system call result: non-negative values pass, each enum exo_error
 * becomes its -errno (errno.c has the table). */
long posix_errno(int64_t exo_result);

/* The process's pid (its env id, read once at start) and its parent's. */
extern long posix_pid, posix_ppid;

/* Clock (clock.c): TSC ticks to nanoseconds, with ns_per_tick_32 = 10^9 * 2^32 / hz. */
void posix_clock_init(uint64_t hz);
extern uint64_t posix_tsc_hz; /* TSC ticks per second */
/* Clock clk's reading in nanoseconds: 0, or -EINVAL for an unknown clock. */
long posix_clock_ns(long clk, uint64_t *ns);
uint64_t posix_clock_mult(uint64_t hz);
uint64_t posix_tsc_to_ns(uint64_t tsc, uint64_t mult);

/* clock_gettime of CLOCK_REALTIME or CLOCK_MONOTONIC (the same clock here) into ts, which
 * los_syscall's fast path checked lies in the user half: no table, no copy loop. 0 or
 * -EFAULT. */
long posix_clock_gettime_fast(void *ts);

/* The program's image ends at end, not at the linker's _end (the Linux runtime: the Linux
 * binary's image, whose brk starts there). Before the first brk. */
void posix_memory_image_end(uint64_t end);

/* 1 if the page at va was made PROT_NONE by mprotect and still holds its bytes (memory.c). */
int posix_memory_prot_none(uint64_t va);
int posix_memory_shared(uint64_t va); /* a MAP_SHARED page: fork passes it on as it is */
/* A private file mapping at va (its pages the process's own): 1, its range and offset at lo. */
int posix_memory_file_at(uint64_t va, uint64_t *lo, uint64_t *hi, uint64_t *off);
int posix_memory_sigbus(uint64_t va); /* a file mapping's page with nothing behind it */
/* The demand pager (posix/memory.c): a fresh page at va if an anonymous or break page there was
 * never touched (1: a page is there now); safe from an upcall. posix_memory_room: the same for
 * the words an upcall's resume pushes below rsp. How many pages it gave, in all. */
int posix_memory_demand(uint64_t va);
void posix_memory_room(uint64_t rsp);
unsigned long posix_memory_demand_count(void);

/* The caller's ids (files.c): 0 uid, 1 euid, 2 suid, 3 gid, 4 egid, 5 sgid. */
long posix_cred(int which);
/* RLIMIT_NOFILE, the file layer's (files.c): new (soft, hard) if nw, the old into old if old. */
long posix_rlimit_nofile(const uint64_t *nw, uint64_t *old);

/* Console file descriptors 0, 1, 2 (console.c). */
long posix_console_write(const char *buf, uint64_t len);

/* The console as this process's terminal (tty.c): a blocking read through the discipline, and
 * a TTY ioctl (arg: a pointer, or the value for requests that take one). */
long posix_tty_read(void *buf, uint64_t len);
long posix_tty_ioctl(unsigned long req, long arg);
unsigned posix_tty_poll(void);

#endif
