/*
 * names.c: the calls by name and the file calls by inode: lookup, resolve, create, mkdir,
 * symlink (fast in the inode, or slow in a block), link, unlink, rmdir, rename (replacing,
 * across directories with '..' moved, refused into its own subtree), readlink, read, write,
 * truncate. Link counts, '..' and the parent's count stay as e2fsck expects them.
 */
#include "internal.h"

#define EXT2_LINK_MAX 32000

static int busy(struct ext2_fs *fs, uint32_t ino)
{
    return fs->dev->busy && fs->dev->busy(fs->dev, ino);
}

static int is_dots(const char *name, unsigned len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

static long check_name(const char *name, unsigned len)
{
    if (len == 0)
        return -EXT2_ENOENT;
    if (len > EXT2_NAME_MAX)
        return -EXT2_ENAMETOOLONG;
    for (unsigned i = 0; i < len; i++)
        if (name[i] == '/' || name[i] == 0)
            return -EXT2_EINVAL;
    return 0;
}

/* The directory's inode, which must be a live directory. */
static long get_dir(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din)
{
    long r = ext2_iget(fs, dir, din);
    if (r < 0)
        return r;
    if (!ext2_isdir(din))
        return -EXT2_ENOTDIR;
    if (din->i_links_count == 0)
        return -EXT2_ENOENT; /* removed while still open */
    return 0;
}

/* The inode an entry names, which must be in use. */
static long get_target(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    long r = ext2_iget(fs, ino, in);
    if (r < 0)
        return r;
    if (in->i_links_count == 0 || in->i_mode == 0)
        return ext2_corrupt(fs, "entry names free inode %u", ino);
    return 0;
}

long ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t *ino)
{
    struct ext2_inode din, in;
    long r = check_name(name, len);
    if (r < 0)
        return r;
    r = ext2_iget(fs, dir, &din);
    if (r < 0)
        return r;
    struct ext2_slot s;
    r = ext2_dir_find(fs, dir, &din, name, len, &s);
    if (r < 0)
        return r;
    r = get_target(fs, s.ino, &in);
    if (r < 0)
        return r;
    *ino = s.ino;
    return 0;
}

long ext2_resolve(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
    uint32_t cur = EXT2_ROOT_INO;
    while (*path) {
        while (*path == '/')
            path++;
        unsigned len = 0;
        while (path[len] && path[len] != '/')
            len++;
        if (len == 0)
            break;
        long r = ext2_lookup(fs, cur, path, len, &cur);
        if (r < 0)
            return r;
        path += len;
    }
    *ino = cur;
    return 0;
}

/* The first steps of every call that adds a name: writable, a live directory, a free name. */
static long prepare_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                        unsigned len)
{
    if (fs->ro)
        return -EXT2_EROFS;
    long r = check_name(name, len);
    if (r < 0)
        return r;
    if (is_dots(name, len))
        return -EXT2_EEXIST;
    r = get_dir(fs, dir, din);
    if (r < 0)
        return r;
    struct ext2_slot s;
    r = ext2_dir_find(fs, dir, din, name, len, &s);
    if (r == 0)
        return -EXT2_EEXIST;
    return r == -EXT2_ENOENT ? 0 : r;
}

/* Undoes a new inode whose name could not be added. */
static void discard(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    in->i_links_count = 0;
    if (ext2_iput(fs, ino, in) == 0)
        ext2_evict(fs, ino);
}

/* Names the new inode in dir and writes both. */
static long add_new(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name,
                    unsigned len, uint32_t ino, struct ext2_inode *in)
{
    long r = ext2_iput(fs, ino, in);
    if (r == 0)
        r = ext2_dir_add(fs, dir, din, name, len, ino, in->i_mode);
    if (r < 0) {
        discard(fs, ino, in);
        ext2_iput(fs, dir, din); /* the directory may have grown a block */
        return r;
    }
    return ext2_iput(fs, dir, din);
}

long ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t mode,
                 uint32_t uid, uint32_t gid, uint32_t rdev, uint32_t *ino)
{
    struct ext2_inode din, in;
    if ((mode & EXT2_S_IFMT) == 0)
        mode |= EXT2_S_IFREG;
    uint32_t t = mode & EXT2_S_IFMT;
    if (t == EXT2_S_IFDIR || t == EXT2_S_IFLNK)
        return -EXT2_EINVAL; /* mkdir and symlink make those */
    long r = prepare_add(fs, dir, &din, name, len);
    if (r < 0)
        return r;
    r = ext2_inew(fs, dir, mode, uid, gid, ino, &in);
    if (r < 0)
        return r;
    in.i_links_count = 1;
    if (t == EXT2_S_IFCHR || t == EXT2_S_IFBLK) {
        if ((rdev >> 8) < 256 && (rdev & 0xfff000ff) == rdev)
            in.i_block[0] = rdev; /* the old encoding, as Linux writes small numbers */
        else
            in.i_block[1] = rdev;
    }
    return add_new(fs, dir, &din, name, len, *ino, &in);
}

long ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t mode,
                uint32_t uid, uint32_t gid, uint32_t *ino)
{
    struct ext2_inode din, in;
    long r = prepare_add(fs, dir, &din, name, len);
    if (r < 0)
        return r;
    if (din.i_links_count >= EXT2_LINK_MAX)
        return -EXT2_EMLINK;
    r = ext2_inew(fs, dir, EXT2_S_IFDIR | (mode & 07777), uid, gid, ino, &in);
    if (r < 0)
        return r;
    in.i_links_count = 2;
    r = ext2_dir_init(fs, *ino, &in, dir);
    if (r < 0) {
        discard(fs, *ino, &in);
        return r;
    }
    din.i_links_count++;
    return add_new(fs, dir, &din, name, len, *ino, &in);
}

long ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len,
                  const char *target, unsigned tlen, uint32_t uid, uint32_t gid, uint32_t *ino)
{
    struct ext2_inode din, in;
    if (tlen == 0)
        return -EXT2_ENOENT;
    if (tlen >= fs->bsize)
        return -EXT2_ENAMETOOLONG;
    long r = prepare_add(fs, dir, &din, name, len);
    if (r < 0)
        return r;
    r = ext2_inew(fs, dir, EXT2_S_IFLNK | 0777, uid, gid, ino, &in);
    if (r < 0)
        return r;
    in.i_links_count = 1;
    if (tlen < sizeof in.i_block) { /* fast: the target in the inode itself */
        ext2_memcpy(in.i_block, target, tlen);
    } else {
        uint32_t pblk;
        r = ext2_bmap(fs, &in, 0, 1, &pblk);
        struct ext2_buf *b = 0;
        if (r >= 0)
            r = ext2_bget(fs, pblk, 0, &b);
        if (r < 0) {
            discard(fs, *ino, &in);
            return r;
        }
        ext2_memset(b->data, 0, fs->bsize);
        ext2_memcpy(b->data, target, tlen);
        ext2_bdirty(b);
        ext2_brelse(fs, b);
    }
    in.i_size = tlen;
    return add_new(fs, dir, &din, name, len, *ino, &in);
}

long ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t ino)
{
    struct ext2_inode din, in;
    long r = prepare_add(fs, dir, &din, name, len);
    if (r < 0)
        return r;
    r = get_target(fs, ino, &in);
    if (r < 0)
        return r;
    if (ext2_isdir(&in))
        return -EXT2_EPERM;
    if (in.i_links_count >= EXT2_LINK_MAX)
        return -EXT2_EMLINK;
    r = ext2_dir_add(fs, dir, &din, name, len, ino, in.i_mode);
    if (r < 0)
        return r;
    in.i_links_count++;
    in.i_ctime = ext2_now(fs);
    r = ext2_iput(fs, ino, &in);
    if (r < 0)
        return r;
    return ext2_iput(fs, dir, &din);
}

/* Drops one link of ino (all of a directory's), freeing it when none is left and nobody has it
 * open. */
static long drop_link(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    in->i_links_count = ext2_isdir(in) ? 0 : (uint16_t)(in->i_links_count - 1);
    in->i_ctime = ext2_now(fs);
    long r = ext2_iput(fs, ino, in);
    if (r < 0)
        return r;
    if (in->i_links_count == 0 && !busy(fs, ino))
        return ext2_evict(fs, ino);
    return 0;
}

