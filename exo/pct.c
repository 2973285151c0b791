/*
 * pct.c: protected control transfer, a synchronous call into another env. Not yet implemented.
 */
#include <exo/syscall.h>

int64_t sys_pct_entry(uint64_t rip, uint64_t stack_top)
{
    (void)rip, (void)stack_top;
    return EXO_E_NOSYS;
}

int64_t sys_pct_call(uint64_t env, uint64_t a0, uint64_t a1)
{
    (void)env, (void)a0, (void)a1;
    return EXO_E_NOSYS;
}

int64_t sys_pct_return(uint64_t r0)
{
    (void)r0;
    return EXO_E_NOSYS;
}
