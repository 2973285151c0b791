/*
 * vfs.c: ext2 behind the VFS. One vnode per live inode (found again by number while it has
 * references), its fields filled from the inode after every operation that may change them
 * (the VFS reads them as the truth) and written back by setattr. "." and ".." are readdir's
 * cookies 0 and 1 as the VFS expects; the rest are byte offsets in the directory plus 2.
 * Every change is written through to the disk (ext2_sync) before the call returns.
 */
#include <ext2/vfs.h>

#include "internal.h"

struct e2_node {
    struct fs_vnode vn;
    struct e2_node *next;
};

struct e2_mount {
    struct ext2_fs *fs;
    struct e2_node *live;
    struct ext2_entry scratch; /* the name readdir last returned */
};

void *fs_alloc(size_t n);
void fs_free(void *obj, size_t n);

static const struct fs_vnode_ops e2_ops;
static struct e2_mount *mounts_by_dev[8];

static struct e2_mount *M(struct fs_vnode *vn)
{
    return vn->mnt->priv;
}

static struct ext2_fs *F(struct fs_vnode *vn)
{
    return M(vn)->fs;
}

static long fill(struct fs_vnode *vn)
{
    struct ext2_stat st;
    long r = ext2_stat(F(vn), (uint32_t)vn->ino, &st);
    if (r < 0)
        return r;
    vn->mode = st.mode;
    vn->uid = st.uid;
    vn->gid = st.gid;
    vn->nlink = st.nlink;
    vn->size = st.size;
    vn->rdev = st.rdev;
    vn->atime = (struct fs_timespec){st.atime, 0};
    vn->mtime = (struct fs_timespec){st.mtime, 0};
    vn->ctime = (struct fs_timespec){st.ctime, 0};
    return 0;
}

static struct e2_node *find_live(struct e2_mount *em, uint32_t ino)
{
    for (struct e2_node *n = em->live; n; n = n->next)
        if (n->vn.ino == ino)
            return n;
    return 0;
}

/* The vnode of ino, referenced for the caller. */
static long node_get(struct fs_mount *m, uint32_t ino, struct fs_vnode **out)
{
    struct e2_mount *em = m->priv;
    struct e2_node *n = find_live(em, ino);
    if (!n) {
        n = fs_alloc(sizeof *n);
        if (!n)
            return -EXT2_ENOMEM;
        ext2_memset(n, 0, sizeof *n);
        n->vn.ino = ino;
        n->vn.mnt = m;
        n->vn.ops = &e2_ops;
        long r = fill(&n->vn);
        if (r < 0) {
            fs_free(n, sizeof *n);
            return r;
        }
        n->next = em->live;
        em->live = n;
    }
    fs_vnode_ref(&n->vn);
    *out = &n->vn;
    return 0;
}

/* Refreshes the live vnode of ino, if any (its links or size changed under another name). */
static void refresh(struct e2_mount *em, uint32_t ino)
{
    struct e2_node *n = find_live(em, ino);
    if (n)
        fill(&n->vn);
}

static long done(struct fs_vnode *vn, long r)
{
    long s = ext2_sync(F(vn));
    return r < 0 ? r : s < 0 ? s : r;
}

static long e2_lookup(struct fs_vnode *dir, const char *name, unsigned len, struct fs_vnode **out)
{
    if (dir->nlink == 0)
        return -EXT2_ENOENT;
    uint32_t ino;
    long r = ext2_lookup(F(dir), (uint32_t)dir->ino, name, len, &ino);
    return r < 0 ? r : node_get(dir->mnt, ino, out);
}

static long e2_create(struct fs_vnode *dir, const char *name, unsigned len, uint32_t mode,
                      uint32_t uid, uint32_t gid, uint64_t rdev, const char *target,
                      struct fs_vnode **out)
{
    struct ext2_fs *fs = F(dir);
    uint32_t d = (uint32_t)dir->ino, ino;
    long r;
    if (FS_S_ISTYPE(mode, FS_S_IFDIR)) {
        r = ext2_mkdir(fs, d, name, len, mode, uid, gid, &ino);
    } else if (FS_S_ISTYPE(mode, FS_S_IFLNK)) {
        unsigned tl = 0;
        while (target[tl])
            tl++;
        r = ext2_symlink(fs, d, name, len, target, tl, uid, gid, &ino);
    } else {
        r = ext2_create(fs, d, name, len, mode, uid, gid, (uint32_t)rdev, &ino);
    }
    if (r == 0)
        r = fill(dir);
    if (r == 0)
        r = node_get(dir->mnt, ino, out);
    return done(dir, r);
}

