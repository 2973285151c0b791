/*
 * ramfs.c: the RAM file system ("/" and "/tmp"). Every vnode lives in memory from its creation
 * to its last link and reference going; a directory is a list of entries in creation order,
 * each with a cookie that never changes (getdents positions survive removals); a regular
 * file's bytes are pages under a two-level table (512 x 512 pages: 1 GiB at most, EFBIG past
 * it), holes read as zeros; a file from the boot archive reads the archive's bytes in place
 * until its first change copies them into pages.
 */
#include "internal.h"

#define PTRS (FS_PAGE / 8)
#define RAM_MAXSIZE ((uint64_t)PTRS * PTRS * FS_PAGE)

struct ram_dent {
    struct ram_dent *next;
    struct fs_vnode *vn;
    uint64_t cookie;
    uint16_t len;
    char name[];
};

struct ram_node {
    struct fs_vnode vn;
    /* directories */
    struct ram_dent *head;
    uint64_t next_cookie;
    struct fs_vnode *parent;
    /* regular files */
    void **top;
    const uint8_t *ro; /* boot archive bytes, size vn.size, until the first change */
    int lent; /* a page of it was lent to a mapping (fs_ramfs_page): taken back when freed */
    /* symlinks */
    char *link;
};

static const struct fs_vnode_ops ram_ops;
static uint64_t ram_devs;

static struct ram_node *R(struct fs_vnode *vn)
{
    return (struct ram_node *)vn;
}

static uint8_t dtype(uint32_t mode)
{
    switch (mode & FS_S_IFMT) {
    case FS_S_IFDIR:
        return FS_DT_DIR;
    case FS_S_IFREG:
        return FS_DT_REG;
    case FS_S_IFLNK:
        return FS_DT_LNK;
    case FS_S_IFCHR:
        return FS_DT_CHR;
    case FS_S_IFBLK:
        return FS_DT_BLK;
    case FS_S_IFIFO:
        return FS_DT_FIFO;
    case FS_S_IFSOCK:
        return FS_DT_SOCK;
    }
    return FS_DT_UNKNOWN;
}

static struct ram_node *node_new(struct fs_mount *m, uint32_t mode, uint32_t uid, uint32_t gid)
{
    struct ram_node *n = fs_alloc(sizeof *n);
    if (!n)
        return NULL;
    uint64_t *next_ino = m->priv;
    n->vn.ino = (*next_ino)++;
    n->vn.mode = mode;
    n->vn.uid = uid;
    n->vn.gid = gid;
    n->vn.mnt = m;
    n->vn.ops = &ram_ops;
    n->next_cookie = 2; /* 0 ".", 1 ".." */
    fs_vnode_touch(&n->vn, 1, 1, 1);
    return n;
}

/* The data page holding byte `off` (allocated when `make`), or NULL (a hole / no memory). */
static uint8_t *data_page(struct ram_node *n, uint64_t off, int make)
{
    uint64_t pg = off / FS_PAGE;
    uint64_t hi = pg / PTRS, lo = pg % PTRS;
    if (!n->top) {
        if (!make || !(n->top = fs_alloc_data()))
            return NULL;
    }
    void **idx = n->top[hi];
    if (!idx) {
        if (!make || !(idx = n->top[hi] = fs_alloc_data()))
            return NULL;
    }
    if (!idx[lo] && make)
        idx[lo] = fs_alloc_data();
    return idx[lo];
}

/* Frees every data page from byte `from` (rounded up to a page) on. */
static void free_from(struct ram_node *n, uint64_t from)
{
    if (!n->top)
        return;
    uint64_t first = (from + FS_PAGE - 1) / FS_PAGE;
    for (uint64_t hi = 0; hi < PTRS; hi++) {
        void **idx = n->top[hi];
        if (!idx)
            continue;
        int any = 0;
        for (uint64_t lo = 0; lo < PTRS; lo++) {
            if (idx[lo] && hi * PTRS + lo >= first) {
                if (!n->lent || !fs_page_unlend || fs_page_unlend(idx[lo]) == 0)
                    fs_free(idx[lo], FS_PAGE); /* (a page unlend could not replace is lost) */
                idx[lo] = NULL;
            }
            any |= idx[lo] != NULL;
        }
        if (!any) {
            fs_free(idx, FS_PAGE);
            n->top[hi] = NULL;
        }
    }
    if (first == 0) {
        fs_free(n->top, FS_PAGE);
        n->top = NULL;
    }
}

/* Copies boot-archive bytes into pages before the first change. */
static long materialize(struct ram_node *n)
{
    if (!n->ro)
        return 0;
    for (uint64_t off = 0; off < n->vn.size; off += FS_PAGE) {
        uint8_t *pg = data_page(n, off, 1);
        if (!pg) {
            free_from(n, 0);
            return -FS_ENOSPC;
        }
        uint64_t k = n->vn.size - off < FS_PAGE ? n->vn.size - off : FS_PAGE;
        fs_memcpy(pg, n->ro + off, k);
    }
    n->ro = NULL;
    return 0;
}

