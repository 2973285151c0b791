/*
 * gdt.c: each CPU's global descriptor table and task state segment. In long mode segments are
 * flat; the GDT exists for the code/data selectors SYSCALL needs and for the TSS, whose interrupt
 * stack table gives double faults, NMIs and machine checks a known-good stack. Every CPU has its
 * own GDT (a TSS descriptor is marked busy once loaded), TSS and IST stacks.
 */
#include <exo/cpu.h>
#include <exo/percpu.h>

#include <stddef.h>

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

#define IST_STACK_SIZE 8192

static struct tss tsses[EXO_MAXCPU];
static uint8_t ist_stacks[EXO_MAXCPU][3][IST_STACK_SIZE] __attribute__((aligned(16)));
static uint64_t gdts[EXO_MAXCPU][7];
static const uint64_t gdt_template[5] = {
    0,
    0x00209a0000000000ull, /* kernel code: present, DPL 0, long mode */
    0x0000920000000000ull, /* kernel data */
    0x0000f20000000000ull, /* user data: DPL 3 */
    0x0020fa0000000000ull, /* user code: DPL 3, long mode */
    /* then the TSS, two slots, filled in below */
};

void tss_set_kernel_stack(int cpu, uint64_t top)
{
    tsses[cpu].rsp[0] = top;
}

void gdt_init(int cpu)
{
    struct tss *tss = &tsses[cpu];
    uint64_t *gdt = gdts[cpu];
    uint64_t base = (uint64_t)tss, limit = sizeof *tss - 1;
    for (int i = 0; i < 5; i++)
        gdt[i] = gdt_template[i];
    for (int i = 0; i < 3; i++)
        tss->ist[i] = (uint64_t)ist_stacks[cpu][i] + IST_STACK_SIZE;
    tss->iomap_base = sizeof *tss; /* no I/O permission bitmap */
    gdt[5] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
             ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[6] = base >> 32;

    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) gdtr = {sizeof gdts[0] - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0\n"
                     "pushq %1\n"
                     "leaq 1f(%%rip), %%rax\n"
                     "pushq %%rax\n"
                     "lretq\n" /* reload CS with exo's own code selector */
                     "1: mov %2, %%ds\n"
                     "mov %2, %%es\n"
                     "mov %2, %%ss\n"
                     "mov %3, %%fs\n"
                     "mov %3, %%gs\n"
                     "ltr %w4\n"
                     :
                     : "m"(gdtr), "i"(SEL_KCODE), "r"(SEL_KDATA), "r"(0), "r"(SEL_TSS)
                     : "rax", "memory");
}
