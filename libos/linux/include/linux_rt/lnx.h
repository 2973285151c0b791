/*
 * lnx.h: the Linux runtime's inside (libos/linux/README.md): the entry block a Linux process
 * starts on, the reflected call, and its threads.
 */
#ifndef LINUX_RT_LNX_H
#define LINUX_RT_LNX_H

#include <exo/abi.h>
#include <linux_rt/scan.h>

#include <stddef.h>
#include <stdint.h>

/* auxv types beyond posix/linux.h's */
#define LNX_AT_HWCAP 16
#define LNX_AT_CLKTCK 17
#define LNX_AT_PLATFORM 15
#define LNX_AT_BASE 7
#define LNX_AT_FLAGS 8
#define LNX_AT_HWCAP2 26
#define LNX_AT_EXECFN 31
#define LNX_AT_SYSINFO_EHDR 33
#define LNX_AT_MINSIGSTKSZ 51
#define LNX_AT_IGNORE 1

/* Maps the vDSO and its vvar page (vdso_map.c, linux_rt/vvar.h): the vDSO's address
 * (AT_SYSINFO_EHDR's), or 0 if a page could not be had. */
uint64_t lnx_vdso_map(void);

/* Lays a new Linux process's entry block out below top, as Linux's exec does (fs/exec.c,
 * fs/binfmt_elf.c create_elf_tables, address randomisation off): at the top an 8-byte zero
 * word, then the file name exec was given (AT_EXECFN's), below it the argv and envp strings
 * (packed at strings, argc then envc of them, each NUL-terminated: exec's mailbox layout),
 * 16-byte aligned below them the platform string ("x86_64", AT_PLATFORM's), then the 16
 * AT_RANDOM bytes, then argc, argv[], NULL, envp[], NULL and the auxv pairs, argc 16-byte
 * aligned. auxv holds the pairs in their order, up to and with AT_NULL; the values of
 * AT_RANDOM, AT_EXECFN and AT_PLATFORM pairs are filled here. Returns where argc lies (the
 * process's rsp), or NULL if the block needs more than room bytes. Pure (host-tested). */
uint64_t *lnx_stack_build(char *top, size_t room, const char *execfn, const char *strings,
                          size_t argc, size_t envc, uint64_t *auxv, const uint8_t random[16]);

/* The reflected call: u holds the binary's registers as `syscall` left them (rip = rcx, the
 * rip after it; rflags = r11). Returns the result for rax; delivers signals itself. */
long lnx_call(struct exo_regs *u);
long lnx_trap_call(struct exo_regs *u); /* a reflected call (entry.S): counted, then lnx_call */

/* Hands the context u to signal delivery (libos/signal) and resumes it, as an upcall on the
 * calling thread's upcall state page and stack: never returns. */
void lnx_deliver(const struct exo_regs *u, uint64_t state, uint64_t stack_top)
    __attribute__((noreturn));

/* Threads (clone.c): clone with CLONE_VM and clone3, from the reflected call u (the child
 * resumes at u's rip with u's registers, rax = 0, on the stack it was given). */
#define LNX_clone3 435
long lnx_clone(struct exo_regs *u, const long a[6]);
long lnx_clone3(struct exo_regs *u, const long a[6]);

/* The first thread's reflected-call entry (entry.S), and row i's: lnx_thread_entries + 32 * i. */
void lnx_syscall_entry(void);
extern const char lnx_thread_entries[];

/* The words in which the first thread's entry and row i's keep the binary's rsp (entry.S), the
 * first thread's call stack, and the length of each entry's first instruction, the store to its
 * word: lnx_site_fault resumes an entry past it, the word already written. */
extern uint64_t lnx_user_rsp, lnx_thread_rsp[];
extern char lnx_stack_top[];
#define LNX_ENTRY_SAVED 7

/* A thread's block, where its GS base points (exo's gs_set): lnx_fast_entry (entry.S) finds
 * the calling thread's call stack through it with no trap. lnx_gs[0] is the first thread's,
 * lnx_gs[1 + i] row i's (libos/thread). */
