/*
 * lx_posix.c: an unmodified Linux program for the differential test against a Linux guest
 * (libos/linux/tests/diff_test.py; lx_posix on musl, lx_gposix on glibc): files, directories
 * (getdents' names sorted: their order is the file system's), pipes, fork/wait statuses,
 * signals, time arithmetic that prints no times, AF_UNIX sockets (a socketpair across fork,
 * datagram boundaries, a listener a child connects to, SCM_RIGHTS, poll after the peer went)
 * and the errno values of bad calls. Everything
 * it prints is deterministic, so the two guests' outputs must agree byte for byte.
 * The calls of `== linux` go through syscall(2): clone and clone3 flag combinations Linux refuses
 * before making anything, 32-bit pid arguments with garbage above them, setpgid's order.
 * `lx_posix realtime` only says whether CLOCK_REALTIME is past 2020 (a known difference).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define D "/tmp/lx_posix"

/* "name = result errno" for a call expected to fail (or not). */
#define TRY(name, call)                                                                            \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(call);                                                                    \
        printf("%s = %ld errno %d\n", name, r_, r_ < 0 ? errno : 0);                               \
    } while (0)

static volatile sig_atomic_t got;

static void on_usr1(int s)
{
    got += s;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void rmtree(void)
{
    const char *names[] = {D "/d/x", D "/d/y", D "/d/z", D "/f", D "/g", D "/h", D "/sock", NULL};
    for (int i = 0; names[i]; i++)
        unlink(names[i]);
    rmdir(D "/d/sub");
    rmdir(D "/d");
    rmdir(D);
}

static void files(void)
{
    rmtree();
    TRY("mkdir", mkdir(D, 0755));
    TRY("mkdir again", mkdir(D, 0755));
    int fd = open(D "/f", O_CREAT | O_RDWR | O_TRUNC, 0644);
    TRY("write", write(fd, "hello, world\n", 13));
    TRY("lseek end", lseek(fd, 0, SEEK_END));
    TRY("lseek set", lseek(fd, 7, SEEK_SET));
    char buf[64] = {0};
    TRY("read", read(fd, buf, sizeof buf - 1));
    printf("read [%s]\n", buf);
    TRY("pread", pread(fd, buf, 5, 0));
    TRY("ftruncate", ftruncate(fd, 5));
    struct stat st;
    TRY("fstat", fstat(fd, &st));
    printf("size %ld regular %d\n", (long)st.st_size, S_ISREG(st.st_mode));
    TRY("lseek past", lseek(fd, 100, SEEK_SET));
    TRY("read at end", read(fd, buf, 10));
    TRY("lseek bad whence", lseek(fd, 0, 99));
    TRY("dup2", dup2(fd, 20));
    TRY("fcntl getfl", fcntl(20, F_GETFL) & O_ACCMODE);
    TRY("close", close(20));
    TRY("close again", close(20));
    TRY("close", close(fd));
    TRY("open missing", open(D "/missing", O_RDONLY));
    TRY("open excl", open(D "/f", O_CREAT | O_EXCL | O_WRONLY, 0644));
    fd = open(D "/f", O_WRONLY);
    TRY("read wronly", read(fd, buf, 1));
    close(fd);
    TRY("open dir for write", open(D, O_WRONLY));
    TRY("open file as dir", open(D "/f/x", O_RDONLY));
    TRY("unlink dir", unlink(D));
    TRY("rename", rename(D "/f", D "/g"));
    TRY("stat old", stat(D "/f", &st));
    TRY("stat new", stat(D "/g", &st));
    printf("size %ld\n", (long)st.st_size);
    TRY("link", link(D "/g", D "/h"));
    TRY("stat link", stat(D "/h", &st));
    printf("nlink %ld\n", (long)st.st_nlink);
    TRY("rmdir nonempty", rmdir(D));
    TRY("rmdir file", rmdir(D "/g"));
    TRY("chdir", chdir(D));
    TRY("getcwd", getcwd(buf, sizeof buf) == buf);
    printf("cwd %s\n", buf);
    TRY("getcwd small", getcwd(buf, 3) == buf);
    TRY("chdir /", chdir("/"));
}

static void dirs(void)
{
    TRY("mkdir d", mkdir(D "/d", 0755));
    TRY("mkdir sub", mkdir(D "/d/sub", 0755));
    const char *names[] = {"z", "x", "y"};
    for (int i = 0; i < 3; i++) {
        char p[64];
        snprintf(p, sizeof p, D "/d/%s", names[i]);
        close(open(p, O_CREAT | O_WRONLY, 0644));
    }
    DIR *d = opendir(D "/d");
    char *seen[16];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 16)
        seen[n++] = strdup(e->d_name);
    closedir(d);
    qsort(seen, n, sizeof *seen, cmp);
    printf("entries %d:", n);
    for (int i = 0; i < n; i++) {
        printf(" %s", seen[i]);
        free(seen[i]);
    }
    printf("\n");
    TRY("opendir file", opendir(D "/g") != NULL);
    printf("errno %d\n", errno);
}

