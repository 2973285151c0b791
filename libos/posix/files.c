/*
 * files.c: the file calls (open, read, write, stat, pipes, locks, directories, ...) served by
 * the file layer (libos/fs). In a process pm made, pm holds the layer for every process and
 * each call goes there (files_pm.c). A program pm did not make (proc_present 0) runs the layer
 * itself: its own RAM file system filled from the boot archive at the first file call, exo's
 * console registered as /dev/console and opened on descriptors 0, 1 and 2, pages from exo in
 * a range of their own; its files are its own and nothing can end a wait: a call that would
 * block returns EAGAIN (EDEADLK for F_SETLKW), poll answers at once. Pointers are trusted.
 */
#include <posix/calls.h>

#include <los/uaccess.h>
#include <proc/client.h>
#include <signal/sig.h>

#include "files.h"

#include <fs/dev.h>
#include <fs/fs.h>
#include <los/los.h>
#include <los/page_heap.h>
#include <los/spawn.h>

#define FILES_HEAP_VA 0x00006fa000000000ull /* pages of the in-process file layer */
#define FILES_HEAP_TOP 0x00006fb000000000ull

extern const struct fs_dev_ops posix_console_ops;

static struct fs_proc *me;
static struct los_page_heap heap = {.next = FILES_HEAP_VA, .top = FILES_HEAP_TOP};

void *fs_page_alloc(void)
{
    return los_heap_page(&heap);
}

void fs_page_free(void *page)
{
    los_heap_give(&heap, page);
}

void fs_wake(const void *object)
{
    (void)object; /* one process: nobody else waits */
}

void fs_now(struct fs_timespec *t)
{
    struct lnx_timespec ts;
    const long a[6] = {LNX_CLOCK_REALTIME, (long)&ts};
    posix_clock_gettime(a);
    t->tv_sec = ts.tv_sec;
    t->tv_nsec = ts.tv_nsec;
}

/* The process's file state, made at the first file call. */
static struct fs_proc *P(void)
{
    if (me)
        return me;
    const struct los_info *in = los_info();
    long r = fs_init();
    if (r == 0 && in->archive_size)
        r = fs_boot_fill((const void *)in->archive_va, in->archive_size);
    if (r == 0)
        r = fs_dev_register("console", &posix_console_ops, NULL);
    if (r < 0 || !(me = fs_proc_new())) {
        los_printf("posix: the file layer did not start (%ld)\n", r);
        los_exit(127);
    }
    me->pid = (int)posix_pid;
    for (int fd = 0; fd < 3; fd++)
        fs_open(me, "/dev/console", FS_O_RDWR, 0);
    return me;
}

struct fs_proc *posix_files_proc(void)
{
    return P();
}

/* A would-block result: in one process nothing can end the wait. */
static long done(long r)
{
    if (r == -FS_EAGAIN && me->wait) {
        fs_proc_cancel(me);
        return -FS_EAGAIN;
    }
    if (r == -FS_EPIPE)
        me->sigpipe = 0; /* SIGPIPE arrives with signals */
    return r;
}

/* The caller's buffer, checked before anything is read or written (los/uaccess.h): a bad one
 * is EFAULT with nothing done, never a fault in the libOS. */
static int bad_out(long p, long n)
{
    return n > 0 && los_user_check_write((void *)p, (size_t)n) < 0;
}

static int bad_in(long p, long n)
{
    return n > 0 && los_user_check_read((const void *)p, (size_t)n) < 0;
}

long posix_read(const long a[6])
{
    if (bad_out(a[1], a[2]))
        return -LNX_EFAULT;
    if (proc_present)
        return pmc_read((int)a[0], (void *)a[1], (uint64_t)a[2]);
    return done(fs_read(P(), (int)a[0], (void *)a[1], (uint64_t)a[2]));
}

long posix_write(const long a[6])
{
    if (bad_in(a[1], a[2]))
        return -LNX_EFAULT;
    if (proc_present)
        return pmc_write((int)a[0], (const void *)a[1], (uint64_t)a[2]);
    return done(fs_write(P(), (int)a[0], (const void *)a[1], (uint64_t)a[2]));
}

long posix_pread64(const long a[6])
{
    if (bad_out(a[1], a[2]))
        return -LNX_EFAULT;
    if (proc_present)
        return pmc_pread((int)a[0], (void *)a[1], (uint64_t)a[2], a[3]);
    return done(fs_pread(P(), (int)a[0], (void *)a[1], (uint64_t)a[2], a[3]));
}

