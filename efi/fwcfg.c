/*
 * fwcfg.c: QEMU fw_cfg access over port I/O (docs/specs/fw_cfg.txt in the QEMU tree).
 *
 * Protocol: write a 16-bit item selector to port 0x510, then read the item byte by byte from
 * port 0x511. Item 0 is the signature "QEMU", item 0x19 the file directory: a big-endian u32
 * count followed by count entries {be32 size, be16 select, be16 reserved, char name[56]}.
 */
#include "fwcfg.h"

#include <exo/abi.h>

#define FWCFG_PORT_SEL 0x510
#define FWCFG_PORT_DATA 0x511
#define FWCFG_SIGNATURE 0x0000
#define FWCFG_FILE_DIR 0x0019
#define FWCFG_NAME_MAX 56
#define FWCFG_MAX_FILES 4096 /* sanity bound on the directory walk */

static void fw_select(uint16_t item)
{
    __asm__ volatile("outw %0, %1" : : "a"(item), "Nd"((uint16_t)FWCFG_PORT_SEL));
}

static uint8_t fw_byte(void)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)FWCFG_PORT_DATA));
    return v;
}

static void fw_bytes(void *dst, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = fw_byte();
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int name_eq(const char *entry, const char *name)
{
    for (int i = 0; i < FWCFG_NAME_MAX; i++) {
        if (entry[i] != name[i])
            return 0;
        if (name[i] == '\0')
            return 1;
    }
    return 0; /* name longer than an entry can hold */
}

static int fw_present(void)
{
    uint8_t sig[4];
    fw_select(FWCFG_SIGNATURE);
    fw_bytes(sig, sizeof(sig));
    return sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U';
}

long ldr_fwcfg_read_file(const char *name, void *buf, size_t cap, uint32_t *full_size)
{
    if (!fw_present())
        return EXO_E_NOENT;
    uint8_t raw[4];
    fw_select(FWCFG_FILE_DIR);
    fw_bytes(raw, sizeof(raw));
    uint32_t count = be32(raw);
    if (count > FWCFG_MAX_FILES)
        return EXO_E_CORRUPT;
    for (uint32_t i = 0; i < count; i++) {
        struct {
            uint8_t size[4];
            uint8_t select[2];
            uint8_t reserved[2];
            char name[FWCFG_NAME_MAX];
        } e;
        fw_bytes(&e, sizeof(e));
        if (!name_eq(e.name, name))
            continue;
        uint32_t size = be32(e.size);
        if (full_size)
            *full_size = size;
        size_t n = size < cap ? size : cap;
        fw_select((uint16_t)(e.select[0] << 8 | e.select[1]));
        fw_bytes(buf, n);
        return (long)n;
    }
    return EXO_E_NOENT;
}
