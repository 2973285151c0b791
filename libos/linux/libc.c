/*
 * libc.c: the C library functions the libOS's code calls beyond common/string.c's mem*
 * (native programs get them from musl; the runtime links no C library: the binary brings
 * its own, with its own TLS).
 */
#include <stddef.h>

size_t strlen(const char *s);
size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}
