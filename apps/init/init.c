/*
 * init.c: the first env, loaded by exo from the boot archive with exo's command line. It greets,
 * runs what the command line asks for (init.test: the in-guest tests, init.viotest=PORT: the
 * virtio tests, PORT being the host's UDP echo server, init.vionettest=PORT: the virtio-net
 * tests on a host tap, init.bench: the exo microbenchmarks,
 * init.blkbench: the virtio-blk benchmark, init.fuzz: the call fuzzer, init.run=NAME[,ARG...]:
 * the archive's program NAME with argv NAME ARG... — a per-app image's app (build/app_image.py),
 * after nocloud, the first-boot configuration, when the image carries it), and ends.
 * init is also pm, the process server (libos/proc): init.run's program is process 2, made
 * through pm, and init serves the processes it and its descendants make until it ends, then
 * prints how it ended. With none of these jobs (and no `poweroff`, which asks for a run that
 * ends) init is the system's init: /etc/inittab on the root (initrun.c).
 */
#include <common/cmdline.h>
#include <los/los.h>
#include <los/spawn.h>
#include <proc/lnx.h>
#include <proc/pm.h>
#include <proc/status.h>

extern const char *los_cmdline;

int init_inittab(void); /* initrun.c: -1 if there is no /etc/inittab */

#define VIOTEST_ARG (1ull << 40) /* apps/tests/exotest.h EXOTEST_ARG_PARAM */

/* Runs an archive program to its end, passing on init's right to bind interrupt vectors and
 * to use the virtio devices (los_run); 0 if it could be started. */
static int run_args(const char *name, const char *cmdline, uint64_t arg)
{
    int64_t r = los_run(name, cmdline, arg);
    if (r < 0)
        los_printf("init: cannot start %s: %ld\n", name, (long)r);
    return (int)r;
}

static int run(const char *name, uint64_t arg)
{
    return run_args(name, NULL, arg);
}

/* init.run=NAME,ARG,...: the program NAME with the command line "NAME ARG ..." (exo's command
 * line is space-separated, so the words come comma-separated). */
static void run_cmdline(void)
{
    char v[LOS_CMDLINE_MAX], name[64];
    int r = exo_cmdline_value(los_cmdline, "init.run", v, sizeof v);
    if (r == EXO_E_RANGE) { /* a cut argument list would run the program with other words */
        los_printf("init: init.run is longer than %d bytes: not run\n", (int)sizeof v - 1);
        return;
    }
    if (r != 0)
        return;
    const void *nocloud;
    uint64_t nocloud_size;
    if (los_archive_find("nocloud", &nocloud, &nocloud_size) == 0)
        run("nocloud", 0); /* first-boot configuration, if the image carries it */
    size_t n = 0;
    for (; v[n] && v[n] != ',' && n + 1 < sizeof name; n++)
        name[n] = v[n];
    name[n] = 0;
    if (v[n] && v[n] != ',') {
        los_printf("init: init.run: program name longer than %d bytes: not run\n",
                   (int)sizeof name - 1);
        return;
    }
    for (char *c = v; *c; c++)
        if (*c == ',')
            *c = ' ';
    int status = 0;
    int64_t pid = pm_run(name, v, &status); /* process 2, through pm */
    if (pid < 0)
        los_printf("init: cannot start %s: %ld\n", name, (long)pid);
    else if (status < 0)
        los_printf("init: %s: lost\n", name);
    else if (PROC_W_IFEXITED(status))
        los_printf("init: %s: exit %d\n", name, PROC_W_EXITSTATUS(status));
    else
        los_printf("init: %s: killed by signal %d%s\n", name, PROC_W_TERMSIG(status),
                   PROC_W_COREDUMP(status) ? " (core dumped)" : "");
}

int main(uint64_t archive, uint64_t size)
{
    los_printf("init: hello from ring 3 (env %ld, archive %lu bytes at 0x%lx)\n",
               (long)exo_env_self(), size, archive);
    int r = pm_init();
    if (r < 0)
        los_printf("init: the process server did not start: %d\n", r);
    if (exo_cmdline_flag(los_cmdline, "init.test"))
        run("exotest", 0);
    run_cmdline();
    char port[8];
    if (exo_cmdline_value(los_cmdline, "init.viotest", port, sizeof port) == 0) {
        uint64_t p = 0;
        for (const char *c = port; *c >= '0' && *c <= '9'; c++)
            p = p * 10 + (uint64_t)(*c - '0');
        run("viotest", VIOTEST_ARG | p); /* the exotest runner's EXOTEST_ARG_PARAM */
    }
    if (exo_cmdline_value(los_cmdline, "init.vionettest", port, sizeof port) == 0) {
        uint64_t p = 0;
        for (const char *c = port; *c >= '0' && *c <= '9'; c++)
            p = p * 10 + (uint64_t)(*c - '0');
        run("vionettest", VIOTEST_ARG | p); /* drivers/tests/virtio_tap_test.py */
    }
    if (exo_cmdline_flag(los_cmdline, "init.blkbench"))
        run("blkbench", 0); /* virtio-blk reads: ./tessera bench blk */
    if (exo_cmdline_flag(los_cmdline, "init.bench"))
        run("exobench", 0); /* microbenchmarks: ./tessera bench exo */
    if (exo_cmdline_flag(los_cmdline, "init.fuzz"))
        run("fuzz", 0); /* the exo call fuzzer: boot test exo.boot.fuzz */
    static const char *const jobs[] = {"init.test",       "init.run",      "init.viotest",
                                       "init.vionettest", "init.blkbench", "init.bench",
                                       "init.fuzz",       "poweroff"};
    int job = 0;
    for (unsigned i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        char v[2];
        job |= exo_cmdline_flag(los_cmdline, jobs[i]) ||
               exo_cmdline_value(los_cmdline, jobs[i], v, sizeof v) != EXO_E_NOENT;
    }
    if (!job)
        init_inittab();
    return 0;
}
