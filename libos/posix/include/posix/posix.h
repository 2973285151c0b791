/*
 * posix.h: the POSIX layer's face to programs. A native program's libc (musl, built with
 * libos/musl's system-call entry) calls los_syscall where Linux's libc would trap; the layer
 * answers in the program's own address space, with exo calls only where a resource (a page,
 * the console) must change hands. Native programs may include this header (no libOS or exo
 * headers come with it).
 */
#ifndef POSIX_POSIX_H
#define POSIX_POSIX_H

/* Linux system call n with its six arguments: the result, or -errno (as the kernel returns). */
long los_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);

/* How many exo calls this process has made so far (exo's count, env_calls; this call
 * included): what a test reads around a loop to prove the loop made none. */
long los_exo_calls(void);

/* How many pages exo has free now (page_count): what a test reads to see pages come back. */
long los_free_pages(void);
/* A fact about the machine (exo's machine call): EXO_MACHINE_CPUS or EXO_MACHINE_PAGES. */
long los_machine(int what);

#endif