struct lnx_gs {
    uint64_t top;  /* the thread's call stack's top */
    uint64_t rsp;  /* the binary's rsp, while a call runs */
    uint64_t fast; /* its calls through the trampoline page (the exit report sums them) */
    uint64_t site; /* the return address of the getpid site lnx_fast_call last found in the
                    * table (0: none; set again after a fork, a new thread, sites dropped) */
    uint64_t pid;  /* and the answer getpid gave there: lnx_fast_entry's leaf answers the same
                    * site again with it, no table, no frame */
    uint64_t pad[3];
};
extern struct lnx_gs lnx_gs[];
/* The word lnx_fast_entry's leaf reads before answering: the mailbox's attention word (a signal
 * to look at: the call goes the whole way), or one that is never 0 without pm. */
extern const volatile uint32_t *lnx_attention;
/* Forgets every thread's getpid site (sites dropped: the code there may be gone). */
void lnx_gs_forget_sites(void);

/* Points the calling thread's GS base at its block (row -1: the first thread), its top set:
 * at start, in a forked child (its one thread), and in each new thread. < 0 if exo refused. */
int lnx_gs_own(int row);

/* Hands the context u to the libOS's fault handling as a page fault at addr by an instruction
 * fetch (what Linux sees of a call through NULL: SIGSEGV, SEGV_MAPERR), as an upcall on the
 * calling thread's upcall state page and stack: never returns. */
void lnx_fetch_fault(const struct exo_regs *u, uint64_t addr, uint64_t state, uint64_t stack_top)
    __attribute__((noreturn));

/* The fast path (fastpath.c): what lnx_fast_setup did, for the exit report (TESSERA_LINUX_STATS).
 */
/* The page holding lnx_fast_entry's address, which the trampoline's jump reads (fastpath.c):
 * below Linux's mmap_min_addr (64 KiB), where no Linux program maps anything. */
#define LNX_FAST_PTR_VA 0xf000ull

struct lnx_fast {
    int on;                     /* the trampoline page is mapped, sites rewritten */
    uint32_t nsites;            /* sites rewritten to `call *%rax` */
    uint32_t full;              /* sites left to trap: the table of sites was full */
    struct lnx_scan_stats scan; /* every site the scanner found, by verdict */
};
extern struct lnx_fast lnx_fast;
extern uint64_t lnx_calls_fast, lnx_calls_trap; /* entry.S counts each way in */

/* Maps the trampoline page at VA 0 and rewrites the binary's `syscall` sites (in->phdr's
 * executable PT_LOADs), unless the CPU has no protection keys. */
struct los_info;
void lnx_fast_setup(const struct los_info *in);

#define LNX_mremap 25 /* (calls.def names it by number) */

/* After the binary's mmap, munmap or mremap n (arguments a, result r): the sites of a range
 * gone dropped from the table, those of a range moved moved with it; a private file mapping made
 * executable (a library ld.so maps) swept and its sites rewritten as lnx_fast_setup does the
 * program's. */
void lnx_fast_mapped(long n, const long a[6], long r);

/* Is va a `syscall` site the scanner found and left to trap (one of the first LNX_LEFT_MAX, for
 * the exit report)? */
#define LNX_LEFT_MAX 512
int lnx_fast_left(uint64_t va);

/* Is va a `syscall` site rewritten (at exec, or in a library as it was mapped)? */
int lnx_fast_site(uint64_t va);

/* A call that came through the trampoline: lnx_call, if it came from a rewritten site. */
long lnx_fast_call(struct exo_regs *u);

/* The fault handler lnx_fast_setup puts before the signal part's: a rewritten site's `call`
 * that could not push its return address (the thread unmapped its own stack, as musl's
 * __unmapself does before its exit) is made the trap the `syscall` was, at the calling thread's
 * own entry, and the rest goes on to the handler it replaced. */
int lnx_site_fault(struct exo_upcall_state *s);

#endif
