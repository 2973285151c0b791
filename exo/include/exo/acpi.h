/*
 * acpi.h: the few ACPI facts exo reads at boot: which tables exist, and how to enter S5
 * (soft-off) from the FADT and the DSDT's \_S5 package, and the CPUs the MADT lists.
 */
#ifndef EXO_ACPI_H
#define EXO_ACPI_H

#include <stdint.h>

/* PCI Express memory-mapped configuration space of segment 0 (MCFG): bus b, device d,
 * function f's 4 KiB sit at base + (b - bus_first) << 20 | d << 15 | f << 12. */
struct exo_ecam {
    uint64_t base; /* 0: no MCFG (then exo uses the legacy 0xcf8 ports, bus 0 only) */
    uint8_t bus_first, bus_last;
};

struct exo_acpi {
    int ntables;
    char sigs[32][5];     /* table signatures, in XSDT/RSDT order */
    uint32_t pm1a_cnt;    /* PM1a control port (FADT), 0 if unknown */
    uint32_t pm1b_cnt;    /* PM1b control port, 0 if none */
    int s5_slp_typ;       /* SLP_TYPa for S5 from the DSDT, EXO_E_NOENT if not found */
    uint64_t madt;        /* physical address of the MADT ("APIC"), 0 if none */
    struct exo_ecam ecam; /* from the MCFG */
    uint64_t dmar;        /* physical address of the DMAR (VT-d units), 0 if none */
};

extern struct exo_acpi exo_acpi;

/* Reads the tables behind the RSDP (physical address); EXO_E_NOENT / EXO_E_CORRUPT if none. */
int acpi_init(uint64_t rsdp_phys);

/* SLP_TYPa of the \_S5 package in an AML byte stream, or EXO_E_NOENT. Pure: host tests use it. */
int acpi_find_s5(const uint8_t *aml, uint64_t len);

/* The LAPIC ids of the enabled CPUs a MADT lists (the whole table, header included, `len`
 * bytes), in table order: local APIC (type 0) and local x2APIC (type 9) entries with the
 * enabled flag. Stores at most `max` and returns how many it stored; a malformed entry ends the
 * walk. Pure: host tests use it. */
int acpi_madt_cpus(const uint8_t *madt, uint64_t len, uint32_t *ids, int max);

/* Where ISA interrupt `irq` arrives: the I/O APIC (MADT type 1) whose inputs cover its global
 * system interrupt, after any interrupt source override (type 2, bus 0) for it. */
struct exo_isa_route {
    uint64_t ioapic;   /* physical address of that I/O APIC's registers */
    uint32_t gsi;      /* global system interrupt number */
    uint32_t gsi_base; /* the I/O APIC's first one: its input pin is gsi - gsi_base */
    int active_low;    /* polarity: ISA's default is active high */
    int level;         /* trigger mode: ISA's default is edge */
};

/* The route of ISA irq into *out from a MADT (the whole table, `len` bytes): 1 if an I/O APIC
 * covers it, 0 if none does (a malformed entry ends the walk). The I/O APIC whose gsi_base is
 * the highest at or below the gsi is taken. Pure: host tests use it. */
int acpi_madt_isa_route(const uint8_t *madt, uint64_t len, int irq, struct exo_isa_route *out);

/* The segment-0 entry of an MCFG (the whole table, `len` bytes) into *out: 1 if found, 0 if
 * none (entries for other segments, reversed bus ranges, unaligned bases are skipped). Pure:
 * host tests use it. */
int acpi_mcfg(const uint8_t *mcfg, uint64_t len, struct exo_ecam *out);

#endif
