/*
 * sock.h: sockets in the file layer. A socket is an open file description (so fork, dup, exec,
 * close, poll, epoll and SCM_RIGHTS treat it as any other) whose object, struct fs_sock, belongs
 * to an address family. Each family plugs in through one table of operations, registered by its
 * number; socket() of a family nobody registered is EAFNOSUPPORT. AF_UNIX is the library's own
 * (unix.c); AF_INET/AF_INET6 are meant to be pm's, over lwIP, through the same table.
 *
 * The rules a family follows are the pipes': an operation that would wait returns -FS_EAGAIN
 * and, unless `nonblock`, sets p->wait to the object whose fs_ready/fs_wake will end the wait
 * (fs_sock_block does both); the owner calls again after the wake. A family reports readiness
 * changes of a socket with fs_ready(sock, events) (epoll and poll learn of them there). Calls
 * are served one at a time: a family needs no lock, and an operation never keeps half-done
 * state between calls (a stream send that finds room for part returns the part; MSG_WAITALL
 * returns what came and the owner asks again for the rest). Nothing is needed at fork or exec:
 * the description is shared or closed as every description is.
 *
 * The generic layer (sock.c) checks descriptors (EBADF, ENOTSOCK), flags and lengths, keeps the
 * SOL_SOCKET options every family shares (SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_SNDBUF,
 * SO_RCVBUF, SO_REUSEADDR...), turns read/write on a socket into recv/send, and raises the
 * SIGPIPE flag (p->sigpipe) for a family's EPIPE unless MSG_NOSIGNAL.
 */
#ifndef FS_SOCK_H
#define FS_SOCK_H

#include <fs/fs.h>
#include <fs/sockabi.h>

struct fs_sock_family;

/* What every socket has; a family's own structure begins with it. */
struct fs_sock {
    const struct fs_sock_family *fam;
    int type;     /* FS_SOCK_STREAM, _DGRAM, _SEQPACKET... (no flags) */
    int protocol; /* as socket() got it (0 for the family's default) */
    uint64_t ino; /* st_ino, and "socket:[ino]" in /proc/PID/fd */
    uint32_t sndbuf, rcvbuf;
    uint32_t opts; /* SO_* flags that are only stored: bit n for option n */
};

/* One send or receive in the owner's memory. In: name/namelen (send: the destination, or none;
 * receive: room for the source), data/len, control/controllen (Linux's cmsghdr records; receive:
 * room). Out (receive): namelen the source's full length (its first bytes copied), controllen the
 * bytes of control written, flags MSG_TRUNC/MSG_CTRUNC. */
struct fs_msg {
    void *name;
    uint32_t namelen;
    void *data;
    uint64_t len;
    void *control;
    uint64_t controllen;
    int flags;
};

/* A family's operations. Sockets, addresses and options have been checked as far as no family
 * needs to (a descriptor that is a socket of this family; a length within FS_SOCKADDR_MAX). A
 * NULL operation is EOPNOTSUPP. Results: >= 0 or -errno. */
