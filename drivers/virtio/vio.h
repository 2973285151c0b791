/*
 * vio.h: the virtio drivers' public API, linked into a program as los_virtio. exo finds the
 * devices, resets and starts them and owns their rings; a driver here opens queues (exo maps
 * their pages into this env), builds requests in pages this env owns, kicks through exo, and
 * reads completions straight from memory.
 *
 *   devices   vio_find, vio_info, vio_setup, vio_cfg*; queues: vio_vq_open/close (virtq.h)
 *   blk       vio_blk_open; read/write/flush/discard/get_id, or submit/kick/poll at depth
 *   net       vio_net_open; send (checksum offload), recv; set_pairs, send_on, recv_any
 *   rng       vio_rng_open; read
 *   console   vio_cons_open; write, read with a timeout
 *
 * Direct mode (an IOMMU, exo_vio_info's direct_ok): vio_direct takes a device whole, its
 * queues then map the device's own rings and a kick is two stores (the index, the doorbell),
 * with no exo call; vio_blk_open_direct does it all for a disk. Everything after the open
 * (submit, kick, poll, wait, read, write) is the same in both modes.
 *
 * A device is set up (features negotiated) by the first driver that opens it here; later
 * openers, in this env or another, use the features already accepted. Every call returns a
 * value >= 0 or a negative exo error (enum exo_error), or one of VIO_E_* below for what the
 * device itself reports. State lives in caller-provided structs; nothing is allocated but
 * DMA pages (dma.h).
 */
#ifndef VIRTIO_VIO_H
#define VIRTIO_VIO_H

#include "dma.h"
#include <common/virtio.h>
#include "virtq.h"

#include <exo/abi.h>

#include <stdint.h>

/* Errors beyond exo's, in their own range (rows in exo/include/exo/errors.def): VIO_E_IO (the
 * device says the request failed), VIO_E_UNSUPP (the device or the accepted features do not
 * support it), VIO_E_TIMEOUT (nothing came before the deadline). */
enum vio_error {
#define VIO_ERROR(value, name, doc) name = value,
#include <exo/errors.def>
};

#define VIO_FOREVER UINT64_MAX /* a timeout that never ends */

/* ---- Devices and queues (vio_dev.c) ---------------------------------------------------- */

/* exo_vio_info(dev) into *info: 0 or EXO_E_NOENT (no such device), EXO_E_PERM, ... */
int vio_info(unsigned dev, struct exo_vio_info *info);

/* The nth (0, 1, ...) device of virtio type `type` this env may use: its number, with *info
 * filled when info is not NULL, or EXO_E_NOENT. */
int vio_find(uint16_t type, unsigned nth, struct exo_vio_info *info);

/* Resets and starts dev with the features in `want` it offers, plus VERSION_1: the accepted
 * features, or exo's error. EXO_E_BUSY while any env has one of its queues open. */
int64_t vio_setup(unsigned dev, uint64_t want);

/* Reads *info and, unless dev is set up already, sets it up with `want`: the accepted
 * features (info->accepted is updated). */
int64_t vio_start(unsigned dev, uint64_t want, struct exo_vio_info *info);

/* Little-endian fields of info->config at byte offset off (0 past config_len). */
uint8_t vio_cfg8(const struct exo_vio_info *info, unsigned off);
uint16_t vio_cfg16(const struct exo_vio_info *info, unsigned off);
uint32_t vio_cfg32(const struct exo_vio_info *info, unsigned off);
uint64_t vio_cfg64(const struct exo_vio_info *info, unsigned off);

/* Opens queue `queue` of started device dev at va (0: the next VIO_VQ_VA slot), binding its
 * interrupt to a new event when with_event is nonzero, and starts driving it: 0 or an exo
 * error. Kicks go to exo_vio_kick. */
int vio_vq_open(struct virtq *vq, unsigned dev, unsigned queue, uint64_t va, int with_event);

/* Gives the queue back to exo (which waits for the device to finish it; in direct mode exo
 * never saw what is in flight, so it resets the device: it must be set up again). */
int vio_vq_close(struct virtq *vq);

/* Direct mode. Takes started device dev whole (exo_vio_direct), its doorbell page mapped at
 * bell_va (0: the next VIO_VQ_VA slot): 0, or exo's error: EXO_E_NOSYS with no IOMMU (or no
 * doorbell page of its own), EXO_E_INVAL if not set up with ACCESS_PLATFORM (exo accepts it
 * itself when there is an IOMMU), EXO_E_BUSY if any env has a queue of it open or holds it. */
