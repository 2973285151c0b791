/*
 * internal.h: what the library's files share and nobody else sees: the allocator, string
 * helpers (no libc), open file descriptions, pipes, locks, devices, and the path walk.
 */
#ifndef FS_INTERNAL_H
#define FS_INTERNAL_H

#include <fs/dev.h>
#include <fs/fs.h>

#define FS_PAGE 4096
#define FS_RW_MAX 0x7ffff000ull /* the most one read or write moves, as on Linux */
#define FS_MAXBIG 0x7fffffffffffffffll

/* mem.c: small objects (up to a page) from pages the embedder gives; zeroed. */
void *fs_alloc(size_t n);
void fs_free(void *obj, size_t n);
/* A zeroed page of file data (freed with fs_free(page, FS_PAGE)), within fs_data_room. */
void *fs_alloc_data(void);

/* util.c: the string and memory helpers (freestanding: no libc). */
void fs_memcpy(void *d, const void *s, size_t n);
void fs_memset(void *d, int c, size_t n);
int fs_memeq(const void *a, const void *b, size_t n);
size_t fs_strnlen(const char *s, size_t max);

/* An open file description: what open() makes and dup/fork share. */
enum fs_file_type { FS_FILE_VNODE, FS_FILE_PIPE, FS_FILE_DEV, FS_FILE_EPOLL, FS_FILE_SOCK };
struct fs_file {
    uint32_t refs;  /* descriptors (of any process) naming it */
    uint32_t flags; /* access mode and status flags (O_APPEND, O_NONBLOCK, O_PATH, ...) */
    enum fs_file_type type;
    uint64_t off;
    struct fs_vnode *vn;     /* referenced; NULL for an anonymous pipe */
    struct fs_pipe *pipe;    /* pipes and FIFOs */
    struct fs_devent *dev;   /* devices */
    void *devp;              /* the device's object for this file (its dev, or open_file's) */
    struct fs_epoll *ep;     /* an epoll instance (epoll.c) */
    struct fs_sock *sock;    /* a socket (sock.c): its family's object */
    struct fs_epitem *watch; /* the epoll interests naming this description (epoll.c) */
    struct fs_vnode *dir;    /* the directory it was opened in (referenced), or NULL: fdpath.c */
    char *name;              /* the name it was opened by there (fs_alloc'd, NUL-terminated) */
    uint16_t name_size;      /* bytes of name's allocation */
};

static inline int fs_file_readable(const struct fs_file *f)
{
    return !(f->flags & FS_O_PATH) && (f->flags & FS_O_ACCMODE) != FS_O_WRONLY;
}
static inline int fs_file_writable(const struct fs_file *f)
{
    return !(f->flags & FS_O_PATH) && (f->flags & FS_O_ACCMODE) != FS_O_RDONLY;
}

/* fd.c */
struct fs_file *fs_fd_file(struct fs_proc *p, int fd);
void fs_fd_newgen(struct fs_proc *p); /* p->fdgen a number never seen before */
struct fs_file *fs_file_new(enum fs_file_type type, uint32_t flags, struct fs_vnode *vn);
void fs_file_put(struct fs_file *f);
long fs_fd_free_slot(struct fs_proc *p, int min);
long fs_fd_install(struct fs_proc *p, struct fs_file *f, int min, int cloexec);

/* io.c: what poll would say of the description now (FS_POLL* bits). */
unsigned fs_file_poll(struct fs_file *f);

/* epoll.c: the description's last descriptor went (every interest in it goes; an epoll
 * instance's own interests and state go too). */
void fs_epoll_file_gone(struct fs_file *f);
unsigned fs_epoll_poll(struct fs_epoll *ep);

/* pipe.c */
#define FS_PIPE_PAGES 4 /* capacity 16 KiB */
struct fs_pipe {
    uint8_t *page[FS_PIPE_PAGES];
    uint64_t head, tail; /* bytes ever written, read */
    uint32_t readers, writers;
    uint32_t rgen, wgen; /* read / write opens so far: a FIFO open waits for the other's */
    uint64_t ino;
    struct fs_vnode *vn; /* a FIFO's vnode, else NULL */
};
struct fs_pipe *fs_pipe_new(void);
void fs_pipe_open_end(struct fs_pipe *pp, int write);
void fs_pipe_close_end(struct fs_pipe *pp, int write); /* frees it when both counts are 0 */
long fs_pipe_read(struct fs_proc *p, struct fs_file *f, void *buf, uint64_t len);
long fs_pipe_write(struct fs_proc *p, struct fs_file *f, const void *buf, uint64_t len);
unsigned fs_pipe_poll(const struct fs_file *f);
long fs_fifo_open(struct fs_proc *p, struct fs_vnode *vn, int flags, struct fs_pipe **out);
void fs_fifo_cancel(struct fs_proc *p);

