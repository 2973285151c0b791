/*
 * ut_fs.c: the file calls in the guest (usertests.h), through musl and the POSIX layer into the
 * file layer (libos/fs): open flags, read/write/pread/pwrite/lseek, O_APPEND, dup/dup2/dup3,
 * fcntl, the stat family, truncate, unlink, rename, mkdir/rmdir, getdents64, symlinks, links,
 * chmod/chown/utimensat, access, cwd, umask, pipes (EOF, EPIPE, O_NONBLOCK), FIFOs, locks,
 * the boot archive's files; and between processes (pm holds the layer): one offset shared
 * after fork, a killed writer's pipe at EOF, a reader waiting for a writer, F_SETLKW deadlock
 * between two processes, O_CLOEXEC across exec, exec from a file written at run time, exec of a
 * dynamic binary whose interpreter is wrong (each errno); statx,
 * fadvise64, the xattr calls, rseq; exact values and errno each. Every test works under /tmp/ut_fs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usertests.h"

/* Fails unless the call returned -1 with errno e. */
static int dir(const char *name)
{
    static char path[64];
    mkdir("/tmp/ut_fs", 0777);
    snprintf(path, sizeof path, "/tmp/ut_fs/%s", name);
    if (mkdir(path, 0777) != 0 || chdir(path) != 0) {
        printf("    cannot make %s: errno %d\n", path, errno);
        return 1;
    }
    return 0;
}

USERTEST(fs_open_read_write)
{
    CHECK_EQ(dir("rw"), 0);
    CHECK_ERR(open("f", O_RDONLY), ENOENT);
    int fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0666);
    CHECK_EQ(fd >= 0, 1);
    CHECK_ERR(open("f", O_RDWR | O_CREAT | O_EXCL, 0666), EEXIST);
    CHECK_EQ(write(fd, "hello, world", 12), 12);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 12);
    CHECK_EQ(lseek(fd, 7, SEEK_SET), 7);
    char buf[32] = {0};
    CHECK_EQ(read(fd, buf, sizeof buf), 5);
    CHECK_EQ(memcmp(buf, "world", 5), 0);
    CHECK_EQ(read(fd, buf, sizeof buf), 0);
    CHECK_EQ(pread(fd, buf, 5, 0), 5);
    CHECK_EQ(memcmp(buf, "hello", 5), 0);
    CHECK_EQ(pwrite(fd, "HELLO", 5, 0), 5);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 12); /* pread/pwrite leave the offset */
    CHECK_ERR(pread(fd, buf, 1, -1), EINVAL);
    CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
    CHECK_ERR(lseek(fd, 0, 42), EINVAL);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 12);
    CHECK_EQ(st.st_mode, S_IFREG | 0644); /* umask 022 */
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_blksize, 4096);
    CHECK_EQ(close(fd), 0);
    CHECK_ERR(close(fd), EBADF);
    CHECK_ERR(read(fd, buf, 1), EBADF);
    int ro = open("f", O_RDONLY);
    CHECK_ERR(write(ro, "x", 1), EBADF);
    int wo = open("f", O_WRONLY | O_TRUNC);
    CHECK_ERR(read(wo, buf, 1), EBADF);
    CHECK_EQ(fstat(ro, &st), 0);
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(close(ro), 0);
    CHECK_EQ(close(wo), 0);
    /* readv / writev */
    int v = open("v", O_RDWR | O_CREAT, 0600);
    struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    CHECK_EQ(writev(v, iov, 3), 5);
    char x[2], y[3];
    struct iovec in[2] = {{x, 2}, {y, 3}};
    CHECK_EQ(lseek(v, 0, SEEK_SET), 0);
    CHECK_EQ(readv(v, in, 2), 5);
    CHECK_EQ(memcmp(x, "ab", 2) | memcmp(y, "cde", 3), 0);
    CHECK_EQ(close(v), 0);
    return 0;
}

USERTEST(fs_append_and_big_files)
{
    CHECK_EQ(dir("append"), 0);
    int a = open("log", O_WRONLY | O_CREAT | O_APPEND, 0644);
    int b = open("log", O_WRONLY | O_APPEND);
    CHECK_EQ(write(a, "one ", 4), 4);
    CHECK_EQ(write(b, "two ", 4), 4);
    CHECK_EQ(lseek(a, 0, SEEK_SET), 0);
    CHECK_EQ(write(a, "three", 5), 5); /* at the end all the same */
    char buf[32] = {0};
    int r = open("log", O_RDONLY);
    CHECK_EQ(read(r, buf, sizeof buf), 13);
    CHECK_EQ(strcmp(buf, "one two three"), 0);
    close(a), close(b), close(r);
    /* 300 KiB in odd chunks, back byte for byte; a hole reads as zeros. */
    static unsigned char data[300 * 1024], back[sizeof data];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 10));
    int f = open("big", O_RDWR | O_CREAT, 0644);
    size_t off = 0;
    while (off < sizeof data) {
        size_t n = sizeof data - off < 7777 ? sizeof data - off : 7777;
        CHECK_EQ(write(f, data + off, n), (long)n);
        off += n;
    }
    CHECK_EQ(pread(f, back, sizeof back, 0), (long)sizeof back);
    CHECK_EQ(memcmp(data, back, sizeof data), 0);
    CHECK_EQ(ftruncate(f, 100), 0);
    CHECK_EQ(pwrite(f, "Z", 1, 20000), 1);
    CHECK_EQ(pread(f, back, 20001, 0), 20001);
    int zeros = 1;
    for (int i = 100; i < 20000; i++)
        zeros &= back[i] == 0;
    CHECK_EQ(zeros, 1);
    CHECK_EQ(back[20000], 'Z');
    CHECK_EQ(lseek(f, 0, SEEK_END), 20001);
    CHECK_ERR(ftruncate(f, -1), EINVAL);
    CHECK_EQ(truncate("big", 5), 0);
    struct stat st;
    CHECK_EQ(fstat(f, &st), 0);
    CHECK_EQ(st.st_size, 5);
    CHECK_ERR(truncate(".", 0), EISDIR);
    close(f);
    return 0;
}

