/*
 * dispatch.c: choosing a system call's handler by number (pure: host-tested in
 * tests/test_dispatch.c with a table of its own).
 */
#include <posix/calls.h>

long posix_dispatch(const posix_call_fn *table, size_t n, long nr, const long a[6], uint8_t *seen,
                    int *first_enosys)
{
    if (nr >= 0 && (size_t)nr < n && table[nr])
        return table[nr](a);
    size_t slot = nr >= 0 && (size_t)nr < n ? (size_t)nr : n; /* the rest share seen[n] */
    *first_enosys = !seen[slot];
    seen[slot] = 1;
    return -LNX_ENOSYS;
}
