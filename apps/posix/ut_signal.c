/*
 * ut_signal.c: signals, sleeps, timers and EFAULT (libos/signal, libos/core/uaccess), with
 * exact values: every pointer-taking call refuses NULL, an unmapped and a kernel address
 * with EFAULT; each fault kind reaches its handler with Linux's siginfo; sigreturn gives back
 * every general register and the XMM/YMM registers; masks, pending sets, SA_RESETHAND,
 * SA_NODEFER, nested handlers, the alternate stack, the stack guard, a storm of signals,
 * itimers while computing, sleeps never shorter than asked and made of one exo call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <posix/posix.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "usertests.h"

/* libos/signal/include/signal/sig.h, which native programs do not see. */
long los_sig_interrupt(void);
void los_sig_post(int sig, int code, long pid);

#define UNMAPPED ((void *)0x300000000000ul) /* between the mappings and the libOS's pages */
#define KERNEL ((void *)0xffff800000000000ul)
#define STACK_TOP 0x7ffffff00000ul /* LOS_STACK_TOP */
#define STACK_LIMIT (8ul << 20)    /* guard.c: the stack grows this far, then the guard */

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ll + t.tv_nsec;
}

/* Installs fn for sig with flags (SA_SIGINFO added) and an empty mask, or with mask. */
static int handle(int sig, void (*fn)(int, siginfo_t *, void *), int flags, const sigset_t *mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    if (mask)
        sa.sa_mask = *mask;
    return sigaction(sig, &sa, NULL);
}

static void dfl(int sig)
{
    signal(sig, SIG_DFL);
}

/* --- EFAULT ----------------------------------------------------------------------------- */

/* Each call given NULL (where NULL is not "none"), an unmapped address, a kernel address, a
 * non-canonical one and (where it writes) a read-only one (this program's text) fails with
 * exactly EFAULT. */
USERTEST(efault_every_pointer)
{
    void *bad[] = {NULL, UNMAPPED, KERNEL, (void *)0x0000900000000000ul, (void *)(uintptr_t)now_ns};
    for (int i = 0; i < 5; i++) {
        void *p = bad[i];
        int null = i == 0, ro = i == 4; /* ro: readable, so only calls that write there fail */
        struct timespec ts = {0, 1};
        struct itimerval itv = {{0, 0}, {0, 0}};
#define EFAULT_IS(call)                                                                            \
    do {                                                                                           \
        errno = 0;                                                                                 \
        CHECK_EQ(call, -1);                                                                        \
        CHECK_EQ(errno, EFAULT);                                                                   \
    } while (0)
        EFAULT_IS(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p));
        EFAULT_IS(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, p));
        EFAULT_IS(syscall(SYS_ioctl, 1, TIOCGWINSZ, p));
        EFAULT_IS(syscall(SYS_read, 2, p, 10));
        EFAULT_IS(syscall(SYS_rt_sigpending, p, 8));
        EFAULT_IS(syscall(SYS_getitimer, ITIMER_REAL, p));
        CHECK_EQ(syscall(SYS_nanosleep, &ts, p), 0); /* rem is written only on EINTR */
        if (!null) {                                 /* for these, NULL means "none wanted" */
            EFAULT_IS(syscall(SYS_clock_getres, CLOCK_MONOTONIC, p));
            EFAULT_IS(syscall(SYS_gettimeofday, p, NULL));
            EFAULT_IS(syscall(SYS_gettimeofday, NULL, p));
            EFAULT_IS(syscall(SYS_time, p));
            EFAULT_IS(syscall(SYS_rt_sigaction, SIGUSR1, NULL, p, 8));
            EFAULT_IS(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, p, 8));
            EFAULT_IS(syscall(SYS_sigaltstack, NULL, p));
            EFAULT_IS(syscall(SYS_setitimer, ITIMER_REAL, &itv, p));
        }
        if (ro)
            continue;
        EFAULT_IS(syscall(SYS_write, 1, p, 10));
        struct iovec iov = {p, 10};
        EFAULT_IS(syscall(SYS_writev, 1, &iov, 1));
        EFAULT_IS(syscall(SYS_writev, 1, p, 1));
        EFAULT_IS(syscall(SYS_readv, 2, p, 1));
        EFAULT_IS(syscall(SYS_rt_sigsuspend, p, 8));
        EFAULT_IS(syscall(SYS_nanosleep, p, NULL));
        EFAULT_IS(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, p, NULL));
        if (!null) {
            EFAULT_IS(syscall(SYS_rt_sigaction, SIGUSR1, p, NULL, 8));
            EFAULT_IS(syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8));
            EFAULT_IS(syscall(SYS_sigaltstack, p, NULL));
            EFAULT_IS(syscall(SYS_setitimer, ITIMER_REAL, p, NULL));
        }
