/*
 * fwcfg.h: reading a named file from QEMU's fw_cfg device (legacy x86 I/O ports 0x510/0x511).
 *
 * Used for the kernel command line (`-fw_cfg name=opt/tessera/cmdline,string=...`). Safe on
 * machines without fw_cfg: the signature check fails and nothing is found.
 */
#ifndef EFI_FWCFG_H
#define EFI_FWCFG_H

#include <stddef.h>
#include <stdint.h>

#define LDR_FWCFG_CMDLINE "opt/tessera/cmdline"

/* Reads up to cap bytes of fw_cfg file name into buf. Returns the number of bytes read,
 * EXO_E_NOENT if there is no fw_cfg device or no such file, or EXO_E_CORRUPT if its directory
 * is implausible. *full_size (if non-NULL) gets the file size. */
long ldr_fwcfg_read_file(const char *name, void *buf, size_t cap, uint32_t *full_size);

#endif
