/*
 * smp.c: starting the application processors the ACPI MADT lists (see smp.h). Each one is
 * started alone with INIT-SIPI-SIPI into the trampoline (ap_boot.S), gets its own GDT, TSS,
 * IST stacks, kernel stack and struct percpu, and reports in before the next is started.
 */
#include <exo/acpi.h>
#include <exo/console.h>
#include <exo/cpu.h>
#include <exo/lapic.h>
#include <exo/lock.h>
#include <exo/page.h>
#include <exo/percpu.h>
#include <exo/sched.h>
#include <exo/selftest.h>
#include <exo/trap.h>
#include <exo/smp.h>
#include <exo/vm.h>
#include <exo/x86.h>

#define AP_TRAMP_PHYS 0x8000 /* must match ap_boot.S */
#define AP_TRAMP_PAGES 4     /* trampoline, then the PML4, PDPT and PD of its page table */
#define AP_STACK_SIZE 16384
#define AP_GUARD EXO_PAGE /* under each AP's kernel stack: left unmapped (smp_stack_guard) */
#define EFER_LME (1ull << 8)

struct ap_params { /* the block at ap_tramp_params */
    uint32_t cr3, efer;
    uint64_t stack, entry, arg;
};

extern char ap_tramp_start[], ap_tramp_end[], ap_tramp_params[];
extern struct exo_pages exo_pages;
/* Each: a guard page, then the stack. An overflow faults into the guard instead of running
 * over the next CPU's stack; the #PF cannot be pushed there either, so it becomes a #DF on the
 * CPU's IST stack and a full report, as on the boot CPU. */
static uint8_t ap_stacks[EXO_MAXCPU][AP_GUARD + AP_STACK_SIZE] __attribute__((aligned(EXO_PAGE)));
static uint64_t bsp_cr0, bsp_cr4, bsp_efer;
extern struct exo_bootinfo exo_bootinfo;

int smp_stack_guard(uint64_t va)
{
    for (int i = 0; i < EXO_MAXCPU; i++)
        if (va == (uint64_t)ap_stacks[i])
            return 1;
    return 0;
}
static volatile uint32_t ap_release; /* set once the boot CPU lets the others schedule */

static void __attribute__((noreturn)) ap_main(struct percpu *c)
{
    write_cr3(vm_kernel_pml4); /* leave the trampoline's identity map */
    write_cr4(bsp_cr4);
    write_cr0(bsp_cr0);
    wrmsr(MSR_EFER, bsp_efer);
    gdt_init((int)c->id);
    percpu_attach(c->id);
    idt_load();
    lapic_init();
    percpu_init();
    c->lapic_id = lapic_id();
    if (c->id == 1)
        selftest_ap(exo_bootinfo.cmdline, c->id, (uint64_t)ap_stacks[c->id]); /* alone yet */
    kprintf("exo: cpu %u up (lapic id %u)\n", c->id, c->lapic_id);
    __atomic_store_n(&c->up, 1, __ATOMIC_RELEASE);
    /* Wait, halted, until the boot CPU is done with the boot (smp_bench may IPI us now). */
    while (!__atomic_load_n(&ap_release, __ATOMIC_ACQUIRE)) {
        sti();
        hlt();
        cli();
    }
    lapic_timer_start(); /* its own time slices */
    bkl_lock();          /* the boot CPU holds it until init is loaded */
    sched_run();
}