static struct ram_dent *find(struct ram_node *d, const char *name, unsigned len,
                             struct ram_dent ***link)
{
    struct ram_dent **l = &d->head;
    for (; *l; l = &(*l)->next)
        if ((*l)->len == len && fs_memeq((*l)->name, name, len)) {
            if (link)
                *link = l;
            return *l;
        }
    return NULL;
}

static long ram_lookup(struct fs_vnode *dir, const char *name, unsigned len, struct fs_vnode **out)
{
    struct ram_node *d = R(dir);
    if (dir->nlink == 0)
        return -FS_ENOENT; /* removed while still someone's cwd */
    if (len == 2 && name[0] == '.' && name[1] == '.') {
        *out = d->parent;
        fs_vnode_ref(*out);
        return 0;
    }
    struct ram_dent *e = find(d, name, len, NULL);
    if (!e)
        return -FS_ENOENT;
    *out = e->vn;
    fs_vnode_ref(*out);
    return 0;
}

static long add_entry(struct ram_node *d, const char *name, unsigned len, struct fs_vnode *vn)
{
    struct ram_dent *e = fs_alloc(sizeof *e + len);
    if (!e)
        return -FS_ENOMEM;
    e->vn = vn;
    e->len = (uint16_t)len;
    fs_memcpy(e->name, name, len);
    e->cookie = d->next_cookie++;
    struct ram_dent **l = &d->head; /* appended: the list stays in cookie order */
    while (*l)
        l = &(*l)->next;
    *l = e;
    return 0;
}

static void free_entry(struct ram_dent *e)
{
    fs_free(e, sizeof *e + e->len);
}

static void node_free(struct ram_node *n)
{
    if (FS_S_ISTYPE(n->vn.mode, FS_S_IFREG))
        free_from(n, 0);
    if (n->link)
        fs_free(n->link, n->vn.size + 1);
    fs_free(n, sizeof *n);
}

static long ram_create(struct fs_vnode *dir, const char *name, unsigned len, uint32_t mode,
                       uint32_t uid, uint32_t gid, uint64_t rdev, const char *target,
                       struct fs_vnode **out)
{
    struct ram_node *d = R(dir);
    struct ram_node *n = node_new(dir->mnt, mode, uid, gid);
    if (!n)
        return -FS_ENOSPC;
    n->vn.rdev = rdev;
    n->vn.nlink = 1;
    if (FS_S_ISTYPE(mode, FS_S_IFLNK)) {
        size_t tl = fs_strnlen(target, FS_PATH_MAX);
        if (!(n->link = fs_alloc(tl + 1))) {
            node_free(n);
            return -FS_ENOSPC;
        }
        fs_memcpy(n->link, target, tl);
        n->vn.size = tl;
    }
    if (FS_S_ISTYPE(mode, FS_S_IFDIR)) {
        n->vn.nlink = 2;
        n->parent = dir;
    }
    if (add_entry(d, name, len, &n->vn) < 0) {
        node_free(n);
        return -FS_ENOSPC;
    }
    if (FS_S_ISTYPE(mode, FS_S_IFDIR))
        dir->nlink++;
    fs_vnode_touch(dir, 0, 1, 1);
    n->vn.refs = 1;
    *out = &n->vn;
    return 0;
}

static long ram_link(struct fs_vnode *dir, const char *name, unsigned len, struct fs_vnode *vn)
{
    long r = add_entry(R(dir), name, len, vn);
    if (r < 0)
        return -FS_ENOSPC;
    vn->nlink++;
    fs_vnode_touch(vn, 0, 0, 1);
    fs_vnode_touch(dir, 0, 1, 1);
    return 0;
}

/* Drops one link of vn (a directory: all of it, and its parent's ".."). */
static void drop_link(struct fs_vnode *dir, struct fs_vnode *vn)
{
    if (fs_is_dir(vn)) {
        vn->nlink = 0;
        dir->nlink--;
    } else {
        vn->nlink--;
    }
    fs_vnode_touch(vn, 0, 0, 1);
    if (vn->nlink == 0 && vn->refs == 0)
        node_free(R(vn));
}

static long ram_unlink(struct fs_vnode *dir, const char *name, unsigned len)
{
    struct ram_dent **l;
    struct ram_dent *e = find(R(dir), name, len, &l);
    if (!e)
        return -FS_ENOENT;
    *l = e->next;
    struct fs_vnode *vn = e->vn;
    free_entry(e);
    fs_vnode_touch(dir, 0, 1, 1);
    drop_link(dir, vn);
    return 0;
}

