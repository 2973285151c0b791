/*
 * selftest.h: faults exo provokes on purpose when the command line asks
 * (exo.selftest=ud|pf|de|bp|stack), so tests can check the exception path end to end; and
 * exo.selftest=strayvec, exception vectors raised as interrupts, which exo must survive.
 */
#ifndef EXO_SELFTEST_H
#define EXO_SELFTEST_H

#include <stdint.h>

void selftest_run(const char *cmdline);

/* exo.selftest=apstack: the stack overflow of `stack` on an AP's kernel stack, which has its
 * own guard page at `guard` (smp.c). Called by the first AP before it reports in. */
void selftest_ap(const char *cmdline, uint32_t cpu, uint64_t guard);

#endif
