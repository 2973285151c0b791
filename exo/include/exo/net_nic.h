/*
 * net_nic.h: the NIC exo drives itself while the packet filters are on
 * (docs/concepts/packet-filters.md). A virtio-net device on QEMU's user network has one queue
 * pair, so several envs cannot each hold queues of it: once nf_config has set a MAC, exo takes
 * the first virtio-net device, receives every frame into buffers of its own and hands each to
 * the env the filters name (net_rx.c), and sends what envs give nf_send (vio_nettx.c) on its
 * own transmit queue. nf_config with an all-zero MAC gives the device back. Everything runs
 * under the kernel lock, the receive interrupt included.
 */
#ifndef EXO_NET_NIC_H
#define EXO_NET_NIC_H

#include <stdint.h>

/* Takes the first virtio-net device for exo, if it does not hold it already: 0, or EXO_E_BUSY
 * (a live env has a queue of it open, or holds it whole), EXO_E_NOENT (no virtio-net device),
 * EXO_E_CORRUPT (it would not reset, or refused the features: left reset), EXO_E_NOMEM (no
 * pages for exo's buffers or rings). Everything but the device's own refusal is checked, and
 * every page taken, before the device is touched. */
int net_nic_take(void);

/* Gives the device back, if exo holds it: reset, exo's buffers freed, vio_* calls work again
 * (the device needs vio_setup). */
void net_nic_give_back(void);

/* Does exo hold a NIC? (The packet filters are on.) */
int net_nic_held(void);

/* A free transmit buffer for one frame: its index, and in *frame where the frame goes (after
 * the virtio-net header, zeroed: no offload), EXO_NF_SEND_MAX bytes of room; completed buffers
 * are collected first. EXO_E_NOENT if exo holds no NIC, EXO_E_AGAIN if every buffer is in
 * flight. Nothing is sent until net_nic_send. */
int net_nic_tx_buffer(uint8_t **frame);

/* Queues buffer `slot` (from net_nic_tx_buffer, filled with len bytes of frame) and notifies
 * the device. */
void net_nic_send(int slot, uint32_t len);

/* Counter `which` (EXO_NET_*, abi.h) since boot, or EXO_E_RANGE: observe's EXO_OBSERVE_NET. */
int64_t net_nic_count(uint64_t which);

#endif