long posix_pwrite64(const long a[6])
{
    if (bad_in(a[1], a[2]))
        return -LNX_EFAULT;
    if (proc_present)
        return pmc_pwrite((int)a[0], (const void *)a[1], (uint64_t)a[2], a[3]);
    return done(fs_pwrite(P(), (int)a[0], (const void *)a[1], (uint64_t)a[2], a[3]));
}

/* writev to pm: the pieces checked, then sent as one write (files_pm.c), so an O_APPEND
 * writev is one append and one of up to PIPE_BUF bytes to a pipe one atomic write. */
static long writev_pm(const long a[6])
{
    const struct lnx_iovec *iov = (const struct lnx_iovec *)a[1];
    uint64_t total = 0;
    for (long i = 0; i < a[2]; i++) {
        struct lnx_iovec v;
        if (los_copy_from_user(&v, &iov[i], sizeof v) < 0 ||
            bad_in((long)v.iov_base, (long)v.iov_len))
            return -LNX_EFAULT;
        if ((int64_t)v.iov_len < 0 || (int64_t)(total + v.iov_len) < 0)
            return -LNX_EINVAL; /* the sum past ssize_t */
        total += v.iov_len;
    }
    /* The iovecs are the segments (the same two words each), checked above and trusted since,
     * as every pointer after its check here. */
    _Static_assert(sizeof(struct pmc_seg) == sizeof(struct lnx_iovec), "iovec as segments");
    return total ? pmc_writev((int)a[0], (const struct pmc_seg *)iov, total)
                 : pmc_write((int)a[0], NULL, 0);
}

static long vec(const long a[6], int write)
{
    if (a[2] < 0 || a[2] > 1024) /* IOV_MAX */
        return -LNX_EINVAL;
    if (write && proc_present)
        return writev_pm(a);
    const struct lnx_iovec *iov = (const struct lnx_iovec *)a[1];
    long total = 0;
    for (long i = 0; i < a[2]; i++) {
        struct lnx_iovec v;
        if (los_copy_from_user(&v, &iov[i], sizeof v) < 0)
            return total ? total : -LNX_EFAULT;
        if (!v.iov_len)
            continue;
        const long b[6] = {a[0], (long)v.iov_base, (long)v.iov_len};
        long r = write ? posix_write(b) : posix_read(b);
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((uint64_t)r < v.iov_len)
            break;
    }
    return total;
}

long posix_readv(const long a[6])
{
    return vec(a, 0);
}

long posix_writev(const long a[6])
{
    return vec(a, 1);
}

long posix_open(const long a[6])
{
    if (proc_present)
        return pmc_openat(FS_AT_FDCWD, (const char *)a[0], (int)a[1], (uint32_t)a[2]);
    return done(fs_open(P(), (const char *)a[0], (int)a[1], (uint32_t)a[2]));
}

long posix_openat(const long a[6])
{
    if (proc_present)
        return pmc_openat((int)a[0], (const char *)a[1], (int)a[2], (uint32_t)a[3]);
    return done(fs_openat(P(), (int)a[0], (const char *)a[1], (int)a[2], (uint32_t)a[3]));
}

long posix_creat(const long a[6])
{
    if (proc_present)
        return pmc_openat(FS_AT_FDCWD, (const char *)a[0], FS_O_CREAT | FS_O_WRONLY | FS_O_TRUNC,
                          (uint32_t)a[1]);
    return fs_open(P(), (const char *)a[0], FS_O_CREAT | FS_O_WRONLY | FS_O_TRUNC, (uint32_t)a[1]);
}

long posix_close(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_close, a[0], 0, 0, 0);
    return fs_close(P(), (int)a[0]);
}

long posix_lseek(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_lseek, a[0], a[1], a[2], 0);
    return fs_lseek(P(), (int)a[0], a[1], (int)a[2]);
}

long posix_ioctl(const long a[6])
{
    /* The request is 32 bits, as Linux takes it: musl's ioctl(int fd, int req, ...) passes
     * _IOR requests such as TIOCGPTN (0x80045430) sign-extended. */
    unsigned long req = (uint32_t)a[1];
    if (req == LNX_TIOCGWINSZ && bad_out(a[2], sizeof(struct lnx_winsize)))
        return -LNX_EFAULT;
    if (proc_present)
        return pmc_ioctl((int)a[0], req, (void *)a[2]);
    return fs_ioctl(P(), (int)a[0], req, (void *)a[2]);
}

long posix_dup(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_dup, a[0], 0, 0, 0);
    return fs_dup(P(), (int)a[0]);
}

long posix_dup2(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_dup3, a[0], a[1], 0, 1);
    return fs_dup2(P(), (int)a[0], (int)a[1]);
}

long posix_dup3(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_dup3, a[0], a[1], a[2], 0);
    return fs_dup3(P(), (int)a[0], (int)a[1], (int)a[2]);
}

