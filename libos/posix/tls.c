/*
 * tls.c: arch_prctl, where musl sets its thread pointer (the FS base): exo keeps one per env
 * (fs_set) and loads it whenever the env runs. The libOS remembers it for ARCH_GET_FS, which
 * then needs no exo call. The GS base is not the program's: ARCH_SET_GS and ARCH_GET_GS are
 * EINVAL (as any unknown code). The Linux runtime points each thread's GS base at its own
 * block, through which its fast entry finds the thread's call stack (libos/linux/entry.S): a
 * binary's GS would make that entry use the binary's memory. glibc and musl never use GS on
 * x86-64.
 */
#include <posix/calls.h>

#include <los/los.h>
#include <los/uaccess.h>

static uint64_t fs_base;

long posix_arch_prctl(const long a[6])
{
    switch (a[0]) {
    case LNX_ARCH_SET_FS: {
        long r = posix_errno(exo_fs_set((uint64_t)a[1]));
        if (r == 0)
            fs_base = (uint64_t)a[1];
        return r == -LNX_EINVAL ? -LNX_EPERM : r; /* Linux: EPERM for a non-user address */
    }
    case LNX_ARCH_GET_FS:
        return los_copy_to_user((void *)a[1], &fs_base, sizeof fs_base) < 0 ? -LNX_EFAULT : 0;
    case LNX_ARCH_SET_GS: /* the runtime's (see above): refused, nothing changed */
    case LNX_ARCH_GET_GS:
        return -LNX_EINVAL;
    }
    return -LNX_EINVAL;
}
