/*
 * net/pm_net.h: pm's network part (libos/net/pm_net.c, family_inet.c): one lwIP for every
 * process's AF_INET/AF_INET6 sockets, the NIC exo drives (its receive ring, DHCP or a static
 * address), lwIP's timers in pm's main loop. pm_fs.c starts it with the file layer.
 */
#ifndef NET_PM_NET_H
#define NET_PM_NET_H

#include <stdint.h>

struct net_sock;

/* lwIP, the socket families, the loop hook; the NIC if there is one. 0, or a negative errno
 * when the families could not be registered (no NIC is no error: loopback only). */
int pm_net_start(void);
/* /proc/net/tessera's one line into buf (at most len bytes with its NUL): the length. */
unsigned pm_net_describe(char *buf, unsigned len);

/* family_inet.c: the engine's ready hook (marks the socket) and the report of the marks (after
 * the loopback netif's queue has run), called after every operation and turn of pm's loop. */
void inet_ready_hook(void *ctx, struct net_sock *s, void *cookie);
void inet_flush(void);

#endif
