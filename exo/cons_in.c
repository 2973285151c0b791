/*
 * cons_in.c: console input (see cons_in.h) and its calls, cons_read and cons_bind.
 *
 * Who reads: the input belongs to the event bound to it, as a device vector's interrupt does
 * (irq.c). The first env to bind an event (one it may post) takes the console; from then on
 * only an env holding that event (POST) reads, rebinds or unbinds, others get EXO_E_PERM
 * (read, unbind) or EXO_E_BUSY (bind). The holder may share the right by copying the event's
 * capability. When the event ends (with its creator) the console is free again; bytes still in
 * the ring wait for the next holder, and bytes that find the ring full are dropped (counted).
 *
 * The route: ISA irq 4 -> the I/O APIC input the MADT names -> VEC_SERIAL on the boot CPU.
 * With VT-d interrupt remapping on, the I/O APIC's compatibility-format messages are blocked
 * (iommu_ir.c), so exo looks at the UART at every tick of the boot CPU instead.
 */
#include <exo/acpi.h>
#include <exo/cons_in.h>
#include <exo/console.h>
#include <exo/error.h>
#include <exo/event.h>
#include <exo/iommu.h>
#include <exo/lapic.h>
#include <exo/page.h>
#include <exo/pmap.h>
#include <exo/syscall.h>
#include <exo/trap.h>
#include <exo/vm.h>
#include <exo/x86.h>

extern struct exo_pages exo_pages;

#define COM1 0x3f8
#define UART_IER 1 /* interrupt enable: bit 0, received data available */
#define UART_MCR 4 /* modem control: bit 3 (OUT2) gates the UART's interrupt line on a PC */
#define UART_LSR 5 /* line status: bit 0, a byte is waiting */
#define COM1_IRQ 4
#define RING 1024 /* a power of two */
#define READ_MAX 4096

static uint8_t ring[RING];
static uint64_t head, tail; /* bytes put, bytes taken: free-running */
static uint64_t dropped;
static uint32_t bound; /* event reference, 0: nobody */
int cons_in_polling;

/* The I/O APIC: index register at 0, data window at 0x10. */
static volatile uint32_t *ioapic;

static void ioapic_write(uint32_t reg, uint32_t v)
{
    ioapic[0] = reg;
    ioapic[4] = v;
}

static uint32_t ioapic_read(uint32_t reg)
{
    ioapic[0] = reg;
    return ioapic[4];
}

/* Programs the I/O APIC input of COM1 to VEC_SERIAL on this CPU: 0, or why not. */
static int route(void)
{
    struct exo_isa_route r;
    if (iommu_ir_enabled())
        return EXO_E_NOSYS;
    if (!exo_acpi.madt)
        return EXO_E_NOENT;
    const uint8_t *madt = phys_to_virt(exo_acpi.madt);
    uint32_t len;
    __builtin_memcpy(&len, madt + 4, 4);
    if (!acpi_madt_isa_route(madt, len, COM1_IRQ, &r))
        return EXO_E_NOENT;
    volatile void *va;
    int e = vm_map_mmio(&exo_pages, r.ioapic & ~(uint64_t)(EXO_PAGE - 1), EXO_PAGE, &va);
    if (e < 0)
        return e;
    ioapic = (volatile uint32_t *)((volatile uint8_t *)va + (r.ioapic & (EXO_PAGE - 1)));
    uint32_t pin = r.gsi - r.gsi_base, pins = (ioapic_read(1) >> 16 & 0xff) + 1;
    if (pin >= pins)
        return EXO_E_RANGE;
    /* fixed delivery, physical destination; masked while the high half changes */
    uint32_t lo = VEC_SERIAL | (uint32_t)r.active_low << 13 | (uint32_t)r.level << 15;
    ioapic_write(0x10 + 2 * pin, 1u << 16);
    ioapic_write(0x11 + 2 * pin, lapic_id() << 24);
    ioapic_write(0x10 + 2 * pin, lo);
    return EXO_OK;
}

void cons_in_init(void)
{
    int r = route();
    cons_in_polling = r < 0;
    outb(COM1 + UART_MCR, 0x0b); /* DTR, RTS, OUT2 */
    outb(COM1 + UART_IER, cons_in_polling ? 0x00 : 0x01);
    if (cons_in_polling)
        kprintf("exo: console input: polled at each tick (%s)\n", exo_strerror(r));
    else
        kprintf("exo: console input: irq %d -> vector %d\n", COM1_IRQ, VEC_SERIAL);
}

void cons_in_interrupt(void)
{
    int got = 0;
    for (int n = 0; n < 64 && (inb(COM1 + UART_LSR) & 1); n++) { /* a burst at most */
        uint8_t c = inb(COM1);
        if (head - tail < RING)
            ring[head++ % RING] = c;
        else
            dropped++;
        got = 1;
    }
    if (got && bound && event_post_ref(bound) < 0)
        bound = 0; /* the event has ended: the console is free */
}

/* Does e hold the bound event, with the right to post it? */
static int holds(const struct env *e, uint32_t ref)
{
    for (int c = 0; c < EXO_NCAPS; c++)
        if (e->caps[c].type == CAP_EVENT && e->caps[c].obj == ref &&
            (e->caps[c].rights & EXO_RIGHT_POST))
            return 1;
    return 0;
}

/* The live binding, or 0. */
static uint32_t live(void)
{
    if (bound && !event_alive(bound))
        bound = 0;
    return bound;
}

int64_t sys_cons_read(uint64_t buf, uint64_t len)
{
    struct env *self = caller();
    uint32_t b = live();
    if (!b || !holds(self, b))
        return EXO_E_PERM;
    if (len > READ_MAX)
        return EXO_E_RANGE;
    uint64_t n = head - tail < len ? head - tail : len;
    if (!len)
        return (int64_t)(head - tail); /* how many wait, none taken */
    int r = user_check(self, buf, len, 1);
    if (r < 0)
        return r;
    uint8_t chunk[256];
    for (uint64_t done = 0; done < n;) {
        uint64_t k = n - done < sizeof chunk ? n - done : sizeof chunk;
        for (uint64_t i = 0; i < k; i++)
            chunk[i] = ring[(tail + done + i) % RING];
        if ((r = user_copy_to(self, buf + done, chunk, k)) < 0)
            return r; /* cannot happen after user_check (lock held); nothing taken then */
        done += k;
    }
    tail += n;
    return (int64_t)n;
}

int64_t sys_cons_bind(uint64_t event)
{
    struct env *self = caller();
    uint32_t b = live(), ref = 0;
    if (event != EXO_ANY) {
        int r = cap_event(self, event, EXO_RIGHT_POST, &ref);
        if (r < 0)
            return r;
    }
    if (b && !holds(self, b))
        return event == EXO_ANY ? EXO_E_PERM : EXO_E_BUSY;
    bound = ref;
    /* Bytes that came before the binding: the new holder hears of them at once. */
    if (ref && head != tail)
        event_post_ref(ref);
    return EXO_OK;
}
