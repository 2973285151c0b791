/*
 * epoll.c: epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait (and pwait2) over
 * the file layer's instances (libos/fs/epoll.c). In a process pm made, the instance is pm's
 * (shared after fork like every description) and each call is one pm op; epoll_wait asks pm
 * what is ready now, and with nothing ready and a timeout, waits on its own wake event, which
 * pm posts at the next readiness change anywhere (or a signal): one wait per change, no
 * spinning, the deadline a TSC reading for exo's event_wait_until. A signal ends the wait with
 * EINTR (epoll never restarts, SA_RESTART or not, as on Linux). In a program pm did not make
 * the layer is the process's own: nothing else can change it, so a wait only sleeps out its
 * timeout (or a signal). posix_wait_change and posix_deadline_ms serve poll and select too.
 * The events array is checked before the call (EFAULT takes nothing off the ready list).
 */
#include <posix/calls.h>

#include <fs/fs.h>
#include <los/los.h>
#include <los/uaccess.h>
#include <proc/client.h>
#include <signal/sig.h>
#include <thread/thread.h>

#include "files.h"

#define EV_SIZE sizeof(struct fs_epoll_event)
#define PM_MAX_EVENTS (PM_DATA_MAX / EV_SIZE) /* one call's worth; a wait returns fewer */
#define MAX_EVENTS (0x7fffffff / EV_SIZE)

long posix_epoll_create1(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_epoll_create, a[0], 0, 0, 0);
    return fs_epoll_create(posix_files_proc(), (int)a[0]);
}

long posix_epoll_create(const long a[6])
{
    if ((int)a[0] <= 0)
        return -LNX_EINVAL;
    const long b[6] = {0};
    return posix_epoll_create1(b);
}

long posix_epoll_ctl(const long a[6])
{
    int op = (int)a[1];
    struct fs_epoll_event ev = {0, 0};
    if (op != FS_EPOLL_CTL_DEL && los_copy_from_user(&ev, (const void *)a[3], sizeof ev) < 0)
        return -LNX_EFAULT;
    if (proc_present) {
        struct pm_msg *m = proc_msg();
        m->a[0] = a[0], m->a[1] = op, m->a[2] = a[2];
        m->a[3] = ev.events, m->a[4] = (int64_t)ev.data;
        return proc_call(PM_OP_fs_epoll_ctl);
    }
    return fs_epoll_ctl(posix_files_proc(), (int)a[0], op, (int)a[2], &ev);
}

uint64_t posix_deadline_ms(long ms)
{
    unsigned __int128 t = (unsigned __int128)(uint64_t)ms * posix_tsc_hz / 1000;
    return __builtin_ia32_rdtsc() + (t > ~0ull >> 2 ? ~0ull >> 2 : (uint64_t)t) + 1;
}

long posix_wait_change(uint64_t deadline)
{
    if (los_sig_interrupt())
        return -LNX_EINTR;
    int64_t ev = los_sig_wake_event;
    if (ev < 0)
        return los_sig_wait_until(deadline ? deadline : 1) ? -LNX_EINTR : 0;
    int held = los_thread_pm_release(); /* other threads may use the mailbox meanwhile */
    if (deadline)
        exo_event_wait_until((uint64_t)ev, deadline);
    else
        exo_event_wait((uint64_t)ev);
    if (held)
        los_thread_pm_reacquire(held);
    return los_sig_interrupt() ? -LNX_EINTR : 0;
}

/* The events ready now into out (the caller's array, checked writable): how many, or -errno. */
static long ready_now(int epfd, void *out, int max, int arm)
{
    if (!proc_present)
        return fs_epoll_wait(posix_files_proc(), epfd, out, max);
    struct pm_msg *m = proc_msg();
    m->a[0] = epfd, m->a[1] = max, m->a[2] = arm;
    long n = proc_call(PM_OP_fs_epoll_wait);
    if (n > 0 && los_copy_to_user(out, m->data, (uint64_t)n * EV_SIZE) < 0)
        return -LNX_EFAULT;
    return n;
}

static long epoll_wait_(int epfd, void *events, long max, long timeout_ms)
{
    if (max <= 0 || (uint64_t)max > MAX_EVENTS)
        return -LNX_EINVAL;
    uint64_t deadline = timeout_ms > 0 ? posix_deadline_ms(timeout_ms) : 0;
    int n1 = max < (long)PM_MAX_EVENTS ? (int)max : (int)PM_MAX_EVENTS;
    if (los_user_check_write(events, (uint64_t)n1 * EV_SIZE) < 0)
        return -LNX_EFAULT; /* before anything is taken off the ready list */
    for (;;) {
        long n = ready_now(epfd, events, n1, timeout_ms != 0);
        if (n != 0 || timeout_ms == 0 || (deadline && __builtin_ia32_rdtsc() >= deadline))
            return n;
        long w;
        if (!proc_present) /* nothing but a signal can change this process's own files */
            return (w = los_sig_wait_until(deadline)) ? -LNX_EINTR : 0;
        if ((w = posix_wait_change(deadline)) < 0)
            return w;
    }
}

long posix_epoll_wait(const long a[6])
{
    return epoll_wait_((int)a[0], (void *)a[1], a[2], (int)a[3]);
}

/* The signal mask for the wait (a[4], a[5] = its size), as ppoll's: the caller's again after. */
static long with_mask(const long a[6], long timeout_ms)
{
    if (!a[4])
        return epoll_wait_((int)a[0], (void *)a[1], a[2], timeout_ms);
    uint64_t mask;
    if (a[5] != 8)
        return -LNX_EINVAL;
    if (los_copy_from_user(&mask, (const void *)a[4], sizeof mask) < 0)
        return -LNX_EFAULT;
    los_sig_call_mask(mask);
    long r = epoll_wait_((int)a[0], (void *)a[1], a[2], timeout_ms);
    if (r != -LNX_EINTR)
        los_sig_call_mask_end(); /* else the handler's frame has it, or delivery restores it */
    return r;
}

long posix_epoll_pwait(const long a[6])
{
    return with_mask(a, (int)a[3]);
}

/* epoll_pwait2: a struct timespec timeout (NULL: none), to the millisecond here. */
long posix_epoll_pwait2(const long a[6])
{
    long ms = -1;
    if (a[3]) {
        struct lnx_timespec ts;
        if (los_copy_from_user(&ts, (const void *)a[3], sizeof ts) < 0)
            return -LNX_EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -LNX_EINVAL;
        uint64_t t = (uint64_t)ts.tv_sec * 1000 + ((uint64_t)ts.tv_nsec + 999999) / 1000000;
        ms = ts.tv_sec > 1000000000 ? 0x7fffffff : (long)t;
    }
    return with_mask(a, ms);
}
