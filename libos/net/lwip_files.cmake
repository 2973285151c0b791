# lwip_files.cmake: the lwIP sources Tessera compiles, relative to the unpacked tree's src/
# (build/lwip.sh): the core, IPv4, IPv6 and Ethernet; not the sequential and socket APIs
# (NO_SYS), PPP, 6LoWPAN, SLIP or the apps. Used by the host half (lwip_core, libos/net) and
# the freestanding half (los_lwip, libos/CMakeLists.txt).
set(LWIP_CORE_FILES
  core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c
  core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c
  core/tcp_out.c core/timeouts.c core/udp.c
  core/ipv4/autoip.c core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/igmp.c
  core/ipv4/ip4_frag.c core/ipv4/ip4.c core/ipv4/ip4_addr.c
  core/ipv6/dhcp6.c core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c
  core/ipv6/ip6_addr.c core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c
  netif/ethernet.c)
# The socket engine and the ring netif over lwIP's raw API (ours, libos/net/README.md), relative
# to libos/net: net_engine (host) and los_lwip (freestanding).
set(NET_ENGINE_FILES inet.c inet_tcp.c inet_udp.c inet_raw.c inet_opt.c inet_proc.c netif_ring.c)
