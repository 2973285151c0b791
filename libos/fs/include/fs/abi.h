/*
 * abi.h: the Linux x86-64 numbers and structures the file layer speaks (errno values, open
 * flags, file modes, fcntl commands, lock and poll bits, struct stat / dirent64 / flock), written
 * out with an FS_ prefix so the library needs no libc or Linux header and builds the same for the
 * host tests and for the guest. Values are Linux's (asm-generic/errno*.h, fcntl.h, stat.h).
 */
#ifndef FS_ABI_H
#define FS_ABI_H

#include <stdint.h>

/* errno values (the library returns them negated). */
#define FS_EPERM 1
#define FS_ENOENT 2
#define FS_EINTR 4
#define FS_EIO 5
#define FS_ENXIO 6
#define FS_E2BIG 7
#define FS_EBADF 9
#define FS_EAGAIN 11
#define FS_ENOMEM 12
#define FS_EACCES 13
#define FS_EFAULT 14
#define FS_EBUSY 16
#define FS_EEXIST 17
#define FS_EXDEV 18
#define FS_ENODEV 19
#define FS_ENOTDIR 20
#define FS_EISDIR 21
#define FS_EINVAL 22
#define FS_ENFILE 23
#define FS_EMFILE 24
#define FS_ENOTTY 25
#define FS_EFBIG 27
#define FS_ENOSPC 28
#define FS_ESPIPE 29
#define FS_EROFS 30
#define FS_EMLINK 31
#define FS_EPIPE 32
#define FS_ERANGE 34
#define FS_EDEADLK 35
#define FS_ENAMETOOLONG 36
#define FS_ENOLCK 37
#define FS_ENOSYS 38
#define FS_ENOTEMPTY 39
#define FS_ELOOP 40
#define FS_EOVERFLOW 75
#define FS_ENOTSOCK 88 /* the socket errors (sock.h) */
#define FS_EDESTADDRREQ 89
#define FS_EMSGSIZE 90
#define FS_EPROTOTYPE 91
#define FS_ENOPROTOOPT 92
#define FS_EPROTONOSUPPORT 93
#define FS_ESOCKTNOSUPPORT 94
#define FS_EOPNOTSUPP 95
#define FS_EAFNOSUPPORT 97
#define FS_EADDRINUSE 98
#define FS_EADDRNOTAVAIL 99
#define FS_ECONNABORTED 103
#define FS_ECONNRESET 104
#define FS_ENOBUFS 105
#define FS_EISCONN 106
#define FS_ENOTCONN 107
#define FS_ECONNREFUSED 111

/* Limits. */
#define FS_PATH_MAX 4096 /* bytes of a path, its NUL included */
#define FS_NAME_MAX 255  /* bytes of one component */
#define FS_SYMLOOP_MAX 40
#define FS_PIPE_BUF 4096 /* writes up to this size to a pipe are atomic */

/* open flags. */
#define FS_O_ACCMODE 03
#define FS_O_RDONLY 00
#define FS_O_WRONLY 01
#define FS_O_RDWR 02
#define FS_O_CREAT 0100
#define FS_O_EXCL 0200
#define FS_O_NOCTTY 0400
#define FS_O_TRUNC 01000
#define FS_O_APPEND 02000
#define FS_O_NONBLOCK 04000
#define FS_O_DSYNC 010000
#define FS_O_DIRECT 040000
#define FS_O_LARGEFILE 0100000
#define FS_O_DIRECTORY 0200000
#define FS_O_NOFOLLOW 0400000
#define FS_O_NOATIME 01000000
#define FS_O_CLOEXEC 02000000
#define FS_O_SYNC 04010000
#define FS_O_PATH 010000000

/* *at() */
#define FS_AT_FDCWD (-100)
#define FS_AT_SYMLINK_NOFOLLOW 0x100
#define FS_AT_EACCESS 0x200
#define FS_AT_REMOVEDIR 0x200
#define FS_AT_SYMLINK_FOLLOW 0x400
#define FS_AT_EMPTY_PATH 0x1000
#define FS_UTIME_NOW ((1l << 30) - 1l)
#define FS_UTIME_OMIT ((1l << 30) - 2l)
#define FS_RENAME_NOREPLACE 1
#define FS_RENAME_EXCHANGE 2

