/*
 * fs.h: the file layer's interface to its one owner (pm, the process server). The library holds
 * the VFS with its RAM file system, every process's descriptor table, the open file
 * descriptions (offsets shared after fork), pipes and FIFOs, and locks. It is freestanding:
 * no libc, no exo call; what it needs from its embedder are the four hooks below.
 *
 * Every operation is `long fs_<op>(struct fs_proc *p, ...)`, with buffers in the caller's (pm's)
 * memory, returning >= 0 or a negative Linux errno. Calls are served one at a time (pm is
 * single-threaded), which is what makes O_APPEND, PIPE_BUF writes and rename atomic.
 *
 * Blocking: an operation that would have to wait (a pipe with no data, a FIFO open with no
 * peer, F_SETLKW on a held lock, a device) returns -FS_EAGAIN with p->wait set to the object it
 * waits on; a real EAGAIN (O_NONBLOCK, F_SETLK) leaves p->wait NULL. The embedder then waits
 * until fs_wake(that object) and calls the same operation again, or calls fs_proc_cancel if it
 * gives up (a signal). A pipe write longer than FS_PIPE_BUF may return a short count when it
 * filled the pipe: the caller writes the rest (POSIX: a blocking write returns all of it).
 */
#ifndef FS_FS_H
#define FS_FS_H

#include <fs/abi.h>
#include <fs/vfs.h>

#include <stddef.h>
#include <stdint.h>

#define FS_NFD 256    /* descriptors per process (EMFILE past it) */
#define FS_NGROUPS 32 /* supplementary groups */

struct fs_file;

/* Who a process is, for permission checks: real, effective and saved ids; the file system ids
 * are the effective ones (as on Linux unless setfsuid is used). */
struct fs_cred {
    uint32_t uid, euid, suid;
    uint32_t gid, egid, sgid;
    uint32_t ngroups;
    uint32_t groups[FS_NGROUPS];
};

/* A process blocked in F_SETLKW: what it asks for (deadlock detection follows these). */
struct fs_lock_wait {
    struct fs_vnode *vn; /* NULL: not waiting */
    int type;
    uint64_t start, end;
};

/* One process's file state. pm sets pid and cred; the rest is the library's. */
struct fs_proc {
    int pid;
    struct fs_cred cred;
    uint32_t umask;
    struct fs_vnode *cwd, *root;
    struct fs_file *fd[FS_NFD];
    uint8_t fdflags[FS_NFD]; /* FS_FD_CLOEXEC */
    const void *wait;        /* set with a would-block -EAGAIN: the object to wait on */
    int sigpipe;             /* the last write met a pipe with no reader: raise SIGPIPE */
    struct fs_lock_wait lkwait;
    struct fs_vnode *fifo_wait; /* a FIFO open waiting for its peer (counted as one) */
    int fifo_wait_write;
    uint32_t fifo_wait_gen;
    uint32_t nofile_cur, nofile_max; /* RLIMIT_NOFILE (at most FS_NFD): EMFILE at cur */
    struct fs_file *resv;            /* an O_APPEND write in pieces (fs_append_begin), referenced */
    uint64_t resv_next, resv_end;    /* where its next piece goes, and where it ends */
    /* A number no other table state had (of any process): new whenever a descriptor is closed
     * or replaced. A client that learnt what an fd names (pm's pread: the shared cache) may
     * trust it while the number stays. */
    uint64_t fdgen;
};

/* Hooks the embedder provides. */
void *fs_page_alloc(void);          /* a zeroed 4 KiB page, or NULL */
void fs_page_free(void *page);      /* a page fs_page_alloc gave */
void fs_wake(const void *object);   /* object's readiness changed: wake its waiters */
void fs_now(struct fs_timespec *t); /* the time now (CLOCK_REALTIME) */
/* Optional (NULL: none): a file page that was lent to mappings is about to be freed: the
 * embedder takes it back from every mapping; 0 if the page is still the library's to free,
 * -1 if it is gone (mmap.c). */
extern int (*fs_page_unlend)(void *page);
/* The file systems' quota, if the embedder sets it: 0 when no page more may hold file data
 * (writes and extensions are then ENOSPC); descriptors, pipes and processes' state are not
 * counted, so opening, forking and piping go on while the file system is full. */
extern int (*fs_data_room)(void);

/* Start: ramfs on "/" and on "/tmp" (1777). 0 or -errno. */
long fs_init(void);
/* Start with file system type t (mounted with data) as "/": then ramfs on "/tmp" (1777) and
 * on "/dev" (the device nodes), the directories made on the root if missing. 0 or -errno. */
