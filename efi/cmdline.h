/*
 * cmdline.h: turning the raw kernel command line sources into the bootinfo string.
 *
 * Pure code (host tested by efi/tests/test_cmdline.c). Sources, in the loader's order:
 * LoadedImage->LoadOptions (UCS-2), QEMU fw_cfg "opt/tessera/cmdline" and \tessera\cmdline.txt
 * (both bytes). All results are NUL-terminated printable ASCII without surrounding whitespace.
 */
#ifndef EFI_CMDLINE_H
#define EFI_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

/* LoadOptions: accepted only if they are printable UCS-2 text (firmware boot entries carry
 * binary data there, e.g. a GUID). A leading "*.efi" word (the UEFI shell's argv[0]) is
 * dropped. Writes at most cap-1 characters plus NUL and returns the length; 0 means "not
 * usable, try the next source" (out is then ""). cap must be >= 1. */
size_t ldr_cmdline_from_ucs2(const uint16_t *s, size_t bytes, char *out, size_t cap);

/* fw_cfg or file contents: stops at the first NUL, maps control characters (newlines, tabs,
 * CR) to spaces, truncates to cap-1 and trims. Returns the length (0 if blank). */
size_t ldr_cmdline_from_bytes(const char *s, size_t len, char *out, size_t cap);

#endif
