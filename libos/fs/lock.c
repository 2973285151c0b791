/*
 * lock.c: advisory locks on a vnode, one list for all owners. POSIX record locks (F_SETLK...)
 * belong to a process and go when it closes any descriptor of the file; OFD locks
 * (F_OFD_SETLK...) and flock() locks belong to an open file description and go with its last
 * descriptor. POSIX and OFD locks conflict with each other; flock locks live apart, as on
 * Linux. A process's own POSIX locks merge and split as ranges change. F_SETLKW that would wait
 * on a chain of processes ending in the caller is EDEADLK.
 */
#include "internal.h"

#define END_MAX UINT64_MAX
#define DEADLOCK_DEPTH 16

static int overlap(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
    return s1 <= e2 && s2 <= e1;
}

static int same_space(enum fs_lock_kind a, enum fs_lock_kind b)
{
    return (a == FS_LK_FLOCK) == (b == FS_LK_FLOCK);
}

/* The first lock of another owner that a request (kind, type, range) of owner conflicts with. */
static struct fs_lock *conflict(struct fs_vnode *vn, const void *owner, enum fs_lock_kind kind,
                                int type, uint64_t s, uint64_t e)
{
    for (struct fs_lock *l = vn->locks; l; l = l->next)
        if (same_space(l->kind, kind) && l->owner != owner && overlap(l->start, l->end, s, e) &&
            (type == FS_F_WRLCK || l->type == FS_F_WRLCK))
            return l;
    return NULL;
}

/* Would p waiting for (vn, type, s, e) close a cycle of POSIX waiters back to p? */
static int deadlock(const struct fs_proc *p, struct fs_vnode *vn, const void *owner, int type,
                    uint64_t s, uint64_t e, int depth)
{
    if (depth > DEADLOCK_DEPTH)
        return 0;
    for (struct fs_lock *l = vn->locks; l; l = l->next) {
        if (l->kind != FS_LK_POSIX || l->owner == owner || !overlap(l->start, l->end, s, e) ||
            (type != FS_F_WRLCK && l->type != FS_F_WRLCK))
            continue;
        const struct fs_proc *q = l->owner;
        if (q == p)
            return 1;
        if (q->lkwait.vn &&
            deadlock(p, q->lkwait.vn, q, q->lkwait.type, q->lkwait.start, q->lkwait.end, depth + 1))
            return 1;
    }
    return 0;
}

/* Sets (or with FS_F_UNLCK clears) owner's lock over [s, e], merging with and splitting its
 * own locks. Both possible new records are allocated first, so failure changes nothing. */
static long apply(struct fs_vnode *vn, const void *owner, enum fs_lock_kind kind, int type,
                  uint64_t s, uint64_t e, int pid)
{
    struct fs_lock *n = fs_alloc(sizeof *n), *spare = fs_alloc(sizeof *spare);
    if (!n || !spare) {
        fs_free(n, sizeof *n);
        fs_free(spare, sizeof *spare);
        return -FS_ENOLCK;
    }
    struct fs_lock **pl = &vn->locks;
    while (*pl) {
        struct fs_lock *l = *pl;
        if (l->owner != owner || !same_space(l->kind, kind)) {
            pl = &l->next;
            continue;
        }
        int touch = overlap(l->start, l->end, s, e) || (l->end != END_MAX && l->end + 1 == s) ||
                    (e != END_MAX && e + 1 == l->start);
        if (touch && l->type == type) { /* merge into the new lock */
            if (l->start < s)
                s = l->start;
            if (l->end > e)
                e = l->end;
            *pl = l->next;
            fs_free(l, sizeof *l);
            continue;
        }
        if (overlap(l->start, l->end, s, e)) {
            if (l->start < s && l->end > e) { /* the new range cuts l in two */
                fs_memcpy(spare, l, sizeof *l);
                spare->start = e + 1;
                l->end = s - 1;
                spare->next = l->next;
                l->next = spare;
                spare = NULL;
                pl = &l->next->next;
                continue;
            }
            if (l->start < s) {
                l->end = s - 1;
            } else if (l->end > e) {
                l->start = e + 1;
            } else {
                *pl = l->next;
                fs_free(l, sizeof *l);
                continue;
            }
        }
        pl = &l->next;
    }
    if (type != FS_F_UNLCK) {
        n->kind = kind;
        n->type = type;
        n->start = s;
        n->end = e;
        n->owner = owner;
        n->pid = pid;
        n->next = vn->locks;
        vn->locks = n;
    } else {
        fs_free(n, sizeof *n);
    }
    fs_free(spare, sizeof *spare);
    fs_wake(vn);
    return 0;
}

void fs_lock_release(struct fs_vnode *vn, const void *owner)
{
    int any = 0;
    struct fs_lock **pl = &vn->locks;
    while (*pl) {
        struct fs_lock *l = *pl;
        if (l->owner == owner) {
            *pl = l->next;
            fs_free(l, sizeof *l);
            any = 1;
        } else {
            pl = &l->next;
        }
    }
    if (any)
        fs_wake(vn);
}