/* The trampoline and its page table in low memory; 0 if those pages are not RAM exo owns. */
static int place_trampoline(void)
{
    for (uint64_t p = 0; p < AP_TRAMP_PAGES; p++)
        if (exo_page_state(&exo_pages, AP_TRAMP_PHYS / EXO_PAGE + p) != EXO_PAGE_KERNEL)
            return 0;
    uint8_t *t = phys_to_virt(AP_TRAMP_PHYS);
    uint64_t n = (uint64_t)(ap_tramp_end - ap_tramp_start);
    for (uint64_t i = 0; i < n; i++)
        t[i] = (uint8_t)ap_tramp_start[i];
    uint64_t pml4 = AP_TRAMP_PHYS + EXO_PAGE, pdpt = pml4 + EXO_PAGE, pd = pdpt + EXO_PAGE;
    uint64_t *l4 = phys_to_virt(pml4), *l3 = phys_to_virt(pdpt), *l2 = phys_to_virt(pd);
    const uint64_t *k4 = phys_to_virt(vm_kernel_pml4);
    for (int i = 0; i < 512; i++) {
        l4[i] = i >= 256 ? k4[i] : 0; /* exo's half, shared */
        l3[i] = l2[i] = 0;
    }
    l4[0] = pdpt | PTE_P | PTE_W;
    l3[0] = pd | PTE_P | PTE_W;
    l2[0] = 0 | PTE_P | PTE_W | PTE_PS; /* the low 2 MiB, where the trampoline runs */
    struct ap_params *pp = (struct ap_params *)(t + (ap_tramp_params - ap_tramp_start));
    pp->cr3 = (uint32_t)pml4;
    pp->efer = (uint32_t)(EFER_LME | (vm_nx_bit ? EFER_NXE : 0));
    pp->entry = (uint64_t)ap_main;
    return 1;
}

static int start_ap(uint32_t idx, uint32_t apic)
{
    struct percpu *c = &cpus[idx];
    struct ap_params *pp = (struct ap_params *)((uint8_t *)phys_to_virt(AP_TRAMP_PHYS) +
                                                (ap_tramp_params - ap_tramp_start));
    c->id = idx;
    c->kstack_top = (uint64_t)ap_stacks[idx] + AP_GUARD + AP_STACK_SIZE;
    pp->stack = c->kstack_top;
    pp->arg = (uint64_t)c;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    lapic_ipi(apic, ICR_INIT);
    tsc_delay_us(10000);
    for (int sipi = 0; sipi < 2 && !__atomic_load_n(&c->up, __ATOMIC_ACQUIRE); sipi++) {
        lapic_ipi(apic, ICR_STARTUP | AP_TRAMP_PHYS >> EXO_PAGE_SHIFT);
        tsc_delay_us(200);
    }
    /* TCG may take a while to bring a new vCPU thread up: allow two seconds. */
    uint64_t end = rdtsc() + 2 * exo_tsc_hz;
    while (!__atomic_load_n(&c->up, __ATOMIC_ACQUIRE) && rdtsc() < end)
        pause();
    return __atomic_load_n(&c->up, __ATOMIC_ACQUIRE) ? 1 : 0;
}

void smp_init(int bench)
{
    uint32_t ids[EXO_MAXCPU];
    int n = 0;
    cpus[0].lapic_id = lapic_id();
    cpus[0].up = 1;
    if (exo_acpi.madt) {
        const uint8_t *m = phys_to_virt(exo_acpi.madt);
        n = acpi_madt_cpus(m, *(const uint32_t *)(m + 4), ids, EXO_MAXCPU);
    }
    if (n > 1 && !place_trampoline()) {
        kprintf("exo: smp: no low memory for the AP trampoline; one cpu\n");
        n = 0;
    }
    bsp_cr0 = read_cr0();
    bsp_cr4 = read_cr4();
    bsp_efer = rdmsr(MSR_EFER);
    for (int i = 0; i < n; i++) {
        if (ids[i] == cpus[0].lapic_id)
            continue;
        if (exo_ncpu == EXO_MAXCPU) /* the boot CPU was not among the first EXO_MAXCPU */
            break;
        if (start_ap((uint32_t)exo_ncpu, ids[i]))
            exo_ncpu++;
        else
            kprintf("exo: smp: cpu with lapic id %u did not start\n", ids[i]);
    }
    kprintf("exo: %d cpus\n", exo_ncpu);
    if (bench)
        smp_bench();
    __atomic_store_n(&ap_release, 1, __ATOMIC_RELEASE);
    for (int i = 1; i < exo_ncpu; i++) /* out of hlt: to the lock, then the scheduler */
        lapic_ipi(cpus[i].lapic_id, ICR_FIXED | VEC_RESCHED);
}
