/*
 * ut_procfs.c: /proc as ps, top, free, lsof and nproc read it (usertests.h): /proc/self/fd (a
 * link per descriptor, Linux's targets), environ as exec gave it, the CPU time a busy process
 * has in its stat, meminfo's total against sysinfo, one cpuinfo "processor" per CPU the
 * affinity mask names, /proc/stat's cpu lines, and /etc/passwd naming root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <exo/abi.h>
#include <proc/layout.h>
#include <proc/table.h>

#include "usertests.h"

static const char *link_of(int fd)
{
    static char l[256];
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    long n = readlink(p, l, sizeof l - 1);
    l[n > 0 ? n : 0] = 0;
    return n > 0 ? l : "(none)";
}

USERTEST(procfs_fd_links)
{
    mkdir("/tmp/ut_pfd", 0755);
    int f = open("/tmp/ut_pfd/a", O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_EQ(f >= 0, 1);
    CHECK_EQ(strcmp(link_of(f), "/tmp/ut_pfd/a"), 0);
    CHECK_EQ(rename("/tmp/ut_pfd/a", "/tmp/ut_pfd/b"), 0);
    CHECK_EQ(strcmp(link_of(f), "/tmp/ut_pfd/b"), 0);
    int d = open("/tmp/ut_pfd", O_RDONLY | O_DIRECTORY);
    CHECK_EQ(strcmp(link_of(d), "/tmp/ut_pfd"), 0);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(strncmp(link_of(p[0]), "pipe:[", 6), 0);
    int nul = open("/dev/null", O_WRONLY);
    CHECK_EQ(strcmp(link_of(nul), "/dev/null"), 0);
    CHECK_EQ(unlink("/tmp/ut_pfd/b"), 0);
    CHECK_EQ(strcmp(link_of(f), "/tmp/ut_pfd/b (deleted)"), 0);
    /* The directory lists exactly the open descriptors. */
    DIR *dir = opendir("/proc/self/fd");
    CHECK_EQ(dir != NULL, 1);
    int seen = 0, mine = dirfd(dir);
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        int n = atoi(e->d_name);
        CHECK_EQ(fcntl(n, F_GETFD) >= 0, 1); /* every entry is an open descriptor */
        CHECK_EQ(e->d_type, DT_LNK);
        seen |= (n == f) << 0 | (n == d) << 1 | (n == p[1]) << 2 | (n == mine) << 3;
    }
    closedir(dir);
    CHECK_EQ(seen, 15);
    char l[8];
    CHECK_EQ(readlink("/proc/self/fd/250", l, sizeof l), -1); /* not open */
    CHECK_EQ(errno, ENOENT);
    struct stat st;
    CHECK_EQ(lstat("/proc/self/fd", &st), 0);
    CHECK_EQ(S_ISDIR(st.st_mode), 1);
    CHECK_EQ(stat("/proc/self/fd/..", &st), 0); /* the pid directory */
    CHECK_EQ(S_ISDIR(st.st_mode), 1);
    /* Another process's descriptors: the parent's view of a child's. */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        char b;
        _exit(read(p[0], &b, 1) == 0 ? 0 : 1); /* waits for the parent to close */
    }
    char path[64], got[256];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)c, f);
    long n = readlink(path, got, sizeof got - 1);
    CHECK_EQ(n, (long)strlen("/tmp/ut_pfd/b (deleted)"));
    close(p[1]);
    close(p[0]);
    int s = -1;
    CHECK_EQ(waitpid(c, &s, 0), c);
    CHECK_EQ(s, 0);
    close(f);
    close(d);
    close(nul);
    CHECK_EQ(rmdir("/tmp/ut_pfd"), 0);
    return 0;
}

/* environ is what exec gave, NULs and all: busybox's cat prints it into a pipe. */
USERTEST(procfs_environ)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        dup2(p[1], 1);
        char *argv[] = {"cat", "/proc/self/environ", NULL};
        char *envp[] = {"A=1", "LONGER=two words", NULL};
        execve("/bin/cat", argv, envp);
        _exit(99);
    }
    close(p[1]);
    char got[64];
    long n = 0, r;
    while ((r = read(p[0], got + n, sizeof got - (size_t)n)) > 0)
        n += r;
    close(p[0]);
    int s = -1;
    CHECK_EQ(waitpid(c, &s, 0), c);
    CHECK_EQ(s, 0);
    CHECK_EQ(n, 21);
    CHECK_EQ(memcmp(got, "A=1\0LONGER=two words\0", 21), 0);
    return 0;
}

