/*
 * stack.c: the process-entry stack block (stack.h), built downward from the top: strings
 * first, then the vector musl's _start reads.
 */
#include <posix/linux.h>
#include <posix/stack.h>

/* Copies [s, s + n) and a NUL below *p (bounded by lo); the copy's address, or NULL. */
static char *push_bytes(char **p, char *lo, const char *s, size_t n)
{
    if ((size_t)(*p - lo) < n + 1)
        return NULL;
    *p -= n + 1;
    for (size_t i = 0; i < n; i++)
        (*p)[i] = s[i];
    (*p)[n] = 0;
    return *p;
}

/* The auxiliary vector from word i of v on: the caller's pairs, AT_RANDOM, AT_NULL. */
static uint64_t *auxv_end(uint64_t *v, size_t i, const uint64_t *auxv, size_t nauxv,
                          const char *rnd)
{
    for (size_t k = 0; k < 2 * nauxv; k++)
        v[i++] = auxv[k];
    v[i++] = LNX_AT_RANDOM;
    v[i++] = (uint64_t)(uintptr_t)rnd;
    v[i++] = LNX_AT_NULL;
    v[i++] = 0;
    return v;
}

uint64_t *posix_stack_build(char *top, size_t room, const char *cmdline, const char *const *envp,
                            const uint64_t *auxv, const uint8_t random[16])
{
    char *lo = top - room, *p = top;
    char *argv[POSIX_ARGV_MAX];
    size_t argc = 0, envc = 0, nauxv = 0;
    for (const char *s = cmdline ? cmdline : ""; *s;) {
        while (*s == ' ')
            s++;
        const char *w = s;
        while (*s && *s != ' ')
            s++;
        if (s == w)
            break;
        if (argc == POSIX_ARGV_MAX || !(argv[argc++] = push_bytes(&p, lo, w, (size_t)(s - w))))
            return NULL;
    }
    while (envp && envp[envc])
        envc++;
    while (auxv && auxv[2 * nauxv] != LNX_AT_NULL)
        nauxv++;
    char *rnd = push_bytes(&p, lo, (const char *)random, 16);
    if (!rnd)
        return NULL;
    /* The environment strings stay where the caller keeps them (exec copies them later). */
    size_t words = 1 + argc + 1 + envc + 1 + 2 * (nauxv + 2);
    uint64_t *v = (uint64_t *)((uintptr_t)p & ~(uintptr_t)15) - words;
    v = (uint64_t *)((uintptr_t)v & ~(uintptr_t)15); /* argc 16-byte aligned */
    if ((char *)v < lo)
        return NULL;
    size_t i = 0;
    v[i++] = argc;
    for (size_t k = 0; k < argc; k++)
        v[i++] = (uint64_t)(uintptr_t)argv[k];
    v[i++] = 0;
    for (size_t k = 0; k < envc; k++)
        v[i++] = (uint64_t)(uintptr_t)envp[k];
    v[i++] = 0;
    return auxv_end(v, i, auxv, nauxv, rnd);
}

/* Strings packed at s: the address of the one after the first. */
static const char *next_string(const char *s)
{
    while (*s)
        s++;
    return s + 1;
}

uint64_t *posix_stack_build_packed(char *top, size_t room, const char *args, size_t argc,
                                   size_t envc, const uint64_t *auxv, const uint8_t random[16])
{
    char *lo = top - room, *p = top;
    size_t nauxv = 0;
    while (auxv && auxv[2 * nauxv] != LNX_AT_NULL)
        nauxv++;
    /* The strings first (their copies' addresses are found again by walking the copies). */
    const char *s = args;
    size_t total = 0;
    for (size_t k = 0; k < argc + envc; k++) {
        const char *n = next_string(s);
        total += (size_t)(n - s);
        s = n;
    }
    if ((size_t)(p - lo) < total)
        return NULL;
    p -= total;
    char *strings = p;
    for (size_t i = 0; i < total; i++)
        strings[i] = args[i];
    char *rnd = push_bytes(&p, lo, (const char *)random, 16);
    if (!rnd)
        return NULL;
    size_t words = 1 + argc + 1 + envc + 1 + 2 * (nauxv + 2);
    if ((size_t)(p - lo) < words * 8 + 32)
        return NULL;
    uint64_t *v = (uint64_t *)((uintptr_t)p & ~(uintptr_t)15) - words;
    v = (uint64_t *)((uintptr_t)v & ~(uintptr_t)15);
    size_t i = 0;
    const char *c = strings;
    v[i++] = argc;
    for (size_t k = 0; k < argc; k++, c = next_string(c))
        v[i++] = (uint64_t)(uintptr_t)c;
    v[i++] = 0;
    for (size_t k = 0; k < envc; k++, c = next_string(c))
        v[i++] = (uint64_t)(uintptr_t)c;
    v[i++] = 0;
    return auxv_end(v, i, auxv, nauxv, rnd);
}
