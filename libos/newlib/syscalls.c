/*
 * syscalls.c: newlib's system-call layer, bound to the libOS. newlib reaches the system only
 * through these few functions (its "stubs": _read, _write, _open, _close, _lseek, _fstat,
 * _stat, _isatty, _sbrk, _exit, _kill, _getpid, _gettimeofday, _times, _unlink, _link,
 * _mkdir); each is a call of los_syscall, the same POSIX layer (libos/posix) a musl program's
 * system calls land in, with newlib's flags, structures and errno values translated to and
 * from Linux's. newlib's x86_64-elf build calls them by their POSIX names (read, write, ...):
 * those are the same functions under a second name.
 */
#include "linux_more.h"
#include "newlib_los.h"

#include <posix/linux.h>
#include <posix/posix.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

/* The underscore names, newlib's conventional stub names (newlib declares them only when it
 * compiles itself). */
int _read(int fd, void *buf, size_t len);
int _write(int fd, const void *buf, size_t len);
int _open(const char *path, int flags, ...);
int _close(int fd);
off_t _lseek(int fd, off_t off, int whence);
int _fstat(int fd, struct stat *st);
int _stat(const char *path, struct stat *st);
int _isatty(int fd);
void *_sbrk(ptrdiff_t incr);
int _kill(pid_t pid, int sig);
pid_t _getpid(void);
int _gettimeofday(struct timeval *tv, void *tz);
clock_t _times(struct tms *t);
int _unlink(const char *path);
int _link(const char *old, const char *new);
int _mkdir(const char *path, mode_t mode);

/* f under the POSIX name newlib calls it by as well. */
#define ALSO_AS(f, posix_name) __typeof__(f) posix_name __attribute__((alias(#f)))

static long sys(long n, long a1, long a2, long a3)
{
    return los_syscall(n, a1, a2, a3, 0, 0, 0);
}

/* A Linux result: >= 0 is returned as it is, -errno sets newlib's errno and gives -1. */
static long ret(long r)
{
    if (r < 0 && r > -4096) {
        errno = los_newlib_errno(-r);
        return -1;
    }
    return r;
}

int _read(int fd, void *buf, size_t len)
{
    return (int)ret(sys(LNX_read, fd, (long)buf, (long)len));
}
ALSO_AS(_read, read);

int _write(int fd, const void *buf, size_t len)
{
    return (int)ret(sys(LNX_write, fd, (long)buf, (long)len));
}
ALSO_AS(_write, write);

/* newlib's open flags (BSD's numbering) as Linux's. */
static long linux_open_flags(int f)
{
    static const struct {
        int newlib;
        long lnx;
    } map[] = {
        {O_APPEND, LNX_O_APPEND},       {O_CREAT, LNX_O_CREAT},       {O_TRUNC, LNX_O_TRUNC},
        {O_EXCL, LNX_O_EXCL},           {O_NONBLOCK, LNX_O_NONBLOCK}, {O_NOCTTY, LNX_O_NOCTTY},
        {O_SYNC, LNX_O_SYNC},           {O_CLOEXEC, LNX_O_CLOEXEC},   {O_NOFOLLOW, LNX_O_NOFOLLOW},
        {O_DIRECTORY, LNX_O_DIRECTORY},
    };
    long l = f & O_ACCMODE; /* O_RDONLY 0, O_WRONLY 1, O_RDWR 2 in both */
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (f & map[i].newlib)
            l |= map[i].lnx;
    return l;
}

int _open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return (int)ret(sys(LNX_open, (long)path, linux_open_flags(flags), (long)mode));
}
ALSO_AS(_open, open);

int _close(int fd)
{
    return (int)ret(sys(LNX_close, fd, 0, 0));
}
ALSO_AS(_close, close);

off_t _lseek(int fd, off_t off, int whence)
{
    return (off_t)ret(sys(LNX_lseek, fd, (long)off, whence)); /* SEEK_* agree */
}
ALSO_AS(_lseek, lseek);

int _isatty(int fd)
{
    struct lnx_winsize ws;
    long r = sys(LNX_ioctl, fd, LNX_TIOCGWINSZ, (long)&ws); /* as musl's isatty asks */
    if (r < 0) {
        errno = los_newlib_errno(-r);
        return 0;
    }
    return 1;
}
ALSO_AS(_isatty, isatty);

/* Linux's struct stat as newlib's (mode bits and S_IF* types agree). */
static void from_linux_stat(const struct nl_lnx_stat *l, struct stat *st)
{
    *st = (struct stat){
        .st_dev = (dev_t)l->st_dev,
        .st_ino = (ino_t)l->st_ino,
        .st_mode = (mode_t)l->st_mode,
        .st_nlink = (nlink_t)l->st_nlink,
        .st_uid = (uid_t)l->st_uid,
        .st_gid = (gid_t)l->st_gid,
        .st_rdev = (dev_t)l->st_rdev,
        .st_size = (off_t)l->st_size,
        .st_atim = {(time_t)l->st_atime_sec, (long)l->st_atime_nsec},
        .st_mtim = {(time_t)l->st_mtime_sec, (long)l->st_mtime_nsec},
        .st_ctim = {(time_t)l->st_ctime_sec, (long)l->st_ctime_nsec},
        .st_blksize = (blksize_t)l->st_blksize,
        .st_blocks = (blkcnt_t)l->st_blocks,
    };
}

