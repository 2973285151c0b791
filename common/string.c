/*
 * string.c: the memory functions gcc may emit calls to even in freestanding code (exo links
 * them; see string.h).
 */
#include <common/string.h>

#include <stdint.h>

/* memset and memcpy move 8 bytes per step (rep stosq / rep movsq, then the odd bytes): a 4 KiB
 * copy is 512 steps rather than 4096, which is most of a cached read through the process
 * server. Every entry into exo or the libOS runs with the direction flag clear (the ABI's rule;
 * exo's syscall mask and trap entry clear it). */
void *memset(void *d, int c, size_t n)
{
    void *p = d;
    uint64_t v = (uint8_t)c * 0x0101010101010101ull;
    size_t q = n >> 3, r = n & 7;
    __asm__ volatile("rep stosq" : "+D"(p), "+c"(q) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(p), "+c"(r) : "a"(v) : "memory");
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    void *p = d;
    size_t q = n >> 3, r = n & 7;
    __asm__ volatile("rep movsq" : "+D"(p), "+S"(s), "+c"(q) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(p), "+S"(s), "+c"(r) : : "memory");
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    if (p < q)
        return memcpy(d, s, n);
    while (n--)
        p[n] = q[n];
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n--; p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}
