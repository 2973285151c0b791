/*
 * lx_auxv.c: the entry block as Linux lays it: what must agree between Linux and Tessera for
 * the same binary (the auxv types in order, less those only a newer kernel adds (rseq's);
 * values the binary can check against itself; the strings' places on the stack).
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;
extern const Elf64_Ehdr __ehdr_start;
extern char _start[];

int main(int argc, char **argv)
{
    char **e = environ;
    while (*e)
        e++;
    Elf64_auxv_t *a = (Elf64_auxv_t *)(e + 1);
    printf("auxv types:");
    for (Elf64_auxv_t *p = a; p->a_type != AT_NULL; p++)
        if (p->a_type != 27 && p->a_type != 28) /* AT_RSEQ_* (Linux 6.3 and later) */
            printf(" %lu", (unsigned long)p->a_type);
    printf("\n");
    printf("pagesz %lu phent %lu phnum %lu (ehdr %u)\n", getauxval(AT_PAGESZ), getauxval(AT_PHENT),
           getauxval(AT_PHNUM), __ehdr_start.e_phnum);
    printf("phdr ok %d\n", getauxval(AT_PHDR) == (uintptr_t)&__ehdr_start + __ehdr_start.e_phoff);
    printf("entry ok %d\n", getauxval(AT_ENTRY) == (uintptr_t)_start);
    printf("base %lu secure %lu clktck %lu flags %lu\n", getauxval(AT_BASE), getauxval(AT_SECURE),
           getauxval(AT_CLKTCK), getauxval(AT_FLAGS));
    printf("uid ok %d euid ok %d gid ok %d egid ok %d\n", getauxval(AT_UID) == getuid(),
           getauxval(AT_EUID) == geteuid(), getauxval(AT_GID) == getgid(),
           getauxval(AT_EGID) == getegid());
    printf("hwcap fpu %lu\n", getauxval(AT_HWCAP) & 1);
    /* AT_MINSIGSTKSZ: the signal frame with the XSAVE area (CPUID.0xD.0:EBX, the enabled
     * state's size), 16-byte aligned (below the old MINSIGSTKSZ, 2048, where XSAVE is small). */
    unsigned xsave = 0;
    __asm__ volatile("cpuid" : "=b"(xsave) : "a"(0xd), "c"(0) : "edx");
    unsigned long ms = getauxval(51);
    printf("minsigstksz above the xsave area %d, aligned %d\n", ms > xsave + 440, ms % 16 == 0);
    printf("platform %s\n", (const char *)getauxval(AT_PLATFORM));
    const char *fn = (const char *)getauxval(AT_EXECFN);
    const char *base = strrchr(fn, '/');
    printf("execfn %s\n", base ? base + 1 : fn);
    /* Linux: argv's strings, then envp's, then execfn, then 8 zero bytes at the page's end. */
    int packed = 1;
    for (int i = 0; i + 1 < argc; i++)
        packed &= argv[i] + strlen(argv[i]) + 1 == argv[i + 1];
    char *last = argv[argc - 1];
    for (char **p = environ; *p; p++) {
        packed &= last + strlen(last) + 1 == *p;
        last = *p;
    }
    packed &= last + strlen(last) + 1 == fn;
    uintptr_t end = (uintptr_t)fn + strlen(fn) + 1;
    printf("strings packed %d, execfn at the top %d\n", packed,
           end % 4096 == 4096 - 8 && *(uint64_t *)end == 0);
    const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
    printf("random below the strings %d, platform between %d\n",
           (char *)r<argv[0], (char *)getauxval(AT_PLATFORM)>(char *) r &&
               (char *)getauxval(AT_PLATFORM) < argv[0]);
    printf("argv at %d\n", (int)((uintptr_t)argv % 16));
    return 0;
}
