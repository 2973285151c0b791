/*
 * fsinfo.c: sendfile, built from the other file calls in the process (reads and writes
 * through the ordinary calls, a chunk at a time), with Linux's results and errors. The calls
 * about a file system as a whole (statfs, the sync family) are mounts.c's.
 */
#include <posix/calls.h>

#include <fs/abi.h>
#include <los/uaccess.h>

#define LNX_O_APPEND 02000
#define LNX_F_GETFL 3

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
