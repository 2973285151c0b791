/*
 * pct.h: protected control transfer, a synchronous call from one env into another's
 * registered entry. The caller blocks; the callee's interrupted context is set aside and its
 * entry runs on its own stack until pct_return, which resumes the caller with the result and
 * puts the callee's context back as it was (still blocked on its event, if it was). The entry
 * is entered as if called (rsp = stack_top - 8, rdi = caller id, rsi, rdx = the arguments) and
 * ends with pct_return; it must not return. The call runs on the caller's time slice.
 */
#ifndef EXO_PCT_H
#define EXO_PCT_H

#include <exo/env.h>

/* e is ending: a caller waiting for e's reply wakes with EXO_E_NOENT. */
void pct_env_freed(const struct env *e);

#endif
