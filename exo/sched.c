/*
 * sched.c: round-robin time slices and directed yield (see sched.h). The policy is a default,
 * not a rule: an env that wants another order yields to whom it chooses.
 */
#include <common/cmdline.h>
#include <exo/console.h>
#include <exo/env.h>
#include <exo/fpu.h>
#include <exo/lapic.h>
#include <exo/lock.h>
#include <exo/trap.h>
#include <exo/percpu.h>
#include <exo/pmap.h>
#include <exo/power.h>
#include <exo/sched.h>
#include <exo/vm.h>
#include <exo/x86.h>

extern struct exo_bootinfo exo_bootinfo;
static int last[EXO_MAXCPU]; /* per CPU: slot of the env it ran last */

int sched_may_run(const struct env *e)
{
    /* Not running on another CPU, not claimed by a transfer that waits for it, and not
     * resting after a yield (sched_yield), nor stopped (env_stop). */
    return e->state == ENV_RUNNABLE && !e->stopped && (!e->oncpu || e->oncpu == this_cpu()) &&
           e->claim_until <= exo_ticks && e->rest_until <= exo_ticks;
}

/* Round robin over the envs this CPU ran last (or that never ran); another CPU's only when
 * there is none of those: an env stays where its TLB and cache are, and a CPU whose envs keep
 * yielding does not take turns from a busy env on another CPU. */
static struct env *pick(void)
{
    uint32_t me = this_cpu()->id;
    struct env *other = NULL;
    int top = (int)env_top;
    for (int k = 1; k <= top; k++) {
        struct env *e = &envs[(last[me] + k) % top];
        if (!sched_may_run(e))
            continue;
        if (e->last_cpu == me + 1 || e->last_cpu == 0)
            return e;
        if (!other)
            other = e;
    }
    return other;
}

static int any_alive(void)
{
    for (int i = 0; i < (int)env_top; i++)
        if (envs[i].state != ENV_FREE)
            return 1;
    return 0;
}

/* Is an env other than e runnable with no CPU (and neither claimed nor resting)? Then an idle
 * CPU should take it now rather than at its next tick. */
static int others_waiting(const struct env *e)
{
    for (int i = 0; i < (int)env_top; i++)
        if (&envs[i] != e && envs[i].state == ENV_RUNNABLE && !envs[i].oncpu &&
            envs[i].claim_until <= exo_ticks && envs[i].rest_until <= exo_ticks)
            return 1;
    return 0;
}

static void __attribute__((noreturn)) run(struct env *e)
{
    if (exo_ncpu > 1 && others_waiting(e))
        sched_kick();
    last[this_cpu()->id] = (int)(e - envs);
    if (e->slice_left == 0)
        e->slice_left = SCHED_SLICE_TICKS;
    env_run(e);
}

void sched_run(void)
{
    static int announced;
    struct percpu *c = this_cpu();
    if (c->env) { /* it may run elsewhere now, or here again */
        c->env->oncpu = NULL;
        c->env = NULL;
    }
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
        /* Idle: no env's tables (they may be freed while we sleep), no lock. The next
         * interrupt, or a reschedule IPI from sched_kick, may have made someone runnable. */
        pmap_activate(vm_kernel_pml4);
        fpu_leave(c); /* another CPU may take the env whose registers we hold */
        c->idle = 1;
        bkl_unlock();
        sti();
        hlt();
        cli();
        bkl_lock();
        c->idle = 0;
    }
}

void sched_switch_to(struct env *e)
{
    /* An env running on another CPU already has one: the yield goes to anyone instead. */
    if (e && sched_may_run(e))
        run(e);
    sched_run();
}

void sched_yield(struct env *self, struct env *t)
{
    if (t && sched_may_run(t))
        run(t);
    /* A caller that polls for another env's progress by yielding (los_wait, the fuzzer's
     * watchdog) would otherwise come straight back here while the env it waits for runs on
     * another CPU, and loop through exo as fast as the lock allows: two such pollers kept the
     * lock from the one env doing work (the fuzzer on two CPUs crawled at tens to hundreds of
     * calls a second on a loaded host). Resting, a poller costs one trip through exo per tick. */
    self->rest_until = exo_ticks + 1;
    struct env *e = pick();
    if (e) {
        if (!t)
            self->rest_until = 0; /* plain round robin: anyone's turn, then ours again */
        run(e);
    }
    sched_run(); /* idle until the next tick or a kick */
}

void sched_kick(void)
{
    struct percpu *me = this_cpu();
    for (int i = 0; i < exo_ncpu; i++)
        if (&cpus[i] != me && cpus[i].idle) {
            lapic_ipi(cpus[i].lapic_id, ICR_FIXED | VEC_RESCHED);
            return; /* one is enough: it runs the env or kicks no one else */
        }
}

int sched_tick(struct env *e)
{
    if (e->slice_left > 0)
        e->slice_left--;
    return e->slice_left == 0;
}
