/*
 * wire.h: the host tests' network (libos/net/tests): ONE lwIP instance (lwIP keeps its state in
 * globals) with two Ethernet netifs, A (10.0.0.1) and B (10.0.0.2), whose linkoutput functions
 * put frames on an in-memory wire (a queue each way) that wire_pump delivers to the other
 * netif's input, every Nth frame dropped if asked; and a fake clock the tests advance before
 * lwIP's timers. Shared by test_lwip_pair.c, test_inet.c and test_netif_ring.c.
 */
#ifndef NET_TEST_WIRE_H
#define NET_TEST_WIRE_H

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#include <stdbool.h>
#include <stdint.h>

#define WIRE_SLOTS 2048
#define WIRE_FRAME_MAX 1600

struct wire_frame {
    uint16_t len;
    uint8_t data[WIRE_FRAME_MAX];
};

struct wire_queue {
    struct wire_frame slot[WIRE_SLOTS];
    unsigned head, tail; /* head: next to deliver; tail: next free */
};

extern uint32_t wire_now; /* lwIP's sys_now, in ms */
extern struct netif wire_na, wire_nb;
extern ip4_addr_t wire_ip_a, wire_ip_b;
extern const uint8_t wire_mac_a[6], wire_mac_b[6];
extern struct wire_queue wire_to_a, wire_to_b; /* frames B sent (for A), frames A sent (for B) */
extern unsigned wire_drop_every;               /* 0: none */
extern unsigned wire_frames, wire_dropped;
extern unsigned wire_frames_a, wire_frames_b; /* put on the wire by A, by B (dropped ones too) */
/* Sees every frame put on the wire (NULL: none). */
extern void (*wire_watch)(const uint8_t *f, unsigned len, bool from_a);

/* lwIP once per process (it has no teardown) with the port's hooks, netifs A and B up. */
void wire_init(void);
/* A case's start: the wire quiet and emptied, ARP tables cleared, counters zero. */
void wire_reset(void);
/* Deliver every queued frame, and what the deliveries make (loopback netif too), until quiet. */
void wire_pump(void);
/* Deliver, then advance the clock 10 ms and run lwIP's timers, until done() or max_ms pass. */
bool wire_run_until(bool (*done)(void), uint32_t max_ms);

#endif