long posix_fcntl(const long a[6])
{
    if (proc_present)
        return pmc_fcntl((int)a[0], (int)a[1], a[2]);
    long r = fs_fcntl(P(), (int)a[0], (int)a[1], (uint64_t)a[2]);
    if (r == -FS_EAGAIN && me->wait) { /* F_SETLKW against ourselves only: never granted */
        fs_proc_cancel(me);
        return -FS_EDEADLK;
    }
    return r;
}

long posix_flock(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_flock, a[0], a[1], 0, 0);
    return done(fs_flock(P(), (int)a[0], (int)a[1]));
}

long posix_pipe2(const long a[6])
{
    /* The flags first (EINVAL, as Linux), then the two descriptors' words: a bad pointer is
     * EFAULT with no pipe made (Linux makes then closes one; either way the caller sees EFAULT
     * and no new descriptor). */
    if ((int)a[1] & ~(FS_O_CLOEXEC | FS_O_NONBLOCK | FS_O_DIRECT))
        return -LNX_EINVAL;
    long r = los_user_check_write((int *)a[0], 2 * sizeof(int));
    if (r < 0)
        return r;
    if (proc_present)
        return pmc_pipe2((int *)a[0], (int)a[1]);
    return fs_pipe2(P(), (int *)a[0], (int)a[1]);
}

long posix_pipe(const long a[6])
{
    const long b[6] = {a[0], 0};
    return posix_pipe2(b);
}

long posix_stat(const long a[6])
{
    if (proc_present)
        return pmc_stat(FS_AT_FDCWD, (const char *)a[0], (void *)a[1], 0, 0);
    return fs_stat(P(), (const char *)a[0], (struct fs_stat *)a[1]);
}

long posix_lstat(const long a[6])
{
    if (proc_present)
        return pmc_stat(FS_AT_FDCWD, (const char *)a[0], (void *)a[1], FS_AT_SYMLINK_NOFOLLOW, 0);
    return fs_lstat(P(), (const char *)a[0], (struct fs_stat *)a[1]);
}

long posix_fstat(const long a[6])
{
    if (proc_present)
        return pmc_stat(0, NULL, (void *)a[1], 0, (int)a[0]);
    return fs_fstat(P(), (int)a[0], (struct fs_stat *)a[1]);
}

long posix_newfstatat(const long a[6])
{
    if (proc_present)
        return pmc_stat((int)a[0], (const char *)a[1], (void *)a[2], (int)a[3], 0);
    return fs_fstatat(P(), (int)a[0], (const char *)a[1], (struct fs_stat *)a[2], (int)a[3]);
}

/* statx (glibc's stat, ls's first try): fstatat's answer in struct statx's layout, the basic
 * fields (STATX_BASIC_STATS) whatever mask asks, as Linux fills them; no birth time. */
#define LNX_AT_SYMLINK_NOFOLLOW 0x100
#define LNX_AT_NO_AUTOMOUNT 0x800
#define LNX_AT_EMPTY_PATH 0x1000
#define LNX_AT_STATX_SYNC_TYPE 0x6000
#define LNX_STATX_BASIC_STATS 0x7ffu
#ifndef LNX_ESPIPE
#define LNX_ESPIPE 29
#endif
#define LNX_STATX_RESERVED 0x80000000u
struct lnx_statx_ts {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct lnx_statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, spare0;
    uint64_t ino, size, blocks, attributes_mask;
    struct lnx_statx_ts atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};
_Static_assert(sizeof(struct lnx_statx) == 256, "struct statx is 256 bytes");

static void statx_ts(struct lnx_statx_ts *t, const struct fs_timespec *f)
{
    t->tv_sec = f->tv_sec;
    t->tv_nsec = (uint32_t)f->tv_nsec;
}

