/*
 * ut_job.c: job control (usertests.h): stop signals stop a process (exo's env_stop under pm)
 * and SIGCONT continues it, with exact wait statuses (WUNTRACED, WCONTINUED, waitid's
 * WSTOPPED/WCONTINUED), SIGCHLD unless SA_NOCLDSTOP, handlers for the catchable stops, a
 * process stopping itself, SIGKILL ending a stopped process, POSIX's orphaned groups (SIGHUP
 * and SIGCONT; terminal stops discarded), setpgid's EACCES and EPERM, and a background group
 * at the console: SIGTTIN on a read (EIO when ignored), SIGTTOU on a write with TOSTOP and on
 * tcsetattr. PTYs through the file system: /dev/ptmx a new pair per open, /dev/pts/N locked
 * until unlockpt, bytes both ways through the discipline, the slave as a session's
 * controlling terminal (setsid, TIOCSCTTY, /dev/tty; none before TIOCSCTTY: ENXIO), ^C to its
 * foreground group, hang-ups.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "usertests.h"

static int fds[2]; /* a pipe from the children */

/* A child in a group of its own (set on both sides: no race) running fn. */
static pid_t kid(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        fn();
        _exit(0);
    }
    if (pid > 0)
        setpgid(pid, pid);
    return pid;
}

static void ticker(void)
{
    for (;;) {
        if (write(fds[1], "x", 1) != 1)
            _exit(3);
        usleep(2000);
    }
}

static void sleeper(void)
{
    for (;;)
        pause();
}

/* Ends a child with SIGKILL: 1 if it ended so (stopped or not). */
static int kill_reap(pid_t c)
{
    int st = 0;
    return kill(c, SIGKILL) == 0 && waitpid(c, &st, 0) == c && WIFSIGNALED(st) &&
           WTERMSIG(st) == SIGKILL;
}

static int drain(void)
{
    char b[64];
    int n = 0;
    long r;
    while ((r = read(fds[0], b, sizeof b)) > 0)
        n += (int)r;
    return n;
}

USERTEST(job_stop_continue_exact_statuses)
{
    CHECK_EQ(pipe(fds), 0);
    pid_t c = kid(ticker);
    CHECK_EQ(c > 0, 1);
    char b;
    CHECK_EQ(read(fds[0], &b, 1), 1); /* it runs */
    CHECK_EQ(kill(c, SIGSTOP), 0);
    int st = -1;
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(st, 0x137f);
    CHECK_EQ(WIFSTOPPED(st), 1);
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    CHECK_EQ(waitpid(c, &st, WUNTRACED | WNOHANG), 0); /* reported once */
    CHECK_EQ(waitpid(c, &st, WNOHANG), 0);             /* and never without WUNTRACED */
    /* stopped: it writes nothing more */
    CHECK_EQ(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    usleep(20000);
    drain();
    usleep(150000);
    CHECK_EQ(drain(), 0);
    CHECK_EQ(kill(c, SIGSTOP), 0); /* stopping a stopped process: nothing new */
    CHECK_EQ(waitpid(c, &st, WUNTRACED | WNOHANG), 0);
    CHECK_EQ(kill(c, SIGCONT), 0);
    CHECK_EQ(waitpid(c, &st, WCONTINUED), c);
    CHECK_EQ(st, 0xffff);
    CHECK_EQ(WIFCONTINUED(st), 1);
    CHECK_EQ(WIFSTOPPED(st), 0);
    CHECK_EQ(WIFEXITED(st), 0);
    CHECK_EQ(waitpid(c, &st, WCONTINUED | WNOHANG), 0);
    CHECK_EQ(fcntl(fds[0], F_SETFL, 0), 0);
    CHECK_EQ(read(fds[0], &b, 1), 1); /* it runs again */
    /* SIGKILL ends a stopped process */
    CHECK_EQ(kill(c, SIGSTOP), 0);
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    CHECK_EQ(kill_reap(c), 1);
    return 0;
}

static void on_stop_sig(int s)
{
    char b = (char)s;
    write(fds[1], &b, 1);
}

static void catcher(void)
{
    signal(SIGTSTP, on_stop_sig);
    signal(SIGTTIN, on_stop_sig);
    signal(SIGTTOU, on_stop_sig);
    write(fds[1], "R", 1);
    sleeper();
}

USERTEST(job_tstp_ttin_ttou_stop_or_run_handlers)
{
    static const int sigs[] = {SIGTSTP, SIGTTIN, SIGTTOU};
    CHECK_EQ(pipe(fds), 0);
    for (int i = 0; i < 3; i++) { /* default action: stop, by that signal */
        pid_t c = kid(sleeper);
        CHECK_EQ(kill(c, sigs[i]), 0);
        int st = -1;
        CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
        CHECK_EQ(WIFSTOPPED(st), 1);
        CHECK_EQ(WSTOPSIG(st), sigs[i]);
        CHECK_EQ(kill_reap(c), 1);
    }
    pid_t c = kid(catcher); /* caught: the handler runs, nothing stops */
    char b = 0;
    CHECK_EQ(read(fds[0], &b, 1), 1);
    CHECK_EQ(b, 'R');
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(kill(c, sigs[i]), 0);
        CHECK_EQ(read(fds[0], &b, 1), 1);
        CHECK_EQ(b, sigs[i]);
    }
    int st = -1;
    CHECK_EQ(waitpid(c, &st, WUNTRACED | WNOHANG), 0);
    CHECK_EQ(kill(c, SIGSTOP), 0); /* SIGSTOP cannot be caught */
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    CHECK_EQ(kill_reap(c), 1);
    return 0;
}

