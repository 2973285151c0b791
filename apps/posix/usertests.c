/*
 * usertests.c: runs the usertests table (usertests.h) in the order the linker laid it out,
 * each test in a child process of its own (fork): the child's exit status is the verdict, so
 * a test that crashes or is killed is a FAIL (with how it ended), never a hung or broken run,
 * and no test sees another's leftovers. `usertests --exec-check ...` is the image a test execs
 * (ut_proc.c), `usertests --job-pause` another (ut_job.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usertests.h"

/* 0 if the test passed in its own process; how it ended is said otherwise. */
static int run(const struct usertest *t)
{
    fflush(stdout); /* or the child would print our buffered bytes again */
    pid_t pid = fork();
    if (pid < 0) {
        printf("    fork: %d\n", (int)pid);
        return 1;
    }
    if (pid == 0) {
        int r = t->fn();
        fflush(stdout);
        _exit(r ? 1 : 0);
    }
    int status = 0;
    pid_t w = waitpid(pid, &status, 0);
    if (w != pid) {
        printf("    waitpid: %d\n", (int)w);
        return 1;
    }
    if (WIFSIGNALED(status))
        printf("    killed by signal %d%s\n", WTERMSIG(status),
               WCOREDUMP(status) ? " (core dumped)" : "");
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int ut_proc_exec_check(int argc, char **argv, char **envp); /* ut_proc.c: exec's far side */
int ut_lim_ids(int argc, char **argv);                      /* ut_lim.c: set-ID exec's far side */
int ut_lim_mbox(int argc, char **argv); /* ut_lim.c: an exec's mailbox pages are new */
int ut_sig2_exec(void);                 /* ut_sig2.c: what exec kept of the signal state */
int ut_proc_shebang_check(int argc, char **argv); /* ut_proc.c: a script's interpreter */

int main(int argc, char **argv, char **envp)
{
    if (argc > 1 && strcmp(argv[1], "--exec-check") == 0)
        return ut_proc_exec_check(argc, argv, envp);
    if (argc > 1 && strcmp(argv[1], "--lim-ids") == 0)
        return ut_lim_ids(argc, argv);
    if (argc > 1 && strcmp(argv[1], "--lim-mbox") == 0)
        return ut_lim_mbox(argc, argv);
    if (argc > 1 && strncmp(argv[1], "--shebang", 9) == 0)
        return ut_proc_shebang_check(argc, argv);
    if (argc > 1 && strcmp(argv[1], "--sig2-exec") == 0)
        return ut_sig2_exec();
    if (argc > 1 && strcmp(argv[1], "--job-pause") == 0)
        for (;;)
            pause(); /* an exec'd child for ut_job.c's setpgid */
    /* usertests --only NAME [TIMES]: one test, TIMES times (a flaky one, hunted on N CPUs);
     * NAME* runs those whose names start with NAME (libos.boot.cache-ext2: cache_*). */
    const char *only = argc > 2 && strcmp(argv[1], "--only") == 0 ? argv[2] : NULL;
    int times = only && argc > 3 ? atoi(argv[3]) : 1;
    int passed = 0, failed = 0;
    for (const struct usertest *t = __start_usertests; t < __stop_usertests; t++) {
        size_t n = only ? strlen(only) : 0; /* "NAME*": every test whose name starts so */
        if (only && (n && only[n - 1] == '*' ? strncmp(t->name, only, n - 1) != 0
                                             : strcmp(t->name, only) != 0))
            continue;
        for (int i = 0; i < times; i++) {
            int r = run(t);
            printf("usertests: %s: %s\n", t->name, r ? "FAIL" : "ok");
            fflush(stdout);
            r ? failed++ : passed++;
        }
    }
    printf("usertests: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
