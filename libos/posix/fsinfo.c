/*
 * fsinfo.c: file calls built from the others, in the process: statfs/fstatfs (the RAM file
 * system's numbers), fsync/fdatasync/sync/syncfs (nothing to write back: the files live in
 * RAM, and ext2 under /mnt writes through), and sendfile (reads and writes through the
 * ordinary calls, a chunk at a time). Linux's results and errors.
 */
#include <posix/calls.h>

#include <fs/abi.h>
#include <los/uaccess.h>

#define LNX_O_APPEND 02000
#define LNX_F_GETFL 3

/* struct statfs (x86-64): 120 bytes. */
struct lnx_statfs {
    int64_t f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct lnx_statfs) == 120, "Linux's struct statfs");

/* Linux's ramfs: its magic, page-sized blocks, no counts (it has no limit to count against),
 * names up to 255 bytes, ST_VALID. Every path answers so today, /mnt's ext2 too. */
static long ramfs_numbers(void *out)
{
    struct lnx_statfs s = {0};
    s.f_type = 0x858458f6; /* RAMFS_MAGIC */
    s.f_bsize = 4096;
    s.f_namelen = 255;
    s.f_frsize = 4096;
    s.f_flags = 0x20; /* ST_VALID */
    return los_copy_to_user(out, &s, sizeof s) < 0 ? -LNX_EFAULT : 0;
}

long posix_statfs(const long a[6])
{
    struct fs_stat st;
    long b[6] = {a[0], (long)&st};
    long r = posix_stat(b); /* the path's errors: ENOENT, ENOTDIR, EACCES, EFAULT... */
    return r < 0 ? r : ramfs_numbers((void *)a[1]);
}

long posix_fstatfs(const long a[6])
{
    struct fs_stat st;
    long b[6] = {a[0], (long)&st};
    long r = posix_fstat(b); /* EBADF */
    return r < 0 ? r : ramfs_numbers((void *)a[1]);
}

/* fsync/fdatasync: a regular file or a directory is already where it will stay (0); a pipe,
 * socket or character device has nothing to sync (EINVAL, as Linux). */
static long sync_fd(long fd)
{
    struct fs_stat st;
    long b[6] = {fd, (long)&st};
    long r = posix_fstat(b);
    if (r < 0)
        return r;
    return FS_S_ISTYPE(st.st_mode, FS_S_IFREG) || FS_S_ISTYPE(st.st_mode, FS_S_IFDIR) ? 0
                                                                                      : -LNX_EINVAL;
}

long posix_fsync(const long a[6])
{
    return sync_fd(a[0]);
}

long posix_fdatasync(const long a[6])
{
    return sync_fd(a[0]);
}

long posix_sync(const long a[6])
{
    (void)a;
    return 0;
}

long posix_syncfs(const long a[6])
{
    struct fs_stat st;
    long b[6] = {a[0], (long)&st};
    long r = posix_fstat(b); /* any open file names a file system: only EBADF */
    return r < 0 ? r : 0;
}

/* sendfile(out, in, offset, count): in must be a regular file (EINVAL otherwise), out any
 * file not opened O_APPEND (EINVAL, as Linux). With an offset pointer, in is read from
 * *offset, which moves, and in's own offset stays; without one, in's offset moves. Stops at
 * the end of in or at a short write; an error after some bytes moved returns the count. */
#define CHUNK 4096
#define SENDFILE_MAX 0x7ffff000l

long posix_sendfile(const long a[6])
{
    long out = a[0], in = a[1], count = a[3];
    int64_t *offp = (int64_t *)a[2];
    struct fs_stat st;
    long b[6] = {in, (long)&st};
    long r = posix_fstat(b);
    if (r < 0)
        return r;
    long fl[6] = {out, LNX_F_GETFL};
    long oflags = posix_fcntl(fl);
    if (oflags < 0)
        return oflags;
    if (!FS_S_ISTYPE(st.st_mode, FS_S_IFREG) || (oflags & LNX_O_APPEND))
        return -LNX_EINVAL;
    if ((oflags & 3) == 0) /* O_RDONLY: out is not open for writing */
        return -LNX_EBADF;
    int64_t off = 0;
    if (offp) {
        if (los_copy_from_user(&off, offp, sizeof off) < 0)
            return -LNX_EFAULT;
        if (off < 0)
            return -LNX_EINVAL;
    }
    if (count < 0)
        return -LNX_EINVAL;
    if (count > SENDFILE_MAX)
        count = SENDFILE_MAX;
    char buf[CHUNK];
    long total = 0;
    while (total < count) {
        long want = count - total < CHUNK ? count - total : CHUNK;
        long rd[6] = {in, (long)buf, want, off};
        long n = offp ? posix_pread64(rd) : posix_read(rd);
        if (n <= 0) {
            if (n < 0 && total == 0)
                return n;
            break;
        }
        long wr[6] = {out, (long)buf, n};
        long w = posix_write(wr);
        if (w < 0 && total == 0) {
            if (!offp) { /* nothing moved: in's offset back where it was */
                long sk[6] = {in, -n, 1 /* SEEK_CUR */};
                posix_lseek(sk);
            }
            return w;
        }
        if (w < 0)
            w = 0;
        total += w;
        off += w;
        if (w < n) {
            if (!offp) {
                long sk[6] = {in, w - n, 1};
                posix_lseek(sk);
            }
            break;
        }
    }
    if (offp && los_copy_to_user(offp, &off, sizeof off) < 0)
        return -LNX_EFAULT;
    return total;
}
