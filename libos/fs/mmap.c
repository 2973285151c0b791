/*
 * mmap.c: what a mapping of a file needs from the file layer (docs/concepts/memory.md): the
 * checks of mmap(MAP_SHARED) on a descriptor (Linux's errno: EBADF, ENODEV for what is not a
 * regular RAM file, EACCES for a descriptor not open for reading, or not for writing when the
 * mapping may be written), and shared anonymous memory as an unnamed RAM file. The pages
 * themselves are the RAM file's own (fs_ramfs_page), lent by the embedder (pm maps them into
 * the process), so write(2) and stores through a mapping meet in the same bytes.
 */
#include "internal.h"

int (*fs_page_unlend)(void *page);

long fs_mmap_file(struct fs_proc *p, int fd, int write, uint32_t *maxprot, struct fs_vnode **out)
{
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f || (f->flags & FS_O_PATH))
        return -FS_EBADF;
    if (f->type != FS_FILE_VNODE || !f->vn || !FS_S_ISTYPE(f->vn->mode, FS_S_IFREG) ||
        !fs_ramfs_is(f->vn))
        return -FS_ENODEV;
    if (!fs_file_readable(f) || (write && (!fs_file_writable(f) || (f->flags & FS_O_APPEND))))
        return -FS_EACCES;
    *maxprot = fs_file_writable(f) && !(f->flags & FS_O_APPEND) ? 7 : 5; /* PROT_* bits */
    fs_vnode_ref(f->vn);
    *out = f->vn;
    return 0;
}

long fs_mmap_anon(struct fs_proc *p, uint64_t size, struct fs_vnode **out)
{
    struct fs_vnode *root = p->root;
    if (!root || !fs_ramfs_is(root))
        return -FS_ENODEV;
    return fs_ramfs_anon(root->mnt, size, out);
}