int vio_direct(unsigned dev, uint64_t bell_va);
/* Where this env has dev's doorbell page mapped: its va, or 0 if it does not hold dev. */
uint64_t vio_direct_bell(unsigned dev);
/* Gives dev back (exo_vio_direct(dev, 0)): exo resets it and unmaps the doorbell. Close its
 * queues first (EXO_E_PERM otherwise, or if this env does not hold it). */
int vio_direct_end(unsigned dev);
/* vio_vq_open on a device this env holds whole: the ring pages are the device's own, and the
 * kick is vq_kick_direct on its doorbell. EXO_E_PERM if dev is not held (vio_direct). */
int vio_vq_open_direct(struct virtq *vq, unsigned dev, unsigned queue, uint64_t va, int with_event);

/* vq_poll until a completion or the deadline (a TSC value, VIO_FOREVER: none), yielding the
 * CPU between polls; with no deadline and an event bound this is vq_wait. 1, or VIO_E_TIMEOUT,
 * or vq_poll's error. */
int vio_vq_wait_until(struct virtq *vq, uint16_t *head, uint32_t *len, uint64_t deadline);

/* The TSC, and the TSC value `us` microseconds from now (VIO_FOREVER for VIO_FOREVER). */
uint64_t vio_tsc(void);
uint64_t vio_deadline_us(uint64_t us);

/* Byte copy and fill: the libOS has no memcpy. */
void vio_copy(void *dst, const void *src, uint64_t n);
void vio_zero(void *dst, uint64_t n);

/* ---- Block (blk.c, blk_req.c) ---------------------------------------------------------- */

#define VIO_BLK_SLOTS 64      /* requests in flight at once per queue */
#define VIO_BLK_MAX_PAGES 32  /* data pages per request: 128 KiB */
#define VIO_BLK_SLOT_BYTES 64 /* per request, in the slot page: header, segment, id, status */
#define VIO_BLK_SLOT_HDR 0
#define VIO_BLK_SLOT_SEG 16
#define VIO_BLK_SLOT_ID 32
#define VIO_BLK_SLOT_STATUS 56

/* Features a blk driver asks for (those offered). */
#define VIO_BLK_WANT                                                                               \
    (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) |                          \
     VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_RO) |                              \
     VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |                          \
     VIRTIO_BIT(VIRTIO_BLK_F_TOPOLOGY) | VIRTIO_BIT(VIRTIO_BLK_F_MQ) |                             \
     VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) | VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES))

struct vio_blk {
    unsigned dev, queue;
    uint64_t features;   /* accepted */
    uint64_t capacity;   /* 512-byte sectors */
    uint32_t blk_size;   /* the device's block size (512 unless F_BLK_SIZE says more) */
    uint16_t num_queues; /* request queues the device has (config with F_MQ, else 1) */
    uint16_t read_only;
    uint16_t direct;  /* opened in direct mode (vio_blk_open_direct) */
    uint32_t seg_max; /* data segments per request the device takes */
    uint32_t max_discard_sectors, max_discard_seg;
    struct virtq vq;
    struct vio_dma slots; /* VIO_BLK_SLOTS x VIO_BLK_SLOT_BYTES */
    uint64_t busy, done;  /* slot bitmaps: in flight; finished but not yet reported */
    uint64_t tag[VIO_BLK_SLOTS];
    int8_t result[VIO_BLK_SLOTS];
    uint8_t slot_of_head[EXO_VQ_SIZE];
};

/* Opens request queue `queue` (0 .. num_queues-1) of blk device dev, setting the device up
 * with VIO_BLK_WANT if nobody has, with an event for its interrupt. 0 or an error. */
int vio_blk_open(struct vio_blk *b, unsigned dev, unsigned queue);
/* Opens queue `queue` of the first blk device whose serial (GET_ID) is `serial`, trying each
 * in turn: the device's number, or vio_find's error when none has it (EXO_E_NOENT...). */
int vio_blk_open_serial(struct vio_blk *b, const char *serial, unsigned queue);
/* The same in direct mode: sets dev up if needed, takes it whole (vio_direct, unless this env
 * holds it already) and opens the queue on the device's own ring; kicks are doorbell stores.
 * vio_direct's errors (EXO_E_NOSYS: no IOMMU), or vio_blk_open's; on an error a device taken
 * here is given back. */
