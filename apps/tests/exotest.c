/*
 * exotest.c: the in-guest test runner. Run with arg 0 it lists the EXOTEST table (linker section
 * "exotests") and runs each test in a fresh child env of its own, sharing one result page with
 * it; a child that dies before reporting failed. Run with arg i + 1 (in the child) it runs test i
 * and writes the result. Prints one line per test and "exotest: N passed, M failed".
 *
 * The same runner serves other suites: a program built with EXOTEST_PROGRAM="viotest" runs its
 * own table under that name. A runner started with arg EXOTEST_ARG_PARAM | p hands p to every
 * test (exotest_param(): the port of a host echo server, say).
 */
#include "exotest.h"

#define RESULT_DONE 0x444f4e45u /* "DONE" */

#ifndef EXOTEST_PROGRAM
#define EXOTEST_PROGRAM "exotest"
#endif

struct result {
    uint32_t done;
    int32_t status;
    uint64_t param; /* the runner's parameter, for the test to read */
};

static uint64_t param;

uint64_t exotest_param(void)
{
    return ((const struct result *)EXOTEST_RESULT_VA)->param;
}

extern const struct exotest __start_exotests[], __stop_exotests[];

static int run_one(uint64_t i, int *status)
{
    uint64_t entry, stack;
    const void *elf;
    uint64_t size;
    int64_t r = los_archive_find(EXOTEST_PROGRAM, &elf, &size);
    int64_t child = r < 0 ? r : los_spawn_prepare(elf, size, &entry, &stack);
    if (child < 0)
        return (int)child;
    /* Tests may bind interrupt vectors and use devices: pass ours on (into slots EXO_CAP_IRQS
     * and EXO_CAP_DEVS of the fresh table, the first free ones). A runner without them passes
     * nothing. */
    exo_cap_copy(EXO_CAP_IRQS, (uint64_t)child, EXO_RIGHT_BIND);
    exo_cap_copy(EXO_CAP_DEVS, (uint64_t)child, EXO_RIGHT_BIND);
    /* The result page is the runner's own, bound into the child: it survives the child. */
    int64_t ppn = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    if (ppn < 0)
        return (int)ppn;
    r = exo_page_map((uint64_t)child, EXOTEST_RESULT_VA, (uint64_t)ppn, EXO_PROT_R | EXO_PROT_W);
    if (r == 0)
        r = exo_page_map(EXO_CAP_SELF, EXOTEST_RESULT_VA, (uint64_t)ppn, EXO_PROT_R | EXO_PROT_W);
    if (r == 0) {
        ((struct result *)EXOTEST_RESULT_VA)->param = param;
        r = exo_env_start((uint64_t)child, entry, stack, i + 1);
    }
    if (r == 0)
        los_wait((uint64_t)child);
    const struct result *res = (const struct result *)EXOTEST_RESULT_VA;
    *status = res->done == RESULT_DONE ? res->status : -1;
    exo_page_unmap(EXO_CAP_SELF, EXOTEST_RESULT_VA);
    exo_page_free(EXO_CAP_SELF, (uint64_t)ppn);
    return (int)r;
}

static int runner(void)
{
    int passed = 0, failed = 0;
    for (const struct exotest *t = __start_exotests; t < __stop_exotests; t++) {
        int status = -1, r = run_one((uint64_t)(t - __start_exotests), &status);
        if (r < 0)
            los_printf(EXOTEST_PROGRAM ": %s: FAIL (could not start: %d)\n", t->name, r);
        else if (status == -1)
            los_printf(EXOTEST_PROGRAM ": %s: FAIL (its env ended before reporting)\n", t->name);
        else
            los_printf(EXOTEST_PROGRAM ": %s: %s\n", t->name, status == 0 ? "ok" : "FAIL");
        if (r == 0 && status == 0)
            passed++;
        else
            failed++;
    }
    los_printf(EXOTEST_PROGRAM ": %d passed, %d failed\n", passed, failed);
    return failed;
}

int main(uint64_t arg, uint64_t unused)
{
    (void)unused;
    if (arg == 0 || (arg & ~EXOTEST_PARAM_MASK) == EXOTEST_ARG_PARAM) {
        param = arg & EXOTEST_PARAM_MASK;
        return runner();
    }
    if (arg == EXOTEST_ARG_EXIT)
        return 0;
    const struct exotest *t = &__start_exotests[arg - 1];
    int status = t < __stop_exotests ? t->fn() : 1;
    struct result *res = (struct result *)EXOTEST_RESULT_VA;
    res->status = status;
    res->done = RESULT_DONE;
    return status;
}
