/*
 * lx_vdso.c: the vDSO (AT_SYSINFO_EHDR) as a Linux program sees it: an ELF image whose dynamic
 * symbol table (DT_HASH, DT_SYMTAB, DT_STRTAB, DT_VERSYM, DT_VERDEF) names __vdso_clock_gettime
 * and the others in version LINUX_2.6, looked up here as a program may (as Linux's
 * tools/testing/selftests/vDSO/parse_vdso.c does); the clocks it serves agree with the C
 * library's and with each other; CLOCK_MONOTONIC never goes back; a forked child has it, and a
 * store to it is SIGSEGV (its text is read and execute only). Only booleans are printed,
 * so the output is the host's. Then the count: it runs itself four times (execve of
 * /proc/self/exe) with TESSERA_LINUX_STATS=1, making 0 and then 1000 rounds of clock_gettime,
 * gettimeofday and time, with and without TESSERA_LINUX_TRAP=1; in Tessera the runtime's exit
 * reports (libos/linux/call.c) must be the same for 0 and 1000 rounds: the clock calls make no
 * call, fast or trapped (libos/linux/tests/linux_boot_test.py). Built with musl and glibc.
 * `lx_vdso bench` times clock_gettime instead.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL

struct vdso {
    uintptr_t bias;
    const Elf64_Sym *sym;
    const char *str;
    const Elf64_Half *versym;
    const Elf64_Verdef *verdef;
    uint32_t nsyms;
};

static int vdso_open(struct vdso *v, uintptr_t base)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    memset(v, 0, sizeof *v);
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !v->bias)
            v->bias = base + ph[i].p_offset - ph[i].p_vaddr;
        else if (ph[i].p_type == PT_DYNAMIC)
            dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
    }
    if (!dyn || !v->bias)
        return 0;
    const uint32_t *hash = NULL;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        uintptr_t p = v->bias + dyn->d_un.d_ptr;
        switch (dyn->d_tag) {
        case DT_SYMTAB:
            v->sym = (const Elf64_Sym *)p;
            break;
        case DT_STRTAB:
            v->str = (const char *)p;
            break;
        case DT_HASH:
            hash = (const uint32_t *)p;
            break;
        case DT_VERSYM:
            v->versym = (const Elf64_Half *)p;
            break;
        case DT_VERDEF:
            v->verdef = (const Elf64_Verdef *)p;
            break;
        }
    }
    if (!v->sym || !v->str || !hash)
        return 0;
    v->nsyms = hash[1]; /* nchain: the symbol count */
    return 1;
}

/* Symbol i's version name, from DT_VERSYM and DT_VERDEF. */
static const char *version_of(const struct vdso *v, uint32_t i)
{
    if (!v->versym || !v->verdef)
        return "";
    Elf64_Half ndx = v->versym[i] & 0x7fff;
    for (const Elf64_Verdef *d = v->verdef;;
         d = (const Elf64_Verdef *)((const char *)d + d->vd_next)) {
        if (d->vd_ndx == ndx && !(d->vd_flags & VER_FLG_BASE)) {
            const Elf64_Verdaux *a = (const Elf64_Verdaux *)((const char *)d + d->vd_aux);
            return v->str + a->vda_name;
        }
        if (!d->vd_next)
            return "";
    }
}

static void *vdso_sym(const struct vdso *v, const char *name, const char *version)
{
    for (uint32_t i = 0; i < v->nsyms; i++) {
        const Elf64_Sym *s = &v->sym[i];
        if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF)
            continue;
        if (ELF64_ST_BIND(s->st_info) != STB_GLOBAL && ELF64_ST_BIND(s->st_info) != STB_WEAK)
            continue;
        if (strcmp(v->str + s->st_name, name) == 0 && strcmp(version_of(v, i), version) == 0)
            return (void *)(v->bias + s->st_value);
    }
    return NULL;
}

static long long ns_of(const struct timespec *t)
{
    return t->tv_sec * NS + t->tv_nsec;
}

/* The counted child: n rounds of the three, nothing else (its exit report is the count). */
static int rounds(int n)
{
    struct timespec ts;
    struct timeval tv;
    long sum = 0;
    for (int i = 0; i < n; i++) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        gettimeofday(&tv, NULL);
        sum += ts.tv_nsec + tv.tv_usec + time(NULL);
    }
    return sum == -1; /* uses the results: 0 */
}

/* `lx_vdso bench` (lxrun's `lx_vdso:bench`): the time per clock_gettime(CLOCK_MONOTONIC); under
 * QEMU's -icount shift=0 a nanosecond is one guest instruction. */
