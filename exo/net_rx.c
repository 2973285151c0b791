/*
 * net_rx.c: the envs' receive rings (see net_rx.h): the nf_ring call, delivery into a ring
 * from the receive interrupt (net_nic.c), and the rules that keep a registered page the env's.
 * exo writes a ring's pages through its direct map, so only their owner matters, not where or
 * whether the env maps them later: no page of a ring may be freed or shared while registered
 * (as an upcall state page may not be shared), and any of them taken by force ends the
 * registration (as it ends the upcall registration). Each delivery checks the owner again, as
 * upcall_deliver does. The ring's contents are the env's and never trusted (exo_nr_put).
 */
#include <exo/event.h>
#include <exo/net_ring.h>
#include <exo/net_rx.h>
#include <exo/page.h>
#include <exo/pmap.h>
#include <exo/syscall.h>
#include <exo/vm.h>

extern struct exo_pages exo_pages;

/* A registration: its pages' numbers in ring order (32 bits: exo's RAM is far below 16 TiB;
 * pmap_user_page only gives RAM pages). */
struct ring {
    uint32_t env;                        /* whose ring (0: no registration in this slot) */
    uint32_t event;                      /* event reference to post (0: none) */
    uint32_t npages;                     /* 1..EXO_NF_RING_MAX_PAGES */
    uint8_t put;                         /* frames put since the last post */
    uint32_t ppn[EXO_NF_RING_MAX_PAGES]; /* owned by env's process */
};

static struct ring rings[EXO_NENV]; /* by env slot: env e's is rings[e - envs] */

/* The registration of live env `id`, or NULL. */
static struct ring *ring_of(uint32_t id, struct env **e)
{
    *e = env_by_id(id);
    if (!*e)
        return NULL;
    struct ring *g = &rings[*e - envs];
    return g->env == id ? g : NULL;
}

/* Is ppn one of g's pages? */
static int ring_has(const struct ring *g, uint64_t ppn)
{
    for (uint32_t i = 0; i < g->npages; i++)
        if (g->ppn[i] == ppn)
            return 1;
    return 0;
}

/* Is ppn in the live registration of an env other than `except` (0: any)? */
static int held_by_other(uint64_t ppn, uint32_t except)
{
    for (uint32_t i = 0; i < env_top; i++)
        if (rings[i].env && rings[i].env != except && env_by_id(rings[i].env) &&
            ring_has(&rings[i], ppn))
            return 1;
    return 0;
}

int64_t sys_nf_ring(uint64_t env, uint64_t ring_va, uint64_t npages, uint64_t event)
{
    struct env *self = caller(), *t;
    int r = cap_env(self, env, EXO_RIGHT_MAP, &t);
    if (r < 0)
        return r;
    struct ring *g = &rings[t - envs];
    if (ring_va == 0) {
        if (g->env != t->id)
            return EXO_E_NOENT;
        *g = (struct ring){0};
        return EXO_OK;
    }
    if (ring_va % EXO_PAGE || ring_va >= EXO_USER_TOP || npages == 0 ||
        npages > EXO_NF_RING_MAX_PAGES || npages * EXO_PAGE > EXO_USER_TOP - ring_va)
        return EXO_E_INVAL;
    uint32_t ref = 0;
    if (event != EXO_ANY && (r = cap_event(self, event, EXO_RIGHT_POST, &ref)) < 0)
        return r;
    uint32_t ppn[EXO_NF_RING_MAX_PAGES];
    for (uint32_t i = 0; i < npages; i++) { /* every page checked before anything changes */
        uint64_t p;
        if (pmap_user_page(t, ring_va + i * EXO_PAGE, 1, &p) < 0)
            return EXO_E_FAULT;
        ppn[i] = (uint32_t)p;
    }
    for (uint32_t i = 0; i < npages; i++)
        if (!exo_page_owned_by(&exo_pages, ppn[i], t->owner))
            return EXO_E_PERM; /* exo writes it: its process's own, never a grant or shared */
    for (uint32_t i = 0; i < npages; i++)
        if (held_by_other(ppn[i], t->id))
            return EXO_E_BUSY; /* two producers would write over each other's records */
    *g = (struct ring){.env = t->id, .event = ref, .npages = (uint32_t)npages};
    for (uint32_t i = 0; i < npages; i++)
        g->ppn[i] = ppn[i];
    return EXO_OK;
}

int net_rx_put(uint32_t env, const uint8_t *frame, uint32_t len)
{
    struct env *e = NULL;
    struct ring *g = env ? ring_of(env, &e) : NULL;
    if (!g)
        return EXO_NET_NO_RING;
    for (uint32_t i = 0; i < g->npages; i++)
        if (!exo_page_owned_by(&exo_pages, g->ppn[i], e->owner))
            return EXO_NET_NO_RING;
    struct exo_nr_view v = {.base = (uintptr_t)phys_to_virt(0), .ppn = g->ppn, .npages = g->npages};
    int r = exo_nr_put(&v, frame, len);
    if (r < 0)
        return r == EXO_E_INVAL ? EXO_NET_MALFORMED : EXO_NET_RING_FULL;
    g->put = 1;
    return EXO_NET_DELIVERED;
}

void net_rx_post(void)
{
    for (uint32_t i = 0; i < env_top; i++)
        if (rings[i].put) {
            rings[i].put = 0;
            if (rings[i].event && event_post_ref(rings[i].event) < 0)
                rings[i].event = 0; /* the event has ended: the ring is polled from now on */
        }
}

int net_rx_holds_page(uint64_t ppn)
{
    return held_by_other(ppn, 0);
}

void net_rx_page_lost(uint64_t ppn)
{
    for (uint32_t i = 0; i < EXO_NENV; i++)
        if (rings[i].env && ring_has(&rings[i], ppn))
            rings[i] = (struct ring){0};
}

void net_rx_env_freed(const struct env *e)
{
    if (rings[e - envs].env == e->id)
        rings[e - envs] = (struct ring){0};
}
