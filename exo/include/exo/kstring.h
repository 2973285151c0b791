/*
 * kstring.h: the string helpers exo needs, inline so freestanding and host builds share them.
 */
#ifndef EXO_KSTRING_H
#define EXO_KSTRING_H

static inline int exo_streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

#endif
