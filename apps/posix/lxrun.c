/*
 * lxrun.c: `lxrun NAME...`, the in-guest half of the Linux binaries' boot tests
 * (libos/linux/tests/linux_boot_test.py, diff_test.py): for each NAME, a line "=== NAME", then
 * the Linux binary /lx/NAME run as fork + execve with argv {NAME, "a", "bc"} and envp
 * {"LXENV=1"}, its output going to the console as it comes, then "=== NAME: exit N" or
 * "=== NAME: signal N". NAME:ARG[:ARG...] runs /lx/NAME with argv {NAME, ARG...} instead
 * (`lx_calls:bench`, `busybox-static:sh:/lx/bbdiff.sh`).
 * The host runs the same binaries the same way and compares (lxrun is a native program;
 * the binaries are not). The same source, built by gcc -static, is /init of diff_test.py's
 * Linux guest: as pid 1 it mounts /proc first and powers the machine off at the end.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXARGS 8

int main(int argc, char **argv)
{
    int init = getpid() == 1; /* Linux's /init (diff_test.py): Tessera's init is pm's */
    if (init && mount("proc", "/proc", "proc", 0, NULL) != 0)
        perror("mount /proc");
    for (int i = 1; i < argc; i++) {
        printf("=== %s\n", argv[i]);
        fflush(stdout);
        char path[300], name[256];
        snprintf(name, sizeof name, "%s", argv[i]);
        char *args[MAXARGS + 2] = {name, "a", "bc", NULL};
        char *arg = strchr(name, ':'); /* NAME:ARG...: argv {NAME, ARG...} */
        for (int n = 1; arg && n <= MAXARGS; n++) {
            *arg++ = 0;
            args[n] = arg;
            args[n + 1] = NULL;
            arg = strchr(arg, ':');
        }
        snprintf(path, sizeof path, "/lx/%s", name);
        pid_t c = fork();
        if (c == 0) {
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
    if (init) {
        printf("lxrun: done\n");
        fflush(stdout);
        sync();
        reboot(RB_POWER_OFF);
    }
    return 0;
}
