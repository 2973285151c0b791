/*
 * test_scan.c: the syscall-site scanner (libos/linux/scan.c) against objdump. Hand-made
 * encodings check the decoder's lengths and the red-zone rule; then, for each ELF file named on
 * the command line (apps/linux's binaries, the host's libc.so.6), every executable section is
 * decoded as the runtime would and compared with `objdump -d`: the same instruction boundaries,
 * and over each executable PT_LOAD (the runtime's unit) every objdump `syscall` found, and no
 * site rewritten that objdump does not decode as one. (A file with data in its text, such as
 * libcrypto's AES tables, differs from objdump in the data only: there the sweep marks the
 * sites it finds unsure and leaves them.)
 */
#include <check.h>

#include <linux_rt/scan.h>

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>

static uint32_t len_of(const uint8_t *b, uint64_t n)
{
    struct lnx_insn in;
    return lnx_insn_decode(b, n, &in);
}

TEST_CASE(lengths)
{
    static const struct {
        uint8_t b[15];
        uint32_t n, len;
    } rows[] = {
        {{0x0f, 0x05}, 2, 2},                           /* syscall */
        {{0xc3}, 1, 1},                                 /* ret */
        {{0xb8, 1, 0, 0, 0}, 5, 5},                     /* mov $1, %eax */
        {{0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 10, 10}, /* movabs */
        {{0x66, 0xb8, 1, 0}, 4, 4},                     /* mov $1, %ax */
        {{0x48, 0x89, 0x44, 0x24, 0xf8}, 5, 5},         /* mov %rax,-8(%rsp) */
        {{0x48, 0x8b, 0x05, 1, 2, 3, 4}, 7, 7},         /* mov x(%rip),%rax */
        {{0x48, 0x81, 0xec, 0x88, 0, 0, 0}, 7, 7},      /* sub $0x88,%rsp */
        {{0xf6, 0x07, 0x01}, 3, 3},                     /* testb $1,(%rdi) */
        {{0xf6, 0x17}, 2, 2},                           /* notb (%rdi) */
        {{0xf7, 0xc0, 1, 0, 0, 0}, 6, 6},               /* test $1,%eax */
        {{0x66, 0x0f, 0x1f, 0x44, 0, 0}, 6, 6},         /* nopw 0(%rax,%rax) */
        {{0xf3, 0x0f, 0x1e, 0xfa}, 4, 4},               /* endbr64 */
        {{0x0f, 0x84, 1, 2, 3, 4}, 6, 6},               /* je rel32 */
        {{0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08}, 6, 6},   /* palignr */
        {{0xc5, 0xf9, 0x6f, 0x06}, 4, 4},               /* vmovdqa (%rsi),%xmm0 */
        {{0xc4, 0xe3, 0x7d, 0x18, 0xc1, 0x01}, 6, 6},   /* vinsertf128 */
        {{0xc5, 0xf8, 0x77}, 3, 3},                     /* vzeroupper */
        {{0x62, 0xf1, 0x7e, 0x48, 0x6f, 0x06}, 6, 6},   /* vmovdqu32 (%rsi),%zmm0 */
        {{0xc8, 0x10, 0, 0}, 4, 4},                     /* enter */
        {{0xa1, 1, 2, 3, 4, 5, 6, 7, 8}, 9, 9},         /* movabs moffs,%eax */
        {{0x06}, 1, 0},                                 /* push %es: not in 64-bit */
        {{0x0f, 0x05}, 1, 0},                           /* cut short */
        {{0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90},
         15,
         0}, /* 14 prefixes: too long for this decoder */
    };
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_MSG(len_of(rows[i].b, rows[i].n) == rows[i].len, "row %u: %u, want %u", i,
                  len_of(rows[i].b, rows[i].n), rows[i].len);
}

static uint64_t seen[8];
static int nseen, verdict_of[8];

static void record(void *ctx, uint64_t off, int verdict)
{
    (void)ctx;
    if (nseen < 8) {
        seen[nseen] = off;
        verdict_of[nseen++] = verdict;
    }
}

static int scan1(const uint8_t *b, uint64_t n)
{
    struct lnx_scan_stats st = {{0}, 0};
    nseen = 0;
    lnx_scan(b, n, record, NULL, &st);
    return nseen == 1 ? verdict_of[0] : -1;
}

TEST_CASE(verdicts)
{
    /* mov $39,%eax; syscall; ret */
    const uint8_t plain[] = {0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xc3};
    CHECK_EQ(scan1(plain, sizeof plain), LNX_SITE_REWRITE);
    CHECK_EQ(seen[0], 5);
    /* mov %rdi,-8(%rsp); syscall; mov -8(%rsp),%rdi; ret: a live red-zone word */
    const uint8_t red[] = {0x48, 0x89, 0x7c, 0x24, 0xf8, 0x0f, 0x05,
                           0x48, 0x8b, 0x7c, 0x24, 0xf8, 0xc3};
    CHECK_EQ(scan1(red, sizeof red), LNX_SITE_REDZONE);
    /* the same after a ret: another stretch, rewritten */
    const uint8_t apart[] = {0x48, 0x89, 0x7c, 0x24, 0xf8, 0xc3, 0x0f, 0x05, 0xc3};
    CHECK_EQ(scan1(apart, sizeof apart), LNX_SITE_REWRITE);
    /* push %rbp; mov %rsp,%rbp; mov %edi,-4(%rbp); syscall; pop %rbp; ret: a frame-pointer leaf */
    const uint8_t fp[] = {0x55, 0x48, 0x89, 0xe5, 0x89, 0x7d, 0xfc, 0x0f, 0x05, 0x5d, 0xc3};
    CHECK_EQ(scan1(fp, sizeof fp), LNX_SITE_REDZONE);
    /* ... with sub $16,%rsp first: its locals are above rsp */
    const uint8_t fp2[] = {0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x10,
                           0x89, 0x7d, 0xfc, 0x0f, 0x05, 0xc9, 0xc3};
    CHECK_EQ(scan1(fp2, sizeof fp2), LNX_SITE_REWRITE);
    /* an undecodable byte before it in the stretch */
    const uint8_t bad[] = {0x06, 0x0f, 0x05, 0xc3};
    CHECK_EQ(scan1(bad, sizeof bad), LNX_SITE_UNSURE);
    /* rex.W syscall: 3 bytes, left alone */
    const uint8_t pre[] = {0x48, 0x0f, 0x05, 0xc3};
    CHECK_EQ(scan1(pre, sizeof pre), LNX_SITE_PREFIXED);
    CHECK_EQ(seen[0], 1);
    /* 0f 05 inside an instruction is no site: mov $0x050f,%eax */
    const uint8_t inside[] = {0xb8, 0x0f, 0x05, 0, 0, 0xc3};
    CHECK_EQ(scan1(inside, sizeof inside), -1);
    CHECK_EQ(nseen, 0);
}

TEST_CASE(segment_in_mapping)
{
    uint64_t n = 0;
    /* glibc's libc.so.6 as ld.so maps it: text at file 0x28000, 0x160000 bytes, its own mapping */
    CHECK_EQ(lnx_seg_range(0x28000, 0x161000, 0x28000, 0x160000, &n), 0);
    CHECK_EQ(n, 0x160000);
    /* one mapping over the whole span from offset 0 (text not page-aligned in the file) */
    CHECK_EQ(lnx_seg_range(0, 0x200000, 0x1040, 0x1000, &n), 0x1040);
    CHECK_EQ(n, 0x1000);
    /* the segment runs past the mapping's end: up to it */
    CHECK_EQ(lnx_seg_range(0x1000, 0x2000, 0x1800, 0x5000, &n), 0x800);
    CHECK_EQ(n, 0x1800);
    /* a mapping starting past the segment's first byte (MAP_FIXED over its middle): unsure */
    CHECK_EQ(lnx_seg_range(0x2000, 0x1000, 0x1040, 0x3000, &n), -1);
    /* the segment wholly before or after the mapping, or empty */
    CHECK_EQ(lnx_seg_range(0x2000, 0x1000, 0x3000, 0x100, &n), -1);
    CHECK_EQ(lnx_seg_range(0x2000, 0x1000, 0x100, 0x100, &n), -1);
    CHECK_EQ(lnx_seg_range(0x2000, 0x1000, 0x2000, 0, &n), -1);
}

/* --- against objdump ------------------------------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

/* objdump's instruction addresses (starts[]) and syscall addresses (calls[]), sorted as it
 * prints them (ascending within each section; sections ascending in these files). */
struct dump {
    uint64_t *starts, *calls;
    size_t nstarts, ncalls;
};

static void objdump(const char *path, struct dump *d)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "objdump -d -w --no-show-raw-insn '%s'", path);
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 16;
    d->starts = malloc(cap * sizeof *d->starts);
    d->calls = malloc(65536 * sizeof *d->calls);
    d->nstarts = d->ncalls = 0;
    char line[4096];
    while (p && fgets(line, sizeof line, p)) {
        unsigned long a;
        int used = 0;
        if (sscanf(line, " %lx:%n", &a, &used) != 1 || used == 0 || line[used] != '\t')
            continue;
        if (d->nstarts == cap)
            d->starts = realloc(d->starts, (cap *= 2) * sizeof *d->starts);
        d->starts[d->nstarts++] = a;
        const char *m = line + used + 1;
        while (*m == ' ')
            m++;
        if (strncmp(m, "syscall", 7) == 0 && (m[7] == '\n' || m[7] == ' ') && d->ncalls < 65536)
            d->calls[d->ncalls++] = a;
    }
    if (p)
        pclose(p);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int has(const uint64_t *v, size_t n, uint64_t x)
{
    return bsearch(&x, v, n, sizeof x, cmp_u64) != NULL;
}

