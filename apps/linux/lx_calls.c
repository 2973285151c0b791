/*
 * lx_calls.c: the fast path's count. Run plainly, it runs itself twice (execve of
 * /proc/self/exe, argv {"lx_calls", "loop"}) with TESSERA_LINUX_STATS=1 in the environment, the
 * second time with TESSERA_LINUX_TRAP=1 too; each makes 1000 getpid calls and one numbered 1000
 * (none: -ENOSYS, through the trampoline's first sled when rewritten). On Linux the two
 * variables mean nothing; in Tessera the runtime reports at exit how the calls came in
 * (libos/linux/call.c): all direct (0 trapped) with the sites rewritten, all trapped with
 * TESSERA_LINUX_TRAP=1 (libos/linux/tests/linux_boot_test.py checks both lines).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define N 1000

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "loop") == 0) {
        pid_t me = getpid();
        int same = 0;
        for (int i = 0; i < N; i++)
            same += syscall(SYS_getpid) == me;
        printf("%d of %d getpid calls agree\n", same, N);
        errno = 0;
        long r = syscall(1000); /* no such number: through the sled's end, -ENOSYS */
        printf("call 1000: %ld errno %d\n", r, errno);
        return 0;
    }
    char *env[2][3] = {{"TESSERA_LINUX_STATS=1", NULL, NULL},
                       {"TESSERA_LINUX_STATS=1", "TESSERA_LINUX_TRAP=1", NULL}};
    for (int k = 0; k < 2; k++) {
        printf("%s\n", k ? "by the trap" : "rewritten");
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
            char *args[] = {"lx_calls", "loop", NULL};
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
