/*
 * virtio.h: the virtio 1.x specification's numbers, as exo (setup, vio_queue.c) and drivers/virtio
 * (the data path) use them: device types, feature bits, and the layouts the device reads or
 * writes (block request header, discard segment, network header, each device's configuration
 * offsets). Nothing here is Tessera's; every value is the spec's (OASIS virtio 1.1/1.2), and
 * multi-byte fields are little-endian, which on x86 is plain memory order. Split-ring layout
 * and descriptor flags are exo's ABI (EXO_VQ_* in <exo/abi.h>), not repeated here.
 */
#ifndef COMMON_VIRTIO_H
#define COMMON_VIRTIO_H

#include <stdint.h>

/* Device types (exo_vio_info.type). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_BALLOON 5
#define VIRTIO_ID_SCSI 8
#define VIRTIO_ID_9P 9
#define VIRTIO_ID_GPU 16
#define VIRTIO_ID_INPUT 18
#define VIRTIO_ID_VSOCK 19
#define VIRTIO_ID_FS 26

/* Feature bits as 64-bit masks: VIRTIO_BIT(VIRTIO_F_VERSION_1). */
#define VIRTIO_BIT(n) (1ull << (n))

/* Device-independent feature bits (spec "Reserved Feature Bits"). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_F_IN_ORDER 35
#define VIRTIO_F_ORDER_PLATFORM 36
#define VIRTIO_F_SR_IOV 37
#define VIRTIO_F_NOTIFICATION_DATA 38
#define VIRTIO_F_NOTIF_CONFIG_DATA 39
#define VIRTIO_F_RING_RESET 40

/* ---- Block device ---------------------------------------------------------------------- */

#define VIRTIO_BLK_F_SIZE_MAX 1 /* size_max: largest segment */
#define VIRTIO_BLK_F_SEG_MAX 2  /* seg_max: most data segments per request */
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5       /* read-only device */
#define VIRTIO_BLK_F_BLK_SIZE 6 /* blk_size: the optimal block size */
#define VIRTIO_BLK_F_FLUSH 9    /* VIRTIO_BLK_T_FLUSH */
#define VIRTIO_BLK_F_TOPOLOGY 10
#define VIRTIO_BLK_F_CONFIG_WCE 11 /* writeback is writable */
#define VIRTIO_BLK_F_MQ 12         /* num_queues */
#define VIRTIO_BLK_F_DISCARD 13    /* VIRTIO_BLK_T_DISCARD */
#define VIRTIO_BLK_F_WRITE_ZEROES 14
#define VIRTIO_BLK_F_LIFETIME 15
#define VIRTIO_BLK_F_SECURE_ERASE 16
#define VIRTIO_BLK_F_ZONED 17

/* Request types (struct virtio_blk_req.type). */
#define VIRTIO_BLK_T_IN 0  /* read: data buffers are device-writable */
#define VIRTIO_BLK_T_OUT 1 /* write */
#define VIRTIO_BLK_T_FLUSH 4
/* GET_ID: the serial, VIRTIO_BLK_ID_BYTES, NUL-padded, maybe unterminated */
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_GET_LIFETIME 10
#define VIRTIO_BLK_T_DISCARD 11 /* data: struct virtio_blk_discard_write_zeroes[] */
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_T_SECURE_ERASE 14

/* The status byte the device writes last. */
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_SECTOR 512 /* `sector` always counts 512-byte units, whatever blk_size says */
#define VIRTIO_BLK_ID_BYTES 20

