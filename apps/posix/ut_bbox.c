/*
 * ut_bbox.c: the system calls busybox's common paths want (libos/posix/sysinfo.c and
 * fsinfo.c): uname, sysinfo, nice values, affinity, prctl's name, syslog, adjtimex, statfs,
 * the sync family and sendfile, each against Linux's exact values and errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "usertests.h"

USERTEST(bbox_uname)
{
    struct utsname u;
    CHECK_EQ(uname(&u), 0);
    CHECK_EQ(strcmp(u.sysname, "Tessera"), 0);
    CHECK_EQ(strcmp(u.nodename, "tessera"), 0);
    CHECK_EQ(strcmp(u.release, "1.0"), 0);
    CHECK_EQ(strcmp(u.version, "#1 Tessera exokernel"), 0);
    CHECK_EQ(strcmp(u.machine, "x86_64"), 0);
    CHECK_EQ(strcmp(u.domainname, "(none)"), 0);
    CHECK_EQ(uname((struct utsname *)8), -1);
    CHECK_EQ(errno, EFAULT);
    return 0;
}

USERTEST(bbox_sysinfo)
{
    struct sysinfo s;
    memset(&s, 0xff, sizeof s);
    CHECK_EQ(sysinfo(&s), 0);
    CHECK_EQ(s.mem_unit, 1);
    CHECK_EQ(s.freeram > 0, 1);
    CHECK_EQ(s.totalram >= s.freeram, 1);
    CHECK_EQ(s.freeram % 4096, 0);
    CHECK_EQ(s.totalswap, 0);
    CHECK_EQ(s.loads[0], 0);
    CHECK_EQ(s.procs >= 1, 1);      /* usertests itself at least */
    CHECK_EQ(s.uptime < 100000, 1); /* seconds since boot */
    CHECK_EQ(sysinfo((struct sysinfo *)8), -1);
    CHECK_EQ(errno, EFAULT);
    return 0;
}

USERTEST(bbox_priority)
{
    errno = 0;
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), 0);
    CHECK_EQ(errno, 0);
    CHECK_EQ(setpriority(PRIO_PROCESS, 0, 5), 0);
    CHECK_EQ(getpriority(PRIO_PROCESS, getpid()), 5);
    CHECK_EQ(nice(3), 8);
    CHECK_EQ(setpriority(PRIO_PROCESS, 0, 100), 0); /* clamped */
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), 19);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) /* the child inherits the nice value */
        _exit(getpriority(PRIO_PROCESS, 0));
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 19 << 8);
    CHECK_EQ(setpriority(PRIO_PROCESS, 0, -30), 0); /* root: clamped to -20 */
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), -20);
    CHECK_EQ(setpriority(PRIO_PROCESS, 0, 0), 0);
    /* another process, by pid and by group (pm keeps them): a child waiting on a pipe */
    CHECK_EQ(setpriority(PRIO_PROCESS, 0, 4), 0);
    CHECK_EQ(setpgid(0, 0), 0); /* a group of our own: the child and us */
    int p[2];
    CHECK_EQ(pipe(p), 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        _exit(read(p[0], &c, 1) == 0 ? getpriority(PRIO_PROCESS, 0) : 99);
    }
    close(p[0]);
    CHECK_EQ(getpriority(PRIO_PROCESS, pid), 4); /* inherited */
    CHECK_EQ(setpriority(PRIO_PROCESS, pid, 11), 0);
    CHECK_EQ(getpriority(PRIO_PROCESS, pid), 11);
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), 4);
    CHECK_EQ(getpriority(PRIO_PGRP, 0), 4); /* the group's highest priority: ours */
    CHECK_EQ(setpriority(PRIO_PGRP, 0, 6), 0);
    CHECK_EQ(getpriority(PRIO_PROCESS, pid), 6);
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), 6);
    close(p[1]);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 6 << 8);
    CHECK_EQ(getpriority(PRIO_PGRP, 30000), -1);
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(setpriority(PRIO_PROCESS, 0, 0), 0);
    CHECK_EQ(getpriority(3, 0), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(getpriority(PRIO_PROCESS, 30000), -1);
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(setpriority(PRIO_PROCESS, 30000, 1), -1);
    CHECK_EQ(errno, ESRCH);
    return 0;
}

