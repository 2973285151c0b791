/*
 * test_limit.c: exo's bounds on what an env makes (env_limit, call 42) and taking capabilities
 * back (cap_drop, call 52): how a process server keeps its processes from making envs behind
 * its back and takes back what it lent a parent for fork. Exact values and errors.
 */
#include "exotest.h"

#define TEST_VA 0x00006f7000000000ull /* lim's range (design12.md) */

EXOTEST(env_limit_bounds_env_create_and_threads)
{
    CHECK_EQ(exo_env_limit(EXO_CAP_SELF, 2, 0), 0); /* lowering our own: allowed */
    int64_t a = exo_env_create(), b = exo_env_create();
    CHECK(a > 0 && b > 0);
    int64_t k = exo_cap_copy(EXO_CAP_SELF, EXO_CAP_SELF, EXO_RIGHT_RUN); /* the next free slot */
    CHECK(k > b);
    CHECK_EQ(exo_cap_drop(EXO_CAP_SELF, (uint64_t)k), 1); /* that copy; slot 0 stays */
    CHECK_EQ(exo_env_create(), EXO_E_PERM);               /* a third live one */
    CHECK_EQ(exo_env_thread(EXO_CAP_SELF), EXO_E_PERM);   /* no thread allowed */
    CHECK_EQ(exo_cap_copy(EXO_CAP_SELF, EXO_CAP_SELF, EXO_RIGHT_RUN), k); /* took no slot */
    CHECK_EQ(exo_env_limit(EXO_CAP_SELF, 3, 0), EXO_E_PERM); /* never raised by itself */
    CHECK_EQ(exo_env_limit(EXO_CAP_SELF, 2, 1), EXO_E_PERM);
    CHECK_EQ(exo_env_limit(EXO_CAP_SELF, EXO_ANY, EXO_ANY), EXO_E_PERM);
    CHECK_EQ(exo_env_runs(EXO_CAP_SELF) > 0, 1);
    CHECK_EQ(exo_env_destroy((uint64_t)a), 0); /* the bound counts live envs */
    int64_t c = exo_env_create();
    CHECK(c > 0);
    CHECK_EQ(exo_env_create(), EXO_E_PERM);
    /* Its creator (DESTROY on it, and not it) sets and raises a child's bounds at will. */
    CHECK_EQ(exo_env_limit((uint64_t)c, 0, 0), 0);
    CHECK_EQ(exo_env_thread((uint64_t)c), EXO_E_PERM); /* c's bound, not ours, counts */
    CHECK_EQ(exo_env_limit((uint64_t)c, 5, 1), 0);
    int64_t t = exo_env_thread((uint64_t)c);
    CHECK(t > 0);
    CHECK_EQ(exo_env_thread((uint64_t)c), EXO_E_PERM); /* c has its one */
    CHECK_EQ(exo_env_destroy((uint64_t)t), 0);
    CHECK(exo_env_thread((uint64_t)c) > 0);
    int64_t no_destroy = exo_cap_copy((uint64_t)c, EXO_CAP_SELF, EXO_RIGHT_MAP | EXO_RIGHT_RUN);
    CHECK(no_destroy > 0);
    CHECK_EQ(exo_env_limit((uint64_t)no_destroy, 0, 0), EXO_E_PERM);
    CHECK_EQ(exo_env_limit(EXO_NCAPS, 0, 0), EXO_E_RANGE);
    CHECK_EQ(exo_env_limit(EXO_NCAPS - 1, 0, 0), EXO_E_NOENT);
    return 0;
}

EXOTEST(cap_drop_takes_back_every_copy)
{
    int64_t c = exo_env_create(), d = exo_env_create();
    CHECK(c > 0 && d > 0);
    int64_t s1 = exo_cap_copy((uint64_t)c, EXO_CAP_SELF, EXO_RIGHT_MAP | EXO_RIGHT_RUN);
    int64_t s2 = exo_cap_copy((uint64_t)c, EXO_CAP_SELF, EXO_RIGHT_RUN);
    CHECK(s1 > 0 && s2 > 0);
    /* Into another env's table: two copies there, removed from there only. */
    CHECK(exo_cap_copy((uint64_t)c, (uint64_t)d, EXO_RIGHT_RUN) > 0);
    CHECK(exo_cap_copy((uint64_t)c, (uint64_t)d, EXO_RIGHT_MAP) > 0);
    CHECK_EQ(exo_cap_drop((uint64_t)d, (uint64_t)c), 2);
    CHECK_EQ(exo_cap_drop((uint64_t)d, (uint64_t)c), 0);
    CHECK_EQ(exo_env_runs((uint64_t)s1), 0); /* ours untouched: c never ran */
    /* Refusals change nothing. */
    CHECK_EQ(exo_cap_drop((uint64_t)s2, EXO_CAP_SELF), EXO_E_PERM); /* no MAP on that env */
    CHECK_EQ(exo_cap_drop(EXO_NCAPS, (uint64_t)c), EXO_E_RANGE);
    CHECK_EQ(exo_cap_drop(EXO_CAP_SELF, EXO_NCAPS), EXO_E_NOENT);
    CHECK_EQ(exo_cap_drop(EXO_CAP_SELF, EXO_NCAPS - 1), EXO_E_NOENT); /* empty */
    CHECK_EQ(exo_cap_drop(EXO_CAP_SELF, EXO_CAP_SELF), 0);            /* slot 0 always stays */
    CHECK(exo_env_runs(EXO_CAP_SELF) > 0);
    /* A thread of c runs in c's address space: taking back c takes it too. */
    int64_t t = exo_env_thread((uint64_t)c);
    CHECK(t > 0);
    /* From our own table: c, s1, s2 and t all go; the env lives on (ours: ends with us). */
    CHECK_EQ(exo_cap_drop(EXO_CAP_SELF, (uint64_t)s2), 4);
    CHECK_EQ(exo_env_start((uint64_t)t, TEST_VA, TEST_VA, 0), EXO_E_NOENT);
    int64_t ppn = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    CHECK(ppn > 0);
    CHECK_EQ(exo_page_map((uint64_t)s1, TEST_VA, (uint64_t)ppn, EXO_PROT_R), EXO_E_NOENT);
    CHECK_EQ(exo_env_start((uint64_t)c, TEST_VA, TEST_VA, 0), EXO_E_NOENT);
    CHECK_EQ(exo_env_runs((uint64_t)s2), EXO_E_NOENT);
    CHECK_EQ(exo_cap_drop(EXO_CAP_SELF, (uint64_t)c), EXO_E_NOENT);
    return 0;
}
