/*
 * test_power.c: ending the machine (power, call 44) is init's alone: exotest runs as init's
 * child, so every call here is refused (and the machine goes on), with the exact error.
 */
#include "exotest.h"

EXOTEST(power_is_init_s_alone)
{
    CHECK_EQ(exo_power(2), EXO_E_INVAL); /* decoded first: no such way to end */
    CHECK_EQ(exo_power(EXO_ANY), EXO_E_INVAL);
    CHECK_EQ(exo_power(EXO_POWER_OFF), EXO_E_PERM);
    CHECK_EQ(exo_power(EXO_POWER_RESET), EXO_E_PERM);
    return 0;
}