struct fs_type;
long fs_init_root(const struct fs_type *t, const void *data);
/* statfs(2)/fstatfs(2) of the file system holding path / fd. */
struct fs_statfs;
long fs_statfs(struct fs_proc *p, const char *path, struct fs_statfs *st);
long fs_fstatfs(struct fs_proc *p, int fd, struct fs_statfs *st);
/* sync(2): every mounted file system's sync; fsync(2) of fd: its file system's (EBADF, EINVAL
 * for a pipe or a device as Linux). */
long fs_sync_all(void);
long fs_fsync(struct fs_proc *p, int fd);
/* Fills the file system from a cpio "newc" boot archive (regular files read in place). */
long fs_boot_fill(const void *archive, uint64_t size);
/* Bytes the library holds (allocator pages in use, times 4096): leaks show in tests. */
uint64_t fs_mem_pages(void);

/* Processes. */
struct fs_proc *fs_proc_new(void); /* root credentials, cwd "/", umask 022, no fds */
struct fs_proc *fs_proc_fork(struct fs_proc *parent); /* shares the open files; NULL: ENOMEM */
void fs_proc_exec(struct fs_proc *p);                 /* closes the O_CLOEXEC descriptors */
void fs_proc_exit(struct fs_proc *p);                 /* closes everything, frees p */
void fs_proc_cancel(struct fs_proc *p);               /* abandons a would-block operation */
const void *fs_wait_object(const struct fs_proc *p);  /* p->wait */

/* Files. */
long fs_openat(struct fs_proc *p, int dirfd, const char *path, int flags, uint32_t mode);
long fs_close(struct fs_proc *p, int fd);
long fs_read(struct fs_proc *p, int fd, void *buf, uint64_t len);
long fs_write(struct fs_proc *p, int fd, const void *buf, uint64_t len);
/* A write of `total` bytes that arrives in pieces (an embedder whose buffers are smaller than
 * one write: pm's mailbox). On an O_APPEND regular file the whole range is reserved at the end
 * of the file at once and the first piece written at its start; the rest goes with
 * fs_append_more, in order, and other appends land after the reservation meanwhile, so the
 * write stays one atomic append however it travels. Returns what fs_write would for the first
 * piece; *at is where the next piece goes, or UINT64_MAX when there is nothing to reserve
 * (not O_APPEND, not a regular file, all in one piece): the rest are then plain writes. */
long fs_append_begin(struct fs_proc *p, int fd, const void *buf, uint64_t len, uint64_t total,
                     uint64_t *at);
/* The next piece of p's reservation at `at` (where the last piece ended): bytes written, or
 * -EINVAL if fd or at is not that reservation's. The last piece ends it. */
long fs_append_more(struct fs_proc *p, int fd, const void *buf, uint64_t len, uint64_t at);
void fs_append_end(struct fs_proc *p); /* gives up p's reservation (exit, a new write) */
long fs_pread(struct fs_proc *p, int fd, void *buf, uint64_t len, int64_t off);
long fs_pwrite(struct fs_proc *p, int fd, const void *buf, uint64_t len, int64_t off);
long fs_lseek(struct fs_proc *p, int fd, int64_t off, int whence);
long fs_dup(struct fs_proc *p, int fd);
long fs_dup3(struct fs_proc *p, int oldfd, int newfd, int flags); /* flags: O_CLOEXEC */
long fs_dup2(struct fs_proc *p, int oldfd, int newfd);
long fs_fcntl(struct fs_proc *p, int fd, int cmd, uint64_t arg); /* lock cmds: arg is a pointer */
long fs_ioctl(struct fs_proc *p, int fd, unsigned long req, void *arg);
long fs_getdents64(struct fs_proc *p, int fd, void *buf, uint64_t len);
long fs_pipe2(struct fs_proc *p, int fds[2], int flags);
unsigned fs_poll(struct fs_proc *p, int fd); /* FS_POLL* now; FS_POLLNVAL for a bad fd */
/* poll()'s readiness of n descriptors now (revents set, negative fds skipped): how many have
 * any. Never waits: the embedder waits for any fs_wake and asks again. */
