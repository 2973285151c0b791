/*
 * pm_fs.c: the file layer served by pm (built into los_pm, not into the freestanding los_fs):
 * one pm op per file call (ops.def rows 32..67), each reading its arguments from the caller's
 * mailbox once, copying paths into pm's own buffers (NUL-terminated within bounds, so a
 * client changing its mailbox meanwhile changes nothing), calling the library against the
 * caller's struct fs_proc, and putting results back in the mailbox. Would block: pm_wait_on
 * the object the library names, fs_wake is pm_wake. Each process's fs state is made at its
 * first file call (the console on descriptors 0, 1, 2) and follows it through fork, exec and
 * exit (pm_parts_add); the file layer itself starts at pm's first file call (ramfs on / and
 * /tmp, the boot archive, /dev/console), and from then on exec takes its images from it.
 */
#include <dev/dev.h>
#include <fs/dev.h>
#include <fs/fs.h>
#include <fs/sock.h>
#include <proc/lnx.h>
#include <proc/pm.h>
#include <tty/tty.h>
#ifdef TESSERA_PM_NET
#include <net/pm_net.h>
#endif

#include <los/los.h>
#include <los/page_heap.h>
#include <los/spawn.h>

#define FS_PART 0                     /* pm_proc.part[] slot of the file layer */
#define HEAP_VA 0x00006fa000000000ull /* pm's pages for the file layer */
#define HEAP_TOP 0x00006fb000000000ull
#define CONT 1 /* a[] flag: a continuation chunk, never blocks (returns 0) */
#define MORE 2 /* a write's a[2] flag: a piece of a reserved append, at a[4] */

static int started;
static struct los_page_heap heap = {.next = HEAP_VA, .top = HEAP_TOP};
static char path1[FS_PATH_MAX], path2[FS_PATH_MAX];

void *fs_page_alloc(void)
{
    return los_heap_page(&heap);
}

/* The file systems' quota (fs_data_room): file data never takes exo's last free pages, so a
 * full RAM file system is ENOSPC for writers while forks, execs and pipes still find memory. */
#define FS_RESERVE 4096 /* pages (16 MiB) left free for everything else */

static int data_room(void)
{
    return heap.free || exo_page_count() >= FS_RESERVE;
}

void fs_page_free(void *page)
{
    los_heap_give(&heap, page);
}

static const char pollers; /* what poll waits on: every change wakes it */

void fs_wake(const void *object)
{
    pm_wake(object);
    pm_wake(&pollers);
}

static uint64_t tsc_hz; /* exo's TSC rate, asked once */

void fs_now(struct fs_timespec *t)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t tsc = (uint64_t)hi << 32 | lo, hz = tsc_hz ? tsc_hz : 1;
    t->tv_sec = (int64_t)(tsc / hz); /* since boot, as the POSIX layer's CLOCK_REALTIME */
    t->tv_nsec = (int64_t)((tsc % hz) * 1000000000ull / hz);
}

/* The console on descriptors 0-2 of every process, and the other /dev devices, are the
 * terminal part's (libos/dev/pm_tty.c: pm_tty_start registers them). */

/* A signal's sender uid (pm_sigq.c): its real uid; root's until its first file call. */
static uint32_t part_uid(const struct pm_proc *p)
{
    const struct fs_proc *f = p->part[FS_PART];
    return f ? f->cred.uid : 0;
}

/* A process's user ids for pm's permission checks (pm_perm.c). */
static void part_ids(const struct pm_proc *p, struct pm_ids *ids)
{
    const struct fs_proc *f = p->part[FS_PART];
    if (f)
        *ids = (struct pm_ids){f->cred.uid, f->cred.euid, f->cred.suid};
}

static int part_fork(struct pm_proc *parent, struct pm_proc *child)
{
    struct fs_proc *pp = parent->part[FS_PART];
    child->part[FS_PART] = NULL;
    if (!pp)
        return 0; /* made at its first call, as the parent's would be */
    struct fs_proc *c = fs_proc_fork(pp);
    if (!c)
        return -LNX_ENOMEM;
    c->pid = child->e->pid;
    child->part[FS_PART] = c;
    return 0;
}