struct found {
    uint64_t base;
    uint64_t at[65536];
    int verdict[65536];
    size_t n;
};

static void found_site(void *ctx, uint64_t off, int verdict)
{
    struct found *f = ctx;
    if (f->n < 65536) {
        f->at[f->n] = f->base + off;
        f->verdict[f->n++] = verdict;
    }
}

static void against_objdump(const char *path)
{
    size_t size;
    uint8_t *elf = read_file(path, &size);
    CHECK_MSG(elf != NULL, "%s: cannot read", path);
    if (!elf)
        return;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;
    struct dump d;
    objdump(path, &d);
    qsort(d.starts, d.nstarts, sizeof *d.starts, cmp_u64);
    qsort(d.calls, d.ncalls, sizeof *d.calls, cmp_u64);
    /* Boundaries: each executable section decoded from its start, as objdump does. */
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(elf + eh->e_shoff);
    size_t ours = 0, differ = 0;
    for (int i = 0; i < eh->e_shnum; i++) {
        if (!(sh[i].sh_flags & SHF_EXECINSTR) || sh[i].sh_type != SHT_PROGBITS)
            continue;
        for (uint64_t off = 0; off < sh[i].sh_size;) {
            struct lnx_insn in;
            uint32_t len = lnx_insn_decode(elf + sh[i].sh_offset + off, sh[i].sh_size - off, &in);
            if (!has(d.starts, d.nstarts, sh[i].sh_addr + off) && differ++ < 5)
                fprintf(stderr, "%s: 0x%lx: a boundary objdump does not have\n", path,
                        (unsigned long)(sh[i].sh_addr + off));
            ours++;
            off += len ? len : 1;
        }
    }
    CHECK_MSG(differ == 0, "%s: %zu of %zu boundaries differ from objdump's", path, differ, ours);
    CHECK_MSG(ours == d.nstarts, "%s: %zu instructions, objdump %zu", path, ours, d.nstarts);
    /* Sites: over each executable PT_LOAD, as the runtime sweeps. */
    static struct found f;
    f.n = 0;
    struct lnx_scan_stats st = {{0}, 0};
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(elf + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X))
            continue;
        f.base = ph[i].p_vaddr;
        lnx_scan(elf + ph[i].p_offset, ph[i].p_filesz, found_site, &f, &st);
    }
    /* No site rewritten that objdump does not decode as a syscall; none of its missed. */
    size_t wrong = 0, missed = 0;
    for (size_t k = 0; k < f.n; k++)
        if (f.verdict[k] == LNX_SITE_REWRITE && !has(d.calls, d.ncalls, f.at[k]) && wrong++ < 5)
            fprintf(stderr, "%s: 0x%lx: rewritten, not a syscall to objdump\n", path,
                    (unsigned long)f.at[k]);
    qsort(f.at, f.n, sizeof f.at[0], cmp_u64);
    for (size_t k = 0; k < d.ncalls; k++)
        if (!has(f.at, f.n, d.calls[k]) && missed++ < 5)
            fprintf(stderr, "%s: 0x%lx: objdump's syscall not found\n", path,
                    (unsigned long)d.calls[k]);
    CHECK_MSG(wrong == 0, "%s: %zu sites rewritten that objdump does not have", path, wrong);
    CHECK_MSG(missed == 0, "%s: %zu of objdump's sites not found", path, missed);
    printf("%s: %zu instructions as objdump; %zu syscall sites: %u rewritten, %u red zone, %u "
           "unsure, %u prefixed; %u undecodable bytes\n",
           path, ours, f.n, st.sites[LNX_SITE_REWRITE], st.sites[LNX_SITE_REDZONE],
           st.sites[LNX_SITE_UNSURE], st.sites[LNX_SITE_PREFIXED], st.bad);
    free(d.starts);
    free(d.calls);
    free(elf);
}

TEST_CASE(binaries_against_objdump)
{
    CHECK_MSG(check_argc > 1, "no binaries named");
    for (int i = 1; i < check_argc; i++)
        against_objdump(check_argv[i]);
}
