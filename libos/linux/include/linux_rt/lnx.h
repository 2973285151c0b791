/*
 * lnx.h: the Linux runtime's inside (libos/linux/README.md): the entry block a Linux process
 * starts on, the reflected call, and its threads.
 */
#ifndef LINUX_RT_LNX_H
#define LINUX_RT_LNX_H

#include <exo/abi.h>

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

#endif
