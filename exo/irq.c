/*
 * irq.c: binding device vectors to events (see irq.h). A CAP_IRQ names a range of vectors
 * (obj = first | last << 8) with EXO_RIGHT_BIND; a binding is just the event's reference, so
 * it dies with the event (a stale one is ignored and may be bound again). A live binding
 * belongs to its event: only an env holding that event (POST) unbinds or rebinds the vector;
 * another CAP_IRQ holder gets EXO_E_BUSY (bind) or EXO_E_PERM (unbind), and the binding stays.
 * An env makes at most IRQ_PER_ENV live bindings (EXO_E_NOMEM beyond), so that no one env can
 * take every vector from irq_claim, which gives device queues theirs (vio_setup).
 */
#include <exo/event.h>
#include <exo/irq.h>
#include <exo/lapic.h>
#include <exo/syscall.h>
#include <exo/trap.h>

static uint32_t binding[256];  /* vector -> event reference (0: none) */
static uint8_t claimed[256];   /* vectors exo gave a device queue (vio_queue.c): not for irq_bind */
static uint32_t bound_by[256]; /* vector -> id of the env that made its binding */
static uint64_t fired[256];    /* vector -> interrupts that arrived on it (observe) */
static void (*handler[256])(void); /* vector -> exo's own handler: a device exo drives itself */

#define IRQ_PER_ENV 32 /* live bindings an env may make: irq_claim keeps 176 - 32 vectors */
_Static_assert(EXO_IRQ_LAST - 16 - EXO_IRQ_FIRST + 1 > IRQ_PER_ENV, "irq_claim's range");

static uint32_t live(int v)
{
    return binding[v] && event_alive(binding[v]) ? binding[v] : 0;
}

/* How many live bindings env `id` has made. */
static int bindings_of(uint32_t id)
{
    int n = 0;
    for (int v = EXO_IRQ_FIRST; v <= EXO_IRQ_LAST; v++)
        n += !claimed[v] && bound_by[v] == id && live(v);
    return n;
}

void irq_cap_init(struct env *init)
{
    init->caps[EXO_CAP_IRQS] = (struct cap){.type = CAP_IRQ,
                                            .rights = EXO_RIGHT_BIND,
                                            .obj = EXO_IRQ_FIRST | (uint64_t)EXO_IRQ_LAST << 8};
}

/* Test only (EXO_IRQ_TEST_IPI on an exception vector, event = EXO_ANY): raises `vector` < 32
 * as an interrupt, what a device forging a message can do under QEMU (docs/status.md). exo
 * drops it (trap.c); the result is how many it has dropped so far, so the next such call shows
 * this one arrived. Harmless by that design; still only for a holder of every device vector
 * (a CAP_IRQ narrowed to some vectors does not stand for exo's own). */
static int64_t raise_exception_vector(struct env *self, uint64_t vector)
{
    if (!cap_covers_range(self, CAP_IRQ, EXO_IRQ_FIRST, EXO_IRQ_LAST)) /* init's, or a copy */
        return EXO_E_PERM;
    int64_t dropped = (int64_t)__atomic_load_n(&trap_stray_interrupts, __ATOMIC_RELAXED);
    lapic_self_ipi((uint8_t)vector);
    return dropped;
}

int64_t sys_irq_bind(uint64_t vector, uint64_t event)
{
    struct env *self = caller();
    uint64_t test_ipi = vector & EXO_IRQ_TEST_IPI, unbind = vector & EXO_IRQ_UNBIND;
    vector &= ~(EXO_IRQ_TEST_IPI | EXO_IRQ_UNBIND);
    if (test_ipi && !unbind && vector < 32 && event == EXO_ANY)
        return raise_exception_vector(self, vector);
    if (vector < EXO_IRQ_FIRST || vector > EXO_IRQ_LAST)
        return EXO_E_RANGE;
    if (!cap_covers(self, CAP_IRQ, vector))
        return EXO_E_PERM;
    if (claimed[vector])
        return EXO_E_BUSY; /* a device queue's: its owner binds it with vio_queue_open */
    uint32_t ref = 0, bound = live((int)vector);
    if (event != EXO_ANY) {
        int r = cap_event(self, event, EXO_RIGHT_POST, &ref);
        if (r < 0)
            return r;
    }
    /* A live binding is its event's: only a holder of that event (POST) ends or replaces it. */
    if (unbind || event == EXO_ANY) {
        if (bound && bound != ref)
            return EXO_E_PERM; /* EXO_ANY, or another event than the bound one */
        ref = 0;
    } else if (bound && bound != ref) {
        return EXO_E_BUSY; /* another live binding: its holder unbinds it first */
    } else if (!(bound && bound_by[vector] == self->id) && bindings_of(self->id) >= IRQ_PER_ENV) {
        return EXO_E_NOMEM; /* a new binding beyond the caller's share */
    }
    binding[vector] = ref;
    bound_by[vector] = ref ? self->id : 0;
    /* Test only: no device needed to see a vector arrive. Harmless: the caller may bind the
     * vector, so it can only post events it could post itself. It arrives once we leave exo. */
    if (test_ipi)
        lapic_self_ipi((uint8_t)vector);
    return 0;
}

int irq_names(uint32_t ref)
{
    for (int v = 0; v < 256; v++)
        if (binding[v] == ref)
            return 1;
    return 0;
}

int irq_fire(uint64_t vector)
{
    if (vector >= 256)
        return 0;
    fired[vector]++;
    if (handler[vector]) {
        handler[vector]();
        return 1;
    }
    if (!binding[vector])
        return 0;
    if (event_post_ref(binding[vector]) < 0) {
        binding[vector] = 0; /* the event has ended */
        return 0;
    }
    return 1;
}

int irq_claim(void)
{
    /* From the top of the range down, below the last 16 (left to envs' own bindings). */
    for (int v = EXO_IRQ_LAST - 16; v >= EXO_IRQ_FIRST; v--)
        if (!claimed[v] && !live(v)) {
            claimed[v] = 1;
            binding[v] = 0;
            bound_by[v] = 0;
            return v;
        }
    return EXO_E_NOMEM;
}

void irq_set(int vector, uint32_t ref)
{
    binding[vector] = ref;
}

void irq_set_handler(int vector, void (*fn)(void))
{
    handler[vector] = fn;
}

int64_t irq_observe(int vector)
{
    uint64_t by = live(vector) && !claimed[vector] ? bound_by[vector] : 0;
    return (int64_t)(by | (uint64_t)claimed[vector] << 32);
}

int64_t irq_count(int vector)
{
    return (int64_t)fired[vector];
}