/* The file the exec under way read its image from (vfs_image): its set-ID bits and owner. */
static struct {
    int slot; /* the exec's process, -1: none */
    uint32_t mode, uid, gid;
} exec_file = {-1, 0, 0, 0};

/* exec's credentials, as Linux's: a set-user-ID image makes its owner the effective user id, a
 * set-group-ID one (with group execute: without it the bit means locking) its group the
 * effective group id; the saved ids become the effective ones either way. The new image reads
 * them (and AT_SECURE) for its auxv from the mailbox. */
static void exec_ids(struct pm_proc *p, struct fs_proc *fp)
{
    struct fs_cred *c = &fp->cred;
    if (exec_file.slot == p->slot && (exec_file.mode & FS_S_ISUID))
        c->euid = exec_file.uid;
    if (exec_file.slot == p->slot && (exec_file.mode & (FS_S_ISGID | 010)) == (FS_S_ISGID | 010))
        c->egid = exec_file.gid;
    c->suid = c->euid;
    c->sgid = c->egid;
    exec_file.slot = -1;
    struct proc_mbox *mb =
        (struct proc_mbox *)((uint8_t *)p->msg - __builtin_offsetof(struct proc_mbox, msg));
    mb->exec_ids[0] = c->uid;
    mb->exec_ids[1] = c->euid;
    mb->exec_ids[2] = c->gid;
    mb->exec_ids[3] = c->egid;
    mb->exec_secure = c->uid != c->euid || c->gid != c->egid;
}

static void part_exec(struct pm_proc *p)
{
    if (p->part[FS_PART]) {
        exec_ids(p, p->part[FS_PART]);
        fs_proc_exec(p->part[FS_PART]);
    }
}

static void part_exit(struct pm_proc *p)
{
    if (p->part[FS_PART])
        fs_proc_exit(p->part[FS_PART]);
    p->part[FS_PART] = NULL;
}

/* libos/ext2/pm_disk.c: the root disk (its type and mount data; < 0: none), the report of
 * its mount, init.ext2's disk on /mnt (its failure leaves /mnt unmounted). */
long pm_disk_root(const struct fs_type **t, const void **data);
void pm_disk_root_report(long r);
long pm_ext2_mount(void);
void pm_share_pread(struct pm_proc *p, struct fs_vnode *vn, uint64_t off, uint64_t n,
                    uint64_t fdgen);
void pm_share_publish(struct pm_proc *p, uint64_t fdgen);

/* After each op: the caller's descriptor table number where its libOS looks (pm_share.c). */
static void op_after(struct pm_proc *p)
{
    struct fs_proc *fp = p->part[FS_PART];
    if (fp)
        pm_share_publish(p, fp->fdgen);
}

static const struct pm_part fs_part = {part_fork, part_exec, part_exit};

static long vfs_image(struct pm_proc *p, const char *path, const void **elf, uint64_t *size);
static long vfs_interp(struct pm_proc *p, const char *path, const void **elf, uint64_t *size);

static void start(void)
{
    const struct los_info *in = los_info();
    tsc_hz = (uint64_t)exo_clock();
    fs_data_room = data_room;
    const struct fs_type *t;
    const void *data;
    long r = -FS_ENOENT;
    if (pm_disk_root(&t, &data) == 0) { /* the disk's root holds the archive's programs */
        r = fs_init_root(t, data);
        pm_disk_root_report(r);
    }
    if (r < 0) {
        r = fs_init();
        if (r == 0 && in->archive_size)
            r = fs_boot_fill((const void *)in->archive_va, in->archive_size);
    }
    if (r == 0) { /* /proc: pm's (libos/proc/procfs.c) */
        extern const struct fs_type pm_procfs;
        struct fs_proc *fp = fs_proc_new();
        long m = fp ? fs_mkdir(fp, "/proc", 0555) : -FS_ENOMEM;
        if (m == 0 || m == -FS_EEXIST)
            m = fs_mount(fp, "/proc", &pm_procfs, NULL);
        if (fp)
            fs_proc_exit(fp);
        if (m < 0)
            los_printf("pm: /proc not mounted (%ld)\n", m);
    }
    if (r == 0)
        r = pm_tty_start();
    if (r == 0)
        r = pm_parts_add(&fs_part);
    if (r == 0) {
        pm_uid_of = part_uid;
        pm_ids_of = part_ids;
    }
    if (r == 0)
        pm_ext2_mount(); /* init.ext2=SERIAL: the disk's root partition on /mnt (ext2/pm_disk.c) */
#ifdef TESSERA_PM_NET
    if (r == 0 && pm_net_start() < 0) /* AF_INET/AF_INET6 and the NIC (libos/net/pm_net.c) */
        los_printf("pm: the network part did not start\n");
#endif
    pm_exec_image = vfs_image; /* exec reads images from the file system now */
    pm_exec_interp = vfs_interp;
    pm_op_after = op_after;
    if (r < 0)
        los_printf("pm: the file layer did not start (%ld)\n", r);
    started = 1;
}

