/*
 * sys_net.c: the calls on packet-filter claims (nf_claim, nf_release, nf_config) and exo's one
 * table of them (docs/concepts/packet-filters.md). The logic is net_filter.c's, pure and
 * host-tested; this file decodes the calls, decides who may make them, and ends an env's
 * claims with it. Each call checks every argument and copies what it reads from the caller
 * first; the table changes only in its last step, and net_filter.c's install and set_local
 * change nothing when they refuse, so a refused call leaves no trace.
 *
 * Who may: a claim or its release names its env by a capability with EXO_RIGHT_MAP, the right
 * to act on that env's resources for it (take and map its pages, copy capabilities into it):
 * what a process server uses to give a child a port before it runs. A claim is made only by
 * an env that may drive every virtio-net device (vio_holds_net, as nf_config asks): the
 * process server, for itself or for a child. Every process holds MAP on itself, so without
 * that rule any of them could claim a port the server's stack uses but holds no claim for
 * (past EXO_NF_PER_ENV) and read that connection's traffic, or fill the table. With no
 * virtio-net device there is no traffic: the table alone, anyone's to use. The claim is the env's
 * the capability names (a thread's, if it names a thread: a thread holds device queues as
 * itself too), whatever the struct's env field says. nf_config sets the whole machine's
 * identity on the link and the default env: only an env that may set up and reset every
 * virtio-net device (BIND on a CAP_DEV covering each, vio_holds_net), which controls all of
 * the machine's traffic already, so the rule gives it no power it lacks.
 *
 * nf_config also turns the filters on and off: a MAC with a nonzero byte makes exo take the
 * NIC (net_nic.c) before anything changes here, an all-zero one gives it back after. The
 * receive path asks the table whose a frame is (net_rx_owner), nf_send whether it may go
 * (net_tx_check).
 */
#include <exo/net.h>
#include <exo/net_filter.h>
#include <exo/net_nic.h>
#include <exo/net_rx.h>
#include <exo/pmap.h>
#include <exo/syscall.h>
#include <exo/vio.h>

/* The machine's claims, identity and default env: one table, under the big kernel lock like
 * every exo table (lock.h). Every call runs under it (syscall_trap), as do env_free and the
 * receive interrupt (interrupts are handled with the lock held). */
static struct exo_nf_table nf_table;

/* The layouts the calls copy in (abi.h): no padding the compiler would add. */
_Static_assert(sizeof(struct exo_nf) == 16, "struct exo_nf is 16 bytes");
_Static_assert(sizeof(struct exo_nf_local) == 8 + 4 * EXO_NF_NADDR + 16 * EXO_NF_NADDR,
               "struct exo_nf_local has no padding");

int64_t sys_nf_claim(uint64_t env, uint64_t claim_ptr)
{
    struct env *t;
    struct exo_nf f;
    int r = cap_env(caller(), env, EXO_RIGHT_MAP, &t);
    if (r < 0)
        return r;
    if (vio_has_net() && !vio_holds_net(caller()))
        return EXO_E_PERM; /* the NIC's ports are handed out by whoever drives it */
    r = user_copy_from(caller(), &f, claim_ptr, sizeof f);
    if (r < 0)
        return r;
    f.env = t->id; /* the capability says whose, not the caller's bytes */
    return exo_nf_install(&nf_table, &f);
}

int64_t sys_nf_release(uint64_t env, uint64_t slot)
{
    struct env *t;
    int r = cap_env(caller(), env, EXO_RIGHT_MAP, &t);
    if (r < 0)
        return r;
    if (slot >= EXO_NF_MAX)
        return EXO_E_NOENT; /* (exo_nf_remove takes 32 bits: no wrap into the table) */
    return exo_nf_remove(&nf_table, t->id, (uint32_t)slot);
}

int64_t sys_nf_config(uint64_t local_ptr, uint64_t default_env)
{
    struct env *self = caller(), *d = NULL;
    struct exo_nf_local l;
    if (!vio_holds_net(self))
        return EXO_E_PERM;
    if (default_env != EXO_ANY) {
        int r = cap_env(self, default_env, EXO_RIGHT_MAP, &d);
        if (r < 0)
            return r;
    }
    int r = user_copy_from(self, &l, local_ptr, sizeof l);
    if (r < 0 || (r = exo_nf_local_ok(&l)) < 0) /* every address checked: EXO_E_INVAL */
        return r;
    int on = 0;
    for (int i = 0; i < 6; i++)
        on |= l.mac[i];
    if (on && (r = net_nic_take()) < 0) /* the last refusal: nothing changed */
        return r;
    exo_nf_set_local(&nf_table, &l);
    exo_nf_set_default(&nf_table, d ? d->id : 0);
    if (!on)
        net_nic_give_back(); /* the filters are off: the envs' NIC again */
    return 0;
}

uint32_t net_rx_owner(const uint8_t *frame, uint32_t len)
{
    uint32_t who = exo_nf_classify(&nf_table, frame, len);
    return who == EXO_NF_DEFAULT ? nf_table.dflt : who;
}

int net_tx_check(uint32_t env, const uint8_t *frame, uint32_t len)
{
    return exo_nf_tx_check(&nf_table, env, frame, len);
}

void net_env_freed(const struct env *e)
{
    exo_nf_remove_env(&nf_table, e->id); /* its claims, and its role if it was the default */
    net_rx_env_freed(e);                 /* its receive ring */
}
