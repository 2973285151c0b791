/*
 * mounts.c: the calls about a file system as a whole: statfs, fstatfs, fsync, fdatasync,
 * sync, syncfs. In a process pm made they are pm ops (fs_statfs, fs_sync); ext2 writes every
 * change through anyway, so the syncs are the durability point only in name, and fdatasync
 * and syncfs are fsync. In a program pm did not make, the layer is the process's own.
 * And reboot(2), which asks init (pm op reboot) to end the machine after syncing.
 */
#include <posix/calls.h>

#include <fs/fs.h>
#include <fs/vfs.h>
#include <los/uaccess.h>
#include <proc/client.h>

#include "files.h"

long posix_statfs(const long a[6])
{
    struct fs_statfs st;
    long r;
    if (proc_present) {
        r = pmc_path(PM_OP_fs_statfs, (const char *)a[0], 0, 0, 0, 0);
        if (r == 0)
            __builtin_memcpy(&st, proc_msg()->data, sizeof st);
    } else {
        r = fs_statfs(posix_files_proc(), (const char *)a[0], &st);
    }
    if (r == 0 && los_copy_to_user((void *)a[1], &st, sizeof st) < 0)
        r = -FS_EFAULT;
    return r;
}

long posix_fstatfs(const long a[6])
{
    struct fs_statfs st;
    long r;
    if (proc_present) {
        r = pmc_fd1(PM_OP_fs_statfs, 1, a[0], 0, 0);
        if (r == 0)
            __builtin_memcpy(&st, proc_msg()->data, sizeof st);
    } else {
        r = fs_fstatfs(posix_files_proc(), (int)a[0], &st);
    }
    if (r == 0 && los_copy_to_user((void *)a[1], &st, sizeof st) < 0)
        r = -FS_EFAULT;
    return r;
}

long posix_fsync(const long a[6])
{
    if (proc_present)
        return pmc_fd1(PM_OP_fs_sync, 1, a[0], 0, 0);
    return fs_fsync(posix_files_proc(), (int)a[0]);
}

long posix_fdatasync(const long a[6])
{
    return posix_fsync(a);
}

long posix_syncfs(const long a[6])
{
    long r = posix_fsync(a);
    return r == -FS_EINVAL ? 0 : r; /* syncfs of a pipe is fine on Linux */
}

long posix_sync(const long a[6])
{
    (void)a;
    if (proc_present)
        pmc_fd1(PM_OP_fs_sync, 0, 0, 0, 0);
    else
        fs_sync_all();
    return 0;
}

long posix_reboot(const long a[6])
{
    if (!proc_present)
        return -FS_EPERM; /* no init to ask */
    return pmc_fd1(PM_OP_reboot, a[0], a[1], a[2], 0);
}