int vio_blk_open_direct(struct vio_blk *b, unsigned dev, unsigned queue);
/* Closes the queue (direct mode: exo resets the device, which then needs setting up again);
 * a device held whole stays held: vio_direct_end(b->dev) gives it back. */
int vio_blk_close(struct vio_blk *b);

/* Synchronous requests; data is `nsect` 512-byte sectors spread over pages[] (EXO_PAGE bytes
 * each, the last one partly). 0, VIO_E_IO, VIO_E_UNSUPP, or an exo error (EXO_E_RANGE: past the
 * capacity or more than VIO_BLK_MAX_PAGES / seg_max pages; EXO_E_PERM: write to a read-only
 * device). */
int vio_blk_read(struct vio_blk *b, uint64_t sector, uint32_t nsect, const struct vio_dma *pages);
int vio_blk_write(struct vio_blk *b, uint64_t sector, uint32_t nsect, const struct vio_dma *pages);
int vio_blk_flush(struct vio_blk *b); /* VIO_E_UNSUPP without F_FLUSH */
int vio_blk_discard(struct vio_blk *b, uint64_t sector, uint32_t nsect); /* needs F_DISCARD */
/* The serial, NUL-terminated (at most VIRTIO_BLK_ID_BYTES characters). */
int vio_blk_get_id(struct vio_blk *b, char id[VIRTIO_BLK_ID_BYTES + 1]);

/* Asynchronous requests: submit any number (up to VIO_BLK_SLOTS and the queue's room), kick
 * once, then poll or wait for each. type is VIRTIO_BLK_T_IN / OUT / FLUSH; tag comes back with
 * the completion. Returns the request's slot, EXO_E_NOMEM if no slot or descriptors are free,
 * or an argument error. */
int vio_blk_submit(struct vio_blk *b, uint32_t type, uint64_t sector, uint32_t nsect,
                   const struct vio_dma *pages, uint64_t tag);
/* Hands the device every request submitted since the last kick: how many, or exo's error,
 * in which case none of them reached the device and all of them are dropped (slots freed). */
int64_t vio_blk_kick(struct vio_blk *b);
/* One finished request: 1 with *tag and *result (0, VIO_E_IO, VIO_E_UNSUPP), 0 if none has
 * finished, EXO_E_CORRUPT. vio_blk_wait blocks (EXO_E_NOENT if none is in flight). */
int vio_blk_poll(struct vio_blk *b, uint64_t *tag, int *result);
int vio_blk_wait(struct vio_blk *b, uint64_t *tag, int *result);
/* Requests in flight (submitted, not yet reported). */
unsigned vio_blk_inflight(const struct vio_blk *b);

/* Pure request layout (blk_req.c, host-tested). */
/* Splits `bytes` of data over pages[] into one buffer per page, device-writable if write: the
 * count, or EXO_E_RANGE if more than max buffers are needed. */
int vio_blk_segs(struct vq_buf *out, unsigned max, const struct vio_dma *pages, uint32_t bytes,
                 int write);
/* Whether the device writes a request type's data (IN, GET_ID) or reads it. */
int vio_blk_data_written(uint32_t type);
/* A whole chain: header at hdr_pa (device-readable, 16 bytes), the data buffers with their
 * direction set by type, the status byte at status_pa (device-writable): the count, or
 * EXO_E_RANGE if out has less than ndata + 2 entries. */
int vio_blk_chain(struct vq_buf *out, unsigned max, uint32_t type, uint64_t hdr_pa,
                  const struct vq_buf *data, unsigned ndata, uint64_t status_pa);
void vio_blk_hdr(struct virtio_blk_req *h, uint32_t type, uint64_t sector);
/* A status byte as a result: 0, VIO_E_IO, VIO_E_UNSUPP (anything unknown is VIO_E_IO). */
int vio_blk_status(uint8_t status);
/* The GET_ID bytes as a C string (NUL-padded, unterminated when all 20 are used). */
void vio_blk_id_string(char out[VIRTIO_BLK_ID_BYTES + 1], const uint8_t raw[VIRTIO_BLK_ID_BYTES]);

/* ---- Network (net.c, net_hdr.c) -------------------------------------------------------- */

#define VIO_NET_HDR 12    /* sizeof(struct virtio_net_hdr) */
#define VIO_NET_RXBUFS 64 /* receive pages kept posted per pair (at most the queue size) */
#define VIO_NET_TXBUFS 32 /* send pages per pair, one frame each */
#define VIO_NET_MAX_FRAME (EXO_PAGE - VIO_NET_HDR)
#define VIO_NET_MAX_PAIRS                                                                          \
    3 /* pairs driven at most: 3 pairs and the control queue fill                                  \
         exo's EXO_VQ_MAX = 8 queues per device */