USERTEST(bbox_affinity)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    int cpus = CPU_COUNT(&set); /* every CPU exo runs envs on: the harness checks the number */
    printf("    bbox_affinity: %d cpus\n", cpus);
    CHECK_EQ(cpus >= 1, 1);
    for (int i = 0; i < cpus; i++)
        CHECK_EQ(!!CPU_ISSET(i, &set), 1); /* CPUs 0..n-1, none past them */
    CHECK_EQ(CPU_ISSET(cpus, &set), 0);
    CHECK_EQ(syscall(SYS_sched_getaffinity, 0, 128L, &set), 8); /* the kernel's mask size */
    CHECK_EQ(syscall(SYS_sched_getaffinity, 0, 4L, &set), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_sched_getaffinity, 0, 12L, &set), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(sched_getaffinity(getppid(), sizeof set, &set), 0); /* another process */
    CHECK_EQ(CPU_COUNT(&set), cpus);
    CHECK_EQ(sched_getaffinity(30000, sizeof set, &set), -1);
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(syscall(SYS_sched_getaffinity, 0, 8L, (void *)8), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(sysconf(_SC_NPROCESSORS_ONLN), cpus);
    return 0;
}

USERTEST(bbox_prctl_name)
{
    char name[16];
    CHECK_EQ(prctl(PR_SET_NAME, "worker"), 0);
    memset(name, 'x', sizeof name);
    CHECK_EQ(prctl(PR_GET_NAME, name), 0);
    CHECK_EQ(strcmp(name, "worker"), 0);
    CHECK_EQ(name[15], 0);
    CHECK_EQ(prctl(PR_SET_NAME, "a-name-longer-than-fifteen"), 0);
    CHECK_EQ(prctl(PR_GET_NAME, name), 0);
    CHECK_EQ(strcmp(name, "a-name-longer-t"), 0); /* cut at 15 bytes */
    CHECK_EQ(prctl(PR_GET_NAME, (char *)8), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(prctl(12345, 0), -1);
    CHECK_EQ(errno, EINVAL);
    return 0;
}

USERTEST(bbox_syslog)
{
    char buf[64];
    CHECK_EQ(klogctl(10, NULL, 0), 0); /* size of the (empty) ring */
    CHECK_EQ(klogctl(3, buf, sizeof buf), 0);
    CHECK_EQ(klogctl(9, NULL, 0), 0);
    CHECK_EQ(klogctl(8, NULL, 4), 0);
    CHECK_EQ(klogctl(8, NULL, 9), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(klogctl(3, NULL, 10), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(klogctl(3, buf, -1), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(klogctl(99, buf, 1), -1);
    CHECK_EQ(errno, EINVAL);
    return 0;
}

USERTEST(bbox_adjtimex)
{
    struct timex t;
    memset(&t, 0x55, sizeof t);
    t.modes = 0;
    CHECK_EQ(adjtimex(&t), TIME_ERROR);
    CHECK_EQ(t.status, STA_UNSYNC);
    CHECK_EQ(t.offset, 0);
    CHECK_EQ(t.freq, 0);
    CHECK_EQ(t.maxerror, 16000000);
    CHECK_EQ(t.tick, 10000);
    CHECK_EQ(t.tai, 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    CHECK_EQ(ts.tv_sec - t.time.tv_sec <= 1, 1);
    CHECK_EQ(t.time.tv_usec >= 0 && t.time.tv_usec < 1000000, 1);
    t.modes = ADJ_OFFSET;
    CHECK_EQ(adjtimex(&t), -1);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(adjtimex((struct timex *)8), -1);
    CHECK_EQ(errno, EFAULT);
    return 0;
}

USERTEST(bbox_statfs)
{
    struct statfs s;
    memset(&s, 0x55, sizeof s);
    CHECK_EQ(statfs("/", &s), 0);
    CHECK_EQ(s.f_type, 0x858458f6);
    CHECK_EQ(s.f_bsize, 4096);
    CHECK_EQ(s.f_blocks, 0);
    CHECK_EQ(s.f_bfree, 0);
    CHECK_EQ(s.f_files, 0);
    CHECK_EQ(s.f_namelen, 255);
    CHECK_EQ(s.f_frsize, 4096);
    CHECK_EQ(s.f_flags, 0x20);
    CHECK_EQ(statfs("/no/such/dir", &s), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(statfs("/usertests/x", &s), -1);
    CHECK_EQ(errno, ENOTDIR);
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_EQ(fd >= 0, 1);
    memset(&s, 0, sizeof s);
    CHECK_EQ(fstatfs(fd, &s), 0);
    CHECK_EQ(s.f_type, 0x858458f6);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(fstatfs(fd, &s), -1);
    CHECK_EQ(errno, EBADF);
    /* (musl's statfs zeroes *buf itself first: a bad pointer faults in musl, not here) */
    CHECK_EQ(syscall(SYS_statfs, "/", (void *)8), -1);
    CHECK_EQ(errno, EFAULT);
    return 0;
}

USERTEST(bbox_sync)
{
    int fd = open("/bbox_sync", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK_EQ(fd >= 0, 1);
    CHECK_EQ(write(fd, "abc", 3), 3);
    CHECK_EQ(fsync(fd), 0);
    CHECK_EQ(fdatasync(fd), 0);
    CHECK_EQ(syncfs(fd), 0);
    sync();
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(fsync(p[0]), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(fdatasync(p[1]), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syncfs(p[0]), 0);
    CHECK_EQ(close(p[0]), 0);
    CHECK_EQ(close(p[1]), 0);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(fsync(fd), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(syncfs(fd), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(unlink("/bbox_sync"), 0);
    return 0;
}

USERTEST(bbox_sendfile)
{
    char data[10000];
    for (int i = 0; i < (int)sizeof data; i++)
        data[i] = (char)('a' + i % 26);
    int in = open("/bbox_sf_in", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK_EQ(write(in, data, sizeof data), (long)sizeof data);
    int out = open("/bbox_sf_out", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK_EQ(out >= 0, 1);
    /* with an offset: *off moves, in's own offset stays */
    off_t off = 100;
    CHECK_EQ(sendfile(out, in, &off, 5000), 5000);
    CHECK_EQ(off, 5100);
    CHECK_EQ(lseek(in, 0, SEEK_CUR), (long)sizeof data);
    /* without: from in's offset, which moves; stops at the end */
    CHECK_EQ(lseek(in, 9000, SEEK_SET), 9000);
    CHECK_EQ(sendfile(out, in, NULL, 5000), 1000);
    CHECK_EQ(lseek(in, 0, SEEK_CUR), 10000);
    CHECK_EQ(sendfile(out, in, NULL, 5000), 0);
    char got[6000];
    CHECK_EQ(pread(out, got, sizeof got, 0), 6000);
    CHECK_EQ(memcmp(got, data + 100, 5000), 0);
    CHECK_EQ(memcmp(got + 5000, data + 9000, 1000), 0);
    /* to a pipe */
    int p[2];
    CHECK_EQ(pipe(p), 0);
    off = 0;
    CHECK_EQ(sendfile(p[1], in, &off, 26), 26);
    CHECK_EQ(read(p[0], got, 100), 26);
    CHECK_EQ(memcmp(got, data, 26), 0);
    /* errors: from a pipe, to O_APPEND, bad fds, a negative offset */
    CHECK_EQ(sendfile(out, p[0], NULL, 10), -1);
    CHECK_EQ(errno, EINVAL);
    int app = open("/bbox_sf_out", O_WRONLY | O_APPEND);
    CHECK_EQ(sendfile(app, in, &off, 10), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(sendfile(out, 99, NULL, 10), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(sendfile(99, in, NULL, 10), -1);
    CHECK_EQ(errno, EBADF);
    int ro = open("/bbox_sf_out", O_RDONLY);
    CHECK_EQ(sendfile(ro, in, &off, 10), -1);
    CHECK_EQ(errno, EBADF);
    off = -1;
    CHECK_EQ(sendfile(out, in, &off, 10), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(sendfile(out, in, (off_t *)8, 10), -1);
    CHECK_EQ(errno, EFAULT);
    close(app);
    close(ro);
    close(p[0]);
    close(p[1]);
    close(in);
    close(out);
    CHECK_EQ(unlink("/bbox_sf_in"), 0);
    CHECK_EQ(unlink("/bbox_sf_out"), 0);
    return 0;
}

/* busybox is in the image: exec of /bin/sh (a symlink to /bin/busybox) runs its shell, which
 * runs an applet by its link name too, and an applet's exit status comes back exactly. */
USERTEST(bbox_exec_bin_sh)
{
    char lnk[32] = {0};
    CHECK_EQ(readlink("/bin/sh", lnk, sizeof lnk - 1), 12);
    CHECK_EQ(strcmp(lnk, "/bin/busybox"), 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"sh", "-c", "test \"$(echo abc | tr a-c x-z)\" = xyz && exit 7", NULL};
        execve("/bin/sh", argv, NULL);
        _exit(99);
    }
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 7 << 8);
    pid = fork();
    if (pid == 0) {
        char *argv[] = {"false", NULL};
        execve("/bin/false", argv, NULL);
        _exit(99);
    }
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 1 << 8);
    return 0;
}
