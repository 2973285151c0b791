/*
 * iommu_ir.c: interrupt remapping with the VT-d unit, and the invalidation queue it needs (the
 * interrupt entry cache has no register to flush it). A device's DMA to 0xfeexxxxx is an
 * interrupt message, never translated: without remapping, a device an env drives directly
 * could raise any vector on any CPU. With it, every MSI-X entry exo programs names an entry of
 * exo's remapping table, which checks the requester id; compatibility-format messages (what a
 * device would forge) are blocked.
 */
#include <exo/console.h>
#include <exo/error.h>
#include <exo/iommu.h>
#include <exo/iommu_hw.h>
#include <exo/lapic.h>
#include <exo/page.h>
#include <exo/vm.h>
#include <exo/x86.h>

extern struct exo_pages exo_pages;

#define IRT_ENTRIES 256 /* one per vector: entry v remaps vector v */
#define QUEUE_BYTES EXO_PAGE

static uint64_t queue, irt, status; /* physical: the queue, the remapping table, a wait word */
static uint32_t tail;
static int qi_on, ir_on;

int iommu_qi_enabled(void)
{
    return qi_on;
}

int iommu_ir_enabled(void)
{
    return ir_on;
}

static void submit(uint64_t lo, uint64_t hi)
{
    volatile uint64_t *q = phys_to_virt(queue + tail);
    q[0] = lo;
    q[1] = hi;
    tail = (tail + 16) % QUEUE_BYTES;
}

void iommu_qi_run(uint64_t desc)
{
    volatile uint32_t *done = phys_to_virt(status);
    *done = 0;
    submit(desc, 0);
    submit(QI_WAIT | 1ull << 5 | 1ull << 32, status); /* status write: 1 at `status` */
    iommu_w64(REG_IQT, tail);
    for (long i = 0; i < 100000000 && !*done; i++)
        __builtin_ia32_pause();
    if (!*done)
        kprintf("exo: iommu: invalidation queue stuck\n");
}

static int take(uint64_t *phys)
{
    return vm_new_table(&exo_pages, phys); /* a zeroed exo page */
}

int iommu_ir_init(void)
{
    int r;
    if ((r = take(&queue)) < 0 || (r = take(&status)) < 0 || (r = take(&irt)) < 0)
        return r;
    iommu_w64(REG_IQT, 0);
    iommu_w64(REG_IQA, queue); /* 128-bit descriptors, one page: 256 of them */
    iommu_gcmd(GCMD_QIE);
    qi_on = 1;
    iommu_w64(REG_IRTA, irt | 7); /* 2^(7+1) entries, xAPIC destinations */
    iommu_gcmd(GCMD_SIRTP);
    iommu_qi_run(QI_IEC); /* global: nothing cached from before */
    iommu_gcmd(GCMD_IRE);
    ir_on = 1;
    return EXO_OK;
}

int iommu_irq_route(uint32_t bdf, int vector, uint32_t apic, uint32_t *addr, uint32_t *data)
{
    if (!ir_on || vector < 0 || vector >= IRT_ENTRIES)
        return EXO_E_NOENT;
    volatile uint64_t *e = (volatile uint64_t *)phys_to_virt(irt) + 2 * vector;
    e[0] = 0;                                     /* not present while it changes */
    e[1] = (uint64_t)(bdf & 0xffff) | 1ull << 18; /* SVT 01: only this requester id may use it */
    e[0] = 1 | (uint64_t)vector << 16 | (uint64_t)(apic & 0xff) << 40; /* fixed, edge, physical */
    iommu_qi_run(QI_IEC);
    /* remappable format: handle = the entry, in bits 19:5 and 2 */
    *addr =
        LAPIC_MSI_BASE | ((uint32_t)vector & 0x7fff) << 5 | 1u << 4 | ((uint32_t)vector >> 15) << 2;
    *data = 0;
    return EXO_OK;
}