/* A request: this header (device-readable), data, then one status byte (device-writable). */
struct virtio_blk_req {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

/* One range of a DISCARD / WRITE_ZEROES request. */
#define VIRTIO_BLK_WZ_F_UNMAP 1u
struct virtio_blk_discard_write_zeroes {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
};

/* struct virtio_blk_config, as byte offsets into exo_vio_info.config. */
#define VIRTIO_BLK_CFG_CAPACITY 0  /* le64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 8  /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX 12  /* le32 */
#define VIRTIO_BLK_CFG_GEOMETRY 16 /* le16 cylinders, u8 heads, u8 sectors */
#define VIRTIO_BLK_CFG_BLK_SIZE 20 /* le32 */
#define VIRTIO_BLK_CFG_TOPOLOGY                                                                    \
    24                                        /* u8 physical_block_exp, u8 alignment_offset, le16  \
                                                 min_io_size, le32 opt_io_size */
#define VIRTIO_BLK_CFG_WRITEBACK 32           /* u8 */
#define VIRTIO_BLK_CFG_NUM_QUEUES 34          /* le16 */
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 36 /* le32 */
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG 40     /* le32 */
#define VIRTIO_BLK_CFG_DISCARD_ALIGN 44       /* le32, discard_sector_alignment */
#define VIRTIO_BLK_CFG_MAX_WZ_SECTORS 48      /* le32, max_write_zeroes_sectors */
#define VIRTIO_BLK_CFG_MAX_WZ_SEG 52          /* le32 */
#define VIRTIO_BLK_CFG_WZ_MAY_UNMAP 56        /* u8 */

/* ---- Network device -------------------------------------------------------------------- */

#define VIRTIO_NET_F_CSUM 0       /* device completes checksums we leave partial (tx) */
#define VIRTIO_NET_F_GUEST_CSUM 1 /* device may hand us partial checksums (rx) */
#define VIRTIO_NET_F_CTRL_GUEST_OFFLOADS 2
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_GUEST_ECN 9
#define VIRTIO_NET_F_GUEST_UFO 10
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_HOST_ECN 13
#define VIRTIO_NET_F_HOST_UFO 14
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_CTRL_RX 18
#define VIRTIO_NET_F_CTRL_VLAN 19
#define VIRTIO_NET_F_GUEST_ANNOUNCE 21
#define VIRTIO_NET_F_MQ 22 /* needs CTRL_VQ */
#define VIRTIO_NET_F_CTRL_MAC_ADDR 23
#define VIRTIO_NET_F_HASH_REPORT 57
#define VIRTIO_NET_F_RSS 60
#define VIRTIO_NET_F_SPEED_DUPLEX 63

/* Every frame on either queue starts with this header. With VERSION_1 it is always these 12
 * bytes (num_buffers included) whether or not MRG_RXBUF was negotiated. */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1 /* csum_start/csum_offset name a partial checksum */
#define VIRTIO_NET_HDR_F_DATA_VALID 2 /* rx: the device checked the checksum */
#define VIRTIO_NET_HDR_F_RSC_INFO 4
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_UDP 3
#define VIRTIO_NET_HDR_GSO_TCPV6 4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#define VIRTIO_NET_HDR_GSO_ECN 0x80
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;  /* from the start of the frame (after this header) */
    uint16_t csum_offset; /* from csum_start: where the checksum goes */
    uint16_t num_buffers;
};

/* Queues: receiveq1 0, transmitq1 1, ... receiveqN 2(N-1), transmitqN 2N-1, controlq 2N
 * (N: max_virtqueue_pairs with F_MQ, else 1). */
#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1
#define VIRTIO_NET_RXQ_OF(pair) (2u * (pair))
#define VIRTIO_NET_TXQ_OF(pair) (2u * (pair) + 1u)
#define VIRTIO_NET_CTRLQ_OF(npairs) (2u * (npairs))

/* The control queue (F_CTRL_VQ): a command is one chain: struct virtio_net_ctrl_hdr and the
 * command's data, device-readable, then one ack byte the device writes. */
struct virtio_net_ctrl_hdr {
    uint8_t class;
    uint8_t cmd;
};
#define VIRTIO_NET_OK 0 /* the ack byte */
#define VIRTIO_NET_ERR 1
#define VIRTIO_NET_CTRL_RX 0
#define VIRTIO_NET_CTRL_MAC 1
#define VIRTIO_NET_CTRL_VLAN 2
#define VIRTIO_NET_CTRL_ANNOUNCE 3
#define VIRTIO_NET_CTRL_MQ 4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0 /* data: le16 virtqueue_pairs */
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN 1
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX 0x8000
#define VIRTIO_NET_CTRL_GUEST_OFFLOADS 5

/* struct virtio_net_config, as byte offsets. */
#define VIRTIO_NET_CFG_MAC 0       /* u8[6], with F_MAC */
#define VIRTIO_NET_CFG_STATUS 6    /* le16, with F_STATUS */
#define VIRTIO_NET_CFG_MAX_PAIRS 8 /* le16 max_virtqueue_pairs, with F_MQ */
#define VIRTIO_NET_CFG_MTU 10      /* le16, with F_MTU */
#define VIRTIO_NET_CFG_SPEED 12    /* le32 */
#define VIRTIO_NET_CFG_DUPLEX 16   /* u8 */
#define VIRTIO_NET_S_LINK_UP 1
#define VIRTIO_NET_S_ANNOUNCE 2

/* ---- Console device -------------------------------------------------------------------- */

#define VIRTIO_CONSOLE_F_SIZE 0
#define VIRTIO_CONSOLE_F_MULTIPORT 1
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2
/* Port 0: receiveq 0, transmitq 1; with MULTIPORT, control rx 2 / tx 3, port n at 2n+2, 2n+3. */
#define VIRTIO_CONSOLE_RXQ 0
#define VIRTIO_CONSOLE_TXQ 1
#define VIRTIO_CONSOLE_CFG_COLS 0      /* le16 */
#define VIRTIO_CONSOLE_CFG_ROWS 2      /* le16 */
#define VIRTIO_CONSOLE_CFG_MAX_PORTS 4 /* le32 max_nr_ports */
#define VIRTIO_CONSOLE_CFG_EMERG_WR 8  /* le32 */

/* ---- Entropy device: one queue (requestq 0), no features, no configuration. ------------ */
#define VIRTIO_RNG_REQQ 0

#endif
