/*
 * smp.h: more than one CPU. smp_init starts every enabled CPU the ACPI MADT lists (at most
 * EXO_MAXCPU) and leaves it idle in exo; exo_ncpu counts the CPUs that came up.
 */
#ifndef EXO_SMP_H
#define EXO_SMP_H

#include <stdint.h>

/* Starts the application processors one after another; prints "exo: N cpus". With
 * `bench` (exo.smpbench) it runs smp_bench while they still wait, then lets them schedule. */
void smp_init(int bench);

/* 1 if va is the guard page under an AP's kernel stack: vm.c leaves it unmapped. */
int smp_stack_guard(uint64_t va);

/* Cross-CPU costs (smpbench.c): IPI round trip and shootdowns, printed as exobench rows. */
void smp_bench(void);

#endif
