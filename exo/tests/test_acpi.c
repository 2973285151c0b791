/*
 * test_acpi.c: finding SLP_TYPa for S5 in AML (exo/acpi.c), on byte strings shaped like the
 * \_S5 objects QEMU's and real firmware's DSDTs carry; the enabled CPUs of a MADT
 * (acpi_madt_cpus); where an ISA interrupt arrives (acpi_madt_isa_route); the segment-0 ECAM window
 * of an MCFG (acpi_mcfg).
 */
#include <check.h>

#include <exo/abi.h>
#include <exo/acpi.h>

#include <stdint.h>
#include <string.h>

/* A MADT: 44 bytes of header (contents unused by the parser), then `entries`. */
static uint64_t madt(uint8_t *out, const uint8_t *entries, uint64_t n)
{
    memset(out, 0, 44);
    memcpy(out + 44, entries, n);
    return 44 + n;
}

TEST_CASE(madt_entries)
{
    uint8_t t[256];
    uint32_t ids[8];
    /* QEMU -smp 2: two local APICs (ids 0, 1, enabled), an I/O APIC, an override */
    const uint8_t two[] = {0, 8, 0, 0,    1,    0, 0, 0, 0, 8, 1,  1, 1, 0, 0, 0, 1, 12, 0,
                           0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0, 2, 10, 0, 0, 2, 0, 0, 0, 0,  0};
    CHECK_EQ(acpi_madt_cpus(t, madt(t, two, sizeof two), ids, 8), 2);
    CHECK_EQ(ids[0], 0);
    CHECK_EQ(ids[1], 1);
    /* a disabled CPU is skipped (flags 0; bit 1 "online capable" alone is not enough) */
    const uint8_t dis[] = {0, 8, 0, 4, 1, 0, 0, 0, 0, 8, 1, 5, 0, 0, 0, 0, 0, 8, 2, 6, 2, 0, 0, 0};
    CHECK_EQ(acpi_madt_cpus(t, madt(t, dis, sizeof dis), ids, 8), 1);
    CHECK_EQ(ids[0], 4);
    /* an x2APIC entry: id 0x1234 */
    const uint8_t x2[] = {9, 16, 0, 0, 0x34, 0x12, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0};
    CHECK_EQ(acpi_madt_cpus(t, madt(t, x2, sizeof x2), ids, 8), 1);
    CHECK_EQ(ids[0], 0x1234);
    /* at most max */
    CHECK_EQ(acpi_madt_cpus(t, madt(t, two, sizeof two), ids, 1), 1);
    /* a zero-length or overlong entry ends the walk; a bare header has no CPUs */
    const uint8_t bad[] = {0, 8, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 8, 1, 9, 1, 0, 0, 0};
    CHECK_EQ(acpi_madt_cpus(t, madt(t, bad, sizeof bad), ids, 8), 1);
    const uint8_t cut[] = {0, 8, 0, 3, 1, 0, 0, 0, 0, 8, 1, 9, 1};
    CHECK_EQ(acpi_madt_cpus(t, madt(t, cut, sizeof cut), ids, 8), 1);
    CHECK_EQ(acpi_madt_cpus(t, madt(t, two, 0), ids, 8), 0);
}