USERTEST(fs_dup_and_fcntl)
{
    CHECK_EQ(dir("dup"), 0);
    int fd = open("f", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    CHECK_EQ(write(fd, "abcdef", 6), 6);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_GETFL), O_RDWR | 0100000); /* O_LARGEFILE: Linux on x86-64 says so */
    int d = dup(fd);
    CHECK_EQ(d > fd, 1);
    CHECK_EQ(fcntl(d, F_GETFD), 0); /* dup never copies FD_CLOEXEC */
    CHECK_EQ(lseek(fd, 1, SEEK_SET), 1);
    CHECK_EQ(lseek(d, 0, SEEK_CUR), 1); /* one offset */
    CHECK_EQ(dup2(fd, 40), 40);
    CHECK_EQ(dup2(fd, 40), 40);
    CHECK_EQ(dup2(40, 40), 40);
    CHECK_ERR(dup2(99, 41), EBADF);
    CHECK_ERR(dup3(40, 40, 0), EINVAL);
    CHECK_EQ(dup3(fd, 41, O_CLOEXEC), 41);
    CHECK_EQ(fcntl(41, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_DUPFD, 50), 50);
    CHECK_EQ(fcntl(fd, F_DUPFD_CLOEXEC, 50), 51);
    CHECK_EQ(fcntl(51, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK), 0);
    CHECK_EQ(fcntl(50, F_GETFL), O_RDWR | O_APPEND | O_NONBLOCK | 0100000); /* shared */
    CHECK_EQ(fcntl(fd, F_SETFD, 0), 0);
    CHECK_EQ(fcntl(fd, F_GETFD), 0);
    CHECK_ERR(fcntl(99, F_GETFD), EBADF);
    CHECK_ERR(fcntl(fd, F_DUPFD, -1), EINVAL);
    int all[] = {d, 40, 41, 50, 51, fd};
    for (int i = 0; i < 6; i++)
        CHECK_EQ(close(all[i]), 0);
    return 0;
}

