/*
 * ut_inet.c: AF_INET and AF_INET6 sockets in the guest (usertests.h), over the loopback netif
 * of pm's one lwIP (libos/net/pm_net.c, family_inet.c): TCP between a parent and a forked child
 * (1 MiB each way, byte for byte), accept then fork (the child serves, the parent closes its
 * copy and accepts again: Dropbear's pattern), two processes accepting on one listener, UDP
 * datagrams with their source and MSG_TRUNC, a non-blocking connect seen through poll (done and
 * refused), epoll woken by data from another process, FIONREAD, ::1, and Linux's errnos
 * (ECONNREFUSED, EADDRINUSE, ENOTCONN, EAFNOSUPPORT, EPROTONOSUPPORT, EINVAL, EPIPE); the
 * interface ioctls (SIOCGIF*: ENODEV, EOPNOTSUPP, ENOTTY) and a raw ICMP socket pinging
 * 127.0.0.1 (root's only: EPERM), whose blocked receive alarm's SIGALRM interrupts. Exact values
 * each.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "usertests.h"

#define MIB (1024 * 1024)
static unsigned char big[MIB], got[MIB];

static unsigned char pat(unsigned i, unsigned seed)
{
    return (unsigned char)(i * 131 + i / 4093 + seed);
}

static struct sockaddr_in lo4(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A TCP listener on 127.0.0.1 at a port of the stack's choosing: its descriptor, *port. */
static int listener(uint16_t *port, int backlog)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo4(0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, backlog) < 0)
        return -1;
    socklen_t l = sizeof a;
    if (getsockname(s, (struct sockaddr *)&a, &l) < 0)
        return -1;
    *port = ntohs(a.sin_port);
    return s;
}

static int connect_to(uint16_t port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo4(port);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0)
        return -1;
    return s;
}

static long send_all(int s, const void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = send(s, (const char *)buf + done, n - done, 0);
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return (long)done;
}

static long recv_all(int s, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = recv(s, (char *)buf + done, n - done, 0);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long)done;
}

static int exited(pid_t pid, int code)
{
    int st = -1;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

USERTEST(inet_errors)
{
    CHECK_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    CHECK_ERR(socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
    uint16_t port;
    int l = listener(&port, 4);
    CHECK_EQ(l >= 0, 1);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo4(port);
    CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof a), EADDRINUSE);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    CHECK_ERR(bind(s, (struct sockaddr *)&a6, sizeof a6), EAFNOSUPPORT);
    CHECK_ERR(bind(s, (struct sockaddr *)&a, 4), EINVAL);
    socklen_t al = sizeof a;
    CHECK_ERR(getpeername(s, (struct sockaddr *)&a, &al), ENOTCONN);
    char c;
    CHECK_ERR(recv(s, &c, 1, 0), ENOTCONN);
    CHECK_ERR(shutdown(s, SHUT_RDWR), ENOTCONN);
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(send(s, "x", 1, 0), EPIPE);
    signal(SIGPIPE, SIG_DFL);
    CHECK_EQ(close(l), 0);
    a = lo4(port); /* nobody listens there now */
    CHECK_ERR(connect(s, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
    CHECK_ERR(accept(s, NULL, NULL), EINVAL);
    int type = 0;
    socklen_t tl = sizeof type;
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &type, &tl), 0);
    CHECK_EQ(type, AF_INET);
    CHECK_EQ(close(s), 0);
    return 0;
}

/* The child connects and sends 1 MiB; the parent reads it and sends 1 MiB of another
 * pattern back; each side checks every byte. */
