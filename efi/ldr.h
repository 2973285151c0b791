/*
 * ldr.h: what the loader's EFI-facing files (console.c, file.c, platform.c, loader.c) share.
 *
 * Built with GNU_EFI_USE_MS_ABI, so firmware calls are plain, type-checked calls through the
 * EFIAPI (ms_abi) function pointers; efi_main itself is called SysV by gnu-efi's crt0.
 */
#ifndef EFI_LDR_H
#define EFI_LDR_H

#include <efi.h>
#include <stdint.h>

#define LDR_PREFIX "tessera-efi: "

extern EFI_SYSTEM_TABLE *ldr_st;
extern EFI_BOOT_SERVICES *ldr_bs;

/* console.c: ConOut output (OVMF mirrors it to the serial port) and fatal errors. */
void ldr_console_init(EFI_SYSTEM_TABLE *st);
/* printf subset: %s %c %d %u %x %p with l/ll/z; '\n' becomes CR LF. */
void ldr_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "tessera-efi: error: <message>", waits ~1 s and powers the machine off. */
__attribute__((noreturn, format(printf, 1, 2))) void ldr_fail(const char *fmt, ...);
/* Same, once ExitBootServices has been called: raw COM1 output, no boot services at all. */
__attribute__((noreturn)) void ldr_fail_late(const char *msg);
/* "EFI_NOT_FOUND" etc. for the common codes, else "EFI status 0x...". */
const char *ldr_status_str(EFI_STATUS status);

/* file.c: the ESP the loader came from. */
#define LDR_KERNEL_PATH "\\tessera\\exo.elf"
#define LDR_ARCHIVE_PATH "\\tessera\\boot.cpio"
#define LDR_CMDLINE_PATH "\\tessera\\cmdline.txt"
/* Opens the root directory of the volume ImageHandle was loaded from. */
EFI_STATUS ldr_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *root);
/* Reads a whole file (ASCII path) into fresh EfiLoaderData pages. EFI_NOT_FOUND if absent.
 * An empty file gives *phys = 0, *size = 0. */
EFI_STATUS ldr_read_file(EFI_FILE_HANDLE root, const char *path, uint64_t *phys, uint64_t *size);
/* AllocatePages(AllocateAnyPages, EfiLoaderData) or ldr_fail() naming what it was for. */
uint64_t ldr_alloc_pages(uint64_t pages, const char *what);

/* platform.c: what the firmware knows about the machine. */
struct exo_bootinfo;
void ldr_find_framebuffer(struct exo_bootinfo *bi);
uint64_t ldr_find_rsdp(void);

static inline uint64_t ldr_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

#endif
