/*
 * los.h: the libOS core every Tessera program links: start-up, console output, exit, and the
 * exo calls themselves (exo/abi.h, included here). Higher layers (POSIX, ext2, lwIP) build on it.
 */
#ifndef LOS_LOS_H
#define LOS_LOS_H

#include <exo/abi.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* printf to exo's console (through cons_write); returns the bytes written. */
int los_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int los_vprintf(const char *fmt, va_list ap);

/* Ends the calling process: its env (exo frees everything it owns), and with it every
 * thread of it; never returns. */
void los_exit(int status) __attribute__((noreturn));

/* The capability slot naming the process's env (every thread's table is the process's, but
 * slot EXO_CAP_SELF names the calling thread): EXO_CAP_SELF until a second thread exists. */
extern uint64_t los_process_slot;

/* Formatting without output: exo_snprintf, exo_vsnprintf (common/printf.c). */
#include <common/printf.h>

/* Sets the libOS core up from exo's (or the spawner's) start registers: crt0 calls it before
 * main; a native program's start (libos/posix) calls it with zeros. */
void los_init(uint64_t rdi, uint64_t rsi, uint64_t rdx);

/* The program's entry, called by crt0 with exo's (or the spawner's) rdi and rsi. */
int main(uint64_t arg0, uint64_t arg1);

#endif
