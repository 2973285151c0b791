/*
 * debug.h: exo's state on demand. An NMI (QEMU monitor `nmi`, QMP `inject-nmi`; the boot tests
 * send one when a boot hangs or asks for it) makes every CPU note where it was; the boot CPU
 * then prints the lock, each CPU (idle or not, its env, its mailbox, where the NMI found it)
 * and every live env (state, CPU, claim, wait, transfer, how often it ran), and all resume.
 * Lines start with "exo: dump:".
 */
#ifndef EXO_DEBUG_H
#define EXO_DEBUG_H

#include <exo/trap.h>

void debug_nmi(const struct trapframe *tf);

#endif
