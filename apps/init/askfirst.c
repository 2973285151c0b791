/*
 * askfirst.c: busybox's askfirst action as a program (init starts `askfirst PROCESS...` for
 * an askfirst entry: init is pm and does not read the console itself). Prints "Please press
 * Enter to activate this console.", reads its console up to a newline, then execs the process
 * (argv[1]: "-/bin/sh" runs /bin/sh with argv[0] "-/bin/sh", a login shell). End of input
 * ends it (init starts it again). As busybox's init, the process is a session leader whose
 * controlling terminal is the console (a shell's job control needs one: tcsetpgrp, ^Z).
 * `askfirst --tsc PROCESS...` (init makes it so for exo's flag bench.prompt: `./tessera bench
 * boot --prompt`) also prints "askfirst: prompt tsc=T" before the prompt and "askfirst: enter
 * tsc=T" once Enter came: the guest's TSC, against exo's boot-times line.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void say_tsc(const char *what)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    char line[80];
    int n = snprintf(line, sizeof line, "askfirst: %s tsc=%llu\n", what,
                     (unsigned long long)hi << 32 | lo);
    write(1, line, (size_t)n);
}

int main(int argc, char **argv)
{
    int tsc = argc > 1 && strcmp(argv[1], "--tsc") == 0;
    if (tsc) {
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: askfirst PROGRAM [ARG...]\n");
        return 2;
    }
    static const char msg[] = "\nPlease press Enter to activate this console. ";
    if (tsc)
        say_tsc("prompt");
    write(1, msg, sizeof msg - 1);
    char c;
    ssize_t r;
    while ((r = read(0, &c, 1)) == 1 && c != '\n')
        ;
    if (r != 1)
        return 0;
    if (tsc)
        say_tsc("enter");
    setsid();               /* fails only if we lead a session already: fine */
    ioctl(0, TIOCSCTTY, 1); /* the console, even if a leader before us kept it */
    const char *path = argv[1][0] == '-' ? argv[1] + 1 : argv[1];
    char *const envp[] = {"HOME=/",     "PATH=/sbin:/usr/sbin:/bin:/usr/bin",
                          "TERM=vt100", "SHELL=/bin/sh",
                          "USER=root",  NULL};
    execve(path, argv + 1, envp);
    perror(path);
    return 127;
}
