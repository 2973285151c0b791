/*
 * iommu.c: DMA remapping with Intel VT-d (see iommu.h), register-based invalidation only: a
 * root table of per-bus context tables, each device's context entry naming a domain's
 * second-level page tables, where IOVA = physical address for every page the domain maps.
 * Tables are plain memory the unit reads; QEMU's unit is coherent with the CPU's caches.
 */
#include <exo/console.h>
#include <exo/error.h>
#include <exo/iommu.h>
#include <exo/iommu_hw.h>
#include <exo/lapic.h>
#include <exo/page.h>
#include <exo/trap.h>
#include <exo/vm.h>

extern struct exo_pages exo_pages;

#define CCMD_ICC (1ull << 63)
#define CCMD_GLOBAL (1ull << 61)
#define IOTLB_IVT (1ull << 63)
#define IOTLB_GLOBAL (1ull << 60)
#define IOTLB_DOMAIN (2ull << 60)
#define FAULTS_PRINTED 32
#define SL_R 1ull
#define SL_W 2ull
#define SL_ADDR 0x000ffffffffff000ull

struct domain {
    uint32_t owner;   /* env id; 0: free (domain 0 is always exo's identity domain) */
    uint32_t devices; /* context entries naming it */
    uint64_t root;    /* physical address of its top second-level table */
};

volatile uint8_t *iommu_regs;
static int on, levels;
static int coherent;         /* ECAP.C: the unit snoops CPU caches when walking tables */
static uint64_t iotlb_drain; /* DR | DW where CAP.DRD / DWD say the unit can drain */
static int rwbf;             /* CAP.RWBF: table writes need a write-buffer flush */
static uint64_t root_table, ctx_table[256]; /* physical addresses (0: none yet) */
static uint32_t iotlb_off, fault_off, nfault;
static struct domain doms[IOMMU_NDOM];
uint64_t iommu_faults;

static uint64_t *table(uint64_t phys)
{
    return phys_to_virt(phys);
}

/* A table entry the unit reads must reach memory when the unit does not snoop caches. */
static void clflush_if_needed(const void *p)
{
    if (!coherent)
        __asm__ volatile("clflush (%0)" ::"r"(p) : "memory");
}

static int new_table(uint64_t *phys)
{
    return vm_new_table(&exo_pages, phys);
}

/* Waits (bounded) for (reg & bit) to become `want`. */
static int wait32(uint32_t off, uint32_t bit, int want)
{
    for (long i = 0; i < 10000000; i++)
        if (!!(iommu_r32(off) & bit) == want)
            return EXO_OK;
    return EXO_E_CORRUPT;
}

void iommu_gcmd(uint32_t bit)
{
    iommu_w32(REG_GCMD, (iommu_r32(REG_GSTS) & GSTS_ONESHOT_MASK) | bit);
    wait32(REG_GSTS, bit, bit != GCMD_WBF); /* WBFS reads 1 while the flush is under way */
}

static void flush_context(void)
{
    if (iommu_qi_enabled()) { /* with the queue on, registers may no longer be used */
        iommu_qi_run(QI_CONTEXT | QI_GLOBAL);
        return;
    }
    iommu_w64(REG_CCMD, CCMD_ICC | CCMD_GLOBAL);
    for (long i = 0; i < 10000000 && (iommu_r64(REG_CCMD) & CCMD_ICC); i++)
        ;
}

/* The IOTLB forgets domain did's translations (all of them for did < 0), with reads and writes
 * already translated drained first where the unit can. */
static void flush_iotlb(int did)
{
    if (rwbf)
        iommu_gcmd(GCMD_WBF);
    if (iommu_qi_enabled()) {
        iommu_qi_run(QI_IOTLB | (iotlb_drain >> 42) | /* DR, DW: bits 49, 48 -> 7, 6 */
                     (did < 0 ? QI_GLOBAL : QI_DOMAIN | (uint64_t)did << 16));
        return;
    }
    uint64_t cmd =
        IOTLB_IVT | iotlb_drain | (did < 0 ? IOTLB_GLOBAL : IOTLB_DOMAIN | (uint64_t)did << 32);
    iommu_w64(iotlb_off + 8, cmd);
    for (long i = 0; i < 10000000 && (iommu_r64(iotlb_off + 8) & IOTLB_IVT); i++)
        ;
}

/* The leaf entry for iova in the domain's tables, creating tables on the way if `create`. */
static uint64_t *sl_walk(uint64_t root, uint64_t iova, int create)
{
    uint64_t *t = table(root);
    for (int l = levels - 1; l > 0; l--) {
        uint64_t *e = &t[(iova >> (EXO_PAGE_SHIFT + 9 * l)) & 511];
        if (!(*e & (SL_R | SL_W))) {
            uint64_t phys;
            if (!create || new_table(&phys) < 0)
                return 0;
            *e = phys | SL_R | SL_W;
            clflush_if_needed(e);
        }
        t = table(*e & SL_ADDR);
    }
    return &t[(iova >> EXO_PAGE_SHIFT) & 511];
}