#undef EFAULT_IS
    }
    /* NULL where it means "none": accepted. */
    CHECK_EQ(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL), 0);
    CHECK_EQ(syscall(SYS_gettimeofday, NULL, NULL), 0);
    CHECK_EQ(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 8), 0);
    /* Nothing changed behind a refused call: no mask, no timer, the break where it was. */
    sigset_t m;
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &m), 0);
    CHECK_EQ(sigisemptyset(&m), 1);
    struct itimerval v;
    CHECK_EQ(getitimer(ITIMER_REAL, &v), 0);
    CHECK_EQ(v.it_value.tv_sec | v.it_value.tv_usec, 0);
    return 0;
}

/* --- faults ------------------------------------------------------------------------------ */

static sigjmp_buf fault_jmp;
static volatile siginfo_t fault_info;
static volatile long long fault_rip;

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)sig;
    fault_info = *si;
    fault_rip = uc->uc_mcontext.gregs[REG_RIP];
    siglongjmp(fault_jmp, 1);
}

extern char ut_ud2[], ut_int3_after[];
__asm__(".text\n"
        "ut_raise_ud2: .global ut_raise_ud2\n"
        "ut_ud2: .global ut_ud2\n"
        "    ud2\n"
        "    ret\n"
        "ut_raise_int3: .global ut_raise_int3\n"
        "    int3\n"
        "ut_int3_after: .global ut_int3_after\n"
        "    ret\n");
void ut_raise_ud2(void);
void ut_raise_int3(void);

/* Runs what() with sig handled by on_fault; 1 if the handler ran. */
static int faults(int sig, void (*what)(void))
{
    memset((void *)&fault_info, 0, sizeof fault_info);
    if (handle(sig, on_fault, 0, NULL))
        return 0;
    if (!sigsetjmp(fault_jmp, 1)) {
        what();
        dfl(sig);
        return 0;
    }
    dfl(sig);
    return 1;
}

static void read_unmapped(void)
{
    (void)*(volatile int *)UNMAPPED;
}

static void write_text(void)
{
    *(volatile char *)(uintptr_t)now_ns = 0;
}

static void read_kernel(void)
{
    (void)*(volatile int *)KERNEL;
}

static void read_noncanonical(void)
{
    (void)*(volatile int *)0x0000900000000000ul;
}

static volatile int zero;

static void divide(void)
{
    volatile int x = 7 / zero;
    (void)x;
}

USERTEST(fault_siginfo)
{
    CHECK_EQ(faults(SIGSEGV, read_unmapped), 1);
    CHECK_EQ(fault_info.si_signo, SIGSEGV);
    CHECK_EQ(fault_info.si_code, SEGV_MAPERR);
    CHECK_EQ((uintptr_t)fault_info.si_addr, (uintptr_t)UNMAPPED);

    CHECK_EQ(faults(SIGSEGV, write_text), 1);
    CHECK_EQ(fault_info.si_code, SEGV_ACCERR);
    CHECK_EQ((uintptr_t)fault_info.si_addr, (uintptr_t)now_ns);

    CHECK_EQ(faults(SIGSEGV, read_kernel), 1); /* Linux: kernel space is "not mapped" */
    CHECK_EQ(fault_info.si_code, SEGV_MAPERR);
    CHECK_EQ((uintptr_t)fault_info.si_addr, (uintptr_t)KERNEL);

    CHECK_EQ(faults(SIGSEGV, read_noncanonical), 1); /* a #GP: no address */
    CHECK_EQ(fault_info.si_code, SI_KERNEL);
    CHECK_EQ((uintptr_t)fault_info.si_addr, 0);

    CHECK_EQ(faults(SIGFPE, divide), 1);
    CHECK_EQ(fault_info.si_signo, SIGFPE);
    CHECK_EQ(fault_info.si_code, FPE_INTDIV);
    CHECK_EQ((long long)(uintptr_t)fault_info.si_addr, fault_rip); /* the idiv */

    CHECK_EQ(faults(SIGILL, ut_raise_ud2), 1);
    CHECK_EQ(fault_info.si_signo, SIGILL);
    CHECK_EQ(fault_info.si_code, ILL_ILLOPN);
    CHECK_EQ((uintptr_t)fault_info.si_addr, (uintptr_t)ut_ud2);
    CHECK_EQ(fault_rip, (long long)(uintptr_t)ut_ud2);

    CHECK_EQ(faults(SIGTRAP, ut_raise_int3), 1);
    CHECK_EQ(fault_info.si_signo, SIGTRAP);
    CHECK_EQ(fault_info.si_code, SI_KERNEL);
    CHECK_EQ(fault_rip, (long long)(uintptr_t)ut_int3_after); /* int3 is a trap: after it */

    /* The mask siglongjmp restored: nothing blocked. */
    sigset_t m;
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &m), 0);
    CHECK_EQ(sigisemptyset(&m), 1);
    return 0;
}

static volatile char *target;

static void read_target(void)
{
    (void)*target;
}

static void write_target(void)
{
    *target = 1;
}

/* PROT_NONE keeps a page's bytes (a fault there is SEGV_ACCERR, as on Linux), mprotect gives
 * them back, MADV_DONTNEED zeroes private anonymous memory, munmap frees even a PROT_NONE page. */
