/*
 * revoke.c: visible revocation and the abort protocol (see revoke.h).
 *
 * A request lives in its requester's own row of the table (REVOKE_PER_ENV slots per env slot,
 * one more row for exo) until it is answered (the owner frees the page: revoke_forget), moot
 * (the owner, its ownership or the requester is gone), or expired. Rows are never shared, so
 * no env's requests can take the slots another env needs: a child filing reclaims of its own
 * pages fills only its own row, never its parent's. Requests from different requesters for
 * one page are independent: each has its own deadline and upcall, and the page goes at the
 * earliest deadline, which ends them all; so an env's own request for its page neither
 * refuses nor delays its parent's (only the same requester asking twice is EXO_E_BUSY).
 * The upcall is delivered only where the owner's saved context is complete and resumable:
 * when it is runnable and not the env making the current call. If it has no handler yet, is
 * inside one, is blocked, or is the caller itself, the request stays pending and every timer
 * tick retries the delivery; the deadline runs regardless, so an env that cannot be asked in
 * time loses the page just like one that ignores the request. The page taken goes back to exo
 * (free), the same place an answered request puts it: the requester claims it with
 * page_alloc(ppn) if it wants it.
 */
#include <exo/console.h>
#include <exo/error.h>
#include <exo/page.h>
#include <exo/revoke.h>
#include <exo/syscall.h>
#include <exo/upcall.h>
#include <exo/vm.h>

extern struct exo_pages exo_pages;

struct request {
    uint32_t env;       /* the owner asked; 0: slot unused */
    uint32_t requester; /* env id, or EXO_OWNER_KERNEL */
    uint64_t ppn;
    uint64_t deadline; /* exo tick at which the abort protocol runs */
    int delivered;     /* the upcall has entered the owner's handler */
};

/* Rows of REVOKE_PER_ENV slots: row r < EXO_NENV holds the requests filed by the env in env
 * slot r, row EXO_NENV exo's own. */
#define REQ_COUNT ((EXO_NENV + 1) * REVOKE_PER_ENV)
static struct request reqs[REQ_COUNT];
static int npending; /* used slots: the tick does nothing while this is 0 */

static struct request *row_of(uint32_t requester)
{
    uint32_t row = requester == EXO_OWNER_KERNEL ? EXO_NENV : (requester - 1) % EXO_NENV;
    return &reqs[row * REVOKE_PER_ENV];
}

static int owns(const struct env *e, uint64_t ppn)
{
    return exo_page_owned_by(&exo_pages, ppn, e->id);
}

static void drop(struct request *q)
{
    q->env = 0;
    npending--;
}

/* The owner of a used slot if the request still stands; otherwise frees the slot, NULL. */
static struct env *live(struct request *q)
{
    if (!q->env)
        return NULL;
    struct env *e = env_by_id(q->env);
    if (e && owns(e, q->ppn) && (q->requester == EXO_OWNER_KERNEL || env_by_id(q->requester)))
        return e;
    /* The owner ended, the page changed hands without page_free (env_free), or the requester
     * ended: a request is its requester's, and its row slot may go to the next env there. */
    drop(q);
    return NULL;
}

/* Appends ppn to e's revocation log in its state page, if it has one (and it is not ppn). */
static void log_revoked(struct env *e, uint64_t ppn)
{
    uint64_t sp = e->upcall_state_ppn;
    if (!sp || sp == ppn || !owns(e, sp))
        return;
    struct exo_upcall_state *s = phys_to_virt(sp * EXO_PAGE);
    s->revoked[s->nrevoked % EXO_REVOKE_LOG] = ppn; /* modulo: nrevoked is writable by e */
    s->nrevoked++;
}

/* The abort protocol: takes q's page from e by force. */
static void take(struct request *q, struct env *e)
{
    kprintf("exo: abort protocol: env %u lost page %lu at tick %lu", e->id, q->ppn, q->deadline);
    if (q->requester)
        kprintf(" (reclaimed by env %u)\n", q->requester);
    else
        kprintf(" (reclaimed by exo)\n");
    uint64_t ppn = q->ppn;
    log_revoked(e, ppn);
    page_release(e, ppn);
    revoke_forget(ppn); /* q and any other requester's: moot, even if e takes ppn again */
}

/* Redirects e into its handler with the REVOKE cause if it can take an upcall now. The
 * current env can only when `interrupted` (a tick from its ring 3, tf fully saved); during
 * one of its calls its result is not written yet, so a later tick delivers. */
static void try_deliver(struct request *q, struct env *e, const struct env *interrupted)
{
    if (q->delivered || e->state != ENV_RUNNABLE)
        return;
    if (e->oncpu && e != interrupted) /* in a call here, or running elsewhere: tf not saved */
        return;
    if (upcall_deliver(e, EXO_UPCALL_REVOKE, 0, q->deadline, q->ppn) == EXO_OK) {
        q->delivered = 1;
        e->rest_until = 0; /* a yield's rest (sched_yield) must not eat into its deadline */
    }
}

int64_t revoke_request(struct env *e, uint64_t ppn, uint64_t ticks, uint32_t requester)
{
    if (!owns(e, ppn))
        return EXO_E_PERM;
    if (ticks > REVOKE_MAX_TICKS)
        return EXO_E_RANGE;
    struct request *row = row_of(requester), *q = NULL;
    for (int i = 0; i < REVOKE_PER_ENV; i++) {
        if (live(&row[i]) && row[i].ppn == ppn)
            return EXO_E_BUSY; /* this requester asked already; others' requests do not count */
        if (!row[i].env && !q)
            q = &row[i];
    }
    if (!q)
        return EXO_E_NOMEM; /* the requester's own quota: nobody else's requests fill it */
    *q = (struct request){
        .env = e->id, .requester = requester, .ppn = ppn, .deadline = exo_ticks + ticks};
    npending++;
    int64_t deadline = (int64_t)q->deadline;
    if (ticks == 0)
        take(q, e);
    else
        try_deliver(q, e, NULL);
    return deadline;
}

void revoke_tick(const struct env *interrupted)
{
    for (int i = 0; i < REQ_COUNT && npending; i++) {
        struct request *q = &reqs[i];
        struct env *e = live(q);
        if (!e)
            continue;
        if (exo_ticks >= q->deadline)
            take(q, e);
        else
            try_deliver(q, e, interrupted);
    }
}

void revoke_forget(uint64_t ppn)
{
    for (int i = 0; i < REQ_COUNT && npending; i++) /* every page free calls this */
        if (reqs[i].env && reqs[i].ppn == ppn)
            drop(&reqs[i]);
}

int64_t sys_page_reclaim(uint64_t env, uint64_t ppn, uint64_t ticks)
{
    struct env *self = caller(), *t;
    int r = cap_env(self, env, EXO_RIGHT_DESTROY, &t);
    if (r < 0)
        return r;
    return revoke_request(t, ppn, ticks, self->id);
}
