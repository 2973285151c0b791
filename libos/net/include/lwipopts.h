/* lwipopts.h: the options Tessera builds lwIP 2.1.3 with (libos/net/README.md). Every value not
 * set here is lwIP's default (src/include/lwip/opt.h of the fetched tree). */
#ifndef TESSERA_LWIPOPTS_H
#define TESSERA_LWIPOPTS_H

/* No threads inside lwIP: each process drives its stack from its own loop, so neither the
 * sequential (netconn) nor the socket API of lwIP, and no locking (one caller at a time). */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_TIMERS 1

/* Memory: lwIP's own heap and pools in static arrays (no malloc), 8-byte aligned. */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (1024 * 1024)
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_UDP_PCB 16
#define MEMP_NUM_TCP_PCB 32
#define MEMP_NUM_TCP_PCB_LISTEN 16
#define MEMP_NUM_TCP_SEG 1024
#define MEMP_NUM_ARP_QUEUE 32
/* Received frames wait in pool pbufs until their reader reads: one full window (lwIP checks) is
 * 180 of them, pm's receive ring holds 344; a pbuf short drops a frame TCP must resend. Two
 * windows' worth, for connections receiving at once. */
#define PBUF_POOL_SIZE 512

/* Link layer: Ethernet with ARP (queueing packets while an address resolves). */
#define LWIP_ARP 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define ARP_QUEUEING 1
#define LWIP_ETHERNET 1

/* IPv4 with reassembly and fragmentation, ICMP, DHCP (with ARP's check of the offered address),
 * and IPv6 (SLAAC, neighbour discovery, MLD, reassembly). */
#define LWIP_IPV4 1
#define IP_REASSEMBLY 1
#define IP_REASS_MAX_PBUFS 46 /* a 64 KiB datagram in 1480-byte fragments */
#define IP_FRAG 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 1
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
#define LWIP_ICMP6 1
#define IPV6_FRAG_COPYHEADER 1 /* 64-bit pointers do not fit in the fragment header */

/* UDP and DNS (4 servers, answers cached). */
#define LWIP_UDP 1
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 4

/* TCP: 1460-byte segments, a 256 KiB window advertised with window scaling (shift 3), selective
 * acknowledgements sent (lwIP 2.1 sends SACK options; it does not act on received ones),
 * out-of-order segments queued, timestamps off. */
#define LWIP_TCP 1
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (256 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN ((2 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_SNDLOWAT (32 * 1024) /* lwIP wants it 4 MSS below 64 KiB */
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_SACK_OUT 1
#define LWIP_TCP_MAX_SACK_NUM 4
#define LWIP_TCP_TIMESTAMPS 0
#define LWIP_TCP_KEEPALIVE 1
#define TCP_LISTEN_BACKLOG 1
#define LWIP_CALLBACK_API 1
/* The socket engine (inet_tcp.c) hears of every pcb's end through one ext arg's destroy
 * callback, and lets SO_REUSEADDR bind past TIME-WAIT. */
#define LWIP_TCP_PCB_NUM_EXT_ARGS 1
#define SO_REUSE 1

/* Netifs: several (the loopback netif "lo" at 127.0.0.1 and ::1 among them, its packets delivered
 * by netif_poll_all() from the process's loop), status and link callbacks, netif hints. */
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 64
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_SINGLE_NETIF 0

/* Checksums computed and checked in software (no offload assumed). */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0

/* Statistics counters kept (lwip_stats), not printed. */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0

/* Strong-host routing (sys_arch.c): a packet from one of a netif's IPv4 addresses leaves by that
 * netif; without a source, or from an address of no netif, lwIP's own routing decides. */
struct netif;
struct ip4_addr;
struct netif *lwip_port_route4(const struct ip4_addr *src, const struct ip4_addr *dest);
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest) lwip_port_route4((src), (dest))

#endif