USERTEST(mprotect_none_and_madvise)
{
    char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_EQ(m != MAP_FAILED, 1);
    m[0] = 'a';
    m[4096] = 'b';
    CHECK_EQ(mprotect(m, 4096, PROT_NONE), 0);
    target = m;
    CHECK_EQ(faults(SIGSEGV, read_target), 1);
    CHECK_EQ(fault_info.si_code, SEGV_ACCERR);
    CHECK_EQ((uintptr_t)fault_info.si_addr, (uintptr_t)m);
    CHECK_EQ(write(1, m, 1), -1); /* a call handed it: EFAULT */
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(m[4096], 'b'); /* the other page is untouched */
    CHECK_EQ(mprotect(m, 4096, PROT_READ), 0);
    CHECK_EQ(m[0], 'a');
    CHECK_EQ(faults(SIGSEGV, write_target), 1);
    CHECK_EQ(fault_info.si_code, SEGV_ACCERR);
    CHECK_EQ(mprotect(m, 4096, PROT_READ | PROT_WRITE), 0);
    m[1] = 'c';
    CHECK_EQ(madvise(m, 2 * 4096, MADV_DONTNEED), 0);
    CHECK_EQ(m[0] | m[1] | m[4096], 0);
    CHECK_EQ(mprotect(m, 4096, PROT_NONE), 0);
    CHECK_EQ(munmap(m, 2 * 4096), 0);
    CHECK_EQ(faults(SIGSEGV, read_target), 1);
    CHECK_EQ(fault_info.si_code, SEGV_MAPERR);
    return 0;
}

/* --- sigreturn: every register comes back ------------------------------------------------ */

/* in[0..14]: rax rbx rcx rdx rsi rdi rbp r8..r15 (rdi last loaded), in[16..79]: ymm0..15
 * (4 words each; xmm only without AVX: the low 2). ud2 raises SIGILL; the handler skips it
 * and clobbers every vector register; then everything is stored to out in the same layout,
 * out[15] = rsp after minus rsp before. */
__asm__(".text\n"
        "ut_regs: .global ut_regs\n"
        "    push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
        "    push %rsi\n"                 /* out */
        "    push %rdx\n"                 /* avx flag */
        "    mov %rsp, %rax; push %rax\n" /* rsp before, at 0(%rsp) */
        "    cmpq $0, 8(%rsp); je 1f\n"
        "    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
        "    vmovdqu 128+32*\\n(%rdi), %ymm\\n\n"
        "    .endr\n"
        "    jmp 2f\n"
        "1:  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
        "    movdqu 128+32*\\n(%rdi), %xmm\\n\n"
        "    .endr\n"
        "2:  mov 0(%rdi), %rax; mov 8(%rdi), %rbx; mov 16(%rdi), %rcx; mov 24(%rdi), %rdx\n"
        "    mov 32(%rdi), %rsi; mov 48(%rdi), %rbp; mov 56(%rdi), %r8; mov 64(%rdi), %r9\n"
        "    mov 72(%rdi), %r10; mov 80(%rdi), %r11; mov 88(%rdi), %r12; mov 96(%rdi), %r13\n"
        "    mov 104(%rdi), %r14; mov 112(%rdi), %r15; mov 40(%rdi), %rdi\n"
        "ut_regs_ud2: .global ut_regs_ud2\n"
        "    ud2\n"
        "    xchg %rdi, 16(%rsp)\n" /* rdi = out; the test's rdi where out was */
        "    mov %rax, 0(%rdi); mov %rbx, 8(%rdi); mov %rcx, 16(%rdi); mov %rdx, 24(%rdi)\n"
        "    mov %rsi, 32(%rdi); mov %rbp, 48(%rdi); mov %r8, 56(%rdi); mov %r9, 64(%rdi)\n"
        "    mov %r10, 72(%rdi); mov %r11, 80(%rdi); mov %r12, 88(%rdi); mov %r13, 96(%rdi)\n"
        "    mov %r14, 104(%rdi); mov %r15, 112(%rdi)\n"
        "    mov 16(%rsp), %rax; mov %rax, 40(%rdi)\n"
        "    lea 8(%rsp), %rax; sub 0(%rsp), %rax; mov %rax, 120(%rdi)\n"
        "    cmpq $0, 8(%rsp); je 3f\n"
        "    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
        "    vmovdqu %ymm\\n, 128+32*\\n(%rdi)\n"
        "    .endr\n"
        "    vzeroupper\n"
        "    jmp 4f\n"
        "3:  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
        "    movdqu %xmm\\n, 128+32*\\n(%rdi)\n"
        "    .endr\n"
        "4:  add $24, %rsp\n"
        "    pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
        "    ret\n");
void ut_regs(const uint64_t *in, uint64_t *out, long avx);
extern char ut_regs_ud2[];

static int avx;

