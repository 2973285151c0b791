/*
 * lazybss.c: a program with an 8 MiB bss, run by usertests (ut_lazy.c,
 * lazy_fork_shares_a_big_bss). Exits 0 if a fork with its bss dirty in a few pages copies far
 * fewer pages than the bss holds (the program's own data and bss are shared copy-on-write;
 * only the libOS's and musl's are copied at once: libos/eager.ld), counted by the libOS's own
 * counters (proc/cow_counts.h); if parent and child then each see their own writes, exact
 * bytes; and if a signal raised right after the fork is handled in both (the handler writes
 * the program's bss: a copy-on-write fault outside the upcall, fine).
 */
#include <proc/cow_counts.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096
#define BIG (8 << 20)

static char big[BIG]; /* the program's bss: shared at fork, not copied */
static int data_word = 5;
static volatile int got_usr1;

static void on_usr1(int sig)
{
    got_usr1 = sig;
    big[BIG - 1] = 'h';
}

#define FAIL(code, ...)                                                                            \
    do {                                                                                           \
        printf("lazybss: " __VA_ARGS__);                                                           \
        printf("\n");                                                                              \
        return code;                                                                               \
    } while (0)

/* Page k's first and last bytes hold c? */
static int page_is(int k, char c)
{
    return big[k * PG] == c && big[k * PG + PG - 1] == c;
}

static int side(const char *who, char mine, int sigok)
{
    if (!sigok || got_usr1 != SIGUSR1 || big[BIG - 1] != 'h')
        FAIL(10, "%s: the signal right after fork was not handled (%d)", who, got_usr1);
    for (int k = 0; k < 4; k++) /* written before the fork: both see it */
        if (!page_is(k * 512, (char)('a' + k)))
            FAIL(11, "%s: page %d lost its bytes", who, k * 512);
    for (int k = 1; k < 2048; k += 97) { /* written after it: each its own */
        memset(big + k * PG, mine, PG);
        data_word = mine;
    }
    for (int k = 1; k < 2048; k += 97)
        if (!page_is(k, mine) || data_word != mine)
            FAIL(12, "%s: page %d is not its own", who, k);
    if (big[3 * PG] != 0)
        FAIL(13, "%s: an untouched page is not zero", who);
    return 0;
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    for (int k = 0; k < 4; k++)
        memset(big + k * 512 * PG, 'a' + k, PG);
    struct proc_cow_counts c0, c1, s0, s1;
    int fds[2];
    if (pipe(fds) != 0)
        FAIL(2, "pipe");
    proc_cow_counts(&c0);
    pid_t pid = fork();
    if (pid < 0)
        FAIL(3, "fork");
    if (pid == 0) {
        int sigok = raise(SIGUSR1) == 0;
        proc_cow_counts(&s0);
        int r = side("child", 'c', sigok);
        proc_cow_counts(&s1);
        unsigned long long copies = s1.copied + s1.taken - s0.copied - s0.taken;
        if (!r && copies > 64)
            FAIL(14, "child: %llu pages copied for its writes", copies);
        char ok = r ? 'n' : 'y';
        write(fds[1], &ok, 1);
        _exit(r);
    }
    int sigok = raise(SIGUSR1) == 0;
    proc_cow_counts(&c1);
    unsigned long long eager = c1.eager - c0.eager, shared = c1.shared - c0.shared;
    printf("lazybss: fork of an 8 MiB bss: %llu pages shared, %llu copied at once\n", shared,
           eager);
    if (shared < BIG / PG)
        FAIL(4, "the bss was not shared (%llu pages)", shared);
    if (eager > BIG / PG / 8)
        FAIL(5, "%llu pages copied at once, for a bss of %d", eager, BIG / PG);
    int r = side("parent", 'p', sigok);
    if (r)
        return r;
    char ok = 0;
    if (read(fds[0], &ok, 1) != 1 || ok != 'y')
        FAIL(6, "the child failed");
    int st = -1;
    if (waitpid(pid, &st, 0) != pid || st != 0)
        FAIL(7, "child status %#x", st);
    for (int k = 1; k < 2048; k += 97) /* still ours after the child ended */
        if (!page_is(k, 'p'))
            FAIL(8, "parent: page %d changed", k);
    printf("lazybss: ok\n");
    return 0;
}
