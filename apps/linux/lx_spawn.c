/*
 * lx_spawn.c: posix_spawn from an unmodified Linux binary (built with musl-gcc -static as
 * lx_spawn and with glibc's gcc -static as lx_gspawn): its clone is CLONE_VM | CLONE_VFORK
 * with the child on a stack of the parent's. lx/lx_hello (relative: the guest runs us in /,
 * beside /lx; the host in the directory above the binaries) runs with the arguments and
 * environment given, and its status comes back through waitpid; a file that is not there is
 * ENOENT (musl only: glibc's child reports a failed exec in memory it shares with the parent
 * on Linux, which the libOS's vfork does not share, so there it is not checked).
 */
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    char *argv[] = {"lx_hello", "spawned", NULL}, *envp[] = {"LXENV=2", NULL};
    pid_t pid = 0;
    fflush(stdout);
    int e = posix_spawn(&pid, "lx/lx_hello", NULL, NULL, argv, envp);
    int st = 0;
    pid_t w = e == 0 ? waitpid(pid, &st, 0) : -1;
    printf("spawn: %d, waited for it %d, exited %d status %d\n", e, w == pid, WIFEXITED(st),
           WEXITSTATUS(st));
#ifndef __GLIBC__
    e = posix_spawn(&pid, "lx/not-there", NULL, NULL, argv, envp);
    printf("spawn of a missing file: %s\n", e == 0 ? "0" : strerror(e));
#endif
    return 0;
}
