/*
 * psf.h: PC Screen Font (PSF1 and PSF2) bitmap fonts, as Debian's console fonts ship them. The
 * framebuffer console takes its glyphs from font.psf in the boot archive.
 */
#ifndef EXO_PSF_H
#define EXO_PSF_H

#include <stdint.h>

struct exo_psf {
    const uint8_t *glyphs; /* nglyphs * bytes_per_glyph, rows top to bottom, MSB = left */
    uint32_t nglyphs, bytes_per_glyph, width, height;
};

/* Parses a PSF1/PSF2 font; EXO_E_INVAL if neither magic matches, EXO_E_CORRUPT if sizes do
 * not fit the buffer. */
int exo_psf_parse(const void *data, uint64_t len, struct exo_psf *f);

/* Bitmap of glyph `c` (falls back to '?' past the end). */
const uint8_t *exo_psf_glyph(const struct exo_psf *f, unsigned c);

#endif
