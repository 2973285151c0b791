/*
 * lx_null.c: NULL still faults with the fast path's trampoline page mapped at VA 0 (execute-only,
 * libos/linux/fastpath.c): a load and a store through NULL, a load a little above it, and a call
 * through a NULL function pointer each raise SIGSEGV with SEGV_MAPERR and si_addr as on Linux,
 * caught by a handler that jumps back. A call handed a pointer into that page is EFAULT;
 * munmap of it succeeds (nothing of the program's is there) and calls go on working; so does a
 * munmap of the 1 TiB at 0x6f00'0000'0000 (Tessera's libOS range: the runtime and vDSO), where
 * mprotect and madvise are ENOMEM as for memory not mapped.
 * A forged rt_sigreturn to rip 0 with rsp 0 or 136 (a stack nothing can be read from or pushed
 * to) faults at 0: the process is killed by SIGSEGV without a handler or with one on that stack,
 * and a handler on an alternate stack sees SEGV_MAPERR at 0 and rip 0, as on
 * Linux: it never spins. A handler of a call through NULL finds the return address at rsp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf back;
extern char __executable_start[], etext[]; /* the linker's: the program's text */

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    /* At rip 0 (a call through NULL) the word at rsp is the call's return address, as a
     * debugger or unwinder reads it. */
    const greg_t *g = ((ucontext_t *)uc)->uc_mcontext.gregs;
    char ret[40] = "";
    if (g[REG_RIP] == 0) {
        unsigned long w = *(const unsigned long *)g[REG_RSP];
        snprintf(ret, sizeof ret, ", return address in text %d",
                 w > (unsigned long)__executable_start && w < (unsigned long)etext);
    }
    printf("  signal %d code %d addr %lx%s\n", sig, si->si_code, (unsigned long)si->si_addr, ret);
    siglongjmp(back, 1);
}

/* On the alternate stack: how the fault looked, and the child's exit. */
static void on_segv_alt(int sig, siginfo_t *si, void *uc)
{
    const greg_t *g = ((ucontext_t *)uc)->uc_mcontext.gregs;
    printf("  alternate stack: signal %d code %d addr %lx rip %lx\n", sig, si->si_code,
           (unsigned long)si->si_addr, (unsigned long)g[REG_RIP]);
    fflush(stdout);
    _exit(3);
}

/* A child sigreturns to rip 0 and rsp (user code and stack selectors, every other word 0), with
 * no handler for SIGSEGV (how 0), its handler on its stack (1), or on an alternate stack (2);
 * the parent prints how it ended. */
static void forged_sigreturn(int how, unsigned long rsp)
{
    fflush(stdout); /* (the child's _exit after its own fflush must not repeat ours) */
    pid_t pid = fork();
    if (pid == 0) {
        static ucontext_t uc; /* rt_sigreturn's frame: the ucontext at rsp */
        memset(&uc, 0, sizeof uc);
        uc.uc_mcontext.gregs[REG_CSGSFS] = 0x33 | (0x2bull << 48); /* cs, ss */
        uc.uc_mcontext.gregs[REG_EFL] = 0x202;
        uc.uc_mcontext.gregs[REG_RSP] = (greg_t)rsp;
        if (how == 0)
            signal(SIGSEGV, SIG_DFL);
        if (how == 2) {
            static char alt[65536];
            stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
            sigaltstack(&ss, NULL);
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = on_segv_alt;
            sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
            sigaction(SIGSEGV, &sa, NULL);
        }
        __asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall" : : "r"(&uc) : "memory");
        _exit(99);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    static const char *const hows[] = {"no handler", "handler", "handler on an alternate stack"};
    printf("forged sigreturn to rip 0 rsp %lu (%s): %s %d\n", rsp, hows[how],
           WIFSIGNALED(st) ? "killed by signal" : "exit",
           WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    int *volatile null = NULL;
    volatile unsigned char *volatile low = (unsigned char *)0x1f0;
    void (*volatile fn)(void) = NULL;
    printf("load through NULL\n");
    if (!sigsetjmp(back, 1))
        printf("  read %d\n", *null);
    printf("store through NULL\n");
    if (!sigsetjmp(back, 1)) {
        *null = 1;
        printf("  stored\n");
    }
    printf("load at 0x1f0\n");
    if (!sigsetjmp(back, 1))
        printf("  read %d\n", *low);
    printf("call through NULL\n");
    if (!sigsetjmp(back, 1)) {
        fn();
        printf("  returned\n");
    }
    printf("write from 0x10\n");
    fflush(stdout);
    errno = 0;
    long r = write(1, (const void *)0x10, 4);
    printf("  %ld errno %d\n", r, errno);
    printf("munmap of page 0: %d\n", munmap(NULL, 4096));
    printf("getpid after it: %d\n", getpid() > 0);
    /* Nothing of the program's at 0x6f00'0000'0000 (Tessera's libOS range, a Linux binary's
     * runtime and vDSO among it): on both, munmap is 0, mprotect and madvise ENOMEM */
    void *rt = (void *)0x6f0000000000ul;
    printf("munmap of 1 TiB at 0x6f0000000000: %d\n", munmap(rt, 1ul << 40));
    int r1 = mprotect(rt, 4096, PROT_READ), e1 = errno;
    printf("mprotect there: %d errno %d\n", r1, e1);
    r1 = madvise(rt, 4096, MADV_DONTNEED), e1 = errno;
    printf("madvise there: %d errno %d\n", r1, e1);
    struct timespec ts;
    printf("clock_gettime after it: %d\n", clock_gettime(CLOCK_MONOTONIC, &ts));
    printf("getpid after it: %d\n", getpid() > 0);
    fflush(stdout);
    forged_sigreturn(0, 0);
    forged_sigreturn(1, 0);
    forged_sigreturn(2, 0);
    forged_sigreturn(0, 136); /* (Tessera: below its resume's 128 + 24 bytes) */
    forged_sigreturn(2, 136);
    printf("done\n");
    return 0;
}
