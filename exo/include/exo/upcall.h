/*
 * upcall.h: delivering events to an env's own handler instead of deciding for it. exo saves the
 * interrupted context and the cause in the env's state page and starts the handler on the
 * env's upcall stack; the handler (libOS code) decides what the event means and resumes.
 */
#ifndef EXO_UPCALL_H
#define EXO_UPCALL_H

#include <exo/env.h>

/* Redirects e's saved context into its upcall handler with this cause. EXO_E_NOENT if e has
 * no handler, EXO_E_BUSY if it is already inside one (no nesting), EXO_E_FAULT if its state
 * page is no longer its own. On success e->tf is the handler's entry. */
int upcall_deliver(struct env *e, uint64_t kind, uint64_t vector, uint64_t error, uint64_t addr);

/* A trap (exception, interrupt) that interrupted ring 3; never returns. */
void trap_from_user(struct trapframe *tf) __attribute__((noreturn));

#endif
