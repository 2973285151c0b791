/*
 * selftest.h: faults exo provokes on purpose when the command line asks
 * (exo.selftest=ud|pf|de|bp|stack), so tests can check the exception path end to end.
 */
#ifndef EXO_SELFTEST_H
#define EXO_SELFTEST_H

void selftest_run(const char *cmdline);

#endif
