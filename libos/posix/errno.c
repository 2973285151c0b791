/*
 * errno.c: exo's errors as Linux errno values, for calls whose failure is an exo call's
 * (pure: host-tested in tests/test_errno.c).
 */
#include <posix/calls.h>

#include <exo/abi.h>

long posix_errno(int64_t r)
{
    if (r >= 0)
        return (long)r;
    switch (r) {
    case EXO_E_INVAL:
        return -LNX_EINVAL;
    case EXO_E_NOMEM: /* no page left: what Linux says when memory runs out */
        return -LNX_ENOMEM;
    case EXO_E_RANGE: /* an address or size outside what exists */
        return -LNX_EINVAL;
    case EXO_E_BUSY:
        return -LNX_EBUSY;
    case EXO_E_PERM:
        return -LNX_EPERM;
    case EXO_E_NOENT:
        return -LNX_ENOENT;
    case EXO_E_CORRUPT:
        return -LNX_EIO;
    case EXO_E_NOSYS:
        return -LNX_ENOSYS;
    case EXO_E_FAULT:
        return -LNX_EFAULT;
    case EXO_E_AGAIN: /* full for now (a transmit queue) */
        return -LNX_EAGAIN;
    }
    return -LNX_EIO; /* not an exo error: should not happen */
}