/* recv flags */
#define VIO_NET_RX_CSUM_OK                                                                         \
    1u /* the checksum is known good (DATA_VALID, or completed here                                \
          from a partial one) */
#define VIO_NET_RX_NEEDS_CSUM                                                                      \
    2u                           /* the device's header said NEEDS_CSUM: the frame came with a     \
                                    partial checksum, completed here */
#define VIO_NET_RX_DATA_VALID 4u /* the device's header said DATA_VALID */

/* Features a net driver asks for (those offered). MQ needs CTRL_VQ: pair 0 works without any
 * command; more pairs take VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET (vio_net_set_pairs). */
#define VIO_NET_WANT                                                                               \
    (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |                               \
     VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_CSUM) |                             \
     VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_MTU) |                          \
     VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_MQ))

/* The control page: the command at 0 (header, then data), the ack byte here. */
#define VIO_NET_CTRL_ACK 64
#define VIO_NET_CTRL_TIMEOUT_US 2000000 /* a command not acked by then: VIO_E_TIMEOUT */

/* A checksum left to the device (or done here when it cannot): the sum goes at
 * csum_start + csum_offset, covering the frame from csum_start, whose field holds the
 * pseudo-header sum on entry (the convention of every network stack's partial checksums). */
struct vio_net_csum {
    uint16_t start, offset;
};

/* One queue pair: receive queue 2p kept full of page buffers, send queue 2p+1 with its pages. */
struct vio_net_pair {
    struct virtq rx, tx;
    struct vio_dma rxbuf[EXO_VQ_SIZE]; /* by head: every rx chain is one page */
    struct vio_dma txbuf[VIO_NET_TXBUFS];
    uint32_t tx_free; /* bitmap of txbuf */
    uint8_t tx_slot_of_head[EXO_VQ_SIZE];
    uint64_t rx_frames, tx_frames;
};

struct vio_net {
    unsigned dev;
    uint64_t features;
    uint8_t mac[6];
    uint16_t has_mac;
    uint16_t npairs;    /* queue pairs offered (max_virtqueue_pairs with MQ, else 1) */
    uint16_t maxpairs;  /* pairs vio_net_set_pairs may ask for (vio_net_usable_pairs) */
    uint16_t active;    /* pairs the device uses now: 1 until vio_net_set_pairs */
    uint16_t opened;    /* pairs whose queues are open (>= active; never fewer) */
    uint16_t mtu;       /* config with F_MTU, else 1500 */
    uint16_t ctrl_open; /* the control queue is open */
    uint16_t rx_next;   /* the pair recv looks at first (round robin) */
    struct vio_net_pair pair[VIO_NET_MAX_PAIRS];
    struct virtq ctrl;
    struct vio_dma ctrlpage;
    uint64_t rx_frames, tx_frames; /* over all pairs */
};

/* Opens pair 0 of net device dev, setting the device up with VIO_NET_WANT if nobody has. */
int vio_net_open(struct vio_net *n, unsigned dev);
/* Closes every open queue (with receive buffers posted exo resets the device). */
int vio_net_close(struct vio_net *n);
/* Has the device use pairs 0 .. k-1 (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET on the control queue,
 * waiting for its ack), opening the queues of pairs not yet open first; pairs beyond k stay
 * open and are still read by recv (frames in flight) but take no sends. 0; VIO_E_IO if the
 * device acks ERR; VIO_E_TIMEOUT; EXO_E_INVAL for k = 0; VIO_E_UNSUPP for k > 1 without MQ
 * (or without a control queue exo hands out); EXO_E_RANGE for k > maxpairs otherwise. k = 1
 * without MQ is 0 and sends nothing. */
int vio_net_set_pairs(struct vio_net *n, unsigned k);
/* Sends one Ethernet frame (without the virtio header, at most VIO_NET_MAX_FRAME bytes); csum
 * NULL: complete as is. Waits for a free send page if all are in flight. 0 or an error.
 * vio_net_send_on sends on pair `pair` (< active, else EXO_E_RANGE); vio_net_send on pair 0. */
int vio_net_send(struct vio_net *n, const void *frame, uint32_t len,
                 const struct vio_net_csum *csum);
int vio_net_send_on(struct vio_net *n, unsigned pair, const void *frame, uint32_t len,
                    const struct vio_net_csum *csum);
