/*
 * vdso.c: the vDSO, an ELF shared object (linux-vdso.so.1) the runtime maps into every Linux
 * process (vdso_map.c, AT_SYSINFO_EHDR), built by the host's gcc as Linux builds its own
 * (arch/x86/entry/vdso): position-independent, no relocations, no data of its own. Its five
 * calls, version LINUX_2.6 (vdso.lds), run in the binary's own context with no call into the
 * runtime: the clocks are one rdtsc and a multiply by what the runtime put in the read-only vvar
 * page (the libOS's own clock, posix/clock.c); getcpu reads IA32_TSC_AUX, which exo sets to the
 * CPU's number (rdpid, else rdtscp). Other clocks, and getcpu on a CPU with neither
 * instruction, make the real `syscall`, as Linux's vDSO does (reflected to the runtime).
 */
#include <linux_rt/vvar.h>

#define NS 1000000000ull
#define SYS_gettimeofday 96
#define SYS_time 201
#define SYS_clock_gettime 228
#define SYS_clock_getres 229
#define SYS_getcpu 309

struct timespec {
    int64_t tv_sec, tv_nsec;
};
struct timeval {
    int64_t tv_sec, tv_usec;
};
struct timezone {
    int tz_minuteswest, tz_dsttime;
};

/* One page below the image (vdso.lds): a RIP-relative address, no relocation. */
extern const volatile struct lnx_vvar lnx_vvar_page __attribute__((visibility("hidden")));

static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

static uint64_t ns_now(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t t = (uint64_t)hi << 32 | lo;
    return (uint64_t)(((unsigned __int128)t * lnx_vvar_page.mult) >> 32);
}

int __vdso_clock_gettime(long clk, struct timespec *ts)
{
    uint64_t ns;
    if (__builtin_expect(clk == 1, 1)) { /* CLOCK_MONOTONIC, the common case: one compare */
        ns = ns_now();
        ts->tv_sec = (int64_t)(ns / NS);
        ts->tv_nsec = (int64_t)(ns % NS);
        return 0;
    }
    switch (clk) {
    case 0: /* CLOCK_REALTIME */
    case 5: /* CLOCK_REALTIME_COARSE */
        ns = ns_now() + lnx_vvar_page.realtime_ns;
        break;
    case 1: /* CLOCK_MONOTONIC */
    case 4: /* CLOCK_MONOTONIC_RAW */
    case 6: /* CLOCK_MONOTONIC_COARSE */
    case 7: /* CLOCK_BOOTTIME */
        ns = ns_now();
        break;
    default:
        return (int)sys3(SYS_clock_gettime, clk, (long)ts, 0);
    }
    ts->tv_sec = (int64_t)(ns / NS);
    ts->tv_nsec = (int64_t)(ns % NS);
    return 0;
}

/* posix/clock.c's resolution: 1 ns for every clock it serves. */
int __vdso_clock_getres(long clk, struct timespec *res)
{
    if (clk < 0 || clk > 7 || clk == 2 || clk == 3) /* not one of __vdso_clock_gettime's */
        return (int)sys3(SYS_clock_getres, clk, (long)res, 0);
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = 1;
    }
    return 0;
}

int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz)
{
    if (tv) {
        uint64_t ns = ns_now() + lnx_vvar_page.realtime_ns;
        tv->tv_sec = (int64_t)(ns / NS);
        tv->tv_usec = (int64_t)(ns % NS / 1000);
    }
    if (tz) { /* UTC, no daylight saving: posix/clock.c's answer */
        tz->tz_minuteswest = 0;
        tz->tz_dsttime = 0;
    }
    return 0;
}

long __vdso_time(long *t)
{
    long s = (long)((ns_now() + lnx_vvar_page.realtime_ns) / NS);
    if (t)
        *t = s;
    return s;
}

/* TSC_AUX as Linux sets it: (node << 12) | cpu; exo's node is 0. */
long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
    uint64_t aux;
    switch (lnx_vvar_page.getcpu) {
    case LNX_VVAR_CPU_RDPID:
        __asm__ volatile("rdpid %0" : "=r"(aux));
        break;
    case LNX_VVAR_CPU_RDTSCP: {
        uint32_t lo, hi, c;
        __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
        aux = c;
        break;
    }
    default:
        return sys3(SYS_getcpu, (long)cpu, (long)node, (long)cache);
    }
    if (cpu)
        *cpu = (unsigned)(aux & 0xfff);
    if (node)
        *node = (unsigned)(aux >> 12 & 0xfffff);
    return 0;
}

/* The unprefixed names, as Linux's vDSO has them. */
int clock_gettime(long, struct timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int clock_getres(long, struct timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
int gettimeofday(struct timeval *, struct timezone *)
    __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
long getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
