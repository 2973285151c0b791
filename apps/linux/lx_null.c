/*
 * lx_null.c: NULL still faults with the fast path's trampoline page mapped at VA 0 (execute-only,
 * libos/linux/fastpath.c): a load and a store through NULL, a load a little above it, and a call
 * through a NULL function pointer each raise SIGSEGV with SEGV_MAPERR and si_addr as on Linux,
 * caught by a handler that jumps back. A call handed a pointer into that page is EFAULT;
 * munmap of it succeeds (nothing of the program's is there) and calls go on working.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf back;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    printf("  signal %d code %d addr %lx\n", sig, si->si_code, (unsigned long)si->si_addr);
    siglongjmp(back, 1);
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
    printf("done\n");
    return 0;
}
