/*
 * unix_proc.c: Linux's /proc/net/unix from the AF_UNIX family's live sockets (unix_all), for
 * netstat -x (docs/concepts/sockets.md, "What the tools see"). pm's procfs asks for it at each
 * read. Linux's columns: the kernel address (all zeros, as Linux shows it to a reader without
 * CAP_SYSLOG), the reference count, protocol 0, __SO_ACCEPTCON for a listener, the type, the
 * state (SS_CONNECTED with a peer, SS_UNCONNECTED else), the socket's inode (the st_ino fstat
 * and /proc/PID/fd give) and the name: a path, or an abstract one with '@' for its NULs.
 */
#include <common/printf.h>
#include <fs/sock.h>

#include "unix.h"

#define SO_ACCEPTCON (1u << 16)
#define SS_UNCONNECTED 1
#define SS_CONNECTED 3

unsigned fs_unix_proc(char *buf, unsigned len)
{
    unsigned n = 0;
    if (!len)
        return 0;
    buf[0] = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int k_ = exo_snprintf(buf + n, len - n, __VA_ARGS__);                                      \
        n = k_ < 0 ? n : n + (unsigned)k_ >= len ? len - 1 : n + (unsigned)k_;                     \
    } while (0)
    PUT("Num       RefCount Protocol Flags    Type St Inode Path\n");
    for (struct unix_sock *u = unix_all; u && n + 1 < len; u = u->all_next) {
        if (u->dead)
            continue;
        PUT("0000000000000000: %08X %08X %08X %04X %02X %5lu", u->refs, 0u,
            u->state == UNIX_LISTEN ? SO_ACCEPTCON : 0u, (unsigned)u->s.type,
            u->peer && u->state != UNIX_LISTEN ? SS_CONNECTED : SS_UNCONNECTED,
            (unsigned long)u->s.ino);
        if (u->addr) {
            const char *p = u->addr->sun.sun_path;
            uint32_t plen = u->addr->len > 2 ? u->addr->len - 2 : 0; /* after sun_family */
            PUT(" ");
            if (p[0]) { /* a path: NUL-terminated within len */
                for (uint32_t i = 0; i < plen && p[i] && n + 1 < len; i++)
                    buf[n++] = p[i];
            } else {
                for (uint32_t i = 0; i < plen && n + 1 < len; i++)
                    buf[n++] = p[i] ? p[i] : '@';
            }
            buf[n] = 0;
        }
        PUT("\n");
    }
#undef PUT
    return n;
}
