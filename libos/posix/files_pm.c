/*
 * files_pm.c: the file calls as pm operations (ops.def's fs rows, served by libos/fs/pm_fs.c),
 * for a process pm made: arguments into the mailbox, one call, results out of it. Paths and
 * bytes travel in the mailbox's data area (PM_DATA_MAX): a longer read or write is a loop of
 * calls, each chunk after the first never waiting (a short count ends it), so a blocking read
 * returns what has arrived, as on Linux. pread of an ext2 file reads blocks pm lent from its
 * cache itself when it can (ext2/share.h, libos/ext2/pm_share.c). Pointers handed in are
 * trusted, as in the rest of the layer.
 */
#include <tty/tty.h>
#include <posix/calls.h>
#include <proc/client.h>

#include <ext2/share.h>
#include <fs/abi.h>

#include "files.h"

#define CONT 1 /* pm_fs.c: a continuation chunk never waits */
#define MORE 2 /* pm_fs.c: a write's next piece of a reserved append */

static struct pm_msg *M(void)
{
    return proc_msg();
}

static void copy(void *d, const void *s, uint64_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--)
        *dp++ = *sp++;
}

/* Puts string s at data[*off] (with its NUL); 0 or -ENAMETOOLONG. */
static long put(uint64_t *off, const char *s)
{
    uint64_t o = *off;
    for (uint64_t i = 0;; i++) {
        if (o + i >= PM_DATA_MAX || i >= FS_PATH_MAX)
            return -FS_ENAMETOOLONG;
        M()->data[o + i] = (uint8_t)s[i];
        if (!s[i]) {
            *off = o + i + 1;
            return 0;
        }
    }
}

/* op with one path first in data. */
static long path_call(unsigned op, const char *path)
{
    uint64_t off = 0;
    long r = put(&off, path);
    return r < 0 ? r : proc_call(op);
}

static long two_paths(unsigned op, const char *a, const char *b)
{
    uint64_t off = 0;
    long r = put(&off, a);
    if (r == 0)
        r = put(&off, b);
    return r < 0 ? r : proc_call(op);
}

long pmc_read(int fd, void *buf, uint64_t len)
{
    uint64_t done = 0;
    do {
        uint64_t n = len - done < PM_DATA_MAX ? len - done : PM_DATA_MAX;
        struct pm_msg *m = M();
        m->a[0] = fd, m->a[1] = (int64_t)n, m->a[2] = done ? CONT : 0;
        long r = proc_call(PM_OP_fs_read);
        if (r < 0)
            return done ? (long)done : r;
        copy((uint8_t *)buf + done, m->data, (uint64_t)r);
        done += (uint64_t)r;
        if ((uint64_t)r < n)
            break;
    } while (done < len);
    return (long)done;
}

/* A write longer than the mailbox tells pm its whole length with the first piece: on an
 * O_APPEND file pm reserves the whole range at the end then (pm_fs.c, fs_append_begin) and
 * the other pieces fill it in order, so the write is one atomic append; anything else (a pipe
 * past PIPE_BUF may interleave, as POSIX allows) is a loop of plain writes. writev gathers its
 * pieces into the same stream (one call up to the mailbox's size: a pipe's PIPE_BUF too). */
static void gather(uint8_t *dst, const struct pmc_seg *seg, uint64_t off, uint64_t n)
{
    for (; n; seg++) {
        if (off >= seg->len) {
            off -= seg->len;
            continue;
        }
        uint64_t k = seg->len - off < n ? seg->len - off : n;
        copy(dst, (const uint8_t *)seg->base + off, k);
        dst += k, n -= k, off = 0;
    }
}

long pmc_write(int fd, const void *buf, uint64_t len)
{
    const struct pmc_seg seg = {buf, len};
    return pmc_writev(fd, &seg, len);
}

