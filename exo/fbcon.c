/*
 * fbcon.c: a text console on the GOP framebuffer, drawn with a PSF font. When the cursor
 * passes the last row it wraps to the top and clears one row ahead, instead of scrolling:
 * moving megabytes of pixels per line is slow under TCG, and the serial console keeps the log.
 */
#include <exo/console.h>
#include <exo/error.h>
#include <exo/psf.h>
#include <exo/vm.h>

#define FG 0xc0c0c0u /* light grey */
#define BG 0x000000u

static struct {
    int up;
    volatile uint32_t *fb;
    uint32_t stride, cols, rows, col, row, fg;
    struct exo_psf font;
} con;

/* A 0xRRGGBB colour in the framebuffer's own byte order. */
static uint32_t pixel(uint32_t rgb, uint32_t format)
{
    if (format == EXO_FB_RGBX)
        return (rgb >> 16 & 0xff) | (rgb & 0xff00) | (rgb & 0xff) << 16;
    return rgb; /* BGRX: little-endian 0x00RRGGBB already is B, G, R, X in memory */
}

static void clear_row(uint32_t row)
{
    uint32_t y0 = row * con.font.height;
    for (uint32_t y = y0; y < y0 + con.font.height; y++)
        for (uint32_t x = 0; x < con.cols * con.font.width; x++)
            con.fb[y * con.stride + x] = BG;
}

static void draw(uint32_t col, uint32_t row, unsigned char c)
{
    const uint8_t *g = exo_psf_glyph(&con.font, c);
    uint32_t bpr = (con.font.width + 7) / 8;
    for (uint32_t y = 0; y < con.font.height; y++) {
        volatile uint32_t *line =
            con.fb + (row * con.font.height + y) * con.stride + col * con.font.width;
        for (uint32_t x = 0; x < con.font.width; x++)
            line[x] = g[y * bpr + x / 8] & (0x80 >> (x % 8)) ? con.fg : BG;
    }
}

static void newline(void)
{
    con.col = 0;
    con.row = (con.row + 1) % con.rows;
    clear_row(con.row);
}

int fbcon_init(const struct exo_bootinfo *bi, const void *font, size_t font_len)
{
    if (bi->fb_format == EXO_FB_NONE)
        return EXO_E_NOENT;
    int r = exo_psf_parse(font, font_len, &con.font);
    if (r < 0)
        return r;
    con.fb = phys_to_virt(bi->fb_phys);
    con.stride = bi->fb_stride;
    con.cols = bi->fb_width / con.font.width;
    con.rows = bi->fb_height / con.font.height;
    con.fg = pixel(FG, bi->fb_format);
    for (uint32_t row = 0; row < con.rows; row++)
        clear_row(row);
    con.up = 1;
    kprintf("exo: fbcon: %ux%u pixels, %ux%u cells, font %ux%u\n", bi->fb_width, bi->fb_height,
            con.cols, con.rows, con.font.width, con.font.height);
    return EXO_OK;
}

void fbcon_write(const char *s, size_t len)
{
    if (!con.up)
        return;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            newline();
        } else if (c == '\r') {
            con.col = 0;
        } else {
            draw(con.col, con.row, c);
            if (++con.col == con.cols)
                newline();
        }
    }
}