USERTEST(inet_tcp_fork_1mib)
{
    uint16_t port;
    int l = listener(&port, 1);
    CHECK_EQ(l >= 0, 1);
    pid_t pid = fork();
    if (pid == 0) {
        close(l);
        int s = connect_to(port);
        for (unsigned i = 0; i < MIB; i++)
            big[i] = pat(i, 1);
        if (s < 0 || send_all(s, big, MIB) != MIB)
            _exit(2);
        if (recv_all(s, got, MIB) != MIB)
            _exit(3);
        for (unsigned i = 0; i < MIB; i++)
            if (got[i] != pat(i, 2))
                _exit(4);
        char e;
        _exit(recv(s, &e, 1, 0) == 0 && close(s) == 0 ? 0 : 5);
    }
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int c = accept(l, (struct sockaddr *)&peer, &pl);
    CHECK_EQ(c >= 0, 1);
    CHECK_EQ(pl, sizeof peer);
    CHECK_EQ(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK_EQ(recv_all(c, got, MIB), MIB);
    unsigned bad = 0;
    for (unsigned i = 0; i < MIB; i++)
        bad += got[i] != pat(i, 1);
    CHECK_EQ(bad, 0);
    for (unsigned i = 0; i < MIB; i++)
        big[i] = pat(i, 2);
    CHECK_EQ(send_all(c, big, MIB), MIB);
    CHECK_EQ(shutdown(c, SHUT_WR), 0);
    char e;
    CHECK_EQ(recv(c, &e, 1, 0), 0); /* the child's close */
    CHECK_EQ(exited(pid, 0), 1);
    CHECK_EQ(close(c), 0);
    CHECK_EQ(close(l), 0);
    return 0;
}

/* Dropbear's pattern: accept, fork a child that serves the connection, the parent closes its
 * copy and accepts the next; a client process makes three connections in turn. */
USERTEST(inet_accept_then_fork)
{
    uint16_t port;
    int l = listener(&port, 4);
    CHECK_EQ(l >= 0, 1);
    pid_t client = fork();
    if (client == 0) {
        close(l);
        for (int k = 0; k < 3; k++) {
            int s = connect_to(port);
            char req[8] = {'r', 'e', 'q', (char)('0' + k)}, ans[16] = {0};
            if (s < 0 || send_all(s, req, 4) != 4)
                _exit(10 + k);
            long n = recv_all(s, ans, sizeof ans - 1); /* until the server's close */
            if (n != 8 || memcmp(ans, "ans:req", 7) || ans[7] != '0' + k)
                _exit(20 + k);
            close(s);
        }
        _exit(0);
    }
    pid_t servers[3];
    for (int k = 0; k < 3; k++) {
        int c = accept(l, NULL, NULL);
        CHECK_EQ(c >= 0, 1);
        servers[k] = fork();
        if (servers[k] == 0) {
            close(l);
            char req[4];
            char ans[8] = "ans:";
            if (recv_all(c, req, 4) != 4)
                _exit(1);
            memcpy(ans + 4, req, 4);
            usleep(20000); /* the parent's close comes first: the connection lives on */
            _exit(send_all(c, ans, 8) == 8 && close(c) == 0 ? 0 : 2);
        }
        CHECK_EQ(close(c), 0);
    }
    for (int k = 0; k < 3; k++)
        CHECK_EQ(exited(servers[k], 0), 1);
    CHECK_EQ(exited(client, 0), 1);
    CHECK_EQ(close(l), 0);
    return 0;
}

/* Two forked children block in accept on one listener; two connections reach one each. */
USERTEST(inet_two_acceptors)
{
    uint16_t port;
    int l = listener(&port, 4);
    CHECK_EQ(l >= 0, 1);
    pid_t kids[2];
    for (int k = 0; k < 2; k++)
        if ((kids[k] = fork()) == 0) {
            int c = accept(l, NULL, NULL);
            pid_t me = getpid();
            _exit(c >= 0 && send_all(c, &me, sizeof me) == sizeof me && close(c) == 0 ? 0 : 1);
        }
    usleep(20000);
    pid_t seen[2];
    for (int k = 0; k < 2; k++) {
        int s = connect_to(port);
        CHECK_EQ(s >= 0, 1);
        CHECK_EQ(recv_all(s, &seen[k], sizeof seen[k]), sizeof seen[k]);
        CHECK_EQ(close(s), 0);
    }
    CHECK_EQ((seen[0] == kids[0] && seen[1] == kids[1]) ||
                 (seen[0] == kids[1] && seen[1] == kids[0]),
             1);
    CHECK_EQ(exited(kids[0], 0), 1);
    CHECK_EQ(exited(kids[1], 0), 1);
    CHECK_EQ(close(l), 0);
    return 0;
}

USERTEST(inet_udp)
{
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in aa = lo4(0), ba = lo4(0);
    CHECK_EQ(bind(a, (struct sockaddr *)&aa, sizeof aa), 0);
    CHECK_EQ(bind(b, (struct sockaddr *)&ba, sizeof ba), 0);
    socklen_t l = sizeof aa;
    CHECK_EQ(getsockname(a, (struct sockaddr *)&aa, &l), 0);
    l = sizeof ba;
    CHECK_EQ(getsockname(b, (struct sockaddr *)&ba, &l), 0);
    CHECK_EQ(ntohs(aa.sin_port) >= 32768 && ntohs(aa.sin_port) <= 60999, 1);
    for (unsigned i = 0; i < 3000; i++)
        big[i] = pat(i, 3);
    pid_t pid = fork();
    if (pid == 0) { /* two datagrams from another process */
        if (sendto(a, big, 3000, 0, (struct sockaddr *)&ba, sizeof ba) != 3000 ||
            sendto(a, "tiny", 4, 0, (struct sockaddr *)&ba, sizeof ba) != 4)
            _exit(1);
        _exit(0);
    }
    CHECK_EQ(exited(pid, 0), 1);
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    int n = 0;
    CHECK_EQ(ioctl(b, FIONREAD, &n), 0);
    CHECK_EQ(n, 3000);
    memset(got, 0, 3000);
    CHECK_EQ(recvfrom(b, got, 3000, 0, (struct sockaddr *)&from, &fl), 3000);
    CHECK_EQ(memcmp(got, big, 3000), 0);
    CHECK_EQ(fl, sizeof from);
    CHECK_EQ(from.sin_port, aa.sin_port);
    CHECK_EQ(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    char small[2];
    CHECK_EQ(recv(b, small, 2, MSG_TRUNC), 4); /* cut, its full length told */
    CHECK_EQ(memcmp(small, "ti", 2), 0);
    CHECK_ERR(recv(b, small, 2, MSG_DONTWAIT), EAGAIN);
    /* connected: only the peer's datagrams, send without an address */
    CHECK_EQ(connect(b, (struct sockaddr *)&aa, sizeof aa), 0);
    CHECK_EQ(send(b, "back", 4, 0), 4);
    char four[8];
    CHECK_EQ(recv(a, four, sizeof four, 0), 4);
    CHECK_EQ(memcmp(four, "back", 4), 0);
    CHECK_EQ(close(a), 0);
    CHECK_EQ(close(b), 0);
    return 0;
}

/* connect on a non-blocking socket: EINPROGRESS, POLLOUT when done, SO_ERROR; refused too. */
USERTEST(inet_nonblocking_connect)
{
    uint16_t port;
    int l = listener(&port, 1);
    CHECK_EQ(l >= 0, 1);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = lo4(port);
    CHECK_ERR(connect(s, (struct sockaddr *)&a, sizeof a), EINPROGRESS);
    struct pollfd p = {.fd = s, .events = POLLOUT};
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK_EQ(p.revents, POLLOUT);
    int err = -1;
    socklen_t el = sizeof err;
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    CHECK_EQ(err, 0);
    CHECK_EQ(connect(s, (struct sockaddr *)&a, sizeof a), 0); /* Linux: once, then EISCONN */
    CHECK_ERR(connect(s, (struct sockaddr *)&a, sizeof a), EISCONN);
    int c = accept4(l, NULL, NULL, SOCK_NONBLOCK);
    CHECK_EQ(c >= 0, 1);
    char x;
    CHECK_ERR(recv(c, &x, 1, 0), EAGAIN);
    CHECK_EQ(close(c), 0);
    CHECK_EQ(close(s), 0);
    CHECK_EQ(close(l), 0);
    s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0); /* the port is closed now */
    CHECK_ERR(connect(s, (struct sockaddr *)&a, sizeof a), EINPROGRESS);
    p = (struct pollfd){.fd = s, .events = POLLOUT};
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK_EQ(p.revents & (POLLOUT | POLLERR), POLLOUT | POLLERR);
    el = sizeof err;
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    CHECK_EQ(err, ECONNREFUSED);
    CHECK_EQ(close(s), 0);
    return 0;
}

/* epoll on a connected TCP socket, woken by another process's bytes; FIONREAD counts them. */
USERTEST(inet_epoll)
{
    uint16_t port;
    int l = listener(&port, 1);
    CHECK_EQ(l >= 0, 1);
    pid_t pid = fork();
    if (pid == 0) {
        int s = connect_to(port);
        usleep(30000); /* the parent is in epoll_wait by now */
        _exit(s >= 0 && send_all(s, "hello, epoll", 12) == 12 && close(s) == 0 ? 0 : 1);
    }
    int c = accept(l, NULL, NULL);
    CHECK_EQ(c >= 0, 1);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77};
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev), 0);
    struct epoll_event out;
    CHECK_EQ(epoll_wait(ep, &out, 1, 5000), 1);
    CHECK_EQ(out.data.u64, 77);
    CHECK_EQ(out.events & EPOLLIN, EPOLLIN);
    CHECK_EQ(exited(pid, 0), 1);
    int n = 0;
    CHECK_EQ(ioctl(c, FIONREAD, &n), 0);
    CHECK_EQ(n, 12);
    char buf[16];
    CHECK_EQ(recv(c, buf, sizeof buf, 0), 12);
    CHECK_EQ(memcmp(buf, "hello, epoll", 12), 0);
    CHECK_EQ(recv(c, buf, sizeof buf, 0), 0);
    CHECK_EQ(close(ep), 0);
    CHECK_EQ(close(c), 0);
    CHECK_EQ(close(l), 0);
    return 0;
}