USERTEST(fs_names)
{
    CHECK_EQ(dir("names"), 0);
    struct stat st;
    CHECK_EQ(mkdir("d", 0777), 0);
    CHECK_EQ(stat("d", &st), 0);
    CHECK_EQ(st.st_mode, S_IFDIR | 0755);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_ERR(mkdir("d", 0777), EEXIST);
    CHECK_ERR(mkdir("no/d", 0777), ENOENT);
    int f = open("d/f", O_WRONLY | O_CREAT, 0644);
    CHECK_EQ(write(f, "data", 4), 4);
    CHECK_EQ(close(f), 0);
    CHECK_ERR(rmdir("d"), ENOTEMPTY);
    CHECK_ERR(rmdir("d/f"), ENOTDIR);
    CHECK_ERR(unlink("d"), EISDIR);
    CHECK_ERR(open("d/f/x", O_RDONLY), ENOTDIR);
    CHECK_ERR(open("d/f/", O_RDONLY), ENOTDIR);
    CHECK_ERR(open("d", O_WRONLY), EISDIR);
    CHECK_ERR(open("d/f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    /* links */
    CHECK_EQ(link("d/f", "hard"), 0);
    CHECK_EQ(stat("hard", &st), 0);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_ERR(link("d", "dlink"), EPERM);
    CHECK_ERR(link("d/f", "/t-nowhere/x"), ENOENT);
    CHECK_ERR(link("d/f", "/ut_fs_cross"), EXDEV); /* / and /tmp are two file systems */
    /* symlinks */
    CHECK_EQ(symlink("d/f", "sym"), 0);
    char buf[64];
    CHECK_EQ(readlink("sym", buf, sizeof buf), 3);
    CHECK_EQ(memcmp(buf, "d/f", 3), 0);
    CHECK_ERR(readlink("hard", buf, sizeof buf), EINVAL);
    CHECK_EQ(lstat("sym", &st), 0);
    CHECK_EQ(S_ISLNK(st.st_mode), 1);
    CHECK_EQ(st.st_size, 3);
    CHECK_EQ(stat("sym", &st), 0);
    CHECK_EQ(S_ISREG(st.st_mode), 1);
    CHECK_ERR(open("sym", O_RDONLY | O_NOFOLLOW), ELOOP);
    CHECK_EQ(symlink("loop2", "loop1"), 0);
    CHECK_EQ(symlink("loop1", "loop2"), 0);
    CHECK_ERR(stat("loop1", &st), ELOOP);
    char longname[300];
    memset(longname, 'n', 256);
    longname[256] = 0;
    CHECK_ERR(stat(longname, &st), ENAMETOOLONG);
    /* rename */
    CHECK_EQ(rename("hard", "d/g"), 0);
    CHECK_ERR(stat("hard", &st), ENOENT);
    CHECK_EQ(mkdir("e", 0755), 0);
    CHECK_ERR(rename("d", "d/sub"), EINVAL);
    CHECK_ERR(rename("d/g", "e"), EISDIR);
    CHECK_ERR(rename("e", "d/g"), ENOTDIR);
    CHECK_ERR(rename("e", "d"), ENOTEMPTY);
    CHECK_EQ(rename("d", "e"), 0); /* onto an empty directory */
    CHECK_EQ(stat("e/g", &st), 0);
    CHECK_ERR(rename("e/g", "/ut_fs_x"), EXDEV);
    CHECK_ERR(syscall(SYS_renameat2, AT_FDCWD, "e/g", AT_FDCWD, "e/f", 1 /* NOREPLACE */), EEXIST);
    CHECK_EQ(unlink("e/g"), 0);
    CHECK_EQ(unlink("e/f"), 0);
    CHECK_EQ(rmdir("e"), 0);
    CHECK_ERR(rmdir("."), EINVAL);
    /* *at with a directory descriptor */
    CHECK_EQ(mkdir("at", 0755), 0);
    int dfd = open("at", O_RDONLY | O_DIRECTORY);
    CHECK_EQ(mkdirat(dfd, "sub", 0700), 0);
    int g = openat(dfd, "sub/file", O_WRONLY | O_CREAT, 0600);
    CHECK_EQ(g >= 0, 1);
    CHECK_EQ(close(g), 0);
    CHECK_EQ(fstatat(dfd, "sub/file", &st, 0), 0);
    CHECK_EQ(st.st_mode, S_IFREG | 0600);
    CHECK_EQ(fstatat(dfd, "", &st, AT_EMPTY_PATH), 0);
    CHECK_EQ(S_ISDIR(st.st_mode), 1);
    CHECK_EQ(unlinkat(dfd, "sub/file", 0), 0);
    CHECK_ERR(unlinkat(dfd, "sub", 0), EISDIR);
    CHECK_EQ(unlinkat(dfd, "sub", AT_REMOVEDIR), 0);
    CHECK_EQ(close(dfd), 0);
    return 0;
}

USERTEST(fs_getdents)
{
    CHECK_EQ(dir("dents"), 0);
    CHECK_EQ(mkdir("sub", 0755), 0);
    close(open("file", O_WRONLY | O_CREAT, 0644));
    CHECK_EQ(symlink("file", "link"), 0);
    CHECK_EQ(mkfifo("fifo", 0644), 0);
    DIR *d = opendir(".");
    CHECK_EQ(d != NULL, 1);
    int seen = 0, types = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        seen++;
        if (!strcmp(e->d_name, "sub"))
            types |= (e->d_type == DT_DIR) << 0;
        if (!strcmp(e->d_name, "file"))
            types |= (e->d_type == DT_REG) << 1;
        if (!strcmp(e->d_name, "link"))
            types |= (e->d_type == DT_LNK) << 2;
        if (!strcmp(e->d_name, "fifo"))
            types |= (e->d_type == DT_FIFO) << 3;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            types |= (e->d_type == DT_DIR) << 4;
    }
    CHECK_EQ(seen, 6);
    CHECK_EQ(types, 0x1f);
    CHECK_EQ(closedir(d), 0);
    char buf[8];
    int f = open("file", O_RDONLY);
    CHECK_ERR(syscall(SYS_getdents64, f, buf, sizeof buf), ENOTDIR);
    int dd = open(".", O_RDONLY);
    CHECK_ERR(syscall(SYS_getdents64, dd, buf, sizeof buf), EINVAL); /* no record fits */
    close(f), close(dd);
    return 0;
}

USERTEST(fs_attributes)
{
    CHECK_EQ(dir("attr"), 0);
    struct stat st;
    CHECK_EQ(umask(077), 022);
    close(open("f", O_WRONLY | O_CREAT, 0666));
    CHECK_EQ(stat("f", &st), 0);
    CHECK_EQ(st.st_mode, S_IFREG | 0600);
    CHECK_EQ(umask(022), 077);
    CHECK_EQ(chmod("f", 04755), 0);
    CHECK_EQ(stat("f", &st), 0);
    CHECK_EQ(st.st_mode, S_IFREG | 04755);
    CHECK_EQ(chown("f", 1000, 1000), 0); /* we are root */
    CHECK_EQ(stat("f", &st), 0);
    CHECK_EQ(st.st_uid, 1000);
    CHECK_EQ(st.st_gid, 1000);
    CHECK_EQ(st.st_mode, S_IFREG | 0755); /* set-user-ID cleared */
    struct timespec t[2] = {{1000, 1}, {2000, 2}};
    CHECK_EQ(utimensat(AT_FDCWD, "f", t, 0), 0);
    CHECK_EQ(stat("f", &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 1000);
    CHECK_EQ(st.st_mtim.tv_sec, 2000);
    CHECK_EQ(st.st_mtim.tv_nsec, 2);
    struct timespec bad[2] = {{0, 2000000000}, {0, 0}};
    CHECK_ERR(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
    CHECK_EQ(access("f", R_OK | W_OK | X_OK), 0);
    CHECK_EQ(chmod("f", 0644), 0);
    CHECK_ERR(access("f", X_OK), EACCES); /* root too: no x bit at all */
    CHECK_ERR(access("nothere", F_OK), ENOENT);
    CHECK_ERR(access("f", 8), EINVAL);
    CHECK_EQ(faccessat(AT_FDCWD, "f", R_OK, AT_EACCESS), 0);
    /* cwd */
    char cwd[PATH_MAX];
    CHECK_EQ(getcwd(cwd, sizeof cwd) == cwd, 1);
    CHECK_EQ(strcmp(cwd, "/tmp/ut_fs/attr"), 0);
    CHECK_EQ(chdir(".."), 0);
    CHECK_EQ(getcwd(cwd, sizeof cwd) == cwd, 1);
    CHECK_EQ(strcmp(cwd, "/tmp/ut_fs"), 0);
    CHECK_EQ(getcwd(cwd, 5) == NULL, 1);
    CHECK_EQ(errno, ERANGE);
    CHECK_ERR(chdir("attr/f"), ENOTDIR);
    int d = open("attr", O_RDONLY | O_DIRECTORY);
    CHECK_EQ(fchdir(d), 0);
    CHECK_EQ(stat("f", &st), 0);
    CHECK_EQ(close(d), 0);
    return 0;
}

static volatile int sigpipes;

static void on_sigpipe(int sig)
{
    (void)sig;
    sigpipes++;
}

USERTEST(fs_pipes)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(write(p[1], "ping", 4), 4);
    char buf[8];
    CHECK_EQ(read(p[0], buf, sizeof buf), 4);
    CHECK_EQ(memcmp(buf, "ping", 4), 0);
    struct stat st;
    CHECK_EQ(fstat(p[0], &st), 0);
    CHECK_EQ(S_ISFIFO(st.st_mode), 1);
    /* A bad array is EFAULT and makes no pipe: the lowest free descriptor stays the same. */
    int lowest = dup(0);
    CHECK_EQ(close(lowest), 0);
    CHECK_ERR(pipe(NULL), EFAULT);
    static const int ro_fds[2] = {-1, -1}; /* .rodata: read-only */
    int *volatile ro = (int *)(uintptr_t)ro_fds;
    CHECK_ERR(pipe2(ro, 0), EFAULT);
    CHECK_EQ(ro_fds[0], -1);
    CHECK_EQ(dup(0), lowest);
    CHECK_EQ(close(lowest), 0);
    CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
    CHECK_ERR(write(p[0], "x", 1), EBADF);
    CHECK_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    CHECK_ERR(read(p[0], buf, 1), EAGAIN);
    struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    CHECK_EQ(poll(pf, 2, 0), 1);
    CHECK_EQ(pf[0].revents, 0);
    CHECK_EQ(pf[1].revents, POLLOUT);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(poll(pf, 1, 0), 1);
    CHECK_EQ(pf[0].revents, POLLIN);
    CHECK_EQ(read(p[0], buf, 1), 1);
    CHECK_EQ(close(p[1]), 0);
    CHECK_EQ(poll(pf, 1, 0), 1);
    CHECK_EQ(pf[0].revents, POLLHUP);
    CHECK_EQ(read(p[0], buf, 1), 0); /* no writer left: end of file */
    fd_set rs, wset;
    FD_ZERO(&rs);
    FD_ZERO(&wset);
    FD_SET(p[0], &rs);
    struct timeval zero = {0, 0};
    CHECK_EQ(select(p[0] + 1, &rs, &wset, NULL, &zero), 1); /* end of file reads at once */
    CHECK_EQ(FD_ISSET(p[0], &rs), 1);
    FD_ZERO(&rs);
    FD_SET(p[0] + 40, &rs);
    CHECK_ERR(select(p[0] + 41, &rs, NULL, NULL, &zero), EBADF);
    CHECK_EQ(close(p[0]), 0);
    CHECK_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(p[1], F_GETFL), O_WRONLY | O_NONBLOCK);
    fd_set ws;
    FD_ZERO(&ws);
    FD_SET(p[1], &ws);
    FD_SET(p[0], &ws);
    struct timeval none = {0, 0};
    CHECK_EQ(select(p[1] + 1, NULL, &ws, NULL, &none), 1); /* the write end only */
    CHECK_EQ(FD_ISSET(p[1], &ws), 1);
    CHECK_EQ(FD_ISSET(p[0], &ws), 0);
    /* Fill it: PIPE_BUF-sized writes go whole or not at all. */
    static char chunk[PIPE_BUF];
    long total = 0, r;
    while ((r = write(p[1], chunk, sizeof chunk)) > 0)
        total += r;
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(total % PIPE_BUF, 0);
    CHECK_EQ(total, 16384);
    CHECK_EQ(close(p[0]), 0);
    sigpipes = 0; /* no reader: EPIPE, and SIGPIPE (caught here; by default it kills) */
    CHECK_EQ(signal(SIGPIPE, on_sigpipe) != SIG_ERR, 1);
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
    CHECK_EQ(sigpipes, 1);
    signal(SIGPIPE, SIG_DFL);
    CHECK_EQ(close(p[1]), 0);
    CHECK_ERR(pipe2(p, 0x1), EINVAL);
    /* A FIFO opened for reading and writing by one process. */
    CHECK_EQ(dir("fifo"), 0);
    CHECK_EQ(mkfifo("f", 0600), 0);
    CHECK_ERR(open("f", O_WRONLY | O_NONBLOCK), ENXIO);
    int rd = open("f", O_RDONLY | O_NONBLOCK);
    int wr = open("f", O_WRONLY | O_NONBLOCK);
    CHECK_EQ(write(wr, "fifo", 4), 4);
    CHECK_EQ(read(rd, buf, sizeof buf), 4);
    CHECK_EQ(close(wr), 0);
    CHECK_EQ(read(rd, buf, sizeof buf), 0);
    CHECK_EQ(close(rd), 0);
    return 0;
}

USERTEST(fs_locks)
{
    CHECK_EQ(dir("locks"), 0);
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    CHECK_EQ(fcntl(fd, F_SETLK, &fl), 0);
    fl.l_type = F_RDLCK;
    CHECK_EQ(fcntl(fd, F_GETLK, &fl), 0);
    CHECK_EQ(fl.l_type, F_UNLCK); /* our own lock never conflicts with us */
    /* An OFD lock through another open conflicts with our POSIX lock. */
    int g = open("f", O_RDWR);
    struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1};
    CHECK_ERR(fcntl(g, F_OFD_SETLK, &ofd), EAGAIN);
    CHECK_EQ(fcntl(g, F_OFD_GETLK, &ofd), 0);
    CHECK_EQ(ofd.l_type, F_WRLCK);
    CHECK_EQ(ofd.l_start, 0);
    CHECK_EQ(ofd.l_len, 10);
    CHECK_EQ(ofd.l_pid, getpid());
    ofd.l_type = F_WRLCK, ofd.l_start = 20, ofd.l_len = 5, ofd.l_pid = 0;
    CHECK_EQ(fcntl(g, F_OFD_SETLK, &ofd), 0);
    struct flock want = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 22, .l_len = 1};
    CHECK_ERR(fcntl(fd, F_SETLK, &want), EAGAIN); /* our own OFD lock conflicts */
    CHECK_EQ(close(g), 0);                        /* the OFD lock goes with its description */
    CHECK_EQ(fcntl(fd, F_SETLK, &want), 0);
    CHECK_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
    int h = open("f", O_RDONLY);
    CHECK_ERR(flock(h, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK_EQ(flock(fd, LOCK_UN), 0);
    CHECK_EQ(flock(h, LOCK_SH | LOCK_NB), 0);
    struct flock bad = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    CHECK_ERR(fcntl(h, F_SETLK, &bad), EBADF); /* a write lock on a read-only open */
    close(h), close(fd);
    return 0;
}

/* The boot archive's programs are files in the RAM file system. */
USERTEST(fs_boot_archive)
{
    struct stat st;
    CHECK_EQ(stat("/usertests", &st), 0);
    CHECK_EQ(S_ISREG(st.st_mode), 1);
    int fd = open("/usertests", O_RDONLY);
    char magic[4];
    CHECK_EQ(read(fd, magic, 4), 4);
    CHECK_EQ(memcmp(magic, "\177ELF", 4), 0);
    CHECK_EQ(lseek(fd, 0, SEEK_END), st.st_size);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(stat("/dev/console", &st), 0);
    CHECK_EQ(S_ISCHR(st.st_mode), 1);
    CHECK_EQ(stat("/tmp", &st), 0);
    CHECK_EQ(st.st_mode, S_IFDIR | 01777);
    return 0;
}

/* Between processes (pm holds the file layer): one open file description shared by fork. */

#define RECS 200
#define RECLEN 32

/* A parent and its child writing through one inherited descriptor (one offset) never
 * overwrite each other: every record of both is in the file, whole. */
USERTEST(fs_fork_shared_offset)
{
    CHECK_EQ(dir("forkappend"), 0);
    int fd = open("log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_EQ(fd >= 0, 1);
    pid_t pid = fork();
    CHECK_EQ(pid >= 0, 1);
    char rec[RECLEN + 1];
    for (int i = 0; i < RECS; i++) {
        snprintf(rec, sizeof rec, "%c%04d------------------------\n", pid ? 'P' : 'C', i);
        if (write(fd, rec, RECLEN) != RECLEN)
            _exit(3);
    }
    if (pid == 0)
        _exit(0);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(status, 0);
    CHECK_EQ(close(fd), 0);
    static char all[2 * RECS * RECLEN + 1];
    int r = open("log", O_RDONLY);
    CHECK_EQ(read(r, all, sizeof all), 2 * RECS * RECLEN);
    close(r);
    int next[2] = {0, 0}, bad = 0;
    for (int k = 0; k < 2 * RECS; k++) {
        const char *x = all + k * RECLEN;
        int who = x[0] == 'C';
        char want[RECLEN + 1];
        snprintf(want, sizeof want, "%c%04d------------------------\n", who ? 'C' : 'P',
                 next[who]++);
        bad += memcmp(x, want, RECLEN) != 0;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(next[0], RECS);
    CHECK_EQ(next[1], RECS);
    return 0;
}

/* A child killed while it writes leaves its pipe at end of file, its parent's wait right. */
USERTEST(fs_fork_killed_writer_eof)
{
    int data[2], sync[2];
    CHECK_EQ(pipe(data), 0);
    CHECK_EQ(pipe(sync), 0);
    pid_t pid = fork();
    CHECK_EQ(pid >= 0, 1);
    if (pid == 0) {
        static char chunk[4096];
        close(data[0]);
        for (int i = 0; i < 4; i++) /* 16 KiB: the pipe is full */
            if (write(data[1], chunk, sizeof chunk) != sizeof chunk)
                _exit(3);
        write(sync[1], "s", 1);
        write(data[1], chunk, sizeof chunk); /* waits for ever: killed here */
        _exit(4);
    }
    CHECK_EQ(close(data[1]), 0);
    char c;
    CHECK_EQ(read(sync[0], &c, 1), 1);
    CHECK_EQ(kill(pid, SIGKILL), 0);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WIFSIGNALED(status), 1);
    CHECK_EQ(WTERMSIG(status), SIGKILL);
    static char buf[8192];
    long total = 0, r;
    while ((r = read(data[0], buf, sizeof buf)) > 0)
        total += r;
    CHECK_EQ(r, 0); /* end of file: its write end went with it */
    CHECK_EQ(total, 16384);
    close(data[0]), close(sync[0]), close(sync[1]);
    return 0;
}

/* A pipe between two processes: the reader waits (no spinning) until the writer writes. */
USERTEST(fs_fork_pipe_wait)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        for (int i = 0; i < 3; i++)
            write(p[1], "abc", 3);
        _exit(0);
    }
    close(p[1]);
    char buf[16];
    long total = 0, r;
    while ((r = read(p[0], buf, sizeof buf)) > 0)
        total += r;
    CHECK_EQ(r, 0);
    CHECK_EQ(total, 9);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(status, 0);
    close(p[0]);
    return 0;
}

