/*
 * dev.c: the table of registered character devices and their /dev nodes. A node's st_rdev is
 * (FS_DEV_MAJOR, slot); opening it finds the slot's operations. An unregistered slot keeps its
 * number until reused, its open files reading and writing -EIO. A device registered before
 * fs_init gets its node when the file system starts.
 */
#include "internal.h"

static struct fs_devent devs[FS_DEV_MAX];

static uint64_t rdev_of(int slot)
{
    return (uint64_t)FS_DEV_MAJOR << 8 | (uint64_t)slot; /* makedev for minors < 256 */
}

struct fs_devent *fs_dev_find(uint64_t rdev)
{
    for (int i = 0; i < FS_DEV_MAX; i++)
        if (devs[i].ops && devs[i].rdev == rdev)
            return &devs[i];
    return NULL;
}

/* "/dev/" + name, made by a root process with umask 0; intermediate directories made too. */
static long dev_path(char *path, const char *name)
{
    static const char prefix[] = "/dev/";
    size_t n = fs_strnlen(name, 64);
    if (n == 0)
        return -FS_ENOENT;
    if (n == 64)
        return -FS_ENAMETOOLONG;
    fs_memcpy(path, prefix, 5);
    fs_memcpy(path + 5, name, n + 1);
    return (long)n;
}

static struct fs_proc *dev_proc(void)
{
    struct fs_proc *p = fs_proc_new();
    if (p)
        p->umask = 0;
    return p;
}

/* Makes /dev/<name> for slot (and the directories on the way). */
static long make_node(const char *name, int slot)
{
    char path[80];
    dev_path(path, name);
    struct fs_proc *p = dev_proc();
    if (!p)
        return -FS_ENOMEM;
    long r = 0;
    for (char *s = path + 1; *s && r == 0; s++) /* mkdir -p of the directories */
        if (*s == '/') {
            *s = '\0';
            r = fs_mkdir(p, path, 0755);
            if (r == -FS_EEXIST)
                r = 0;
            *s = '/';
        }
    if (r == 0)
        r = fs_mknodat(p, FS_AT_FDCWD, path, FS_S_IFCHR | 0666, rdev_of(slot));
    fs_proc_exit(p);
    return r;
}

void fs_dev_make_nodes(void)
{
    for (int i = 0; i < FS_DEV_MAX; i++)
        if (devs[i].ops)
            make_node(devs[i].name, i);
}

int fs_dev_register(const char *name, const struct fs_dev_ops *ops, void *dev)
{
    char path[80];
    long n = dev_path(path, name);
    if (n < 0)
        return (int)n;
    int slot = -1;
    for (int i = 0; i < FS_DEV_MAX; i++) {
        if (devs[i].ops && fs_memeq(devs[i].name, name, (size_t)n + 1))
            return -FS_EEXIST;
        if (!devs[i].ops && slot < 0)
            slot = i;
    }
    if (slot < 0)
        return -FS_ENOSPC;
    if (fs_root_mount()) { /* else fs_init makes the node */
        long r = make_node(name, slot);
        if (r < 0)
            return (int)r;
    }
    fs_memcpy(devs[slot].name, name, (size_t)n + 1);
    devs[slot].ops = ops;
    devs[slot].dev = dev;
    devs[slot].rdev = rdev_of(slot);
    return 0;
}

int fs_dev_unregister(const char *name)
{
    char path[80];
    long n = dev_path(path, name);
    if (n < 0)
        return (int)n;
    for (int i = 0; i < FS_DEV_MAX; i++)
        if (devs[i].ops && fs_memeq(devs[i].name, name, (size_t)n + 1)) {
            devs[i].ops = NULL;
            struct fs_proc *p = dev_proc();
            if (!p)
                return -FS_ENOMEM;
            fs_unlink(p, path);
            fs_proc_exit(p);
            return 0;
        }
    return -FS_ENOENT;
}
