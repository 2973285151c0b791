/*
 * sysinfo.c: what a program asks about the system and itself rather than about files: uname,
 * sysinfo, nice values (getpriority/setpriority, kept by pm), CPU affinity, prctl's thread name,
 * the kernel log (syslog/klogctl) and the clock's discipline (adjtimex, read-only). Answered in the
 * process, no exo call but page_count (sysinfo's free RAM) and machine (RAM and CPUs in all).
 * Linux's layouts and results: busybox's uname, free, uptime, nice, nproc, dmesg and adjtimex read
 * these.
 */
#include <posix/calls.h>

#include <exo/abi.h>
#include <los/uaccess.h>
#include <proc/client.h>
#include <proc/msg.h>
#include <proc/layout.h>
#include <proc/table.h>

#define PAGE 4096ull
#define EACCES 13 /* (not in linux.h's list yet) */

/* struct utsname: six fields of 65 bytes. */
#define UTS_LEN 65
static const char uts[6][UTS_LEN] = {"Tessera", "tessera", "1.0", "#1 Tessera exokernel",
                                     "x86_64",  "(none)"};

long posix_uname(const long a[6])
{
    return los_copy_to_user((void *)a[0], uts, sizeof uts) < 0 ? -LNX_EFAULT : 0;
}

/* struct sysinfo (x86-64): 112 bytes. */
struct lnx_sysinfo {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint32_t pad2;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char rest[4];
};
_Static_assert(sizeof(struct lnx_sysinfo) == 112, "Linux's struct sysinfo");

/* freeram: exo's free pages now; totalram: the RAM envs can hold (exo's machine call: not exo's
 * own pages nor firmware's, as Linux leaves out the kernel's image). procs: the live entries of
 * pm's table (1 without pm). uptime: whole seconds since boot. */
long posix_sysinfo(const long a[6])
{
    struct lnx_sysinfo s = {0};
    uint64_t ns = 0;
    posix_clock_ns(LNX_CLOCK_MONOTONIC, &ns);
    s.uptime = (int64_t)(ns / 1000000000ull);
    long free_pages = los_free_pages();
    s.freeram = free_pages > 0 ? (uint64_t)free_pages * PAGE : 0;
    long total = los_machine(EXO_MACHINE_PAGES);
    s.totalram = total > 0 ? (uint64_t)total * PAGE : s.freeram;
    s.procs = 1;
    if (proc_present) {
        const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
        uint16_t n = 0;
        for (uint32_t i = 0; i < PROC_MAX; i++)
            n += t->e[i].state == PROC_ALIVE;
        s.procs = n;
    }
    s.mem_unit = 1;
    return los_copy_to_user((void *)a[0], &s, sizeof s) < 0 ? -LNX_EFAULT : 0;
}

/* Nice values: pm's (op nice, libos/proc/pm_nice.c), so another process, a group or everyone
 * can be named; a program pm did not make has its own alone (who 0 or its pid). */
#define PRIO_PROCESS 0
#define PRIO_USER 2
static int nice_value; /* without pm: -20..19 */

static long nice_op(long which, long who, long set, long v)
{
    long euid = set ? posix_cred(1) : 0; /* first: it is a pm call of its own, on the mailbox */
    struct pm_msg *m = proc_msg();
    m->a[0] = which;
    m->a[1] = who;
    m->a[2] = set;
    m->a[3] = v;
    m->a[4] = euid; /* (nothing schedules by nice values: pm takes the caller's word) */
    return proc_call(PM_OP_nice);
}

static long prio_target(long which, long who)
{
    if (which < PRIO_PROCESS || which > PRIO_USER)
        return -LNX_EINVAL;
    return who == 0 || who == posix_getpid(NULL) ? 0 : -LNX_ESRCH;
}

long posix_getpriority(const long a[6])
{
    if (proc_present)
        return nice_op(a[0], a[1], 0, 0); /* the system call's 1..40; libc makes it a nice */
    long r = prio_target(a[0], a[1]);
    return r < 0 ? r : 20 - nice_value;
}

long posix_setpriority(const long a[6])
{
    if (proc_present)
        return nice_op(a[0], a[1], 1, a[2]);
    long r = prio_target(a[0], a[1]);
    if (r < 0)
        return r;
    int v = a[2] < -20 ? -20 : a[2] > 19 ? 19 : (int)a[2];
    if (v < nice_value && posix_cred(1) != 0)
        return -EACCES; /* only root raises a priority */
    nice_value = v;
    return 0;
}

/* The CPU set of this process or another live one: every CPU exo runs envs on (its machine
 * call; exo lets no env pick one, so each may run anywhere), in an 8-byte mask (Linux's size for
 * up to 64 CPUs). musl's sysconf(_SC_NPROCESSORS_ONLN) and busybox's nproc count its bits. */
