/*
 * netbench.c: `./tessera bench net`'s guest, one source for both guests: built by tessera-cc as
 * a Tessera native program (init.run=netbench) and by gcc -static as the Linux guest's /init
 * (which first loads virtio-net from /modules and gives eth0 QEMU user networking's 10.0.2.15;
 * run on the host as an ordinary process, `netbench --port-base N`, it only serves, which is how
 * build.bench_net checks the host's driver against it).
 * The guest is the server; the host (build/bench_net.py) drives it through QEMU's hostfwd
 * ports and measures with its own clock. On Tessera the guest first waits for pm's DHCP lease
 * (/proc/net/tessera; the host's connections reach 10.0.2.15 only then: at most 60 s, the one
 * wait it bounds itself, before any operation's clock). The guest opens every listening socket,
 * prints
 *     netbench: guest=G ready ops=tcp_h2g,tcp_g2h,...
 * and serves the listed operations once each, in that order:
 *   tcp_h2g      (port 5201) counts the bytes the host sends until its FIN, answers "N\n"
 *   tcp_g2h      (port 5202) reads "N\n", sends N bytes, shuts down, waits for the host's FIN
 *   tcp_echo     (port 5203) echoes with TCP_NODELAY until the host's FIN
 *   udp_echo     (port 5204, UDP) echoes datagrams until "END", answers "K\n"
 *   tcp_connect  (port 5205) per connection: accept, send "a", wait for the host's FIN, close;
 *                a connection that sends data ("END") ends the loop and is not counted
 * After each one the guest's own figures for it are one row:
 *     netbench: guest=G op=NAME count=K bytes=B ns=T busy_ns=W exo_calls=C
 * ns: CLOCK_MONOTONIC from its first accept or byte to its end (under -icount shift=0 a
 * nanosecond is a guest instruction, or a jump of the idle clock while the guest waits for the
 * host, so ns follows the host's timing). busy_ns: the guest's work over the whole operation,
 * its waits left out (under icount: the instructions it executed): on Linux the machine's
 * time not spent idle (the monotonic time less the idle and iowait sleep /proc/timer_list
 * gives, interrupts and softirqs included), on Tessera the process's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID: its TCP/IP runs in pm, whose share, as exo's, is not in it); -1
 * where it cannot be had (Linux not as pid 1). exo_calls: exo's count, Tessera only; -1 on
 * Linux. An operation the system cannot do yet
 * prints "op=NAME unsupported errno=E" (its socket could not be made) or "failed errno=E" and is
 * left out of the ready line, so the benchmark keeps running as the libOS grows. The guest never
 * times out by itself: under icount an idle guest's clock jumps, so its timeouts would fire at
 * once; the host kills a guest it gave up on. "netbench: done" ends the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#if ON_TESSERA
/* pm's DHCP lease comes in a later turn of its loop, not before init runs us: the host's
 * forwarded connections reach 10.0.2.15 only once pm has it. Waits (at most 60 s) until
 * /proc/net/tessera shows an address: 0, or -1 (no NIC line, or no lease by then). */
static int tessera_wait_lease(void)
{
    for (int i = 0; i < 600; i++) {
        char line[256] = "";
        FILE *f = fopen("/proc/net/tessera", "r");
        if (!f)
            return -1;
        int got = fgets(line, sizeof line, f) != NULL;
        fclose(f);
        if (got && strstr(line, "addr=") && !strstr(line, "addr=none"))
            return 0;
        usleep(100000);
    }
    return -1;
}
#else
#include <arpa/inet.h>
#include <linux/reboot.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
static int init; /* the Linux guest's /init (pid 1), not a process on the host */
static int tessera_wait_lease(void)
{
    return 0; /* Linux's address is set before the ready line (linux_setup) */
}
#endif

#define PORT_BASE 5201 /* the default: `--port-base N` moves them (the host test's run) */
#define ECHO_MSG 64    /* the host's echo messages; count = bytes / ECHO_MSG */
#define BUF_BYTES (64 * 1024)

static char buf[BUF_BYTES];
static int port_base = PORT_BASE;

/* The guest's work so far in ns (see the top), or -1. */
static long long busy_now(void)
{
#if ON_TESSERA
    struct timespec t;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0)
        return -1;
    return t.tv_sec * 1000000000ll + t.tv_nsec;
#else
    if (!init)
        return -1; /* a host has other CPUs and other work */
    long long now = now_ns(), idle = 0, v;
    int found = 0;
    char line[256];
    FILE *f = fopen("/proc/timer_list", "r");
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, " .idle_sleeptime : %lld nsecs", &v) == 1 ||
            sscanf(line, " .iowait_sleeptime: %lld nsecs", &v) == 1) {
            idle += v;
            found = 1;
        }
    }
    if (f)
        fclose(f);
    return found ? now - idle : -1;
#endif
}

