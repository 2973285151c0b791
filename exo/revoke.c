/*
 * revoke.c: visible revocation and the abort protocol. Not yet implemented.
 */
#include <exo/syscall.h>

int64_t sys_page_reclaim(uint64_t env, uint64_t ppn, uint64_t ticks)
{
    (void)env, (void)ppn, (void)ticks;
    return EXO_E_NOSYS;
}
