/* sys_arch.c: Tessera's port of lwIP in NO_SYS mode (libos/net/README.md): sys_now from the
 * embedder's clock, diagnostics and assertions to its hooks, random numbers, and the
 * strong-host IPv4 routing hook of lwipopts.h. */
#include <stdarg.h>
#include <stdint.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip_port.h"

static struct lwip_port_hooks hooks;
static uint64_t rand_state = 0x9e3779b97f4a7c15ull;

void lwip_port_set_hooks(const struct lwip_port_hooks *h)
{
    hooks = *h;
}

void lwip_port_seed(uint64_t seed)
{
    rand_state = seed ? seed : 0x9e3779b97f4a7c15ull;
}

u32_t sys_now(void)
{
    if (!hooks.now_ms)
        lwip_port_assert("lwip_port: no clock hook (lwip_port_set_hooks)", __FILE__, __LINE__);
    return hooks.now_ms();
}

uint32_t lwip_port_rand(void)
{
    if (hooks.rand)
        return hooks.rand();
    /* xorshift64* */
    rand_state ^= rand_state >> 12;
    rand_state ^= rand_state << 25;
    rand_state ^= rand_state >> 27;
    return (uint32_t)((rand_state * 0x2545f4914f6cdd1dull) >> 32);
}

void lwip_port_diag(const char *fmt, ...)
{
    if (!hooks.diag)
        return;
    va_list ap;
    va_start(ap, fmt);
    hooks.diag(fmt, ap);
    va_end(ap);
}

void lwip_port_assert(const char *msg, const char *file, int line)
{
    if (hooks.assert_fail)
        hooks.assert_fail(msg, file, line);
    __builtin_trap();
}

struct netif *lwip_port_route4(const struct ip4_addr *src, const struct ip4_addr *dest)
{
    (void)dest;
    if (src == NULL || ip4_addr_isany(src))
        return NULL;
    struct netif *netif;
    NETIF_FOREACH(netif)
    {
        if (netif_is_up(netif) && netif_is_link_up(netif) &&
            ip4_addr_cmp(src, netif_ip4_addr(netif)))
            return netif;
    }
    return NULL;
}