static volatile sig_atomic_t chlds;

static void on_chld(int s)
{
    (void)s;
    chlds++;
}

USERTEST(job_sigchld_on_stop_and_continue_unless_nocldstop)
{
    struct sigaction sa = {.sa_handler = on_chld};
    CHECK_EQ(sigaction(SIGCHLD, &sa, NULL), 0);
    pid_t c = kid(sleeper);
    int st;
    CHECK_EQ(kill(c, SIGSTOP), 0);
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(chlds, 1);
    CHECK_EQ(kill(c, SIGCONT), 0);
    CHECK_EQ(waitpid(c, &st, WCONTINUED), c);
    CHECK_EQ(chlds, 2);
    CHECK_EQ(kill_reap(c), 1);
    CHECK_EQ(chlds, 3);
    sa.sa_flags = SA_NOCLDSTOP;
    CHECK_EQ(sigaction(SIGCHLD, &sa, NULL), 0);
    chlds = 0;
    c = kid(sleeper);
    CHECK_EQ(kill(c, SIGSTOP), 0);
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    CHECK_EQ(kill(c, SIGCONT), 0);
    CHECK_EQ(waitpid(c, &st, WCONTINUED), c);
    CHECK_EQ(chlds, 0); /* no SIGCHLD for either */
    CHECK_EQ(kill_reap(c), 1);
    CHECK_EQ(chlds, 1); /* but for the end */
    return 0;
}

USERTEST(job_waitid_wstopped_wcontinued)
{
    pid_t c = kid(sleeper);
    siginfo_t si;
    CHECK_EQ(kill(c, SIGTSTP), 0);
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, (id_t)c, &si, WSTOPPED | WNOWAIT), 0);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_EQ(si.si_status, SIGTSTP);
    CHECK_EQ(si.si_pid, c);
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, (id_t)c, &si, WSTOPPED), 0); /* WNOWAIT left it */
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_EQ(si.si_pid, c);
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, (id_t)c, &si, WSTOPPED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, 0); /* taken */
    CHECK_EQ(kill(c, SIGCONT), 0);
    memset(&si, 0xff, sizeof si);
    CHECK_EQ(waitid(P_PID, (id_t)c, &si, WEXITED | WSTOPPED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, 0); /* a continue only for WCONTINUED */
    CHECK_EQ(waitid(P_ALL, 0, &si, WCONTINUED), 0);
    CHECK_EQ(si.si_code, CLD_CONTINUED);
    CHECK_EQ(si.si_status, SIGCONT);
    CHECK_EQ(si.si_pid, c);
    CHECK_EQ(waitid(P_PID, (id_t)c, &si, WNOHANG), -1); /* nothing to wait for */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(kill_reap(c), 1);
    return 0;
}

static void self_stopper(void)
{
    raise(SIGSTOP);
    raise(SIGTSTP);
    _exit(7);
}

