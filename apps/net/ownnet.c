/*
 * ownnet.c: processes that each run their own TCP/IP stack (libos/net/own.c) beside pm's, kept
 * apart by exo's packet filters alone (docs/concepts/sockets.md, "A process with its own
 * stack"; apps.boot.ownnet, apps/net/tests/ownnet_boot_test.py).
 *     ownnet pair PA PB            starts "serve PA A PB" and "serve PB B PA", waits
 *     ownnet serve PORT MARK OTHER one stack, UDP and TCP echo on PORT
 * A server takes the machine's identity from /proc/net/tessera (pm's DHCP lease), starts lwIP
 * over its own receive ring, binds UDP and TCP PORT through the socket engine (each bind a
 * claim at exo through pm), and answers every datagram and every TCP chunk with "MARK:" and the
 * bytes. Datagrams that are commands: "probe" tries to take OTHER (another process's port) and
 * prints the exact errors (exo's nf_claim straight, pm's net_claim, the engine's bind, nf_send of a
 * frame from OTHER) and that a frame from PORT goes out; "stats" prints own_net_stats; "die" asks
 * the pair's parent (a byte on fd 3) to kill this process with SIGKILL, after which the parent
 * starts "serve PA C PB" on the dead one's port: exo must have ended its claims; "quit" prints the
 * stats and exits. Console lines are written whole (one write each): several processes print at
 * once.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <exo/abi.h>
#include <net/own.h>
#include <proc/client.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONNS 4
#define RING_PAGES 16 /* 64 KiB: bursts of a quarter of lwIP's window of full frames */

static char mark[8];
static uint16_t port, other;
static struct own_net_config cfg;

static void say(const char *fmt, ...)
{
    char line[256];
    int n = snprintf(line, sizeof line, "ownnet %s: ", mark);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    if (write(1, line, (size_t)n) < 0)
        _exit(9);
}

/* The machine's identity as pm's lease left it: "mac=M addr=A/P gw=G gwmac=M ...". 0 when
 * there is an address and the gateway's MAC. */
static int read_conf(void)
{
    char line[256] = "";
    FILE *f = fopen("/proc/net/tessera", "r");
    if (!f)
        return -1;
    int got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    unsigned m[6], a[4], g[4], gm[6], prefix;
    if (!got ||
        sscanf(line,
               "mac=%x:%x:%x:%x:%x:%x addr=%u.%u.%u.%u/%u gw=%u.%u.%u.%u "
               "gwmac=%x:%x:%x:%x:%x:%x",
               &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &a[0], &a[1], &a[2], &a[3], &prefix, &g[0],
               &g[1], &g[2], &g[3], &gm[0], &gm[1], &gm[2], &gm[3], &gm[4], &gm[5]) != 21 ||
        prefix > 32)
        return 1;
    uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;
    for (int i = 0; i < 6; i++) {
        cfg.mac[i] = (uint8_t)m[i];
        cfg.gw_mac[i] = (uint8_t)gm[i];
    }
    for (int i = 0; i < 4; i++) {
        cfg.ip[i] = (uint8_t)a[i];
        cfg.gw[i] = (uint8_t)g[i];
        cfg.mask[i] = (uint8_t)(mask >> (24 - 8 * i));
    }
    return 0;
}

static struct net_sockaddr_in sin_port(uint16_t p)
{
    return (struct net_sockaddr_in){.sin_family = NET_AF_INET, .sin_port = htons(p)};
}