static long e2_link(struct fs_vnode *dir, const char *name, unsigned len, struct fs_vnode *vn)
{
    long r = ext2_link(F(dir), (uint32_t)dir->ino, name, len, (uint32_t)vn->ino);
    if (r == 0) {
        fill(dir);
        fill(vn);
    }
    return done(dir, r);
}

static long e2_unlink(struct fs_vnode *dir, const char *name, unsigned len)
{
    struct ext2_fs *fs = F(dir);
    uint32_t ino;
    long r = ext2_lookup(fs, (uint32_t)dir->ino, name, len, &ino);
    if (r < 0)
        return r;
    struct ext2_stat st;
    r = ext2_stat(fs, ino, &st);
    if (r < 0)
        return r;
    if ((st.mode & EXT2_S_IFMT) == EXT2_S_IFDIR)
        r = ext2_rmdir(fs, (uint32_t)dir->ino, name, len);
    else
        r = ext2_unlink(fs, (uint32_t)dir->ino, name, len);
    if (r == 0) {
        fill(dir);
        struct e2_node *n = find_live(M(dir), ino);
        if (n) /* still referenced: its inode stays until drop */
            n->vn.nlink = FS_S_ISTYPE(n->vn.mode, FS_S_IFDIR) ? 0 : n->vn.nlink - 1;
    }
    return done(dir, r);
}

static long e2_rename(struct fs_vnode *odir, const char *oname, unsigned olen,
                      struct fs_vnode *ndir, const char *nname, unsigned nlen)
{
    struct ext2_fs *fs = F(odir);
    uint32_t src = 0, old = 0;
    ext2_lookup(fs, (uint32_t)odir->ino, oname, olen, &src);
    ext2_lookup(fs, (uint32_t)ndir->ino, nname, nlen, &old);
    struct e2_node *replaced = old && old != src ? find_live(M(odir), old) : 0;
    long r = ext2_rename(fs, (uint32_t)odir->ino, oname, olen, (uint32_t)ndir->ino, nname, nlen);
    if (r == 0) {
        fill(odir);
        fill(ndir);
        refresh(M(odir), src);
        if (replaced)
            replaced->vn.nlink =
                FS_S_ISTYPE(replaced->vn.mode, FS_S_IFDIR) ? 0 : replaced->vn.nlink - 1;
    }
    return done(odir, r);
}

static uint8_t dt(uint8_t ft)
{
    static const uint8_t map[] = {FS_DT_UNKNOWN, FS_DT_REG,  FS_DT_DIR,  FS_DT_CHR,
                                  FS_DT_BLK,     FS_DT_FIFO, FS_DT_SOCK, FS_DT_LNK};
    return ft < sizeof map ? map[ft] : FS_DT_UNKNOWN;
}

static long e2_readdir(struct fs_vnode *dir, uint64_t cookie, struct fs_dirent *e)
{
    struct ext2_fs *fs = F(dir);
    struct ext2_entry *x = &M(dir)->scratch;
    if (dir->nlink == 0)
        return 0;
    if (cookie < 2) {
        uint32_t ino = (uint32_t)dir->ino;
        if (cookie == 1) {
            long r = ext2_lookup(fs, ino, "..", 2, &ino);
            if (r < 0)
                return r;
        }
        e->ino = ino;
        e->type = FS_DT_DIR;
        e->len = (uint16_t)(cookie + 1);
        e->name = "..";
        e->next = cookie + 1;
        return 1;
    }
    uint64_t off = cookie - 2;
    for (;;) {
        long r = ext2_readdir(fs, (uint32_t)dir->ino, &off, x);
        if (r <= 0)
            return r;
        if ((x->len == 1 && x->name[0] == '.') ||
            (x->len == 2 && x->name[0] == '.' && x->name[1] == '.'))
            continue;
        e->ino = x->ino;
        e->type = dt(x->type);
        e->len = x->len;
        e->name = x->name;
        e->next = off + 2;
        return 1;
    }
}

static long e2_read(struct fs_vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    return ext2_read(F(vn), (uint32_t)vn->ino, buf, len, off);
}

static long e2_write(struct fs_vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    long r = ext2_write(F(vn), (uint32_t)vn->ino, buf, len, off);
    fill(vn);
    return done(vn, r);
}

static long e2_truncate(struct fs_vnode *vn, uint64_t size)
{
    long r = ext2_truncate(F(vn), (uint32_t)vn->ino, size);
    fill(vn);
    return done(vn, r);
}

static long e2_readlink(struct fs_vnode *vn, char *buf, uint64_t len)
{
    long r = ext2_readlink(F(vn), (uint32_t)vn->ino, buf, len);
    return r < 0 ? r : (uint64_t)r < len ? r : (long)len;
}