USERTEST(job_raise_stops_itself)
{
    pid_t c = kid(self_stopper);
    int st = -1;
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(WSTOPSIG(st), SIGSTOP);
    CHECK_EQ(kill(c, SIGCONT), 0);
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c); /* (its continue is not asked for) */
    CHECK_EQ(WSTOPSIG(st), SIGTSTP);
    CHECK_EQ(kill(c, SIGCONT), 0);
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 7);
    return 0;
}

static void on_hup(int s)
{
    (void)s;
    write(fds[1], "H", 1);
}

static void on_cont(int s)
{
    (void)s;
    write(fds[1], "C", 1);
}

static void orphan(void)
{
    signal(SIGHUP, on_hup);
    signal(SIGCONT, on_cont);
    raise(SIGSTOP); /* until its group is orphaned: SIGHUP, then SIGCONT */
    raise(SIGTSTP); /* a terminal stop to an orphaned group: discarded */
    write(fds[1], "D", 1);
}

static void middle(void)
{
    pid_t g = kid(orphan);
    int st = 0;
    if (g < 0 || waitpid(g, &st, WUNTRACED) != g || !WIFSTOPPED(st))
        _exit(1);
    _exit(0); /* g's group has no parent in the session now */
}

USERTEST(job_orphaned_stopped_group_gets_sighup_and_sigcont)
{
    CHECK_EQ(pipe(fds), 0);
    pid_t m = kid(middle);
    int st = -1;
    CHECK_EQ(waitpid(m, &st, 0), m);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 0);
    close(fds[1]);
    char b[8] = {0};
    int n = 0;
    long r;
    while (n < 3 && (r = read(fds[0], b + n, 3 - n)) > 0)
        n += (int)r;
    CHECK_EQ(n, 3);
    /* Both handlers ran (the frames nest, as on Linux: the later one set up runs first), and
     * only then did the discarded stop let it write D. */
    CHECK_EQ(strcmp(b, "HCD") == 0 || strcmp(b, "CHD") == 0, 1);
    return 0;
}

static void new_session(void)
{
    setsid();
    write(fds[1], "s", 1);
    sleeper();
}

USERTEST(job_setpgid_eacces_after_exec_eperm_across_sessions)
{
    fflush(stdout);
    pid_t c = vfork(); /* back once the child has exec'd */
    if (c == 0) {
        char *argv[] = {"usertests", "--job-pause", NULL};
        execve("/usertests", argv, NULL);
        _exit(127);
    }
    CHECK_EQ(c > 0, 1);
    CHECK_EQ(setpgid(c, c), -1);
    CHECK_EQ(errno, EACCES);
    CHECK_EQ(kill_reap(c), 1);
    CHECK_EQ(pipe(fds), 0);
    fflush(stdout);
    c = fork();
    if (c == 0)
        new_session();
    char b;
    CHECK_EQ(read(fds[0], &b, 1), 1);
    CHECK_EQ(getsid(c), c);
    CHECK_EQ(setpgid(c, c), -1); /* another session's */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(setpgid(0, c), -1); /* its group is in another session */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(tcsetpgrp(0, c), -1); /* nor can the console's foreground be */
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(kill_reap(c), 1);
    return 0;
}

static void bg_reader(void)
{
    char b;
    read(0, &b, 1); /* SIGTTIN: stopped here */
    _exit(9);
}

static void bg_reader_ignoring(void)
{
    char b;
    signal(SIGTTIN, SIG_IGN);
    long r = read(0, &b, 1);
    _exit(r == -1 && errno == EIO ? 0 : 1);
}

static void bg_writer(void)
{
    write(1, "", 0);
    printf("    (a background write)\n");
    fflush(stdout); /* SIGTTOU with TOSTOP: stopped here */
    _exit(9);
}

static void bg_setattr(void)
{
    struct termios t;
    tcgetattr(0, &t);          /* reading the settings is allowed */
    tcsetattr(0, TCSANOW, &t); /* changing them: SIGTTOU */
    _exit(9);
}

