/*
 * test_stop.c: stopping and continuing envs (env_stop, call 41; job): a stopped env is never
 * scheduled, whatever wakes it meanwhile, and runs on once continued; a thread stopping
 * itself returns when continued; the call's checks. (Threads of ours stand for the envs: they
 * share this env's memory, so their progress is a counter we can read.)
 */
#include "exotest.h"

static volatile uint64_t spins;

static void spinner(uint64_t arg)
{
    (void)arg;
    for (;;)
        spins++;
}

EXOTEST(env_stop_holds_an_env_until_continued)
{
    int64_t t = exotest_thread_start(spinner, 0, 0);
    CHECK(t > 0);
    CHECK(WAIT_UNTIL(spins > 1000, 2000));
    CHECK_EQ(exo_env_stop((uint64_t)t, 1), 0);
    WAIT_UNTIL(0, 20); /* (on another CPU it leaves at the IPI) */
    uint64_t c = spins, runs = (uint64_t)exo_env_runs((uint64_t)t);
    WAIT_UNTIL(0, 100); /* ten ticks: it would have had its turns */
    CHECK_EQ(spins, c);
    CHECK_EQ(exo_env_runs((uint64_t)t), runs);
    CHECK_EQ(exo_env_stop((uint64_t)t, 1), 1); /* stopped already: it stays so */
    CHECK_EQ(exo_yield((uint64_t)t), 0);       /* a directed yield does not run it either */
    CHECK_EQ(spins, c);
    CHECK_EQ(exo_env_stop((uint64_t)t, 0), 1);
    CHECK(WAIT_UNTIL(spins > c + 1000, 2000));
    CHECK_EQ(exo_env_stop((uint64_t)t, 0), 0); /* running: nothing changes */
    CHECK_EQ(exo_env_destroy((uint64_t)t), 0);
    return 0;
}

static volatile int64_t woke, self_ret = -99;

static void waiter(uint64_t event)
{
    woke = exo_event_wait(event) + 1;
    exo_env_destroy(EXO_CAP_SELF);
}

EXOTEST(env_stop_a_post_waits_for_the_continue)
{
    int64_t ev = exo_event_create();
    CHECK(ev > 0);
    int64_t t = exotest_thread_start(waiter, (uint64_t)ev, 0);
    CHECK(t > 0);
    WAIT_UNTIL(0, 30); /* it blocks in its wait */
    CHECK_EQ(exo_env_stop((uint64_t)t, 1), 0);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0); /* runnable now, but stopped */
    WAIT_UNTIL(0, 100);
    CHECK_EQ(woke, 0);
    CHECK_EQ(exo_env_stop((uint64_t)t, 0), 1);
    CHECK(WAIT_UNTIL(woke, 2000));
    CHECK_EQ(woke, 2); /* the wait returned the one post */
    return 0;
}

static void self_stopper(uint64_t arg)
{
    (void)arg;
    spins = 1;
    self_ret = exo_env_stop(EXO_CAP_SELF, 1); /* a thread's slot 0 names the thread */
    spins = 2;
    exo_env_destroy(EXO_CAP_SELF);
}

EXOTEST(env_stop_of_itself_returns_when_continued)
{
    spins = 0;
    int64_t t = exotest_thread_start(self_stopper, 0, 0);
    CHECK(t > 0);
    CHECK(WAIT_UNTIL(spins == 1, 2000));
    WAIT_UNTIL(0, 100);
    CHECK_EQ(spins, 1);
    CHECK_EQ(self_ret, -99);
    CHECK_EQ(exo_env_stop((uint64_t)t, 0), 1);
    CHECK(WAIT_UNTIL(spins == 2, 2000));
    CHECK_EQ(self_ret, 0);
    return 0;
}

EXOTEST(env_stop_checks_its_arguments)
{
    int64_t t = exotest_thread_start(spinner, 0, 0);
    CHECK(t > 0);
    int64_t run_only = exo_cap_copy((uint64_t)t, EXO_CAP_SELF, EXO_RIGHT_RUN);
    CHECK(run_only > 0);
    CHECK_EQ(exo_env_stop((uint64_t)run_only, 1), EXO_E_PERM); /* DESTROY needed */
    CHECK_EQ(exo_env_stop((uint64_t)t, 2), EXO_E_INVAL);
    CHECK_EQ(exo_env_stop((uint64_t)t, (uint64_t)-1), EXO_E_INVAL);
    CHECK_EQ(exo_env_stop(EXO_NCAPS, 1), EXO_E_RANGE);
    CHECK_EQ(exo_env_stop(EXO_NCAPS - 1, 1), EXO_E_NOENT);
    CHECK_EQ(exo_env_stop((uint64_t)t, 0), 0); /* refused calls changed nothing */
    CHECK_EQ(exo_env_destroy((uint64_t)t), 0);
    CHECK_EQ(exo_env_stop((uint64_t)t, 1), EXO_E_NOENT); /* ended */
    return 0;
}