/* O_CLOEXEC across exec: the new image (this program again, told by its environment) finds
 * the close-on-exec descriptor gone and the other one open. */
__attribute__((constructor)) static void cloexec_check(void)
{
    const char *e = getenv("UT_FS_CLOEXEC");
    int a, b;
    if (!e || sscanf(e, "%d,%d", &a, &b) != 2)
        return;
    errno = 0;
    int gone = fcntl(a, F_GETFD) == -1 && errno == EBADF;
    int kept = fcntl(b, F_GETFD) == 0;
    char c = 0;
    int same = kept && pread(b, &c, 1, 0) == 1 && c == 'k';
    _exit(gone && kept && same ? 0 : 1 + gone + 2 * kept);
}

USERTEST(fs_cloexec_across_exec)
{
    CHECK_EQ(dir("cloexec"), 0);
    int a = open("a", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int b = open("b", O_RDWR | O_CREAT, 0644);
    CHECK_EQ(write(b, "k", 1), 1);
    pid_t pid = fork();
    if (pid == 0) {
        char env[64];
        snprintf(env, sizeof env, "UT_FS_CLOEXEC=%d,%d", a, b);
        char *argv[] = {"usertests", NULL}, *envp[] = {env, NULL};
        execve("/usertests", argv, envp);
        _exit(9);
    }
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WIFEXITED(status), 1);
    CHECK_EQ(WEXITSTATUS(status), 0);
    close(a), close(b);
    return 0;
}

