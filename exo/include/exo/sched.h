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

/* The caller self (the current env) gives up the CPU: to t if t (not NULL) may run here, else
 * to anyone else. A caller that named a t which cannot run here (it runs on another CPU), or
 * that finds no one else to run, rests: no CPU picks it before exo's next tick (unless a
 * transfer into it or a revocation upcall ends the rest first). Never returns. */
void sched_yield(struct env *self, struct env *t) __attribute__((noreturn));

/* 1 if this CPU may run e now: runnable, not running elsewhere, not claimed (pct.c), not
 * resting (sched_yield). */
int sched_may_run(const struct env *e);

/* An env became runnable: wakes one idle CPU (if any) to look for it. */
void sched_kick(void);

/* A timer tick taken while e ran: 1 if its slice is used up. */
int sched_tick(struct env *e);

#endif