static int sl_map(uint64_t root, uint64_t ppn)
{
    uint64_t *e = sl_walk(root, ppn << EXO_PAGE_SHIFT, 1);
    if (!e)
        return EXO_E_NOMEM;
    *e = ppn << EXO_PAGE_SHIFT | SL_R | SL_W;
    clflush_if_needed(e);
    return EXO_OK;
}

static void sl_free(uint64_t phys, int l)
{
    uint64_t *t = table(phys);
    for (int i = 0; l > 0 && i < 512; i++)
        if (t[i] & (SL_R | SL_W))
            sl_free(t[i] & SL_ADDR, l - 1);
    exo_page_free(&exo_pages, phys >> EXO_PAGE_SHIFT, EXO_OWNER_KERNEL);
}

static uint64_t dmar_unit(const uint8_t *dmar)
{
    uint32_t len = *(const uint32_t *)(dmar + 4);
    for (uint32_t off = 48; off + 16 <= len;) { /* header, host address width, flags */
        uint16_t type = *(const uint16_t *)(dmar + off), elen = *(const uint16_t *)(dmar + off + 2);
        if (elen < 4 || off + elen > len)
            break;
        if (type == 0 && *(const uint16_t *)(dmar + off + 6) == 0) /* DRHD of segment 0 */
            return *(const uint64_t *)(dmar + off + 8);
        off += elen;
    }
    return 0;
}

int iommu_init(uint64_t dmar_phys)
{
    if (!dmar_phys)
        return 0;
    uint64_t base = dmar_unit(phys_to_virt(dmar_phys));
    volatile void *va;
    if (!base || vm_map_mmio(&exo_pages, base, EXO_PAGE, &va) < 0)
        return 0;
    iommu_regs = va;
    uint64_t cap = iommu_r64(REG_CAP), ecap = iommu_r64(REG_ECAP);
    uint32_t sagaw = cap >> 8 & 0x1f;
    levels = sagaw & 4 ? 4 : sagaw & 2 ? 3 : 0;
    if (!levels) {
        kprintf("exo: iommu: unit at 0x%lx has no 3- or 4-level tables; not used\n", base);
        return 0;
    }
    iotlb_off = (uint32_t)(ecap >> 8 & 0x3ff) * 16;
    coherent = ecap & 1;
    rwbf = cap >> 4 & 1;
    iotlb_drain = (cap >> 55 & 1 ? 1ull << 49 : 0) | (cap >> 54 & 1 ? 1ull << 48 : 0);
    fault_off = (uint32_t)(cap >> 24 & 0x3ff) * 16;
    nfault = (uint32_t)(cap >> 40 & 0xff) + 1;
    int r = new_table(&root_table);
    if (r == EXO_OK)
        r = new_table(&doms[0].root);
    /* the identity domain: every page of RAM at its own address */
    for (uint64_t p = 0; r == EXO_OK && p < exo_pages.count; p++)
        if (exo_page_state(&exo_pages, p) != EXO_PAGE_ABSENT)
            r = sl_map(doms[0].root, p);
    if (r < 0)
        return r;
    iommu_w32(REG_FEDATA, VEC_IOMMU);
    iommu_w32(REG_FEADDR, lapic_msi_addr(lapic_id()));
    iommu_w32(REG_FECTL, 0); /* unmasked: a fault interrupts at once */
    iommu_w64(REG_RTADDR, root_table);
    iommu_gcmd(GCMD_SRTP);
    /* Interrupt remapping (it needs the invalidation queue): without it a device could write
     * any interrupt message (DMA to 0xfeexxxxx is never translated), so vio_direct needs it. */
    int ir = (ecap >> 1 & 1) && (ecap >> 3 & 1) && iommu_ir_init() == EXO_OK;
    kprintf("exo: iommu: VT-d unit at 0x%lx, %d-level tables, %u fault records, interrupt "
            "remapping %s\n",
            base, levels, nfault, ir ? "on" : "off");
    return 1;
}

/* The context entry of bdf (its bus's table made on first use). */
static uint64_t *context(uint32_t bdf)
{
    uint32_t bus = bdf >> 8 & 0xff;
    if (!ctx_table[bus]) {
        if (new_table(&ctx_table[bus]) < 0)
            return 0;
        table(root_table)[bus * 2] = ctx_table[bus] | 1;
    }
    return &table(ctx_table[bus])[(bdf & 0xff) * 2];
}

/* Points bdf's context entry at domain did, or marks it not present (did < 0: the unit then
 * blocks every DMA of the device). */
static int set_context(uint32_t bdf, int did)
{
    uint64_t *c = context(bdf);
    if (!c)
        return EXO_E_NOMEM;
    if (c[0] & 1)
        doms[c[1] >> 8 & 0xffff].devices--;
    c[0] = 0; /* not present while it changes */
    clflush_if_needed(c);
    if (did < 0)
        return EXO_OK;
    c[1] = (uint64_t)(levels - 2) | (uint64_t)did << 8;
    c[0] = doms[did].root | 1; /* present, translation type 0: untranslated requests */
    clflush_if_needed(c);
    doms[did].devices++;
    return EXO_OK;
}

