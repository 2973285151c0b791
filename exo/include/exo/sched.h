/*
 * sched.h: who gets the CPU. The default policy is round robin with equal time slices; an env
 * can hand the rest of its slice to another (directed yield). exo holds no kernel threads: a
 * blocked env is just a state, and everything leaves exo through sched_run or env_run.
 */
#ifndef EXO_SCHED_H
#define EXO_SCHED_H

#include <exo/env.h>

#define SCHED_SLICE_TICKS 2 /* 20 ms at EXO_HZ = 100 */

/* Runs the next runnable env, or idles (interrupts on, hlt) until one exists. Never returns. */
void sched_run(void) __attribute__((noreturn));

/* Gives the CPU to e now if it is runnable (directed yield), else behaves like sched_run. */
void sched_switch_to(struct env *e) __attribute__((noreturn));

/* A timer tick taken while e ran: 1 if its slice is used up. */
int sched_tick(struct env *e);

#endif