long posix_statx(const long a[6])
{
    int flags = (int)a[2];
    if (flags & ~(LNX_AT_SYMLINK_NOFOLLOW | LNX_AT_NO_AUTOMOUNT | LNX_AT_EMPTY_PATH |
                  LNX_AT_STATX_SYNC_TYPE) ||
        (flags & LNX_AT_STATX_SYNC_TYPE) == LNX_AT_STATX_SYNC_TYPE ||
        ((uint32_t)a[3] & LNX_STATX_RESERVED))
        return -LNX_EINVAL;
    struct fs_stat st;
    long r = posix_newfstatat((const long[6]){
        a[0], a[1], (long)&st, flags & (LNX_AT_SYMLINK_NOFOLLOW | LNX_AT_EMPTY_PATH)});
    if (r < 0)
        return r;
    struct lnx_statx x;
    __builtin_memset(&x, 0, sizeof x);
    x.mask = LNX_STATX_BASIC_STATS;
    x.blksize = (uint32_t)st.st_blksize;
    x.nlink = (uint32_t)st.st_nlink;
    x.uid = st.st_uid;
    x.gid = st.st_gid;
    x.mode = (uint16_t)st.st_mode;
    x.ino = st.st_ino;
    x.size = (uint64_t)st.st_size;
    x.blocks = (uint64_t)st.st_blocks;
    statx_ts(&x.atime, &st.st_atim);
    statx_ts(&x.ctime, &st.st_ctim);
    statx_ts(&x.mtime, &st.st_mtim);
    /* dev_t as glibc's major()/minor() split it */
    x.rdev_major = (uint32_t)(((st.st_rdev >> 8) & 0xfff) | ((st.st_rdev >> 32) & ~0xfffull));
    x.rdev_minor = (uint32_t)((st.st_rdev & 0xff) | ((st.st_rdev >> 12) & ~0xffull));
    x.dev_major = (uint32_t)(((st.st_dev >> 8) & 0xfff) | ((st.st_dev >> 32) & ~0xfffull));
    x.dev_minor = (uint32_t)((st.st_dev & 0xff) | ((st.st_dev >> 12) & ~0xffull));
    return los_copy_to_user((void *)a[4], &x, sizeof x);
}

/* posix_fadvise: advice only (every page is read when asked for), checked as Linux's: a bad fd
 * EBADF, a pipe ESPIPE, a negative length or an unknown advice EINVAL. */
long posix_fadvise64(const long a[6])
{
    struct fs_stat st;
    long r = posix_fstat((const long[6]){a[0], (long)&st});
    if (r < 0)
        return r;
    if (FS_S_ISTYPE(st.st_mode, FS_S_IFIFO))
        return -LNX_ESPIPE;
    if (a[2] < 0 || a[3] < 0 || a[3] > 5) /* POSIX_FADV_NORMAL .. POSIX_FADV_NOREUSE */
        return -LNX_EINVAL;
    return 0;
}

/* rseq: glibc registers its area at every start and runs without it on ENOSYS (Linux built
 * without CONFIG_RSEQ says the same); no CPU-id word is kept up to date here. Said quietly: it
 * is no missing call. */
long posix_rseq(const long a[6])
{
    (void)a;
    return -LNX_ENOSYS;
}

/* Extended attributes: the file layer keeps none, so the calls answer as Linux does on a file
 * system without them: the file is looked up first (ENOENT, EBADF... as stat says), then get,
 * set and remove are EOPNOTSUPP and a list is empty (ls -l asks for ACLs and SELinux labels,
 * and takes EOPNOTSUPP as "none"). how: 0 a path, 1 a path not followed, 2 an fd. */
#ifndef LNX_EOPNOTSUPP
#define LNX_EOPNOTSUPP 95
#endif
static long xattr_file(const long a[6], int how)
{
    struct fs_stat st;
    if (how == 2)
        return posix_fstat((const long[6]){a[0], (long)&st});
    return posix_newfstatat(
        (const long[6]){FS_AT_FDCWD, a[0], (long)&st, how ? LNX_AT_SYMLINK_NOFOLLOW : 0});
}

#define XATTR_CALL(name, how, answer)                                                              \
    long posix_##name(const long a[6])                                                             \
    {                                                                                              \
        long r = xattr_file(a, how);                                                               \
        return r < 0 ? r : (answer);                                                               \
    }
XATTR_CALL(setxattr, 0, -LNX_EOPNOTSUPP)
XATTR_CALL(lsetxattr, 1, -LNX_EOPNOTSUPP)
XATTR_CALL(fsetxattr, 2, -LNX_EOPNOTSUPP)
XATTR_CALL(getxattr, 0, -LNX_EOPNOTSUPP)
XATTR_CALL(lgetxattr, 1, -LNX_EOPNOTSUPP)
XATTR_CALL(fgetxattr, 2, -LNX_EOPNOTSUPP)
XATTR_CALL(listxattr, 0, 0)
XATTR_CALL(llistxattr, 1, 0)
XATTR_CALL(flistxattr, 2, 0)
XATTR_CALL(removexattr, 0, -LNX_EOPNOTSUPP)
XATTR_CALL(lremovexattr, 1, -LNX_EOPNOTSUPP)
XATTR_CALL(fremovexattr, 2, -LNX_EOPNOTSUPP)

long posix_truncate(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_truncate, (const char *)a[0], a[1], 0, 0, 0);
    return fs_truncate(P(), (const char *)a[0], a[1]);
}

long posix_ftruncate(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_ftruncate, a[0], a[1], 0, 0);
    return fs_ftruncate(P(), (int)a[0], a[1]);
}