static uint16_t ip_sum(const uint8_t *h, int n)
{
    uint32_t s = 0;
    for (int i = 0; i < n; i += 2)
        s += (uint32_t)h[i] << 8 | h[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* nf_send of a UDP datagram "spam" from this machine's address and port sport to the gateway's
 * discard port: exo's verdict on who may send from sport. */
static long send_from(uint16_t sport)
{
    uint8_t f[14 + 20 + 8 + 4] = {0};
    memcpy(f, cfg.gw_mac, 6);
    memcpy(f + 6, cfg.mac, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14, *udp = ip + 20;
    ip[0] = 0x45;
    ip[3] = 20 + 8 + 4;
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, cfg.ip, 4);
    memcpy(ip + 16, cfg.gw, 4);
    uint16_t sum = ip_sum(ip, 20);
    ip[10] = (uint8_t)(sum >> 8);
    ip[11] = (uint8_t)sum;
    udp[0] = (uint8_t)(sport >> 8);
    udp[1] = (uint8_t)sport;
    udp[3] = 9;
    udp[5] = 8 + 4; /* checksum 0: none */
    memcpy(udp + 8, "spam", 4);
    return (long)exo_nf_send((uint64_t)f, sizeof f);
}

/* pm's net_claim of proto/port for this process (its exo slot, released at once) or -errno. */
static long pm_claim(uint8_t proto, uint16_t p)
{
    struct pm_msg *m = proc_msg();
    m->a[0] = EXO_NF_IPV4;
    m->a[1] = proto;
    m->a[2] = p;
    m->a[3] = 0;
    long r = proc_call(PM_OP_net_claim);
    if (r >= 0)
        exo_nf_release(EXO_CAP_SELF, (uint64_t)r);
    return r;
}

/* exo's nf_claim straight from this process: refused (EXO_E_PERM) whatever the port. */
static long direct_claim(uint8_t proto, uint16_t p)
{
    struct exo_nf f = {.ethertype = EXO_NF_IPV4, .proto = proto, .port = p};
    long r = (long)exo_nf_claim(EXO_CAP_SELF, (uint64_t)&f);
    if (r >= 0)
        exo_nf_release(EXO_CAP_SELF, (uint64_t)r);
    return r;
}

/* Tries to take OTHER, which another process's stack holds: exo's nf_claim straight (refused
 * for a process, even on a free port), pm's net_claim (UDP and TCP; and DHCP's port, pm's own
 * stack's), the engine's bind (its claim hook: pm's refusal), a frame sent from it. */
static void probe(char *reply, size_t n)
{
    long cu = direct_claim(EXO_NF_UDP, other), ct = direct_claim(EXO_NF_TCP, other);
    long cf = direct_claim(EXO_NF_UDP, 7999);
    long pu = pm_claim(EXO_NF_UDP, other), pt = pm_claim(EXO_NF_TCP, other);
    long pd = pm_claim(EXO_NF_UDP, 68);
    struct net_sock *s;
    int b = net_socket(NET_AF_INET, NET_SOCK_DGRAM, 0, &s);
    if (b == 0) {
        struct net_sockaddr_in a = sin_port(other);
        b = net_bind(s, &a, sizeof a);
        net_close(s);
    }
    long so = send_from(other), sm = send_from(port);
    snprintf(reply, n,
             "probe: nf_claim udp %u = %ld, nf_claim tcp %u = %ld, nf_claim udp 7999 = %ld, "
             "pm claim udp %u = %ld, pm claim tcp %u = %ld, pm claim udp 68 = %ld, "
             "bind udp %u = %d, nf_send from %u = %ld, from %u = %ld",
             other, cu, other, ct, cf, other, pu, other, pt, pd, other, b, other, so, port, sm);
    say("%s", reply);
}

static void stats(char *reply, size_t n)
{
    struct own_net_stats st;
    own_net_stats(&st);
    snprintf(
        reply, n, "stats: frames=%u foreign=%u claims=%u refused=%u tx=%u tx_errors=%u drops=%u",
        st.frames, st.foreign, st.claims, st.refused, st.tx_frames, st.tx_errors, st.ring_drops);
    say("%s", reply);
}

/* One datagram: a command or an echo. 1: quit. */
static int datagram(struct net_sock *u)
{
    char in[1500], out[1600];
    struct net_sockaddr_in from;
    uint32_t fl = sizeof from;
    long n = net_recv(u, in, sizeof in - 1, 0, &from, &fl);
    if (n < 0)
        return 0;
    in[n] = 0;
    int quit = 0;
    char text[300] = "";
    if (!strcmp(in, "probe"))
        probe(text, sizeof text);
    else if (!strcmp(in, "stats") || (quit = !strcmp(in, "quit")))
        stats(text, sizeof text);
    else if (!strcmp(in, "die"))
        snprintf(text, sizeof text, "dying");
    int len = snprintf(out, sizeof out, "%s:", mark);
    if (text[0])
        len += snprintf(out + len, sizeof out - (size_t)len, "%s", text);
    else {
        memcpy(out + len, in, (size_t)n);
        len += (int)n;
    }
    net_send(u, out, (size_t)len, 0, &from, fl); /* out at once: nf_send is synchronous */
    if (!strcmp(in, "die") && write(3, mark, 1) != 1)
        say("die: no parent to ask");
    return quit;
}

/* A TCP connection's pending bytes, echoed with the mark in front. -1: it ended. */
static int stream(struct net_sock *c)
{
    char in[1024], out[1100];
    long n = net_recv(c, in, sizeof in, 0, NULL, NULL);
    if (n == -NET_EAGAIN)
        return 0;
    if (n <= 0)
        return -1;
    int len = snprintf(out, sizeof out, "%s:", mark);
    memcpy(out + len, in, (size_t)n);
    len += (int)n;
    for (long done = 0; done < len;) {
        long w = net_send(c, out + done, (size_t)(len - done), 0, NULL, 0);
        if (w == -NET_EAGAIN) {
            own_net_poll(10);
            continue;
        }
        if (w < 0)
            return -1;
        done += w;
    }
    return 0;
}

static int serve(void)
{
    int r = 1;
    for (int i = 0; i < 600 && (r = read_conf()) != 0; i++)
        usleep(100000);
    if (r != 0) {
        say("no address in /proc/net/tessera");
        return 3;
    }
    const size_t ring_len = RING_PAGES * EXO_PAGE;
    void *ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ring == MAP_FAILED)
        return 4;
    memset(ring, 0, ring_len); /* mapped now: nf_ring wants the pages there */
    cfg.ring_va = (uint64_t)ring;
    cfg.ring_pages = RING_PAGES;
    if ((r = own_net_start(&cfg)) != 0) {
        say("own_net_start: %d", r);
        return 5;
    }
    struct net_sock *u, *l, *conns[CONNS] = {0};
    struct net_sockaddr_in a = sin_port(port);
    int e;
    if ((e = net_socket(NET_AF_INET, NET_SOCK_DGRAM, 0, &u)) || (e = net_bind(u, &a, sizeof a)) ||
        (e = net_socket(NET_AF_INET, NET_SOCK_STREAM, 0, &l)) || (e = net_bind(l, &a, sizeof a)) ||
        (e = net_listen(l, 4))) {
        say("bind udp/tcp %u: %d", port, e);
        return 6;
    }
    say("ready on udp and tcp port %u, own stack at %u.%u.%u.%u", port, cfg.ip[0], cfg.ip[1],
        cfg.ip[2], cfg.ip[3]);
    for (;;) {
        own_net_poll(20);
        while (net_poll(u) & NET_POLLIN)
            if (datagram(u)) {
                say("exit");
                return 0;
            }
        struct net_sock *c;
        while (net_accept(l, &c, NULL, NULL) == 0) {
            int k = 0;
            while (k < CONNS && conns[k])
                k++;
            if (k == CONNS)
                net_close(c);
            else
                conns[k] = c;
        }
        for (int k = 0; k < CONNS; k++)
            if (conns[k] && stream(conns[k]) < 0) {
                net_close(conns[k]);
                conns[k] = NULL;
            }
    }
}

/* "serve PORT MARK OTHER" as a new process (fd 3: the pipe to this parent). */
static pid_t start(const char *p, const char *m, const char *o, int fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(fd, 3) != 3)
            _exit(100);
        char *argv[] = {"ownnet", "serve", (char *)p, (char *)m, (char *)o, NULL};
        execv("/ownnet", argv);
        _exit(101);
    }
    return pid;
}

