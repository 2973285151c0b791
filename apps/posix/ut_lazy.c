/*
 * ut_lazy.c: memory given late (usertests.h). A fork shares the program's own data and bss
 * copy-on-write and copies at once only the libOS's and the C library's (libos/eager.ld): a
 * program with an 8 MiB bss (/lazybss, apps/posix/lazybss.c) forks for a few page copies.
 * Anonymous private memory and the break are paged in at their first touch (the demand pager,
 * libos/posix/memory.c): a 1 GiB mapping touched at 3 pages costs 3 pages, an untouched page
 * reads as zero, munmap of untouched pages works, MAP_POPULATE maps at once, PROT_NONE stays
 * SIGSEGV/SEGV_ACCERR, a signal frame on an untouched alternate stack is paged in by the upcall.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <posix/posix.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usertests.h"

#define PG 4096ul

unsigned long posix_memory_demand_count(void); /* libos/posix/memory.c */

static int exit_status(pid_t pid)
{
    int st = -1;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* /lazybss forks with its 8 MiB bss dirty in a few pages and checks (exit 0) that the fork
 * copied far fewer pages than the bss holds, that each side sees its own writes, and that a
 * signal right after the fork is handled in both. */
USERTEST(lazy_fork_shares_a_big_bss)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"lazybss", NULL};
        execve("/lazybss", argv, NULL);
        _exit(100 + errno);
    }
    CHECK_EQ(pid > 0, 1);
    CHECK_EQ(exit_status(pid), 0);
    return 0;
}

/* 1 GiB of anonymous memory, 3 pages touched: 3 pages paged in, exo's free count down by those
 * and a few page-table pages at most; untouched pages read as zero (and cost a page each, as a
 * read of a never-written page takes a zeroed page: exo has no shared zero page). */
USERTEST(lazy_mmap_1gib_costs_the_pages_touched)
{
    const size_t len = 1ul << 30;
    long free0 = los_free_pages();
    unsigned long d0 = posix_memory_demand_count();
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(p != MAP_FAILED, 1);
    long free1 = los_free_pages();
    CHECK_EQ(free0 - free1 < 8, 1); /* nothing mapped at mmap */
    CHECK_EQ(posix_memory_demand_count() - d0, 0);
    unsigned char vec[4] = {9, 9, 9, 9};
    CHECK_EQ(mincore(p, 4 * PG, vec), 0);
    CHECK_EQ(vec[0] + vec[1] + vec[2] + vec[3], 0);
    p[0] = 1;
    p[len / 2 + 5] = 2;
    p[len - 1] = 3;
    CHECK_EQ(posix_memory_demand_count() - d0, 3);
    long used = free0 - los_free_pages();
    printf("    1 GiB mapped, 3 pages touched: %ld pages taken from exo\n", used);
    CHECK_EQ(used >= 3 && used < 16, 1); /* 3, and page tables */
    CHECK_EQ(p[0] + p[len / 2 + 5] + p[len - 1], 6);
    CHECK_EQ(p[PG], 0); /* untouched: zero */
    CHECK_EQ(p[len / 2 + PG * 7 + 1], 0);
    CHECK_EQ(posix_memory_demand_count() - d0, 5);
    CHECK_EQ(mincore(p, 4 * PG, vec), 0);
    CHECK_EQ(vec[0] * 1000 + vec[1] * 100 + vec[2] * 10 + vec[3], 1100);
    CHECK_EQ(munmap(p + 2 * PG, len / 4), 0); /* never-touched pages (but one) */
    CHECK_EQ(munmap(p, len), 0);
    CHECK_EQ(free0 - los_free_pages() < 8, 1); /* every page back */
    return 0;
}

/* MAP_POPULATE maps every page at mmap; the break grows on demand. */
USERTEST(lazy_populate_and_brk)
{
    unsigned long d0 = posix_memory_demand_count();
    char *p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    CHECK_EQ(p != MAP_FAILED, 1);
    unsigned char vec[16];
    CHECK_EQ(mincore(p, 16 * PG, vec), 0);
    int in = 0;
    for (int i = 0; i < 16; i++)
        in += vec[i];
    CHECK_EQ(in, 16);
    p[15 * PG] = 7;
    CHECK_EQ(posix_memory_demand_count() - d0, 0);
    CHECK_EQ(munmap(p, 16 * PG), 0);

    /* (musl's sbrk takes only 0: the call itself) */
    char *b0 = (char *)((syscall(SYS_brk, 0) + PG - 1) & ~(PG - 1));
    CHECK_EQ(syscall(SYS_brk, b0 + 64 * PG), (long)(b0 + 64 * PG));
    unsigned long d1 = posix_memory_demand_count();
    b0[63 * PG] = 5; /* the last page of the new break */
    CHECK_EQ(b0[63 * PG], 5);
    CHECK_EQ(b0[10 * PG], 0);
    CHECK_EQ(posix_memory_demand_count() - d1, 2);
    CHECK_EQ(syscall(SYS_brk, b0), (long)b0);
    CHECK_EQ(syscall(SYS_brk, b0 + 64 * PG), (long)(b0 + 64 * PG));
    CHECK_EQ(b0[63 * PG], 0); /* the shrink gave the page back: a fresh one */
    CHECK_EQ(syscall(SYS_brk, b0), (long)b0);
    return 0;
}

