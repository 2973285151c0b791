/*
 * initrun.c: init as a system's init: /etc/inittab (busybox's format, inittab.c) read from the
 * root, sysinit and wait entries run in order and waited for, once entries started, respawn
 * and askfirst entries (through askfirst.c: the prompt, a wait for Enter) started and started
 * again when they end (one ending within a second of its start ten times in a row waits 5 s
 * before its next start, with a line, as busybox's init; none is dropped for good), orphans
 * reaped (pm keeps init's children for this loop: pm_init_keeps). An inittab longer than
 * TAB_BYTES is read up to its last whole line within them, with a line saying so. A reboot(2)
 * call or busybox's signals to pid 1 end the loop: the shutdown entries run, every process gets
 * SIGTERM and, a second later, SIGKILL, the file systems are synced and the disks unmounted
 * cleanly, and exo's power call ends the machine (halt too: a halted VM has nothing to resume,
 * so it powers off as poweroff does). /proc, /dev and /tmp are mounted by pm as the file layer
 * starts (libos/fs/pm_fs.c). A process is its words (no shell): the first is the path
 * ("-/bin/sh": the path /bin/sh, argv[0] "-/bin/sh", a login shell as busybox's init makes it).
 */
#include <common/cmdline.h>
#include <los/los.h>
#include <proc/lnx.h>
#include <proc/pm.h>
#include <proc/status.h>

#include "inittab.h"

#define MAX_ENTRIES 32
#define TAB_BYTES 8192
#define FAST_LIMIT 10 /* respawns that ended within a second, in a row, before a pause */
#define BACKOFF_S 5   /* that pause */

static struct init_entry tab[MAX_ENTRIES];
static struct {
    int32_t pid;    /* running now (0: not) */
    int dead;       /* could not start: will not start again */
    int fast;       /* how many runs in a row ended within a second */
    uint64_t start; /* TSC at its start */
    uint64_t later; /* respawning too fast: start again at this TSC (0: not waiting) */
} run[MAX_ENTRIES];
extern const char *los_cmdline;
static char text[TAB_BYTES + 1]; /* one more: a longer file is seen */
static int n;
static uint64_t hz;

static uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* Starts entry i: its pid, or -errno (said on the console). */
static int64_t start(int i)
{
    char path[INIT_PROCESS_MAX];
    const char *p = tab[i].process + (tab[i].process[0] == '-');
    int k = 0;
    for (; p[k] && p[k] != ' ' && p[k] != '\t'; k++)
        path[k] = p[k];
    path[k] = 0;
    char probe[1], cmd[INIT_PROCESS_MAX + 24] = "/askfirst ";
    long r = pm_file_read(path, probe, sizeof probe); /* a missing program: no prompt for it */
    if (tab[i].action == INIT_ASKFIRST && r >= 0 && pm_file_read("/askfirst", probe, 1) >= 0) {
        int at = 10; /* askfirst.c prompts, waits for Enter, execs the process */
        if (exo_cmdline_flag(los_cmdline, "bench.prompt")) { /* bench boot --prompt's stamps */
            for (const char *f = "--tsc "; *f; f++)
                cmd[at++] = *f;
        }
        for (int j = 0; tab[i].process[j] && at < (int)sizeof cmd - 1; j++)
            cmd[at++] = tab[i].process[j];
        cmd[at] = 0;
        int64_t pid = pm_start_path("/askfirst", cmd);
        run[i].pid = pid > 0 ? (int32_t)pid : 0;
        run[i].start = tsc();
        return pid;
    }
    int64_t pid = r < 0 ? r : pm_start_path(path, tab[i].process);
    if (pid < 0)
        los_printf("init: %s: cannot start (%ld)\n", tab[i].process, (long)pid);
    run[i].pid = pid > 0 ? (int32_t)pid : 0;
    run[i].start = tsc();
    return pid;
}

/* Waits for entry i's process (others ending meanwhile are noted): its status, -1 if lost. */
static int wait_for(int i)
{
    while (run[i].pid) {
        int status;
        int32_t pid = pm_wait_init(0, &status);
        if (pid <= 0)
            return -1; /* a stop request: the caller looks */
        for (int j = 0; j < n; j++)
            if (run[j].pid == pid) {
                run[j].pid = 0;
                if (j == i)
                    return status;
            }
    }
    return -1;
}

static void run_all(enum init_action a)
{
    for (int i = 0; i < n && !pm_init_stop; i++)
        if (tab[i].action == a && start(i) > 0)
            wait_for(i);
}