/* Finds name in dir for removal: the directory, the entry and its inode. */
static long prepare_remove(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din,
                           const char *name, unsigned len, struct ext2_slot *s,
                           struct ext2_inode *in)
{
    if (fs->ro)
        return -EXT2_EROFS;
    long r = check_name(name, len);
    if (r < 0)
        return r;
    r = get_dir(fs, dir, din);
    if (r < 0)
        return r;
    r = ext2_dir_find(fs, dir, din, name, len, s);
    if (r < 0)
        return r;
    return get_target(fs, s->ino, in);
}

long ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len)
{
    struct ext2_inode din, in;
    struct ext2_slot s;
    long r = prepare_remove(fs, dir, &din, name, len, &s, &in);
    if (r < 0)
        return r;
    if (ext2_isdir(&in))
        return -EXT2_EISDIR;
    r = ext2_dir_remove(fs, dir, &din, name, len);
    if (r < 0)
        return r;
    r = ext2_iput(fs, dir, &din);
    if (r < 0)
        return r;
    return drop_link(fs, s.ino, &in);
}

long ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len)
{
    struct ext2_inode din, in;
    struct ext2_slot s;
    if (len == 1 && name[0] == '.')
        return -EXT2_EINVAL;
    if (is_dots(name, len))
        return -EXT2_ENOTEMPTY;
    long r = prepare_remove(fs, dir, &din, name, len, &s, &in);
    if (r < 0)
        return r;
    if (!ext2_isdir(&in))
        return -EXT2_ENOTDIR;
    r = ext2_dir_empty(fs, s.ino, &in);
    if (r <= 0)
        return r < 0 ? r : -EXT2_ENOTEMPTY;
    r = ext2_dir_remove(fs, dir, &din, name, len);
    if (r < 0)
        return r;
    if (din.i_links_count > 1)
        din.i_links_count--; /* the removed directory's '..' */
    r = ext2_iput(fs, dir, &din);
    if (r < 0)
        return r;
    return drop_link(fs, s.ino, &in);
}

/* Is `anc` dir or one of its ancestors? Walks '..' up to the root, a bounded number of steps:
 * a directory loop in a corrupt image is -EUCLEAN, not a hang. */
static long is_ancestor(struct ext2_fs *fs, uint32_t anc, uint32_t dir)
{
    uint32_t cur = dir;
    for (uint32_t steps = 0; steps < 65536 && steps <= fs->sb.s_inodes_count; steps++) {
        if (cur == anc)
            return 1;
        if (cur == EXT2_ROOT_INO)
            return 0;
        long r = ext2_lookup(fs, cur, "..", 2, &cur);
        if (r < 0)
            return r == -EXT2_ENOENT ? ext2_corrupt(fs, "directory %u has no '..'", cur) : r;
    }
    return ext2_corrupt(fs, "directory loop above inode %u", dir);
}

long ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, unsigned olen, uint32_t ndir,
                 const char *nname, unsigned nlen)
{
    struct ext2_inode odin, ndin_own, oin, nin;
    struct ext2_inode *ndin = odir == ndir ? &odin : &ndin_own;
    struct ext2_slot os, ns;
    long r = check_name(nname, nlen);
    if (r < 0)
        return r;
    if (is_dots(oname, olen) || is_dots(nname, nlen))
        return -EXT2_EINVAL;
    r = prepare_remove(fs, odir, &odin, oname, olen, &os, &oin);
    if (r < 0)
        return r;
    if (ndin != &odin) {
        r = get_dir(fs, ndir, ndin);
        if (r < 0)
            return r;
    }
    r = ext2_dir_find(fs, ndir, ndin, nname, nlen, &ns);
    if (r < 0 && r != -EXT2_ENOENT)
        return r;
    int exists = r == 0, moving_dir = ext2_isdir(&oin);
    if (exists && ns.ino == os.ino)
        return 0; /* two names of one file: nothing to do (POSIX) */
    if (exists) {
        r = get_target(fs, ns.ino, &nin);
        if (r < 0)
            return r;
        if (moving_dir && !ext2_isdir(&nin))
            return -EXT2_ENOTDIR;
        if (!moving_dir && ext2_isdir(&nin))
            return -EXT2_EISDIR;
        if (ext2_isdir(&nin)) {
            r = ext2_dir_empty(fs, ns.ino, &nin);
            if (r <= 0)
                return r < 0 ? r : -EXT2_ENOTEMPTY;
        }
    }
    if (moving_dir && odir != ndir) {
        r = is_ancestor(fs, os.ino, ndir);
        if (r != 0)
            return r < 0 ? r : -EXT2_EINVAL;
        if (!exists && ndin->i_links_count >= EXT2_LINK_MAX)
            return -EXT2_EMLINK;
    }

    /* The new name first, then the old one goes: a crash between leaves two links, not none. */
    if (exists)
        r = ext2_dir_retarget(fs, ndir, ndin, nname, nlen, os.ino, oin.i_mode);
    else
        r = ext2_dir_add(fs, ndir, ndin, nname, nlen, os.ino, oin.i_mode);
    if (r < 0)
        return r;
    r = ext2_dir_remove(fs, odir, &odin, oname, olen);
    if (r < 0)
        return r;
    if (exists && ext2_isdir(&nin))
        ndin->i_links_count--; /* the replaced directory's '..' */
    if (moving_dir && odir != ndir) {
        r = ext2_dir_retarget(fs, os.ino, &oin, "..", 2, ndir, EXT2_S_IFDIR);
        if (r < 0)
            return r;
        odin.i_links_count--;
        ndin->i_links_count++;
    }
    oin.i_ctime = ext2_now(fs);
    r = ext2_iput(fs, os.ino, &oin);
    if (r == 0)
        r = ext2_iput(fs, odir, &odin);
    if (r == 0 && ndin != &odin)
        r = ext2_iput(fs, ndir, ndin);
    if (r == 0 && exists)
        r = drop_link(fs, ns.ino, &nin);
    return r;
}

long ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, uint64_t len)
{
    struct ext2_inode in;
    long r = ext2_iget(fs, ino, &in);
    if (r < 0)
        return r;
    if (!ext2_islnk(&in))
        return -EXT2_EINVAL;
    uint64_t size = in.i_size;
    if (ext2_is_fast_symlink(fs, &in)) {
        if (size >= sizeof in.i_block)
            return ext2_corrupt(fs, "fast symlink %u of %u bytes", ino, in.i_size);
        if (len > size)
            len = size;
        ext2_memcpy(buf, in.i_block, len);
        return (long)size;
    }
    if (size >= fs->bsize)
        return ext2_corrupt(fs, "symlink %u of %u bytes", ino, in.i_size);
    if (len > size)
        len = size;
    r = ext2_file_read(fs, 0, &in, buf, len, 0);
    return r < 0 ? r : (long)size;
}

static long get_file(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    long r = ext2_iget(fs, ino, in);
    if (r < 0)
        return r;
    if (ext2_isdir(in))
        return -EXT2_EISDIR;
    if (!ext2_isreg(in))
        return -EXT2_EINVAL;
    return 0;
}

long ext2_read(struct ext2_fs *fs, uint32_t ino, void *buf, uint64_t len, uint64_t off)
{
    struct ext2_inode in;
    long r = get_file(fs, ino, &in);
    return r < 0 ? r : ext2_file_read(fs, ino, &in, buf, len, off);
}

long ext2_write(struct ext2_fs *fs, uint32_t ino, const void *buf, uint64_t len, uint64_t off)
{
    struct ext2_inode in;
    long r = get_file(fs, ino, &in);
    if (r < 0)
        return r;
    if (fs->ro)
        return -EXT2_EROFS;
    r = ext2_file_write(fs, ino, &in, buf, len, off);
    long w = ext2_iput(fs, ino, &in); /* blocks may have been added even on failure */
    return w < 0 ? w : r;
}

long ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
    struct ext2_inode in;
    long r = get_file(fs, ino, &in);
    if (r < 0)
        return r;
    if (fs->ro)
        return -EXT2_EROFS;
    r = ext2_file_truncate(fs, ino, &in, size);
    long w = ext2_iput(fs, ino, &in);
    return w < 0 ? w : r;
}