static void clobber_and_skip(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)sig;
    (void)si;
    uc->uc_mcontext.gregs[REG_RIP] += 2; /* past the ud2 */
    if (avx)
        __asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n"
                         ".irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
                         "vmovdqa %%ymm0, %%ymm\\n\n"
                         ".endr\n" ::
                             : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                               "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
                               "xmm15");
    else
        __asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n"
                         ".irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
                         "movdqa %%xmm0, %%xmm\\n\n"
                         ".endr\n" ::
                             : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                               "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
                               "xmm15");
    __asm__ volatile("mov $-1, %%rbx; mov $-1, %%r12; mov $-1, %%r13; mov $-1, %%r14; "
                     "mov $-1, %%r15" ::
                         : "rbx", "r12", "r13", "r14", "r15");
}

static int cpu_avx(void)
{
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!(c & (1u << 28)) || !(c & (1u << 27))) /* AVX, OSXSAVE */
        return 0;
    __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
    return (a & 6) == 6; /* XCR0: SSE and AVX state enabled */
}

USERTEST(sigreturn_restores_registers)
{
    static uint64_t in[16 + 64], out[16 + 64];
    avx = cpu_avx();
    printf("    vector registers checked: %s\n", avx ? "ymm0..15" : "xmm0..15");
    for (int i = 0; i < 16 + 64; i++)
        in[i] = 0x1111111111111111ull * (uint64_t)(i % 15 + 1) ^ (uint64_t)i << 56;
    memset(out, 0, sizeof out);
    CHECK_EQ(handle(SIGILL, clobber_and_skip, 0, NULL), 0);
    ut_regs(in, out, avx);
    dfl(SIGILL);
    for (int i = 0; i < 15; i++)
        CHECK_EQ(out[i], in[i]);
    CHECK_EQ(out[15], 0); /* rsp */
    for (int r = 0; r < 16; r++)
        for (int w = 0; w < (avx ? 4 : 2); w++)
            CHECK_EQ(out[16 + 4 * r + w], in[16 + 4 * r + w]);
    return 0;
}

/* --- masks, pending, flags -------------------------------------------------------------- */

static volatile int count1, count2, depth, max_depth;
static volatile siginfo_t last_info;
static char order[64];
static volatile int order_n;

static void note(char c)
{
    if (order_n < (int)sizeof order - 1)
        order[order_n++] = c;
    order[order_n] = 0;
}

static void reset_notes(void)
{
    count1 = count2 = depth = max_depth = order_n = 0;
    order[0] = 0;
}

static void count_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    count1++;
    last_info = *si;
}

USERTEST(mask_blocks_pending_shows)
{
    reset_notes();
    CHECK_EQ(handle(SIGUSR1, count_usr1, 0, NULL), 0);
    sigset_t s, old, pend;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &s, &old), 0);
    CHECK_EQ(sigisemptyset(&old), 1);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(raise(SIGUSR1), 0); /* a standard signal: pending once */
    CHECK_EQ(count1, 0);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, SIGUSR1), 1);
    CHECK_EQ(sigismember(&pend, SIGUSR2), 0);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &s, NULL), 0); /* delivered before this returns */
    CHECK_EQ(count1, 1);
    CHECK_EQ(last_info.si_signo, SIGUSR1);
    CHECK_EQ(last_info.si_code, SI_TKILL);
    CHECK_EQ(last_info.si_pid, getpid());
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigisemptyset(&pend), 1);

    /* SIGKILL and SIGSTOP are never blocked; a bad how is EINVAL. */
    sigfillset(&s);
    CHECK_EQ(sigprocmask(SIG_SETMASK, &s, NULL), 0);
    CHECK_EQ(sigprocmask(SIG_SETMASK, NULL, &old), 0);
    CHECK_EQ(sigismember(&old, SIGKILL), 0);
    CHECK_EQ(sigismember(&old, SIGSTOP), 0);
    CHECK_EQ(sigismember(&old, SIGUSR1), 1);
    sigemptyset(&s);
    CHECK_EQ(sigprocmask(SIG_SETMASK, &s, NULL), 0);
    CHECK_EQ(syscall(SYS_rt_sigprocmask, 7, &s, NULL, 8), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &s, NULL, 4), -1);
    CHECK_EQ(errno, EINVAL);

    /* Ignoring a pending signal discards it. */
    sigaddset(&s, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &s, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(signal(SIGUSR1, SIG_IGN) != SIG_ERR, 1);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, SIGUSR1), 0);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &s, NULL), 0);
    CHECK_EQ(count1, 1);
    dfl(SIGUSR1);
    return 0;
}

USERTEST(sigaction_checks)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    CHECK_EQ(sigaction(SIGKILL, &sa, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(sigaction(SIGSTOP, &sa, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_rt_sigaction, 0, NULL, &old, 8), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_rt_sigaction, 65, NULL, &old, 8), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 16), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(sigaction(SIGKILL, NULL, &old), 0); /* reading is fine */
    CHECK_EQ(old.sa_handler == SIG_DFL, 1);
    return 0;
}

