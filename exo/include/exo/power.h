/*
 * power.h: ending the machine: a clean ACPI S5 power-off (QEMU then exits with status 0), or a
 * failure stop that tells a test harness something went wrong.
 */
#ifndef EXO_POWER_H
#define EXO_POWER_H

/* ACPI S5 soft-off; if that does not take, QEMU's debug-exit device; then halts forever. */
void exo_poweroff(void) __attribute__((noreturn));

/* A machine reset (keyboard controller, then port 0xcf9, then a triple fault); never returns. */
void exo_reset(void) __attribute__((noreturn));

/* Prints "exo: panic: <why>", exits QEMU with status 3 through the isa-debug-exit device
 * (port 0xf4) when present, and halts forever otherwise. For broken kernel invariants only. */
void exo_fail(const char *why) __attribute__((noreturn));

#endif