int iommu_add_device(uint32_t bdf)
{
    return iommu_regs ? set_context(bdf, 0) : EXO_OK;
}

void iommu_enable(void)
{
    if (!iommu_regs)
        return;
    flush_context();
    flush_iotlb(-1);
    iommu_gcmd(GCMD_TE);
    on = 1;
}

int iommu_enabled(void)
{
    return on;
}

/* owner's domain: its index (> 0), or EXO_E_NOENT if it has none. */
static int domain_of(uint32_t owner)
{
    for (int d = 1; d < IOMMU_NDOM; d++)
        if (doms[d].owner == owner)
            return d;
    return EXO_E_NOENT;
}

/* owner's domain, made on first use with every page the env owns: its index, or an error. */
static int domain_get(uint32_t owner)
{
    int d = domain_of(owner);
    if (d > 0)
        return d;
    for (d = 1; d < IOMMU_NDOM && doms[d].owner; d++)
        ;
    if (d == IOMMU_NDOM || new_table(&doms[d].root) < 0)
        return EXO_E_NOMEM;
    doms[d].owner = owner;
    for (uint64_t p = 0; p < exo_pages.count; p++)
        if (exo_page_owned_by(&exo_pages, p, owner) && sl_map(doms[d].root, p) < 0)
            return EXO_E_NOMEM;
    return d;
}

int iommu_attach(uint32_t bdf, uint32_t owner)
{
    if (!on)
        return EXO_E_NOENT;
    int d = owner ? domain_get(owner) : 0;
    if (d < 0)
        return d;
    int r = set_context(bdf, d);
    flush_context();
    flush_iotlb(-1); /* the device's old domain's translations go with it */
    return r;
}

void iommu_page_gained(uint32_t owner, uint64_t ppn)
{
    int d = on ? domain_of(owner) : EXO_E_NOENT;
    if (d > 0)
        sl_map(doms[d].root, ppn); /* no flush: the IOTLB caches no absent entries */
}

int iommu_map_extra(uint32_t owner, uint64_t ppn)
{
    if (!on)
        return EXO_E_NOENT;
    int d = domain_get(owner);
    return d < 0 ? d : sl_map(doms[d].root, ppn);
}

void iommu_page_lost(uint32_t owner, uint64_t ppn)
{
    int d = on ? domain_of(owner) : EXO_E_NOENT;
    if (d <= 0)
        return;
    uint64_t *e = sl_walk(doms[d].root, ppn << EXO_PAGE_SHIFT, 0);
    if (e && *e) {
        *e = 0;
        flush_iotlb(d); /* before the page can move on */
    }
}

void iommu_block(uint32_t bdf)
{
    if (!on)
        return;
    set_context(bdf, -1);
    flush_context();
    flush_iotlb(-1);
}

/* Frees domain d (no device left in it, IOTLB flushed for it). */
static void domain_free(int d)
{
    flush_iotlb(d);
    sl_free(doms[d].root, levels - 1);
    doms[d] = (struct domain){0};
}

void iommu_detached(uint32_t owner)
{
    int d = on ? domain_of(owner) : EXO_E_NOENT;
    if (d > 0 && !doms[d].devices)
        domain_free(d);
}

void iommu_env_freed(uint32_t owner)
{
    int d = on ? domain_of(owner) : EXO_E_NOENT;
    if (d > 0)
        domain_free(d); /* its devices were given back (vio_env_freed) before */
}

int iommu_fault(void)
{
    int n = 0;
    for (uint32_t i = 0; iommu_regs && i < nfault; i++) {
        uint32_t off = fault_off + i * 16;
        uint64_t lo = iommu_r64(off), hi = iommu_r64(off + 8);
        if (!(hi >> 63))
            continue;
        uint32_t sid = hi & 0xffff;
        /* Counted always, printed for the first few only: a device held by an env could
         * otherwise flood the console with the lock held. */
        if (iommu_faults + (uint64_t)n < FAULTS_PRINTED)
            kprintf("exo: iommu: fault: device %02x:%02x.%x %s 0x%lx outside its domain "
                    "(reason %lu)\n",
                    sid >> 8, sid >> 3 & 31, sid & 7, hi >> 62 & 1 ? "read" : "wrote",
                    lo & ~0xfffUL, hi >> 32 & 0xff);
        else if (iommu_faults + (uint64_t)n == FAULTS_PRINTED)
            kprintf("exo: iommu: more faults, no longer printed\n");
        iommu_w32(off + 12, 1u << 31); /* clear F */
        n++;
    }
    if (iommu_regs)
        iommu_w32(REG_FSTS, iommu_r32(REG_FSTS) & 3); /* overflow, pending: write 1 to clear */
    iommu_faults += (uint64_t)n;
    return n;
}
