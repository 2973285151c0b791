/*
 * acpi.c: walking RSDP -> XSDT (or RSDT) -> FADT -> DSDT for the tables exo needs (see acpi.h).
 * Every table's checksum is verified before it is believed.
 */
#include <exo/acpi.h>
#include <exo/bootinfo.h>
#include <exo/error.h>

#include <stddef.h>

struct exo_acpi exo_acpi;

struct sdt_header {
    char sig[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

static const void *phys(uint64_t p)
{
    return (const void *)(EXO_DIRECT_MAP + p);
}

static int checksum_ok(const void *p, uint64_t len)
{
    uint8_t sum = 0;
    for (uint64_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

static int sig_is(const char *s, const char *want)
{
    return s[0] == want[0] && s[1] == want[1] && s[2] == want[2] && s[3] == want[3];
}

/* A table header that is plausible and sums to zero, else NULL. */
static const struct sdt_header *table(uint64_t p)
{
    const struct sdt_header *h = phys(p);
    if (!p || h->length < sizeof *h || h->length > (1u << 24) || !checksum_ok(h, h->length))
        return NULL;
    return h;
}

int acpi_find_s5(const uint8_t *aml, uint64_t len)
{
    for (uint64_t i = 0; i + 8 < len; i++) {
        if (!sig_is((const char *)aml + i, "_S5_") || aml[i + 4] != 0x12) /* PackageOp */
            continue;
        uint64_t j = i + 5;
        j += (aml[j] >> 6) + 1; /* PkgLength: bits 7-6 count its extra bytes */
        j++;                    /* NumElements */
        if (j >= len)
            return EXO_E_NOENT;
        switch (aml[j]) {
        case 0x00: /* ZeroOp */
            return 0;
        case 0x01: /* OneOp */
            return 1;
        case 0x0a: /* BytePrefix */
            return j + 1 < len ? aml[j + 1] : EXO_E_NOENT;
        }
        return EXO_E_NOENT;
    }
    return EXO_E_NOENT;
}

#define MADT_ENTRIES 44 /* header, local APIC address, flags */
#define MADT_ENABLED 1u

int acpi_madt_cpus(const uint8_t *madt, uint64_t len, uint32_t *ids, int max)
{
    int n = 0;
    for (uint64_t off = MADT_ENTRIES; off + 2 <= len && n < max;) {
        uint8_t type = madt[off], elen = madt[off + 1];
        if (elen < 2 || off + elen > len)
            break;
        const uint8_t *e = madt + off;
        uint32_t flags;
        if (type == 0 && elen >= 8) { /* processor local APIC: uid, id, flags */
            __builtin_memcpy(&flags, e + 4, 4);
            if (flags & MADT_ENABLED)
                ids[n++] = e[3];
        } else if (type == 9 && elen >= 16) { /* local x2APIC: reserved, id, flags, uid */
            __builtin_memcpy(&flags, e + 8, 4);
            if (flags & MADT_ENABLED)
                __builtin_memcpy(&ids[n++], e + 4, 4);
        }
        off += elen;
    }
    return n;
}

int acpi_madt_isa_route(const uint8_t *madt, uint64_t len, int irq, struct exo_isa_route *out)
{
    uint32_t gsi = (uint32_t)irq;
    uint16_t flags = 0;
    for (int pass = 0; pass < 2; pass++) { /* overrides first: they move the gsi */
        int found = 0;
        for (uint64_t off = MADT_ENTRIES; off + 2 <= len;) {
            uint8_t type = madt[off], elen = madt[off + 1];
            if (elen < 2 || off + elen > len)
                break;
            const uint8_t *e = madt + off;
            if (pass == 0 && type == 2 && elen >= 10 && e[2] == 0 && e[3] == irq) {
                __builtin_memcpy(&gsi, e + 4, 4); /* bus 0 (ISA), source irq: gsi, flags */
                __builtin_memcpy(&flags, e + 8, 2);
            } else if (pass == 1 && type == 1 && elen >= 12) { /* id, reserved, address, base */
                uint32_t addr, base;
                __builtin_memcpy(&addr, e + 4, 4);
                __builtin_memcpy(&base, e + 8, 4);
                if (base <= gsi && (!found || base > out->gsi_base)) {
                    *out = (struct exo_isa_route){.ioapic = addr, .gsi = gsi, .gsi_base = base};
                    found = 1;
                }
            }
            off += elen;
        }
        if (pass == 1 && found) {
            /* MPS INTI flags: polarity bits 1:0 and trigger bits 3:2, 3 = low / level, 0 =
             * the bus's default (ISA: high, edge) */
            out->active_low = (flags & 3) == 3;
            out->level = (flags >> 2 & 3) == 3;
            return 1;
        }
    }
    return 0;
}

int acpi_mcfg(const uint8_t *mcfg, uint64_t len, struct exo_ecam *out)
{
    /* header (36), reserved (8), then 16-byte entries: base, segment, first bus, last bus */
    for (uint64_t off = 44; off + 16 <= len; off += 16) {
        uint64_t base;
        uint16_t segment;
        __builtin_memcpy(&base, mcfg + off, 8);
        __builtin_memcpy(&segment, mcfg + off + 8, 2);
        if (segment != 0 || mcfg[off + 11] < mcfg[off + 10] || base % EXO_PAGE)
            continue; /* exo looks at segment 0 only */
        *out = (struct exo_ecam){base, mcfg[off + 10], mcfg[off + 11]};
        return 1;
    }
    return 0;
}

static void read_fadt(const struct sdt_header *f)
{
    const uint8_t *b = (const uint8_t *)f;
    uint64_t dsdt = *(const uint32_t *)(b + 40);
    exo_acpi.pm1a_cnt = *(const uint32_t *)(b + 64);
    exo_acpi.pm1b_cnt = *(const uint32_t *)(b + 68);
    if (f->length >= 148 && *(const uint64_t *)(b + 140))
        dsdt = *(const uint64_t *)(b + 140); /* X_DSDT */
    const struct sdt_header *d = table(dsdt);
    exo_acpi.s5_slp_typ =
        d ? acpi_find_s5((const uint8_t *)(d + 1), d->length - sizeof *d) : EXO_E_NOENT;
}

int acpi_init(uint64_t rsdp_phys)
{
    exo_acpi = (struct exo_acpi){.s5_slp_typ = EXO_E_NOENT};
    if (!rsdp_phys)
        return EXO_E_NOENT;
    const uint8_t *r = phys(rsdp_phys);
    if (!sig_is((const char *)r, "RSD ") || !sig_is((const char *)r + 4, "PTR ") ||
        !checksum_ok(r, 20))
        return EXO_E_CORRUPT;
    int xsdt = r[15] >= 2 && *(const uint64_t *)(r + 24);
    const struct sdt_header *root =
        table(xsdt ? *(const uint64_t *)(r + 24) : *(const uint32_t *)(r + 16));
    if (!root)
        return EXO_E_CORRUPT;
    unsigned esize = xsdt ? 8 : 4, n = (root->length - sizeof *root) / esize;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = (const uint8_t *)(root + 1) + i * esize;
        uint64_t p = xsdt ? *(const uint64_t *)e : *(const uint32_t *)e;
        const struct sdt_header *t = table(p);
        if (!t)
            continue;
        if (exo_acpi.ntables < 32) {
            for (int k = 0; k < 4; k++)
                exo_acpi.sigs[exo_acpi.ntables][k] = t->sig[k];
            exo_acpi.ntables++;
        }
        if (sig_is(t->sig, "FACP"))
            read_fadt(t);
        else if (sig_is(t->sig, "APIC"))
            exo_acpi.madt = p;
        else if (sig_is(t->sig, "DMAR"))
            exo_acpi.dmar = p;
        else if (sig_is(t->sig, "MCFG"))
            acpi_mcfg((const uint8_t *)t, t->length, &exo_acpi.ecam);
    }
    return EXO_OK;
}
