/*
 * test_psf.c: PSF font parsing (exo/psf.c): a real Debian console font when the test is given
 * one, and synthetic PSF1/PSF2 headers, well-formed and corrupt.
 */
#include <check.h>

#include <exo/error.h>
#include <exo/psf.h>

#include <stdint.h>
#include <stdlib.h>

static uint8_t font[32 + 512 * 16];

TEST_CASE(psf1)
{
    struct exo_psf f;
    uint8_t hdr[4] = {0x36, 0x04, 0x00, 16};
    memcpy(font, hdr, 4);
    font[4 + 'A' * 16] = 0x18;
    CHECK_EQ(exo_psf_parse(font, 4 + 256 * 16, &f), EXO_OK);
    CHECK_EQ(f.nglyphs, 256);
    CHECK_EQ(f.width, 8);
    CHECK_EQ(f.height, 16);
    CHECK_EQ(exo_psf_glyph(&f, 'A')[0], 0x18);
    CHECK_EQ(exo_psf_glyph(&f, 300) - f.glyphs, '?' * 16);          /* past the end: '?' */
    CHECK_EQ(exo_psf_parse(font, 4 + 255 * 16, &f), EXO_E_CORRUPT); /* truncated */
    font[2] = 0x01; /* 512 glyphs claimed, 256 present */
    CHECK_EQ(exo_psf_parse(font, 4 + 256 * 16, &f), EXO_E_CORRUPT);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

TEST_CASE(psf2)
{
    struct exo_psf f;
    memset(font, 0, sizeof font);
    put32(font, 0x864ab572);
    put32(font + 8, 32);      /* header size */
    put32(font + 16, 256);    /* glyphs */
    put32(font + 20, 2 * 20); /* bytes per glyph: 10 px wide -> 2 bytes a row */
    put32(font + 24, 20);
    put32(font + 28, 10);
    CHECK_EQ(exo_psf_parse(font, sizeof font, &f), EXO_E_CORRUPT); /* 256 glyphs do not fit */
    put32(font + 16, 128);
    CHECK_EQ(exo_psf_parse(font, sizeof font, &f), EXO_OK);
    CHECK_EQ(f.width, 10);
    CHECK_EQ(f.glyphs - font, 32);
    put32(font + 20, 39); /* inconsistent with width x height */
    CHECK_EQ(exo_psf_parse(font, sizeof font, &f), EXO_E_CORRUPT);
    CHECK_EQ(exo_psf_parse("hello", 5, &f), EXO_E_INVAL);
}

/* The font the image ships (the program's argument), if the build handed one over. */
TEST_CASE(real_font)
{
    static uint8_t buf[1 << 16];
    struct exo_psf f;
    if (check_argc < 2)
        return;
    FILE *fp = fopen(check_argv[1], "rb");
    CHECK_EQ(fp != NULL, 1);
    if (!fp)
        return;
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    CHECK_EQ(exo_psf_parse(buf, n, &f), EXO_OK);
    CHECK_EQ(f.width, 8);
    CHECK_EQ(f.height, 16);
}
