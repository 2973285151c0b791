/*
 * lapic.h: the local APIC (x2APIC through MSRs where the CPU has it, xAPIC through MMIO
 * otherwise) and the periodic timer exo drives its clock tick from.
 */
#ifndef EXO_LAPIC_H
#define EXO_LAPIC_H

#include <stdint.h>

#define EXO_HZ 100 /* timer ticks per second */

/* An MSI is a write into this window (Intel SDM 11.11.1): the destination LAPIC id sits in
 * address bits 19:12, or, with interrupt remapping, the remapping table handle does. */
#define LAPIC_MSI_BASE 0xfee00000u

/* The MSI address of a fixed-delivery interrupt to the CPU with LAPIC id apic_id. */
static inline uint32_t lapic_msi_addr(uint32_t apic_id)
{
    return LAPIC_MSI_BASE | apic_id << 12;
}

extern int lapic_x2apic;            /* 1 if the LAPIC runs in x2APIC mode */
extern uint64_t exo_tsc_hz;         /* TSC ticks per second, from calibration */
extern uint64_t exo_lapic_hz;       /* LAPIC timer ticks per second at divide-by-16 */
extern volatile uint64_t exo_ticks; /* timer interrupts taken since the timer started */

void lapic_init(void);
uint32_t lapic_id(void);
void lapic_eoi(void);

/* 1 if this CPU's LAPIC has `vector` in service (its ISR bit: accepted as an interrupt, not
 * yet acknowledged); 0 before lapic_init. */
int lapic_in_service(uint8_t vector);

/* Sends `vector` to this CPU (pending until interrupts are on). */
void lapic_self_ipi(uint8_t vector);

/* Writes the interrupt command register: `lo` (vector, delivery mode, level...) to the CPU
 * with LAPIC id `dest`; returns once the LAPIC has sent it. */
void lapic_ipi(uint32_t dest, uint32_t lo);

/* Sends an NMI to the CPU with this LAPIC id (debug.c: QEMU's inject-nmi reaches only CPU 0). */
void lapic_nmi_ipi(uint32_t dest);

#define ICR_INIT 0x4500    /* INIT, level assert */
#define ICR_STARTUP 0x4600 /* start-up IPI; the low byte is the start page */
#define ICR_FIXED 0x4000   /* fixed delivery, level assert; the low byte is the vector */
#define ICR_NMI 0x4400     /* NMI delivery, level assert (the vector is ignored) */

/* Busy-waits `us` microseconds on the calibrated TSC. */
void tsc_delay_us(uint64_t us);

/* Measures the TSC and LAPIC timer rates against PIT channel 2 over `ms` milliseconds. */
void time_calibrate(unsigned ms);

/* Starts the periodic timer at EXO_HZ on VEC_TIMER. */
void lapic_timer_start(void);
void timer_tick(void);

#endif