USERTEST(resethand)
{
    reset_notes();
    CHECK_EQ(handle(SIGUSR1, count_usr1, SA_RESETHAND, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(count1, 1);
    struct sigaction old;
    CHECK_EQ(sigaction(SIGUSR1, NULL, &old), 0);
    CHECK_EQ(old.sa_handler == SIG_DFL, 1);
    CHECK_EQ(old.sa_flags & SA_SIGINFO, 0);
    return 0;
}

static void recurse_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    count1++;
    if (++depth > max_depth)
        max_depth = depth;
    if (count1 < 3)
        raise(sig);
    depth--;
}

USERTEST(nodefer_nests)
{
    /* Without SA_NODEFER the handler's own signal waits until it returns: depth 1. */
    reset_notes();
    CHECK_EQ(handle(SIGUSR1, recurse_usr1, 0, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(count1, 3);
    CHECK_EQ(max_depth, 1);
    /* With it, each raise runs a handler inside the last one. */
    reset_notes();
    CHECK_EQ(handle(SIGUSR1, recurse_usr1, SA_NODEFER, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(count1, 3);
    CHECK_EQ(max_depth, 3);
    dfl(SIGUSR1);
    return 0;
}

static void outer(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    note('(');
    raise(SIGUSR2);
    note(')');
}

static void inner(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    note('2');
}

USERTEST(nested_and_sa_mask)
{
    reset_notes();
    CHECK_EQ(handle(SIGUSR1, outer, 0, NULL), 0);
    CHECK_EQ(handle(SIGUSR2, inner, 0, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(strcmp(order, "(2)"), 0); /* USR2's handler ran inside USR1's */
    reset_notes();
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    CHECK_EQ(handle(SIGUSR1, outer, 0, &m), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(strcmp(order, "()2"), 0); /* sa_mask held USR2 back until USR1's returned */
    /* Two pending at once: both run before the unblocking call returns, lowest first taken
     * (so its handler runs last, on top of the other's frame... as Linux stacks them). */
    reset_notes();
    CHECK_EQ(handle(SIGUSR1, count_usr1, 0, NULL), 0);
    sigaddset(&m, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, NULL), 0);
    CHECK_EQ(raise(SIGUSR2), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &m, NULL), 0);
    CHECK_EQ(count1, 1);
    CHECK_EQ(strcmp(order, "2"), 0);
    dfl(SIGUSR1);
    dfl(SIGUSR2);
    return 0;
}

/* A handler installed with the raw call and no SA_RESTORER returns through the libOS's own
 * restorer. */
static void plain(int sig)
{
    (void)sig;
    count1++;
}

USERTEST(raw_sigaction_no_restorer)
{
    reset_notes();
    struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        unsigned long mask;
    } k = {plain, 0, NULL, 0}, o;
    CHECK_EQ(syscall(SYS_rt_sigaction, SIGUSR1, &k, NULL, 8), 0);
    CHECK_EQ(syscall(SYS_kill, getpid(), SIGUSR1), 0);
    CHECK_EQ(count1, 1);
    CHECK_EQ(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &o, 8), 0);
    CHECK_EQ(o.handler == plain, 1);
    CHECK_EQ(o.flags, 0);
    dfl(SIGUSR1);
    return 0;
}

/* --- kill to itself ----------------------------------------------------------------------- */

/* kill and tgkill to ourselves go through the process server and come back as pending
 * signals it sends (si_code SI_USER); tkill (raise) stays in the process (SI_TKILL, our pid). */
USERTEST(kill_self)
{
    reset_notes();
    CHECK_EQ(handle(SIGUSR1, count_usr1, 0, NULL), 0);
    CHECK_EQ(kill(getpid(), SIGUSR1), 0);
    CHECK_EQ(count1, 1);
    CHECK_EQ(last_info.si_signo, SIGUSR1);
    CHECK_EQ(last_info.si_code, SI_USER);
    CHECK_EQ(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1), 0);
    CHECK_EQ(count1, 2);
    CHECK_EQ(syscall(SYS_tkill, gettid(), SIGUSR1), 0);
    CHECK_EQ(count1, 3);
    CHECK_EQ(last_info.si_code, SI_TKILL);
    CHECK_EQ(last_info.si_pid, getpid());
    CHECK_EQ(kill(getpid(), 0), 0);
    CHECK_EQ(count1, 3);
    CHECK_EQ(kill(99999, SIGUSR1), -1); /* no such process */
    CHECK_EQ(errno, ESRCH);
    CHECK_EQ(kill(getpid(), 65), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_tgkill, getpid(), 0, SIGUSR1), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(syscall(SYS_tkill, 0, SIGUSR1), -1);
    CHECK_EQ(errno, EINVAL);
    dfl(SIGUSR1);
    return 0;
}

/* A forked child starts with no pending signal and no timer (POSIX), with the parent's
 * dispositions and mask; the parent keeps both. */
USERTEST(fork_child_signal_state)
{
    reset_notes();
    CHECK_EQ(handle(SIGUSR1, count_usr1, 0, NULL), 0);
    sigset_t m, pend;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    struct itimerval it = {{0, 0}, {10, 0}}, v;
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    pid_t c = fork();
    if (c == 0) {
        int bad = sigpending(&pend) != 0 || sigismember(&pend, SIGUSR1);
        bad |= (getitimer(ITIMER_REAL, &v) != 0 || v.it_value.tv_sec || v.it_value.tv_usec) << 1;
        bad |= (sigprocmask(SIG_BLOCK, NULL, &pend) != 0 || !sigismember(&pend, SIGUSR1)) << 2;
        struct sigaction sa;
        bad |= (sigaction(SIGUSR1, NULL, &sa) != 0 || sa.sa_sigaction != count_usr1) << 3;
        _exit(bad);
    }
    CHECK_EQ(c > 0, 1);
    int status = -1;
    CHECK_EQ(waitpid(c, &status, 0), c);
    CHECK_EQ(WIFEXITED(status), 1);
    CHECK_EQ(WEXITSTATUS(status), 0);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, SIGUSR1), 1); /* the parent's is still there */
    CHECK_EQ(getitimer(ITIMER_REAL, &v), 0);
    CHECK_EQ(v.it_value.tv_sec > 0, 1);
    it = (struct itimerval){{0, 0}, {0, 0}};
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    CHECK_EQ(signal(SIGUSR1, SIG_IGN) != SIG_ERR, 1); /* discards it */
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &m, NULL), 0);
    CHECK_EQ(count1, 0);
    dfl(SIGUSR1);
    return 0;
}

