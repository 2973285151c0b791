/*
 * file.c: reading whole files from the ESP the loader was started from, into loader pages.
 *
 * Files stay in EfiLoaderData pages for good: exo reads the kernel ELF's symbols and the boot
 * archive from them after ExitBootServices.
 */
#include "ldr.h"

#define PATH_MAX_CHARS 64

EFI_STATUS ldr_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *root)
{
    EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
    EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
    EFI_LOADED_IMAGE *li;
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;

    EFI_STATUS s = ldr_bs->HandleProtocol(image, &li_guid, (void **)&li);
    if (EFI_ERROR(s))
        return s;
    s = ldr_bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs);
    if (EFI_ERROR(s))
        return s;
    return fs->OpenVolume(fs, root);
}

uint64_t ldr_alloc_pages(uint64_t pages, const char *what)
{
    EFI_PHYSICAL_ADDRESS phys = 0;
    EFI_STATUS s = ldr_bs->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &phys);
    if (EFI_ERROR(s))
        ldr_fail("out of memory: %lu pages for %s (%s)", pages, what, ldr_status_str(s));
    return phys;
}

/* The file's size from EFI_FILE_INFO (a fixed header followed by the UCS-2 file name). */
static EFI_STATUS file_size(EFI_FILE_HANDLE f, uint64_t *size)
{
    EFI_GUID info_guid = EFI_FILE_INFO_ID;
    UINT64 buf[(SIZE_OF_EFI_FILE_INFO + 2 * 256) / sizeof(UINT64) + 1]; /* UINT64: alignment */
    UINTN len = sizeof(buf);
    EFI_STATUS s = f->GetInfo(f, &info_guid, &len, buf);
    if (EFI_ERROR(s))
        return s;
    *size = ((EFI_FILE_INFO *)buf)->FileSize;
    return EFI_SUCCESS;
}

EFI_STATUS ldr_read_file(EFI_FILE_HANDLE root, const char *path, uint64_t *phys, uint64_t *size)
{
    CHAR16 wpath[PATH_MAX_CHARS];
    unsigned i = 0;
    for (; path[i] && i < PATH_MAX_CHARS - 1; i++)
        wpath[i] = (CHAR16)path[i];
    wpath[i] = 0;

    *phys = 0;
    *size = 0;
    EFI_FILE_HANDLE f;
    EFI_STATUS s = root->Open(root, &f, wpath, EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(s))
        return s;
    uint64_t bytes = 0;
    s = file_size(f, &bytes);
    if (!EFI_ERROR(s) && bytes > 0) {
        uint64_t buf = ldr_alloc_pages(EFI_SIZE_TO_PAGES(bytes), path);
        uint64_t done = 0;
        while (!EFI_ERROR(s) && done < bytes) {
            UINTN n = bytes - done;
            s = f->Read(f, &n, (void *)(uintptr_t)(buf + done));
            if (!EFI_ERROR(s) && n == 0)
                s = EFI_END_OF_FILE; /* shorter than GetInfo said */
            done += n;
        }
        if (EFI_ERROR(s)) {
            ldr_bs->FreePages(buf, EFI_SIZE_TO_PAGES(bytes));
        } else {
            *phys = buf;
            *size = bytes;
        }
    }
    f->Close(f);
    return s;
}
