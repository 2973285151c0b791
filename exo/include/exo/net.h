/*
 * net.h: exo's packet-filter table (sys_net.c) as the rest of exo sees it: the calls on it are
 * in syscalls.def (nf_claim, nf_release, nf_config); the pure logic is net_filter.h's. The
 * receive path (net_nic.c) and nf_send (vio_nettx.c) ask it here.
 */
#ifndef EXO_NET_H
#define EXO_NET_H

#include <exo/env.h>

#include <stdint.h>

/* e is ending (env_free, lock held): its claims end, its role if it was the default env, and
 * its receive ring's registration. */
void net_env_freed(const struct env *e);

/* Whose is received frame[0..len) (the virtio-net header stripped): an env id (its claim's,
 * or the default env's for ARP, ICMP and unclaimed traffic; 0 if there is no default env) or
 * EXO_NF_DROP (malformed, net_filter.h). */
uint32_t net_rx_owner(const uint8_t *frame, uint32_t len);

/* May env `env` send frame[0..len) (the virtio-net header stripped)? exo_nf_tx_check's answer:
 * 0, EXO_E_INVAL or EXO_E_PERM. */
int net_tx_check(uint32_t env, const uint8_t *frame, uint32_t len);

#endif
