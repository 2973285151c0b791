/*
 * power.c: stopping the machine (see power.h).
 */
#include <exo/acpi.h>
#include <exo/console.h>
#include <exo/lapic.h>
#include <exo/power.h>
#include <exo/syscall.h>
#include <exo/x86.h>

#define DEBUG_EXIT_PORT 0xf4 /* QEMU isa-debug-exit: exit status = (value << 1) | 1 */
#define SLP_EN (1u << 13)

/* Busy-waits about `ms` milliseconds (TSC-timed once calibrated, a rough spin before). */
static void delay_ms(unsigned ms)
{
    if (!exo_tsc_hz) {
        for (volatile uint64_t i = 0; i < (uint64_t)ms * 100000; i++)
            ;
        return;
    }
    uint64_t end = rdtsc() + exo_tsc_hz / 1000 * ms;
    while (rdtsc() < end)
        pause();
}

static void __attribute__((noreturn)) halt_forever(void)
{
    for (;;) {
        cli();
        hlt();
    }
}

void exo_poweroff(void)
{
    kprintf("exo: power off\n");
    if (exo_acpi.pm1a_cnt && exo_acpi.s5_slp_typ >= 0) {
        uint16_t v = (uint16_t)(exo_acpi.s5_slp_typ << 10 | SLP_EN);
        outw((uint16_t)exo_acpi.pm1a_cnt, v);
        if (exo_acpi.pm1b_cnt)
            outw((uint16_t)exo_acpi.pm1b_cnt, v);
        delay_ms(1000); /* the platform powers off asynchronously: give it time */
    }
    kprintf("exo: ACPI S5 did not power off; trying the debug-exit device\n");
    outb(DEBUG_EXIT_PORT, 0);
    halt_forever();
}

void exo_reset(void)
{
    kprintf("exo: reset\n");
    outb(0x64, 0xfe); /* the keyboard controller's reset line */
    delay_ms(100);
    outb(0xcf9, 0x02); /* the PCI reset control register: hard reset */
    outb(0xcf9, 0x06);
    delay_ms(100);
    static const struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) none = {0, 0};
    __asm__ volatile("lidt %0; int3" : : "m"(none)); /* no IDT: a triple fault */
    halt_forever();
}

/* The power call (syscalls.def): init alone ends the machine. */
int64_t sys_power(uint64_t how)
{
    if (how != EXO_POWER_OFF && how != EXO_POWER_RESET)
        return EXO_E_INVAL;
    if (caller()->parent != 0)
        return EXO_E_PERM;
    if (how == EXO_POWER_RESET)
        exo_reset();
    exo_poweroff();
}

void exo_fail(const char *why)
{
    kprintf("exo: panic: %s\n", why);
    outb(DEBUG_EXIT_PORT, 1);
    halt_forever();
}
