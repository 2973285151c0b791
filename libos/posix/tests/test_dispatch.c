/*
 * test_dispatch.c: posix_dispatch (libos/posix/dispatch.c) on the host: a handler gets the
 * exact six arguments and its result comes back; a number with no handler, negative or past
 * the table is -ENOSYS, reported first once per number (numbers past the table once in all);
 * and calls.def's rows name the Linux numbers they claim.
 */
#include <check.h>

#include <posix/calls.h>

static long seen_args[6];

static long record(const long a[6])
{
    for (int i = 0; i < 6; i++)
        seen_args[i] = a[i];
    return 1234;
}

static long fail(const long a[6])
{
    (void)a;
    return -LNX_EBADF;
}

/* calls.def's rows, as (number, name) pairs, to check the numbers against Linux's. */
static const struct {
    long nr;
    const char *name;
} rows[] = {
#define POSIX_CALL(num, name) {num, #name},
#include <posix/calls.def>
#undef POSIX_CALL
};

static long row(const char *name)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strcmp(rows[i].name, name) == 0)
            return rows[i].nr;
    return -1;
}

TEST_CASE(dispatch)
{
    posix_call_fn table[8] = {0};
    table[2] = record;
    table[7] = fail;
    uint8_t seen[9] = {0};
    int first = -1;
    const long a[6] = {1, -2, 3, 1L << 40, 5, -6};

    CHECK_EQ(posix_dispatch(table, 8, 2, a, seen, &first), 1234);
    CHECK_EQ(first, -1); /* untouched when a handler runs */
    for (int i = 0; i < 6; i++)
        CHECK_EQ(seen_args[i], a[i]);
    CHECK_EQ(posix_dispatch(table, 8, 7, a, seen, &first), -LNX_EBADF);
    CHECK_EQ(first, -1); /* a handler's own error is not ENOSYS */

    CHECK_EQ(posix_dispatch(table, 8, 3, a, seen, &first), -LNX_ENOSYS);
    CHECK_EQ(first, 1);
    CHECK_EQ(posix_dispatch(table, 8, 3, a, seen, &first), -LNX_ENOSYS);
    CHECK_EQ(first, 0); /* said once */
    CHECK_EQ(posix_dispatch(table, 8, 4, a, seen, &first), -LNX_ENOSYS);
    CHECK_EQ(first, 1); /* another number: said again */
    CHECK_EQ(posix_dispatch(table, 8, 8, a, seen, &first), -LNX_ENOSYS);
    CHECK_EQ(first, 1);
    CHECK_EQ(posix_dispatch(table, 8, -1, a, seen, &first), -LNX_ENOSYS);
    CHECK_EQ(first, 0); /* out of range: one slot for all */
    CHECK_EQ(posix_dispatch(table, 8, 1L << 40, a, seen, &first), -LNX_ENOSYS);
    CHECK_EQ(first, 0);
    CHECK_EQ(seen[3] + seen[4] + seen[8], 3);
    CHECK_EQ(seen[2] + seen[7], 0);

    /* The numbers calls.def uses, against Linux x86-64's syscall_64.tbl. */
    CHECK_EQ(row("read"), 0);
    CHECK_EQ(row("write"), 1);
    CHECK_EQ(row("mmap"), 9);
    CHECK_EQ(row("munmap"), 11);
    CHECK_EQ(row("brk"), 12);
    CHECK_EQ(row("ioctl"), 16);
    CHECK_EQ(row("writev"), 20);
    CHECK_EQ(row("getpid"), 39);
    CHECK_EQ(row("exit"), 60);
    CHECK_EQ(row("gettimeofday"), 96);
    CHECK_EQ(row("arch_prctl"), 158);
    CHECK_EQ(row("time"), 201);
    CHECK_EQ(row("set_tid_address"), 218);
    CHECK_EQ(row("clock_gettime"), 228);
    CHECK_EQ(row("exit_group"), 231);
    CHECK_EQ(row("fork"), 57);
    CHECK_EQ(row("vfork"), 58);
    CHECK_EQ(row("execve"), 59);
    CHECK_EQ(row("wait4"), 61);
    CHECK_EQ(row("kill"), 62);
    CHECK_EQ(row("getrlimit"), 97);
    CHECK_EQ(row("setpgid"), 109);
    CHECK_EQ(row("getpgrp"), 111);
    CHECK_EQ(row("setsid"), 112);
    CHECK_EQ(row("getpgid"), 121);
    CHECK_EQ(row("getsid"), 124);
    CHECK_EQ(row("setrlimit"), 160);
    CHECK_EQ(row("tgkill"), 234);
    CHECK_EQ(row("waitid"), 247);
    CHECK_EQ(row("prlimit64"), 302);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        CHECK_EQ(rows[i].nr >= 0 && rows[i].nr < LNX_NCALLS, 1);
        for (size_t j = 0; j < i; j++)
            CHECK_EQ(rows[i].nr != rows[j].nr, 1); /* one row per number */
    }
}