static long ram_rename(struct fs_vnode *odir, const char *oname, unsigned olen,
                       struct fs_vnode *ndir, const char *nname, unsigned nlen)
{
    struct ram_dent **ol;
    struct ram_dent *oe = find(R(odir), oname, olen, &ol);
    if (!oe)
        return -FS_ENOENT;
    struct fs_vnode *vn = oe->vn;
    struct ram_dent **nl;
    struct ram_dent *ne = find(R(ndir), nname, nlen, &nl);
    if (ne) {
        /* Replace in place: the name never disappears for an observer. */
        struct fs_vnode *old = ne->vn;
        ne->vn = vn;
        *ol = oe->next;
        free_entry(oe);
        drop_link(ndir, old);
    } else {
        struct ram_dent *e = fs_alloc(sizeof *e + nlen);
        if (!e)
            return -FS_ENOSPC;
        e->vn = vn;
        e->len = (uint16_t)nlen;
        fs_memcpy(e->name, nname, nlen);
        e->cookie = R(ndir)->next_cookie++;
        *ol = oe->next; /* unlinked first: ndir may be odir */
        free_entry(oe);
        struct ram_dent **l = &R(ndir)->head;
        while (*l)
            l = &(*l)->next;
        *l = e;
    }
    if (fs_is_dir(vn) && odir != ndir) {
        R(vn)->parent = ndir;
        odir->nlink--;
        ndir->nlink++;
    }
    fs_vnode_touch(vn, 0, 0, 1);
    fs_vnode_touch(odir, 0, 1, 1);
    fs_vnode_touch(ndir, 0, 1, 1);
    return 0;
}

static long ram_exchange(struct fs_vnode *odir, const char *oname, unsigned olen,
                         struct fs_vnode *ndir, const char *nname, unsigned nlen)
{
    struct ram_dent *oe = find(R(odir), oname, olen, NULL);
    struct ram_dent *ne = find(R(ndir), nname, nlen, NULL);
    if (!oe || !ne)
        return -FS_ENOENT;
    struct fs_vnode *a = oe->vn, *b = ne->vn;
    oe->vn = b;
    ne->vn = a;
    if (odir != ndir) { /* a directory moving changes its ".." and the parents' link counts */
        int ad = fs_is_dir(a), bd = fs_is_dir(b);
        if (ad)
            R(a)->parent = ndir;
        if (bd)
            R(b)->parent = odir;
        odir->nlink += (uint32_t)bd - (uint32_t)ad;
        ndir->nlink += (uint32_t)ad - (uint32_t)bd;
    }
    fs_vnode_touch(a, 0, 0, 1);
    fs_vnode_touch(b, 0, 0, 1);
    fs_vnode_touch(odir, 0, 1, 1);
    fs_vnode_touch(ndir, 0, 1, 1);
    return 0;
}

static long ram_readdir(struct fs_vnode *dir, uint64_t cookie, struct fs_dirent *e)
{
    struct ram_node *d = R(dir);
    if (dir->nlink == 0)
        return 0; /* removed (someone's cwd still): empty, not even "." */
    if (cookie == 0 || cookie == 1) {
        struct fs_vnode *vn = cookie == 0 ? dir : d->parent;
        e->ino = vn->ino;
        e->type = FS_DT_DIR;
        e->len = (uint16_t)(cookie + 1);
        e->name = "..";
        e->next = cookie + 1;
        return 1;
    }
    for (struct ram_dent *x = d->head; x; x = x->next)
        if (x->cookie >= cookie) {
            e->ino = x->vn->ino;
            e->type = dtype(x->vn->mode);
            e->len = x->len;
            e->name = x->name;
            e->next = x->cookie + 1;
            return 1;
        }
    return 0;
}

static long ram_read(struct fs_vnode *vn, void *buf, uint64_t len, uint64_t off)
{
    struct ram_node *n = R(vn);
    if (off >= vn->size)
        return 0;
    if (len > vn->size - off)
        len = vn->size - off;
    if (n->ro) {
        fs_memcpy(buf, n->ro + off, len);
        return (long)len;
    }
    uint64_t done = 0;
    while (done < len) {
        uint64_t o = off + done, in = o % FS_PAGE;
        uint64_t k = FS_PAGE - in < len - done ? FS_PAGE - in : len - done;
        uint8_t *pg = data_page(n, o, 0);
        if (pg)
            fs_memcpy((uint8_t *)buf + done, pg + in, k);
        else
            fs_memset((uint8_t *)buf + done, 0, k);
        done += k;
    }
    return (long)len;
}