/* IPv6 over ::1, and an IPv4 peer of a dual-stack listener seen as ::ffff:127.0.0.1. */
USERTEST(inet6_loopback)
{
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
    CHECK_EQ(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ(listen(l, 2), 0);
    socklen_t al = sizeof a;
    CHECK_EQ(getsockname(l, (struct sockaddr *)&a, &al), 0);
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to = {
        .sin6_family = AF_INET6, .sin6_port = a.sin6_port, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    CHECK_EQ(connect(s6, (struct sockaddr *)&to, sizeof to), 0);
    int c6 = accept(l, NULL, NULL);
    CHECK_EQ(c6 >= 0, 1);
    CHECK_EQ(send(s6, "six", 3, 0), 3);
    char buf[4];
    CHECK_EQ(recv(c6, buf, sizeof buf, 0), 3);
    CHECK_EQ(memcmp(buf, "six", 3), 0);
    int s4 = connect_to(ntohs(a.sin6_port));
    CHECK_EQ(s4 >= 0, 1);
    struct sockaddr_in6 peer;
    socklen_t pl = sizeof peer;
    int c4 = accept(l, (struct sockaddr *)&peer, &pl);
    CHECK_EQ(c4 >= 0, 1);
    static const unsigned char mapped[16] = {0, 0, 0,    0,    0,   0, 0, 0,
                                             0, 0, 0xff, 0xff, 127, 0, 0, 1};
    CHECK_EQ(memcmp(&peer.sin6_addr, mapped, 16), 0);
    CHECK_EQ(close(c4) | close(s4) | close(c6) | close(s6) | close(l), 0);
    return 0;
}

/* The interface ioctls ifconfig uses (libos/net/pm_netif.c), on the loopback netif: this boot
 * has no NIC, so lo is the one interface, index 1. */
USERTEST(inet_ifreq_ioctls)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    CHECK_EQ(ioctl(s, SIOCGIFFLAGS, &r), 0);
    CHECK_EQ(r.ifr_flags, IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
    CHECK_EQ(ioctl(s, SIOCGIFINDEX, &r), 0);
    CHECK_EQ(r.ifr_ifindex, 1);
    CHECK_EQ(ioctl(s, SIOCGIFMTU, &r), 0);
    CHECK_EQ(r.ifr_mtu, 65536);
    CHECK_EQ(ioctl(s, SIOCGIFADDR, &r), 0);
    struct sockaddr_in *in = (struct sockaddr_in *)&r.ifr_addr;
    CHECK_EQ(in->sin_family, AF_INET);
    CHECK_EQ(in->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK_EQ(ioctl(s, SIOCGIFNETMASK, &r), 0);
    CHECK_EQ(in->sin_addr.s_addr, htonl(0xff000000));
    CHECK_EQ(ioctl(s, SIOCGIFHWADDR, &r), 0);
    CHECK_EQ(r.ifr_hwaddr.sa_family, 772); /* ARPHRD_LOOPBACK */
    memset(&r, 0, sizeof r);
    r.ifr_ifindex = 1;
    CHECK_EQ(ioctl(s, SIOCGIFNAME, &r), 0);
    CHECK_EQ(strcmp(r.ifr_name, "lo"), 0);
    r.ifr_ifindex = 9;
    CHECK_ERR(ioctl(s, SIOCGIFNAME, &r), ENODEV);
    strcpy(r.ifr_name, "eth7");
    CHECK_ERR(ioctl(s, SIOCGIFFLAGS, &r), ENODEV);
    strcpy(r.ifr_name, "lo");
    r.ifr_mtu = 1000;
    CHECK_ERR(ioctl(s, SIOCSIFMTU, &r), EOPNOTSUPP); /* pm's configuration is read-only */
    CHECK_EQ(ioctl(s, SIOCGIFMTU, &r), 0);
    CHECK_EQ(r.ifr_mtu, 65536);
    CHECK_ERR(ioctl(s, SIOCGIFTXQLEN, &r), ENOTTY);
    /* SIOCGIFCONF: the size asked with no buffer, then the list; a buffer too small for one */
    struct ifconf c = {.ifc_len = 0, .ifc_buf = NULL};
    CHECK_EQ(ioctl(s, SIOCGIFCONF, &c), 0);
    CHECK_EQ(c.ifc_len, (int)sizeof(struct ifreq));
    struct ifreq list[4];
    memset(list, 0xaa, sizeof list);
    c.ifc_len = sizeof list;
    c.ifc_req = list;
    CHECK_EQ(ioctl(s, SIOCGIFCONF, &c), 0);
    CHECK_EQ(c.ifc_len, (int)sizeof(struct ifreq));
    CHECK_EQ(strcmp(list[0].ifr_name, "lo"), 0);
    CHECK_EQ(((struct sockaddr_in *)&list[0].ifr_addr)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK_EQ(list[1].ifr_name[0], (char)0xaa); /* nothing written past it */
    c.ifc_len = sizeof(struct ifreq) - 1;
    CHECK_EQ(ioctl(s, SIOCGIFCONF, &c), 0);
    CHECK_EQ(c.ifc_len, 0);
    CHECK_EQ(close(s), 0);
    return 0;
}

static volatile sig_atomic_t alarmed;
static void on_alarm(int sig)
{
    (void)sig;
    alarmed = 1;
}

static uint16_t icmp_sum(const unsigned char *p, unsigned n)
{
    uint32_t s = 0;
    for (unsigned i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* ping's socket (libos/net/inet_raw.c) over the loopback: the request and the stack's reply,
 * each with its IPv4 header; then alarm's SIGALRM ends a receive that waits in pm (EINTR). */
USERTEST(inet_raw_icmp_ping_and_alarm)
{
    CHECK_ERR(socket(AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
    CHECK_ERR(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6), EPROTONOSUPPORT);
    pid_t pid = fork(); /* root's only, as Linux's CAP_NET_RAW */
    if (pid == 0) {
        if (setuid(1000) != 0)
            _exit(2);
        errno = 0;
        int r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
        _exit(r == -1 && errno == EPERM ? 0 : 1);
    }
    CHECK_EQ(exited(pid, 0), 1);
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    CHECK_EQ(s >= 0, 1);
    unsigned char req[16] = {8, 0, 0, 0, 0x12, 0x34, 0, 7, 't', 'e', 's', 's', 'e', 'r', 'a', '!'};
    uint16_t sum = icmp_sum(req, sizeof req);
    req[2] = (unsigned char)(sum >> 8), req[3] = (unsigned char)sum;
    struct sockaddr_in a = lo4(0);
    CHECK_EQ(sendto(s, req, sizeof req, 0, (struct sockaddr *)&a, sizeof a), 16);
    unsigned char b[64];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    CHECK_EQ(recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl), 36);
    CHECK_EQ(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK_EQ(b[0], 0x45);
    CHECK_EQ(b[9], IPPROTO_ICMP);
    CHECK_EQ(memcmp(b + 20, req, 16), 0); /* the request itself, as Linux's raw socket sees it */
    CHECK_EQ(recv(s, b, sizeof b, 0), 36);
    CHECK_EQ(b[20], 0); /* the echo reply: same id, sequence and data, a valid checksum */
    CHECK_EQ(memcmp(b + 24, req + 4, 12), 0);
    CHECK_EQ(icmp_sum(b + 20, 16), 0);
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
    struct sigaction old;
    CHECK_EQ(sigaction(SIGALRM, &sa, &old), 0);
    alarmed = 0;
    alarm(1);
    CHECK_ERR(recv(s, b, sizeof b, 0), EINTR);
    CHECK_EQ(alarmed, 1);
    CHECK_EQ(sigaction(SIGALRM, &old, NULL), 0);
    CHECK_EQ(close(s), 0);
    return 0;
}