static int bench(void)
{
    enum { N = 200000 };
    struct timespec a, b, t;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < N; i++)
        clock_gettime(CLOCK_MONOTONIC, &t);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("clock_gettime: %lld.%02lld ns per call\n", (ns_of(&b) - ns_of(&a)) / N,
           (ns_of(&b) - ns_of(&a)) % N * 100 / N);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "rounds") == 0)
        return rounds(atoi(argv[2]));
    if (argc == 2 && strcmp(argv[1], "bench") == 0)
        return bench();
    uintptr_t base = getauxval(AT_SYSINFO_EHDR);
    printf("AT_SYSINFO_EHDR given %d\n", base != 0);
    if (!base)
        return 1;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    printf("ELF magic %d, shared object %d, x86-64 %d\n", memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0,
           eh->e_type == ET_DYN, eh->e_machine == EM_X86_64);
    struct vdso v;
    printf("dynamic table read %d\n", vdso_open(&v, base));
    static const char *const names[] = {
        "__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu",
        "clock_gettime",        "gettimeofday",        "time",        "getcpu"};
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
        printf("%s@LINUX_2.6 found %d\n", names[i], vdso_sym(&v, names[i], "LINUX_2.6") != NULL);
    printf("__vdso_clock_gettime@LINUX_2.5 found %d\n",
           vdso_sym(&v, "__vdso_clock_gettime", "LINUX_2.5") != NULL);

    int (*cgt)(clockid_t, struct timespec *) =
        (int (*)(clockid_t, struct timespec *))vdso_sym(&v, "__vdso_clock_gettime", "LINUX_2.6");
    if (!cgt)
        return 1;
    /* The vDSO's reading lies between two of the C library's, all within a second. */
    static const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME};
    static const char *const clock_names[] = {"CLOCK_REALTIME", "CLOCK_MONOTONIC",
                                              "CLOCK_BOOTTIME"};
    for (int k = 0; k < 3; k++) {
        struct timespec a, b, c;
        int r0 = clock_gettime(clocks[k], &a), r1 = cgt(clocks[k], &b),
            r2 = clock_gettime(clocks[k], &c);
        printf("%s: vDSO %d between the C library's %d, within 1 s %d\n", clock_names[k], r1,
               r0 == 0 && r2 == 0 && ns_of(&a) <= ns_of(&b) && ns_of(&b) <= ns_of(&c),
               ns_of(&c) - ns_of(&a) < NS);
    }
    struct timespec coarse, fine;
    int rc = cgt(CLOCK_MONOTONIC_COARSE, &coarse);
    clock_gettime(CLOCK_MONOTONIC, &fine);
    printf("CLOCK_MONOTONIC_COARSE: %d, not after CLOCK_MONOTONIC, within 1 s %d\n", rc,
           ns_of(&coarse) <= ns_of(&fine) && ns_of(&fine) - ns_of(&coarse) < NS);
    struct timespec pt;
    printf("CLOCK_PROCESS_CPUTIME_ID through the vDSO: %d, tv_nsec in range %d\n",
           cgt(CLOCK_PROCESS_CPUTIME_ID, &pt), pt.tv_nsec >= 0 && pt.tv_nsec < NS);
    printf("clock 1234 through the vDSO: %d\n", cgt(1234, &pt));

    /* getcpu: IA32_TSC_AUX (rdpid, rdtscp), as exo sets it: a CPU the machine has, node 0. */
    long (*gc)(unsigned *, unsigned *, void *) =
        (long (*)(unsigned *, unsigned *, void *))vdso_sym(&v, "__vdso_getcpu", "LINUX_2.6");
    unsigned cpu = 9999, node = 9999;
    long rg = gc(&cpu, &node, NULL);
    printf("getcpu: %ld, a CPU of the machine %d, node %u\n", rg,
           cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF), node);

    struct timespec last, now;
    clock_gettime(CLOCK_MONOTONIC, &last);
    int back = 0;
    for (int i = 0; i < 100000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        back += ns_of(&now) < ns_of(&last);
        last = now;
    }
    printf("CLOCK_MONOTONIC went back %d times in 100000 reads\n", back);

    struct timespec rt;
    struct timeval tv;
    clock_gettime(CLOCK_REALTIME, &rt);
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    long long d = (tv.tv_sec * 1000000LL + tv.tv_usec) * 1000 - ns_of(&rt);
    printf("gettimeofday within 1 s of CLOCK_REALTIME %d, usec in range %d\n", d > -NS && d < NS,
           tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    /* (either way: Linux's time() reads the coarse clock, a tick behind at a second's edge) */
    printf("time within 1 s of CLOCK_REALTIME %d\n", t - rt.tv_sec >= -1 && t - rt.tv_sec <= 1);

    /* A forked child has the vDSO too: its clock works; its text is never writable. */
    fflush(stdout);
    pid_t f = fork();
    if (f == 0) {
        struct timespec x;
        printf("forked child: the vDSO's clock %d, its ELF magic %d\n", cgt(CLOCK_MONOTONIC, &x),
               memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0);
        fflush(stdout);
        *(volatile char *)base = 0;
        _exit(0);
    }
    int fst = 0;
    waitpid(f, &fst, 0);
    printf("a store to the vDSO: %s %d\n", WIFSIGNALED(fst) ? "signal" : "exit",
           WIFSIGNALED(fst) ? WTERMSIG(fst) : WEXITSTATUS(fst));

    char *env[2][3] = {{"TESSERA_LINUX_STATS=1", NULL, NULL},
                       {"TESSERA_LINUX_STATS=1", "TESSERA_LINUX_TRAP=1", NULL}};
    for (int k = 0; k < 2; k++)
        for (int n = 0; n <= 1000; n += 1000) {
            fflush(stdout);
            pid_t c = fork();
            if (c == 0) {
                char count[8];
                snprintf(count, sizeof count, "%d", n);
                char *args[] = {argv[0], "rounds", count, NULL};
                execve("/proc/self/exe", args, env[k]);
                _exit(127);
            }
            int st = 0;
            waitpid(c, &st, 0);
            printf("%d rounds%s: exit %d\n", n, k ? " by the trap" : "",
                   WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
    return 0;
}