USERTEST(job_background_console_ttin_ttou)
{
    CHECK_EQ(tcgetpgrp(0), getpgrp()); /* our group has the console */
    pid_t c = kid(bg_reader);
    int st = -1;
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(WIFSTOPPED(st), 1);
    CHECK_EQ(WSTOPSIG(st), SIGTTIN);
    CHECK_EQ(kill(c, SIGCONT), 0); /* still in the background: stopped again */
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(WSTOPSIG(st), SIGTTIN);
    CHECK_EQ(kill_reap(c), 1);
    c = kid(bg_reader_ignoring);
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 0); /* EIO */
    c = kid(bg_setattr);
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(WSTOPSIG(st), SIGTTOU);
    CHECK_EQ(kill_reap(c), 1);
    c = kid(bg_writer); /* TOSTOP off: the write goes */
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(WEXITSTATUS(st), 9);
    struct termios saved, t;
    CHECK_EQ(tcgetattr(0, &saved), 0);
    t = saved;
    t.c_lflag |= TOSTOP;
    CHECK_EQ(tcsetattr(0, TCSANOW, &t), 0);
    c = kid(bg_writer);
    int w = (int)waitpid(c, &st, WUNTRACED);
    CHECK_EQ(tcsetattr(0, TCSANOW, &saved), 0); /* the console is shared: restore first */
    CHECK_EQ(w, c);
    CHECK_EQ(WSTOPSIG(st), SIGTTOU);
    CHECK_EQ(kill(c, SIGCONT), 0); /* TOSTOP is off again: the write goes */
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(WEXITSTATUS(st), 9);
    return 0;
}

/* --- PTYs through the file system ----------------------------------------------------------- */

static char pts[64];

/* A new unlocked pair: the master's fd, its slave's name in pts. */
static int new_pair(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || !ptsname(m))
        return -1;
    strcpy(pts, ptsname(m));
    return m;
}

static long read_n(int fd, char *buf, long n)
{
    long got = 0, r;
    while (got < n && (r = read(fd, buf + got, (size_t)(n - got))) > 0)
        got += r;
    buf[got] = 0;
    return got;
}

USERTEST(pty_ptmx_opens_a_new_pair_each_time)
{
    int m1 = posix_openpt(O_RDWR | O_NOCTTY), m2 = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK_EQ(m1 >= 0 && m2 >= 0, 1);
    char n1[64], n2[64], want[64];
    strcpy(n1, ptsname(m1));
    strcpy(n2, ptsname(m2));
    CHECK_EQ(strcmp(n1, n2) != 0, 1);
    int n = -1;
    CHECK_EQ(ioctl(m1, TIOCGPTN, &n), 0); /* (through musl's int request: sign-extended) */
    snprintf(want, sizeof want, "/dev/pts/%d", n);
    CHECK_EQ(strcmp(n1, want), 0);
    struct stat st;
    CHECK_EQ(stat(n1, &st), 0);
    CHECK_EQ(S_ISCHR(st.st_mode), 1);
    CHECK_EQ(open(n1, O_RDWR | O_NOCTTY), -1); /* locked until unlockpt */
    CHECK_EQ(errno, EIO);
    CHECK_EQ(grantpt(m1), 0);
    CHECK_EQ(unlockpt(m1), 0);
    int s = open(n1, O_RDWR | O_NOCTTY);
    CHECK_EQ(s >= 0, 1);
    CHECK_EQ(isatty(s), 1);
    CHECK_EQ(isatty(m1), 1);
    /* master -> slave through the discipline (canonical, echo), slave -> master with ONLCR */
    char b[64];
    CHECK_EQ(write(m1, "hi\n", 3), 3);
    CHECK_EQ(read(s, b, sizeof b), 3);
    CHECK_EQ(memcmp(b, "hi\n", 3), 0);
    CHECK_EQ(read_n(m1, b, 4), 4);
    CHECK_EQ(strcmp(b, "hi\r\n"), 0); /* the echo */
    CHECK_EQ(write(s, "out\n", 4), 4);
    CHECK_EQ(read_n(m1, b, 5), 5);
    CHECK_EQ(strcmp(b, "out\r\n"), 0);
    struct termios t;
    CHECK_EQ(tcgetattr(s, &t), 0);
    cfmakeraw(&t);
    CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
    CHECK_EQ(write(m1, "\x03x", 2), 2); /* raw: ^C is a byte, no echo */
    CHECK_EQ(read_n(s, b, 2), 2);
    CHECK_EQ(strcmp(b, "\x03x"), 0);
    /* the last slave close: master reads EIO; the pair and its node go with the master */
    CHECK_EQ(close(s), 0);
    CHECK_EQ(read(m1, b, sizeof b), -1);
    CHECK_EQ(errno, EIO);
    CHECK_EQ(close(m1), 0);
    CHECK_EQ(stat(n1, &st), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(close(m2), 0);
    CHECK_EQ(stat(n2, &st), -1);
    return 0;
}

static void on_int(int s)
{
    (void)s;
    write(fds[1], "I", 1);
}

static int master;

static void pty_session(void)
{
    close(master); /* (the parent's: the hang-up is its close) */
    if (setsid() < 0)
        _exit(2);
    int s = open(pts, O_RDWR);
    if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0 || tcgetpgrp(s) != getpid())
        _exit(3);
    signal(SIGINT, on_int);
    signal(SIGHUP, SIG_IGN);
    int t = open("/dev/tty", O_RDWR); /* the controlling terminal: the slave */
    if (t < 0)
        _exit(4);
    if (write(t, "T", 1) != 1)
        _exit(5);
    write(fds[1], "R", 1);
    char b[16];
    long n = read(s, b, sizeof b); /* ^C's handler runs meanwhile, the read goes on */
    if (n > 0)
        write(fds[1], b, (size_t)n);
    n = read(s, b, sizeof b); /* the master's close: end of file */
    write(fds[1], n == 0 ? "E" : "e", 1);
    _exit(0);
}