long fs_poll_many(struct fs_proc *p, struct fs_pollfd *fds, uint64_t n);
long fs_flock(struct fs_proc *p, int fd, int op);
/* RLIMIT_NOFILE: the old limits into old[0] (soft), old[1] (hard) if old; new ones from nw if
 * nw: EINVAL if soft > hard, EPERM past FS_NFD (Linux's nr_open) or raising the hard limit
 * without root. Descriptors at or past the soft limit stay open; new ones are EMFILE there. */
long fs_rlimit_nofile(struct fs_proc *p, const uint64_t *nw, uint64_t *old);

/* epoll (epoll.c). Whoever owns an object a descriptor names (a pipe here, a device, later a
 * socket) calls fs_ready(object, events) when its readiness changes: events are the poll bits
 * that may have changed (0: any); epoll's interests learn of it, then fs_wake(object) runs. */
void fs_ready(const void *object, unsigned events);
long fs_epoll_create(struct fs_proc *p, int flags); /* flags: EPOLL_CLOEXEC */
long fs_epoll_ctl(struct fs_proc *p, int epfd, int op, int fd, const struct fs_epoll_event *ev);
/* The events ready now (at most max), as epoll_wait reports them; never waits: with none the
 * embedder waits for any fs_wake (or its timeout) and asks again. */
long fs_epoll_wait(struct fs_proc *p, int epfd, struct fs_epoll_event *out, int max);

/* Names. */
long fs_fstatat(struct fs_proc *p, int dirfd, const char *path, struct fs_stat *st, int flags);
long fs_fstat(struct fs_proc *p, int fd, struct fs_stat *st);
long fs_truncate(struct fs_proc *p, const char *path, int64_t len);
long fs_ftruncate(struct fs_proc *p, int fd, int64_t len);
long fs_unlinkat(struct fs_proc *p, int dirfd, const char *path, int flags);
long fs_renameat2(struct fs_proc *p, int olddirfd, const char *oldpath, int newdirfd,
                  const char *newpath, unsigned flags);
long fs_mkdirat(struct fs_proc *p, int dirfd, const char *path, uint32_t mode);
long fs_mknodat(struct fs_proc *p, int dirfd, const char *path, uint32_t mode, uint64_t dev);
long fs_symlinkat(struct fs_proc *p, const char *target, int dirfd, const char *path);
long fs_readlinkat(struct fs_proc *p, int dirfd, const char *path, char *buf, int64_t len);
long fs_linkat(struct fs_proc *p, int olddirfd, const char *oldpath, int newdirfd,
               const char *newpath, int flags);
long fs_fchmodat(struct fs_proc *p, int dirfd, const char *path, uint32_t mode);
long fs_fchmod(struct fs_proc *p, int fd, uint32_t mode);
long fs_fchownat(struct fs_proc *p, int dirfd, const char *path, uint32_t uid, uint32_t gid,
                 int flags);
long fs_fchown(struct fs_proc *p, int fd, uint32_t uid, uint32_t gid);
/* times NULL: now; path NULL: the file dirfd (futimens). */
long fs_utimensat(struct fs_proc *p, int dirfd, const char *path, const struct fs_timespec *times,
                  int flags);
long fs_faccessat(struct fs_proc *p, int dirfd, const char *path, int mode, int flags);
long fs_chdir(struct fs_proc *p, const char *path);
long fs_fchdir(struct fs_proc *p, int fd);
long fs_getcwd(struct fs_proc *p, char *buf, uint64_t size); /* length with the NUL */
/* What descriptor fd of p names, as /proc/PID/fd/FD shows it (Linux's forms: a path, with
 * " (deleted)" once unlinked; "pipe:[N]"; "anon_inode:[eventpoll]"): its length (no NUL, cut to
 * size), or -FS_EBADF. */
long fs_fd_path(struct fs_proc *p, int fd, char *buf, uint64_t size);
/* The vnode descriptor fd names (not referenced for the caller), or NULL (none, a pipe...). */
struct fs_vnode *fs_fd_vnode(struct fs_proc *p, int fd);
uint32_t fs_umask(struct fs_proc *p, uint32_t mask);

/* Credentials (cred.c): Linux's rules; an id of (uint32_t)-1 stays as it is. */
long fs_setuid(struct fs_proc *p, uint32_t uid);
long fs_setgid(struct fs_proc *p, uint32_t gid);
long fs_setreuid(struct fs_proc *p, uint32_t ruid, uint32_t euid);
long fs_setregid(struct fs_proc *p, uint32_t rgid, uint32_t egid);
long fs_setresuid(struct fs_proc *p, uint32_t ruid, uint32_t euid, uint32_t suid);
long fs_setresgid(struct fs_proc *p, uint32_t rgid, uint32_t egid, uint32_t sgid);
/* One of the six above by number, as both bindings pass it: 0 setuid(a), 1 setgid(a),
 * 2 setreuid(a, b), 3 setregid(a, b), 4 setresuid(a, b, c), 5 setresgid(a, b, c); else EINVAL. */