long posix_getdents64(const long a[6])
{
    if (proc_present)
        return pmc_out(PM_OP_fs_getdents64, NULL, a[0], a[2], (void *)a[1], a[2]);
    return fs_getdents64(P(), (int)a[0], (void *)a[1], (uint64_t)a[2]);
}

long posix_getcwd(const long a[6])
{
    if (proc_present)
        return pmc_out(PM_OP_fs_getcwd, NULL, a[1], 0, (void *)a[0], a[1]);
    return fs_getcwd(P(), (char *)a[0], (uint64_t)a[1]);
}

long posix_chdir(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_chdir, (const char *)a[0], 0, 0, 0, 0);
    return fs_chdir(P(), (const char *)a[0]);
}

long posix_fchdir(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_fchdir, a[0], 0, 0, 0);
    return fs_fchdir(P(), (int)a[0]);
}

long posix_rename(const long a[6])
{
    if (proc_present)
        return pmc_paths(PM_OP_fs_renameat2, (const char *)a[0], (const char *)a[1], FS_AT_FDCWD,
                         FS_AT_FDCWD, 0);
    return fs_rename(P(), (const char *)a[0], (const char *)a[1]);
}

long posix_renameat(const long a[6])
{
    if (proc_present)
        return pmc_paths(PM_OP_fs_renameat2, (const char *)a[1], (const char *)a[3], a[0], a[2], 0);
    return fs_renameat2(P(), (int)a[0], (const char *)a[1], (int)a[2], (const char *)a[3], 0);
}

long posix_renameat2(const long a[6])
{
    if (proc_present)
        return pmc_paths(PM_OP_fs_renameat2, (const char *)a[1], (const char *)a[3], a[0], a[2],
                         a[4]);
    return fs_renameat2(P(), (int)a[0], (const char *)a[1], (int)a[2], (const char *)a[3],
                        (unsigned)a[4]);
}

long posix_mkdir(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_mkdirat, (const char *)a[0], FS_AT_FDCWD, a[1], 0, 0);
    return fs_mkdir(P(), (const char *)a[0], (uint32_t)a[1]);
}

long posix_mkdirat(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_mkdirat, (const char *)a[1], a[0], a[2], 0, 0);
    return fs_mkdirat(P(), (int)a[0], (const char *)a[1], (uint32_t)a[2]);
}

long posix_rmdir(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_unlinkat, (const char *)a[0], FS_AT_FDCWD, FS_AT_REMOVEDIR, 0, 0);
    return fs_rmdir(P(), (const char *)a[0]);
}

long posix_unlink(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_unlinkat, (const char *)a[0], FS_AT_FDCWD, 0, 0, 0);
    return fs_unlink(P(), (const char *)a[0]);
}

long posix_unlinkat(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_unlinkat, (const char *)a[1], a[0], a[2], 0, 0);
    return fs_unlinkat(P(), (int)a[0], (const char *)a[1], (int)a[2]);
}

long posix_link(const long a[6])
{
    if (proc_present)
        return pmc_paths(PM_OP_fs_linkat, (const char *)a[0], (const char *)a[1], FS_AT_FDCWD,
                         FS_AT_FDCWD, 0);
    return fs_link(P(), (const char *)a[0], (const char *)a[1]);
}

long posix_linkat(const long a[6])
{
    if (proc_present)
        return pmc_paths(PM_OP_fs_linkat, (const char *)a[1], (const char *)a[3], a[0], a[2], a[4]);
    return fs_linkat(P(), (int)a[0], (const char *)a[1], (int)a[2], (const char *)a[3], (int)a[4]);
}

long posix_symlink(const long a[6])
{
    if (proc_present)
        return pmc_paths(PM_OP_fs_symlinkat, (const char *)a[0], (const char *)a[1], FS_AT_FDCWD, 0,
                         0);
    return fs_symlink(P(), (const char *)a[0], (const char *)a[1]);
}

long posix_symlinkat(const long a[6])
{
    if (proc_present)
        return pmc_paths(PM_OP_fs_symlinkat, (const char *)a[0], (const char *)a[2], a[1], 0, 0);
    return fs_symlinkat(P(), (const char *)a[0], (int)a[1], (const char *)a[2]);
}

long posix_readlink(const long a[6])
{
    if (proc_present)
        return pmc_out(PM_OP_fs_readlinkat, (const char *)a[0], FS_AT_FDCWD, a[2], (void *)a[1],
                       a[2]);
    return fs_readlink(P(), (const char *)a[0], (char *)a[1], a[2]);
}