/* What one operation measured; its server fills it in. */
struct meas {
    long long count, bytes, t0, t1;
};

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 ? errno : EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static ssize_t recv_some(int fd, char *p, size_t n)
{
    ssize_t k;
    do
        k = recv(fd, p, n, 0);
    while (k < 0 && errno == EINTR);
    return k;
}

static int accept_one(int l)
{
    int c;
    do
        c = accept(l, NULL, NULL);
    while (c < 0 && errno == EINTR);
    return c;
}

/* Until the peer's FIN: 0, or the errno (data where none was due: EPROTO). */
static int wait_fin(int c)
{
    char b[16];
    ssize_t k = recv_some(c, b, sizeof b);
    return k == 0 ? 0 : (k < 0 ? errno : EPROTO);
}

static int reply_count(int c, long long v)
{
    char line[32];
    int n = snprintf(line, sizeof line, "%lld\n", v);
    return send_all(c, line, (size_t)n);
}

/* The servers: each gets its listening (or bound) socket, returns 0 or an errno. */
static int srv_tcp_h2g(int l, struct meas *m)
{
    int c = accept_one(l);
    if (c < 0)
        return errno;
    m->t0 = now_ns();
    ssize_t k;
    while ((k = recv_some(c, buf, sizeof buf)) > 0)
        m->bytes += k;
    m->t1 = now_ns();
    m->count = 1;
    int e = k < 0 ? errno : reply_count(c, m->bytes);
    close(c);
    return e;
}

static int srv_tcp_g2h(int l, struct meas *m)
{
    int c = accept_one(l);
    if (c < 0)
        return errno;
    char req[32];
    size_t got = 0;
    while (got < sizeof req - 1 && (got == 0 || req[got - 1] != '\n')) {
        ssize_t k = recv_some(c, req + got, sizeof req - 1 - got);
        if (k <= 0) {
            close(c);
            return k < 0 ? errno : EPROTO;
        }
        got += (size_t)k;
    }
    req[got] = 0;
    long long want = atoll(req);
    int e = 0;
    m->t0 = now_ns();
    for (long long left = want; left > 0 && !e;) {
        size_t n = left < (long long)sizeof buf ? (size_t)left : sizeof buf;
        e = send_all(c, buf, n);
        left -= (long long)n;
        m->bytes += e ? 0 : (long long)n;
    }
    if (!e && shutdown(c, SHUT_WR) != 0)
        e = errno;
    if (!e)
        e = wait_fin(c); /* the host has counted every byte */
    m->t1 = now_ns();
    m->count = 1;
    close(c);
    return e;
}

static int srv_tcp_echo(int l, struct meas *m)
{
    int c = accept_one(l);
    if (c < 0)
        return errno;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* best effort */
    ssize_t k;
    int e = 0;
    while (!e && (k = recv_some(c, buf, sizeof buf)) > 0) {
        if (!m->bytes)
            m->t0 = now_ns();
        e = send_all(c, buf, (size_t)k);
        m->bytes += k;
    }
    m->t1 = now_ns();
    if (!e && k < 0)
        e = errno;
    m->count = m->bytes / ECHO_MSG;
    close(c);
    return e;
}

static int srv_udp_echo(int u, struct meas *m)
{
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t k = recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return errno;
        if (!m->t0)
            m->t0 = now_ns();
        if (k == 3 && memcmp(buf, "END", 3) == 0) {
            m->t1 = now_ns();
            int n = snprintf(buf, sizeof buf, "%lld\n", m->count);
            return sendto(u, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) == n ? 0 : errno;
        }
        if (sendto(u, buf, (size_t)k, 0, (struct sockaddr *)&from, fl) != k)
            return errno;
        m->count++;
        m->bytes += k;
    }
}

static int srv_tcp_connect(int l, struct meas *m)
{
    for (;;) {
        int c = accept_one(l);
        if (c < 0)
            return errno;
        if (!m->t0)
            m->t0 = now_ns();
        int e = send_all(c, "a", 1);
        ssize_t k = e ? 0 : recv_some(c, buf, 8); /* 0: the host's FIN; "END": the last */
        if (!e && k < 0)
            e = errno;
        close(c);
        if (e)
            return e;
        if (k > 0) {
            m->t1 = now_ns();
            return 0;
        }
        m->count++;
        m->bytes++;
    }
}

static const struct {
    const char *name;
    int type; /* SOCK_STREAM: a listening socket; SOCK_DGRAM: a bound one */
    int (*serve)(int, struct meas *);
} ops[] = {
    {"tcp_h2g", SOCK_STREAM, srv_tcp_h2g},         {"tcp_g2h", SOCK_STREAM, srv_tcp_g2h},
    {"tcp_echo", SOCK_STREAM, srv_tcp_echo},       {"udp_echo", SOCK_DGRAM, srv_udp_echo},
    {"tcp_connect", SOCK_STREAM, srv_tcp_connect},
};
#define NOPS (sizeof ops / sizeof ops[0])

