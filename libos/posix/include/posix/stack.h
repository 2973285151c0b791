/*
 * stack.h: what a Linux process finds on its stack when it starts (System V x86-64 ABI,
 * 3.4.1): argc, argv[], NULL, envp[], NULL, auxv pairs ending with AT_NULL, and above them the
 * strings and the 16 AT_RANDOM bytes. musl's _start reads exactly this. Pure code (host-tested
 * in tests/test_stack.c): exec will build the same for the images it loads.
 */
#ifndef POSIX_STACK_H
#define POSIX_STACK_H

#include <stddef.h>
#include <stdint.h>

#define POSIX_ARGV_MAX 64 /* words of a command line */

/* Lays the block out downward from top (exclusive), using at most room bytes: argv is the
 * command line's space-separated words, envp the NULL-terminated list (NULL: none), auxv the
 * (type, value) pairs up to (not including) an AT_NULL type, to which an AT_RANDOM pair
 * pointing at a copy of random[16] and the closing AT_NULL pair are added. Returns where argc
 * lies (16-byte aligned, as the ABI wants rsp at entry), or NULL if it does not fit or the
 * command line has more than POSIX_ARGV_MAX words. */
uint64_t *posix_stack_build(char *top, size_t room, const char *cmdline, const char *const *envp,
                            const uint64_t *auxv, const uint8_t random[16]);

/* The same from argc strings packed one after another at args (each NUL-terminated), then
 * envc more for the environment, as exec leaves them: all strings are copied into the block
 * (no POSIX_ARGV_MAX: only room bounds them). */
uint64_t *posix_stack_build_packed(char *top, size_t room, const char *args, size_t argc,
                                   size_t envc, const uint64_t *auxv, const uint8_t random[16]);

#endif
