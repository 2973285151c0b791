/* lwip_port.h: what the embedder of Tessera's lwIP provides (libos/net/README.md). lwIP runs
 * with NO_SYS=1: no threads inside it; the process drives it from its own loop (the input of
 * received frames, sys_check_timeouts(), netif_poll_all() for the loopback netif), so the port
 * asks only for a clock, and optionally for a source of randomness and a place for lwIP's
 * diagnostics and failed assertions. */
#ifndef TESSERA_LWIP_PORT_H
#define TESSERA_LWIP_PORT_H

#include <stdarg.h>
#include <stdint.h>

struct lwip_port_hooks {
    /* Milliseconds from any fixed point, wrapping at 2^32 (lwIP's sys_now). Required. */
    uint32_t (*now_ms)(void);
    /* 32 random bits. NULL: a xorshift generator seeded by lwip_port_seed. */
    uint32_t (*rand)(void);
    /* lwIP's diagnostics (LWIP_PLATFORM_DIAG, its debug messages). NULL: dropped. */
    void (*diag)(const char *fmt, va_list ap);
    /* A failed LWIP_ASSERT. It should not return; if it does, or if NULL, the process traps. */
    void (*assert_fail)(const char *msg, const char *file, int line);
};

/* Install the hooks (copied); call before lwip_init(). */
void lwip_port_set_hooks(const struct lwip_port_hooks *hooks);

/* Seed of the fallback generator (0 is replaced by a fixed non-zero seed). */
void lwip_port_seed(uint64_t seed);

#endif