/* The caller's file state (made at its first call), or NULL with no memory. */
static struct fs_proc *F(struct pm_proc *p)
{
    if (!started)
        start();
    struct fs_proc *fp = p->part[FS_PART];
    if (!fp) {
        if (!(fp = fs_proc_new()))
            return NULL;
        fp->pid = p->e->pid;
        for (int fd = 0; fd < 3; fd++)
            fs_open(fp, "/dev/console", FS_O_RDWR, 0);
        p->part[FS_PART] = fp;
    }
    fs_proc_cancel(fp); /* a wait given up (a signal) registers nothing any more */
    extern int32_t pm_procfs_caller;
    pm_procfs_caller = p->e->pid; /* /proc/self */
    return fp;
}

/* exec's image from the file layer (pm_exec_image): the file the caller's path names, a
 * regular file it may execute (EACCES otherwise, as Linux), read whole into pm's exec buffer
 * (contiguous pages, kept for the next exec). A dynamic Linux binary's interpreter
 * (pm_exec_interp) is read the same way into a second buffer after the first. */
#define EXEC_VA 0x00006fa800000000ull
#define EXEC_MAX (64ull << 20)
#define INTERP_VA (EXEC_VA + EXEC_MAX)
#define INTERP_MAX (16ull << 20)
static uint64_t exec_mapped, interp_mapped; /* bytes of each buffer with pages behind them */

static long read_image(struct pm_proc *p, const char *path, uint64_t va, uint64_t max,
                       uint64_t *mapped, struct fs_stat *st, uint64_t *size)
{
    struct fs_proc *fp = F(p);
    if (!fp)
        return -FS_ENOMEM;
    /* the type first: opening a FIFO or a device has effects */
    long r = fs_stat(fp, path, st);
    if (r == 0 && !FS_S_ISTYPE(st->st_mode, FS_S_IFREG))
        r = -FS_EACCES;
    if (r == 0)
        r = fs_faccessat(fp, FS_AT_FDCWD, path, FS_X_OK, FS_AT_EACCESS);
    if (r == 0 && (uint64_t)st->st_size > max)
        r = -FS_ENOMEM;
    if (r < 0)
        return r;
    long fd = fs_open(fp, path, FS_O_RDONLY | FS_O_CLOEXEC, 0);
    if (fd < 0)
        return fd;
    while (r == 0 && *mapped < (uint64_t)st->st_size) {
        if (los_page_new(va + *mapped, EXO_PROT_R | EXO_PROT_W) < 0)
            r = -FS_ENOMEM;
        else
            *mapped += EXO_PAGE;
    }
    if (r == 0) {
        long n = fs_pread(fp, (int)fd, (void *)va, (uint64_t)st->st_size, 0);
        r = n == st->st_size ? 0 : n < 0 ? n : -FS_EIO;
    }
    fs_close(fp, (int)fd);
    *size = (uint64_t)st->st_size;
    return r;
}

static long vfs_image(struct pm_proc *p, const char *path, const void **elf, uint64_t *size)
{
    struct fs_stat st;
    long r = read_image(p, path, EXEC_VA, EXEC_MAX, &exec_mapped, &st, size);
    if (r < 0)
        return r;
    *elf = (const void *)EXEC_VA;
    exec_file.slot = p->slot; /* its set-ID bits apply if the exec goes through (exec_ids) */
    exec_file.mode = st.st_mode;
    exec_file.uid = st.st_uid;
    exec_file.gid = st.st_gid;
    return 0;
}

