/*
 * ut_lim.c: limits and protection (usertests.h): a process makes envs only through pm (exo's
 * env_limit), the parent holds no capability on its child once fork is done (cap_drop), many
 * processes at once, set-user-ID exec, pm's call entry keeping AVX state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <posix/posix.h>
#include <pthread.h>
#include <proc/client.h>
#include <proc/layout.h>
#include <proc/table.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <exo/abi.h>

#include "usertests.h"

#define LIM_VA 0x00006f7000000000ull /* lim's range (design12.md) */

/* exo refuses a process's own env_create (pm bounded it at 0: every process is pm's to count),
 * and its own bounds cannot be raised; fork, through pm, still works. */
USERTEST(lim_env_create_only_through_pm)
{
    CHECK_EQ(exo_env_create(), EXO_E_PERM);
    CHECK_EQ(exo_env_limit(EXO_CAP_SELF, EXO_ANY, EXO_ANY), EXO_E_PERM);
    CHECK_EQ(exo_env_limit(EXO_CAP_SELF, 1, 64), EXO_E_PERM);
    CHECK_EQ(exo_env_create(), EXO_E_PERM);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(exo_env_create() == EXO_E_PERM ? 7 : 1); /* the child is bounded too */
    CHECK_EQ(pid > 0, 1);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 7 << 8);
    return 0;
}

/* Once fork returns, the capability pm lent us to fill and start the child is gone, every
 * copy of it: the old slot refuses page_map and env_start exactly. */
USERTEST(lim_parent_holds_no_capability_on_its_child)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        _exit(read(p[0], &c, 1) == 1 ? c : 1);
    }
    CHECK_EQ(pid > 0, 1);
    uint64_t slot = proc_fork_cap;
    CHECK_EQ(slot > 0 && slot < EXO_NCAPS, 1);
    int64_t ppn = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    CHECK_EQ(ppn > 0, 1);
    CHECK_EQ(exo_page_map(slot, LIM_VA, (uint64_t)ppn, EXO_PROT_R), EXO_E_NOENT);
    CHECK_EQ(exo_env_start(slot, LIM_VA, LIM_VA, 0), EXO_E_NOENT);
    CHECK_EQ(exo_page_alloc(slot, EXO_ANY), EXO_E_NOENT);
    CHECK_EQ(exo_env_runs(slot), EXO_E_NOENT);
    CHECK_EQ(exo_page_free(EXO_CAP_SELF, (uint64_t)ppn), 0);
    CHECK_EQ(kill(pid, 0), 0); /* the child lives on, untouched */
    CHECK_EQ(write(p[1], "\x2a", 1), 1);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 42 << 8);
    close(p[0]);
    close(p[1]);
    return 0;
}

/* exec's far side (usertests --lim-ids UID EUID SUID GID EGID SGID SECURE): the ids the image
 * runs with and the auxv's, each against the expected one. */
int ut_lim_ids(int argc, char **argv);
int ut_lim_ids(int argc, char **argv)
{
    if (argc != 9)
        return 2;
    uid_t r, e, s;
    gid_t gr, ge, gs;
    if (getresuid(&r, &e, &s) || getresgid(&gr, &ge, &gs))
        return 3;
    const unsigned long got[] = {r, e, s, gr, ge, gs, getauxval(AT_SECURE)},
                        aux[] = {getauxval(AT_UID),   getauxval(AT_EUID), getauxval(AT_EUID),
                                 getauxval(AT_GID),   getauxval(AT_EGID), getauxval(AT_EGID),
                                 getauxval(AT_SECURE)};
    int bad = 0;
    for (int i = 0; i < 7; i++) {
        unsigned long want = strtoul(argv[2 + i], NULL, 10);
        if (got[i] != want || aux[i] != want) {
            printf("    lim-ids: #%d: want %lu, ids %lu, auxv %lu\n", i, want, got[i], aux[i]);
            bad = 1;
        }
    }
    return bad;
}

