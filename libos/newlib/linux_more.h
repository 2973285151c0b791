/*
 * linux_more.h: the Linux x86-64 ABI numbers newlib's system-call layer needs beyond those the
 * POSIX layer's <posix/linux.h> has today (file calls, open flags, struct stat). Each is
 * Linux's fixed value and is defined only if linux.h does not define it already, so the file
 * calls' arrival in the POSIX layer needs no change here.
 */
#ifndef NEWLIB_LINUX_MORE_H
#define NEWLIB_LINUX_MORE_H

#include <posix/linux.h>

#include <stdint.h>

/* Call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#ifndef LNX_open
#define LNX_open 2
#endif
#ifndef LNX_stat
#define LNX_stat 4
#endif
#ifndef LNX_fstat
#define LNX_fstat 5
#endif
#ifndef LNX_lseek
#define LNX_lseek 8
#endif
#ifndef LNX_kill
#define LNX_kill 62
#endif
#ifndef LNX_mkdir
#define LNX_mkdir 83
#endif
#ifndef LNX_link
#define LNX_link 86
#endif
#ifndef LNX_unlink
#define LNX_unlink 87
#endif

/* open flags (asm-generic/fcntl.h; octal, as Linux writes them). */
#ifndef LNX_O_CREAT
#define LNX_O_CREAT 0100
#endif
#ifndef LNX_O_EXCL
#define LNX_O_EXCL 0200
#endif
#ifndef LNX_O_NOCTTY
#define LNX_O_NOCTTY 0400
#endif
#ifndef LNX_O_TRUNC
#define LNX_O_TRUNC 01000
#endif
#ifndef LNX_O_APPEND
#define LNX_O_APPEND 02000
#endif
#ifndef LNX_O_NONBLOCK
#define LNX_O_NONBLOCK 04000
#endif
#ifndef LNX_O_DIRECTORY
#define LNX_O_DIRECTORY 0200000
#endif
#ifndef LNX_O_NOFOLLOW
#define LNX_O_NOFOLLOW 0400000
#endif
#ifndef LNX_O_CLOEXEC
#define LNX_O_CLOEXEC 02000000
#endif
#ifndef LNX_O_SYNC
#define LNX_O_SYNC 04010000
#endif

/* struct stat of stat/fstat on x86-64 (arch/x86/include/uapi/asm/stat.h), 144 bytes; named
 * apart from any lnx_stat the POSIX layer may come to define. */
struct nl_lnx_stat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    uint32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks;
    uint64_t st_atime_sec, st_atime_nsec;
    uint64_t st_mtime_sec, st_mtime_nsec;
    uint64_t st_ctime_sec, st_ctime_nsec;
    int64_t unused[3];
};
_Static_assert(sizeof(struct nl_lnx_stat) == 144, "Linux x86-64 struct stat");

#endif
