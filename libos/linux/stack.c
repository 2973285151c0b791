/*
 * stack.c: a Linux process's entry block (lnx.h), laid out exactly as Linux's exec lays it.
 */
#include <linux_rt/lnx.h>

#include <posix/linux.h>

static size_t len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

uint64_t *lnx_stack_build(char *top, size_t room, const char *execfn, const char *strings,
                          size_t argc, size_t envc, uint64_t *auxv, const uint8_t random[16])
{
    static const char platform[] = "x86_64";
    char *lo = top - room;
    size_t total = 0; /* argv's and envp's strings, packed as exec packed them */
    for (size_t k = 0; k < argc + envc; k++)
        total += len(strings + total) + 1;
    size_t fn = len(execfn) + 1, naux = 0;
    while (auxv[2 * naux] != LNX_AT_NULL)
        naux++;
    naux++; /* AT_NULL's pair too */
    size_t items = 1 + argc + 1 + envc + 1;
    size_t need = 8 + fn + total + 16 + sizeof platform + 16 + 16 * naux + 8 * items + 16;
    if (need > room)
        return NULL;
    char *p = top - 8;
    for (int i = 0; i < 8; i++)
        p[i] = 0;
    p -= fn;
    char *fname = p;
    for (size_t i = 0; i < fn; i++)
        fname[i] = execfn[i];
    p -= total;
    char *str = p;
    for (size_t i = 0; i < total; i++)
        str[i] = strings[i];
    p = (char *)((uintptr_t)p & ~(uintptr_t)15);
    p -= sizeof platform;
    char *plat = p;
    for (size_t i = 0; i < sizeof platform; i++)
        plat[i] = platform[i];
    p -= 16;
    char *rnd = p;
    for (int i = 0; i < 16; i++)
        rnd[i] = (char)random[i];
    uint64_t *v = (uint64_t *)(((uintptr_t)p - 16 * naux - 8 * items) & ~(uintptr_t)15);
    if ((char *)v < lo)
        return NULL;
    size_t i = 0;
    v[i++] = argc;
    const char *s = str;
    for (size_t k = 0; k < argc + envc; k++) {
        if (k == argc)
            v[i++] = 0; /* argv's end */
        v[i++] = (uint64_t)(uintptr_t)s;
        s += len(s) + 1;
    }
    if (argc + envc == argc)
        v[i++] = 0;
    v[i++] = 0; /* envp's end */
    for (size_t k = 0; k < naux; k++) {
        uint64_t type = auxv[2 * k], val = auxv[2 * k + 1];
        if (type == LNX_AT_RANDOM)
            val = (uint64_t)(uintptr_t)rnd;
        else if (type == LNX_AT_EXECFN)
            val = (uint64_t)(uintptr_t)fname;
        else if (type == LNX_AT_PLATFORM)
            val = (uint64_t)(uintptr_t)plat;
        v[i++] = type;
        v[i++] = val;
    }
    return v;
}