/* File modes. */
#define FS_S_IFMT 0170000
#define FS_S_IFSOCK 0140000
#define FS_S_IFLNK 0120000
#define FS_S_IFREG 0100000
#define FS_S_IFBLK 060000
#define FS_S_IFDIR 040000
#define FS_S_IFCHR 020000
#define FS_S_IFIFO 010000
#define FS_S_ISUID 04000
#define FS_S_ISGID 02000
#define FS_S_ISVTX 01000
#define FS_S_ISTYPE(m, t) (((m)&FS_S_IFMT) == (t))

/* access() */
#define FS_F_OK 0
#define FS_X_OK 1
#define FS_W_OK 2
#define FS_R_OK 4

/* lseek */
#define FS_SEEK_SET 0
#define FS_SEEK_CUR 1
#define FS_SEEK_END 2
#define FS_SEEK_DATA 3
#define FS_SEEK_HOLE 4

/* fcntl commands and flags. */
#define FS_F_DUPFD 0
#define FS_F_GETFD 1
#define FS_F_SETFD 2
#define FS_F_GETFL 3
#define FS_F_SETFL 4
#define FS_F_GETLK 5
#define FS_F_SETLK 6
#define FS_F_SETLKW 7
#define FS_F_OFD_GETLK 36
#define FS_F_OFD_SETLK 37
#define FS_F_OFD_SETLKW 38
#define FS_F_DUPFD_CLOEXEC 1030
#define FS_FD_CLOEXEC 1
#define FS_F_RDLCK 0
#define FS_F_WRLCK 1
#define FS_F_UNLCK 2

/* flock() */
#define FS_LOCK_SH 1
#define FS_LOCK_EX 2
#define FS_LOCK_NB 4
#define FS_LOCK_UN 8

/* poll bits. */
#define FS_POLLIN 0x001
#define FS_POLLPRI 0x002
#define FS_POLLOUT 0x004
#define FS_POLLERR 0x008
#define FS_POLLHUP 0x010
#define FS_POLLNVAL 0x020
#define FS_POLLRDNORM 0x040
#define FS_POLLWRNORM 0x100
#define FS_POLLRDHUP 0x2000

/* getdents64 d_type values. */
#define FS_DT_UNKNOWN 0
#define FS_DT_FIFO 1
#define FS_DT_CHR 2
#define FS_DT_DIR 4
#define FS_DT_BLK 6
#define FS_DT_REG 8
#define FS_DT_LNK 10
#define FS_DT_SOCK 12

struct fs_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

/* struct stat of x86-64 Linux (144 bytes). */
struct fs_stat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    int32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks; /* 512-byte units */
    struct fs_timespec st_atim, st_mtim, st_ctim;
    int64_t unused[3];
};

/* struct linux_dirent64: records of getdents64, each 8-byte aligned. */
struct fs_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};

/* struct pollfd (8 bytes). */
struct fs_pollfd {
    int32_t fd;
    int16_t events, revents;
};

/* struct flock of x86-64 Linux (32 bytes). */
struct fs_flock {
    int16_t l_type;
    int16_t l_whence;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
};

/* epoll (x86-64 Linux): the event bits are poll's, plus these; struct epoll_event is packed
 * (12 bytes). */
#define FS_POLLRDBAND 0x080
#define FS_POLLWRBAND 0x200
#define FS_POLLMSG 0x400
#define FS_EPOLLRDHUP 0x2000
#define FS_EPOLLEXCLUSIVE (1u << 28)
#define FS_EPOLLWAKEUP (1u << 29)
#define FS_EPOLLONESHOT (1u << 30)
#define FS_EPOLLET (1u << 31)
#define FS_EPOLL_CLOEXEC FS_O_CLOEXEC
#define FS_EPOLL_CTL_ADD 1
#define FS_EPOLL_CTL_DEL 2
#define FS_EPOLL_CTL_MOD 3
struct fs_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct fs_epoll_event) == 12, "Linux's x86-64 layout");

#endif