long pmc_writev(int fd, const struct pmc_seg *seg, uint64_t len)
{
    uint64_t done = 0, at = ~0ull;
    do {
        uint64_t n = len - done < PM_DATA_MAX ? len - done : PM_DATA_MAX;
        struct pm_msg *m = M();
        m->a[0] = fd, m->a[1] = (int64_t)n;
        m->a[2] = at != ~0ull ? MORE : 0; /* a blocking write waits for all */
        m->a[3] = done == 0 ? (int64_t)len : 0, m->a[4] = (int64_t)at;
        gather(m->data, seg, done, n);
        long r = proc_call(PM_OP_fs_write);
        if (r < 0)
            return done ? (long)done : r;
        if (done == 0 && len > n)
            at = (uint64_t)m->r[0]; /* where the reserved rest goes, or ~0: nothing reserved */
        else if (at != ~0ull)
            at += (uint64_t)r;
        done += (uint64_t)r;
        if (r == 0 || (at != ~0ull && (uint64_t)r < n))
            break;
    } while (done < len);
    return (long)done;
}

static long prw(int fd, void *buf, uint64_t len, int64_t off, int write)
{
    uint64_t done = 0;
    do {
        uint64_t n = len - done < PM_DATA_MAX ? len - done : PM_DATA_MAX;
        struct pm_msg *m = M();
        m->a[0] = fd, m->a[1] = (int64_t)n, m->a[2] = off + (int64_t)done;
        if (write)
            copy(m->data, (const uint8_t *)buf + done, n);
        long r = proc_call(write ? PM_OP_fs_pwrite : PM_OP_fs_pread);
        if (r < 0)
            return done ? (long)done : r;
        if (!write)
            copy((uint8_t *)buf + done, m->data, (uint64_t)r);
        done += (uint64_t)r;
        if ((uint64_t)r < n)
            break;
    } while (done < len);
    return (long)done;
}

/* What pm said an fd names, for preads served from ext2's shared cache (ext2/share.h): valid
 * while the mailbox's descriptor table number is `gen` (0: nothing known). A fork's child
 * has a number of its own, so a copied entry is asked again. */
struct fd_share {
    uint64_t gen;
    uint32_t ino;
    uint16_t fsid, base; /* its file system; its slots in the index from `base` on */
    uint16_t log_bsize;
    unsigned hint; /* the slot of the last block read */
};
#define FD_SHARE_MAX 64
#define SHARE_SLOTS 128 /* buffers per mount (libos/ext2/pm_disk.c) */
static struct fd_share fd_share[FD_SHARE_MAX];
long pmc_share_hits; /* preads the cache answered (apps/posix/ut_cache.c reads it) */

static const struct proc_mbox *mbox(void)
{
    return (const struct proc_mbox *)PROC_MBOX_VA;
}

long pmc_pread(int fd, void *buf, uint64_t len, int64_t off)
{
    struct fd_share *c = fd >= 0 && fd < FD_SHARE_MAX ? &fd_share[fd] : NULL;
    if (c && off >= 0) {
        uint64_t gen = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
        if (gen && gen == __atomic_load_n(&mbox()->cache_fdgen, __ATOMIC_ACQUIRE)) {
            /* the cache's answer, or pm's: no atime on this path (as Linux's relatime, near) */
            long r = ext2_share_read((const struct ext2_share_ent *)PROC_CACHE_INDEX_VA,
                                     (const uint8_t *)PROC_CACHE_DATA_VA, mbox()->cache_map,
                                     c->base, SHARE_SLOTS, &c->hint, c->fsid, c->ino, c->log_bsize,
                                     buf, len, (uint64_t)off);
            if (r >= 0 && __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE) == gen) {
                pmc_share_hits++;
                return r;
            }
        }
    }
    struct pm_msg *m = M();
    uint64_t n = len < PM_DATA_MAX ? len : PM_DATA_MAX;
    m->a[0] = fd, m->a[1] = (int64_t)n, m->a[2] = off;
    long r = proc_call(PM_OP_fs_pread);
    if (r < 0)
        return r;
    if (c && m->r[0] == 1 && m->r[5] >= 0 && m->r[5] + SHARE_SLOTS <= PROC_CACHE_SLOTS) {
        __atomic_store_n(&c->gen, 0, __ATOMIC_RELEASE); /* (a thread reading it meanwhile) */
        c->fsid = (uint16_t)m->r[1];
        c->ino = (uint32_t)m->r[2];
        c->log_bsize = (uint16_t)m->r[3];
        c->base = (uint16_t)m->r[5];
        c->hint = c->base;
        __atomic_store_n(&c->gen, (uint64_t)m->r[4], __ATOMIC_RELEASE);
    }
    copy(buf, m->data, (uint64_t)r);
    if ((uint64_t)r < n || n == len)
        return r;
    long more = prw(fd, (uint8_t *)buf + r, len - (uint64_t)r, off + r, 0);
    return more < 0 ? r : r + more;
}

