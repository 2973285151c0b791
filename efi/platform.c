/*
 * platform.c: machine facts the firmware hands over: the GOP framebuffer and the ACPI RSDP.
 */
#include "ldr.h"

#include <exo/bootinfo.h>

static int guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (unsigned i = 0; i < sizeof(EFI_GUID); i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

void ldr_find_framebuffer(struct exo_bootinfo *bi)
{
    EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
    bi->fb_format = EXO_FB_NONE;
    if (EFI_ERROR(ldr_bs->LocateProtocol(&gop_guid, NULL, (void **)&gop)) || !gop || !gop->Mode ||
        !gop->Mode->Info)
        return;
    const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
    switch (info->PixelFormat) {
    case PixelRedGreenBlueReserved8BitPerColor:
        bi->fb_format = EXO_FB_RGBX;
        break;
    case PixelBlueGreenRedReserved8BitPerColor:
        bi->fb_format = EXO_FB_BGRX;
        break;
    default: /* bit masks or BltOnly: no linear 32-bit framebuffer we understand */
        return;
    }
    bi->fb_phys = gop->Mode->FrameBufferBase;
    bi->fb_size = gop->Mode->FrameBufferSize;
    bi->fb_width = info->HorizontalResolution;
    bi->fb_height = info->VerticalResolution;
    bi->fb_stride = info->PixelsPerScanLine;
}

uint64_t ldr_find_rsdp(void)
{
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
    EFI_GUID acpi10 = ACPI_TABLE_GUID;
    uint64_t v1 = 0;
    for (UINTN i = 0; i < ldr_st->NumberOfTableEntries; i++) {
        const EFI_CONFIGURATION_TABLE *t = &ldr_st->ConfigurationTable[i];
        if (guid_eq(&t->VendorGuid, &acpi20))
            return (uint64_t)(uintptr_t)t->VendorTable;
        if (guid_eq(&t->VendorGuid, &acpi10) && !v1)
            v1 = (uint64_t)(uintptr_t)t->VendorTable;
    }
    return v1;
}