/* los_sig_interrupt, the blocking loops' question: EINTR without SA_RESTART, the restart
 * code (-512) with it, 0 with nothing deliverable; the next call's return delivers. */
USERTEST(interrupt_or_restart)
{
    reset_notes();
    CHECK_EQ(los_sig_interrupt(), 0);
    CHECK_EQ(handle(SIGUSR1, count_usr1, 0, NULL), 0);
    los_sig_post(SIGUSR1, SI_USER, getpid());
    CHECK_EQ(los_sig_interrupt(), -EINTR);
    CHECK_EQ(getppid() >= 0, 1); /* any call: delivered at its return */
    CHECK_EQ(count1, 1);
    CHECK_EQ(handle(SIGUSR1, count_usr1, SA_RESTART, NULL), 0);
    los_sig_post(SIGUSR1, SI_USER, getpid());
    CHECK_EQ(los_sig_interrupt(), -512);
    CHECK_EQ(getppid() >= 0, 1);
    CHECK_EQ(count1, 2);
    CHECK_EQ(los_sig_interrupt(), 0);
    dfl(SIGUSR1);
    return 0;
}

/* --- the alternate stack and the stack guard ---------------------------------------------- */

static char altstack[16384] __attribute__((aligned(16)));
static volatile uintptr_t handler_sp;
static volatile int handler_ss_flags;

static void on_alt(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    volatile char here;
    handler_sp = (uintptr_t)&here;
    stack_t now;
    sigaltstack(NULL, &now);
    handler_ss_flags = now.ss_flags;
    count1++;
}

