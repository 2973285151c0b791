/*
 * net.h: exo's packet-filter table (sys_net.c) as the rest of exo sees it: the calls on it are
 * in syscalls.def (nf_claim, nf_release, nf_config); the pure logic is net_filter.h's.
 */
#ifndef EXO_NET_H
#define EXO_NET_H

#include <exo/env.h>

#include <stdint.h>

/* e is ending (env_free, lock held): its claims end, and its role if it was the default env. */
void net_env_freed(const struct env *e);

/* Are the filters on: has nf_config set an identity with a MAC? Until then (and after an
 * nf_config with an all-zero MAC, as at boot) frames are sent unchecked, as before filters. */
int net_filtering(void);

/* May env `env` send frame[0..len) (the virtio-net header stripped)? 0 while the filters are
 * off, else exo_nf_tx_check's answer: 0, EXO_E_INVAL or EXO_E_PERM. */
int net_tx_check(uint32_t env, const uint8_t *frame, uint32_t len);

#endif
