/*
 * lxrun.c: `lxrun NAME...`, the in-guest half of the Linux binaries' boot tests
 * (libos/linux/tests/linux_boot_test.py, diff_test.py): for each NAME, a line "=== NAME", then
 * the Linux binary /lx/NAME run as fork + execve with argv {NAME, "a", "bc"} and envp
 * {"LXENV=1"}, its output going to the console as it comes, then "=== NAME: exit N" or
 * "=== NAME: signal N". NAME:ARG runs /lx/NAME with argv {NAME, ARG} instead (`lx_calls:bench`),
 * NAME:A:B... with argv {NAME, A, B...} (`dyn/ls:-1aF:lx/tree`, the host's own programs at
 * /lx/dyn; `busybox-static:sh:/lx/bbdiff.sh`). @FILE runs each line of FILE as such a NAME
 * (`@/lx/dyn.list`: the command line holds 255 bytes).
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

static void run(const char *spec)
{
    printf("=== %s\n", spec);
    fflush(stdout);
    char path[300], name[256];
    snprintf(name, sizeof name, "%s", spec);
    char *args[16] = {name, "a", "bc", NULL}, *arg = strchr(name, ':');
    for (int n = 1; arg && n < 15; n++) { /* NAME:A:B...: argv {NAME, A, B...} */
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
        printf("=== %s: signal %d\n", spec, WTERMSIG(st));
    else
        printf("=== %s: exit %d\n", spec, WEXITSTATUS(st));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int init = getpid() == 1; /* Linux's /init (diff_test.py): Tessera's init is pm's */
    if (init && mount("proc", "/proc", "proc", 0, NULL) != 0)
        perror("mount /proc");
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '@') {
            run(argv[i]);
            continue;
        }
        FILE *f = fopen(argv[i] + 1, "r");
        if (!f) {
            perror(argv[i] + 1);
            continue; /* as pid 1 it must still reach the power-off below */
        }
        char line[256];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            if (line[0])
                run(line);
        }
        fclose(f);
    }
    if (init) {
        printf("lxrun: done\n");
        fflush(stdout);
        sync();
        reboot(RB_POWER_OFF);
    }
    return 0;
}