USERTEST(sigaltstack_used)
{
    reset_notes();
    stack_t ss = {.ss_flags = SS_DISABLE}, old;
    CHECK_EQ(sigaltstack(&ss, NULL), 0);
    CHECK_EQ(sigaltstack(NULL, &old), 0);
    CHECK_EQ(old.ss_flags, SS_DISABLE);
    ss = (stack_t){.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    ss.ss_size = 1024;
    CHECK_EQ(sigaltstack(&ss, NULL), -1);
    CHECK_EQ(errno, ENOMEM);
    ss.ss_size = sizeof altstack;
    ss.ss_flags = 5;
    CHECK_EQ(sigaltstack(&ss, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    ss.ss_flags = 0;
    CHECK_EQ(sigaltstack(&ss, NULL), 0);
    CHECK_EQ(sigaltstack(NULL, &old), 0);
    CHECK_EQ(old.ss_flags, 0);
    CHECK_EQ((uintptr_t)old.ss_sp, (uintptr_t)altstack);
    CHECK_EQ(old.ss_size, sizeof altstack);

    CHECK_EQ(handle(SIGUSR1, on_alt, SA_ONSTACK, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(count1, 1);
    CHECK_EQ(handler_sp > (uintptr_t)altstack && handler_sp < (uintptr_t)altstack + sizeof altstack,
             1);
    CHECK_EQ(handler_ss_flags, SS_ONSTACK);
    CHECK_EQ(handle(SIGUSR1, on_alt, 0, NULL), 0); /* without SA_ONSTACK: the usual stack */
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(handler_sp > (uintptr_t)altstack && handler_sp < (uintptr_t)altstack + sizeof altstack,
             0);
    CHECK_EQ(handler_ss_flags, 0);
    dfl(SIGUSR1);
    return 0;
}

static volatile long frames;

__attribute__((noinline)) static long deep(long n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    pad[511] = (char)n;
    frames++;
    long r = n ? deep(n - 1) : 0;
    return r + (pad[0] != (char)n) + (pad[511] != (char)n); /* 0 if every frame kept its bytes */
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) static long forever(long n) /* until the stack guard stops it */
{
    volatile char pad[512];
    pad[0] = (char)n;
    frames++;
    return forever(n + 1) + pad[0];
}
#pragma GCC diagnostic pop

/* The stack grows on demand well past the 16 pages the spawner mapped (about 840 KiB deep
 * here), and a call handed a buffer there works. */
USERTEST(stack_grows)
{
    frames = 0;
    CHECK_EQ(deep(1500), 0);
    CHECK_EQ(frames, 1501);
    return 0;
}

static void on_overflow(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    (void)sig;
    volatile char here;
    handler_sp = (uintptr_t)&here;
    fault_info = *si;
    siglongjmp(fault_jmp, 1);
}

USERTEST(stack_overflow_is_sigsegv_on_altstack)
{
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    CHECK_EQ(sigaltstack(&ss, NULL), 0);
    CHECK_EQ(handle(SIGSEGV, on_overflow, SA_ONSTACK, NULL), 0);
    frames = 0;
    if (!sigsetjmp(fault_jmp, 1))
        forever(0);
    dfl(SIGSEGV);
    CHECK_EQ(fault_info.si_signo, SIGSEGV);
    CHECK_EQ(fault_info.si_code, SEGV_MAPERR);
    uintptr_t a = (uintptr_t)fault_info.si_addr, guard = STACK_TOP - STACK_LIMIT;
    printf("    overflow: %ld frames, fault at guard - %lu\n", (long)frames,
           (unsigned long)(guard - a));
    CHECK_EQ(a < guard && a >= guard - 4096, 1); /* the first page below the limit */
    CHECK_EQ(handler_sp > (uintptr_t)altstack && handler_sp < (uintptr_t)altstack + sizeof altstack,
             1);
    CHECK_EQ(frames > 10000, 1);
    ss.ss_flags = SS_DISABLE;
    CHECK_EQ(sigaltstack(&ss, NULL), 0);
    return 0;
}

/* --- a storm ------------------------------------------------------------------------------ */

#define STORM 5000

USERTEST(signal_storm)
{
    reset_notes();
    CHECK_EQ(handle(SIGUSR1, count_usr1, 0, NULL), 0);
    volatile double x = 1.0;
    for (int i = 0; i < STORM; i++) {
        x = x * 1.0001; /* live SSE state across every delivery */
        CHECK_EQ(raise(SIGUSR1), 0);
    }
    CHECK_EQ(count1, STORM);
    double want = 1.0;
    for (int i = 0; i < STORM; i++)
        want = want * 1.0001;
    CHECK_EQ(x == want, 1);
    /* Blocked, a storm is one pending signal. */
    sigset_t m, pend;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, NULL), 0);
    for (int i = 0; i < STORM; i++)
        raise(SIGUSR1);
    CHECK_EQ(count1, STORM);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &m, NULL), 0);
    CHECK_EQ(count1, STORM + 1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &m), 0);
    CHECK_EQ(sigisemptyset(&m), 1);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigisemptyset(&pend), 1);
    dfl(SIGUSR1);
    return 0;
}

/* --- time ----------------------------------------------------------------------------------- */

static volatile int alarms;
static volatile siginfo_t alarm_info;

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    alarms++;
    alarm_info = *si;
}

/* SIGALRM arrives while the program computes with no call at all (a slice-end upcall
 * delivers it), not before its time. */