long posix_readlinkat(const long a[6])
{
    if (proc_present)
        return pmc_out(PM_OP_fs_readlinkat, (const char *)a[1], a[0], a[3], (void *)a[2], a[3]);
    return fs_readlinkat(P(), (int)a[0], (const char *)a[1], (char *)a[2], a[3]);
}

long posix_mknod(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_mknodat, (const char *)a[0], FS_AT_FDCWD, a[1], a[2], 0);
    return fs_mknodat(P(), FS_AT_FDCWD, (const char *)a[0], (uint32_t)a[1], (uint64_t)a[2]);
}

long posix_mknodat(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_mknodat, (const char *)a[1], a[0], a[2], a[3], 0);
    return fs_mknodat(P(), (int)a[0], (const char *)a[1], (uint32_t)a[2], (uint64_t)a[3]);
}

long posix_chmod(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_fchmodat, (const char *)a[0], FS_AT_FDCWD, a[1], 0, 0);
    return fs_chmod(P(), (const char *)a[0], (uint32_t)a[1]);
}

long posix_fchmod(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_fchmod, a[0], a[1], 0, 0);
    return fs_fchmod(P(), (int)a[0], (uint32_t)a[1]);
}

long posix_fchmodat(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_fchmodat, (const char *)a[1], a[0], a[2], 0, 0);
    return fs_fchmodat(P(), (int)a[0], (const char *)a[1], (uint32_t)a[2]);
}

long posix_chown(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_fchownat, (const char *)a[0], FS_AT_FDCWD, a[1], a[2], 0);
    return fs_chown(P(), (const char *)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

long posix_fchown(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_fchown, a[0], a[1], a[2], 0);
    return fs_fchown(P(), (int)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

long posix_lchown(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_fchownat, (const char *)a[0], FS_AT_FDCWD, a[1], a[2],
                        FS_AT_SYMLINK_NOFOLLOW);
    return fs_lchown(P(), (const char *)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

long posix_fchownat(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_fchownat, (const char *)a[1], a[0], a[2], a[3], a[4]);
    return fs_fchownat(P(), (int)a[0], (const char *)a[1], (uint32_t)a[2], (uint32_t)a[3],
                       (int)a[4]);
}

long posix_utimensat(const long a[6])
{
    if (proc_present)
        return pmc_utimensat((int)a[0], (const char *)a[1], (const void *)a[2], (int)a[3]);
    return fs_utimensat(P(), (int)a[0], (const char *)a[1], (const struct fs_timespec *)a[2],
                        (int)a[3]);
}

long posix_access(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_faccessat, (const char *)a[0], FS_AT_FDCWD, a[1], 0, 0);
    return fs_access(P(), (const char *)a[0], (int)a[1]);
}

long posix_faccessat(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_faccessat, (const char *)a[1], a[0], a[2], 0, 0);
    return fs_faccessat(P(), (int)a[0], (const char *)a[1], (int)a[2], 0);
}

long posix_faccessat2(const long a[6])
{
    if (proc_present)
        return pmc_path(PM_OP_fs_faccessat, (const char *)a[1], a[0], a[2], a[3], 0);
    return fs_faccessat(P(), (int)a[0], (const char *)a[1], (int)a[2], (int)a[3]);
}

long posix_umask(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_umask, a[0], 0, 0, 0);
    return (long)fs_umask(P(), (uint32_t)a[0]);
}

/* poll and ppoll in a program pm did not make: readiness now. In one process nothing can change
 * while it waits, so a wait ends at once (0 ready), whatever the timeout. */
static long poll_now(const long a[6])
{
    if ((uint64_t)a[1] > FS_NFD * 16ull)
        return -LNX_EINVAL;
    return fs_poll_many(P(), (struct fs_pollfd *)a[0], (uint64_t)a[1]);
}

/* poll at pm for up to ms (-1: until something is ready; 0: now): a timed wait asks again at
 * each readiness change pm reports until the deadline (posix_wait_change). */
static long poll_pm(void *fds, uint64_t n, long ms)
{
    if (ms < 0)
        return pmc_poll(fds, n, 1);
    uint64_t deadline = ms ? posix_deadline_ms(ms) : 0;
    for (;;) {
        long r = pmc_poll(fds, n, ms ? 2 : 0);
        if (r != 0 || !ms || __builtin_ia32_rdtsc() >= deadline)
            return r;
        if ((r = posix_wait_change(deadline)) < 0)
            return r;
    }
}

/* A timeout given as a struct timespec (per = 10^9) or timeval (10^6): its milliseconds
 * rounded up into *ms, -1 for none (NULL); -EFAULT, or -EINVAL for a negative one. */
