/*
 * archive.c: reading the cpio "newc" boot archive (see archive.h). Format: a 110-byte ASCII
 * header ("070701" and 13 eight-digit hex fields), the name, padding to 4 bytes, the body,
 * padding to 4 bytes; the last entry is named "TRAILER!!!".
 */
#include <common/archive.h>
#include <common/string.h>
#include <exo/abi.h>

#define HDR_LEN 110
#define S_IFMT 0170000u
#define S_IFREG 0100000u

/* Field i (0 = ino ... 12 = check) of a header, or EXO_E_CORRUPT if it is not 8 hex digits. */
static int64_t field(const char *h, int i)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++) {
        char c = h[6 + 8 * i + k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return EXO_E_CORRUPT;
        v = v << 4 | (uint64_t)d;
    }
    return (int64_t)v;
}

static uint64_t align4(uint64_t v)
{
    return (v + 3) & ~3ull;
}

int exo_archive_next(const void *base, uint64_t size, uint64_t *off, struct exo_archive_entry *e)
{
    const char *a = base;
    if (*off > size || size - *off < HDR_LEN)
        return EXO_E_CORRUPT;
    const char *h = a + *off;
    if (h[0] != '0' || h[1] != '7' || h[2] != '0' || h[3] != '7' || h[4] != '0' || h[5] != '1')
        return EXO_E_CORRUPT;
    int64_t mode = field(h, 1), filesize = field(h, 6), namesize = field(h, 11);
    if (mode < 0 || filesize < 0 || namesize < 1)
        return EXO_E_CORRUPT;
    uint64_t name_off = *off + HDR_LEN;
    if ((uint64_t)namesize > size - name_off || a[name_off + namesize - 1] != '\0')
        return EXO_E_CORRUPT;
    uint64_t data_off = align4(name_off + (uint64_t)namesize);
    if (data_off > size || (uint64_t)filesize > size - data_off)
        return EXO_E_CORRUPT;
    e->name = a + name_off;
    e->data = a + data_off;
    e->size = (uint64_t)filesize;
    e->mode = (uint32_t)mode;
    if (exo_streq(e->name, "TRAILER!!!"))
        return 0;
    *off = align4(data_off + (uint64_t)filesize);
    return 1;
}

int exo_archive_find(const void *base, uint64_t size, const char *name, struct exo_archive_entry *e)
{
    uint64_t off = 0;
    int r;
    while ((r = exo_archive_next(base, size, &off, e)) == 1)
        if ((e->mode & S_IFMT) == S_IFREG && exo_streq(e->name, name))
            return EXO_OK;
    return r == 0 ? EXO_E_NOENT : r;
}
