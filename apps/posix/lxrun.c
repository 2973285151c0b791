/*
 * lxrun.c: `lxrun NAME...`, the in-guest half of the Linux binaries' boot test
 * (libos/linux/tests/linux_boot_test.py): for each NAME, a line "=== NAME", then the Linux
 * binary /lx/NAME run as fork + execve with argv {NAME, "a", "bc"} and envp {"LXENV=1"}, its
 * output going to the console as it comes, then "=== NAME: exit N" or "=== NAME: signal N".
 * NAME:ARG runs /lx/NAME with argv {NAME, ARG} instead (`lx_calls:bench`).
 * The host runs the same binaries the same way and compares (lxrun is a native program;
 * the binaries are not).
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        printf("=== %s\n", argv[i]);
        fflush(stdout);
        char path[128], name[64];
        snprintf(name, sizeof name, "%s", argv[i]);
        char *arg = strchr(name, ':'); /* NAME:ARG: argv {NAME, ARG} */
        if (arg)
            *arg++ = 0;
        snprintf(path, sizeof path, "/lx/%s", name);
        pid_t c = fork();
        if (c == 0) {
            char *args[] = {name, arg ? arg : "a", arg ? NULL : "bc", NULL};
            char *env[] = {"LXENV=1", NULL};
            execve(path, args, env);
            perror("execve");
            _exit(127);
        }
        int st = 0;
        if (waitpid(c, &st, 0) != c)
            perror("waitpid");
        if (WIFSIGNALED(st))
            printf("=== %s: signal %d\n", argv[i], WTERMSIG(st));
        else
            printf("=== %s: exit %d\n", argv[i], WEXITSTATUS(st));
        fflush(stdout);
    }
    return 0;
}