/* Runs `path` as `usertests --lim-ids ...` in a child (after setresuid(0, 0, 7) when
 * `saved7`): its exit status. */
static int exec_ids(const char *path, const char *ids, int saved7)
{
    char buf[64];
    char *argv[10] = {"usertests", "--lim-ids"};
    strncpy(buf, ids, sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    int n = 2;
    for (char *t = strtok(buf, " "); t && n < 9; t = strtok(NULL, " "))
        argv[n++] = t;
    argv[n] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (saved7 && setresuid(0, 0, 7) != 0)
            _exit(98);
        execve(path, argv, NULL);
        _exit(99);
    }
    int st = -1;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* A copy of /usertests at path with mode, owner and group. */
static int copy_usertests(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
    int in = open("/usertests", O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    static char buf[16384];
    long n;
    if (in < 0 || out < 0)
        return -1;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            return -1;
    close(in);
    close(out);
    return n < 0 || chown(path, uid, gid) || chmod(path, mode) ? -1 : 0;
}

/* exec of a set-user-ID / set-group-ID file: the effective (and saved) ids become the file's
 * owner and group, the real ones stay; AT_UID, AT_EUID, AT_GID, AT_EGID and AT_SECURE say so.
 * Set-group-ID without group execute is no set-group-ID (Linux: mandatory locking); a plain
 * exec makes the saved ids the effective ones. */
USERTEST(lim_setuid_exec_changes_euid)
{
    const char *f = "/tmp/lim_suid";
    CHECK_EQ(copy_usertests(f, 1000, 2000, 06755), 0);
    struct stat st;
    CHECK_EQ(stat(f, &st), 0);
    CHECK_EQ(st.st_mode & 07777, 06755);
    CHECK_EQ(exec_ids(f, "0 1000 1000 0 2000 2000 1", 0), 0);
    CHECK_EQ(chmod(f, 06745), 0); /* set-group-ID without group execute */
    CHECK_EQ(exec_ids(f, "0 1000 1000 0 0 0 1", 0), 0);
    CHECK_EQ(chmod(f, 0755), 0); /* no set-ID bits: the ids stay, saved = effective */
    CHECK_EQ(exec_ids(f, "0 0 0 0 0 0 0", 1), 0);
    CHECK_EQ(exec_ids("/usertests", "0 0 0 0 0 0 0", 0), 0);
    CHECK_EQ(unlink(f), 0);
    return 0;
}

/* A second thread of the exec'ing image scribbles on what the new image trusts in the
 * mailbox (its header, exec's ids, AT_SECURE) for as long as it runs: pm writes them only once
 * the old image's threads are gone, so the set-ID image still sees its own. Ten times on every
 * CPU. */
static void *forge_ids(void *arg)
{
    (void)arg;
    volatile struct proc_mbox *mb = (volatile struct proc_mbox *)PROC_MBOX_VA;
    for (;;) {
        mb->exec_ids[1] = 0;
        mb->exec_ids[3] = 0;
        mb->exec_secure = 0;
        mb->magic = 0; /* "no pm": the new image's start would take AT_SECURE as 0 */
    }
    return NULL;
}

USERTEST(lim_setuid_exec_ids_unforgeable_by_a_thread)
{
    const char *f = "/tmp/lim_forge";
    CHECK_EQ(copy_usertests(f, 1000, 2000, 06755), 0);
    for (int i = 0; i < 10; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            pthread_t t;
            if (pthread_create(&t, NULL, forge_ids, NULL) != 0)
                _exit(97);
            char *argv[] = {"usertests", "--lim-ids", "0",    "1000", "1000",
                            "0",         "2000",      "2000", "1",    NULL};
            execve(f, argv, NULL);
            _exit(99);
        }
        int st = -1;
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK_EQ(st, 0);
    }
    CHECK_EQ(unlink(f), 0);
    return 0;
}

/* exec's far side (usertests --lim-mbox PPN...): 0 if none of the mailbox's pages now is one
 * the old image had (PPN, in order). */
int ut_lim_mbox(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, PROC_MBOX_VA + (uint64_t)(i - 2) * 4096);
        if (pte < 0 || (uint64_t)pte >> 12 == strtoul(argv[i], NULL, 10))
            return 1;
    }
    return argc == 2 + PROC_MBOX_PAGES ? 0 : 2;
}

