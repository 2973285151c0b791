/*
 * revoke.h: visible revocation and the abort protocol. exo never takes a page back silently:
 * it asks the owner with an EXO_UPCALL_REVOKE upcall and a deadline; only if the owner has not
 * freed the page by then does exo take it by force, and it records that in the owner's upcall
 * state page (nrevoked, revoked[]) so the libOS can repair its own structures.
 */
#ifndef EXO_REVOKE_H
#define EXO_REVOKE_H

#include <exo/env.h>
#include <exo/lapic.h>

#include <stdint.h>

#define REVOKE_PER_ENV 8               /* requests one env (or exo) may have pending at once */
#define REVOKE_MAX_TICKS (60 * EXO_HZ) /* the longest grace period: 60 s */

/* Asks e to give back page ppn (which e must own) within `ticks` timer ticks; `requester` is
 * the env id asking, EXO_OWNER_KERNEL when exo itself reclaims (memory pressure). ticks = 0
 * takes the page at once. Requests by different requesters for one page stand side by side
 * (the earliest deadline takes it); a request ends with its requester. Returns the deadline
 * tick, or EXO_E_PERM (e does not own ppn), EXO_E_RANGE (ticks too large), EXO_E_BUSY
 * (requester has ppn pending already), EXO_E_NOMEM (requester has REVOKE_PER_ENV pending). */
int64_t revoke_request(struct env *e, uint64_t ppn, uint64_t ticks, uint32_t requester);

/* Called on every timer tick, interrupts off, after exo_ticks advanced: retries upcalls that
 * could not be delivered and runs the abort protocol on expired requests. `interrupted` is the
 * env whose ring-3 context the tick interrupted (its tf saved), NULL for a tick in exo. */
void revoke_tick(const struct env *interrupted);

/* Page ppn was freed by its owner: any request for it is answered. */
void revoke_forget(uint64_t ppn);

/* Takes ppn from its owner t: unmaps it everywhere, drops every grant of it, stops upcalls if
 * it was t's state page, and frees it to exo (sys_page.c; page_free and the abort protocol). */
int page_release(struct env *t, uint64_t ppn);

#endif
