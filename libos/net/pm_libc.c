/*
 * pm_libc.c: the C library functions lwIP and the socket engine call beyond common/string.c's
 * mem* (libos/net/README.md, "The build for Tessera processes"), for pm, which links lwIP but
 * no C library (init is not a musl program). Native programs that link los_lwip get musl's.
 */
#include <stddef.h>

size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int atoi(const char *s);

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    for (; *a && *a == *b; a++, b++)
        ;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n && *a && *a == *b; n--, a++, b++)
        ;
    return n ? (unsigned char)*a - (unsigned char)*b : 0;
}

int atoi(const char *s)
{
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    int neg = *s == '-', v = 0;
    if (*s == '-' || *s == '+')
        s++;
    while (*s >= '0' && *s <= '9')
        v = v * 10 - (*s++ - '0'); /* negative: INT_MIN has no positive twin */
    return neg ? v : -v;
}