long posix_sched_getaffinity(const long a[6])
{
    int known = a[0] == 0 || a[0] == posix_getpid(NULL) || a[0] == posix_gettid(NULL);
    if (!known && proc_present && a[0] > 0 && a[0] <= INT32_MAX) { /* another process */
        int s = proc_table_find((const struct proc_table *)PROC_TABLE_VA, (int32_t)a[0]);
        known = s >= 0 && ((const struct proc_table *)PROC_TABLE_VA)->e[s].state == PROC_ALIVE;
    }
    if (!known)
        return -LNX_ESRCH;
    if ((unsigned long)a[1] < 8 || (a[1] & 7))
        return -LNX_EINVAL;
    long cpus = los_machine(EXO_MACHINE_CPUS);
    uint64_t mask = cpus >= 64 ? ~0ull : cpus > 1 ? (1ull << cpus) - 1 : 1;
    return los_copy_to_user((void *)a[2], &mask, sizeof mask) < 0 ? -LNX_EFAULT : 8;
}

/* prctl: the thread's name (16 bytes with its NUL); other options EINVAL, as Linux's unknown
 * ones. One name per process here (threads share it). */
#define PR_SET_NAME 15
#define PR_GET_NAME 16
static char comm[16];

long posix_prctl(const long a[6])
{
    char b[16];
    switch (a[0]) {
    case PR_SET_NAME:
        for (int i = 0; i < 15; i++) {
            if (los_copy_from_user(&b[i], (const char *)a[1] + i, 1) < 0)
                return -LNX_EFAULT;
            if (!b[i]) {
                for (int j = i; j < 16; j++)
                    b[j] = 0;
                break;
            }
        }
        b[15] = 0;
        for (int i = 0; i < 16; i++)
            comm[i] = b[i];
        return 0;
    case PR_GET_NAME:
        return los_copy_to_user((void *)a[1], comm, sizeof comm) < 0 ? -LNX_EFAULT : 0;
    default:
        return -LNX_EINVAL;
    }
}

/* syslog (klogctl): exo's console log is not readable from ring 3, so the kernel log is an
 * empty ring: reads return 0 bytes, its size is 0, the console level calls succeed. */
long posix_syslog(const long a[6])
{
    switch (a[0]) {
    case 0:  /* close */
    case 1:  /* open */
    case 5:  /* clear */
    case 6:  /* console off */
    case 7:  /* console on */
    case 9:  /* unread bytes */
    case 10: /* buffer size */
        return 0;
    case 2: /* read (waits for bytes: there never are any, so it does not wait) */
    case 3: /* read all */
    case 4: /* read and clear */
        if (a[2] < 0 || (a[2] > 0 && !a[1]))
            return -LNX_EINVAL;
        return 0;
    case 8: /* console level */
        return a[2] < 1 || a[2] > 8 ? -LNX_EINVAL : 0;
    default:
        return -LNX_EINVAL;
    }
}

/* adjtimex, read-only: the clock is the TSC as exo calibrated it, never disciplined, so the
 * answer is an unsynchronised clock (STA_UNSYNC, TIME_ERROR) with the current time; setting
 * anything (modes != 0) is EPERM. struct timex is 208 bytes on x86-64. */
struct lnx_timex {
    uint32_t modes, pad0;
    int64_t offset, freq, maxerror, esterror;
    int32_t status, pad1;
    int64_t constant, precision, tolerance;
    int64_t tv_sec, tv_usec;
    int64_t tick, ppsfreq, jitter;
    int32_t shift, pad2;
    int64_t stabil, jitcnt, calcnt, errcnt, stbcnt;
    int32_t tai;
    int32_t rest[11];
};
_Static_assert(sizeof(struct lnx_timex) == 208, "Linux's struct timex");
#define STA_UNSYNC 0x40
#define TIME_ERROR 5

long posix_adjtimex(const long a[6])
{
    struct lnx_timex t;
    if (los_copy_from_user(&t.modes, (const void *)a[0], sizeof t.modes) < 0)
        return -LNX_EFAULT;
    if (t.modes != 0)
        return -LNX_EPERM;
    t = (struct lnx_timex){0};
    uint64_t ns = 0;
    posix_clock_ns(LNX_CLOCK_REALTIME, &ns);
    t.maxerror = t.esterror = 16000000; /* Linux's NTP_PHASE_LIMIT: never synchronised */
    t.status = STA_UNSYNC;
    t.constant = 2;
    t.precision = 1;
    t.tolerance = 32768000; /* MAXFREQ_SCALED / 1000: 500 ppm */
    t.tv_sec = (int64_t)(ns / 1000000000ull);
    t.tv_usec = (int64_t)(ns % 1000000000ull / 1000);
    t.tick = 10000; /* USER_HZ 100 */
    return los_copy_to_user((void *)a[0], &t, sizeof t) < 0 ? -LNX_EFAULT : TIME_ERROR;
}
