/*
 * psf.c: reading PSF1/PSF2 fonts (see psf.h). Pure code, bounds-checked.
 */
#include <exo/error.h>
#include <exo/psf.h>

#define PSF1_MODE512 0x01

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

int exo_psf_parse(const void *data, uint64_t len, struct exo_psf *f)
{
    const uint8_t *b = data;
    uint64_t hdr;
    if (len >= 4 && b[0] == 0x36 && b[1] == 0x04) { /* PSF1: 8 pixels wide, 4-byte header */
        hdr = 4;
        f->nglyphs = b[2] & PSF1_MODE512 ? 512 : 256;
        f->bytes_per_glyph = f->height = b[3];
        f->width = 8;
    } else if (len >= 32 && le32(b) == 0x864ab572) { /* PSF2 */
        hdr = le32(b + 8);
        f->nglyphs = le32(b + 16);
        f->bytes_per_glyph = le32(b + 20);
        f->height = le32(b + 24);
        f->width = le32(b + 28);
    } else {
        return EXO_E_INVAL;
    }
    if (f->width == 0 || f->width > 32 || f->height == 0 || f->height > 64 ||
        f->bytes_per_glyph != (f->width + 7) / 8 * f->height || f->nglyphs == 0 ||
        f->nglyphs > 65536 || hdr > len || (uint64_t)f->nglyphs * f->bytes_per_glyph > len - hdr)
        return EXO_E_CORRUPT;
    f->glyphs = b + hdr;
    return EXO_OK;
}

const uint8_t *exo_psf_glyph(const struct exo_psf *f, unsigned c)
{
    if (c >= f->nglyphs)
        c = '?' < f->nglyphs ? '?' : 0;
    return f->glyphs + (uint64_t)c * f->bytes_per_glyph;
}