/* exec gives the process new mailbox pages (the old ones back to exo, unmapped wherever they
 * were: a child its parent mapped them into while it made it keeps no way into them). */
USERTEST(lim_exec_renews_the_mailbox)
{
    static char num[PROC_MBOX_PAGES][24];
    char *argv[3 + PROC_MBOX_PAGES] = {"usertests", "--lim-mbox"};
    for (int i = 0; i < PROC_MBOX_PAGES; i++) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, PROC_MBOX_VA + (uint64_t)i * 4096);
        CHECK_EQ(pte >= 0, 1);
        snprintf(num[i], sizeof num[i], "%lu", (unsigned long)((uint64_t)pte >> 12));
        argv[2 + i] = num[i];
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) { /* the child's own mailbox: its pages, as they are before its exec */
        for (int i = 0; i < PROC_MBOX_PAGES; i++) {
            int64_t pte = exo_page_lookup(EXO_CAP_SELF, PROC_MBOX_VA + (uint64_t)i * 4096);
            snprintf(num[i], sizeof num[i], "%lu", (unsigned long)((uint64_t)pte >> 12));
        }
        execve("/usertests", argv, NULL);
        _exit(99);
    }
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0);
    return 0;
}

/* Processes pm counts against RLIMIT_NPROC (all but init, zombies included). */
static int procs_now(void)
{
    const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
    int n = 0;
    for (int s = 1; s < PROC_MAX; s++)
        n += t->e[s].state != PROC_FREE;
    return n;
}

#define MANY 120

/* 120 children alive at once, each asleep in a read of one pipe; RLIMIT_NPROC still bounds
 * fork exactly; at EOF each exits with its own status, and every one is reaped with it. */
USERTEST(lim_120_processes_at_once)
{
    static pid_t pids[MANY];
    int p[2];
    CHECK_EQ(pipe(p), 0);
    for (int i = 0; i < MANY; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            char c;
            close(p[1]);
            _exit(read(p[0], &c, 1) == 0 ? i % 100 + 1 : 255);
        }
        if (pid < 0)
            printf("    fork %d: errno %d\n", i, errno);
        CHECK_EQ(pid > 0, 1);
        pids[i] = pid;
    }
    const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
    int alive = 0;
    for (int s = 1; s < PROC_MAX; s++)
        alive += t->e[s].state == PROC_ALIVE && t->e[s].ppid == getpid();
    CHECK_EQ(alive, MANY);
    struct rlimit rl, old;
    CHECK_EQ(getrlimit(RLIMIT_NPROC, &old), 0);
    CHECK_EQ(old.rlim_cur, PROC_MAX);
    rl = (struct rlimit){(rlim_t)procs_now(), old.rlim_max};
    CHECK_EQ(setrlimit(RLIMIT_NPROC, &rl), 0);
    fflush(stdout);
    CHECK_EQ(fork(), -1); /* at the bound */
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(setrlimit(RLIMIT_NPROC, &old), 0);
    close(p[1]);
    close(p[0]);
    for (int i = 0; i < MANY; i++) {
        int st = -1;
        CHECK_EQ(waitpid(pids[i], &st, 0), pids[i]);
        CHECK_EQ(st, (i % 100 + 1) << 8);
    }
    CHECK_EQ(waitpid(-1, NULL, WNOHANG), -1);
    CHECK_EQ(errno, ECHILD);
    return 0;
}

/* One protected control transfer into pm (op, with the mailbox as it is) made straight from
 * assembly with ymm0-15 loaded from in; ymm0-15 stored to out right after: nothing but exo
 * and pm ran in between. pm's reply code. */
