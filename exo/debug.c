/*
 * debug.c: a snapshot of exo's scheduling state on an NMI (see debug.h). An NMI is not masked by
 * cli, so it reaches a CPU spinning on the lock or on a shootdown with interrupts off: exactly
 * the state a hang leaves behind. Nothing here takes the lock (the holder may be the CPU that
 * is stuck): the snapshot may be torn, which is acceptable for a report read by a human.
 */
#include <exo/console.h>
#include <exo/debug.h>
#include <exo/env.h>
#include <exo/ksym.h>
#include <exo/lapic.h>
#include <exo/lock.h>
#include <exo/percpu.h>
#include <exo/x86.h>

#include <stddef.h>

extern struct exo_ksyms exo_ksyms;

/* Where the NMI found each CPU, filled by that CPU before it checks in. */
static struct {
    uint64_t rip, cs;
} seen[EXO_MAXCPU];
static volatile uint32_t arrived, released; /* per round: a bit per CPU checked in; round done */
static volatile uint32_t round;

/* This CPU's record. Not this_cpu(): an NMI may land on the first instruction of
 * syscall_entry or just before env_pop_tf's iretq, where GS still holds the env's base. */
static struct percpu *nmi_cpu(void)
{
    for (int k = 0; k < 2; k++) {
        uint64_t b = rdmsr(k ? MSR_KERNEL_GS_BASE : MSR_GS_BASE);
        for (int i = 0; i < exo_ncpu; i++)
            if (b == (uint64_t)&cpus[i])
                return &cpus[i];
    }
    return &cpus[0];
}

static const char *state_name(enum env_state s)
{
    static const char *const names[] = {"free", "ready", "runnable", "blocked"};
    return (unsigned)s < 4 ? names[s] : "?";
}

static void print_cpu(const struct percpu *c)
{
    uint64_t off = 0, rip = seen[c->id].rip;
    /* No symbols on the PVH path (no kernel file): then addr2line -e exo.elf names the rip. */
    const char *sym = (seen[c->id].cs & 3) ? NULL : exo_ksyms_lookup(&exo_ksyms, rip, &off);
    kprintf("exo: dump: cpu %u: %s env %u ticks %lu pml4 0x%lx tlb %u%s, NMI at 0x%lx (%s", c->id,
            c->idle ? "idle" : "busy", c->env ? c->env->id : 0, c->ticks, c->pml4, c->tlb.pending,
            bkl.holder == (int32_t)c->id ? ", holds bkl" : "", rip,
            !seen[c->id].cs        ? "no NMI seen"
            : (seen[c->id].cs & 3) ? "ring 3"
            : sym                  ? sym
                                   : "exo");
    if (sym)
        kprintf("+0x%lx", off);
    kprintf(")\n");
}

static void print_envs(void)
{
    for (int i = 0; i < EXO_NENV; i++) {
        const struct env *e = &envs[i];
        if (e->state == ENV_FREE)
            continue;
        kprintf("exo: dump: env %u (parent %u): %s oncpu %d last %d claim %lu rest %lu "
                "wait %u pct %u/%u slice %u runs %lu rip 0x%lx\n",
                e->id, e->parent, state_name(e->state), e->oncpu ? (int)e->oncpu->id : -1,
                (int)e->last_cpu - 1, e->claim_until, e->rest_until, e->wait_event, e->pct_caller,
                e->pct_callee, e->slice_left, e->runs, e->tf.rip);
    }
}

void debug_nmi(const struct trapframe *tf)
{
    struct percpu *c = nmi_cpu();
    uint32_t r = round;
    seen[c->id].rip = tf->rip;
    seen[c->id].cs = tf->cs;
    __atomic_fetch_or(&arrived, 1u << c->id, __ATOMIC_ACQ_REL);
    /* A CPU that never checks in (not up, or its NMI lost) only delays the report. */
    uint64_t give_up = rdtsc() + exo_tsc_hz;
    if (c->id != 0) {
        while (released == r && rdtsc() < give_up)
            pause();
        return;
    }
    uint32_t up = 1;
    for (int i = 1; i < exo_ncpu; i++)
        up |= (uint32_t)(cpus[i].up != 0) << i;
    /* QEMU's inject-nmi reaches the boot CPU only: pass it on to whoever has not come. */
    tsc_delay_us(10000);
    for (int i = 1; i < exo_ncpu; i++)
        if ((up >> i & 1) && !(arrived >> i & 1))
            lapic_nmi_ipi(cpus[i].lapic_id);
    while ((arrived & up) != up && rdtsc() < give_up)
        pause();
    kprintf("exo: dump: NMI, tick %lu, bkl taken %lu times, held by cpu %d\n", exo_ticks, bkl.taken,
            bkl.holder);
    for (int i = 0; i < exo_ncpu; i++)
        print_cpu(&cpus[i]);
    print_envs();
    kprintf("exo: dump: end\n");
    for (int i = 0; i < exo_ncpu; i++)
        seen[i].cs = 0;
    arrived = 0;
    round = r + 1;
    __atomic_store_n(&released, r + 1, __ATOMIC_RELEASE);
}