static volatile int seen_code, seen_sig;
static volatile uintptr_t seen_addr;
static volatile uintptr_t handler_sp;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    seen_sig = sig;
    seen_code = si->si_code;
    seen_addr = (uintptr_t)si->si_addr;
    _exit(40 + si->si_code);
}

/* A PROT_NONE mapping (and an mprotect'ed untouched page) is never paged in: SIGSEGV with
 * SEGV_ACCERR at the address, as Linux; raised again it is paged in with the new protection. */
USERTEST(lazy_prot_none_stays_accerr)
{
    for (int round = 0; round < 2; round++) {
        char *p = mmap(NULL, 4 * PG, round ? PROT_READ | PROT_WRITE : PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK_EQ(p != MAP_FAILED, 1);
        if (round)
            CHECK_EQ(mprotect(p + PG, PG, PROT_NONE), 0);
        pid_t pid = fork();
        if (pid == 0) {
            struct sigaction sa = {0};
            sa.sa_sigaction = on_segv;
            sa.sa_flags = SA_SIGINFO;
            sigaction(SIGSEGV, &sa, NULL);
            volatile char *q = p + PG + 3;
            *q = 1;
            _exit(1);
        }
        CHECK_EQ(exit_status(pid), (40 + SEGV_ACCERR) << 8);
        CHECK_EQ(mprotect(p + PG, PG, PROT_READ | PROT_WRITE), 0);
        p[PG + 3] = 9;
        CHECK_EQ(p[PG + 3], 9);
        CHECK_EQ(munmap(p, 4 * PG), 0);
    }
    return 0;
}

/* The break has no mapping to keep a protection in: mprotect on its never-touched pages still
 * holds (PROT_NONE: SIGSEGV SEGV_ACCERR at a touch; PROT_READ: reads zero, a write SIGSEGV),
 * and raised again the page is read-write. */
USERTEST(lazy_brk_mprotect_untouched_holds)
{
    char *b0 = (char *)((syscall(SYS_brk, 0) + PG - 1) & ~(PG - 1));
    CHECK_EQ(syscall(SYS_brk, b0 + 4 * PG), (long)(b0 + 4 * PG));
    CHECK_EQ(mprotect(b0 + PG, PG, PROT_NONE), 0);
    CHECK_EQ(mprotect(b0 + 2 * PG, PG, PROT_READ), 0);
    for (int round = 0; round < 3; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct sigaction sa = {0};
            sa.sa_sigaction = on_segv;
            sa.sa_flags = SA_SIGINFO;
            sigaction(SIGSEGV, &sa, NULL);
            volatile char *q = b0 + (round ? 2 : 1) * PG + 5;
            if (round == 2)
                _exit(*q == 0 ? 3 : 4); /* PROT_READ: reads zero */
            *q = 1;
            _exit(1);
        }
        CHECK_EQ(exit_status(pid), round == 2 ? 3 << 8 : (40 + SEGV_ACCERR) << 8);
    }
    CHECK_EQ(mprotect(b0 + PG, 2 * PG, PROT_READ | PROT_WRITE), 0);
    b0[PG + 5] = 7;
    b0[2 * PG + 5] = 8;
    CHECK_EQ(b0[PG + 5] + b0[2 * PG + 5], 15);
    CHECK_EQ(syscall(SYS_brk, b0), (long)b0);
    return 0;
}

static void on_usr1(int sig)
{
    char here;
    seen_sig = sig;
    handler_sp = (uintptr_t)&here;
}

/* A signal frame on an alternate stack never touched (mmap'd): the delivering upcall pages it
 * in itself (a fault there would end the process). */