/* The interpreter's set-ID bits mean nothing (Linux's): only the program's count. */
static long vfs_interp(struct pm_proc *p, const char *path, const void **elf, uint64_t *size)
{
    struct fs_stat st;
    long r = read_image(p, path, INTERP_VA, INTERP_MAX, &interp_mapped, &st, size);
    if (r < 0)
        return r;
    *elf = (const void *)INTERP_VA;
    return 0;
}

/* The library's result as pm's: would block, SIGPIPE. */
static long done(struct pm_proc *p, struct fs_proc *fp, long r, int64_t flags)
{
    if (fp->sigpipe) {
        fp->sigpipe = 0;
        pm_post_signal(p, 13); /* SIGPIPE */
    }
    if (r == -FS_EAGAIN && fp->wait) {
        const void *o = fp->wait;
        if (flags & CONT) {
            fs_proc_cancel(fp);
            return 0;
        }
        return pm_wait_on(p, o);
    }
    return r;
}

/* The NUL-terminated string at data[*off] into dst; *off moves past it. 0 or -errno. */
static long str(struct pm_msg *m, uint64_t *off, char *dst)
{
    uint64_t o = *off;
    for (uint64_t i = 0; o + i < PM_DATA_MAX; i++) {
        if (i == FS_PATH_MAX)
            return -FS_ENAMETOOLONG;
        char c = ((volatile char *)m->data)[o + i]; /* read once */
        dst[i] = c;
        if (!c) {
            *off = o + i + 1;
            return 0;
        }
    }
    return -FS_EFAULT;
}

/* A length within the mailbox's data. */
static int len_ok(int64_t len)
{
    return len >= 0 && len <= PM_DATA_MAX;
}

#define FP()                                                                                       \
    struct fs_proc *fp = F(p);                                                                     \
    if (!fp)                                                                                       \
    return -FS_ENOMEM

#define PATH1()                                                                                    \
    uint64_t off_ = 0;                                                                             \
    long e_ = str(m, &off_, path1);                                                                \
    if (e_ < 0)                                                                                    \
    return e_

long pm_op_fs_openat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0], flags = m->a[1], mode = m->a[2];
    FP();
    PATH1();
    return done(p, fp, fs_openat(fp, (int)dirfd, path1, (int)flags, (uint32_t)mode), 0);
}

long pm_op_fs_close(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0];
    FP();
    return fs_close(fp, (int)fd);
}

long pm_op_fs_read(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], len = m->a[1], flags = m->a[2];
    if (!len_ok(len))
        return -FS_EINVAL;
    FP();
    return done(p, fp, fs_read(fp, (int)fd, m->data, (uint64_t)len), flags);
}

long pm_op_fs_write(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], len = m->a[1], flags = m->a[2], total = m->a[3], at = m->a[4];
    if (!len_ok(len))
        return -FS_EINVAL;
    FP();
    if (flags & MORE) /* the next piece of an append reserved whole (fs_append_begin) */
        return fs_append_more(fp, (int)fd, m->data, (uint64_t)len, (uint64_t)at);
    if (total > len) { /* the first piece of a write longer than the mailbox */
        const struct fs_sock *s = fs_fd_sock(fp, (int)fd);
        if (s && s->type != FS_SOCK_STREAM)
            return -FS_EMSGSIZE; /* a datagram is one call's (pm_sock.c) */
        uint64_t next;
        long r = fs_append_begin(fp, (int)fd, m->data, (uint64_t)len, (uint64_t)total, &next);
        m->r[0] = (int64_t)next; /* -1: nothing reserved, the rest are plain writes */
        return done(p, fp, r, flags);
    }
    return done(p, fp, fs_write(fp, (int)fd, m->data, (uint64_t)len), flags);
}

long pm_op_fs_pread(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], len = m->a[1], off = m->a[2];
    m->r[0] = 0; /* nothing offered of the shared cache (yet) */
    if (!len_ok(len))
        return -FS_EINVAL;
    FP();
    long r = fs_pread(fp, (int)fd, m->data, (uint64_t)len, off);
    if (r > 0) /* an ext2 file's: map what the read used, say what the fd names (pm_share.c) */
        pm_share_pread(p, fs_fd_vnode(fp, (int)fd), (uint64_t)off, (uint64_t)r, fp->fdgen);
    return r;
}

