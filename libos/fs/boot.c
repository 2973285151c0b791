/*
 * boot.c: filling the RAM file system from the boot archive (cpio "newc", read with
 * common/archive.c). Directories and symlinks are made, regular files read the archive's bytes
 * in place until first written; modes come from the archive, owners are root. Names may start
 * with "./" or "/"; missing parent directories are made (0755).
 */
#include "internal.h"

#include <common/archive.h>

static long make_parents(struct fs_proc *p, char *path)
{
    for (char *s = path + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            long r = fs_mkdir(p, path, 0755);
            *s = '/';
            if (r < 0 && r != -FS_EEXIST)
                return r;
        }
    return 0;
}

long fs_boot_fill(const void *archive, uint64_t size)
{
    struct fs_proc *p = fs_proc_new();
    if (!p)
        return -FS_ENOMEM;
    p->umask = 0;
    static char path[FS_PATH_MAX], target[FS_PATH_MAX];
    struct exo_archive_entry e;
    uint64_t off = 0;
    long r = 0;
    int more = 0;
    while (r == 0 && (more = exo_archive_next(archive, size, &off, &e)) == 1) {
        const char *name = e.name;
        while (name[0] == '.' && name[1] == '/')
            name += 2;
        while (name[0] == '/')
            name++;
        size_t n = fs_strnlen(name, FS_PATH_MAX - 2);
        if (n == 0 || (n == 1 && name[0] == '.'))
            continue;
        if (n >= FS_PATH_MAX - 2) {
            r = -FS_ENAMETOOLONG;
            break;
        }
        path[0] = '/';
        fs_memcpy(path + 1, name, n + 1);
        if ((r = make_parents(p, path)) < 0)
            break;
        uint32_t perm = e.mode & 07777;
        switch (e.mode & FS_S_IFMT) {
        case FS_S_IFDIR:
            r = fs_mkdir(p, path, perm);
            if (r == -FS_EEXIST)
                r = fs_chmod(p, path, perm);
            break;
        case FS_S_IFLNK:
            if (e.size == 0 || e.size >= FS_PATH_MAX) {
                r = -FS_EINVAL;
                break;
            }
            fs_memcpy(target, e.data, e.size);
            target[e.size] = '\0';
            r = fs_symlink(p, target, path);
            break;
        case FS_S_IFREG: {
            long fd = fs_open(p, path, FS_O_WRONLY | FS_O_CREAT | FS_O_EXCL, perm);
            if (fd < 0) {
                r = fd;
                break;
            }
            r = fs_ramfs_set_rodata(p->fd[fd]->vn, e.data, e.size);
            fs_close(p, (int)fd);
            break;
        }
        default: /* devices and FIFOs are made at run time, not shipped */
            break;
        }
    }
    if (r == 0 && more < 0)
        r = -FS_EIO; /* a corrupt archive: what was read stays */
    fs_proc_exit(p);
    return r;
}
