/*
 * pci.c: PCI configuration access and enumeration (see pci.h). ECAM when the firmware gave an
 * MCFG (q35 does), mapped uncached bus by bus as the scan reaches it; the legacy ports
 * otherwise, which reach every bus through one 32-bit window.
 */
#include <exo/acpi.h>
#include <exo/error.h>
#include <exo/page.h>
#include <exo/pci.h>
#include <exo/vm.h>
#include <exo/x86.h>

extern struct exo_pages exo_pages;

static volatile uint8_t *ecam_bus[256]; /* each bus's 1 MiB of ECAM, once mapped */
static int use_ecam;

static volatile uint8_t *ecam(pci_bdf f, uint16_t off)
{
    uint8_t bus = f >> 8;
    if (!ecam_bus[bus]) {
        const struct exo_ecam *m = &exo_acpi.ecam;
        if (bus < m->bus_first || bus > m->bus_last)
            return 0;
        volatile void *va;
        if (vm_map_mmio(&exo_pages, m->base + ((uint64_t)(bus - m->bus_first) << 20), 1u << 20,
                        &va) < 0)
            return 0;
        ecam_bus[bus] = va;
    }
    return ecam_bus[bus] + ((f & 0xff) << 12) + off;
}

static void legacy_select(pci_bdf f, uint16_t off)
{
    outl(0xcf8, 0x80000000u | f << 8 | (off & 0xfc));
}

uint32_t pci_read32(pci_bdf f, uint16_t off)
{
    if (use_ecam) {
        volatile uint8_t *p = ecam(f, off);
        return p ? *(volatile uint32_t *)p : 0xffffffffu;
    }
    if (off >= 256)
        return 0xffffffffu;
    legacy_select(f, off);
    return inl(0xcfc);
}

uint16_t pci_read16(pci_bdf f, uint16_t off)
{
    return (uint16_t)(pci_read32(f, off & ~3u) >> (8 * (off & 2)));
}

uint8_t pci_read8(pci_bdf f, uint16_t off)
{
    return (uint8_t)(pci_read32(f, off & ~3u) >> (8 * (off & 3)));
}

void pci_write16(pci_bdf f, uint16_t off, uint16_t v)
{
    if (use_ecam) {
        volatile uint8_t *p = ecam(f, off);
        if (p)
            *(volatile uint16_t *)p = v;
        return;
    }
    legacy_select(f, off);
    outw((uint16_t)(0xcfc + (off & 2)), v);
}

int pci_init(void)
{
    use_ecam = exo_acpi.ecam.base != 0;
    return EXO_OK;
}

static void scan_bus(uint8_t bus, void (*fn)(pci_bdf, void *), void *ctx, int depth)
{
    for (uint32_t dev = 0; dev < 32; dev++) {
        pci_bdf f0 = (uint32_t)bus << 8 | dev << 3;
        if (pci_read16(f0, PCI_VENDOR) == 0xffff)
            continue;
        int nfn = pci_read8(f0, PCI_HEADER_TYPE) & 0x80 ? 8 : 1;
        for (int fn_no = 0; fn_no < nfn; fn_no++) {
            pci_bdf f = f0 | (uint32_t)fn_no;
            if (pci_read16(f, PCI_VENDOR) == 0xffff)
                continue;
            fn(f, ctx);
            uint8_t secondary = pci_read8(f, PCI_SECONDARY_BUS);
            /* a bridge: its secondary bus lies beyond ours (a loop would never end) */
            if ((pci_read8(f, PCI_HEADER_TYPE) & 0x7f) == 1 && secondary > bus && depth < 8)
                scan_bus(secondary, fn, ctx, depth + 1);
        }
    }
}

uint8_t pci_root_bus(void)
{
    return use_ecam ? exo_acpi.ecam.bus_first : 0;
}

void pci_scan(void (*fn)(pci_bdf f, void *ctx), void *ctx)
{
    scan_bus(pci_root_bus(), fn, ctx, 0);
}

uint64_t pci_bar(pci_bdf f, int bar)
{
    uint32_t lo = pci_read32(f, (uint16_t)(PCI_BAR0 + 4 * bar));
    if (lo & 1)
        return 0; /* I/O space */
    uint64_t addr = lo & ~0xfull;
    if ((lo & 6) == 4 && bar < 5) /* 64-bit: the next BAR holds the high half */
        addr |= (uint64_t)pci_read32(f, (uint16_t)(PCI_BAR0 + 4 * (bar + 1))) << 32;
    return addr;
}

uint16_t pci_find_cap(pci_bdf f, uint8_t id, uint16_t from)
{
    if (!(pci_read16(f, PCI_STATUS) & PCI_STATUS_CAPS))
        return 0;
    uint16_t off = from ? pci_read8(f, (uint16_t)(from + 1)) : pci_read8(f, PCI_CAP_PTR);
    for (int n = 0; off >= 0x40 && n < 48; n++) { /* 48: more caps than fit; a loop ends */
        off &= 0xfc;
        if (pci_read8(f, off) == id)
            return off;
        off = pci_read8(f, (uint16_t)(off + 1));
    }
    return 0;
}