USERTEST(itimer_while_computing)
{
    alarms = 0;
    CHECK_EQ(handle(SIGALRM, on_alarm, 0, NULL), 0);
    struct itimerval it = {{0, 0}, {0, 50000}}, left;
    long long t0 = now_ns();
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    CHECK_EQ(getitimer(ITIMER_REAL, &left), 0);
    CHECK_EQ(left.it_value.tv_sec, 0);
    CHECK_EQ(left.it_value.tv_usec > 0 && left.it_value.tv_usec <= 50000, 1);
    unsigned long long spins = 0;
    while (!alarms && spins < 4000000000ull) /* computing: no call in this loop */
        spins++;
    long long t = now_ns() - t0;
    CHECK_EQ(alarms, 1);
    CHECK_EQ(t >= 50000000, 1);
    CHECK_EQ(alarm_info.si_signo, SIGALRM);
    CHECK_EQ(alarm_info.si_code, SI_KERNEL);
    CHECK_EQ(getitimer(ITIMER_REAL, &left), 0); /* one shot: disarmed */
    CHECK_EQ(left.it_value.tv_sec | left.it_value.tv_usec, 0);

    /* An interval: three expiries, each woken from pause, at least 3 x 20 ms. */
    alarms = 0;
    it = (struct itimerval){{0, 20000}, {0, 20000}};
    t0 = now_ns();
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    while (alarms < 3) {
        errno = 0;
        CHECK_EQ(pause(), -1);
        CHECK_EQ(errno, EINTR);
    }
    CHECK_EQ(now_ns() - t0 >= 60000000, 1);
    it = (struct itimerval){{0, 0}, {0, 0}};
    CHECK_EQ(setitimer(ITIMER_REAL, &it, &left), 0);
    CHECK_EQ(left.it_interval.tv_usec, 20000);
    CHECK_EQ(alarms, 3);

    CHECK_EQ(alarm(10), 0);
    CHECK_EQ(alarm(0), 10);
    CHECK_EQ(alarm(0), 0);
    CHECK_EQ(syscall(SYS_setitimer, 3 /* no such timer */, &it, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    it.it_value.tv_usec = 1000000;
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    dfl(SIGALRM);
    return 0;
}

/* A sleep is never shorter than asked and is one exo call (exo's own count). */
USERTEST(nanosleep_bounds_and_calls)
{
    struct timespec ts = {0, 1000000}, rem;
    CHECK_EQ(nanosleep(&ts, NULL), 0); /* the first one may make the sleep's event */
    for (long ms = 5; ms <= 45; ms += 20) {
        ts = (struct timespec){0, ms * 1000000};
        long long t0 = now_ns();
        long before = los_exo_calls();
        CHECK_EQ(nanosleep(&ts, &rem), 0);
        long calls = los_exo_calls() - before - 1;
        long long t = now_ns() - t0;
        printf("    nanosleep %ld ms: %lld us, %ld exo calls\n", ms, t / 1000, calls);
        CHECK_EQ(t >= ms * 1000000, 1);
        CHECK_EQ(calls, 1);
    }
    ts = (struct timespec){0, 1000000000};
    CHECK_EQ(nanosleep(&ts, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    ts = (struct timespec){-1, 0};
    CHECK_EQ(nanosleep(&ts, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    ts = (struct timespec){0, 0};
    CHECK_EQ(nanosleep(&ts, NULL), 0);

    /* Absolute: until the clock reads the target, never before. */
    struct timespec target;
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &target), 0);
    target.tv_nsec += 30000000;
    if (target.tv_nsec >= 1000000000) {
        target.tv_sec++;
        target.tv_nsec -= 1000000000;
    }
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
    struct timespec after;
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &after), 0);
    CHECK_EQ(after.tv_sec > target.tv_sec ||
                 (after.tv_sec == target.tv_sec && after.tv_nsec >= target.tv_nsec),
             1);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0); /* past */
    CHECK_EQ(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ts, NULL), EINVAL);
    CHECK_EQ(clock_nanosleep(99, 0, &ts, NULL), EINVAL);
    ts = (struct timespec){0, 20000000};
    CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, 0, &ts, NULL), 0);
    CHECK_EQ(sched_yield(), 0);
    return 0;
}

/* A handled signal ends a sleep early with EINTR and the time left. */
USERTEST(nanosleep_eintr_remaining)
{
    alarms = 0;
    CHECK_EQ(handle(SIGALRM, on_alarm, SA_RESTART, NULL), 0); /* sleeps never restart */
    struct itimerval it = {{0, 0}, {0, 30000}};
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    struct timespec ts = {1, 0}, rem = {0, 0};
    long long t0 = now_ns();
    CHECK_EQ(nanosleep(&ts, &rem), -1);
    long long t = now_ns() - t0;
    CHECK_EQ(errno, EINTR);
    CHECK_EQ(alarms, 1);
    long long left = rem.tv_sec * 1000000000ll + rem.tv_nsec;
    printf("    interrupted after %lld us, %lld us left\n", t / 1000, left / 1000);
    CHECK_EQ(t >= 30000000, 1);
    /* A bound, not a time: the timer fires 30 ms after setitimer, a little before the sleep
     * began, and on two CPUs the sleep's own TSC readings may come from either: at least
     * 10 ms of it was slept. */
    CHECK_EQ(left > 0 && left <= 1000000000 - 10000000, 1);
    CHECK_EQ(left + t >= 1000000000 - 1000000, 1); /* what was slept and what is left: 1 s */
    dfl(SIGALRM);
    return 0;
}

/* sigsuspend: waits under a temporary mask, returns EINTR after the handler, and the old
 * mask (SIGUSR1 blocked) is back. */
USERTEST(sigsuspend_mask)
{
    reset_notes();
    CHECK_EQ(handle(SIGUSR1, count_usr1, 0, NULL), 0);
    sigset_t m, empty, now;
    sigemptyset(&m);
    sigemptyset(&empty);
    sigaddset(&m, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(count1, 0);
    CHECK_EQ(sigsuspend(&empty), -1);
    CHECK_EQ(errno, EINTR);
    CHECK_EQ(count1, 1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &now), 0);
    CHECK_EQ(sigismember(&now, SIGUSR1), 1);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &m, NULL), 0);
    CHECK_EQ(count1, 1);
    /* Woken by a timer while it waits. */
    alarms = 0;
    CHECK_EQ(handle(SIGALRM, on_alarm, 0, NULL), 0);
    struct itimerval it = {{0, 0}, {0, 20000}};
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    CHECK_EQ(sigsuspend(&empty), -1);
    CHECK_EQ(errno, EINTR);
    CHECK_EQ(alarms, 1);
    dfl(SIGALRM);
    dfl(SIGUSR1);
    return 0;
}
