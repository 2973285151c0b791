/*
 * vio_nettx.c: exo's copy of each frame sent on a shared virtio-net transmit queue while packet
 * filters are on, and its check (see vio_nettx.h). Runs under the kernel lock, inside one
 * vio_kick.
 */
#include <exo/net.h>
#include <exo/page.h>
#include <exo/vio_nettx.h>
#include <exo/vm.h>

extern struct exo_pages exo_pages;

#define SLOTS_PER_PAGE (EXO_PAGE / VIO_NETTX_SLOT)

int vio_nettx_stage(struct vq *q, uint32_t env, uint16_t head, struct exo_vq_desc *chain,
                    uint16_t n)
{
    uint32_t total = 0, hdr = q->rule.net_tx;
    for (uint16_t k = 0; k < n; k++) {
        if (chain[k].len > VIO_NETTX_SLOT - total)
            return EXO_E_INVAL; /* no frame the filters pass is this long */
        total += chain[k].len;
    }
    if (head >= EXO_VQ_SIZE || total <= hdr)
        return EXO_E_INVAL; /* (never: the queue's rule asks for a header and a byte) */
    uint64_t *page = &q->txbuf[head / SLOTS_PER_PAGE];
    if (!*page && exo_page_alloc(&exo_pages, EXO_OWNER_KERNEL, page) < 0)
        return EXO_E_NOMEM; /* kept from here on, like the queue's other pages */
    uint64_t pa = (*page << EXO_PAGE_SHIFT) + (uint64_t)(head % SLOTS_PER_PAGE) * VIO_NETTX_SLOT;
    uint8_t *slot = phys_to_virt(pa);
    /* Read once: the env may rewrite its pages meanwhile; only this copy is checked and sent. */
    uint32_t off = 0;
    for (uint16_t k = 0; k < n; k++) {
        const volatile uint8_t *src = phys_to_virt(chain[k].addr);
        for (uint32_t i = 0; i < chain[k].len; i++)
            slot[off + i] = src[i];
        off += chain[k].len;
    }
    int r = net_tx_check(env, slot + hdr, total - hdr);
    if (r < 0)
        return r;
    chain[0] = (struct exo_vq_desc){.addr = pa, .len = total, .flags = 0, .next = 0};
    return EXO_OK;
}