static long e2_setattr(struct fs_vnode *vn)
{
    struct ext2_stat st = {.mode = vn->mode,
                           .uid = vn->uid,
                           .gid = vn->gid,
                           .atime = (uint32_t)vn->atime.tv_sec,
                           .mtime = (uint32_t)vn->mtime.tv_sec,
                           .ctime = (uint32_t)vn->ctime.tv_sec};
    long r = ext2_setattr(F(vn), (uint32_t)vn->ino, &st,
                          EXT2_SET_MODE | EXT2_SET_UID | EXT2_SET_GID | EXT2_SET_ATIME |
                              EXT2_SET_MTIME | EXT2_SET_CTIME);
    return done(vn, r);
}

static void e2_drop(struct fs_vnode *vn)
{
    struct e2_mount *em = M(vn);
    if (vn == vn->mnt->root)
        return;
    for (struct e2_node **l = &em->live; *l; l = &(*l)->next)
        if (&(*l)->vn == vn) {
            *l = (*l)->next;
            break;
        }
    if (vn->nlink == 0) {
        ext2_evict(em->fs, (uint32_t)vn->ino);
        ext2_sync(em->fs);
    }
    fs_free(vn, sizeof(struct e2_node));
}

static const struct fs_vnode_ops e2_ops = {
    .lookup = e2_lookup,
    .create = e2_create,
    .link = e2_link,
    .unlink = e2_unlink,
    .rename = e2_rename,
    .readdir = e2_readdir,
    .read = e2_read,
    .write = e2_write,
    .truncate = e2_truncate,
    .readlink = e2_readlink,
    .setattr = e2_setattr,
    .drop = e2_drop,
};

/* The device's busy hook: an inode with a live vnode is still in use above us. */
static int e2_busy(struct ext2_dev *d, uint32_t ino)
{
    for (unsigned i = 0; i < sizeof mounts_by_dev / sizeof mounts_by_dev[0]; i++) {
        struct e2_mount *em = mounts_by_dev[i];
        if (em && em->fs->dev == d)
            return find_live(em, ino) != 0;
    }
    return 0;
}

static long e2_mount(struct fs_mount *m, const void *data)
{
    const struct fs_ext2_args *a = data;
    unsigned slot = 0;
    while (slot < sizeof mounts_by_dev / sizeof mounts_by_dev[0] && mounts_by_dev[slot])
        slot++;
    if (slot == sizeof mounts_by_dev / sizeof mounts_by_dev[0])
        return -EXT2_ENOMEM;
    struct e2_mount *em = fs_alloc(sizeof *em);
    if (!em)
        return -EXT2_ENOMEM;
    ext2_memset(em, 0, sizeof *em);
    em->fs = a->fs;
    a->dev->busy = e2_busy;
    long r = ext2_mount(a->fs, a->dev, a->cache, a->cache_bytes, a->ro);
    if (r < 0) {
        fs_free(em, sizeof *em);
        return r;
    }
    m->priv = em;
    m->ro = a->ro || a->fs->ro;
    for (unsigned i = 0; a->source && a->source[i] && i + 1 < sizeof m->source; i++)
        m->source[i] = a->source[i], m->source[i + 1] = '\0';
    m->dev = 0x800 + slot; /* st_dev: a block device's number, one per ext2 mount */
    r = node_get(m, EXT2_ROOT_INO, &m->root);
    if (r < 0) {
        fs_free(em, sizeof *em);
        return r;
    }
    mounts_by_dev[slot] = em;
    return 0;
}

/* fsync, fdatasync, syncfs and sync: every change is already written (done()); what they add is
 * the device's own cache written out, so that a power cut of the host keeps them too. */
long fs_ext2_sync(struct fs_mount *m)
{
    struct e2_mount *em = m->priv;
    long r = ext2_sync(em->fs);
    struct ext2_dev *d = em->fs->dev;
    if (r == 0 && d->flush && !em->fs->ro)
        r = d->flush(d);
    return r;
}

static long e2_statfs(struct fs_mount *m, struct fs_statfs *st)
{
    struct e2_mount *em = m->priv;
    struct ext2_statfs s;
    long r = ext2_statfs(em->fs, &s);
    if (r < 0)
        return r;
    st->f_bsize = st->f_frsize = s.bsize;
    st->f_blocks = s.blocks;
    st->f_bfree = s.bfree;
    st->f_bavail = s.bavail;
    st->f_files = s.files;
    st->f_ffree = s.ffree;
    st->f_namelen = s.namelen;
    return 0;
}

struct ext2_fs *fs_ext2_of(struct fs_vnode *vn)
{
    if (!vn || !vn->mnt || vn->mnt->type != &fs_ext2 || (vn->mode & EXT2_S_IFMT) != EXT2_S_IFREG)
        return 0;
    return F(vn);
}

const struct fs_type fs_ext2 = {"ext2", e2_mount, e2_statfs, fs_ext2_sync, 0xEF53};