/* sock.c: a socket description's part in the generic calls. */
long fs_sock_read(struct fs_proc *p, struct fs_file *f, void *buf, uint64_t len);
long fs_sock_write(struct fs_proc *p, struct fs_file *f, const void *buf, uint64_t len);
unsigned fs_sock_poll(struct fs_file *f);
long fs_sock_ioctl(struct fs_file *f, unsigned long req, void *arg);
void fs_sock_close(struct fs_file *f);
void fs_sock_stat(const struct fs_file *f, struct fs_stat *st);

/* lock.c */
enum fs_lock_kind { FS_LK_POSIX, FS_LK_OFD, FS_LK_FLOCK };
struct fs_lock {
    struct fs_lock *next;
    enum fs_lock_kind kind;
    int type;            /* FS_F_RDLCK / FS_F_WRLCK */
    uint64_t start, end; /* inclusive; end UINT64_MAX: to the end of the file, ever */
    const void *owner;   /* fs_proc (POSIX) or fs_file (OFD, flock) */
    int pid;
};
long fs_lock_fcntl(struct fs_proc *p, struct fs_file *f, int cmd, struct fs_flock *fl);
void fs_lock_release(struct fs_vnode *vn, const void *owner);

/* dev.c */
struct fs_devent {
    char name[64];
    const struct fs_dev_ops *ops; /* NULL once unregistered */
    void *dev;
    uint64_t rdev;
};
struct fs_devent *fs_dev_find(uint64_t rdev);
void fs_dev_make_nodes(void); /* /dev nodes of devices registered before fs_init */

/* perm.c: may p (its effective ids, or its real ones) access vn for mask (FS_R/W/X_OK)? */
long fs_perm(const struct fs_proc *p, const struct fs_vnode *vn, int mask, int real);
int fs_owner_or_root(const struct fs_proc *p, const struct fs_vnode *vn);
int fs_in_group(const struct fs_cred *c, uint32_t gid, int real);
/* A sticky directory lets only the owner of the entry or of the directory (or root) remove it. */
long fs_sticky_ok(const struct fs_proc *p, const struct fs_vnode *dir, const struct fs_vnode *vn);

/* walk.c: resolving a path. */
#define FS_WALK_FOLLOW 1 /* follow a symlink in the last component */
#define FS_WALK_PARENT 2 /* the last component may be missing: say its directory and name */
#define FS_WALK_EMPTY 4  /* "" names dirfd itself (AT_EMPTY_PATH) */
enum fs_last { FS_LAST_NORM, FS_LAST_DOT, FS_LAST_DOTDOT, FS_LAST_ROOT };
struct fs_walk {
    struct fs_vnode *dir; /* directory of a normal last component (referenced), else NULL */
    struct fs_vnode *vn;  /* what the path names (referenced); NULL when missing */
    char name[FS_NAME_MAX + 1];
    unsigned len;
    enum fs_last last;
    int slash; /* the path ended in '/' */
};
long fs_walk(struct fs_proc *p, int dirfd, const char *path, int flags, struct fs_walk *w);
void fs_walk_done(struct fs_walk *w);
long fs_lookup_parent(struct fs_proc *p, struct fs_vnode *dir, struct fs_vnode **out);
/* proc.c: a directory's path from p's root (length with the NUL, or -errno); child's name in dir
 * (found by inode number; its length, or -FS_ENOENT). */
long fs_dir_path(struct fs_proc *p, struct fs_vnode *dir, char *buf, uint64_t size);
long fs_name_in(struct fs_vnode *dir, struct fs_vnode *child, char *name);
/* fdpath.c: remembers where f was opened (w's directory and name), for fs_fd_path. */
void fs_file_remember(struct fs_file *f, const struct fs_walk *w);
/* The directory a *at call starts from: cwd for AT_FDCWD, else dirfd's (referenced). */
long fs_dirfd_vnode(struct fs_proc *p, int dirfd, struct fs_vnode **out);

/* vnode.c */
struct fs_mount *fs_root_mount(void);
static inline int fs_is_dir(const struct fs_vnode *vn)
{
    return FS_S_ISTYPE(vn->mode, FS_S_IFDIR);
}
long fs_dir_empty(struct fs_vnode *dir); /* 1 empty, 0 not, or -errno */
void fs_stat_fill(const struct fs_vnode *vn, struct fs_stat *st);
long fs_truncate_vnode(struct fs_vnode *vn, uint64_t len);
/* Creates `name` in dir after the common checks (permission, dead directory): */
long fs_create_in(struct fs_proc *p, struct fs_vnode *dir, const char *name, unsigned len,
                  uint32_t mode, uint64_t rdev, const char *target, struct fs_vnode **out);

#endif
