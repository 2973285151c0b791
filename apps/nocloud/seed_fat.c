/*
 * seed_fat.c: the seed volume's files (seed.h): FAT12/16 boot sector, root directory with
 * long names, a file's clusters. Only what mkfs.fat + mcopy write for a fresh seed.
 */
#include "seed.h"

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
    return le16(p) | le16(p + 2) << 16;
}

int seed_is_cidata(const uint8_t *vol, size_t len)
{
    static const char label[] = "CIDATA     "; /* 11 bytes, space padded */
    if (len < 512 || vol[510] != 0x55 || vol[511] != 0xaa || vol[38] != 0x29)
        return 0; /* no boot signature, or no extended BPB (which holds the label) */
    for (int i = 0; i < 11; i++) {
        char c = (char)vol[43 + i];
        if ((c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c) != label[i])
            return 0;
    }
    return 1;
}

/* A long-name entry's 13 UTF-16 characters (non-ASCII as '?') into name at its place. */
static void lfn_chars(const uint8_t *e, char *name, size_t n)
{
    static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    unsigned seq = e[0] & 0x1f;
    if (seq == 0 || seq * 13 >= n)
        return;
    if (e[0] & 0x40) /* the last part (stored first): the name ends after it */
        name[seq * 13] = '\0';
    for (unsigned i = 0; i < 13; i++) {
        uint32_t ch = le16(e + at[i]);
        name[(seq - 1) * 13 + i] = ch == 0 ? '\0' : ch < 0x80 ? (char)ch : '?';
        if (ch == 0)
            return;
    }
}

static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

int seed_file(const uint8_t *vol, size_t len, const char *name, const uint8_t **data,
              uint32_t *size)
{
    if (len < 512)
        return -1;
    uint32_t bps = le16(vol + 11), spc = vol[13], reserved = le16(vol + 14), nfats = vol[16];
    uint32_t root_entries = le16(vol + 17), fat_size = le16(vol + 22);
    if (bps != 512 || spc == 0 || root_entries == 0)
        return -1;
    uint64_t root = (uint64_t)(reserved + nfats * fat_size) * bps;
    uint64_t first_data = root + ((uint64_t)root_entries * 32 + bps - 1) / bps * bps;
    char lfn[256] = "";
    for (uint32_t i = 0; i < root_entries && root + i * 32 + 32 <= len; i++) {
        const uint8_t *e = vol + root + i * 32;
        if (e[0] == 0)
            break; /* no entries after this one */
        if (e[0] == 0xe5) {
            lfn[0] = '\0';
            continue;
        }
        if (e[11] == 0x0f) {
            lfn_chars(e, lfn, sizeof lfn);
            continue;
        }
        int match = !(e[11] & 0x18) && same(lfn, name); /* not a directory or the label */
        lfn[0] = '\0';
        if (!match)
            continue;
        uint32_t cluster = le16(e + 26), bytes = le32(e + 28);
        uint64_t off = first_data + (uint64_t)(cluster - 2) * spc * bps;
        if (bytes == 0) {
            *data = vol;
            *size = 0;
            return 0;
        }
        if (cluster < 2 || off + bytes > len)
            return -1;
        *data = vol + off;
        *size = bytes;
        return 0;
    }
    return -1;
}
