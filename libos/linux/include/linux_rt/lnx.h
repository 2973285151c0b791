/*
 * lnx.h: the Linux runtime's inside (libos/linux/README.md): the entry block a Linux process
 * starts on, and the reflected call.
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

/* Hands the context u to signal delivery (libos/signal) and resumes it: never returns. */
void lnx_deliver(const struct exo_regs *u) __attribute__((noreturn));

/* Hands the context u to the libOS's fault handling as a page fault at addr by an instruction
 * fetch (what Linux sees of a call through NULL: SIGSEGV, SEGV_MAPERR): never returns. */
void lnx_fetch_fault(const struct exo_regs *u, uint64_t addr) __attribute__((noreturn));

/* The fast path (fastpath.c): what lnx_fast_setup did, for the exit report (TESSERA_LINUX_STATS).
 */
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

/* Is va a `syscall` site lnx_fast_setup rewrote? */
int lnx_fast_site(uint64_t va);

/* A call that came through the trampoline: lnx_call, if it came from a rewritten site. */
long lnx_fast_call(struct exo_regs *u);

#endif
