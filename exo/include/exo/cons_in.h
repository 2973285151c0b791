/*
 * cons_in.h: console input, the receive side of COM1. Bytes the UART receives go into a small
 * ring in exo (its interrupt through the I/O APIC; or, where that cannot reach exo, a look at
 * every tick); one env at a time reads them (cons_read) and has an event posted when they
 * arrive (cons_bind). exo's own console output is unchanged (serial.c).
 */
#ifndef EXO_CONS_IN_H
#define EXO_CONS_IN_H

/* Routes COM1's interrupt to VEC_SERIAL (after acpi and the IOMMU are up) and enables the
 * UART's receive interrupt; falls back to polling at the boot CPU's tick. */
void cons_in_init(void);

/* VEC_SERIAL arrived, or (polling) a tick on the boot CPU: drains the UART into the ring and
 * posts the bound event if anything came. Lock held. */
void cons_in_interrupt(void);

/* 1 when input is polled at the tick (no interrupt route). */
extern int cons_in_polling;

#endif
