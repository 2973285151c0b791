/*
 * dma.h: pages a device may read or write. A virtio descriptor names physical memory, and exo
 * lets a chain name only pages the submitter owns, so every buffer lives in a page this env
 * allocated itself: exo_page_alloc, mapped read-write at the next address of a private region.
 * A buffer never crosses a page (the next virtual page is not the next physical one), so a
 * request longer than a page takes one descriptor per page.
 *
 * Regions (virtual, in every env that links los_virtio):
 *   VIO_DMA_VA  .. +16 TiB   DMA pages, handed out in order, addresses never reused
 *   VIO_VQ_VA   .. +16 TiB   queue mappings, VIO_VQ_STRIDE apart (EXO_VQ_PAGES + a guard page)
 */
#ifndef VIRTIO_DMA_H
#define VIRTIO_DMA_H

#include <stdint.h>

#define VIO_DMA_VA 0x0000600000000000ull
#define VIO_VQ_VA 0x0000610000000000ull
#define VIO_VQ_STRIDE 0x4000ull

/* One DMA page: where this env sees it and where the device does. */
struct vio_dma {
    void *va;
    uint64_t pa;
};

/* A fresh page, mapped read-write: 0 and *va, *pa (its physical address, ppn << EXO_PAGE_SHIFT),
 * or an exo error (EXO_E_NOMEM...). */
int vio_dma_page(void **va, uint64_t *pa);

/* vio_dma_page into a struct vio_dma. */
int vio_dma_alloc(struct vio_dma *d);

/* Unmaps the page and gives it back to exo (its address is not reused). */
void vio_dma_free(struct vio_dma *d);

/* The next unused queue address in the VIO_VQ_VA region. */
uint64_t vio_vq_va_next(void);

#endif
