/*
 * util.c: byte helpers (the core links no libc; the build keeps gcc from turning the loops back
 * into memcpy calls), the error line, the clock.
 */
#include "internal.h"

#include <common/printf.h>

#include <stdarg.h>

void ext2_memcpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    typedef uint64_t __attribute__((may_alias)) word;
    if ((((uintptr_t)dp | (uintptr_t)sp) & 7) == 0)
        for (; n >= 8; n -= 8, dp += 8, sp += 8) /* file data: a word at a time */
            *(word *)dp = *(const word *)sp;
    while (n--)
        *dp++ = *sp++;
}

void ext2_memset(void *d, int c, size_t n)
{
    uint8_t *dp = d;
    while (n--)
        *dp++ = (uint8_t)c;
}

int ext2_memeq(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

long ext2_corrupt(struct ext2_fs *fs, const char *fmt, ...)
{
    char line[160];
    int n = exo_snprintf(line, sizeof line, "ext2: ");
    va_list ap;
    va_start(ap, fmt);
    exo_vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (fs->dev->log)
        fs->dev->log(fs->dev, line);
    if (!fs->ro) { /* e2fsck will look at it next time */
        fs->sb.s_state |= EXT2_ERROR_FS;
        fs->sb_dirty = 1;
    }
    return -EXT2_EUCLEAN;
}

uint32_t ext2_now(struct ext2_fs *fs)
{
    /* Without a clock, the file system's own last write time: never 1970, and a deletion
     * time is never small enough for e2fsck to read it as an orphan-list link. */
    return fs->dev->now ? fs->dev->now(fs->dev) : fs->time_floor;
}