struct fs_sock_family {
    int domain; /* FS_AF_* */
    /* A new socket of type (checked 1..10) and protocol; EPROTONOSUPPORT, ESOCKTNOSUPPORT. */
    long (*create)(struct fs_proc *p, int type, int protocol, struct fs_sock **out);
    /* Connects two new sockets of create's to each other (socketpair). */
    long (*pair)(struct fs_proc *p, struct fs_sock *a, struct fs_sock *b);
    long (*bind)(struct fs_proc *p, struct fs_sock *s, const void *addr, uint32_t len);
    long (*listen)(struct fs_proc *p, struct fs_sock *s, int backlog); /* 0..FS_SOMAXCONN */
    /* The next connection, as a new socket that will get a description of its own. */
    long (*accept)(struct fs_proc *p, struct fs_sock *s, int nonblock, struct fs_sock **out);
    long (*connect)(struct fs_proc *p, struct fs_sock *s, const void *addr, uint32_t len,
                    int nonblock);
    /* flags: MSG_* as the caller gave them (MSG_DONTWAIT folded into nonblock). A send's
     * SIGPIPE is the generic layer's: a family returns -FS_EPIPE, and sets *sigpipe if the
     * EPIPE is one Linux signals. */
    long (*sendmsg)(struct fs_proc *p, struct fs_sock *s, const struct fs_msg *m, int flags,
                    int nonblock, int *sigpipe);
    long (*recvmsg)(struct fs_proc *p, struct fs_sock *s, struct fs_msg *m, int flags,
                    int nonblock);
    long (*shutdown)(struct fs_proc *p, struct fs_sock *s, int how); /* checked 0..2 */
    /* Options the family answers; -FS_ENOPROTOOPT at SOL_SOCKET leaves the name to the
     * generic layer. get: *len in (room, >= 0) and out (bytes written). */
    long (*setsockopt)(struct fs_sock *s, int level, int name, const void *val, uint32_t len);
    long (*getsockopt)(struct fs_sock *s, int level, int name, void *val, uint32_t *len);
    /* Its own (peer 0) or its peer's (1) address: at most *len bytes into addr, *len set to
     * the address's full length. */
    long (*getname)(struct fs_sock *s, int peer, void *addr, uint32_t *len);
    unsigned (*poll)(struct fs_sock *s);                            /* FS_POLL* now */
    long (*ioctl)(struct fs_sock *s, unsigned long req, void *arg); /* FIONREAD... */
    void (*close)(struct fs_sock *s); /* the last description went: the family frees s */
};

/* Registration by family number (< FS_AF_MAX): -FS_EEXIST if taken, -FS_EINVAL past it.
 * AF_UNIX is registered from the start; unregistering a family leaves its sockets working. */
long fs_sock_register(const struct fs_sock_family *f);
void fs_sock_unregister(int domain);
extern const struct fs_sock_family fs_unix_family;
/* Linux's /proc/net/unix of the live AF_UNIX sockets into buf (at most len bytes with the NUL):
 * the length (unix_proc.c). */
unsigned fs_unix_proc(char *buf, unsigned len);

/* For families: the common fields of a socket the family made (an accepted one too). */
void fs_sock_init(struct fs_sock *s, const struct fs_sock_family *f, int type, int protocol);
/* A would-block result: p->wait = obj unless nonblock. Always -FS_EAGAIN. */
long fs_sock_block(struct fs_proc *p, const void *obj, int nonblock);
/* The socket descriptor fd names (NULL: not a socket or no descriptor), for a family's
 * SCM_RIGHTS and the bindings. */
struct fs_sock *fs_fd_sock(struct fs_proc *p, int fd);

/* The calls (sock.c): descriptors, flags and lengths checked as Linux checks them, then the
 * family's operation. Addresses and buffers are in the owner's memory. */
long fs_socket(struct fs_proc *p, int domain, int type, int protocol);
long fs_socketpair(struct fs_proc *p, int domain, int type, int protocol, int fds[2]);
long fs_bind(struct fs_proc *p, int fd, const void *addr, uint32_t len);
long fs_listen(struct fs_proc *p, int fd, int backlog);
/* addr NULL: no address wanted; else *len in and out as getsockname's. */
long fs_accept4(struct fs_proc *p, int fd, void *addr, uint32_t *len, int flags);
long fs_connect(struct fs_proc *p, int fd, const void *addr, uint32_t len);
long fs_sendmsg(struct fs_proc *p, int fd, const struct fs_msg *m, int flags);
long fs_recvmsg(struct fs_proc *p, int fd, struct fs_msg *m, int flags);
long fs_shutdown(struct fs_proc *p, int fd, int how);
long fs_setsockopt(struct fs_proc *p, int fd, int level, int name, const void *val, uint32_t len);
long fs_getsockopt(struct fs_proc *p, int fd, int level, int name, void *val, uint32_t *len);
long fs_getsockname(struct fs_proc *p, int fd, void *addr, uint32_t *len);
long fs_getpeername(struct fs_proc *p, int fd, void *addr, uint32_t *len);

#endif