/* Two processes each holding a byte the other asks for with F_SETLKW: exactly one of them is
 * told EDEADLK (whichever asks second), the other gets its lock once the first lets go. */
USERTEST(fs_fork_setlkw_deadlock)
{
    CHECK_EQ(dir("deadlock"), 0);
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    struct flock b0 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    struct flock b1 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1};
    CHECK_EQ(fcntl(fd, F_SETLK, &b0), 0);
    int sync[2];
    CHECK_EQ(pipe(sync), 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (fcntl(fd, F_SETLK, &b1) != 0)
            _exit(4);
        write(sync[1], "s", 1);
        int r = fcntl(fd, F_SETLKW, &b0);
        _exit(r == -1 && errno == EDEADLK ? 1 : r == 0 ? 2 : 3);
    }
    char c;
    CHECK_EQ(read(sync[0], &c, 1), 1);
    errno = 0;
    int r = fcntl(fd, F_SETLKW, &b1);
    int parent_deadlock = r == -1 && errno == EDEADLK;
    CHECK_EQ(r == 0 || parent_deadlock, 1);
    struct flock un = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK_EQ(fcntl(fd, F_SETLK, &un), 0); /* lets the child through if it waits */
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WIFEXITED(status), 1);
    CHECK_EQ(WEXITSTATUS(status), parent_deadlock ? 2 : 1);
    close(fd), close(sync[0]), close(sync[1]);
    return 0;
}

