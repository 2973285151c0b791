/*
 * lx_calls.c: the fast path's count. Run plainly, it runs itself twice (execve of
 * /proc/self/exe, argv {"lx_calls", "loop"}) with TESSERA_LINUX_STATS=1 in the environment, the
 * second time with TESSERA_LINUX_TRAP=1 too; each makes 1000 getpid calls and one numbered 1000
 * (none: -ENOSYS, through the trampoline's first sled when rewritten). On Linux the two
 * variables mean nothing; in Tessera the runtime reports at exit how the calls came in
 * (libos/linux/call.c): all direct (0 trapped) with the sites rewritten, all trapped with
 * TESSERA_LINUX_TRAP=1 (libos/linux/tests/linux_boot_test.py checks both lines). `lx_calls
 * bench` (lxrun's `lx_calls:bench`) makes 200,000 of each and prints the time per call.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N 1000
#define N_BENCH 200000

static long ns_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000000000L + b.tv_nsec - a->tv_nsec;
}

/* The child's part: n getpid calls and one numbered 1000; with `timed`, n of each, timed. */
static int loop(int n, int timed)
{
    pid_t me = getpid();
    int same = 0;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    for (int i = 0; i < n; i++)
        same += syscall(SYS_getpid) == me;
    long ns = ns_since(&t);
    printf("%d of %d getpid calls agree\n", same, n);
    if (timed)
        printf("getpid: %ld ns per call\n", ns / n);
    errno = 0;
    long r = syscall(1000); /* no such number: through the sled's end, -ENOSYS */
    printf("call 1000: %ld errno %d\n", r, errno);
    if (timed) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        for (int i = 0; i < n; i++)
            syscall(1000);
        printf("call 1000: %ld ns per call\n", ns_since(&t) / n);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "loop") == 0)
        return loop(N, 0);
    if (argc == 2 && strcmp(argv[1], "timed") == 0)
        return loop(N_BENCH, 1);
    int bench = argc == 2 && strcmp(argv[1], "bench") == 0;
    char *env[2][3] = {{"TESSERA_LINUX_STATS=1", NULL, NULL},
                       {"TESSERA_LINUX_STATS=1", "TESSERA_LINUX_TRAP=1", NULL}};
    for (int k = 0; k < 2; k++) {
        printf("%s\n", k ? "by the trap" : "rewritten");
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            char *args[] = {"lx_calls", bench ? "timed" : "loop", NULL};
            execve("/proc/self/exe", args, env[k]);
            perror("execve");
            _exit(127);
        }
        int st = 0;
        waitpid(c, &st, 0);
        printf("exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    return 0;
}
