/*
 * unix_gc.c: collecting AF_UNIX sockets that only messages in flight keep (SCM_RIGHTS cycles),
 * as Linux's net/unix/garbage.c does. A socket's description sent into its own queue (or into
 * the queue of another such socket, in a ring) and then closed everywhere is referenced by
 * nothing a process can reach: no descriptor names it, so nobody can ever receive the message
 * that holds it, and it would hold its socket, its queue and every description in it for
 * good. Any process could pin pm's memory that way, a socketpair per loop. So after a socket
 * closes while descriptors are in flight, the layer looks for such sockets:
 *   - candidates: unix sockets whose every reference is a message's (refs == in flight);
 *   - references from messages queued at candidates (or at their unaccepted connections) are
 *     taken off their targets' counts; a candidate still referenced is reachable from a queue
 *     some process can read, and so is every candidate its queue holds, transitively;
 *   - the rest are garbage: their queues are detached first and freed after, which drops the
 *     descriptions they held (closing the sockets of the cycle, which finds the collector
 *     already running and returns).
 * Conservative where it cannot tell: a reference that is not a message's (a descriptor, an
 * epoll interest holding the description, a call in progress) makes its socket live.
 */
#include "unix.h"

uint32_t unix_fd_msgs; /* queued messages carrying descriptors: none, nothing to look for */

static int is_unix(const struct fs_file *f)
{
    return f && f->type == FS_FILE_SOCK && f->sock && f->sock->fam == &fs_unix_family;
}

/* Calls fn(target socket) for each unix socket a message queued at u (or at one of its
 * unaccepted connections) carries. */
static void each_ref(struct unix_sock *u, void (*fn)(struct unix_sock *))
{
    struct unix_sock *q = u;
    for (int own = 1; q; q = own ? u->acc_head : q->acc_next, own = 0)
        for (struct unix_msg *m = q->head; m; m = m->next)
            for (uint32_t i = 0; m->fds && i < m->fds->n; i++)
                if (is_unix(m->fds->file[i]))
                    fn(U(m->fds->file[i]->sock));
}

static void count_internal(struct unix_sock *t)
{
    if (t->gc_cand)
        t->gc_inflight--;
}

static void make_live(struct unix_sock *t)
{
    if (t->gc_cand && !t->gc_live) {
        t->gc_live = 1;
        each_ref(t, make_live);
    }
}

void unix_gc(void)
{
    static int running;
    if (running || !unix_fd_msgs)
        return;
    running = 1;
    for (struct unix_sock *u = unix_all; u; u = u->all_next)
        u->gc_inflight = 0, u->gc_cand = u->gc_live = 0, u->gc_file = NULL;
    /* Each unix socket's in-flight references, and the description they name (one per
     * socket: dup and fork share it). */
    for (struct unix_sock *u = unix_all; u; u = u->all_next)
        for (struct unix_msg *m = u->head; m; m = m->next)
            for (uint32_t i = 0; m->fds && i < m->fds->n; i++)
                if (is_unix(m->fds->file[i])) {
                    struct unix_sock *t = U(m->fds->file[i]->sock);
                    t->gc_inflight++;
                    t->gc_file = m->fds->file[i];
                }
    for (struct unix_sock *u = unix_all; u; u = u->all_next)
        u->gc_cand = u->gc_file && u->gc_file->refs == u->gc_inflight;
    for (struct unix_sock *u = unix_all; u; u = u->all_next)
        if (u->gc_cand)
            each_ref(u, count_internal);
    for (struct unix_sock *u = unix_all; u; u = u->all_next)
        if (u->gc_cand && u->gc_inflight)
            make_live(u);
    /* Garbage: every queue detached before any message is freed (freeing closes sockets,
     * which unlinks them from unix_all). */
    struct unix_msg *dead = NULL;
    for (struct unix_sock *u = unix_all; u; u = u->all_next) {
        if (!u->gc_cand || u->gc_live)
            continue;
        struct unix_sock *q = u;
        for (int own = 1; q; q = own ? u->acc_head : q->acc_next, own = 0) {
            if (q->tail) {
                q->tail->next = dead;
                dead = q->head;
            }
            q->head = q->tail = NULL;
            q->bytes = q->mem = 0;
            q->count = 0;
        }
    }
    while (dead) {
        struct unix_msg *m = dead;
        dead = m->next;
        unix_msg_free(m);
    }
    running = 0;
}
