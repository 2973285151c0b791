/*
 * test_archive.c: the cpio "newc" boot-archive reader (common/archive.c) on archives built here
 * byte by byte, well-formed and corrupt.
 */
#include <check.h>

#include <common/archive.h>
#include <exo/abi.h>

static char ar[1024];
static size_t len;

static void entry(const char *name, unsigned mode, const char *body)
{
    size_t nlen = strlen(name) + 1, blen = strlen(body);
    len += sprintf(ar + len, "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x", 1,
                   mode, 0, 0, 1, 0, blen, 0, 0, 0, 0, nlen, 0);
    memcpy(ar + len, name, nlen);
    len = (len + nlen + 3) & ~3ul;
    memcpy(ar + len, body, blen);
    len = (len + blen + 3) & ~3ul;
}

static void build(void)
{
    memset(ar, 0, sizeof ar);
    len = 0;
    entry("etc", 040755, "");
    entry("etc/version", 0100644, "0.1.0\n");
    entry("font.psf", 0100644, "FONTDATA");
    entry("TRAILER!!!", 0, "");
}

TEST_CASE(walks_every_entry)
{
    struct exo_archive_entry e;
    uint64_t off = 0;
    build();
    CHECK_EQ(exo_archive_next(ar, len, &off, &e), 1);
    CHECK_STR(e.name, "etc");
    CHECK_EQ(exo_archive_next(ar, len, &off, &e), 1);
    CHECK_STR(e.name, "etc/version");
    CHECK_EQ(e.size, 6);
    CHECK_EQ(memcmp(e.data, "0.1.0\n", 6), 0);
    CHECK_EQ(exo_archive_next(ar, len, &off, &e), 1);
    CHECK_EQ(exo_archive_next(ar, len, &off, &e), 0); /* trailer */
}

TEST_CASE(finds_regular_files_only)
{
    struct exo_archive_entry e;
    build();
    CHECK_EQ(exo_archive_find(ar, len, "font.psf", &e), EXO_OK);
    CHECK_EQ(memcmp(e.data, "FONTDATA", 8), 0);
    CHECK_EQ(exo_archive_find(ar, len, "etc", &e), EXO_E_NOENT); /* a directory, not a file */
    CHECK_EQ(exo_archive_find(ar, len, "missing", &e), EXO_E_NOENT);
}

/* Corruptions: each must be refused, never read out of bounds. */
TEST_CASE(refuses_corrupt_archives)
{
    struct exo_archive_entry e;
    build();
    CHECK_EQ(exo_archive_find(ar, 100, "font.psf", &e), EXO_E_CORRUPT); /* cut in a header */
    CHECK_EQ(exo_archive_find(ar, 0, "font.psf", &e), EXO_E_CORRUPT);
    build();
    ar[0] = '1'; /* bad magic */
    CHECK_EQ(exo_archive_find(ar, len, "font.psf", &e), EXO_E_CORRUPT);
    build();
    memcpy(ar + 6 + 8 * 6, "zzzzzzzz", 8); /* filesize not hex */
    CHECK_EQ(exo_archive_find(ar, len, "font.psf", &e), EXO_E_CORRUPT);
    build();
    memcpy(ar + 6 + 8 * 6, "7fffffff", 8); /* body larger than the archive */
    CHECK_EQ(exo_archive_find(ar, len, "font.psf", &e), EXO_E_CORRUPT);
    build();
    memcpy(ar + 6 + 8 * 11, "00000002", 8); /* name without its NUL */
    CHECK_EQ(exo_archive_find(ar, len, "font.psf", &e), EXO_E_CORRUPT);
    build();
    size_t cut = len - 120; /* archive ends before its trailer */
    uint64_t off = 0;
    int r;
    while ((r = exo_archive_next(ar, cut, &off, &e)) == 1)
        ;
    CHECK_EQ(r, EXO_E_CORRUPT);
}
