/*
 * test_ksym.c: symbol lookup in an ELF image (exo/ksym.c), run on this test program's own
 * executable, which carries a symbol table just as exo.elf does.
 */
#include <check.h>

#include <exo/error.h>
#include <exo/ksym.h>

#include <stdlib.h>

__attribute__((noinline)) int ksym_probe(int x)
{
    return x * 3 + 1;
}

TEST_CASE(own_executable)
{
    static uint8_t file[4 << 20];
    FILE *fp = fopen("/proc/self/exe", "rb");
    size_t n = fp ? fread(file, 1, sizeof file, fp) : 0;
    if (fp)
        fclose(fp);
    CHECK_EQ(n > 0 && n < sizeof file, 1);

    struct exo_ksyms k;
    CHECK_EQ(exo_ksyms_init(&k, file, n), EXO_OK);
    uint64_t probe = exo_ksyms_value(&k, "ksym_probe"), off = 99;
    CHECK_EQ(probe != 0, 1);
    CHECK_STR(exo_ksyms_lookup(&k, probe + 3, &off), "ksym_probe");
    CHECK_EQ(off, 3);
    CHECK_STR(exo_ksyms_lookup(&k, probe, &off), "ksym_probe");
    CHECK_EQ(off, 0);
    CHECK_EQ(exo_ksyms_value(&k, "no_such_symbol_here"), 0);

    CHECK_EQ(exo_ksyms_init(&k, file, 40), EXO_E_CORRUPT);   /* cut inside the ELF header */
    CHECK_EQ(exo_ksyms_init(&k, file, 4096), EXO_E_CORRUPT); /* section headers past the end */
    file[0] = 0;
    CHECK_EQ(exo_ksyms_init(&k, file, n), EXO_E_CORRUPT); /* not ELF */
    CHECK_EQ(ksym_probe(0), 1);
}
