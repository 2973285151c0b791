/*
 * test_cmdline.c: host unit test of efi/cmdline.c (LoadOptions and fw_cfg/file normalization).
 */
#include "cmdline.h"

#include <check.h>

static void check(const char *name, const char *got, size_t got_len, const char *want)
{
    CHECK_MSG(strcmp(got, want) == 0 && got_len == strlen(want),
              "%s: got \"%s\" (len %zu), want \"%s\"", name, got, got_len, want);
}

/* ASCII -> UCS-2 with the terminating NUL, as firmware passes LoadOptions. */
static size_t ucs2(uint16_t *dst, const char *src)
{
    size_t i = 0;
    do
        dst[i] = (unsigned char)src[i];
    while (src[i++]);
    return i * 2;
}

static void ucs2_case(const char *name, const char *in, size_t cap, const char *want)
{
    uint16_t buf[256];
    char out[256];
    size_t bytes = ucs2(buf, in);
    size_t n = ldr_cmdline_from_ucs2(buf, bytes, out, cap);
    check(name, out, n, want);
}

static void bytes_case(const char *name, const char *in, size_t len, size_t cap, const char *want)
{
    char out[256];
    size_t n = ldr_cmdline_from_bytes(in, len, out, cap);
    check(name, out, n, want);
}

TEST_CASE(load_options)
{
    ucs2_case("plain", "console=serial quiet", 256, "console=serial quiet");
    ucs2_case("shell argv0 dropped", "\\EFI\\BOOT\\BOOTX64.EFI init=/bin/sh ", 256, "init=/bin/sh");
    ucs2_case("shell argv0 only", "bootx64.efi", 256, "");
    ucs2_case("not an efi argv0", "bootx64.elf x", 256, "bootx64.elf x");
    ucs2_case("blank", "  \t ", 256, "");
    ucs2_case("empty", "", 256, "");
    ucs2_case("truncated", "abcdefgh", 5, "abcd");
    ucs2_case("tabs to spaces", "a\tb", 256, "a b");
}

/* Binary LoadOptions (OVMF puts a 16-byte GUID on auto-created boot options). */
TEST_CASE(binary_load_options)
{
    const uint8_t guid[16] = {0x21, 0xaa, 0x2c, 0x46, 0x14, 0x76, 0x03, 0x45,
                              0x83, 0x6e, 0x8a, 0xb6, 0xf4, 0x66, 0x23, 0x31};
    uint16_t gbuf[8];
    memcpy(gbuf, guid, sizeof(guid));
    char out[256] = "junk";
    check("binary GUID refused", out, ldr_cmdline_from_ucs2(gbuf, sizeof(gbuf), out, 256), "");
    uint16_t nonascii[] = {'a', 0x00e9, 'b', 0};
    check("non-ASCII refused", out, ldr_cmdline_from_ucs2(nonascii, sizeof(nonascii), out, 256),
          "");
    check("NULL refused", out, ldr_cmdline_from_ucs2(NULL, 10, out, 256), "");
    uint16_t unterminated[] = {'h', 'i'};
    check("no NUL needed", out, ldr_cmdline_from_ucs2(unterminated, sizeof(unterminated), out, 256),
          "hi");
}

/* fw_cfg and \\tessera\\cmdline.txt contents. */
TEST_CASE(file_and_fw_cfg_bytes)
{
    bytes_case("file with newline", "hello world\n", 12, 256, "hello world");
    bytes_case("file CRLF", "hello\r\n\r\n", 9, 256, "hello");
    bytes_case("inner newline", "a\nb\n", 4, 256, "a b");
    bytes_case("stops at NUL", "abc\0def", 7, 256, "abc");
    bytes_case("length bound", "abcdef", 3, 256, "abc");
    bytes_case("truncate then trim", "abc   def", 9, 6, "abc");
    bytes_case("blank file", "\n\n", 2, 256, "");
    bytes_case("fw_cfg string", "hello", 5, 256, "hello");
}