static long ram_write(struct fs_vnode *vn, const void *buf, uint64_t len, uint64_t off)
{
    struct ram_node *n = R(vn);
    if (off >= RAM_MAXSIZE)
        return -FS_EFBIG;
    if (len > RAM_MAXSIZE - off)
        len = RAM_MAXSIZE - off;
    long r = materialize(n);
    if (r < 0)
        return r;
    uint64_t done = 0;
    while (done < len) {
        uint64_t o = off + done, in = o % FS_PAGE;
        uint64_t k = FS_PAGE - in < len - done ? FS_PAGE - in : len - done;
        uint8_t *pg = data_page(n, o, 1);
        if (!pg)
            break;
        fs_memcpy(pg + in, (const uint8_t *)buf + done, k);
        done += k;
    }
    if (done == 0 && len)
        return -FS_ENOSPC;
    if (off + done > vn->size)
        vn->size = off + done;
    return (long)done;
}

static long ram_truncate(struct fs_vnode *vn, uint64_t size)
{
    struct ram_node *n = R(vn);
    if (size > RAM_MAXSIZE)
        return -FS_EFBIG;
    long r = materialize(n);
    if (r < 0)
        return r;
    if (size < vn->size) {
        free_from(n, size);
        uint8_t *pg = data_page(n, size, 0); /* the kept part of the last page reads zeros */
        if (pg && size % FS_PAGE)
            fs_memset(pg + size % FS_PAGE, 0, FS_PAGE - size % FS_PAGE);
    }
    vn->size = size;
    return 0;
}

static long ram_readlink(struct fs_vnode *vn, char *buf, uint64_t len)
{
    uint64_t n = vn->size < len ? vn->size : len;
    fs_memcpy(buf, R(vn)->link, n);
    return (long)n;
}

static void ram_drop(struct fs_vnode *vn)
{
    if (vn->nlink == 0 && vn != vn->mnt->root)
        node_free(R(vn));
}

static const struct fs_vnode_ops ram_ops = {
    .lookup = ram_lookup,
    .create = ram_create,
    .link = ram_link,
    .unlink = ram_unlink,
    .rename = ram_rename,
    .exchange = ram_exchange,
    .readdir = ram_readdir,
    .read = ram_read,
    .write = ram_write,
    .truncate = ram_truncate,
    .readlink = ram_readlink,
    .drop = ram_drop,
};

long fs_ramfs_set_rodata(struct fs_vnode *vn, const void *data, uint64_t size)
{
    if (vn->ops != &ram_ops || !FS_S_ISTYPE(vn->mode, FS_S_IFREG) || vn->size)
        return -FS_EINVAL;
    R(vn)->ro = data;
    vn->size = size;
    return 0;
}

/* Mappings (fs_mmap_*, mmap.c): the page holding byte off of a regular file, made if it is a
 * hole, for the embedder to lend to a process's mapping; NULL past the end or with no memory.
 * The file's pages from then on are taken back (fs_page_unlend) before they are freed, so a
 * truncated file's page never shows another file's bytes through an old mapping. */
void *fs_ramfs_page(struct fs_vnode *vn, uint64_t off)
{
    struct ram_node *n = R(vn);
    if (vn->ops != &ram_ops || off >= vn->size || off >= RAM_MAXSIZE || materialize(n) < 0)
        return NULL;
    n->lent = 1;
    return data_page(n, off, 1);
}

int fs_ramfs_is(const struct fs_vnode *vn)
{
    return vn->ops == &ram_ops;
}

/* An unnamed regular file of size bytes on m (shared anonymous memory): no link, one
 * reference, gone with it. */
long fs_ramfs_anon(struct fs_mount *m, uint64_t size, struct fs_vnode **out)
{
    if (size > RAM_MAXSIZE)
        return -FS_ENOMEM;
    struct ram_node *n = node_new(m, FS_S_IFREG | 0600, 0, 0);
    if (!n)
        return -FS_ENOMEM;
    n->vn.size = size;
    n->vn.refs = 1;
    *out = &n->vn;
    return 0;
}

static long ram_mount(struct fs_mount *m, const void *data)
{
    (void)data;
    uint64_t *next_ino = fs_alloc(sizeof *next_ino);
    if (!next_ino)
        return -FS_ENOMEM;
    *next_ino = 2; /* the root is inode 2, as on ext2 */
    m->priv = next_ino;
    m->dev = ++ram_devs;
    struct ram_node *root = node_new(m, FS_S_IFDIR | 0755, 0, 0);
    if (!root) {
        fs_free(next_ino, sizeof *next_ino);
        return -FS_ENOMEM;
    }
    root->vn.nlink = 2;
    root->parent = &root->vn;
    root->vn.refs = 1;
    m->root = &root->vn;
    return 0;
}

const struct fs_type fs_ramfs = {"ramfs", ram_mount, NULL, NULL, 0x858458f6};