static void ended(const char *m, int status)
{
    if (WIFSIGNALED(status))
        say("%s killed by signal %d", m, WTERMSIG(status));
    else
        say("%s exit %d", m, WEXITSTATUS(status));
}

/* bind through pm's stack (this process's POSIX sockets): 0 or -errno, the socket closed. */
static int pm_bind(int type, int p)
{
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
    int r = bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ? -errno : 0;
    close(fd);
    return r;
}

static int pair(const char *pa, const char *pb)
{
    int p[2];
    if (pipe(p) < 0)
        return 2;
    pid_t a = start(pa, "A", pb, p[1]), b = start(pb, "B", pa, p[1]);
    if (a < 0 || b < 0)
        return 3;
    char who;
    if (read(p[0], &who, 1) != 1 || who != 'A')
        return 4;
    /* pm's stack may not take B's port either: exo refuses pm's claim (EXO_E_BUSY) */
    say("pm bind udp %s = %d, tcp %s = %d, udp 7998 = %d", pb, pm_bind(SOCK_DGRAM, atoi(pb)), pb,
        pm_bind(SOCK_STREAM, atoi(pb)), pm_bind(SOCK_DGRAM, 7998));
    int st;
    kill(a, SIGKILL);
    if (waitpid(a, &st, 0) != a)
        return 5;
    ended("A", st);
    pid_t c = start(pa, "C", pb, p[1]);
    if (c < 0)
        return 6;
    close(p[1]);
    for (int left = 2; left > 0; left--) {
        pid_t w = waitpid(-1, &st, 0);
        if (w != b && w != c)
            return 7;
        ended(w == b ? "B" : "C", st);
    }
    return 0;
}

int main(int argc, char **argv)
{
    snprintf(mark, sizeof mark, "pair");
    if (argc == 4 && !strcmp(argv[1], "pair"))
        return pair(argv[2], argv[3]);
    if (argc != 5 || strcmp(argv[1], "serve") || strlen(argv[3]) >= sizeof mark)
        return 2;
    port = (uint16_t)atoi(argv[2]);
    other = (uint16_t)atoi(argv[4]);
    snprintf(mark, sizeof mark, "%s", argv[3]);
    return serve();
}
