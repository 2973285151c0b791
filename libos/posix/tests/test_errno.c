/*
 * test_errno.c: posix_errno (libos/posix/errno.c) on the host: every enum exo_error maps to
 * its exact -errno (Linux's values), and results >= 0 pass unchanged.
 */
#include <check.h>

#include <posix/calls.h>

#include <exo/abi.h>

TEST_CASE(errno)
{
    CHECK_EQ(posix_errno(0), 0);
    CHECK_EQ(posix_errno(4096), 4096);
    CHECK_EQ(posix_errno(1LL << 40), 1LL << 40);
    CHECK_EQ(posix_errno(EXO_E_INVAL), -22);
    CHECK_EQ(posix_errno(EXO_E_NOMEM), -12);
    CHECK_EQ(posix_errno(EXO_E_RANGE), -22);
    CHECK_EQ(posix_errno(EXO_E_BUSY), -16);
    CHECK_EQ(posix_errno(EXO_E_PERM), -1);
    CHECK_EQ(posix_errno(EXO_E_NOENT), -2);
    CHECK_EQ(posix_errno(EXO_E_CORRUPT), -5);
    CHECK_EQ(posix_errno(EXO_E_NOSYS), -38);
    CHECK_EQ(posix_errno(EXO_E_FAULT), -14);
    CHECK_EQ(posix_errno(EXO_E_AGAIN), -11);
    CHECK_EQ(posix_errno(-100), -5); /* not an exo error: EIO */
}
