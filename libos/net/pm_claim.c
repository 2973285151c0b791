/*
 * pm_claim.c: ports handed to processes that run their own stack (ops.def's net_claim). exo
 * gives nf_claim only to the NIC's holder (pm), for itself or a child: any process holds MAP
 * on itself and could otherwise take a port pm's stack uses. So pm holds the policy and exo
 * checks the binding once: pm refuses a port its own lwIP has bound (a pcb on it, claimed at
 * exo or not: past EXO_NF_PER_ENV pm keeps ports unclaimed) and every claim to all but root,
 * then claims it on the caller's env. Root only, as Linux's raw sockets (CAP_NET_RAW): a claim
 * lets its holder send any TCP or UDP frame from that port (nf_send checks the source only),
 * and claims fill exo's table (EXO_NF_PER_ENV per env, EXO_NF_MAX in all) for everyone. The process
 * releases the slot itself (nf_release on its own env: MAP on itself is enough), or loses it with
 * its env.
 */
#include <net/inet.h>
#include <proc/pm.h>

#include <exo/abi.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/udp.h"

/* Whether pm's lwIP has a pcb on local port `port` of this protocol (any address or state). */
static int pm_bound(uint8_t proto, uint16_t port)
{
    if (proto == EXO_NF_UDP) {
        for (struct udp_pcb *u = udp_pcbs; u; u = u->next)
            if (u->local_port == port)
                return 1;
        return 0;
    }
    struct tcp_pcb *lists[] = {tcp_bound_pcbs, tcp_listen_pcbs.pcbs, tcp_active_pcbs, tcp_tw_pcbs};
    for (unsigned i = 0; i < sizeof lists / sizeof lists[0]; i++)
        for (struct tcp_pcb *t = lists[i]; t; t = t->next)
            if (t->local_port == port)
                return 1;
    return 0;
}

long pm_op_net_claim(struct pm_proc *p, struct pm_msg *m)
{
    uint64_t ethertype = m->a[0], proto = m->a[1], port = m->a[2], addr = m->a[3];
    if ((ethertype != EXO_NF_IPV4 && ethertype != EXO_NF_IPV6) ||
        (proto != EXO_NF_TCP && proto != EXO_NF_UDP) || !port || port > 0xffff ||
        addr > 0xffffffffu || (ethertype == EXO_NF_IPV6 && addr))
        return -NET_EINVAL;
    struct pm_ids ids;
    pm_ids(p, &ids);
    if (ids.euid != 0)
        return -NET_EPERM; /* raw access to the port: root's, as raw sockets are (see above) */
    if (pm_bound((uint8_t)proto, (uint16_t)port))
        return -NET_EADDRINUSE; /* pm's own socket, whether exo knows it or not */
    struct exo_nf f = {.ethertype = (uint16_t)ethertype,
                       .proto = (uint8_t)proto,
                       .addr = (uint32_t)addr,
                       .port = (uint16_t)port};
    int64_t r = exo_nf_claim(p->env_cap, (uint64_t)&f);
    if (r == EXO_E_BUSY)
        return -NET_EADDRINUSE; /* another env holds it */
    if (r == EXO_E_NOMEM)
        return -NET_ENOBUFS; /* the table, or the caller's EXO_NF_PER_ENV claims, are full */
    if (r < 0)
        return -NET_EINVAL;
    return (long)r;
}
