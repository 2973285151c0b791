/*
 * event.h: notification objects. An event is a counter in exo's table that envs post to and
 * wait on; a wait with nothing posted blocks the env (no spinning) until a post hands it over.
 * Events are named by a reference (index and generation, like env ids) so a stale capability
 * or binding never reaches a later event in the same slot. An event lives until the env that
 * created it ends (its capabilities, copied or not, then stop resolving).
 */
#ifndef EXO_EVENT_H
#define EXO_EVENT_H

#include <exo/env.h>

#include <stdint.h>

#define EXO_NEVENT 1024

/* Resolves e's slot `slot` as an event with at least `rights`: 0 and its reference in *ref,
 * EXO_E_RANGE (no such slot), EXO_E_NOENT (not an event, or it has ended) or EXO_E_PERM. */
int cap_event(struct env *e, uint64_t slot, uint32_t rights, uint32_t *ref);

/* 1 if the event `ref` still exists. */
int event_alive(uint32_t ref);

/* Posts the event `ref` (from exo itself: an interrupt). 0, or EXO_E_NOENT if it has ended. */
int event_post_ref(uint32_t ref);

/* Puts e, whose saved context waits on event `ref`, back to waiting: runnable at once (rax =
 * the count, or EXO_E_NOENT if the event has ended) if it need not block, else BLOCKED. */
void event_rewait(struct env *e, uint32_t ref);

/* A timer tick on the boot CPU: every wait whose deadline (event_wait_until) has passed ends
 * with result 0. */
void event_timeouts(void);

/* e is ending: the events it created end too, and their waiters wake with EXO_E_NOENT. */
void event_env_freed(const struct env *e);

#endif
