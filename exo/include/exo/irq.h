/*
 * irq.h: device interrupts as events. exo keeps vectors 0..47 and 240..255 for itself and
 * gives init one capability (CAP_IRQ, slot EXO_CAP_IRQS) for EXO_IRQ_FIRST..EXO_IRQ_LAST; an
 * env holding such a capability binds a vector to an event it may post, and exo turns each
 * interrupt on that vector into a post (and the EOI), nothing more.
 */
#ifndef EXO_IRQ_H
#define EXO_IRQ_H

#include <exo/env.h>

#include <stdint.h>

/* Puts the capability for every device vector in init's slot EXO_CAP_IRQS. */
void irq_cap_init(struct env *init);

/* An interrupt on `vector` arrived: posts its bound event. 1 if it was bound (to a live
 * event), 0 if nobody wanted it. The caller sends the EOI. */
int irq_fire(uint64_t vector);

/* 1 if some vector's binding (live or stale) names event reference `ref`. */
int irq_names(uint32_t ref);

/* Takes a free vector for a device queue (vio_queue.c) for good; irq_bind refuses it from then on.
 * EXO_E_NOMEM if none is left. */
int irq_claim(void);

/* Points a claimed vector at event `ref` (0: nowhere). */
void irq_set(int vector, uint32_t ref);

/* Makes a claimed vector call exo's own fn (under the lock, before the EOI) instead of posting
 * an event, for a device exo drives itself (net_nic.c); NULL ends that. */
void irq_set_handler(int vector, void (*fn)(void));

/* observe (observe.c): the id of the env whose live binding vector has (0: none), | 1 << 32 if
 * a device queue claimed it; and the interrupts that arrived on it since boot. */
int64_t irq_observe(int vector);
int64_t irq_count(int vector);

#endif
