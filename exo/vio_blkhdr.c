/*
 * vio_blkhdr.c: exo's own copy of each virtio-blk request header (see vio_blkhdr.h). Runs
 * under the kernel lock, inside one vio_kick: one staging table is enough.
 */
#include <exo/vio_blkhdr.h>
#include <exo/vm.h>

#include <common/string.h>

static uint8_t staged[EXO_VQ_SIZE][VIO_BLK_HDR]; /* by head: a kick stages each head once */

int vio_blkhdr_stage(const struct vio_chain_rule *r, const struct vio_chain_tally *t,
                     uint64_t hdr_page, uint16_t head, struct exo_vq_desc *first)
{
    if (!hdr_page || head >= EXO_VQ_SIZE || first->len != VIO_BLK_HDR)
        return EXO_E_INVAL; /* (no header page: never, vio_setup takes it with the rings) */
    /* Read once: the env may rewrite its page meanwhile; only this copy is checked and used. */
    const volatile uint8_t *src = phys_to_virt(first->addr);
    for (int i = 0; i < VIO_BLK_HDR; i++)
        staged[head][i] = src[i];
    uint32_t type = (uint32_t)staged[head][0] | (uint32_t)staged[head][1] << 8 |
                    (uint32_t)staged[head][2] << 16 | (uint32_t)staged[head][3] << 24;
    int err = vio_blk_hdr_ok(r, t, type);
    if (err < 0)
        return err;
    first->addr = (hdr_page << EXO_PAGE_SHIFT) + (uint64_t)head * VIO_BLK_HDR;
    return EXO_OK;
}

void vio_blkhdr_commit(uint64_t hdr_page, uint16_t head)
{
    memcpy((uint8_t *)phys_to_virt(hdr_page << EXO_PAGE_SHIFT) + head * VIO_BLK_HDR, staged[head],
           VIO_BLK_HDR);
}