/* The byte range of a struct flock: [*s, *e], or -errno. */
static long range(const struct fs_file *f, const struct fs_flock *fl, uint64_t *s, uint64_t *e)
{
    int64_t base;
    switch (fl->l_whence) {
    case FS_SEEK_SET:
        base = 0;
        break;
    case FS_SEEK_CUR:
        base = (int64_t)f->off;
        break;
    case FS_SEEK_END:
        base = (int64_t)f->vn->size;
        break;
    default:
        return -FS_EINVAL;
    }
    int64_t start;
    if (__builtin_add_overflow(base, fl->l_start, &start))
        return -FS_EOVERFLOW;
    if (start < 0)
        return -FS_EINVAL;
    if (fl->l_len > 0) {
        int64_t last;
        if (__builtin_add_overflow(start, fl->l_len - 1, &last))
            return -FS_EOVERFLOW;
        *s = (uint64_t)start;
        *e = (uint64_t)last;
    } else if (fl->l_len == 0) {
        *s = (uint64_t)start;
        *e = END_MAX;
    } else {
        if (start + fl->l_len < 0)
            return -FS_EINVAL;
        *s = (uint64_t)(start + fl->l_len);
        *e = (uint64_t)start - 1;
    }
    return 0;
}

long fs_lock_fcntl(struct fs_proc *p, struct fs_file *f, int cmd, struct fs_flock *fl)
{
    if (!f->vn || (f->flags & FS_O_PATH))
        return -FS_EBADF;
    int ofd = cmd == FS_F_OFD_GETLK || cmd == FS_F_OFD_SETLK || cmd == FS_F_OFD_SETLKW;
    enum fs_lock_kind kind = ofd ? FS_LK_OFD : FS_LK_POSIX;
    const void *owner = ofd ? (const void *)f : (const void *)p;
    if (ofd && fl->l_pid != 0)
        return -FS_EINVAL;
    if (fl->l_type != FS_F_RDLCK && fl->l_type != FS_F_WRLCK && fl->l_type != FS_F_UNLCK)
        return -FS_EINVAL;
    uint64_t s, e;
    long r = range(f, fl, &s, &e);
    if (r < 0)
        return r;
    struct fs_vnode *vn = f->vn;
    if (cmd == FS_F_GETLK || cmd == FS_F_OFD_GETLK) {
        if (fl->l_type == FS_F_UNLCK)
            return -FS_EINVAL;
        struct fs_lock *l = conflict(vn, owner, kind, fl->l_type, s, e);
        if (!l) {
            fl->l_type = FS_F_UNLCK;
            return 0;
        }
        fl->l_type = (int16_t)l->type;
        fl->l_whence = FS_SEEK_SET;
        fl->l_start = (int64_t)l->start;
        fl->l_len = l->end == END_MAX ? 0 : (int64_t)(l->end - l->start + 1);
        fl->l_pid = l->kind == FS_LK_POSIX ? l->pid : -1;
        return 0;
    }
    if (fl->l_type == FS_F_RDLCK && !fs_file_readable(f))
        return -FS_EBADF;
    if (fl->l_type == FS_F_WRLCK && !fs_file_writable(f))
        return -FS_EBADF;
    int wait = cmd == FS_F_SETLKW || cmd == FS_F_OFD_SETLKW;
    p->lkwait.vn = NULL;
    if (fl->l_type != FS_F_UNLCK && conflict(vn, owner, kind, fl->l_type, s, e)) {
        if (!wait)
            return -FS_EAGAIN;
        if (!ofd && deadlock(p, vn, owner, fl->l_type, s, e, 0))
            return -FS_EDEADLK;
        if (!ofd) {
            p->lkwait.vn = vn;
            p->lkwait.type = fl->l_type;
            p->lkwait.start = s;
            p->lkwait.end = e;
        }
        p->wait = vn;
        return -FS_EAGAIN;
    }
    return apply(vn, owner, kind, fl->l_type, s, e, p->pid);
}

long fs_flock(struct fs_proc *p, int fd, int op)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f)
        return -FS_EBADF;
    if (!f->vn || (f->flags & FS_O_PATH))
        return -FS_EBADF;
    int nb = op & FS_LOCK_NB, type;
    switch (op & ~FS_LOCK_NB) {
    case FS_LOCK_SH:
        type = FS_F_RDLCK;
        break;
    case FS_LOCK_EX:
        type = FS_F_WRLCK;
        break;
    case FS_LOCK_UN:
        type = FS_F_UNLCK;
        break;
    default:
        return -FS_EINVAL;
    }
    if (type != FS_F_UNLCK && conflict(f->vn, f, FS_LK_FLOCK, type, 0, END_MAX)) {
        if (!nb)
            p->wait = f->vn;
        return -FS_EAGAIN; /* EWOULDBLOCK */
    }
    return apply(f->vn, f, FS_LK_FLOCK, type, 0, END_MAX, p->pid);
}
