/*
 * vnode.c: vnode references and times, the mount table, and the start of the file layer
 * (ramfs on "/" and "/tmp"). A vnode's references are the VFS's (walks in progress, open
 * files, working directories); its links are the file system's names. When the last
 * reference goes the file system decides (drop) whether the vnode lives on.
 */
#include "internal.h"

#define FS_MOUNTS 16

static struct fs_mount mounts[FS_MOUNTS];
static int nmounts;

struct fs_mount *fs_root_mount(void)
{
    return nmounts ? &mounts[0] : NULL;
}

struct fs_mount *fs_mount_nth(int i)
{
    return i >= 0 && i < nmounts ? &mounts[i] : NULL;
}

void fs_vnode_ref(struct fs_vnode *vn)
{
    vn->refs++;
}

void fs_vnode_put(struct fs_vnode *vn)
{
    if (vn && --vn->refs == 0)
        vn->ops->drop(vn);
}

void fs_vnode_touch(struct fs_vnode *vn, int atime, int mtime, int ctime)
{
    struct fs_timespec now;
    fs_now(&now);
    if (atime)
        vn->atime = now;
    if (mtime)
        vn->mtime = now;
    if (ctime)
        vn->ctime = now;
}

long fs_mount(struct fs_proc *p, const char *path, const struct fs_type *t, const void *data)
{
    if (nmounts == FS_MOUNTS)
        return -FS_ENOMEM;
    struct fs_mount *m = &mounts[nmounts];
    struct fs_vnode *covered = NULL;
    if (nmounts) {
        if (!p || p->cred.euid != 0)
            return -FS_EPERM;
        struct fs_walk w;
        long r = fs_walk(p, FS_AT_FDCWD, path, FS_WALK_FOLLOW, &w);
        if (r < 0)
            return r;
        covered = w.vn;
        w.vn = NULL;
        fs_walk_done(&w);
        if (!fs_is_dir(covered) || covered->covered_by) {
            r = fs_is_dir(covered) ? -FS_EBUSY : -FS_ENOTDIR;
            fs_vnode_put(covered);
            return r;
        }
    }
    fs_memset(m, 0, sizeof *m);
    m->type = t;
    size_t n = fs_strnlen(path, FS_MNT_PATH - 1);
    fs_memcpy(m->path, path, n);
    m->path[n] = '\0';
    fs_memcpy(m->source, t->name, fs_strnlen(t->name, sizeof m->source - 1));
    long r = t->mount(m, data);
    if (r < 0) {
        fs_vnode_put(covered);
        return r;
    }
    m->covered = covered;
    if (covered)
        covered->covered_by = m;
    nmounts++;
    return 0;
}

/* A ramfs on dir (made on the root if missing) with permissions mode. */
static long ram_on(struct fs_proc *p, const char *dir, uint32_t mode)
{
    long r = fs_mkdir(p, dir, mode);
    if (r == 0 || r == -FS_EEXIST)
        r = fs_mount(p, dir, &fs_ramfs, NULL);
    if (r == 0)
        r = fs_chmod(p, dir, mode); /* past the umask */
    return r;
}

long fs_init_root(const struct fs_type *t, const void *data)
{
    if (nmounts)
        return -FS_EBUSY;
    long r = fs_mount(NULL, "/", t, data);
    if (r < 0)
        return r;
    struct fs_proc *p = fs_proc_new();
    if (!p)
        return -FS_ENOMEM;
    r = ram_on(p, "/tmp", 01777);
    if (r == 0 && t != &fs_ramfs) /* device nodes never land on a disk */
        r = ram_on(p, "/dev", 0755);
    fs_proc_exit(p);
    if (r == 0)
        fs_dev_make_nodes();
    return r;
}

long fs_init(void)
{
    return fs_init_root(&fs_ramfs, NULL);
}

long fs_dir_empty(struct fs_vnode *dir)
{
    struct fs_dirent e;
    long r = dir->ops->readdir(dir, 2, &e); /* past "." and ".." */
    return r < 0 ? r : !r;
}

void fs_stat_fill(const struct fs_vnode *vn, struct fs_stat *st)
{
    fs_memset(st, 0, sizeof *st);
    st->st_dev = vn->mnt ? vn->mnt->dev : 0;
    st->st_ino = vn->ino;
    st->st_nlink = vn->nlink;
    st->st_mode = vn->mode;
    st->st_uid = vn->uid;
    st->st_gid = vn->gid;
    st->st_rdev = vn->rdev;
    st->st_size = (int64_t)vn->size;
    st->st_blksize = FS_PAGE;
    st->st_blocks = (int64_t)((vn->size + FS_PAGE - 1) / FS_PAGE * (FS_PAGE / 512));
    st->st_atim = vn->atime;
    st->st_mtim = vn->mtime;
    st->st_ctim = vn->ctime;
}

long fs_truncate_vnode(struct fs_vnode *vn, uint64_t len)
{
    long r = vn->ops->truncate(vn, len);
    if (r < 0)
        return r;
    fs_vnode_touch(vn, 0, 1, 1);
    if (vn->ops->setattr)
        vn->ops->setattr(vn);
    return 0;
}

long fs_create_in(struct fs_proc *p, struct fs_vnode *dir, const char *name, unsigned len,
                  uint32_t mode, uint64_t rdev, const char *target, struct fs_vnode **out)
{
    if (dir->nlink == 0)
        return -FS_ENOENT; /* a removed directory takes no new names */
    long r = fs_perm(p, dir, FS_W_OK | FS_X_OK, 0);
    if (r < 0)
        return r;
    uint32_t gid = p->cred.egid;
    if (dir->mode & FS_S_ISGID) { /* BSD group semantics, inherited by subdirectories */
        gid = dir->gid;
        if (FS_S_ISTYPE(mode, FS_S_IFDIR))
            mode |= FS_S_ISGID;
    }
    return dir->ops->create(dir, name, len, mode, p->cred.euid, gid, rdev, target, out);
}
