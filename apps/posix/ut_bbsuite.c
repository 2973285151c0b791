/*
 * ut_bbsuite.c: what busybox's own testsuite (apps.boot.bbsuite) found missing in the libOS,
 * each as an exact test: exec carries an environment as large as pm's mailbox (runtest
 * exports OPTIONFLAGS, 13.6 KB, to every test), and refuses one past it with E2BIG.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usertests.h"

/* sh -c 'test ${#BIG} -eq N && exit 7' with BIG=N bytes in its environment: 7, or -1 errno. */
static int exec_env(size_t n)
{
    char *var = malloc(n + 5);
    if (!var)
        return -2;
    memcpy(var, "BIG=", 4);
    memset(var + 4, 'o', n);
    var[n + 4] = 0;
    fflush(stdout);
    int fds[2];
    if (pipe(fds) < 0)
        return -3;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char *argv[] = {"sh", "-c", "test ${#BIG} -eq 14000 && exit 7", NULL};
        char *envp[] = {"PATH=/bin", var, NULL};
        execve("/bin/sh", argv, envp);
        int e = errno;
        (void)!write(fds[1], &e, sizeof e);
        _exit(99);
    }
    close(fds[1]);
    free(var);
    int e = 0, st = 0;
    ssize_t got = read(fds[0], &e, sizeof e);
    close(fds[0]);
    if (waitpid(pid, &st, 0) != pid)
        return -4;
    if (got == (ssize_t)sizeof e) {
        errno = e;
        return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -5;
}

USERTEST(bbsuite_exec_big_env)
{
    CHECK_EQ(exec_env(14000), 7); /* Linux: up to 128 KiB a string */
    CHECK_EQ(exec_env(17000), -1);
    CHECK_EQ(errno, E2BIG);
    return 0;
}

USERTEST(bbsuite_popen_system_spawn)
{
    FILE *f = popen("echo HELLO; exit 3", "r");
    CHECK_EQ(f != NULL, 1);
    char buf[16] = {0};
    CHECK_EQ(fgets(buf, sizeof buf, f) != NULL, 1);
    CHECK_EQ(strcmp(buf, "HELLO\n"), 0);
    CHECK_EQ(pclose(f), 3 << 8);
    CHECK_EQ(system("exit 5"), 5 << 8);
    pid_t pid = 0;
    char *argv[] = {"false", NULL};
    CHECK_EQ(posix_spawn(&pid, "/bin/false", NULL, NULL, argv, NULL), 0);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 1 << 8);
    CHECK_EQ(posix_spawn(&pid, "/no/such", NULL, NULL, argv, NULL), ENOENT);
    return 0;
}