/* exec takes its image from the file system: a copy of this program written at run time runs
 * (told by its environment to exit 7 at once); one without the execute bit is EACCES. */
__attribute__((constructor)) static void exit_code_check(void)
{
    const char *e = getenv("UT_FS_EXIT");
    if (e)
        _exit(atoi(e));
}

USERTEST(fs_exec_from_a_written_file)
{
    CHECK_EQ(dir("exec"), 0);
    int in = open("/usertests", O_RDONLY), out = open("copy", O_WRONLY | O_CREAT, 0755);
    static char buf[16384];
    long n, total = 0;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        CHECK_EQ(write(out, buf, n), n);
        total += n;
    }
    struct stat st;
    CHECK_EQ(fstat(in, &st), 0);
    CHECK_EQ(total, st.st_size);
    close(in), close(out);
    CHECK_EQ(symlink("copy", "link"), 0);
    close(open("noexec", O_WRONLY | O_CREAT, 0644));
    char *argv[] = {"copy", NULL}, *envp[] = {"UT_FS_EXIT=7", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execve("link", argv, envp); /* relative, through a symlink */
        _exit(9);
    }
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WIFEXITED(status), 1);
    CHECK_EQ(WEXITSTATUS(status), 7);
    CHECK_ERR(execve("noexec", argv, envp), EACCES);
    CHECK_ERR(execve(".", argv, envp), EACCES);
    CHECK_EQ(mkfifo("fifo", 0755), 0);
    CHECK_ERR(execve("fifo", argv, envp), EACCES); /* never opened: no wait for a writer */
    CHECK_ERR(execve("nothere", argv, envp), ENOENT);
    return 0;
}