long pm_op_fs_pwrite(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], len = m->a[1], off = m->a[2];
    if (!len_ok(len))
        return -FS_EINVAL;
    FP();
    return fs_pwrite(fp, (int)fd, m->data, (uint64_t)len, off);
}

long pm_op_fs_lseek(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], off = m->a[1], whence = m->a[2];
    FP();
    return fs_lseek(fp, (int)fd, off, (int)whence);
}

long pm_op_fs_dup(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0];
    FP();
    return fs_dup(fp, (int)fd);
}

long pm_op_fs_dup3(struct pm_proc *p, struct pm_msg *m)
{
    int64_t oldfd = m->a[0], newfd = m->a[1], flags = m->a[2], dup2 = m->a[3];
    FP();
    return dup2 ? fs_dup2(fp, (int)oldfd, (int)newfd)
                : fs_dup3(fp, (int)oldfd, (int)newfd, (int)flags);
}

long pm_op_fs_fcntl(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], cmd = m->a[1], arg = m->a[2];
    FP();
    int lock = cmd == FS_F_GETLK || cmd == FS_F_SETLK || cmd == FS_F_SETLKW ||
               cmd == FS_F_OFD_GETLK || cmd == FS_F_OFD_SETLK || cmd == FS_F_OFD_SETLKW;
    if (!lock)
        return fs_fcntl(fp, (int)fd, (int)cmd, (uint64_t)arg);
    struct fs_flock fl;
    const volatile uint8_t *src = m->data;
    uint8_t *dst = (uint8_t *)&fl;
    for (uint64_t i = 0; i < sizeof fl; i++)
        dst[i] = src[i];
    long r = done(p, fp, fs_fcntl(fp, (int)fd, (int)cmd, (uint64_t)(uintptr_t)&fl), 0);
    for (uint64_t i = 0; i < sizeof fl; i++)
        m->data[i] = dst[i];
    return r;
}

/* Other requests whose argument is a pointer, which the layer dereferences: the caller must
 * send the bytes (a[3], the value path, would be a pointer into pm). FIONREAD, FIONBIO; the
 * sockets' SIOCGIF* (an ifreq of 40 bytes, libos/net/pm_netif.c) and SIOCGIFCONF (pmc_ioctl's
 * 248). */
static long ptr_arg_size(unsigned long req)
{
    if (req == 0x541b || req == 0x5421)
        return 4;
    if (req == 0x8912)
        return 248;
    return req >= 0x8910 && req <= 0x893f ? 40 : 0;
}

long pm_op_fs_ioctl(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], req = m->a[1], size = m->a[2];
    if (size < 0 || size > 256)
        return -FS_EINVAL;
    /* A request whose argument is a pointer has it in the mailbox, at least its size in the
     * terminal's table; only a value request passes a[3] on, and no device follows that. */
    long want = tty_ioctl_arg_size((unsigned long)req);
    if (want <= 0)
        want = ptr_arg_size((unsigned long)req);
    if (want > 0 && size < want)
        return -FS_EFAULT;
    FP();
    static uint8_t arg[256];
    for (int64_t i = 0; i < size; i++)
        arg[i] = ((volatile uint8_t *)m->data)[i];
    long r = fs_ioctl(fp, (int)fd, (unsigned long)req, size ? arg : (void *)m->a[3]);
    for (int64_t i = 0; i < size; i++)
        m->data[i] = arg[i];
    return done(p, fp, r, 0);
}

static void put_stat(struct pm_msg *m, const struct fs_stat *st)
{
    const uint8_t *s = (const uint8_t *)st;
    for (uint64_t i = 0; i < sizeof *st; i++)
        m->data[i] = s[i];
}

long pm_op_fs_fstatat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0], flags = m->a[1];
    FP();
    PATH1();
    struct fs_stat st;
    long r = fs_fstatat(fp, (int)dirfd, path1, &st, (int)flags);
    if (r == 0)
        put_stat(m, &st);
    return r;
}