/* The socket of op i on port_base + i, any address: its fd, or -errno. */
static int open_socket(size_t i)
{
    int fd = socket(AF_INET, ops[i].type, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* best effort */
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(port_base + i))};
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        (ops[i].type == SOCK_STREAM && listen(fd, 64) != 0)) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

#if !ON_TESSERA
/* The Linux guest as pid 1: proc, the kernel's name for the CSV, virtio-net's modules (listed
 * in /modules, dependencies first), then lo and eth0 up with QEMU user networking's address. */
static int ifreq_set(int s, const char *dev, unsigned long req, const char *addr)
{
    struct ifreq r;
    memset(&r, 0, sizeof r);
    snprintf(r.ifr_name, sizeof r.ifr_name, "%s", dev);
    if (addr) {
        struct sockaddr_in *a = (struct sockaddr_in *)&r.ifr_addr;
        a->sin_family = AF_INET;
        inet_pton(AF_INET, addr, &a->sin_addr);
        return ioctl(s, req, &r);
    }
    if (ioctl(s, SIOCGIFFLAGS, &r) != 0)
        return -1;
    r.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(s, SIOCSIFFLAGS, &r);
}

static int linux_setup(void)
{
    mkdir("/proc", 0555);
    mount("proc", "/proc", "proc", 0, NULL);
    struct utsname u;
    if (uname(&u) == 0)
        printf("netbench: kernel release=%s version=%s\n", u.release, u.version);
    FILE *f = fopen("/modules", "r");
    char path[256];
    while (f && fgets(path, sizeof path, f)) {
        path[strcspn(path, "\n")] = 0;
        int fd = path[0] ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd >= 0 && syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
            printf("netbench: module %s: errno=%d\n", path, errno);
        if (fd >= 0)
            close(fd);
    }
    if (f)
        fclose(f);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0 || ifreq_set(s, "lo", 0, NULL) != 0) {
        printf("netbench: lo up: errno=%d\n", errno);
        return -1;
    }
    for (int i = 0; i < 100; i++) { /* eth0 comes with virtio-net's probe */
        if (ifreq_set(s, "eth0", SIOCSIFADDR, "10.0.2.15") == 0 &&
            ifreq_set(s, "eth0", SIOCSIFNETMASK, "255.255.255.0") == 0 &&
            ifreq_set(s, "eth0", 0, NULL) == 0) {
            close(s);
            return 0;
        }
        usleep(20000);
    }
    printf("netbench: eth0 up: errno=%d\n", errno);
    close(s);
    return -1;
}
#endif

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(buf, 0x5a, sizeof buf);
    if (argc > 2 && strcmp(argv[1], "--port-base") == 0)
        port_base = atoi(argv[2]);
    if (tessera_wait_lease() != 0)
        printf("netbench: no DHCP lease in 60 s (/proc/net/tessera)\n");
#if !ON_TESSERA
    init = getpid() == 1;
    if (!init || linux_setup() == 0) {
#endif
        int fds[NOPS];
        char ready[128] = "";
        for (size_t i = 0; i < NOPS; i++) {
            fds[i] = open_socket(i);
            if (fds[i] < 0)
                printf("netbench: guest=%s op=%s unsupported errno=%d\n", GUEST, ops[i].name,
                       -fds[i]);
            else
                snprintf(ready + strlen(ready), sizeof ready - strlen(ready), "%s%s",
                         ready[0] ? "," : "", ops[i].name);
        }
        printf("netbench: guest=%s ready ops=%s\n", GUEST, ready);
        for (size_t i = 0; i < NOPS; i++) {
            if (fds[i] < 0)
                continue;
            struct meas m = {0, 0, 0, 0};
            long c0 = exo_calls();
            long long b0 = busy_now();
            int e = ops[i].serve(fds[i], &m);
            long long b1 = busy_now();
            long c1 = exo_calls();
            close(fds[i]);
            if (e)
                printf("netbench: guest=%s op=%s failed errno=%d\n", GUEST, ops[i].name, e);
            else
                printf("netbench: guest=%s op=%s count=%lld bytes=%lld ns=%lld busy_ns=%lld "
                       "exo_calls=%ld\n",
                       GUEST, ops[i].name, m.count, m.bytes, m.t1 - m.t0,
                       b0 < 0 || b1 < 0 ? -1 : b1 - b0,
                       c0 < 0 ? -1 : c1 - c0 - 1); /* the second count is one call itself */
        }
#if !ON_TESSERA
    }
#endif
    printf("netbench: done\n");
    fflush(stdout);
#if !ON_TESSERA
    if (init) {
        sync();
        reboot(LINUX_REBOOT_CMD_POWER_OFF);
    }
#endif
    return 0;
}
