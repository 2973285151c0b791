/*
 * echod.c: an ordinary POSIX TCP and UDP echo server (and, first, a client), for the boot test
 * with a NIC (apps/net/tests/net_boot_test.py, `apps.boot.net`): nothing in it is Tessera's.
 *     echod PORT [HOST:HPORT BYTES]
 * It waits (at most 60 s) for /proc/net/tessera to show an address (pm's DHCP lease) and the
 * gateway's MAC, and prints that line; with HOST:HPORT it connects out and sends BYTES bytes of a known pattern
 * ((i * 7 + i / 251) & 255), then closes; then it echoes every TCP connection on PORT (one at
 * a time, to its end, printing the count) and every UDP datagram to PORT, until a datagram
 * "quit" (answered "bye").
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char buf[65536];

static int read_conf(char *line, size_t n)
{
    FILE *f = fopen("/proc/net/tessera", "r");
    if (!f)
        return -1;
    int ok = fgets(line, (int)n, f) != NULL;
    fclose(f);
    line[strcspn(line, "\n")] = 0;
    return ok && !strstr(line, "addr=none") && !strstr(line, "gwmac=none") ? 0 : 1;
}

static int client(const char *hostport, long bytes)
{
    char host[64];
    snprintf(host, sizeof host, "%s", hostport);
    char *colon = strchr(host, ':');
    if (!colon)
        return -1;
    *colon = 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return -1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        printf("echod: connect to %s: errno %d\n", hostport, errno);
        return -1;
    }
    long sent = 0;
    while (sent < bytes) {
        size_t n = 0;
        for (; n < sizeof buf && sent + (long)n < bytes; n++) {
            long i = sent + (long)n;
            buf[n] = (char)((i * 7 + i / 251) & 255);
        }
        ssize_t w = send(s, buf, n, 0);
        if (w <= 0)
            break;
        sent += w;
    }
    close(s);
    printf("echod: sent %ld bytes to %s\n", sent, hostport);
    return sent == bytes ? 0 : -1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2)
        return 2;
    int port = atoi(argv[1]);
    char line[256] = "";
    int r = 1;
    for (int i = 0; i < 600 && (r = read_conf(line, sizeof line)) == 1; i++)
        usleep(100000);
    printf("echod: /proc/net/tessera: %s\n", line);
    if (r != 0)
        return 3;
    if (argc >= 4 && client(argv[2], atol(argv[3])) < 0)
        return 4;
    int l = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0 ||
        bind(u, (struct sockaddr *)&a, sizeof a) < 0) {
        printf("echod: bind/listen port %d: errno %d\n", port, errno);
        return 5;
    }
    printf("echod: ready on tcp and udp port %d\n", port);
    for (;;) {
        struct pollfd p[2] = {{.fd = l, .events = POLLIN}, {.fd = u, .events = POLLIN}};
        if (poll(p, 2, -1) < 0)
            return 6;
        if (p[1].revents & POLLIN) {
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t n = recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
            if (n == 4 && !memcmp(buf, "quit", 4)) {
                sendto(u, "bye", 3, 0, (struct sockaddr *)&from, fl);
                printf("echod: quit\n");
                return 0;
            }
            if (n >= 0)
                sendto(u, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
        }
        if (p[0].revents & POLLIN) {
            int c = accept(l, NULL, NULL);
            if (c < 0)
                continue;
            long total = 0;
            for (;;) {
                ssize_t n = recv(c, buf, sizeof buf, 0);
                if (n <= 0)
                    break;
                for (ssize_t done = 0; done < n;) {
                    ssize_t w = send(c, buf + done, (size_t)(n - done), 0);
                    if (w <= 0)
                        break;
                    done += w;
                }
                total += n;
            }
            close(c);
            printf("echod: tcp echoed %ld bytes\n", total);
        }
    }
}
