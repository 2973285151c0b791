/*
 * string.h: the string and memory functions shared code needs. exo_streq is inline so every
 * build (kernel, libOS, host tests) has it; the mem* functions (common/string.c) are the ones
 * gcc may emit calls to in freestanding code (8 bytes per step), and only exo links them (the libOS
 * builds with -fno-tree-loop-distribute-patterns instead, and the host has its libc's).
 */
#ifndef COMMON_STRING_H
#define COMMON_STRING_H

#include <stddef.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

static inline int exo_streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

#endif