static void pipes(void)
{
    int p[2];
    char buf[16] = {0};
    TRY("pipe", pipe(p));
    TRY("write", write(p[1], "abc", 3));
    TRY("read", read(p[0], buf, sizeof buf));
    printf("got [%s]\n", buf);
    TRY("close w", close(p[1]));
    TRY("read eof", read(p[0], buf, sizeof buf));
    TRY("write on read end", write(p[0], "x", 1));
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    TRY("pipe", pipe(p));
    close(p[0]);
    TRY("write no reader", write(p[1], "x", 1));
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);
    TRY("pipe", pipe(p));
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        write(p[1], "from child", 10);
        _exit(0);
    }
    close(p[1]);
    memset(buf, 0, sizeof buf);
    int n = 0, r;
    while ((r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    printf("child wrote %d [%s]\n", n, buf);
    close(p[0]);
    waitpid(c, NULL, 0);
    c = fork();
    if (c == 0) {
        pipe(p);
        close(p[0]);
        write(p[1], "x", 1); /* SIGPIPE, default action */
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("sigpipe child: signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
}

static void statuses(void)
{
    int codes[] = {0, 7, 255, 256 + 3};
    for (int i = 0; i < 4; i++) {
        pid_t c = fork();
        if (c == 0)
            _exit(codes[i]);
        int st;
        pid_t w = waitpid(c, &st, 0);
        printf("exit(%d): same pid %d exited %d status %d\n", codes[i], w == c, WIFEXITED(st),
               WEXITSTATUS(st));
    }
    int sigs[] = {SIGKILL, SIGTERM, SIGUSR1, SIGSEGV};
    for (int i = 0; i < 4; i++) {
        pid_t c = fork();
        if (c == 0) {
            if (sigs[i] == SIGSEGV)
                signal(SIGSEGV, SIG_DFL), raise(SIGSEGV);
            pause();
            _exit(0);
        }
        if (sigs[i] != SIGSEGV)
            kill(c, sigs[i]);
        int st;
        waitpid(c, &st, 0);
        printf("signal %d: signaled %d sig %d\n", sigs[i], WIFSIGNALED(st), WTERMSIG(st));
    }
    pid_t c = fork();
    if (c == 0)
        _exit(9);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    TRY("waitid", waitid(P_PID, c, &si, WEXITED));
    printf("waitid: code %d status %d same pid %d\n", si.si_code, si.si_status, si.si_pid == c);
    TRY("waitpid none", waitpid(-1, NULL, 0));
    TRY("waitpid nohang none", waitpid(-1, NULL, WNOHANG));
    c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    TRY("waitpid nohang running", waitpid(c, NULL, WNOHANG));
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    TRY("kill gone", kill(c, 0));
}

static void signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    TRY("sigaction", sigaction(SIGUSR1, &sa, NULL));
    TRY("raise", raise(SIGUSR1));
    printf("handler got %d\n", (int)got);
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    TRY("block", sigprocmask(SIG_BLOCK, &set, &old));
    got = 0;
    raise(SIGUSR1);
    sigpending(&pend);
    printf("blocked: got %d pending %d\n", (int)got, sigismember(&pend, SIGUSR1));
    TRY("unblock", sigprocmask(SIG_SETMASK, &old, NULL));
    printf("unblocked: got %d\n", (int)got);
    TRY("sigaction SIGKILL", sigaction(SIGKILL, &sa, NULL));
    TRY("sigaction 0", sigaction(0, &sa, NULL));
    TRY("sigaction 65", sigaction(65, &sa, NULL));
    TRY("kill self 0", kill(getpid(), 0));
    TRY("kill bad signal", kill(getpid(), 1000));
    signal(SIGUSR1, SIG_IGN);
    TRY("raise ignored", raise(SIGUSR1));
}

static void times(void)
{
    struct timespec a, b, req = {0, 20 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    TRY("nanosleep", nanosleep(&req, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
    printf("slept at least 20 ms: %d\n", ns >= 20 * 1000 * 1000);
    req.tv_nsec = 1000000000L;
    TRY("nanosleep bad", nanosleep(&req, NULL));
    TRY("clock_gettime bad", clock_gettime(12345, &a));
    struct timespec res;
    TRY("clock_getres", clock_getres(CLOCK_MONOTONIC, &res));
    time_t t = 1234567890;
    struct tm tm;
    gmtime_r(&t, &tm);
    char s[64];
    strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S %a %j", &tm);
    printf("gmtime %s\n", s);
    printf("timegm %ld\n", (long)timegm(&tm));
}

/* Each refused: nothing is made (a wrong acceptance would fork or start a thread here). */
static void sockets(void)
{
    int sv[2], pf[2];
    char buf[64] = {0};
    TRY("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    pid_t c = fork();
    if (c == 0) {
        close(sv[0]);
        int n = (int)read(sv[1], buf, sizeof buf);
        write(sv[1], buf, n > 0 ? (size_t)n : 0);
        _exit(0);
    }
    close(sv[1]);
    TRY("send", send(sv[0], "ping over a socket", 18, 0));
    int n = (int)recv(sv[0], buf, sizeof buf, MSG_WAITALL);
    printf("echoed %d [%.*s]\n", n, n, buf);
    int st;
    waitpid(c, &st, 0);
    TRY("read at EOF", read(sv[0], buf, sizeof buf));
    struct pollfd pfd = {sv[0], POLLIN | POLLOUT, 0};
    TRY("poll", poll(&pfd, 1, 0));
    printf("revents %#x\n", pfd.revents);
    TRY("send to a closed peer", send(sv[0], "x", 1, MSG_NOSIGNAL));
    close(sv[0]);
    TRY("dgram socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    send(sv[0], "abcdef", 6, 0);
    send(sv[0], "gh", 2, 0);
    struct iovec v = {buf, 4};
    struct msghdr mh = {.msg_iov = &v, .msg_iovlen = 1};
    TRY("recvmsg short", recvmsg(sv[1], &mh, 0));
    printf("flags %#x [%.4s]\n", mh.msg_flags, buf);
    TRY("recv next", recv(sv[1], buf, sizeof buf, 0));
    TRY("recv empty", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    /* SCM_RIGHTS: a pipe's write end, written through by the receiver */
    pipe(pf);
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } u;
    memset(&u, 0, sizeof u);
    v = (struct iovec){"r", 1};
    mh = (struct msghdr){
        .msg_iov = &v, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &pf[1], sizeof(int));
    TRY("sendmsg rights", sendmsg(sv[0], &mh, 0));
    close(pf[1]);
    memset(&u, 0, sizeof u);
    v = (struct iovec){buf, sizeof buf};
    mh = (struct msghdr){
        .msg_iov = &v, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
    TRY("recvmsg rights", recvmsg(sv[1], &mh, 0));
    int fd = -1;
    cm = CMSG_FIRSTHDR(&mh);
    if (cm)
        memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    printf("controllen %d type %d\n", (int)mh.msg_controllen, cm ? cm->cmsg_type : -1);
    write(fd, "passed", 6);
    close(fd);
    TRY("read the pipe", read(pf[0], buf, sizeof buf));
    close(pf[0]);
    close(sv[0]);
    close(sv[1]);
    /* a listener on a path, a child connecting */
    mkdir(D, 0755);
    struct sockaddr_un a = {AF_UNIX, D "/sock"}, got;
    socklen_t al = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof D "/sock");
    int l = socket(AF_UNIX, SOCK_STREAM, 0), d = socket(AF_UNIX, SOCK_STREAM, 0);
    TRY("listen unbound", listen(l, 1));
    TRY("bind", bind(l, (struct sockaddr *)&a, al));
    TRY("bind again", bind(d, (struct sockaddr *)&a, al));
    TRY("connect to no listener", connect(d, (struct sockaddr *)&a, al));
    TRY("listen", listen(l, 1));
    int g = socket(AF_UNIX, SOCK_DGRAM, 0);
    TRY("connect dgram to stream", connect(g, (struct sockaddr *)&a, al));
    TRY("accept on a pipe", accept(pf[0] = dup(1), NULL, NULL));
    close(pf[0]);
    if ((c = fork()) == 0) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        _exit(connect(s, (struct sockaddr *)&a, al) == 0 && write(s, "hi", 2) == 2 ? 0 : 1);
    }
    socklen_t gl = sizeof got;
    int s = accept(l, (struct sockaddr *)&got, &gl);
    printf("accepted %d peer len %d\n", s >= 0, (int)gl);
    TRY("read from child", read(s, buf, sizeof buf));
    struct ucred uc;
    socklen_t ul = sizeof uc;
    TRY("SO_PEERCRED", getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &ul));
    printf("peer is the child %d\n", uc.pid == c);
    waitpid(c, &st, 0);
    printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    gl = sizeof got;
    TRY("getsockname", getsockname(s, (struct sockaddr *)&got, &gl));
    printf("name len %d [%s]\n", (int)gl, got.sun_path);
    TRY("unlink", unlink(D "/sock"));
    TRY("connect after unlink", connect(d, (struct sockaddr *)&a, al));
    close(s);
    close(l);
    close(d);
    close(g);
}

static void linux_args(void)
{
    const long hi = 1L << 32; /* above a pid_t or int argument: Linux reads 32 bits */
    TRY("clone THREAD", syscall(SYS_clone, 0x10000L, 0L, 0L, 0L, 0L));
    TRY("clone SIGHAND", syscall(SYS_clone, 0x800L, 0L, 0L, 0L, 0L));
    TRY("clone FS|NEWNS", syscall(SYS_clone, 0x20200L, 0L, 0L, 0L, 0L));
    unsigned long args[16] = {0}; /* struct clone_args, then zeros */
    args[0] = 0x10000;            /* CLONE_THREAD alone */
    TRY("clone3 THREAD", syscall(SYS_clone3, args, 88L));
    args[0] = 0x10d00, args[4] = SIGCHLD; /* a thread with an exit signal */
    TRY("clone3 thread exit_signal", syscall(SYS_clone3, args, 88L));
    args[0] = 0, args[4] = SIGCHLD, args[6] = 4096; /* a stack size, no stack */
    TRY("clone3 stack_size only", syscall(SYS_clone3, args, 88L));
    args[6] = 0, args[12] = 1; /* a word past the struct Linux knows */
    TRY("clone3 tail", syscall(SYS_clone3, args, 128L));
    TRY("clone3 size 8", syscall(SYS_clone3, args, 8L));
    TRY("tkill high bits", syscall(SYS_tkill, hi | getpid(), 0L));
    TRY("tgkill high bits", syscall(SYS_tgkill, hi | getpid(), hi | getpid(), 0L));
    TRY("kill high signal bits", syscall(SYS_kill, (long)getpid(), hi));
    TRY("setpgid -1 0", setpgid(-1, 0));
    TRY("setpgid -1 5", setpgid(-1, 5));
    TRY("setpgid 0 -2", setpgid(0, -2));
    TRY("fcntl F_DUPFD high bits", syscall(SYS_fcntl, 1L, (long)F_DUPFD, hi | 40));
    TRY("fcntl F_DUPFD -1", syscall(SYS_fcntl, 1L, (long)F_DUPFD, -1L));
    TRY("madvise at 0", syscall(SYS_madvise, 0L, 4096L, (long)MADV_NORMAL));
    TRY("madvise at 0 DONTNEED", syscall(SYS_madvise, 0L, 4096L, (long)MADV_DONTNEED));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* forked children must not repeat buffered lines */
    if (argc > 1 && strcmp(argv[1], "realtime") == 0) { /* `lx_posix realtime`: on its own */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        printf("realtime after 2020: %d\n", t.tv_sec > 1577836800);
        return 0;
    }
    printf("== files\n");
    files();
    printf("== dirs\n");
    dirs();
    printf("== pipes\n");
    pipes();
    printf("== statuses\n");
    statuses();
    printf("== signals\n");
    signals();
    printf("== times\n");
    times();
    printf("== sockets\n");
    sockets();
    printf("== linux\n");
    linux_args();
    rmtree();
    printf("== done\n");
    return 0;
}
