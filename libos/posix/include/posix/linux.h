/*
 * linux.h: the Linux x86-64 ABI numbers the POSIX layer speaks (call numbers, errno values,
 * flags, structures), written out here so the libOS and its host tests need no Linux or libc
 * headers. Values are Linux's (arch/x86/entry/syscalls/syscall_64.tbl, asm-generic/errno).
 */
#ifndef POSIX_LINUX_H
#define POSIX_LINUX_H

#include <stdint.h>

/* Call numbers (x86-64). */
#define LNX_read 0
#define LNX_write 1
#define LNX_close 3
#define LNX_mmap 9
#define LNX_mprotect 10
#define LNX_munmap 11
#define LNX_brk 12
#define LNX_rt_sigaction 13
#define LNX_rt_sigprocmask 14
#define LNX_rt_sigreturn 15
#define LNX_ioctl 16
#define LNX_readv 19
#define LNX_writev 20
#define LNX_sched_yield 24
#define LNX_madvise 28
#define LNX_pause 34
#define LNX_nanosleep 35
#define LNX_getitimer 36
#define LNX_alarm 37
#define LNX_setitimer 38
#define LNX_getpid 39
#define LNX_exit 60
#define LNX_kill 62
#define LNX_gettimeofday 96
#define LNX_getuid 102
#define LNX_getgid 104
#define LNX_geteuid 107
#define LNX_getegid 108
#define LNX_getppid 110
#define LNX_rt_sigpending 127
#define LNX_rt_sigsuspend 130
#define LNX_sigaltstack 131
#define LNX_arch_prctl 158
#define LNX_gettid 186
#define LNX_tkill 200
#define LNX_time 201
#define LNX_set_tid_address 218
#define LNX_clock_gettime 228
#define LNX_clock_getres 229
#define LNX_clock_nanosleep 230
#define LNX_exit_group 231
#define LNX_tgkill 234
#define LNX_getrandom 318
#define LNX_NCALLS 512 /* numbers below this are tracked (dispatch table, ENOSYS log) */

/* errno values. */
#define LNX_EPERM 1
#define LNX_ENOENT 2
#define LNX_ESRCH 3
#define LNX_EINTR 4
#define LNX_EIO 5
#define LNX_E2BIG 7
#define LNX_EBADF 9
#define LNX_EAGAIN 11
#define LNX_ENOMEM 12
#define LNX_EFAULT 14
#define LNX_EBUSY 16
#define LNX_ENODEV 19
#define LNX_EINVAL 22
#define LNX_ENOTTY 25
#define LNX_ERANGE 34
#define LNX_ENOSYS 38

/* mmap / mprotect. */
#define LNX_PROT_READ 1
#define LNX_PROT_WRITE 2
#define LNX_PROT_EXEC 4
#define LNX_MAP_SHARED 0x01
#define LNX_MAP_PRIVATE 0x02
#define LNX_MAP_FIXED 0x10
#define LNX_MAP_ANONYMOUS 0x20

/* arch_prctl codes. */
#define LNX_ARCH_SET_FS 0x1002
#define LNX_ARCH_GET_FS 0x1003
#define LNX_ARCH_SET_GS 0x1001
#define LNX_ARCH_GET_GS 0x1004

/* Clocks. */
#define LNX_CLOCK_REALTIME 0
#define LNX_CLOCK_MONOTONIC 1
#define LNX_CLOCK_PROCESS_CPUTIME_ID 2
#define LNX_CLOCK_THREAD_CPUTIME_ID 3
#define LNX_CLOCK_MONOTONIC_RAW 4
#define LNX_CLOCK_REALTIME_COARSE 5
#define LNX_CLOCK_MONOTONIC_COARSE 6
#define LNX_CLOCK_BOOTTIME 7

/* ioctl. */
#define LNX_TCGETS 0x5401
#define LNX_TIOCGWINSZ 0x5413

/* auxv types. */
#define LNX_AT_NULL 0
#define LNX_AT_PHDR 3
#define LNX_AT_PHENT 4
#define LNX_AT_PHNUM 5
#define LNX_AT_PAGESZ 6
#define LNX_AT_ENTRY 9
#define LNX_AT_UID 11
#define LNX_AT_EUID 12
#define LNX_AT_GID 13
#define LNX_AT_EGID 14
#define LNX_AT_SECURE 23
#define LNX_AT_RANDOM 25

struct lnx_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

struct lnx_timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};

struct lnx_iovec {
    uint64_t iov_base;
    uint64_t iov_len;
};

struct lnx_winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* Threads (libos/thread): calls, errno values and flags. */
#define LNX_sched_yield 24
#define LNX_clone 56
#define LNX_futex 202
#define LNX_set_robust_list 273
#define LNX_get_robust_list 274
#define LNX_ETIMEDOUT 110
#define LNX_FUTEX_WAIT 0
#define LNX_FUTEX_WAKE 1
#define LNX_FUTEX_REQUEUE 3
#define LNX_FUTEX_CMP_REQUEUE 4
#define LNX_FUTEX_WAIT_BITSET 9
#define LNX_FUTEX_WAKE_BITSET 10
#define LNX_FUTEX_PRIVATE_FLAG 128
#define LNX_FUTEX_CLOCK_REALTIME 256
#define LNX_CLONE_VM 0x100
#define LNX_CLONE_FS 0x200
#define LNX_CLONE_FILES 0x400
#define LNX_CLONE_SIGHAND 0x800
#define LNX_CLONE_VFORK 0x4000
#define LNX_CLONE_THREAD 0x10000
#define LNX_CLONE_SYSVSEM 0x40000
#define LNX_CLONE_SETTLS 0x80000
#define LNX_CLONE_PARENT_SETTID 0x100000
#define LNX_CLONE_CHILD_CLEARTID 0x200000
#define LNX_CLONE_DETACHED 0x400000
#define LNX_CLONE_CHILD_SETTID 0x1000000

#endif
