/*
 * vio_nettx.c: nf_send, the one way an env sends a frame while the packet filters are on
 * (docs/concepts/packet-filters.md). The frame is copied from the caller once, straight into
 * one of exo's transmit buffers (net_nic.c), and only that copy is checked and handed to the
 * device: the caller may rewrite its own memory at once, and the device sends what was
 * checked. Decode, then invoke: the length, the device, a free buffer, the caller's bytes and
 * the filters' verdict all pass before anything is queued; a refused frame leaves at most
 * bytes in a buffer nobody queued.
 */
#include <exo/net.h>
#include <exo/net_nic.h>
#include <exo/pmap.h>
#include <exo/syscall.h>

int64_t sys_nf_send(uint64_t frame_ptr, uint64_t len)
{
    struct env *self = caller();
    if (len == 0 || len > EXO_NF_SEND_MAX)
        return EXO_E_INVAL;
    uint8_t *frame;
    int slot = net_nic_tx_buffer(&frame); /* EXO_E_NOENT: filters off; EXO_E_AGAIN: full */
    if (slot < 0)
        return slot;
    int r = user_copy_from(self, frame, frame_ptr, len);
    if (r < 0 || (r = net_tx_check(self->id, frame, (uint32_t)len)) < 0)
        return r;
    net_nic_send(slot, (uint32_t)len);
    return EXO_OK;
}
