/*
 * net_rx.h: the envs' receive rings (nf_ring, docs/concepts/packet-filters.md): one page per
 * env, owned by its process and mapped writable in it, into which exo copies the frames the
 * filters give the env (exo_nr_put), and an event exo posts once per batch. While registered
 * the page cannot be freed or shared; taken by force (the abort protocol) it ends the
 * registration, as the env's end does. Under the kernel lock, like the receive interrupt.
 */
#ifndef EXO_NET_RX_H
#define EXO_NET_RX_H

#include <exo/env.h>

#include <stdint.h>

/* Puts received frame[0..len) into the ring of env `env` (0: nobody, no default env) and marks
 * its event for net_rx_post. Returns the counter the frame goes to (abi.h):
 * EXO_NET_DELIVERED, EXO_NET_NO_RING (no such env, or no ring) or EXO_NET_RING_FULL. */
int net_rx_put(uint32_t env, const uint8_t *frame, uint32_t len);

/* Posts, once each, the event of every env net_rx_put gave a frame since the last call. */
void net_rx_post(void);

/* Is ppn a live env's registered ring? (page_free and page_share refuse it.) */
int net_rx_holds_page(uint64_t ppn);

/* ppn is taken from its owner by force (page_release): every registration on it ends. */
void net_rx_page_lost(uint64_t ppn);

/* e is ending (env_free): its ring's registration ends. */
void net_rx_env_freed(const struct env *e);

#endif
