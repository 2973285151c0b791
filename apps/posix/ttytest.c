/*
 * ttytest.c: typing at the console (libos.boot.tty, libos/posix/tests/native_boot_test.py):
 * prints a prompt line, reads what the host types, prints exactly what read() returned
 * (escaped). Lines with erase, word-erase and kill; raw mode with VMIN; ^D; ^Z, which stops a
 * child reading as the foreground group (job control); ^C, which ends it.
 * The host checks the echo and the results byte for byte.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* ^Z: SIGTSTP to the foreground group. As a shell does it: the child in a group of its own
 * made the foreground one, ^Z stops it, we take the terminal back (ignoring SIGTTOU: we are in
 * the background then). Our own group is orphaned (our parent is init, of another session), so
 * a ^Z to it would be discarded: job control needs the child's group. */
static void suspend_child(void)
{
    signal(SIGTTOU, SIG_IGN);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        char b[8];
        setpgid(0, 0);
        tcsetpgrp(0, getpid()); /* (SIGTTOU ignored, from the parent) */
        signal(SIGTTOU, SIG_DFL);
        printf("ttytest: type ^Z\n"); /* from the child: it is there when ^Z comes */
        fflush(stdout);
        read(0, b, sizeof b);
        _exit(0);
    }
    setpgid(c, c);
    int st = 0;
    waitpid(c, &st, WUNTRACED);
    tcsetpgrp(0, getpgrp());
    printf("ttytest: child %s by signal %d\n", WIFSTOPPED(st) ? "stopped" : "ended",
           WIFSTOPPED(st) ? WSTOPSIG(st) : -1);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    signal(SIGTTOU, SIG_DFL);
}

static void show(long n, const char *b)
{
    printf("ttytest: read %ld bytes \"", n);
    for (long i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == '\n')
            printf("\\n");
        else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("\"\n");
}

static void read_once(void)
{
    char b[256];
    long n = read(0, b, sizeof b);
    show(n, b);
}

int main(void)
{
    printf("ttytest: type a line\n");
    read_once();
    printf("ttytest: type a line\n");
    read_once();
    struct termios saved, raw;
    tcgetattr(0, &saved);
    raw = saved;
    raw.c_lflag &= ~(ICANON | ECHO | ISIG);
    raw.c_cc[VMIN] = 3;
    raw.c_cc[VTIME] = 0;
    tcsetattr(0, TCSANOW, &raw);
    printf("ttytest: type raw\n");
    read_once();
    tcsetattr(0, TCSAFLUSH, &saved);
    printf("ttytest: type eof\n");
    read_once();
    read_once();
    suspend_child();
    printf("ttytest: type ^C\n");
    read_once(); /* SIGINT ends us here */
    printf("ttytest: still here after ^C\n");
    return 1;
}