static void start_all(void)
{
    for (int i = 0; i < n; i++)
        if (tab[i].action == INIT_ONCE || tab[i].action == INIT_RESPAWN ||
            tab[i].action == INIT_ASKFIRST)
            if (start(i) < 0 && tab[i].action != INIT_ONCE)
                run[i].dead = 1;
}

/* An entry's process ended: a respawn or askfirst one starts again. */
static void ended(int i)
{
    run[i].pid = 0;
    if (tab[i].action != INIT_RESPAWN && tab[i].action != INIT_ASKFIRST)
        return;
    run[i].fast = tsc() - run[i].start < hz ? run[i].fast + 1 : 0;
    if (run[i].fast >= FAST_LIMIT) {
        los_printf("init: %s: respawning too fast: again in %d s\n", tab[i].process, BACKOFF_S);
        run[i].fast = 0;
        run[i].later = tsc() + BACKOFF_S * hz;
        return;
    }
    if (start(i) < 0)
        run[i].dead = 1;
}

/* The earliest TSC a waiting entry starts again at (0: none waits). */
static uint64_t next_later(void)
{
    uint64_t t = 0;
    for (int i = 0; i < n; i++)
        if (run[i].later && (!t || run[i].later < t))
            t = run[i].later;
    return t;
}

/* Starts the waiting entries whose pause is over. */
static void start_later(void)
{
    for (int i = 0; i < n && !pm_init_stop; i++)
        if (run[i].later && tsc() >= run[i].later) {
            run[i].later = 0;
            if (start(i) < 0)
                run[i].dead = 1;
        }
}

static int live(void)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += run[i].pid != 0 ||
             (!run[i].dead && (tab[i].action == INIT_RESPAWN || tab[i].action == INIT_ASKFIRST));
    return k;
}

/* The end: shutdown entries, every process ended, disks synced and unmounted, power. */
static void shutdown(int how)
{
    static const char *const what[] = {"", "powering off", "rebooting", "halting"};
    los_printf("init: %s\n", what[how]);
    int stop = pm_init_stop;
    pm_init_stop = 0; /* the shutdown entries are waited for */
    run_all(INIT_SHUTDOWN);
    pm_init_stop = stop;
    pm_signal_all(LNX_SIGTERM);
    int status;
    uint64_t deadline = tsc() + hz;
    while (pm_alive_count() && pm_wait_init(deadline, &status) != -1)
        ;
    if (pm_alive_count()) {
        pm_signal_all(LNX_SIGKILL);
        while (pm_alive_count() && pm_wait_init(tsc() + hz, &status) != -1)
            ;
    }
    long r = pm_fs_shutdown();
    if (r < 0)
        los_printf("init: sync and unmount: %ld\n", r);
    if (how == PM_STOP_HALT) /* a halted VM has nothing left to resume: it ends as poweroff */
        los_printf("init: halted\n");
    exo_power(how == PM_STOP_REBOOT ? EXO_POWER_RESET : EXO_POWER_OFF);
}

int init_inittab(void)
{
    long len = pm_file_read("/etc/inittab", text, sizeof text);
    if (len < 0)
        return -1; /* no inittab: init's other jobs, as before */
    if (len > TAB_BYTES) {
        len = (long)inittab_whole_lines(text, (size_t)len, TAB_BYTES);
        los_printf("init: /etc/inittab: longer than %d bytes: only its first %ld read\n", TAB_BYTES,
                   len);
    }
    hz = (uint64_t)exo_clock();
    int bad, first;
    n = inittab_parse(text, (size_t)len, tab, MAX_ENTRIES, &bad, &first);
    if (bad)
        los_printf("init: /etc/inittab: %d bad lines (the first: line %d) skipped\n", bad, first);
    pm_init_keeps = 1; /* init's children wait for this loop to reap them */
    run_all(INIT_SYSINIT);
    run_all(INIT_WAIT);
    if (!pm_init_stop)
        start_all();
    while (!pm_init_stop && live()) {
        int status;
        int32_t pid = pm_wait_init(next_later(), &status);
        for (int i = 0; pid > 0 && i < n; i++)
            if (run[i].pid == pid)
                ended(i);
        start_later();
    }
    if (!pm_init_stop) {
        pm_init_keeps = 0;
        los_printf("init: nothing left to run\n");
        return 0;
    }
    shutdown(pm_init_stop);
    return 0;
}
