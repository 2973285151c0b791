/*
 * lx_calls.c: the fast path's count. Run plainly, it runs itself twice (execve of
 * /proc/self/exe, argv {"lx_calls", "loop"}) with TESSERA_LINUX_STATS=1 in the environment, the
 * second time with TESSERA_LINUX_TRAP=1 too; each makes 1000 getpid calls and one numbered 1000
 * (none: -ENOSYS, a fault past the trampoline's sled when rewritten), then numbers no Linux
 * call has that land elsewhere through a rewritten site: inside the trampoline's jump, on its
 * hlt bytes, outside the page, in the kernel half, non-canonical; each is -ENOSYS as on
 * Linux, with every register a `syscall` keeps kept (stray_regs). On Linux the two
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

/* A `syscall` of number n (rewritten in Tessera) with known values in every register Linux
 * keeps across one: 1 if all are there after it and the result is -ENOSYS. */
static int stray_regs(long n)
{
    long rax = n, rbx = 0x1111, rdx = 0x2222, rsi = 0x3333, rdi = 0x4444, r8 = 0x5555, r9 = 0x6666,
         r10 = 0x7777, r12 = 0x8888, r13 = 0x9999, r14 = 0xaaaa, r15 = 0xbbbb;
    long bp_before, bp_after;
    __asm__ volatile("mov %%rbp, %0" : "=r"(bp_before));
    register long r8_ __asm__("r8") = r8, r9_ __asm__("r9") = r9, r10_ __asm__("r10") = r10,
                      r12_ __asm__("r12") = r12, r13_ __asm__("r13") = r13,
                      r14_ __asm__("r14") = r14, r15_ __asm__("r15") = r15;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+b"(rbx), "+d"(rdx), "+S"(rsi), "+D"(rdi), "+r"(r8_), "+r"(r9_),
                       "+r"(r10_), "+r"(r12_), "+r"(r13_), "+r"(r14_), "+r"(r15_)
                     :
                     : "rcx", "r11", "memory");
    __asm__ volatile("mov %%rbp, %0" : "=r"(bp_after));
    return rax == -ENOSYS && rbx == 0x1111 && rdx == 0x2222 && rsi == 0x3333 && rdi == 0x4444 &&
           r8_ == r8 && r9_ == r9 && r10_ == r10 && r12_ == r12 && r13_ == r13 && r14_ == r14 &&
           r15_ == r15 && bp_before == bp_after;
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
    long r = syscall(1000); /* no such number: past the sled, a fault made -ENOSYS */
    printf("call 1000: %ld errno %d\n", r, errno);
    /* the jump, inside it, the hlt after, further, outside the page */
    static const long stray[] = {
        512,
        513,
        514,
        515,
        516,
        517,
        518,
        1024,
        2048,
        4095,
        4096,
        0xf000,
        0x10000,
        -1,
        -4096,
        (1l << 47) + 1000,
        -(1l << 47) - 1,
        0x123456789a,
    };
    for (unsigned i = 0; i < sizeof stray / sizeof stray[0]; i++)
        printf("call %#lx: %s\n", stray[i],
               stray_regs(stray[i]) ? "ENOSYS, registers kept" : "WRONG");
    /* Linux's number is eax alone: rax's upper half is ignored (here a call outside the
     * trampoline page, then the same table) */
    long hi = syscall(SYS_getpid | (1l << 32));
    printf("call getpid | 1 << 32: %s\n", hi == me ? "getpid" : "WRONG");
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