USERTEST(lazy_altstack_paged_in_by_the_upcall)
{
    const size_t sz = 16 * PG;
    char *st = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(st != MAP_FAILED, 1);
    stack_t ss = {.ss_sp = st, .ss_size = sz, .ss_flags = 0}, old;
    CHECK_EQ(sigaltstack(&ss, &old), 0);
    struct sigaction sa = {0}, osa;
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK;
    CHECK_EQ(sigaction(SIGUSR1, &sa, &osa), 0);
    seen_sig = 0;
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(seen_sig, SIGUSR1);
    CHECK_EQ(handler_sp > (uintptr_t)st && handler_sp < (uintptr_t)st + sz, 1);
    ss.ss_flags = SS_DISABLE;
    CHECK_EQ(sigaltstack(&ss, NULL), 0);
    CHECK_EQ(sigaction(SIGUSR1, &osa, NULL), 0);
    CHECK_EQ(munmap(st, sz), 0);
    return 0;
}

/* Untouched pages read through a call (write(2) from them) and are written by one (read(2)
 * into them): the calls' checks page them in rather than answer EFAULT. */
USERTEST(lazy_calls_use_untouched_pages)
{
    char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(p != MAP_FAILED, 1);
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    CHECK_EQ(write(fds[1], p + 3 * PG, 100), 100); /* zeros */
    CHECK_EQ(read(fds[0], p + 5 * PG + 10, 100), 100);
    CHECK_EQ(p[5 * PG + 10] + p[5 * PG + 109], 0);
    CHECK_EQ(write(fds[1], "lazy", 4), 4);
    CHECK_EQ(read(fds[0], p + 7 * PG, 4), 4);
    CHECK_EQ(memcmp(p + 7 * PG, "lazy", 4), 0);
    close(fds[0]);
    close(fds[1]);
    CHECK_EQ(munmap(p, 8 * PG), 0);
    return 0;
}

/* fork in one thread while another mprotects a page fork has just shared: mprotect unshares
 * it (the copy-on-write lock) inside the layout lock, so fork must take them in that order too,
 * or each waits for the other forever (the second hostile review's finding 2). */
static volatile int mp_stop;
static volatile char *mp_page;

static void *mprotector(void *arg)
{
    (void)arg;
    while (!mp_stop) {
        mprotect((void *)mp_page, 4096, PROT_READ);
        mprotect((void *)mp_page, 4096, PROT_READ | PROT_WRITE);
        mp_page[0]++;
    }
    return NULL;
}

USERTEST(lazy_fork_and_mprotect_in_two_threads)
{
    mp_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(mp_page != MAP_FAILED, 1);
    mp_page[0] = 1;
    mp_page[1] = 7; /* never changed: what every child must read */
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, mprotector, NULL), 0);
    for (int i = 0; i < 40; i++) {
        fflush(stdout);
        pid_t c = fork();
        if (c == 0)
            _exit(mp_page[1] == 7 ? 0 : 1);
        int st = -1;
        CHECK_EQ(waitpid(c, &st, 0), c);
        CHECK_EQ(st, 0);
    }
    mp_stop = 1;
    CHECK_EQ(pthread_join(t, NULL), 0);
    return 0;
}

/* madvise(MADV_DONTNEED) in one thread while another forks: the drop and the fork's walk take
 * the layout lock in turn, so every fork succeeds and each child sees in the page only what the
 * two wrote (zeros, 0x5a), never another page's bytes, and its neighbour untouched. */
static char *volatile md_page;
static volatile int md_stop;

static void *dontneeder(void *arg)
{
    (void)arg;
    while (!md_stop) {
        madvise(md_page, 4096, MADV_DONTNEED);
        memset(md_page, 0x5a, 4096);
    }
    return NULL;
}

USERTEST(lazy_fork_and_madvise_in_two_threads)
{
    md_page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(md_page != MAP_FAILED, 1);
    md_page[4096 + 1] = 7;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, dontneeder, NULL), 0);
    for (int i = 0; i < 40; i++) {
        fflush(stdout);
        pid_t c = fork();
        CHECK_EQ(c >= 0, 1);
        if (c == 0) {
            int zeros = 0, fives = 0;
            for (int k = 0; k < 4096; k++) {
                zeros += md_page[k] == 0;
                fives += md_page[k] == 0x5a;
            }
            /* (the thread's memset may be mid-way at the fork: some of each) */
            _exit(zeros + fives == 4096 && md_page[4096 + 1] == 7 ? 0 : 1);
        }
        int st = -1;
        CHECK_EQ(waitpid(c, &st, 0), c);
        CHECK_EQ(st, 0);
    }
    md_stop = 1;
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(munmap(md_page, 2 * 4096), 0);
    return 0;
}
