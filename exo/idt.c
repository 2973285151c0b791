/*
 * idt.c: the interrupt descriptor table. Every vector points at its 16-byte stub in trap.S;
 * faults that may find the current stack unusable switch to an IST stack.
 */
#include <exo/cpu.h>

struct gate {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t ist;
    uint8_t type; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t reserved;
} __attribute__((packed));

extern char trap_stubs[];
static struct gate idt[256];

static uint8_t ist_for(int vec)
{
    switch (vec) {
    case 2:
        return IST_NMI;
    case 8:
        return IST_DOUBLE_FAULT;
    case 18:
        return IST_MACHINE_CHECK;
    }
    return 0;
}

void idt_init(void)
{
    for (int v = 0; v < 256; v++) {
        uint64_t a = (uint64_t)(trap_stubs + 16 * v);
        idt[v] = (struct gate){(uint16_t)a,         SEL_KCODE,           ist_for(v), 0x8e,
                               (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0};
    }
    idt_load();
}

/* One IDT for all CPUs: the stubs are the same, and the IST slots index each CPU's own TSS. */
void idt_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}
