/*
 * env_load.h: the one program exo loads itself: init, from the boot archive. Every later env is
 * built by a libOS in user space with exo calls (ELF loading is libOS code).
 */
#ifndef EXO_ENV_LOAD_H
#define EXO_ENV_LOAD_H

#include <stdint.h>

#define EXO_INIT_STACK_TOP 0x00007ffffff00000ull /* init's stack grows down from here */
#define EXO_INIT_STACK_PAGES 16
#define EXO_INIT_ARCHIVE_VA 0x0000700000000000ull /* init's read-only copy of the archive */

/* Creates init from the ELF file `init` in the archive: its segments and a stack in pages it
 * owns, a copy of the whole archive mapped read-only at EXO_INIT_ARCHIVE_VA, runnable at its
 * entry with rdi = archive address, rsi = archive size, rdx = the kernel command line (copied to
 * the top of its stack). Returns the env id or an error. */
int env_load_init(const void *archive, uint64_t size, const char *cmdline);

#endif
