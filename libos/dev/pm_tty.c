/*
 * pm_tty.c: pm holds the terminals for every process: the one console device (console.c) and
 * the other /dev devices registered in pm's file system, exo's console input bound to pm's
 * main event (pm_tty_input runs in pm's loop, never inside a call), the process facts from
 * pm's table, ^C as pm's kill to the foreground group. The console becomes the controlling
 * terminal of the first session leader that opens it (as Linux's without O_NOCTTY) and is
 * free again when that session's leader ends.
 */
#include <dev/dev.h>
#include <dev/tty_dev.h>
#include <los/los.h>
#include <posix/linux.h>
#include <proc/pm.h>

static uint64_t ms_ticks;

static const struct proc_entry *entry(struct fs_proc *p)
{
    struct pm_proc *pp = p ? pm_proc_by_pid(p->pid) : NULL;
    return pp ? pp->e : NULL;
}

static void who(struct fs_proc *p, struct tty_who *w)
{
    const struct proc_entry *e = entry(p);
    if (e)
        *w = (struct tty_who){.pid = e->pid,
                              .pgrp = e->pgid,
                              .sid = e->sid,
                              .privileged = p->cred.euid == 0}; /* TIOCSCTTY 1 may steal */
}

static int ctty(struct fs_proc *p, const struct fs_dev_ops **ops, void **dev)
{
    const struct proc_entry *e = entry(p);
    if (e && dev_pty_controls(e->sid, ops, dev))
        return 0; /* a PTY slave its session took (TIOCSCTTY) */
    if (!e || !dev_console.tty.sid || e->sid != dev_console.tty.sid)
        return -TTY_ENXIO;
    *ops = &dev_console_ops;
    *dev = &dev_console;
    return 0;
}

static uint64_t now_ms(void)
{
    return __builtin_ia32_rdtsc() / ms_ticks;
}

/* pm's kill, as if init sent it: default actions at pm, caught signals left pending. */
static void signal_group(int pgrp, int sig)
{
    static struct pm_msg m; /* big: not on the stack (and no memset in init) */
    m.a[0] = -pgrp;
    m.a[1] = sig;
    pm_op_kill(&pm_procs[0], &m);
}

static int pgrp_check(int pgrp, int sid)
{
    int found = 0;
    for (int s = 1; s < PROC_MAX; s++) {
        const struct proc_entry *e = &pm_table->e[s];
        if ((e->state != PROC_ALIVE && e->state != PROC_ZOMBIE) || e->pgid != pgrp)
            continue;
        if (e->sid == sid)
            return 0;
        found = 1;
    }
    return found ? -LNX_EPERM : -TTY_ESRCH;
}

/* Job control at a terminal (tty/job.c): the caller is in the background. */
static long job(struct fs_proc *p, int pgrp, int sig)
{
    struct pm_proc *pp = p ? pm_proc_by_pid(p->pid) : NULL;
    if (!pp)
        return 0;
    /* Blocked is as ignored here (Linux): nothing would stop it until it unblocks. */
    int ignored = ((pp->sig_ignored | pm_sig_held(pp)) & 1ull << (sig - 1)) != 0;
    if (sig == TTY_SIGTTOU && ignored)
        return 0; /* a write (or a change) from the background that ignores SIGTTOU goes on */
    if (ignored || pm_job_orphaned(pgrp))
        return -LNX_EIO; /* nobody would continue the group */
    signal_group(pgrp, sig);
    return -LNX_EAGAIN; /* stopped (or a handler runs): the call waits and looks again */
}

static void wake(const void *dev)
{
    fs_ready(dev, 0); /* epoll's interests in it learn of it too, then fs_wake */
}

static void console_open(void *dev, struct fs_proc *p)
{
    const struct proc_entry *e = entry(p);
    (void)dev;
    if (e && !dev_console.tty.sid && e->pid == e->sid) { /* a session leader takes it */
        dev_console.tty.sid = e->sid;
        dev_console.tty.pgrp = e->pgid;
    }
}

static void part_exit(struct pm_proc *p)
{
    if (p->e->pid == dev_console.tty.sid) /* the leader ended: the console is free again */
        dev_console.tty.sid = dev_console.tty.pgrp = 0;
    if (p->e->pid == p->e->sid)
        dev_pty_session_ended(p->e->sid); /* and so is a PTY it controlled */
}

static const struct pm_part tty_part = {.exit = part_exit};
static struct fs_dev_ops console_ops;

int pm_tty_start(void)
{
    static const struct dev_host host = {.who = who,
                                         .ctty = ctty,
                                         .now_ms = now_ms,
                                         .signal = signal_group,
                                         .pgrp_check = pgrp_check,
                                         .wake = wake,
                                         .job = job};
    ms_ticks = (uint64_t)exo_clock() / 1000;
    if (!ms_ticks)
        ms_ticks = 1;
    dev_set_host(&host);
    dev_console_setup();
    dev_console.in_server = 1;
    dev_seed_from_cpu();
    int r = pm_parts_add(&tty_part);
    if (r < 0)
        return r;
    console_ops = dev_console_ops;
    console_ops.open = console_open;
    r = dev_register(&console_ops);
    if (r < 0)
        return r;
    r = (int)dev_console_bind(pm_death_cap); /* input posts pm's main event */
    if (r == 0)
        r = pm_loop_add(pm_tty_input);
    return r;
}

void pm_tty_input(void)
{
    if (dev_console.event)
        dev_console_input();
}
