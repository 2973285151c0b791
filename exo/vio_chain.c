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
#define BLK_SEG 16      /* struct virtio_blk_discard_write_zeroes */
#define CONSOLE_CTRL 8  /* struct virtio_console_control: id, event, value */

int vio_type_handed_out(uint16_t type)
{
    return type == VIRTIO_ID_NET || type == VIRTIO_ID_BLK || type == VIRTIO_ID_CONSOLE ||
           type == VIRTIO_ID_RNG;
}

uint64_t vio_features_allowed(uint16_t type)
{
    uint64_t all = VIRTIO_BIT(VIRTIO_F_VERSION_1);
    switch (type) {
    case VIRTIO_ID_BLK: /* config fields to read, and the request types vio_blk_hdr_ok takes */
        return all | VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
               VIRTIO_BIT(VIRTIO_BLK_F_RO) | VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
               VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) | VIRTIO_BIT(VIRTIO_BLK_F_TOPOLOGY) |
               VIRTIO_BIT(VIRTIO_BLK_F_MQ) | VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) |
               VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES);
    case VIRTIO_ID_NET: /* the 12-byte header; the control queue (net_rule) */
        return all | VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
               VIRTIO_BIT(VIRTIO_NET_F_MTU) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |
               VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
               VIRTIO_BIT(VIRTIO_NET_F_MQ);
    case VIRTIO_ID_CONSOLE: /* MULTIPORT's control queues are in console_rule */
        return all | VIRTIO_BIT(VIRTIO_CONSOLE_F_SIZE) | VIRTIO_BIT(VIRTIO_CONSOLE_F_MULTIPORT);
    case VIRTIO_ID_RNG:
        return all;
    default:
        return 0;
    }
}

static const struct vio_chain_rule closed = {.no_out = 1, .no_in = 1};

/* receiveq 2k (device-writable, header first), transmitq 2k+1 (device-readable, header
 * first and at least one byte of frame: QEMU marks the device broken on a header alone,
 * "virtio-net nothing to send"), controlq 2N (command readable, ack byte writable); nothing
 * beyond. */
static struct vio_chain_rule net_rule(uint16_t queue, uint64_t accepted, uint16_t pairs)
{
    uint32_t hdr = accepted & VIRTIO_BIT(VIRTIO_NET_F_HASH_REPORT) ? NET_HDR_HASH : NET_HDR;
    if (queue == 2u * pairs)
        return (struct vio_chain_rule){.min_out = NET_CTRL_OUT, .min_in = 1, .whole = 1};
    if (queue > 2u * pairs)
        return closed;
    if (queue % 2 == 0)
        return (struct vio_chain_rule){.min_in = hdr, .no_out = 1};
    return (struct vio_chain_rule){.min_out = hdr + 1, .no_in = 1};
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
        return (struct vio_chain_rule){
            .min_out = VIO_BLK_HDR,
            .min_in = 1,
            .blk = 1,
            .blk_dwz = (uint8_t)((accepted & VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) ? 1 : 0) |
                                 (accepted & VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES) ? 2 : 0))};
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
    if (!t->n++) {
        t->first_len = len;
        t->first_flags = flags;
    }
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
    if (r->blk && ((t->first_flags & EXO_VQ_F_WRITE) || t->first_len != VIO_BLK_HDR))
        return EXO_E_INVAL; /* the header alone in the first descriptor: exo replaces it */
    return EXO_OK;
}

int vio_blk_hdr_ok(const struct vio_chain_rule *r, const struct vio_chain_tally *t, uint32_t type)
{
    uint32_t payload = t->out - VIO_BLK_HDR; /* readable bytes after the header */
    switch (type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT:
    case VIRTIO_BLK_T_FLUSH:
    case VIRTIO_BLK_T_GET_ID:
        return EXO_OK;
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        /* QEMU marks the device broken on a segment shorter than 16 bytes */
        if (!(r->blk_dwz & (type == VIRTIO_BLK_T_DISCARD ? 1 : 2)) || !payload || payload % BLK_SEG)
            return EXO_E_INVAL;
        return EXO_OK;
    default:
        return EXO_E_INVAL;
    }
}
