/*
 * acpi.h: the few ACPI facts exo reads at boot: which tables exist, and how to enter S5
 * (soft-off) from the FADT and the DSDT's \_S5 package, and the CPUs the MADT lists.
 */
#ifndef EXO_ACPI_H
#define EXO_ACPI_H

#include <stdint.h>

struct exo_acpi {
    int ntables;
    char sigs[32][5];     /* table signatures, in XSDT/RSDT order */
    uint32_t pm1a_cnt;    /* PM1a control port (FADT), 0 if unknown */
    uint32_t pm1b_cnt;    /* PM1b control port, 0 if none */
    int s5_slp_typ;       /* SLP_TYPa for S5 from the DSDT, -1 if not found */
    uint64_t madt;        /* physical address of the MADT ("APIC"), 0 if none */
};

extern struct exo_acpi exo_acpi;

/* Reads the tables behind the RSDP (physical address); EXO_E_NOENT / EXO_E_CORRUPT if none. */
int acpi_init(uint64_t rsdp_phys);

/* SLP_TYPa of the \_S5 package in an AML byte stream, or -1. Pure: host tests use it. */
int acpi_find_s5(const uint8_t *aml, uint64_t len);

/* The LAPIC ids of the enabled CPUs a MADT lists (the whole table, header included, `len`
 * bytes), in table order: local APIC (type 0) and local x2APIC (type 9) entries with the
 * enabled flag. Stores at most `max` and returns how many it stored; a malformed entry ends the
 * walk. Pure: host tests use it. */
int acpi_madt_cpus(const uint8_t *madt, uint64_t len, uint32_t *ids, int max);

#endif