/* A Linux dynamic executable (no Tessera note) whose PT_INTERP names interp (its NUL counted
 * unless nul is 0), at name, mode 0755: exec reads and checks the interpreter first. */
static int write_dynamic(const char *name, const char *interp, int nul)
{
    static unsigned char b[512];
    memset(b, 0, sizeof b);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
    Elf64_Phdr *ph = (Elf64_Phdr *)(b + sizeof *eh);
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = 0x400100;
    eh->e_phoff = sizeof *eh;
    eh->e_ehsize = sizeof *eh;
    eh->e_phentsize = sizeof *ph;
    eh->e_phnum = 2;
    uint64_t at = sizeof *eh + 2 * sizeof *ph, len = strlen(interp) + (nul != 0);
    ph[0].p_type = PT_INTERP;
    ph[0].p_offset = at;
    ph[0].p_filesz = ph[0].p_memsz = len;
    ph[1].p_type = PT_LOAD;
    ph[1].p_flags = PF_R | PF_X;
    ph[1].p_vaddr = 0x400000;
    ph[1].p_filesz = sizeof b;
    ph[1].p_memsz = 0x1000;
    ph[1].p_align = 0x1000;
    memcpy(b + at, interp, strlen(interp));
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    long n = write(fd, b, sizeof b);
    close(fd);
    return n == (long)sizeof b ? 0 : 1;
}

static int write_file(const char *name, long size, mode_t mode)
{
    static char text[128];
    memset(text, 'x', sizeof text);
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, mode);
    long n = write(fd, text, (size_t)size);
    close(fd);
    return n == size ? 0 : 1;
}

/* exec of a dynamic binary whose interpreter is wrong, as Linux's before its point of no
 * return: missing ENOENT, not executable EACCES, shorter than an ELF header EIO, no ELF
 * ELIBBAD, a PT_INTERP without its NUL ENOEXEC; an ET_EXEC interpreter ENOEXEC (Linux takes
 * one; the loader here wants ET_DYN). The caller's image goes on each time. */
USERTEST(fs_exec_interp_errors)
{
    CHECK_EQ(dir("interp"), 0);
    char *argv[] = {"prog", NULL}, *envp[] = {NULL};
    CHECK_EQ(write_file("short", 10, 0755), 0);
    CHECK_EQ(write_file("text", 100, 0755), 0);
    CHECK_EQ(write_file("text644", 100, 0644), 0);
    CHECK_EQ(write_dynamic("prog", "/ut_fs_none/ld.so", 1), 0);
    CHECK_ERR(execve("prog", argv, envp), ENOENT);
    CHECK_EQ(write_dynamic("prog", "text644", 1), 0);
    CHECK_ERR(execve("prog", argv, envp), EACCES);
    CHECK_EQ(write_dynamic("prog", "short", 1), 0);
    CHECK_ERR(execve("prog", argv, envp), EIO);
    CHECK_EQ(write_dynamic("prog", "text", 1), 0);
    CHECK_ERR(execve("prog", argv, envp), ELIBBAD);
    CHECK_EQ(write_dynamic("prog", "text", 0), 0);
    CHECK_ERR(execve("prog", argv, envp), ENOEXEC);
    CHECK_EQ(write_dynamic("prog", "/hello", 1), 0);
    CHECK_ERR(execve("prog", argv, envp), ENOEXEC);
    return 0;
}

/* Credentials: pm keeps them with the file state and checks every access against them. */
static int as_user(void)
{
    gid_t g[4] = {0};
    CHECK_EQ(setgroups(1, (gid_t[]){50}), 0);
    CHECK_EQ(getgroups(4, g), 1);
    CHECK_EQ(g[0], 50);
    CHECK_EQ(setresgid(100, 100, 100), 0);
    CHECK_EQ(setresuid(1000, 1000, 1000), 0);
    CHECK_EQ(getuid(), 1000);
    CHECK_EQ(geteuid(), 1000);
    CHECK_EQ(getgid(), 100);
    CHECK_EQ(getegid(), 100);
    uid_t r, e, s;
    CHECK_EQ(getresuid(&r, &e, &s), 0);
    CHECK_EQ(r + e + s, 3000);
    CHECK_ERR(setuid(0), EPERM);
    CHECK_ERR(setgroups(0, NULL), EPERM);
    CHECK_ERR(open("secret", O_RDONLY), EACCES);
    CHECK_ERR(access("secret", R_OK), EACCES);
    CHECK_EQ(access("group50", R_OK), 0); /* through the supplementary group */
    int fd = open("/tmp/ut_fs/cred/mine", O_WRONLY | O_CREAT, 0600);
    CHECK_EQ(fd >= 0, 1);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_uid, 1000);
    CHECK_EQ(st.st_gid, 100);
    CHECK_ERR(chown("/tmp/ut_fs/cred/mine", 0, 0), EPERM);
    CHECK_ERR(unlink("secret"), EPERM); /* sticky directory: root's file */
    return 0;
}

