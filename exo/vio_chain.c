/*
 * vio_chain.c: the device types exo hands out and the request shape of their queues (see
 * vio_chain.h). A device that meets a chain against its spec may mark itself broken (QEMU
 * does: "virtio-blk missing headers", "Incorrect order for descriptors"), and every other
 * env's queue on it stalls: so exo refuses such a chain before the device sees it.
 */
#include <exo/abi.h>
#include <exo/vio_chain.h>

#include <common/virtio.h>

#define NET_HDR 12      /* struct virtio_net_hdr with VERSION_1 (num_buffers included) */
#define NET_HDR_HASH 20 /* ... with HASH_REPORT: hash_value, hash_report, padding */
#define NET_CTRL_OUT 2  /* class, command */
#define BLK_HDR 16      /* type, reserved, sector */
#define CONSOLE_CTRL 8  /* struct virtio_console_control: id, event, value */

int vio_type_handed_out(uint16_t type)
{
    return type == VIRTIO_ID_NET || type == VIRTIO_ID_BLK || type == VIRTIO_ID_CONSOLE ||
           type == VIRTIO_ID_RNG;
}

static const struct vio_chain_rule closed = {.no_out = 1, .no_in = 1};

/* receiveq 2k (device-writable, header first), transmitq 2k+1 (device-readable, header
 * first), controlq 2N (command readable, ack byte writable); nothing beyond. */
static struct vio_chain_rule net_rule(uint16_t queue, uint64_t accepted, uint16_t pairs)
{
    uint32_t hdr = accepted & VIRTIO_BIT(VIRTIO_NET_F_HASH_REPORT) ? NET_HDR_HASH : NET_HDR;
    if (queue == 2u * pairs)
        return (struct vio_chain_rule){.min_out = NET_CTRL_OUT, .min_in = 1};
    if (queue > 2u * pairs)
        return closed;
    if (queue % 2 == 0)
        return (struct vio_chain_rule){.min_in = hdr, .no_out = 1};
    return (struct vio_chain_rule){.min_out = hdr, .no_in = 1};
}

/* Even queues carry what the device sends (receiveq, control receiveq), odd ones what it is
 * sent; queues 2 and 3 (MULTIPORT's control queues) carry whole control messages. */
static struct vio_chain_rule console_rule(uint16_t queue)
{
    uint32_t min = queue == 2 || queue == 3 ? CONSOLE_CTRL : 0;
    if (queue % 2 == 0)
        return (struct vio_chain_rule){.min_in = min, .no_out = 1};
    return (struct vio_chain_rule){.min_out = min, .no_in = 1};
}

struct vio_chain_rule vio_chain_rule(uint16_t type, uint16_t queue, uint64_t accepted,
                                     uint16_t net_pairs)
{
    switch (type) {
    case VIRTIO_ID_BLK: /* header readable; the status byte, written, last */
        return (struct vio_chain_rule){.min_out = BLK_HDR, .min_in = 1};
    case VIRTIO_ID_NET:
        return net_rule(queue, accepted, net_pairs ? net_pairs : 1);
    case VIRTIO_ID_CONSOLE:
        return console_rule(queue);
    case VIRTIO_ID_RNG: /* requestq: buffers the device fills */
        return queue == 0 ? (struct vio_chain_rule){.no_out = 1} : closed;
    default:
        return closed;
    }
}

int vio_chain_add(struct vio_chain_tally *t, uint16_t flags, uint32_t len)
{
    if (flags & EXO_VQ_F_WRITE) {
        t->in += len;
        return EXO_OK;
    }
    if (t->in)
        return EXO_E_INVAL; /* readable after writable */
    t->out += len;
    return EXO_OK;
}

int vio_chain_fits(const struct vio_chain_rule *r, const struct vio_chain_tally *t)
{
    if ((r->no_out && t->out) || (r->no_in && t->in) || t->out < r->min_out || t->in < r->min_in)
        return EXO_E_INVAL;
    return EXO_OK;
}
