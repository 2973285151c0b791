/*
 * net_filter.h: packet filters, the one concept of which env a received Ethernet frame belongs
 * to and whether an env may send a frame (exokernel demultiplexing, docs/concepts/
 * packet-filters.md). An env claims (ethertype, IP protocol, local address, local port); exo
 * gives each received frame to the one env whose claim it matches, or to the default env (ARP,
 * ICMP, unclaimed traffic), or drops it (malformed); and it lets an env send only from what it
 * claims. Pure logic on a table the caller holds, freestanding, host-tested
 * (exo/tests/test_net_filter.c). exo's one table and the nf_* calls on it are sys_net.c's;
 * the receive path (net_nic.c) and nf_send (vio_nettx.c) ask it through sys_net.c. A claim
 * and the local identity are ABI (abi.h).
 *
 * Fixed match fields, not a filter language: a claim is four numbers, so verifying it is a
 * range check per field plus one overlap test against the table, and at most one claim matches
 * any frame (overlaps are refused), so a lookup is a scan with no order or priority to reason
 * about. A language (BPF, DPF) needs a verifier for termination and bounds and makes two
 * filters' overlap undecidable in general, which is what port ownership needs decided.
 *
 * Frames are the bytes from the Ethernet destination address on (the virtio-net header
 * stripped), `len` of them; nothing past `len` is ever read. Numbers are host order: address
 * 10.0.0.1 is 0x0a000001.
 */
#ifndef EXO_NET_FILTER_H
#define EXO_NET_FILTER_H

#include <exo/abi.h> /* struct exo_nf, struct exo_nf_local, EXO_NF_* */

#include <stdint.h>

/* exo_nf_classify's verdicts besides an env id (env ids are never 0 nor all ones, env.c). */
#define EXO_NF_DEFAULT 0u       /* the default env's: ARP, ICMP, unclaimed, not parsed */
#define EXO_NF_DROP 0xffffffffu /* malformed: nobody's */

/* The whole state: claims, the local identity, the default env. Zeroed: no claims, no
 * addresses, no MAC (so no env may send), no default env. */
struct exo_nf_table {
    struct exo_nf f[EXO_NF_MAX];
    struct exo_nf_local local;
    uint32_t dflt;
};

/* Verifies claim *f and installs it: its slot (0..EXO_NF_MAX-1, the handle exo_nf_remove
 * takes), or EXO_E_INVAL (a field out of range), EXO_E_BUSY (it overlaps a claim, any env's:
 * same ethertype, protocol and port, and the same address or 0 on either side), EXO_E_NOMEM
 * (the env's EXO_NF_PER_ENV or the table's EXO_NF_MAX reached). A refusal changes nothing. */
int exo_nf_install(struct exo_nf_table *t, const struct exo_nf *f);

/* Removes claim `slot` of env `env`: 0, EXO_E_NOENT (no claim there), EXO_E_PERM (another's). */
int exo_nf_remove(struct exo_nf_table *t, uint32_t env, uint32_t slot);

/* Removes every claim of env `env` (it ended) and, if it was the default env, that role: the
 * number of claims removed. */
int exo_nf_remove_env(struct exo_nf_table *t, uint32_t env);

/* Would exo_nf_set_local take *l? 0, or its EXO_E_INVAL (changes nothing). */
int exo_nf_local_ok(const struct exo_nf_local *l);

/* Sets the local identity: 0, or EXO_E_INVAL (more than EXO_NF_NADDR addresses of a family, an
 * IPv4 address 0 or multicast or broadcast, an IPv6 address all zeros or multicast). */
int exo_nf_set_local(struct exo_nf_table *t, const struct exo_nf_local *l);

/* Makes env `env` the default env (0: none). */
void exo_nf_set_default(struct exo_nf_table *t, uint32_t env);

/* Whose is received frame[0..len): its claimant's env id, EXO_NF_DEFAULT or EXO_NF_DROP. */
uint32_t exo_nf_classify(const struct exo_nf_table *t, const uint8_t *frame, uint32_t len);

/* May env `env` send frame[0..len)? 0, EXO_E_INVAL (malformed, as exo_nf_classify would drop
 * it), or EXO_E_PERM: not from the machine's MAC; TCP or UDP not from a local address (the
 * default env may also send from 0.0.0.0, as a DHCP client does); from a port another env
 * claims; anything else (ARP, ICMP, unclaimed ports) from an env other than the default one. */
int exo_nf_tx_check(const struct exo_nf_table *t, uint32_t env, const uint8_t *frame, uint32_t len);

#endif
