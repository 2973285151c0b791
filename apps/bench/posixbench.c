/*
 * posixbench.c: `./tessera bench posix`'s program, one source for both guests: built by
 * tessera-cc as a Tessera native program (init.run=posixbench) and by gcc -static as the Linux
 * guest's /init. Each operation runs WARM times, then N times between two CLOCK_MONOTONIC
 * readings, and prints one row:
 *     posixbench: guest=G op=NAME iters=N ns_per_op=F exo_calls_per_op=F
 * (exo_calls_per_op: exo's own count, Tessera only; -1 on Linux). Under -icount shift=0 a
 * nanosecond is one guest instruction, so ns_per_op counts instructions and repeats exactly.
 * An operation the system cannot do yet prints "op=NAME unsupported errno=E" instead, so the
 * benchmark keeps running as the libOS grows. "posixbench: done" ends the run.
 *
 * The gcc -static build is also `./tessera bench linux`'s program (build/bench_linux.py), the
 * same file in both guests: the Linux guest's /init (pid 1: guest=linux, as for bench posix)
 * and, unmodified, Tessera's /lx/lx_posixbench, run by lxrun with argv {NAME, GUEST}:
 * guest=GUEST. A GUEST ending in "trap" execs itself again with TESSERA_LINUX_TRAP=1 in its
 * environment (every call traps; the children inherit it). After its rows such a run execs
 * itself once more as "--probe" (1000 getpid calls) with TESSERA_LINUX_STATS=1, so that the
 * runtime's exit report says how the calls came in ("linux: N calls direct, M trapped; ...")
 * without a report from every timed child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#if !ON_TESSERA
#include <linux/reboot.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#undef GUEST
#define GUEST guest /* argv[1] when not the Linux guest's /init (bench linux runs it twice) */
#endif

#define WARM 16
#define FILE_BYTES (64 * 1024)
#define MMAP_BYTES (1 << 20)

static char *self; /* argv[0]: exec'd again with "--exit" */
#if !ON_TESSERA
static const char *guest = "linux"; /* argv[1] when not the Linux guest's /init */
static char self_path[4096];
#endif
static int ping[2], pong[2];
static int file_fd = -1;
static long pread_off;

/* Each op returns 0, or an errno that says the system cannot do it (the row says so). */
static int op_getpid(void)
{
    return syscall(SYS_getpid) > 0 ? 0 : errno;
}

static int op_clock_gettime(void)
{
    struct timespec t;
    return clock_gettime(CLOCK_MONOTONIC, &t) == 0 ? 0 : errno;
}

/* One byte to the child through ping, one back through pong. */
static int op_pipe_round_trip(void)
{
    char c = 'x';
    if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
        return errno ? errno : EIO;
    return 0;
}

static int op_pread_4k(void)
{
    static char buf[4096];
    ssize_t n = pread(file_fd, buf, sizeof buf, pread_off);
    pread_off = (pread_off + 4096) % FILE_BYTES;
    return n == (ssize_t)sizeof buf ? 0 : (n < 0 ? errno : EIO);
}

static int reap(pid_t pid, int want)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return errno;
    return WIFEXITED(st) && WEXITSTATUS(st) == want ? 0 : ECHILD;
}

static int op_fork_exit_wait(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0)
        _exit(7);
    return reap(pid, 7);
}

static int op_fork_exec_wait(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0) {
        char *argv[] = {self, "--exit", NULL};
        execv(self, argv);
        _exit(127);
    }
    return reap(pid, 9);
}

static int op_mmap_touch_1m(void)
{
    char *p = mmap(NULL, MMAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return errno;
    for (size_t i = 0; i < MMAP_BYTES; i += 4096)
        p[i] = 1;
    return munmap(p, MMAP_BYTES) == 0 ? 0 : errno;
}

/* Set-up before an op's rows (0, or why it cannot run) and tear-down after. */
static int pipe_setup(void)
{
    if (pipe(ping) || pipe(pong))
        return errno;
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0) { /* the echo: until ping's writer closes */
        char c;
        close(ping[1]);
        close(pong[0]);
        while (read(ping[0], &c, 1) == 1 && write(pong[1], &c, 1) == 1)
            ;
        _exit(0);
    }
    close(ping[0]);
    close(pong[1]);
    return 0;
}

static void pipe_teardown(void)
{
    close(ping[1]);
    close(pong[0]);
    wait(NULL);
}