long pm_op_fs_fstat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0];
    FP();
    struct fs_stat st;
    long r = fs_fstat(fp, (int)fd, &st);
    if (r == 0)
        put_stat(m, &st);
    return r;
}

long pm_op_fs_truncate(struct pm_proc *p, struct pm_msg *m)
{
    int64_t len = m->a[0];
    FP();
    PATH1();
    return fs_truncate(fp, path1, len);
}

long pm_op_fs_ftruncate(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], len = m->a[1];
    FP();
    return fs_ftruncate(fp, (int)fd, len);
}

long pm_op_fs_unlinkat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0], flags = m->a[1];
    FP();
    PATH1();
    return fs_unlinkat(fp, (int)dirfd, path1, (int)flags);
}

long pm_op_fs_renameat2(struct pm_proc *p, struct pm_msg *m)
{
    int64_t olddirfd = m->a[0], newdirfd = m->a[1], flags = m->a[2];
    FP();
    PATH1();
    if ((e_ = str(m, &off_, path2)) < 0)
        return e_;
    return fs_renameat2(fp, (int)olddirfd, path1, (int)newdirfd, path2, (unsigned)flags);
}

long pm_op_fs_mkdirat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0], mode = m->a[1];
    FP();
    PATH1();
    return fs_mkdirat(fp, (int)dirfd, path1, (uint32_t)mode);
}

long pm_op_fs_mknodat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0], mode = m->a[1], dev = m->a[2];
    FP();
    PATH1();
    return fs_mknodat(fp, (int)dirfd, path1, (uint32_t)mode, (uint64_t)dev);
}

long pm_op_fs_symlinkat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0];
    FP();
    PATH1(); /* the target */
    if ((e_ = str(m, &off_, path2)) < 0)
        return e_;
    return fs_symlinkat(fp, path1, (int)dirfd, path2);
}

long pm_op_fs_readlinkat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0], len = m->a[1];
    FP();
    PATH1();
    if (len > PM_DATA_MAX)
        len = PM_DATA_MAX;
    return fs_readlinkat(fp, (int)dirfd, path1, (char *)m->data, len);
}

long pm_op_fs_linkat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t olddirfd = m->a[0], newdirfd = m->a[1], flags = m->a[2];
    FP();
    PATH1();
    if ((e_ = str(m, &off_, path2)) < 0)
        return e_;
    return fs_linkat(fp, (int)olddirfd, path1, (int)newdirfd, path2, (int)flags);
}

long pm_op_fs_fchmodat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0], mode = m->a[1];
    FP();
    PATH1();
    return fs_fchmodat(fp, (int)dirfd, path1, (uint32_t)mode);
}

long pm_op_fs_fchmod(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], mode = m->a[1];
    FP();
    return fs_fchmod(fp, (int)fd, (uint32_t)mode);
}

long pm_op_fs_fchownat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0], uid = m->a[1], gid = m->a[2], flags = m->a[3];
    FP();
    PATH1();
    return fs_fchownat(fp, (int)dirfd, path1, (uint32_t)uid, (uint32_t)gid, (int)flags);
}

long pm_op_fs_fchown(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], uid = m->a[1], gid = m->a[2];
    FP();
    return fs_fchown(fp, (int)fd, (uint32_t)uid, (uint32_t)gid);
}

long pm_op_fs_utimensat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0], flags = m->a[1], has_times = m->a[2], has_path = m->a[3];
    FP();
    struct fs_timespec t[2];
    uint8_t *d = (uint8_t *)t;
    for (uint64_t i = 0; i < sizeof t; i++)
        d[i] = ((volatile uint8_t *)m->data)[i];
    uint64_t off = sizeof t;
    if (has_path) {
        long e = str(m, &off, path1);
        if (e < 0)
            return e;
    }
    return fs_utimensat(fp, (int)dirfd, has_path ? path1 : NULL, has_times ? t : NULL, (int)flags);
}

long pm_op_fs_faccessat(struct pm_proc *p, struct pm_msg *m)
{
    int64_t dirfd = m->a[0], mode = m->a[1], flags = m->a[2];
    FP();
    PATH1();
    return fs_faccessat(fp, (int)dirfd, path1, (int)mode, (int)flags);
}

