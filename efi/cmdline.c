/*
 * cmdline.c: command line normalization (see cmdline.h).
 */
#include "cmdline.h"

static int is_space(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trims out[0..len) in place (leading and trailing whitespace), NUL-terminates, returns len. */
static size_t trim(char *out, size_t len)
{
    size_t start = 0;
    while (start < len && is_space((unsigned char)out[start]))
        start++;
    while (len > start && is_space((unsigned char)out[len - 1]))
        len--;
    for (size_t i = start; i < len; i++)
        out[i - start] = out[i];
    out[len - start] = '\0';
    return len - start;
}

static int ends_with_efi(const char *s, size_t len)
{
    if (len < 4 || s[len - 4] != '.')
        return 0;
    const char *ext = s + len - 3;
    return (ext[0] | 0x20) == 'e' && (ext[1] | 0x20) == 'f' && (ext[2] | 0x20) == 'i';
}

size_t ldr_cmdline_from_ucs2(const uint16_t *s, size_t bytes, char *out, size_t cap)
{
    size_t n = 0, chars = s ? bytes / 2 : 0;
    out[0] = '\0';
    for (size_t i = 0; i < chars && s[i] != 0; i++) {
        uint16_t c = s[i];
        if ((c < 0x20 || c > 0x7e) && !is_space(c)) {
            out[0] = '\0'; /* binary: not a command line */
            return 0;
        }
        if (n < cap - 1)
            out[n++] = is_space(c) ? ' ' : (char)c;
    }
    n = trim(out, n);

    /* Drop the shell's "\EFI\BOOT\BOOTX64.EFI" (or "bootx64.efi") first word. */
    size_t word = 0;
    while (word < n && out[word] != ' ')
        word++;
    if (!ends_with_efi(out, word))
        return n;
    for (size_t i = word; i <= n; i++) /* shift the rest, NUL included */
        out[i - word] = out[i];
    return trim(out, n - word);
}

size_t ldr_cmdline_from_bytes(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; s && i < len && s[i] != '\0' && n < cap - 1; i++) {
        unsigned char c = (unsigned char)s[i];
        out[n++] = (c < 0x20 || c > 0x7e) ? ' ' : (char)c;
    }
    return trim(out, n);
}
