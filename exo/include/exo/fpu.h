/*
 * fpu.h: the envs' extended CPU state: x87, SSE and AVX registers (what XSAVE manages). Each
 * env has one save area; a CPU's registers hold at most one env's state at a time. exo itself
 * is built with -mgeneral-regs-only and never touches these registers, so an env's values stay
 * in the CPU while exo runs on its behalf, and are saved only when the CPU leaves the env for
 * another one or for the idle loop. Upcalls and protected control transfers do not touch them
 * either: the entry runs with the interrupted context's values live (docs/architecture.md).
 */
#ifndef EXO_FPU_H
#define EXO_FPU_H

#include <stdint.h>

struct env;
struct percpu;

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)

extern uint64_t fpu_xcr0;      /* the state components enabled (0: no XSAVE, FXSAVE is used) */
extern uint32_t fpu_area_size; /* bytes of one env's save area in use (CPUID 0xD for fpu_xcr0) */

/* Enables x87/SSE (and XSAVE with x87|SSE|AVX, as far as CPUID offers them) on this CPU: CR0,
 * CR4, XCR0. The first call (the boot CPU) also sizes the save areas and builds the clean
 * state every new env starts from. */
void fpu_cpu_init(void);

/* A new env's state: the clean default (FNINIT's x87 state, MXCSR 0x1F80, every vector
 * register zero). */
void fpu_env_init(struct env *e);

/* Before entering e on CPU c: saves the state c's registers hold for another env, then loads
 * e's. Only when c does not hold e's state already (env_run checks that inline). */
void fpu_enter(struct percpu *c, struct env *e);

/* CPU c lets go of the env whose state its registers hold (saving it), so any CPU may run it
 * next: before the idle loop lets the lock go. */
void fpu_leave(struct percpu *c);

/* e has ended: no CPU saves its state again (its slot may be someone else's next). */
void fpu_env_freed(struct env *e);

#endif