/* A process that computes for a while has CPU time in its stat (utime, field 14). */
USERTEST(procfs_cputime)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++)
            x += (unsigned long)i;
        clock_gettime(CLOCK_MONOTONIC, &t1);
    } while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 300000000L);
    CHECK_EQ(ut_slurp("/proc/self/stat") > 0, 1);
    char *q = strrchr(ut_text, ')');
    CHECK_EQ(q != NULL, 1);
    unsigned long utime = 0;
    char st;
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime */
    CHECK_EQ(sscanf(q + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu", &st, &utime), 2);
    CHECK_EQ(st, 'R');
    CHECK_EQ(utime >= 10, 1); /* at least 0.1 s of the 0.3 s it ran, in 1/100 s */
    CHECK_EQ(utime < 100000, 1);
    return 0;
}

USERTEST(procfs_machine)
{
    struct sysinfo si;
    CHECK_EQ(sysinfo(&si), 0);
    CHECK_EQ(ut_slurp("/proc/meminfo") > 0, 1);
    unsigned long total = 0;
    CHECK_EQ(sscanf(ut_text, "MemTotal: %lu kB", &total), 1);
    CHECK_EQ(total * 1024, si.totalram); /* one number, two views */
    CHECK_EQ(si.totalram > si.freeram, 1);
    cpu_set_t set;
    CHECK_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    CHECK_EQ(ut_slurp("/proc/cpuinfo") > 0, 1);
    int procs = 0;
    for (char *s = ut_text; (s = strstr(s, "processor\t: ")); s++)
        procs++;
    CHECK_EQ(procs, CPU_COUNT(&set));
    CHECK_EQ(ut_slurp("/proc/stat") > 0, 1);
    int lines = 0;
    for (char *s = ut_text; (s = strstr(s, "\ncpu")); s++)
        lines++;
    CHECK_EQ(lines, CPU_COUNT(&set)); /* cpu0..cpuN-1 after the first line's "cpu " */
    CHECK_EQ(strncmp(ut_text, "cpu  ", 5), 0);
    CHECK_EQ(ut_slurp("/etc/passwd") > 0, 1);
    CHECK_EQ(strncmp(ut_text, "root:x:0:0:", 11), 0);
    return 0;
}

/* A directory offset is any number lseek was given: past /proc's entries it is the end, never
 * an index into pm's table (a negative one once ended pm, and every process with it). */
USERTEST(procfs_readdir_any_offset)
{
    int fd = open("/proc", O_RDONLY | O_DIRECTORY);
    CHECK_EQ(fd >= 0, 1);
    char buf[1024];
    static const off_t offs[] = {0x80000014, 0x100000012, 0x7fffffffffffffff, 21, 1000};
    for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        CHECK_EQ(lseek(fd, offs[i], SEEK_SET), offs[i]);
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        CHECK_EQ(n >= 0, 1); /* the end, or the processes after that slot: never a crash */
    }
    CHECK_EQ(lseek(fd, 0x80000014, SEEK_SET), 0x80000014);
    CHECK_EQ(syscall(SYS_getdents64, fd, buf, sizeof buf), 0);
    close(fd);
    CHECK_EQ(ut_slurp("/proc/uptime") > 0, 1); /* pm still answers */
    return 0;
}

/* /proc/tessera's device half is what exo's observe call says: a line per virtio device (its
 * type, queue count), and on an ext2 root the disk's queue held by pm (init's env). */
USERTEST(procfs_tessera_shows_devices_and_queues)
{
    static const char *const types[] = {"?", "net", "blk", "console", "rng", "balloon"};
    CHECK_EQ(ut_slurp("/proc/tessera") > 0, 1);
    char *at = strstr(ut_text, "dev  type");
    CHECK_EQ(at != NULL, 1);
    for (uint64_t dev = 0;; dev++) {
        int64_t d = exo_observe(EXO_OBSERVE_VDEV, dev);
        if (d < 0) {
            CHECK_EQ(d, EXO_E_NOENT);
            break;
        }
        char want[64];
        uint64_t type = (uint64_t)d & 0xffff;
        snprintf(want, sizeof want, "\n%-4lu %-8s %-7lu ", (unsigned long)dev,
                 type < 6 ? types[type] : "?", (unsigned long)((uint64_t)d >> 16 & 0xffff));
        CHECK_EQ(strstr(at, want) != NULL, 1);
    }
    struct statfs s;
    CHECK_EQ(statfs("/", &s), 0);
    if (s.f_type == 0xEF53) { /* the disk's queue is pm's */
        const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
        int slot = proc_table_find(t, 1);
        CHECK_EQ(slot >= 0, 1);
        char want[64];
        snprintf(want, sizeof want, " holder %u inflight", t->e[slot].env);
        CHECK_EQ(strstr(at, want) != NULL, 1);
    }
    return 0;
}

/* /proc/PID/comm: the program's name as ps shows it (argv[0]'s last part), init's "init". */
USERTEST(procfs_comm)
{
    CHECK_EQ(ut_slurp("/proc/self/comm"), 10);
    CHECK_EQ(strcmp(ut_text, "usertests\n"), 0);
    CHECK_EQ(ut_slurp("/proc/1/comm"), 5);
    CHECK_EQ(strcmp(ut_text, "init\n"), 0);
    return 0;
}