static int64_t pct_with_ymm(const uint8_t (*in)[32], uint8_t (*out)[32], uint64_t cap, uint64_t op)
{
    int64_t r;
#define L(n) "vmovdqu " #n "*32(%[in]), %%ymm" #n "\n"
#define S(n) "vmovdqu %%ymm" #n ", " #n "*32(%[out])\n"
    __asm__ volatile(L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14)
                         L(15) "syscall\n" S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10)
                             S(11) S(12) S(13) S(14) S(15) "vzeroupper\n"
                     : "=a"(r)
                     : "a"((uint64_t)EXO_CALL_pct_call), "D"(cap), "S"(op),
                       "d"(0ull), [in] "r"(in), [out] "r"(out)
                     : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
                       "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
                       "xmm15");
#undef L
#undef S
    return r;
}

/* A client whose YMM registers (upper halves included) are all set calls pm and gets every
 * byte back: exo keeps each env's XSAVE state, and pm's call entry (pm_entry.S) saves its own
 * main loop's with XSAVE, AVX included, before its C runs. */
USERTEST(lim_pm_call_keeps_ymm)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    CHECK_EQ((c >> 28) & 1, 1); /* AVX (TCG's -cpu max has it) */
    static uint8_t in[16][32] __attribute__((aligned(32))), out[16][32];
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 32; j++)
            in[i][j] = (uint8_t)(0x5a ^ (i * 32 + j) * 7);
    const struct proc_mbox *mb = (const struct proc_mbox *)PROC_MBOX_VA;
    int done = 0;
    for (int k = 0; k < 1000 && !done; k++) {
        proc_msg()->a[0] = 0; /* getpgid(0) */
        memset(out, 0, sizeof out);
        int64_t r = pct_with_ymm((const uint8_t(*)[32])in, out, mb->pm_cap, PM_OP_getpgid);
        CHECK_EQ(memcmp(in, out, sizeof in), 0); /* whatever pm answered */
        done = r == PM_R_DONE;
        if (!done)
            proc_yield(); /* pm busy: call again */
    }
    CHECK_EQ(done, 1);
    CHECK_EQ(proc_msg()->ret, getpgid(0));
    return 0;
}

static volatile int usr1s, alrms;

static void on_usr1(int sig)
{
    (void)sig;
    usr1s++;
}

static void on_alrm(int sig)
{
    (void)sig;
    alrms++;
}

/* getpid and clock_gettime answer before any look at signals when the mailbox's attention
 * word is down, and make no exo call; delivery stays exact: a blocked signal from pm keeps
 * the word up, so the very call that unblocks it delivers it; a signal another process sends
 * while we only call getpid arrives; an armed timer's SIGALRM arrives while we only call
 * clock_gettime. */
USERTEST(lim_fast_paths_keep_delivery_exact)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    sa.sa_handler = on_alrm;
    CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
    pid_t me = getpid();
    CHECK_EQ(kill(me, SIGUSR1), 0); /* through pm: the table's pending bit */
    for (int i = 0; i < 100; i++)
        CHECK_EQ(getpid(), me);
    CHECK_EQ(usr1s, 0); /* blocked */
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
    CHECK_EQ(usr1s, 1); /* delivered at that call's return */
    struct timespec ts;
    long before = los_exo_calls();
    for (int i = 0; i < 1000; i++) {
        CHECK_EQ(getpid(), me);
        CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    }
    CHECK_EQ(los_exo_calls() - before, 1);                              /* the count itself */
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, (struct timespec *)8), -1); /* fast path: EFAULT */
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(usr1s, 1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(kill(me, SIGUSR1) == 0 ? 0 : 1);
    CHECK_EQ(pid > 0, 1);
    for (long i = 0; i < 100000000 && usr1s == 1; i++)
        CHECK_EQ(getpid(), me);
    CHECK_EQ(usr1s, 2);
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK_EQ(st, 0);
    struct itimerval it = {{0, 0}, {0, 20000}};
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    for (long i = 0; i < 100000000 && alrms == 0; i++)
        CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    CHECK_EQ(alrms, 1);
    CHECK_EQ(usr1s, 2);
    return 0;
}