long pm_op_fs_chdir(struct pm_proc *p, struct pm_msg *m)
{
    FP();
    PATH1();
    return fs_chdir(fp, path1);
}

long pm_op_fs_fchdir(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0];
    FP();
    return fs_fchdir(fp, (int)fd);
}

long pm_op_fs_getcwd(struct pm_proc *p, struct pm_msg *m)
{
    int64_t size = m->a[0];
    if (size < 0)
        return -FS_EINVAL;
    if (size > PM_DATA_MAX)
        size = PM_DATA_MAX;
    FP();
    return fs_getcwd(fp, (char *)m->data, (uint64_t)size);
}

long pm_op_fs_umask(struct pm_proc *p, struct pm_msg *m)
{
    int64_t mask = m->a[0];
    FP();
    return (long)fs_umask(fp, (uint32_t)mask);
}

long pm_op_fs_getdents64(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], len = m->a[1];
    if (len < 0)
        return -FS_EINVAL;
    if (len > PM_DATA_MAX)
        len = PM_DATA_MAX;
    FP();
    return fs_getdents64(fp, (int)fd, m->data, (uint64_t)len);
}

long pm_op_fs_pipe2(struct pm_proc *p, struct pm_msg *m)
{
    int64_t flags = m->a[0];
    FP();
    int fds[2];
    long r = fs_pipe2(fp, fds, (int)flags);
    if (r == 0) {
        m->r[0] = fds[0];
        m->r[1] = fds[1];
    }
    return r;
}

long pm_op_fs_flock(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0], op = m->a[1];
    FP();
    return done(p, fp, fs_flock(fp, (int)fd, (int)op), 0);
}

long pm_op_fs_poll(struct pm_proc *p, struct pm_msg *m)
{
    int64_t n = m->a[0], block = m->a[1];
    static struct fs_pollfd fds[PM_DATA_MAX / sizeof(struct fs_pollfd)];
    if (n < 0 || (uint64_t)n > PM_DATA_MAX / sizeof(struct fs_pollfd))
        return -FS_EINVAL;
    FP();
    uint8_t *d = (uint8_t *)fds;
    for (uint64_t i = 0; i < (uint64_t)n * sizeof *fds; i++)
        d[i] = ((volatile uint8_t *)m->data)[i];
    long r = fs_poll_many(fp, fds, (uint64_t)n);
    for (uint64_t i = 0; i < (uint64_t)n * sizeof *fds; i++)
        m->data[i] = d[i];
    if (r == 0 && block == 2) { /* the caller waits itself, with its timeout */
        pm_wait_on(p, &pollers);
        return 0;
    }
    if (r == 0 && block)
        return pm_wait_on(p, &pollers);
    return r;
}

/* Credentials: the ids and groups pm keeps for the caller, as its file layer checks them. */
long pm_op_fs_getcred(struct pm_proc *p, struct pm_msg *m)
{
    FP();
    const struct fs_cred *c = &fp->cred;
    m->r[0] = c->uid, m->r[1] = c->euid, m->r[2] = c->suid;
    m->r[3] = c->gid, m->r[4] = c->egid, m->r[5] = c->sgid;
    uint32_t n = c->ngroups < FS_NGROUPS ? c->ngroups : FS_NGROUPS;
    const uint8_t *g = (const uint8_t *)c->groups;
    for (uint64_t i = 0; i < n * sizeof(uint32_t); i++)
        m->data[i] = g[i];
    return n;
}

long pm_op_fs_setcred(struct pm_proc *p, struct pm_msg *m)
{
    int64_t which = m->a[0];
    uint32_t a = (uint32_t)m->a[1], b = (uint32_t)m->a[2], c = (uint32_t)m->a[3];
    FP();
    if (which == 6) { /* setgroups: the list in the mailbox */
        uint64_t n = (uint64_t)m->a[1];
        if (n > FS_NGROUPS)
            return -FS_EINVAL;
        uint32_t groups[FS_NGROUPS];
        uint8_t *g = (uint8_t *)groups;
        for (uint64_t i = 0; i < n * sizeof(uint32_t); i++)
            g[i] = ((volatile uint8_t *)m->data)[i];
        return fs_setgroups(fp, n, groups);
    }
    return fs_setcred(fp, which, a, b, c);
}