long fs_setcred(struct fs_proc *p, int64_t which, uint32_t a, uint32_t b, uint32_t c);
long fs_setgroups(struct fs_proc *p, uint64_t n, const uint32_t *groups); /* root only */

/* Mappings (mmap.c): MAP_SHARED of fd (write: the mapping may be written): the file's vnode,
 * referenced, and the PROT_* bits the descriptor allows (7 or 5); EBADF, ENODEV, EACCES.
 * Shared anonymous memory: an unnamed RAM file of size bytes on the layer's own RAM mount (in
 * no mount table: whatever p's root is), referenced once. A RAM file's
 * page holding byte off, to lend (NULL past its end or with no memory); see ramfs.c. */
struct fs_vnode;
long fs_mmap_file(struct fs_proc *p, int fd, int write, uint32_t *maxprot, struct fs_vnode **out);
long fs_mmap_anon(struct fs_proc *p, uint64_t size, struct fs_vnode **out);
void *fs_ramfs_page(struct fs_vnode *vn, uint64_t off);
int fs_ramfs_is(const struct fs_vnode *vn);

/* The classic spellings, as the *at calls with AT_FDCWD. */
static inline long fs_open(struct fs_proc *p, const char *path, int flags, uint32_t mode)
{
    return fs_openat(p, FS_AT_FDCWD, path, flags, mode);
}
static inline long fs_stat(struct fs_proc *p, const char *path, struct fs_stat *st)
{
    return fs_fstatat(p, FS_AT_FDCWD, path, st, 0);
}
static inline long fs_lstat(struct fs_proc *p, const char *path, struct fs_stat *st)
{
    return fs_fstatat(p, FS_AT_FDCWD, path, st, FS_AT_SYMLINK_NOFOLLOW);
}
static inline long fs_unlink(struct fs_proc *p, const char *path)
{
    return fs_unlinkat(p, FS_AT_FDCWD, path, 0);
}
static inline long fs_rmdir(struct fs_proc *p, const char *path)
{
    return fs_unlinkat(p, FS_AT_FDCWD, path, FS_AT_REMOVEDIR);
}
static inline long fs_rename(struct fs_proc *p, const char *oldpath, const char *newpath)
{
    return fs_renameat2(p, FS_AT_FDCWD, oldpath, FS_AT_FDCWD, newpath, 0);
}
static inline long fs_mkdir(struct fs_proc *p, const char *path, uint32_t mode)
{
    return fs_mkdirat(p, FS_AT_FDCWD, path, mode);
}
static inline long fs_symlink(struct fs_proc *p, const char *target, const char *path)
{
    return fs_symlinkat(p, target, FS_AT_FDCWD, path);
}
static inline long fs_readlink(struct fs_proc *p, const char *path, char *buf, int64_t len)
{
    return fs_readlinkat(p, FS_AT_FDCWD, path, buf, len);
}
static inline long fs_link(struct fs_proc *p, const char *oldpath, const char *newpath)
{
    return fs_linkat(p, FS_AT_FDCWD, oldpath, FS_AT_FDCWD, newpath, 0);
}
static inline long fs_chmod(struct fs_proc *p, const char *path, uint32_t mode)
{
    return fs_fchmodat(p, FS_AT_FDCWD, path, mode);
}
static inline long fs_chown(struct fs_proc *p, const char *path, uint32_t uid, uint32_t gid)
{
    return fs_fchownat(p, FS_AT_FDCWD, path, uid, gid, 0);
}
static inline long fs_lchown(struct fs_proc *p, const char *path, uint32_t uid, uint32_t gid)
{
    return fs_fchownat(p, FS_AT_FDCWD, path, uid, gid, FS_AT_SYMLINK_NOFOLLOW);
}
static inline long fs_access(struct fs_proc *p, const char *path, int mode)
{
    return fs_faccessat(p, FS_AT_FDCWD, path, mode, 0);
}
static inline long fs_mkfifo(struct fs_proc *p, const char *path, uint32_t mode)
{
    return fs_mknodat(p, FS_AT_FDCWD, path, FS_S_IFIFO | (mode & 07777), 0);
}

#endif
