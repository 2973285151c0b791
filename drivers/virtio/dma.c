/*
 * dma.c: DMA pages and queue addresses for the drivers (see dma.h). Bump allocators: an env
 * makes few devices' worth of buffers, so addresses are never reused and no table is kept.
 */
#include "dma.h"

#include <exo/abi.h>

static uint64_t dma_next = VIO_DMA_VA;
static uint64_t vq_next = VIO_VQ_VA;

int vio_dma_page(void **va, uint64_t *pa)
{
    int64_t ppn = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    if (ppn < 0)
        return (int)ppn;
    uint64_t at = dma_next;
    int64_t r = exo_page_map(EXO_CAP_SELF, at, (uint64_t)ppn, EXO_PROT_R | EXO_PROT_W);
    if (r < 0) {
        exo_page_free(EXO_CAP_SELF, (uint64_t)ppn);
        return (int)r;
    }
    dma_next += EXO_PAGE;
    *va = (void *)at;
    *pa = (uint64_t)ppn << EXO_PAGE_SHIFT;
    return 0;
}

int vio_dma_alloc(struct vio_dma *d)
{
    return vio_dma_page(&d->va, &d->pa);
}

void vio_dma_free(struct vio_dma *d)
{
    if (!d->va)
        return;
    exo_page_unmap(EXO_CAP_SELF, (uint64_t)d->va);
    exo_page_free(EXO_CAP_SELF, d->pa >> EXO_PAGE_SHIFT);
    d->va = 0;
    d->pa = 0;
}

uint64_t vio_vq_va_next(void)
{
    uint64_t va = vq_next;
    vq_next += VIO_VQ_STRIDE;
    return va;
}
