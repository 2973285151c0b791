/*
 * ut_root.c: file systems as a whole and /proc (usertests.h): statfs of the RAM file systems
 * and /proc, fsync's errors, sync; /proc/self, the process's own exe, cwd, stat, status,
 * cmdline and maps (its stack and code in the lines with their permissions), a forked child's pid
 * directory, /proc/mounts, meminfo, uptime and tessera; reboot(2)'s refusals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usertests.h"

char ut_text[8192];

/* The whole file into ut_text (NUL-terminated): its length, or -errno (usertests.h). */
long ut_slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    long n = 0, r;
    while ((r = read(fd, ut_text + n, sizeof ut_text - 1 - (size_t)n)) > 0)
        n += r;
    close(fd);
    ut_text[n] = 0;
    return n;
}

USERTEST(root_statfs_and_sync)
{
    struct statfs s;
    CHECK_EQ(statfs("/tmp", &s), 0);
    CHECK_EQ(s.f_type, 0x858458f6); /* RAMFS_MAGIC */
    CHECK_EQ(s.f_bsize, 4096);
    CHECK_EQ(s.f_namelen, 255);
    CHECK_EQ(statfs("/proc", &s), 0);
    CHECK_EQ(s.f_type, 0x9fa0); /* PROC_SUPER_MAGIC */
    CHECK_EQ(statfs("/nonexistent/x", &s), -1);
    CHECK_EQ(errno, ENOENT);
    int fd = open("/tmp/ut_root_sync", O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_EQ(fd >= 0, 1);
    CHECK_EQ(write(fd, "abc", 3), 3);
    CHECK_EQ(fsync(fd), 0);
    CHECK_EQ(fdatasync(fd), 0);
    CHECK_EQ(fstatfs(fd, &s), 0);
    CHECK_EQ(s.f_type, 0x858458f6);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(fsync(fd), -1);
    CHECK_EQ(errno, EBADF);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(fsync(p[0]), -1);
    CHECK_EQ(errno, EINVAL); /* as Linux: a pipe has nothing to sync */
    close(p[0]);
    close(p[1]);
    sync();
    CHECK_EQ(unlink("/tmp/ut_root_sync"), 0);
    return 0;
}

USERTEST(root_proc_self)
{
    char link[32], want[32];
    long n = readlink("/proc/self", link, sizeof link - 1);
    snprintf(want, sizeof want, "%d", getpid());
    CHECK_EQ(n, (long)strlen(want));
    link[n] = 0;
    CHECK_EQ(strcmp(link, want), 0);
    /* exe: the image's path; cwd: where we are */
    char cwd[256];
    n = readlink("/proc/self/exe", link, sizeof link - 1);
    CHECK_EQ(n, 10);
    link[n] = 0;
    CHECK_EQ(strcmp(link, "/usertests"), 0);
    CHECK_EQ(getcwd(cwd, sizeof cwd) != NULL, 1);
    char cl[256];
    n = readlink("/proc/self/cwd", cl, sizeof cl - 1);
    CHECK_EQ(n, (long)strlen(cwd));
    cl[n] = 0;
    CHECK_EQ(strcmp(cl, cwd), 0);
    /* cmdline: usertests was started by init.run=usertests: argv is {"usertests"} */
    CHECK_EQ(ut_slurp("/proc/self/cmdline"), 10);
    CHECK_EQ(memcmp(ut_text, "usertests\0", 10), 0);
    /* stat: "pid (comm) R ppid ..." */
    CHECK_EQ(ut_slurp("/proc/self/stat") > 0, 1);
    char comm[32], st;
    int pid, ppid;
    CHECK_EQ(sscanf(ut_text, "%d (%31[^)]) %c %d", &pid, comm, &st, &ppid), 4);
    CHECK_EQ(pid, getpid());
    CHECK_EQ(strcmp(comm, "usertests"), 0);
    CHECK_EQ(st, 'R');
    CHECK_EQ(ppid, getppid());
    CHECK_EQ(ut_slurp("/proc/self/status") > 0, 1);
    snprintf(want, sizeof want, "\nPid:\t%d\n", getpid());
    CHECK_EQ(strstr(ut_text, want) != NULL, 1);
    CHECK_EQ(strncmp(ut_text, "Name:\tusertests\nState:\tR (running)\n", 35), 0);
    /* maps: our stack (rw-) and our code (r-x) lie in lines with those permissions */
    CHECK_EQ(ut_slurp("/proc/self/maps") > 0, 1);
    unsigned long here = (unsigned long)&n, code = (unsigned long)&ut_slurp;
    int stack_ok = 0, code_ok = 0;
    for (char *l = ut_text; *l;) {
        unsigned long a, b;
        char perm[5];
        if (sscanf(l, "%lx-%lx %4s", &a, &b, perm) == 3) {
            stack_ok |= a <= here && here < b && strcmp(perm, "rw-p") == 0;
            code_ok |= a <= code && code < b && strcmp(perm, "r-xp") == 0;
        }
        char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
    CHECK_EQ(stack_ok, 1);
    CHECK_EQ(code_ok, 1);
    int fd = open("/proc/self/stat", O_WRONLY); /* root passes the 0444; the file refuses */
    CHECK_EQ(fd >= 0, 1);
    CHECK_EQ(write(fd, "x", 1), -1);
    CHECK_EQ(errno, EACCES);
    close(fd);
    CHECK_EQ(unlink("/proc/self/stat"), -1);
    CHECK_EQ(errno, EACCES);
    CHECK_EQ(open("/proc/nosuch", O_RDONLY), -1);
    CHECK_EQ(errno, ENOENT);
    return 0;
}

USERTEST(root_proc_child_and_system)
{
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    pid_t c = fork();
    if (c == 0) {
        char b;
        close(fds[1]);
        read(fds[0], &b, 1); /* until the parent has looked */
        _exit(0);
    }
    close(fds[0]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", c);
    int pid, ppid;
    char st = 0;
    for (int i = 0; i < 200 && st != 'S'; i++) { /* until it blocks in its read */
        CHECK_EQ(ut_slurp(path) > 0, 1);
        CHECK_EQ(sscanf(ut_text, "%d (usertests) %c %d", &pid, &st, &ppid), 3);
        if (st != 'S')
            usleep(1000);
    }
    CHECK_EQ(pid, c);
    CHECK_EQ(st, 'S'); /* blocked in read */
    CHECK_EQ(ppid, getpid());
    CHECK_EQ(ut_slurp("/proc/tessera") > 0, 1);
    snprintf(path, sizeof path, "\n%-5d ", c);
    CHECK_EQ(strstr(ut_text, path) != NULL, 1);
    close(fds[1]);
    int status;
    CHECK_EQ(waitpid(c, &status, 0), c);
    snprintf(path, sizeof path, "/proc/%d/stat", c);
    CHECK_EQ(ut_slurp(path), -ENOENT);
    CHECK_EQ(ut_slurp("/proc/mounts") > 0, 1);
    CHECK_EQ(strstr(ut_text, "ramfs /tmp ramfs rw 0 0\n") != NULL, 1);
    CHECK_EQ(strstr(ut_text, "proc /proc proc rw 0 0\n") != NULL, 1);
    CHECK_EQ(ut_slurp("/proc/meminfo") > 0, 1);
    unsigned long total, fr;
    CHECK_EQ(sscanf(ut_text, "MemTotal: %lu kB\nMemFree: %lu kB", &total, &fr), 2);
    CHECK_EQ(fr > 0 && fr <= total, 1);
    CHECK_EQ(ut_slurp("/proc/uptime") > 0, 1);
    double up, idle;
    CHECK_EQ(sscanf(ut_text, "%lf %lf", &up, &idle), 2);
    CHECK_EQ(up > 0, 1);
    return 0;
}

USERTEST(root_reboot_refused)
{
    CHECK_EQ(syscall(SYS_reboot, 0xfee1dead, 1, RB_POWER_OFF, 0), -1); /* bad magic2 */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_reboot, 0xfee1dead, 672274793, 0x12345678, 0), -1); /* no such cmd */
    CHECK_EQ(errno, EINVAL);
    pid_t c = fork();
    if (c == 0) {
        if (setuid(1000) != 0)
            _exit(2);
        _exit(reboot(RB_POWER_OFF) == -1 && errno == EPERM ? 0 : 1);
    }
    int status;
    CHECK_EQ(waitpid(c, &status, 0), c);
    CHECK_EQ(WEXITSTATUS(status), 0);
    return 0;
}