TEST_CASE(madt_isa_route)
{
    uint8_t t[256];
    struct exo_isa_route r;
    /* QEMU q35: an I/O APIC (id 0 at 0xfec00000, gsi base 0), irq 0 -> gsi 2, irq 9 -> gsi 9
     * active high, level (flags 0xd) */
    const uint8_t q35[] = {0, 8,  0, 0, 1, 0, 0,    0,                  /* local APIC */
                           1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0,   0, 0, 0, /* I/O APIC */
                           2, 10, 0, 0, 2, 0, 0,    0,    0,   0,       /* irq 0 -> gsi 2 */
                           2, 10, 0, 9, 9, 0, 0,    0,    0xd, 0};      /* irq 9, level */
    uint64_t n = madt(t, q35, sizeof q35);
    CHECK_EQ(acpi_madt_isa_route(t, n, 4, &r), 1); /* COM1: no override, ISA defaults */
    CHECK_EQ(r.ioapic, 0xfec00000);
    CHECK_EQ(r.gsi, 4);
    CHECK_EQ(r.gsi_base, 0);
    CHECK_EQ(r.active_low, 0);
    CHECK_EQ(r.level, 0);
    CHECK_EQ(acpi_madt_isa_route(t, n, 0, &r), 1);
    CHECK_EQ(r.gsi, 2);
    CHECK_EQ(acpi_madt_isa_route(t, n, 9, &r), 1);
    CHECK_EQ(r.gsi, 9);
    CHECK_EQ(r.active_low, 0);
    CHECK_EQ(r.level, 1);
    /* an override to active low (flags 3), and two I/O APICs: the one whose base covers it */
    const uint8_t two[] = {1,    12,   0,    0,  0, 0, 0xc0, 0xfe, 0,  0, 0, 0,  1, 12, 1, 0, 0,
                           0x10, 0xc0, 0xfe, 24, 0, 0, 0,    2,    10, 0, 4, 30, 0, 0,  0, 3, 0};
    CHECK_EQ(acpi_madt_isa_route(t, madt(t, two, sizeof two), 4, &r), 1);
    CHECK_EQ(r.ioapic, 0xfec01000);
    CHECK_EQ(r.gsi, 30);
    CHECK_EQ(r.gsi_base, 24);
    CHECK_EQ(r.active_low, 1);
    CHECK_EQ(r.level, 0);
    /* no I/O APIC, or an override on another bus: not routed / default gsi */
    const uint8_t none[] = {0, 8, 0, 0, 1, 0, 0, 0};
    CHECK_EQ(acpi_madt_isa_route(t, madt(t, none, sizeof none), 4, &r), 0);
    const uint8_t bus1[] = {1, 12, 0,  0, 0, 0, 0xc0, 0xfe, 0, 0, 0,
                            0, 2,  10, 1, 4, 7, 0,    0,    0, 3, 0};
    CHECK_EQ(acpi_madt_isa_route(t, madt(t, bus1, sizeof bus1), 4, &r), 1);
    CHECK_EQ(r.gsi, 4);
    CHECK_EQ(r.active_low, 0);
    /* a zero-length entry ends the walk before the I/O APIC */
    const uint8_t cut[] = {0, 0, 1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0};
    CHECK_EQ(acpi_madt_isa_route(t, madt(t, cut, sizeof cut), 4, &r), 0);
}

#define S5(...) ((const uint8_t[]){0x08, '_', 'S', '5', '_', __VA_ARGS__})

/* An MCFG entry: base, segment, first and last bus. */
static void mcfg_entry(uint8_t *e, uint64_t base, uint16_t seg, uint8_t first, uint8_t last)
{
    memset(e, 0, 16);
    memcpy(e, &base, 8);
    memcpy(e + 8, &seg, 2);
    e[10] = first;
    e[11] = last;
}

TEST_CASE(mcfg_entries)
{
    uint8_t t[44 + 3 * 16] = {0};
    struct exo_ecam m = {0};
    /* QEMU q35: one entry, segment 0, buses 0..255 at 0xb0000000 */
    mcfg_entry(t + 44, 0xb0000000, 0, 0, 255);
    CHECK_EQ(acpi_mcfg(t, 60, &m), 1);
    CHECK_EQ(m.base, 0xb0000000);
    CHECK_EQ(m.bus_first, 0);
    CHECK_EQ(m.bus_last, 255);
    /* another segment first, a reversed range, an unaligned base: all skipped */
    mcfg_entry(t + 44, 0xc0000000, 1, 0, 255);
    mcfg_entry(t + 60, 0xd0000000, 0, 9, 3);
    mcfg_entry(t + 76, 0xe0000800, 0, 0, 1);
    m = (struct exo_ecam){0};
    CHECK_EQ(acpi_mcfg(t, sizeof t, &m), 0);
    CHECK_EQ(m.base, 0);
    mcfg_entry(t + 76, 0xe0000000, 0, 16, 31);
    CHECK_EQ(acpi_mcfg(t, sizeof t, &m), 1);
    CHECK_EQ(m.base, 0xe0000000);
    CHECK_EQ(m.bus_first, 16);
    /* a table cut short inside its entry: no read past len */
    CHECK_EQ(acpi_mcfg(t, 44 + 15, &m), 0);
}

TEST_CASE(s5)
{
    /* Name(_S5, Package(4){Zero, Zero, Zero, Zero}), as QEMU builds it */
    CHECK_EQ(acpi_find_s5(S5(0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00), 12), 0);
    CHECK_EQ(acpi_find_s5(S5(0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0, 0), 14), 5);
    CHECK_EQ(acpi_find_s5(S5(0x12, 0x06, 0x04, 0x01, 0x01, 0, 0), 12), 1);
    /* two-byte PkgLength */
    CHECK_EQ(acpi_find_s5(S5(0x12, 0x40, 0x01, 0x04, 0x0a, 0x07, 0, 0), 13), 7);
    /* _S5_ not followed by a package, or cut short, or absent */
    CHECK_EQ(acpi_find_s5(S5(0x0a, 0x05, 0, 0, 0, 0, 0), 12), EXO_E_NOENT);
    CHECK_EQ(acpi_find_s5(S5(0x12, 0x06, 0x04, 0x0a), 9), EXO_E_NOENT);
    CHECK_EQ(acpi_find_s5((const uint8_t *)"no sleep states here", 20), EXO_E_NOENT);
}
