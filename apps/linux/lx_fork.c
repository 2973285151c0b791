/*
 * lx_fork.c: processes and signals from an unmodified Linux binary: pipe + fork + wait, a
 * child's exit status, and a read a signal interrupts: made again after the handler with
 * SA_RESTART, EINTR without. getpid from one site in a loop, then fork: the child's answer
 * from the same site is its own pid (the runtime's leaf for a repeated getpid must not keep the
 * parent's), the parent's stays its own.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int handled;
static void on_alarm(int n)
{
    (void)n;
    handled++;
}

/* A read of a pipe that a child writes to 300 ms later, after sending us SIGALRM at 100 ms. */
static void interrupted_read(int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, NULL);
    int p[2];
    pipe(p);
    pid_t c = fork();
    handled = 0;
    if (c == 0) {
        close(p[0]);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        kill(getppid(), SIGALRM);
        ts.tv_nsec = 200 * 1000 * 1000;
        nanosleep(&ts, NULL);
        write(p[1], "late", 4);
        _exit(0);
    }
    close(p[1]);
    char buf[8] = {0};
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    int e = errno;
    printf("SA_RESTART %d: read %zd %s, handler ran %d\n", restart, n, n < 0 ? strerror(e) : buf,
           handled);
    waitpid(c, NULL, 0);
    close(p[0]);
}

static pid_t __attribute__((noinline)) my_pid(void)
{
    return getpid(); /* one site for every call below */
}

static void getpid_across_fork(void)
{
    pid_t me = my_pid();
    int same = 0;
    for (int i = 0; i < 100; i++)
        same += my_pid() == me;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        getppid(); /* (a call first: the child's first one looks at its signals the whole way) */
        pid_t child = my_pid();
        printf("child: getpid is not the parent's %d, twice the same %d, parent's child %d\n",
               child != me, my_pid() == child, getppid() == me);
        fflush(stdout);
        _exit(child == my_pid() ? 3 : 4);
    }
    int st = 0;
    waitpid(c, &st, 0);
    printf("parent: 100 of 100 getpid agree %d, after the fork still its own %d, child exit %d\n",
           same == 100, my_pid() == me, WEXITSTATUS(st));
}

int main(void)
{
    getpid_across_fork();
    int p[2];
    printf("pipe: %d\n", pipe(p));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        const char m[] = "from the child";
        write(p[1], m, sizeof m);
        _exit(7);
    }
    close(p[1]);
    char buf[64] = {0};
    ssize_t n = read(p[0], buf, sizeof buf);
    printf("parent read %zd: %s\n", n, buf);
    int st;
    printf("waitpid ok %d\n", waitpid(c, &st, 0) == c);
    printf("exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    pid_t w = wait(&st);
    printf("wait again: %d %s\n", (int)w, strerror(errno));
    fflush(stdout);
    interrupted_read(1);
    fflush(stdout);
    interrupted_read(0);
    return 0;
}
