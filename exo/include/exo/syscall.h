/*
 * syscall.h: exo's side of the call table: one sys_<name> per row of syscalls.def, each in the
 * file of the concept it belongs to, and the dispatch that calls them.
 */
#ifndef EXO_SYSCALL_H
#define EXO_SYSCALL_H

#include <exo/abi.h>
#include <exo/env.h>

#define EXO_CALL(num, name, nargs, params, doc) int64_t sys_##name(EXO_DECL##nargs params);
#include <exo/syscalls.def>
#undef EXO_CALL

/* The name of call n ("page_map"), or NULL. */
const char *syscall_name(uint64_t n);

/* Entered from syscall.S with the caller's saved registers; never returns. */
void syscall_trap(struct trapframe *tf) __attribute__((noreturn));

/* The env making the current call (its saved context is in env->tf). */
static inline struct env *caller(void)
{
    return env_current();
}

#endif