static long timeout_ms(const void *p, int64_t per, long *ms)
{
    struct lnx_timespec t; /* a timeval has the same shape */
    *ms = -1;
    if (!p)
        return 0;
    if (los_copy_from_user(&t, p, sizeof t) < 0)
        return -LNX_EFAULT;
    if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= per)
        return -LNX_EINVAL;
    int64_t frac = (t.tv_nsec * 1000 + per - 1) / per;
    *ms = t.tv_sec > 100000000 ? 100000000000l : (long)(t.tv_sec * 1000 + frac);
    return 0;
}

/* The mask for the wait (ppoll, pselect6): in place during it, the caller's after (sig.h). */
static long with_mask(const void *set, long size, int *masked)
{
    uint64_t mask;
    *masked = 0;
    if (!set)
        return 0;
    if (size != 8)
        return -LNX_EINVAL;
    if (los_copy_from_user(&mask, set, sizeof mask) < 0)
        return -LNX_EFAULT;
    los_sig_call_mask(mask);
    *masked = 1;
    return 0;
}

static long unmask(long r, int masked)
{
    if (masked && r != -LNX_EINTR)
        los_sig_call_mask_end(); /* else the handler's frame has it, or delivery restores it */
    return r;
}

long posix_poll(const long a[6])
{
    if (proc_present)
        return poll_pm((void *)a[0], (uint64_t)a[1], (int)a[2] < 0 ? -1 : (int)a[2]);
    return poll_now(a);
}

long posix_ppoll(const long a[6])
{
    if (!proc_present)
        return poll_now(a); /* one process: nothing changes while it would wait */
    long ms;
    int masked;
    long r = timeout_ms((const void *)a[2], 1000000000, &ms);
    if (r == 0)
        r = with_mask((const void *)a[3], a[4], &masked);
    if (r < 0)
        return r;
    return unmask(poll_pm((void *)a[0], (uint64_t)a[1], ms), masked);
}

/* select and pselect6, as poll over the descriptors in the sets: readable is POLLIN, POLLHUP or
 * POLLERR; writable POLLOUT or POLLERR; exceptional POLLPRI (as Linux counts them). A timeout
 * of zero answers now; none waits; a longer one waits at most that long (the timeval is not
 * updated with the time left). */
#define SELECT_MAX 1024 /* FD_SETSIZE */

static int bit(const uint64_t *set, long fd)
{
    return set && (set[fd / 64] >> (fd % 64) & 1);
}

static long select_as_poll(long nfds, uint64_t *rd, uint64_t *wr, uint64_t *ex, long ms)
{
    static struct fs_pollfd pf[SELECT_MAX];
    if (nfds < 0 || nfds > SELECT_MAX)
        return -LNX_EINVAL;
    long n = 0;
    for (long fd = 0; fd < nfds; fd++) {
        int ev = (bit(rd, fd) ? FS_POLLIN : 0) | (bit(wr, fd) ? FS_POLLOUT : 0) |
                 (bit(ex, fd) ? FS_POLLPRI : 0);
        if (ev)
            pf[n++] = (struct fs_pollfd){.fd = (int32_t)fd, .events = (int16_t)ev};
    }
    long r = proc_present ? poll_pm(pf, (uint64_t)n, ms) : fs_poll_many(P(), pf, (uint64_t)n);
    if (r < 0)
        return r;
    for (long i = 0; i < n; i++)
        if (pf[i].revents & FS_POLLNVAL)
            return -LNX_EBADF;
    uint64_t *sets[3] = {rd, wr, ex};
    for (int s = 0; s < 3; s++)
        for (long w = 0; sets[s] && w < (nfds + 63) / 64; w++)
            sets[s][w] = 0;
    long count = 0;
    for (long i = 0; i < n; i++) {
        long fd = pf[i].fd;
        int got = pf[i].revents, ev = pf[i].events;
        int r_ = (ev & FS_POLLIN) && (got & (FS_POLLIN | FS_POLLHUP | FS_POLLERR));
        int w_ = (ev & FS_POLLOUT) && (got & (FS_POLLOUT | FS_POLLERR));
        int x_ = (ev & FS_POLLPRI) && (got & FS_POLLPRI);
        if (r_)
            rd[fd / 64] |= 1ull << (fd % 64);
        if (w_)
            wr[fd / 64] |= 1ull << (fd % 64);
        if (x_)
            ex[fd / 64] |= 1ull << (fd % 64);
        count += r_ + w_ + x_;
    }
    return count;
}

long posix_select(const long a[6])
{
    long ms, r = timeout_ms((const void *)a[4], 1000000, &ms);
    if (r < 0)
        return r;
    return select_as_poll(a[0], (uint64_t *)a[1], (uint64_t *)a[2], (uint64_t *)a[3], ms);
}

