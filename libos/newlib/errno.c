/*
 * errno.c: Linux's errno values (what the POSIX layer returns, negated) as newlib's. newlib
 * numbers its errno values its own way: the first 34 agree with Linux, most others do not
 * (ENOSYS is 38 on Linux, 88 in newlib), so every error the libOS returns passes through here.
 * The table is Linux's asm-generic/errno-base.h and errno.h, every name newlib's <errno.h>
 * also defines (without __LINUX_ERRNO_EXTENSIONS__: what newlib's own strerror knows).
 */
#include "newlib_los.h"

#include <errno.h>

static const unsigned char to_newlib[] = {
    [1] = EPERM,
    [2] = ENOENT,
    [3] = ESRCH,
    [4] = EINTR,
    [5] = EIO,
    [6] = ENXIO,
    [7] = E2BIG,
    [8] = ENOEXEC,
    [9] = EBADF,
    [10] = ECHILD,
    [11] = EAGAIN,
    [12] = ENOMEM,
    [13] = EACCES,
    [14] = EFAULT,
    [16] = EBUSY,
    [17] = EEXIST,
    [18] = EXDEV,
    [19] = ENODEV,
    [20] = ENOTDIR,
    [21] = EISDIR,
    [22] = EINVAL,
    [23] = ENFILE,
    [24] = EMFILE,
    [25] = ENOTTY,
    [26] = ETXTBSY,
    [27] = EFBIG,
    [28] = ENOSPC,
    [29] = ESPIPE,
    [30] = EROFS,
    [31] = EMLINK,
    [32] = EPIPE,
    [33] = EDOM,
    [34] = ERANGE,
    [35] = EDEADLK,
    [36] = ENAMETOOLONG,
    [37] = ENOLCK,
    [38] = ENOSYS,
    [39] = ENOTEMPTY,
    [40] = ELOOP,
    [42] = ENOMSG,
    [43] = EIDRM,
    [60] = ENOSTR,
    [61] = ENODATA,
    [62] = ETIME,
    [63] = ENOSR,
    [67] = ENOLINK,
    [71] = EPROTO,
    [72] = EMULTIHOP,
    [74] = EBADMSG,
    [75] = EOVERFLOW,
    [84] = EILSEQ,
    [88] = ENOTSOCK,
    [89] = EDESTADDRREQ,
    [90] = EMSGSIZE,
    [91] = EPROTOTYPE,
    [92] = ENOPROTOOPT,
    [93] = EPROTONOSUPPORT,
    [95] = EOPNOTSUPP,
    [96] = EPFNOSUPPORT,
    [97] = EAFNOSUPPORT,
    [98] = EADDRINUSE,
    [99] = EADDRNOTAVAIL,
    [100] = ENETDOWN,
    [101] = ENETUNREACH,
    [102] = ENETRESET,
    [103] = ECONNABORTED,
    [104] = ECONNRESET,
    [105] = ENOBUFS,
    [106] = EISCONN,
    [107] = ENOTCONN,
    [109] = ETOOMANYREFS,
    [110] = ETIMEDOUT,
    [111] = ECONNREFUSED,
    [112] = EHOSTDOWN,
    [113] = EHOSTUNREACH,
    [114] = EALREADY,
    [115] = EINPROGRESS,
    [116] = ESTALE,
    [122] = EDQUOT,
    [125] = ECANCELED,
    [130] = EOWNERDEAD,
    [131] = ENOTRECOVERABLE,
};

int los_newlib_errno(long linux_errno)
{
    if (linux_errno > 0 && (unsigned long)linux_errno < sizeof to_newlib && to_newlib[linux_errno])
        return to_newlib[linux_errno];
    return EIO; /* a Linux error newlib names only with __LINUX_ERRNO_EXTENSIONS__, or not at all */
}
