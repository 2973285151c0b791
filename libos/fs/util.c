/*
 * util.c: memory and string helpers. The library is freestanding and links into programs with
 * no C library, so it has its own (byte loops; the build keeps gcc from turning them back into
 * memcpy calls with -fno-tree-loop-distribute-patterns).
 */
#include "internal.h"

void fs_memcpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    if (dp < sp || dp >= sp + n) {
        typedef uint64_t __attribute__((may_alias)) word;
        if ((((uintptr_t)dp | (uintptr_t)sp) & 7) == 0)
            for (; n >= 8; n -= 8, dp += 8, sp += 8) /* file data: a word at a time */
                *(word *)dp = *(const word *)sp;
        while (n--)
            *dp++ = *sp++;
    } else {
        while (n--)
            dp[n] = sp[n];
    }
}

void fs_memset(void *d, int c, size_t n)
{
    uint8_t *dp = d;
    while (n--)
        *dp++ = (uint8_t)c;
}

int fs_memeq(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

size_t fs_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}
