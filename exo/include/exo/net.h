/*
 * net.h: exo's packet-filter table (sys_net.c) as the rest of exo sees it: the calls on it are
 * in syscalls.def (nf_claim, nf_release, nf_config); the pure logic is net_filter.h's.
 */
#ifndef EXO_NET_H
#define EXO_NET_H

#include <exo/env.h>

/* e is ending (env_free, lock held): its claims end, and its role if it was the default env. */
void net_env_freed(const struct env *e);

#endif