long posix_pselect6(const long a[6])
{
    long ms, r = timeout_ms((const void *)a[4], 1000000000, &ms);
    int masked = 0;
    if (r == 0 && a[5]) { /* a[5]: {const sigset_t *set; size_t size} */
        uint64_t d[2];
        if (los_copy_from_user(d, (const void *)a[5], sizeof d) < 0)
            return -LNX_EFAULT;
        r = with_mask((const void *)d[0], (long)d[1], &masked);
    }
    if (r < 0)
        return r;
    return unmask(select_as_poll(a[0], (uint64_t *)a[1], (uint64_t *)a[2], (uint64_t *)a[3], ms),
                  masked);
}

/* Credentials: pm keeps them with the caller's file state (its permission checks read them);
 * a program pm did not make keeps its own. Linux's rules (libos/fs/cred.c). */
static long cred_get(int64_t r[6], uint32_t *groups)
{
    if (proc_present) {
        long n = pmc_fd1(PM_OP_fs_getcred, 0, 0, 0, 0);
        if (n < 0)
            return n;
        struct pm_msg *m = proc_msg();
        for (int i = 0; i < 6; i++)
            r[i] = m->r[i];
        if (groups)
            for (long i = 0; i < n; i++)
                groups[i] = ((const uint32_t *)m->data)[i];
        return n;
    }
    const struct fs_cred *c = &P()->cred;
    r[0] = c->uid, r[1] = c->euid, r[2] = c->suid, r[3] = c->gid, r[4] = c->egid, r[5] = c->sgid;
    if (groups)
        for (uint32_t i = 0; i < c->ngroups; i++)
            groups[i] = c->groups[i];
    return c->ngroups;
}

long posix_cred(int which)
{
    int64_t r[6];
    long n = cred_get(r, NULL);
    return n < 0 ? n : (long)r[which];
}

static long cred_set(int which, long a0, long a1, long a2)
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_setcred, which, a0, a1, a2);
    return fs_setcred(P(), which, (uint32_t)a0, (uint32_t)a1, (uint32_t)a2);
}

long posix_setuid(const long a[6])
{
    return cred_set(0, a[0], 0, 0);
}

long posix_setgid(const long a[6])
{
    return cred_set(1, a[0], 0, 0);
}

long posix_setreuid(const long a[6])
{
    return cred_set(2, a[0], a[1], 0);
}

long posix_setregid(const long a[6])
{
    return cred_set(3, a[0], a[1], 0);
}

long posix_setresuid(const long a[6])
{
    return cred_set(4, a[0], a[1], a[2]);
}

long posix_setresgid(const long a[6])
{
    return cred_set(5, a[0], a[1], a[2]);
}

static long getres(const long a[6], int base)
{
    int64_t r[6];
    long n = cred_get(r, NULL);
    if (n < 0)
        return n;
    for (int i = 0; i < 3; i++)
        *(uint32_t *)a[i] = (uint32_t)r[base + i];
    return 0;
}

long posix_getresuid(const long a[6])
{
    return getres(a, 0);
}

long posix_getresgid(const long a[6])
{
    return getres(a, 3);
}

long posix_getgroups(const long a[6])
{
    uint32_t groups[FS_NGROUPS];
    int64_t r[6];
    long n = cred_get(r, groups);
    if (n < 0 || a[0] == 0)
        return n;
    if (a[0] < n)
        return -LNX_EINVAL;
    for (long i = 0; i < n; i++)
        ((uint32_t *)a[1])[i] = groups[i];
    return n;
}

long posix_setgroups(const long a[6])
{
    if (a[0] < 0 || a[0] > FS_NGROUPS)
        return -LNX_EINVAL;
    if (!proc_present)
        return fs_setgroups(P(), (uint64_t)a[0], (const uint32_t *)a[1]);
    struct pm_msg *m = proc_msg();
    for (long i = 0; i < a[0]; i++)
        ((uint32_t *)m->data)[i] = ((const uint32_t *)a[1])[i];
    return pmc_fd1(PM_OP_fs_setcred, 6, a[0], 0, 0);
}

long posix_rlimit_nofile(const uint64_t *nw, uint64_t *old)
{
    if (!proc_present)
        return fs_rlimit_nofile(P(), nw, old);
    struct pm_msg *m = proc_msg();
    m->a[0] = nw != NULL, m->a[1] = nw ? (int64_t)nw[0] : 0, m->a[2] = nw ? (int64_t)nw[1] : 0;
    long r = proc_call(PM_OP_fs_nofile);
    if (r == 0 && old) {
        old[0] = (uint64_t)m->r[0];
        old[1] = (uint64_t)m->r[1];
    }
    return r;
}