/* epoll: the instance is a description in the caller's table; a wait never blocks pm. */
long pm_op_fs_epoll_create(struct pm_proc *p, struct pm_msg *m)
{
    int64_t flags = m->a[0];
    FP();
    return fs_epoll_create(fp, (int)flags);
}

long pm_op_fs_epoll_ctl(struct pm_proc *p, struct pm_msg *m)
{
    int64_t epfd = m->a[0], op = m->a[1], fd = m->a[2], events = m->a[3], data = m->a[4];
    FP();
    struct fs_epoll_event ev = {(uint32_t)events, (uint64_t)data};
    return fs_epoll_ctl(fp, (int)epfd, (int)op, (int)fd, &ev);
}

long pm_op_fs_epoll_wait(struct pm_proc *p, struct pm_msg *m)
{
    static struct fs_epoll_event evs[PM_DATA_MAX / sizeof(struct fs_epoll_event)];
    int64_t epfd = m->a[0], max = m->a[1], arm = m->a[2];
    if (max > (int64_t)(PM_DATA_MAX / sizeof *evs))
        max = PM_DATA_MAX / sizeof *evs;
    FP();
    long n = fs_epoll_wait(fp, (int)epfd, evs, (int)max);
    const uint8_t *s = (const uint8_t *)evs;
    for (uint64_t i = 0; n > 0 && i < (uint64_t)n * sizeof *evs; i++)
        m->data[i] = s[i];
    if (n == 0 && arm)
        pm_wait_on(p, &pollers); /* any change posts the wake event; the caller waits */
    return n;
}

long pm_op_fs_nofile(struct pm_proc *p, struct pm_msg *m)
{
    int64_t set = m->a[0];
    uint64_t nw[2] = {(uint64_t)m->a[1], (uint64_t)m->a[2]}, old[2] = {0, 0};
    FP();
    long r = fs_rlimit_nofile(fp, set ? nw : NULL, old);
    m->r[0] = (int64_t)old[0];
    m->r[1] = (int64_t)old[1];
    return r;
}

/* root: file systems as a whole (ops.def 70, 71). */
long pm_op_fs_statfs(struct pm_proc *p, struct pm_msg *m)
{
    FP();
    struct fs_statfs st;
    long r;
    if (m->a[0] == 1) {
        r = fs_fstatfs(fp, (int)m->a[1], &st);
    } else {
        PATH1();
        r = fs_statfs(fp, path1, &st);
    }
    if (r == 0)
        for (uint64_t i = 0; i < sizeof st; i++)
            m->data[i] = ((const uint8_t *)&st)[i];
    return r;
}

long pm_op_fs_sync(struct pm_proc *p, struct pm_msg *m)
{
    FP();
    return m->a[0] == 1 ? fs_fsync(fp, (int)m->a[1]) : fs_sync_all();
}

int pm_fs_euid(struct pm_proc *p)
{
    struct fs_proc *fp = F(p);
    return fp ? (int)fp->cred.euid : -1;
}

long pm_file_read(const char *path, void *buf, uint64_t len)
{
    pm_busy(1); /* no call may come into the file layer meanwhile */
    if (!started)
        start();
    struct fs_proc *fp = fs_proc_new();
    long r = -FS_ENOMEM;
    if (fp) {
        long fd = fs_open(fp, path, FS_O_RDONLY, 0);
        r = fd;
        if (fd >= 0) {
            r = fs_read(fp, (int)fd, buf, len);
            fs_close(fp, (int)fd);
        }
        fs_proc_exit(fp);
    }
    pm_busy(0);
    return r;
}

long pm_fs_shutdown(void)
{
    long pm_disk_shutdown(void); /* libos/ext2/pm_disk.c */
    if (!started)
        return 0;
    pm_busy(1);
    long r = fs_sync_all();
    long u = pm_disk_shutdown();
    pm_busy(0);
    return r < 0 ? r : u;
}

/* The caller's file state for pm's other file-backed parts (pm_mmap.c), or NULL. */
struct fs_proc *pm_fs_proc(struct pm_proc *p)
{
    return F(p);
}