/* One received frame, from whichever open pair has one, copied into buf (cut at cap): its
 * length, 0 if none is waiting (recv), or after timeout_us (recv_wait: VIO_E_TIMEOUT);
 * *flags gets VIO_NET_RX_*. vio_net_recv_any also says which pair it came in on (*pair, when
 * not NULL) and waits up to timeout_us (0: not at all, returning 0 if none is there). */
int vio_net_recv(struct vio_net *n, void *buf, uint32_t cap, uint32_t *flags);
int vio_net_recv_wait(struct vio_net *n, void *buf, uint32_t cap, uint32_t *flags,
                      uint64_t timeout_us);
int vio_net_recv_any(struct vio_net *n, void *buf, uint32_t cap, uint32_t *flags, unsigned *pair,
                     uint64_t timeout_us);
/* The link state now (config re-read): 1 up, 0 down; 1 without F_STATUS. */
int vio_net_link_up(struct vio_net *n);

/* Pure header logic (net_hdr.c, host-tested). */
/* Fills the tx header: NEEDS_CSUM with csum when given and offload is on, else zeros. */
void vio_net_hdr_tx(struct virtio_net_hdr *h, const struct vio_net_csum *csum, int offload);
/* Completes a partial checksum in place: the ones' complement sum of frame[start, len) with
 * the pseudo-header sum already in the field, stored at start + offset. 0, or EXO_E_RANGE if
 * the field lies outside the frame. */
int vio_net_csum_fill(uint8_t *frame, uint32_t len, uint16_t start, uint16_t offset);
/* What recv reports for a received header over frame (completing a partial checksum). */
uint32_t vio_net_rx_flags(const struct virtio_net_hdr *h, uint8_t *frame, uint32_t len);

/* Pure control-queue logic (net_hdr.c, host-tested). */
/* Pairs a driver can use: min(max_pairs, VIO_NET_MAX_PAIRS) with MQ and CTRL_VQ accepted and
 * the control queue (2 * max_pairs) among the nqueues exo hands out; 1 otherwise. */
unsigned vio_net_usable_pairs(uint64_t features, uint16_t max_pairs, uint16_t nqueues);
/* VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET for k pairs into cmd: class 4, command 0, le16 k: 4 (its
 * length). */
uint32_t vio_net_ctrl_mq_pairs(uint8_t cmd[4], uint16_t k);
/* A control command's chain: the 2-byte header at cmd_pa, the cmd_len - 2 bytes of data after
 * it (if any), both device-readable, then the ack byte at ack_pa, device-writable. The count
 * (3, or 2 with no data), or EXO_E_RANGE (out too small), EXO_E_INVAL (cmd_len < 2). */
int vio_net_ctrl_chain(struct vq_buf *out, unsigned max, uint64_t cmd_pa, uint32_t cmd_len,
                       uint64_t ack_pa);
/* The ack byte as a result: 0 for VIRTIO_NET_OK, VIO_E_IO for anything else. */
int vio_net_ctrl_result(uint8_t ack);

/* ---- Entropy (rng.c) ------------------------------------------------------------------- */

struct vio_rng {
    unsigned dev;
    struct virtq vq;
    struct vio_dma page;
};

int vio_rng_open(struct vio_rng *r, unsigned dev);
int vio_rng_close(struct vio_rng *r);
/* Fills buf with len bytes from the device: len, or an error. */
int vio_rng_read(struct vio_rng *r, void *buf, uint32_t len);

/* ---- Console, port 0 (console.c) ------------------------------------------------------- */

#define VIO_CONS_RXBUFS 4

struct vio_cons {
    unsigned dev;
    uint16_t cols, rows; /* with F_SIZE, else 0 */
    struct virtq rx, tx;
    struct vio_dma rxbuf[EXO_VQ_SIZE]; /* by head */
    struct vio_dma txpage;
    int32_t cur; /* head of the rx buffer being read, -1: none */
    uint32_t cur_len, cur_off;
};

int vio_cons_open(struct vio_cons *c, unsigned dev);
int vio_cons_close(struct vio_cons *c);
/* Writes len bytes (waits until the device has them): len or an error. */
int vio_cons_write(struct vio_cons *c, const void *buf, uint32_t len);
/* Reads what is there, up to len bytes, waiting up to timeout_us for the first (VIO_FOREVER:
 * no limit): the count, 0 on timeout, or an error. */
int vio_cons_read(struct vio_cons *c, void *buf, uint32_t len, uint64_t timeout_us);

#endif