static int file_setup(void)
{
    static char buf[FILE_BYTES];
    mkdir("/tmp", 0777);
    file_fd = open("/tmp/posixbench.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (file_fd < 0)
        return errno;
    memset(buf, 0x5a, sizeof buf);
    if (write(file_fd, buf, sizeof buf) != (ssize_t)sizeof buf)
        return errno ? errno : EIO;
    return 0;
}

static void file_teardown(void)
{
    close(file_fd);
    unlink("/tmp/posixbench.dat");
}

static const struct {
    const char *name;
    int (*op)(void);
    int iters;
    int (*setup)(void);
    void (*teardown)(void);
} ops[] = {
    {"getpid", op_getpid, 20000, NULL, NULL},
    {"clock_gettime", op_clock_gettime, 20000, NULL, NULL},
    {"pipe_round_trip", op_pipe_round_trip, 2000, pipe_setup, pipe_teardown},
    {"pread_4k", op_pread_4k, 5000, file_setup, file_teardown},
    {"fork_exit_wait", op_fork_exit_wait, 50, NULL, NULL},
    {"fork_exec_wait", op_fork_exec_wait, 30, NULL, NULL},
    {"mmap_touch_munmap_1m", op_mmap_touch_1m, 50, NULL, NULL},
};

static void run(size_t i)
{
    int e = ops[i].setup ? ops[i].setup() : 0;
    for (int k = 0; k < WARM && !e; k++)
        e = ops[i].op();
    if (e) {
        printf("posixbench: guest=%s op=%s unsupported errno=%d\n", GUEST, ops[i].name, e);
        fflush(stdout);
        return; /* no tear-down: what set-up made stays (a half-made pipe echo, a file) */
    }
    long c0 = exo_calls();
    long long t0 = now_ns();
    for (int k = 0; k < ops[i].iters && !e; k++)
        e = ops[i].op();
    long long t1 = now_ns();
    long c1 = exo_calls();
    if (ops[i].teardown)
        ops[i].teardown();
    if (e) {
        printf("posixbench: guest=%s op=%s failed errno=%d\n", GUEST, ops[i].name, e);
    } else {
        /* the second count is one call itself (Tessera) */
        double calls = c0 < 0 ? -1.0 : (double)(c1 - c0 - 1) / ops[i].iters;
        printf("posixbench: guest=%s op=%s iters=%d ns_per_op=%.1f exo_calls_per_op=%.2f\n", GUEST,
               ops[i].name, ops[i].iters, (double)(t1 - t0) / ops[i].iters, calls);
    }
    fflush(stdout);
}

#if !ON_TESSERA
/* "--probe": the calls the exit report counts (bench linux). */
static int probe(void)
{
    for (int i = 0; i < 1000; i++)
        syscall(SYS_getpid);
    return 0;
}

/* This binary again as argv {argv0, arg} with env: execve, or fork + execve + wait (0, or the
 * errno or status that went wrong). */
static int again(const char *argv0, char *arg, char **env, int do_fork)
{
    char *args[] = {(char *)argv0, arg, NULL};
    pid_t pid = do_fork ? fork() : 0;
    if (pid < 0)
        return errno;
    if (pid == 0) {
        execve(self, args, env);
        if (!do_fork)
            return errno;
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--exit") == 0)
        return 9; /* fork_exec_wait's child */
    self = argv[0];
#if !ON_TESSERA
    if (argc > 1 && strcmp(argv[1], "--probe") == 0)
        return probe();
    /* lxrun gives a bare name as argv[0]: exec needs the file's path */
    ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (!strchr(self, '/')) {
        self_path[n > 0 ? n : 0] = 0;
        self = n > 0 ? self_path : "/proc/self/exe";
    }
    int init = getpid() == 1; /* the Linux guest's /init */
    if (!init && argc > 1)
        guest = argv[1];
    size_t gl = strlen(guest);
    int trap = gl >= 4 && strcmp(guest + gl - 4, "trap") == 0;
    if (trap && !getenv("TESSERA_LINUX_TRAP")) {
        char *env[] = {"TESSERA_LINUX_TRAP=1", NULL};
        int e = again(argv[0], argv[1], env, 0);
        printf("posixbench: guest=%s exec with TESSERA_LINUX_TRAP=1 failed errno=%d\n", guest, e);
        return 1;
    }
    if (init) {
        struct utsname u; /* the CSV records which kernel made the rows */
        if (uname(&u) == 0)
            printf("posixbench: kernel release=%s version=%s\n", u.release, u.version);
        mkdir("/tmp", 0777);
        mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
    }
#endif
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        run(i);
#if !ON_TESSERA
    if (!init) {
        char *env[] = {"TESSERA_LINUX_STATS=1", trap ? "TESSERA_LINUX_TRAP=1" : NULL, NULL};
        printf("posixbench: guest=%s probe\n", guest);
        fflush(stdout);
        int e = again(argv[0], "--probe", env, 1);
        printf("posixbench: guest=%s probe exit %d\n", guest, e);
    }
#endif
    printf("posixbench: done\n");
    fflush(stdout);
#if !ON_TESSERA
    if (init)
        reboot(LINUX_REBOOT_CMD_POWER_OFF);
#endif
    return 0;
}