long pmc_pwrite(int fd, const void *buf, uint64_t len, int64_t off)
{
    return prw(fd, (void *)buf, len, off, 1);
}

long pmc_openat(int dirfd, const char *path, int flags, uint32_t mode)
{
    struct pm_msg *m = M();
    m->a[0] = dirfd, m->a[1] = flags, m->a[2] = mode;
    return path_call(PM_OP_fs_openat, path);
}

long pmc_fd1(unsigned op, long a0, long a1, long a2, long a3)
{
    struct pm_msg *m = M();
    m->a[0] = a0, m->a[1] = a1, m->a[2] = a2, m->a[3] = a3;
    return proc_call(op);
}

long pmc_path(unsigned op, const char *path, long a0, long a1, long a2, long a3)
{
    struct pm_msg *m = M();
    m->a[0] = a0, m->a[1] = a1, m->a[2] = a2, m->a[3] = a3;
    return path_call(op, path);
}

long pmc_paths(unsigned op, const char *p1, const char *p2, long a0, long a1, long a2)
{
    struct pm_msg *m = M();
    m->a[0] = a0, m->a[1] = a1, m->a[2] = a2;
    return two_paths(op, p1, p2);
}

long pmc_fcntl(int fd, int cmd, long arg)
{
    int lock = cmd == FS_F_GETLK || cmd == FS_F_SETLK || cmd == FS_F_SETLKW ||
               cmd == FS_F_OFD_GETLK || cmd == FS_F_OFD_SETLK || cmd == FS_F_OFD_SETLKW;
    struct pm_msg *m = M();
    m->a[0] = fd, m->a[1] = cmd, m->a[2] = arg;
    if (!lock)
        return proc_call(PM_OP_fs_fcntl);
    copy(m->data, (const void *)arg, sizeof(struct fs_flock));
    long r = proc_call(PM_OP_fs_fcntl);
    if (r == 0 && (cmd == FS_F_GETLK || cmd == FS_F_OFD_GETLK))
        copy((void *)arg, m->data, sizeof(struct fs_flock));
    return r;
}

/* The bytes an ioctl's argument points at, for the requests the layer knows. */
static int64_t ioctl_size(unsigned long req)
{
    long t = tty_ioctl_arg_size(req); /* the terminal's (libos/tty) */
    if (t >= 0 && t != (long)sizeof(struct tty_termios))
        return t;
    if (req >= 0x8910 && req <= 0x893f) /* SIOCGIF*, SIOCSIF*: a struct ifreq (pm_netif.c) */
        return 40;
    switch (req) {
    case 0x5413: /* TIOCGWINSZ */
    case 0x5414: /* TIOCSWINSZ */
        return 8;
    case 0x541b: /* FIONREAD */
    case 0x5421: /* FIONBIO */
        return 4;
    case 0x5401: /* TCGETS */
    case 0x5402: /* TCSETS */
    case 0x5403:
    case 0x5404:
        return 60;
    }
    return 0;
}

/* SIOCGIFCONF: struct ifconf {int len; char *buf} points at a buffer, so the mailbox carries
 * {int len (the room, -1 to ask the size), pad, ifreqs} both ways (libos/net/pm_netif.c); at
 * most 6 interfaces come back (pm has 2). */
