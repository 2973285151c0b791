/*
 * unix.h: what the AF_UNIX family's files share (unix.c: sockets, connections and data;
 * unix_name.c: names; unix_scm.c: descriptors passed in control messages). Nobody else sees it.
 */
#ifndef FS_UNIX_H
#define FS_UNIX_H

#include <fs/sock.h>

#include "internal.h"

#define UNIX_STREAM_CAP (256u * 1024) /* bytes a stream socket's receive queue holds */
#define UNIX_DGRAM_CAP (256u * 1024)  /* bytes of datagrams queued at one socket */
#define UNIX_DGRAM_QLEN 10            /* datagrams from others queued (net.unix.max_dgram_qlen) */
#define UNIX_DGRAM_MAX (FS_SOCK_BUF_MAX - 32) /* the largest datagram (Linux: sndbuf - 32) */
/* pm's memory one socket's receive queue may hold (its messages' pages, headers and passed
 * descriptors), whatever the bytes in it: without it a sender of 1-byte messages (or of
 * descriptors with a byte each) would queue a page each until the byte cap, 256 Ki pages of
 * the pm every process shares (Linux charges each message's truesize to the sender's
 * SO_SNDBUF for the same reason). Twice the byte caps, so sends of a page or more never meet it. */
#define UNIX_MEM_CAP (2u * 256 * 1024)

#define RCV_SHUT 1 /* Linux's RCV_SHUTDOWN, SEND_SHUTDOWN */
#define SEND_SHUT 2

/* A bound name: a path's (sun_path NUL-terminated) or an abstract one (sun_path[0] == 0), as
 * getsockname reports it: len bytes of struct sockaddr_un. Shared by the sockets that report it
 * (a listener's accepted sockets name it too). */
struct unix_addr {
    uint32_t refs;
    uint32_t len;
    struct fs_sockaddr_un sun;
};

/* Descriptors in flight (SCM_RIGHTS): references to their descriptions. */
struct unix_rights {
    uint32_t n;
    struct fs_file *file[FS_SCM_MAX_FD];
};

/* One send's bytes (a datagram, a record, or a piece of a stream), in pages. */
struct unix_msg {
    struct unix_msg *next;
    uint32_t len, off;        /* bytes, and bytes already read (a stream's) */
    struct unix_addr *from;   /* the sender's name (referenced), or NULL */
    struct unix_rights *fds;  /* descriptors it carries, or NULL */
    struct unix_sock *sender; /* a datagram's sender (not referenced): its queue count */
    uint32_t npages;
    uint32_t charge; /* pm's bytes it holds, counted in its queue's mem while queued */
    uint8_t *page[];
};

enum unix_state { UNIX_FREE, UNIX_LISTEN, UNIX_CONNECTED };

struct unix_sock {
    struct fs_sock s;
    uint32_t refs; /* its description (or accept queue), and every peer pointing at it */
    int dead;      /* closed: no description, its queue gone */
    enum unix_state state;
    int shut; /* RCV_SHUT | SEND_SHUT: its own shutdowns and what its peer's close did */
    int err;  /* SO_ERROR to report (ECONNRESET) */
    struct unix_sock *peer; /* referenced: the other end, or a datagram socket's destination */
    struct unix_addr *addr; /* its name (referenced), or NULL */
    struct fs_vnode *vn;    /* a path name's socket inode (referenced), or NULL */
    struct unix_msg *head, *tail; /* receive queue; a listener's holds no messages */
    uint64_t bytes;               /* in it */
    uint64_t mem;                 /* pm's memory its messages hold (UNIX_MEM_CAP) */
    uint32_t count;               /* datagrams in it from others (UNIX_DGRAM_QLEN) */
    struct unix_sock *acc_head, *acc_tail, *acc_next; /* a listener's connections */
    uint32_t acc_count, backlog;
    struct fs_ucred cred, peercred;        /* its own at socket/listen; its peer's at connect */
    struct unix_sock *all_next, *all_prev; /* every live socket (abstract names, peers) */
    /* unix_gc.c's marks, meaningful only while it runs */
    struct fs_file *gc_file; /* its description, as a message in flight names it */
    uint32_t gc_inflight;    /* references to it in messages (less those of candidates) */
    uint8_t gc_cand, gc_live;
};

static inline struct unix_sock *U(struct fs_sock *s)
{
    return (struct unix_sock *)s;
}

/* unix.c */
void unix_put(struct unix_sock *u);
void unix_msg_free(struct unix_msg *m); /* its pages, name and descriptors too */
extern struct unix_sock *unix_all;

/* unix_gc.c: sockets only messages in flight hold, collected after a close (SCM_RIGHTS
 * cycles); unix_fd_msgs counts the queued messages that carry descriptors. */
extern uint32_t unix_fd_msgs;
void unix_gc(void);
/* A send with control bytes looks too once this many messages with descriptors are queued: a
 * socket sent into its own queue and closed by descriptor closes no socket, so without it such
 * garbage could grow with no close to find it (Linux: UNIX_INFLIGHT_TRIGGER_GC). */
#define UNIX_GC_TRIGGER 64

/* unix_name.c: checking an address (EINVAL), binding (a path's socket inode, an abstract
 * name, or an automatic one), finding the socket a name names (ENOENT, ECONNREFUSED, EACCES,
 * EPROTOTYPE), dropping a name at close. */
long unix_addr_check(const void *addr, uint32_t len);
long unix_bind(struct fs_proc *p, struct fs_sock *s, const void *addr, uint32_t len);
long unix_autobind(struct unix_sock *u);
long unix_find(struct fs_proc *p, const void *addr, uint32_t len, int type, struct unix_sock **out);
void unix_unbind(struct unix_sock *u);
void unix_addr_put(struct unix_addr *a);
long unix_getname(struct fs_sock *s, int peer, void *addr, uint32_t *len);

/* unix_scm.c: SCM_RIGHTS out of a send's control bytes (EINVAL, EBADF; *out NULL for none),
 * into a receive's (descriptors installed in p, MSG_CTRUNC for what does not fit), released. */
long unix_rights_take(struct fs_proc *p, const struct fs_msg *m, struct unix_rights **out);
void unix_rights_give(struct fs_proc *p, struct unix_rights *r, struct fs_msg *m, int flags);
void unix_rights_put(struct unix_rights *r);

#endif
