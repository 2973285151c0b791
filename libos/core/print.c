/*
 * print.c: console output and exit for libOS programs.
 */
#include <los/los.h>

int los_vprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = exo_vsnprintf(buf, sizeof buf, fmt, ap);
    if (n > (int)sizeof buf - 1)
        n = sizeof buf - 1;
    exo_cons_write((uint64_t)buf, (uint64_t)n);
    return n;
}

int los_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = los_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

uint64_t los_process_slot = EXO_CAP_SELF;

void los_exit(int status)
{
    (void)status; /* exo keeps no exit status; a parent learns of the end through its caps */
    exo_env_destroy(los_process_slot); /* the process env: every thread ends with it */
    for (;;)
        exo_yield(EXO_ANY); /* not reached: destroying ourselves does not return */
}