#define IFCONF_ROOM 240
static long ifconf(int fd, void *arg)
{
    int ulen;
    uint8_t *ubuf; /* struct ifconf: int ifc_len, 4 bytes of padding, char *ifc_buf */
    copy(&ulen, arg, sizeof ulen);
    copy(&ubuf, (uint8_t *)arg + 8, sizeof ubuf);
    int room = !ubuf ? -1 : ulen < 0 ? 0 : ulen < IFCONF_ROOM ? ulen : IFCONF_ROOM;
    struct pm_msg *m = M();
    m->a[0] = fd, m->a[1] = 0x8912, m->a[2] = 8 + IFCONF_ROOM, m->a[3] = 0;
    copy(m->data, &room, sizeof room);
    long r = proc_call(PM_OP_fs_ioctl);
    if (r < 0)
        return r;
    int len;
    copy(&len, m->data, sizeof len);
    if (len < 0 || (room >= 0 && len > room))
        len = room < 0 ? 0 : room;
    if (ubuf)
        copy(ubuf, m->data + 8, (uint64_t)len);
    copy(arg, &len, sizeof len);
    return r;
}

long pmc_ioctl(int fd, unsigned long req, void *arg)
{
    if (req == 0x8912 && arg) /* SIOCGIFCONF */
        return ifconf(fd, arg);
    int64_t size = arg ? ioctl_size(req) : 0;
    struct pm_msg *m = M();
    m->a[0] = fd, m->a[1] = (int64_t)req, m->a[2] = size;
    m->a[3] = (int64_t)arg; /* the value itself, for requests that take one (size 0) */
    copy(m->data, arg, (uint64_t)size);
    long r = proc_call(PM_OP_fs_ioctl);
    if (r >= 0)
        copy(arg, m->data, (uint64_t)size);
    return r;
}

long pmc_stat(int dirfd, const char *path, void *st, int flags, int fd)
{
    long r = path ? pmc_path(PM_OP_fs_fstatat, path, dirfd, flags, 0, 0)
                  : pmc_fd1(PM_OP_fs_fstat, fd, 0, 0, 0);
    if (r == 0)
        copy(st, M()->data, sizeof(struct fs_stat));
    return r;
}

long pmc_out(unsigned op, const char *path, long a0, long a1, void *buf, long size)
{
    long r = path ? pmc_path(op, path, a0, a1, 0, 0) : pmc_fd1(op, a0, a1, 0, 0);
    if (r > 0)
        copy(buf, M()->data, (uint64_t)(r < size ? r : size));
    return r;
}

long pmc_utimensat(int dirfd, const char *path, const void *times, int flags)
{
    struct pm_msg *m = M();
    m->a[0] = dirfd, m->a[1] = flags, m->a[2] = times != 0, m->a[3] = path != 0;
    if (times)
        copy(m->data, times, 2 * sizeof(struct fs_timespec));
    uint64_t off = 2 * sizeof(struct fs_timespec);
    if (path) {
        long r = put(&off, path);
        if (r < 0)
            return r;
    }
    return proc_call(PM_OP_fs_utimensat);
}

long pmc_pipe2(int *fds, int flags)
{
    long r = pmc_fd1(PM_OP_fs_pipe2, flags, 0, 0, 0);
    if (r == 0) {
        fds[0] = (int)M()->r[0];
        fds[1] = (int)M()->r[1];
    }
    return r;
}

long pmc_poll(void *fds, uint64_t n, int block)
{
    if (n > PM_DATA_MAX / sizeof(struct fs_pollfd))
        return -FS_EINVAL;
    struct pm_msg *m = M();
    m->a[0] = (int64_t)n, m->a[1] = block;
    copy(m->data, fds, n * sizeof(struct fs_pollfd));
    long r = proc_call(PM_OP_fs_poll);
    if (r >= 0)
        copy(fds, m->data, n * sizeof(struct fs_pollfd));
    return r;
}