USERTEST(pty_slave_controls_a_session_sigint_hangup)
{
    CHECK_EQ(pipe(fds), 0);
    int m = new_pair();
    CHECK_EQ(m >= 0, 1);
    master = m;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
        pty_session();
    char b[16];
    CHECK_EQ(read_n(fds[0], b, 1), 1);
    CHECK_EQ(b[0], 'R');
    CHECK_EQ(read_n(m, b, 1), 1); /* what it wrote to /dev/tty */
    CHECK_EQ(b[0], 'T');
    CHECK_EQ(write(m, "\x03", 1), 1); /* ^C: SIGINT to the slave's foreground group */
    CHECK_EQ(read_n(fds[0], b, 1), 1);
    CHECK_EQ(b[0], 'I');
    CHECK_EQ(read_n(m, b, 2), 2);
    CHECK_EQ(strcmp(b, "^C"), 0); /* echoed as ECHOCTL says (n_tty: no newline) */
    CHECK_EQ(write(m, "ab\n", 3), 3);
    CHECK_EQ(read_n(fds[0], b, 3), 3);
    CHECK_EQ(strcmp(b, "ab\n"), 0);
    CHECK_EQ(close(m), 0); /* hang-up: SIGHUP (ignored) and end of file */
    CHECK_EQ(read_n(fds[0], b, 1), 1);
    CHECK_EQ(b[0], 'E');
    int st = -1;
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 0);
    return 0;
}

/* A new session has no controlling terminal: /dev/tty does not open (ENXIO, with O_NOCTTY too:
 * how Dropbear's session child checks it has shed the old one) until TIOCSCTTY gives it one. */
static void no_ctty(void)
{
    char r[3] = {0, 0, 0};
    if (setsid() < 0)
        _exit(2);
    int t = open("/dev/tty", O_RDWR);
    r[0] = (char)(t < 0 ? errno : 100);
    t = open("/dev/tty", O_RDWR | O_NOCTTY);
    r[1] = (char)(t < 0 ? errno : 100);
    int m = new_pair();
    int s = m < 0 ? -1 : open(pts, O_RDWR);
    if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0)
        _exit(3);
    t = open("/dev/tty", O_RDWR);
    r[2] = (char)(t < 0 ? errno : 0);
    write(fds[1], r, 3);
    _exit(0);
}

USERTEST(pty_setsid_dev_tty_enxio_until_tiocsctty)
{
    CHECK_EQ(pipe(fds), 0);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0)
        no_ctty();
    char b[8];
    CHECK_EQ(read_n(fds[0], b, 3), 3);
    CHECK_EQ(b[0], ENXIO);
    CHECK_EQ(b[1], ENXIO);
    CHECK_EQ(b[2], 0);
    int st = -1;
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK_EQ(WIFEXITED(st), 1);
    CHECK_EQ(WEXITSTATUS(st), 0);
    close(fds[0]);
    close(fds[1]);
    return 0;
}
