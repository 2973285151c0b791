/*
 * sched.c: round-robin time slices and directed yield (see sched.h). The policy is a default,
 * not a rule: an env that wants another order yields to whom it chooses.
 */
#include <exo/cmdline.h>
#include <exo/console.h>
#include <exo/env.h>
#include <exo/percpu.h>
#include <exo/pmap.h>
#include <exo/power.h>
#include <exo/sched.h>
#include <exo/vm.h>
#include <exo/x86.h>

extern struct exo_bootinfo exo_bootinfo;
static int last; /* slot of the env that ran last */

static struct env *pick(void)
{
    for (int k = 1; k <= EXO_NENV; k++) {
        struct env *e = &envs[(last + k) % EXO_NENV];
        if (e->state == ENV_RUNNABLE)
            return e;
    }
    return NULL;
}

static int any_alive(void)
{
    for (int i = 0; i < EXO_NENV; i++)
        if (envs[i].state != ENV_FREE)
            return 1;
    return 0;
}

static void __attribute__((noreturn)) run(struct env *e)
{
    last = (int)(e - envs);
    if (e->slice_left == 0)
        e->slice_left = SCHED_SLICE_TICKS;
    env_run(e);
}

void sched_run(void)
{
    static int announced;
    this_cpu()->env = NULL;
    for (;;) {
        struct env *e = pick();
        if (e)
            run(e);
        if (!any_alive() && !announced) {
            announced = 1;
            kprintf("exo: no envs left\n");
            if (exo_cmdline_flag(exo_bootinfo.cmdline, "poweroff"))
                exo_poweroff();
        }
        sti(); /* idle: the next interrupt may make someone runnable */
        hlt();
        cli();
    }
}

void sched_switch_to(struct env *e)
{
    if (e && e->state == ENV_RUNNABLE)
        run(e);
    sched_run();
}

int sched_tick(struct env *e)
{
    if (e->slice_left > 0)
        e->slice_left--;
    return e->slice_left == 0;
}
