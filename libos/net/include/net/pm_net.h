/*
 * net/pm_net.h: pm's network part (libos/net/pm_net.c, family_inet.c): one lwIP for every
 * process's AF_INET/AF_INET6 sockets, the NIC exo drives (its receive ring, DHCP or a static
 * address), lwIP's timers in pm's main loop. pm_fs.c starts it with the file layer.
 */
#ifndef NET_PM_NET_H
#define NET_PM_NET_H

#include <stdint.h>

struct net_sock;
struct netif;
struct netif_ring;

/* lwIP, the socket families, the loop hook; the NIC if there is one. 0, or a negative errno
 * when the families could not be registered (no NIC is no error: loopback only). */
int pm_net_start(void);
/* /proc/net/tessera's one line into buf (at most len bytes with its NUL): the length. */
unsigned pm_net_describe(char *buf, unsigned len);

/* pm's NIC's netif (NULL without one), its ring netif's counters, its frames' bytes. */
struct netif *pm_net_nic(void);
const struct netif_ring *pm_net_ring(void);
extern uint64_t pm_net_rx_bytes, pm_net_tx_bytes;

/* pm_netif.c: the interfaces as Linux shows them. /proc/net's files (PM_NET_*) into buf (at most
 * len bytes with the NUL): the length; the socket ioctls SIOCGIF* on an AF_INET/AF_INET6 socket
 * (arg: the struct ifreq, or for SIOCGIFCONF pmc_ioctl's {int len, pad, ifreqs}). */
enum {
    PM_NET_DEV,
    PM_NET_ROUTE,
    PM_NET_IF_INET6,
    PM_NET_TCP,
    PM_NET_TCP6,
    PM_NET_UDP,
    PM_NET_UDP6
};
unsigned pm_net_proc(int which, char *buf, unsigned len);
long pm_net_ifioctl(unsigned long req, void *arg);

/* family_inet.c: the engine's ready hook (marks the socket) and the report of the marks (after
 * the loopback netif's queue has run), called after every operation and turn of pm's loop. */
void inet_ready_hook(void *ctx, struct net_sock *s, void *cookie);
void inet_flush(void);

#endif