USERTEST(fs_credentials)
{
    CHECK_EQ(dir("cred"), 0);
    CHECK_EQ(getuid(), 0);
    CHECK_EQ(geteuid(), 0);
    close(open("secret", O_WRONLY | O_CREAT, 0600));
    close(open("group50", O_WRONLY | O_CREAT, 0640));
    CHECK_EQ(chown("group50", 0, 50), 0);
    CHECK_EQ(chmod(".", 0777), 0); /* others may create here (mine), not remove root's */
    CHECK_EQ(chmod(".", 01777), 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(as_user());
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EQ(WIFEXITED(status), 1);
    CHECK_EQ(WEXITSTATUS(status), 0);
    CHECK_EQ(getuid(), 0); /* the child's ids were its own */
    return 0;
}

/* statx, fadvise64, the xattr calls and rseq (what glibc's dynamic programs call: libos/posix/
 * files.c), raw: statx's layout and fields against fstat, its flag checks; posix_fadvise's
 * errnos; extended attributes as on a Linux file system without them (the lookup's errno,
 * then EOPNOTSUPP; a list is empty); rseq ENOSYS. */
struct ut_statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, spare0;
    uint64_t ino, size, blocks, attributes_mask;
    struct {
        int64_t sec;
        uint32_t nsec;
        int32_t reserved;
    } atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};

USERTEST(fs_statx_fadvise_xattr)
{
    CHECK_EQ(dir("statx"), 0);
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_EQ(fd >= 0, 1);
    CHECK_EQ(write(fd, "hello", 5), 5);
    CHECK_EQ(fchmod(fd, 0640), 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    struct ut_statx x;
    memset(&x, 0xa5, sizeof x);
    CHECK_EQ(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, &x), 0);
    CHECK_EQ(x.mask, 0x7ff);
    CHECK_EQ(x.size, 5);
    CHECK_EQ(x.mode, S_IFREG | 0640);
    CHECK_EQ(x.nlink, 1);
    CHECK_EQ(x.ino, st.st_ino);
    CHECK_EQ(x.uid, st.st_uid);
    CHECK_EQ(x.blocks, (uint64_t)st.st_blocks);
    CHECK_EQ(x.mtime.sec, st.st_mtim.tv_sec);
    CHECK_EQ(x.mtime.nsec, (uint32_t)st.st_mtim.tv_nsec);
    CHECK_EQ(x.btime.sec, 0); /* no birth time: not in the mask, zero */
    CHECK_EQ(x.spare[13], 0);
    memset(&x, 0, sizeof x);
    CHECK_EQ(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, 0x7ff, &x), 0);
    CHECK_EQ(x.size, 5);
    CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "none", 0, 0x7ff, &x), ENOENT);
    CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0x40000000, 0x7ff, &x), EINVAL);
    CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0x6000, 0x7ff, &x), EINVAL);
    CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x80000000u, &x), EINVAL);

    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(syscall(SYS_fadvise64, fd, 0, 0, 2 /* SEQUENTIAL */), 0);
    CHECK_ERR(syscall(SYS_fadvise64, fd, 0, 0, 99), EINVAL);
    CHECK_ERR(syscall(SYS_fadvise64, fd, 0L, -1L, 0), EINVAL);
    CHECK_ERR(syscall(SYS_fadvise64, p[0], 0, 0, 0), ESPIPE);
    CHECK_ERR(syscall(SYS_fadvise64, 999, 0, 0, 0), EBADF);
    close(p[0]);
    close(p[1]);

    char buf[16];
    CHECK_ERR(syscall(SYS_getxattr, "f", "user.x", buf, sizeof buf), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_lgetxattr, "f", "security.selinux", buf, sizeof buf), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_fgetxattr, fd, "user.x", buf, sizeof buf), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_getxattr, "none", "user.x", buf, sizeof buf), ENOENT);
    CHECK_ERR(syscall(SYS_fgetxattr, 999, "user.x", buf, sizeof buf), EBADF);
    CHECK_EQ(syscall(SYS_listxattr, "f", buf, sizeof buf), 0);
    CHECK_EQ(syscall(SYS_flistxattr, fd, buf, sizeof buf), 0);
    CHECK_ERR(syscall(SYS_llistxattr, "none", buf, sizeof buf), ENOENT);
    CHECK_ERR(syscall(SYS_setxattr, "f", "user.x", "v", 1, 0), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_removexattr, "f", "user.x"), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_rseq, 0, 0, 0, 0), ENOSYS);
    close(fd);
    unlink("f");
    return 0;
}
