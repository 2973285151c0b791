/*
 * tty.c: exo's console as this process's terminal (fds 0, 1, 2) in a program pm did not make
 * (under pm, pm holds the console for every process: libos/dev/pm_tty.c): the console device
 * (libos/dev/console.c) and its line discipline (libos/tty) live in this process, which is its
 * session leader and foreground group. Reads block on the console's cons_bind event (no spinning)
 * and go through the discipline: canonical editing and echo, ^D, raw mode with VMIN/VTIME; termios
 * and the other TTY ioctls act on it; getrandom is the ChaCha20 generator of libos/dev, seeded from
 * the CPU.
 *
 * The console's input belongs to one env at a time (exo's rule, exo/cons_in.c): this process
 * takes it at its first read. If another env holds it (a parent that read before forking us
 * included), reads see end of file, as before input existed. With pm, the process facts (pid,
 * group, session) are pm's table's, and ^C goes to the others of the foreground group through
 * pm's kill. Output still goes straight to cons_write (console.c): OPOST's only effect on this
 * console, ONLCR, is what exo's serial console does anyway.
 */
#include <dev/dev.h>
#include <dev/random.h>
#include <dev/tty_dev.h>
#include <los/los.h>
#include <posix/calls.h>
#include <proc/client.h>

static uint64_t ms_ticks; /* TSC ticks per millisecond */
static int set_up, bound;
static int64_t bound_env; /* the env that bound the console: a forked child is another */

/* Who we are: pm's table says (a plain read), else one process leading its own session. */
static void who(struct fs_proc *p, struct tty_who *w)
{
    (void)p;
    if (proc_present) {
        const struct proc_entry *e = proc_self();
        *w = (struct tty_who){.pid = e->pid, .pgrp = e->pgid, .sid = e->sid};
    } else {
        *w = (struct tty_who){.pid = (int)posix_pid, .pgrp = (int)posix_pid, .sid = (int)posix_pid};
    }
}

static int ctty(struct fs_proc *p, const struct fs_dev_ops **ops, void **dev)
{
    (void)p;
    *ops = &dev_console_ops;
    *dev = &dev_console;
    return 0;
}

static uint64_t now_ms(void)
{
    return __builtin_ia32_rdtsc() / ms_ticks;
}

/* What ^C, ^\ and ^Z do to this process until the signals part delivers them (a strong
 * definition replaces this one): the default actions with no handlers and no job control. */
__attribute__((weak)) void posix_tty_signal(int sig)
{
    if (sig != TTY_SIGINT && sig != TTY_SIGQUIT && sig != TTY_SIGHUP)
        return; /* SIGTSTP, SIGWINCH, SIGCONT: nothing without job control */
    if (proc_present)
        proc_sig_die(sig, sig == TTY_SIGQUIT); /* pm records "killed by sig" (core for ^\) */
    los_exit(128 + sig);
}

/* To the foreground group: pm signals the others in it (its default actions), we act here. */
static void on_signal(int pgrp, int sig)
{
    struct tty_who me;
    who(0, &me);
    if (proc_present && pgrp > 0) {
        const long a[6] = {-pgrp, sig};
        posix_kill(a);
    }
    if (pgrp == me.pgrp)
        posix_tty_signal(sig);
}

static void setup(void)
{
    static const struct dev_host host = {
        .who = who, .ctty = ctty, .now_ms = now_ms, .signal = on_signal};
    if (set_up)
        return;
    set_up = 1;
    ms_ticks = (uint64_t)exo_clock() / 1000;
    if (!ms_ticks)
        ms_ticks = 1;
    dev_set_host(&host);
    dev_console_setup();
    struct tty_who me; /* our controlling terminal, our group in the foreground */
    who(0, &me);
    dev_console.tty.sid = me.sid;
    dev_console.tty.pgrp = me.pgrp;
}

/* Until a VTIME timer ends or input comes: yields (exo has no timed wait yet: call 36). */
static void wait_until(uint64_t deadline)
{
    char none;
    while (now_ms() < deadline && exo_cons_read((uint64_t)&none, 0) == 0)
        exo_yield(EXO_ANY);
}

long posix_tty_read(void *buf, uint64_t len)
{
    if (!len)
        return 0; /* as Linux: a read of nothing returns at once */
    setup();
    if (bound && bound_env != exo_env_self())
        bound = 0; /* a forked child: the binding and its event are the parent's */
    if (!bound) {
        bound = dev_console_init() == 0 ? 1 : -1;
        bound_env = exo_env_self();
    }
    if (bound < 0)
        return 0; /* another env reads the console */
    for (;;) {
        long r = dev_console_ops.read(&dev_console, 0, buf, len, 0);
        if (r != -LNX_EAGAIN)
            return r;
        if (dev_console.wake_at)
            wait_until(dev_console.wake_at);
        else
            exo_event_wait(dev_console.event); /* a post: bytes came */
    }
}

long posix_tty_ioctl(unsigned long req, long arg)
{
    setup();
    long size = tty_ioctl_arg_size(req);
    if (size < 0)
        return size;
    return dev_console_ops.ioctl(&dev_console, 0, req, (void *)arg);
}

unsigned posix_tty_poll(void)
{
    setup();
    if (bound > 0)
        dev_console_input();
    return dev_console_ops.poll(&dev_console);
}

long posix_getrandom(const long a[6])
{
    static long seeded_by; /* the pid that seeded it: a forked child has the parent's copy */
    long me = proc_present ? proc_self()->pid : posix_pid;
    if (seeded_by != me) {
        dev_seed_from_cpu(); /* a child mixes in its own seed: its stream is not its parent's */
        seeded_by = me;
    }
    return dev_getrandom(&dev_rng, (void *)a[0], (unsigned long)a[1], (unsigned)a[2]);
}
