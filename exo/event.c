/*
 * event.c: notification objects (post/wait) and interrupt binding. Not yet implemented.
 */
#include <exo/syscall.h>

int64_t sys_event_create(void)
{
    return EXO_E_NOSYS;
}

int64_t sys_event_post(uint64_t event)
{
    (void)event;
    return EXO_E_NOSYS;
}

int64_t sys_event_wait(uint64_t event)
{
    (void)event;
    return EXO_E_NOSYS;
}

int64_t sys_irq_bind(uint64_t vector, uint64_t event)
{
    (void)vector, (void)event;
    return EXO_E_NOSYS;
}
