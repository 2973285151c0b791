/*
 * mem.c: the library's allocator. Objects of up to a page come from size classes (32 bytes to
 * 2 KiB, powers of two) carved from pages the embedder's fs_page_alloc gives; a page-sized
 * object is a page of its own. Freed objects go back on their class's list (pages are kept,
 * except whole-page objects, which go back to the embedder). Everything handed out is zeroed.
 */
#include "internal.h"

#define NCLASS 7 /* 32 .. 2048 */

static void *free_list[NCLASS];
static uint64_t pages_held;

static int class_of(size_t n)
{
    int c = 0;
    size_t sz = 32;
    while (sz < n) {
        sz <<= 1;
        c++;
    }
    return c;
}

void *fs_alloc(size_t n)
{
    if (n == 0 || n > FS_PAGE)
        return NULL;
    if (n > 2048) {
        void *pg = fs_page_alloc();
        if (pg)
            pages_held++;
        return pg;
    }
    int c = class_of(n);
    size_t sz = (size_t)32 << c;
    if (!free_list[c]) {
        uint8_t *pg = fs_page_alloc();
        if (!pg)
            return NULL;
        pages_held++;
        for (size_t off = 0; off < FS_PAGE; off += sz) {
            *(void **)(pg + off) = free_list[c];
            free_list[c] = pg + off;
        }
    }
    void *obj = free_list[c];
    free_list[c] = *(void **)obj;
    fs_memset(obj, 0, sz);
    return obj;
}

void fs_free(void *obj, size_t n)
{
    if (!obj)
        return;
    if (n > 2048) {
        fs_page_free(obj);
        pages_held--;
        return;
    }
    int c = class_of(n);
    *(void **)obj = free_list[c];
    free_list[c] = obj;
}

int (*fs_data_room)(void);

void *fs_alloc_data(void)
{
    if (fs_data_room && !fs_data_room())
        return NULL; /* the file system is full: ENOSPC, while the rest still has memory */
    return fs_alloc(FS_PAGE);
}

/* File data pages go through here too, so the count covers all the library holds. */
uint64_t fs_mem_pages(void)
{
    return pages_held;
}