int _fstat(int fd, struct stat *st)
{
    struct nl_lnx_stat l;
    long r = sys(LNX_fstat, fd, (long)&l, 0);
    if (r == -LNX_ENOSYS && _isatty(fd)) {
        /* A POSIX layer without fstat yet: a terminal is still a character device, which
         * is what newlib's stdio asks fstat to learn (line-buffer a terminal's stdout). */
        *st = (struct stat){.st_mode = S_IFCHR | 0620, .st_nlink = 1, .st_blksize = 1024};
        return 0;
    }
    if (ret(r) < 0)
        return -1;
    from_linux_stat(&l, st);
    return 0;
}
ALSO_AS(_fstat, fstat);

int _stat(const char *path, struct stat *st)
{
    struct nl_lnx_stat l;
    if (ret(sys(LNX_stat, (long)path, (long)&l, 0)) < 0)
        return -1;
    from_linux_stat(&l, st);
    return 0;
}
ALSO_AS(_stat, stat);

/* malloc's heap: the POSIX layer's brk, which starts after the program's _end. */
void *_sbrk(ptrdiff_t incr)
{
    static long cur;
    if (!cur)
        cur = sys(LNX_brk, 0, 0, 0);
    long want = cur + incr;
    if (sys(LNX_brk, want, 0, 0) != want) { /* Linux: a refused brk returns the old break */
        errno = ENOMEM;
        return (void *)-1;
    }
    long old = cur;
    cur = want;
    return (void *)old;
}
ALSO_AS(_sbrk, sbrk);

void _exit(int status)
{
    sys(LNX_exit_group, status, 0, 0);
    for (;;) /* exit_group does not return */
        ;
}

/* newlib's x86_64-elf signal numbers are BSD's (SIGBUS 10, SIGCHLD 20, SIGUSR1 30, ...): each
 * as Linux numbers it; 0 where Linux has none (SIGEMT, SIGLOST: EINVAL). */
static const unsigned char linux_sig[32] = {
    [SIGHUP] = 1,   [SIGINT] = 2,    [SIGQUIT] = 3,  [SIGILL] = 4,   [SIGTRAP] = 5,
    [SIGABRT] = 6,  [SIGFPE] = 8,    [SIGKILL] = 9,  [SIGBUS] = 7,   [SIGSEGV] = 11,
    [SIGSYS] = 31,  [SIGPIPE] = 13,  [SIGALRM] = 14, [SIGTERM] = 15, [SIGURG] = 23,
    [SIGSTOP] = 19, [SIGTSTP] = 20,  [SIGCONT] = 18, [SIGCHLD] = 17, [SIGTTIN] = 21,
    [SIGTTOU] = 22, [SIGIO] = 29,    [SIGXCPU] = 24, [SIGXFSZ] = 25, [SIGVTALRM] = 26,
    [SIGPROF] = 27, [SIGWINCH] = 28, [SIGUSR1] = 10, [SIGUSR2] = 12,
};

int _kill(pid_t pid, int sig)
{
    if (sig < 0 || sig >= 32 || (sig && !linux_sig[sig]))
        return (int)ret(-LNX_EINVAL);
    return (int)ret(sys(LNX_kill, pid, sig ? linux_sig[sig] : 0, 0));
}
ALSO_AS(_kill, kill);

pid_t _getpid(void)
{
    return (pid_t)sys(LNX_getpid, 0, 0, 0);
}
ALSO_AS(_getpid, getpid);

int _gettimeofday(struct timeval *tv, void *tz)
{
    struct lnx_timeval l;
    if (ret(sys(LNX_gettimeofday, (long)&l, (long)tz, 0)) < 0)
        return -1;
    if (tv)
        *tv = (struct timeval){(time_t)l.tv_sec, (suseconds_t)l.tv_usec};
    return 0;
}
ALSO_AS(_gettimeofday, gettimeofday);

static clock_t ticks(long clock_id)
{
    struct lnx_timespec ts = {0, 0};
    sys(LNX_clock_gettime, clock_id, (long)&ts, 0);
    return (clock_t)(ts.tv_sec * CLOCKS_PER_SEC + ts.tv_nsec / (1000000000 / CLOCKS_PER_SEC));
}

/* In CLOCKS_PER_SEC units (newlib's clock() divides by it): the process's CPU time as user
 * time (the libOS runs in the process: there is no separate system time), no children yet;
 * the result is the monotonic clock. */
clock_t _times(struct tms *t)
{
    if (t)
        *t = (struct tms){.tms_utime = ticks(LNX_CLOCK_PROCESS_CPUTIME_ID)};
    return ticks(LNX_CLOCK_MONOTONIC);
}
ALSO_AS(_times, times);

int _unlink(const char *path)
{
    return (int)ret(sys(LNX_unlink, (long)path, 0, 0));
}
ALSO_AS(_unlink, unlink);

int _link(const char *old, const char *new)
{
    return (int)ret(sys(LNX_link, (long)old, (long)new, 0));
}
ALSO_AS(_link, link);

int _mkdir(const char *path, mode_t mode)
{
    return (int)ret(sys(LNX_mkdir, (long)path, (long)mode, 0));
}
ALSO_AS(_mkdir, mkdir);
