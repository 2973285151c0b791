/*
 * lapic.c: the local APIC and its timer (see lapic.h). Registers are named by their xAPIC MMIO
 * offset; in x2APIC mode the same register is MSR 0x800 + offset/16.
 */
#include <exo/bootinfo.h>
#include <exo/cons_in.h>
#include <exo/cpu.h>
#include <exo/event.h>
#include <exo/lapic.h>
#include <exo/percpu.h>
#include <exo/trap.h>
#include <exo/x86.h>

#define REG_ID 0x20
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ISR 0x100 /* 8 registers of 32 bits, 0x10 apart */
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define ICR_PENDING (1u << 12)
#define REG_LVT_TIMER 0x320
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0

#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define DIV_16 0x3

int lapic_x2apic;
uint64_t exo_tsc_hz, exo_lapic_hz;
volatile uint64_t exo_ticks;
static volatile uint32_t *xapic;

static uint32_t lapic_read(uint32_t reg)
{
    return lapic_x2apic ? (uint32_t)rdmsr(0x800 + reg / 16) : xapic[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    if (lapic_x2apic)
        wrmsr(0x800 + reg / 16, v);
    else
        xapic[reg / 4] = v;
}

void lapic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
    lapic_x2apic = cpu_features.x2apic;
    if (lapic_x2apic)
        base |= APIC_BASE_X2APIC;
    wrmsr(MSR_APIC_BASE, base);
    xapic = (volatile uint32_t *)(EXO_DIRECT_MAP + (base & 0xffffff000ull));
    /* The legacy 8259 PICs stay masked: every interrupt exo takes comes through the LAPIC. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    lapic_write(REG_SVR, 0x100 | VEC_SPURIOUS);
}

uint32_t lapic_id(void)
{
    uint32_t id = lapic_read(REG_ID);
    return lapic_x2apic ? id : id >> 24;
}

void lapic_eoi(void)
{
    lapic_write(REG_EOI, 0);
}

int lapic_in_service(uint8_t vector)
{
    if (!lapic_x2apic && !xapic)
        return 0;
    return lapic_read(REG_ISR + 0x10 * (vector / 32u)) >> (vector % 32) & 1;
}

void lapic_self_ipi(uint8_t vector)
{
    /* Fixed delivery, shorthand "self": the destination field is ignored in both modes. */
    lapic_write(REG_ICR_LO, 1u << 18 | vector);
}

void lapic_ipi(uint32_t dest, uint32_t lo)
{
    if (lapic_x2apic) { /* one 64-bit register, destination in the high half */
        wrmsr(0x830, (uint64_t)dest << 32 | lo);
        return;
    }
    lapic_write(REG_ICR_HI, dest << 24);
    lapic_write(REG_ICR_LO, lo);
    while (lapic_read(REG_ICR_LO) & ICR_PENDING) /* sent before the next ICR write */
        pause();
}

void lapic_nmi_ipi(uint32_t dest)
{
    if (lapic_x2apic) {
        wrmsr(0x830, (uint64_t)dest << 32 | ICR_NMI);
        return;
    }
    /* This may run in an NMI that interrupted lapic_ipi between its two writes: put its
     * destination back. */
    uint32_t hi = lapic_read(REG_ICR_HI);
    lapic_write(REG_ICR_HI, dest << 24);
    lapic_write(REG_ICR_LO, ICR_NMI);
    while (lapic_read(REG_ICR_LO) & ICR_PENDING)
        pause();
    lapic_write(REG_ICR_HI, hi);
}

void tsc_delay_us(uint64_t us)
{
    uint64_t end = rdtsc() + exo_tsc_hz / 1000000 * us;
    while (rdtsc() < end)
        pause();
}

#define PIT_HZ 1193182u

void time_calibrate(unsigned ms)
{
    uint32_t count = PIT_HZ * ms / 1000;
    /* PIT channel 2 counts down once in mode 0; its output shows in port 0x61 bit 5. */
    outb(0x61, (inb(0x61) & ~0x02) & ~0x01); /* gate low, speaker off */
    outb(0x43, 0xb0);                        /* channel 2, lo/hi byte, mode 0 */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    lapic_write(REG_TIMER_DIV, DIV_16);
    lapic_write(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);

    outb(0x61, inb(0x61) | 0x01); /* gate high: counting starts */
    lapic_write(REG_TIMER_INIT, 0xffffffffu);
    uint64_t t0 = rdtsc();
    while (!(inb(0x61) & 0x20))
        pause();
    uint64_t t1 = rdtsc();
    uint32_t elapsed = 0xffffffffu - lapic_read(REG_TIMER_CUR);
    lapic_write(REG_TIMER_INIT, 0);
    exo_tsc_hz = (t1 - t0) * 1000 / ms;
    exo_lapic_hz = (uint64_t)elapsed * 1000 / ms;
}

void lapic_timer_start(void)
{
    lapic_write(REG_TIMER_DIV, DIV_16);
    lapic_write(REG_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
    lapic_write(REG_TIMER_INIT, (uint32_t)(exo_lapic_hz / EXO_HZ));
}

void timer_tick(void)
{
    struct percpu *c = this_cpu();
    c->ticks++;
    if (c->id == 0) { /* every CPU has a timer; exo's clock is the boot CPU's */
        exo_ticks++;
        event_timeouts(); /* its ticks end the waits whose deadline has passed */
        if (cons_in_polling)
            cons_in_interrupt();
    }
}
