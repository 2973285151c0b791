/*
 * mmap.c: what a mapping of a file needs from the file layer (docs/concepts/memory.md): the
 * checks of mmap(MAP_SHARED) on a descriptor (Linux's errno: EBADF, ENODEV for what is not a
 * regular RAM file, EACCES for a descriptor not open for reading, or not for writing when the
 * mapping may be written), and shared anonymous memory as an unnamed RAM file. The pages
 * themselves are the RAM file's own (fs_ramfs_page), lent by the embedder (pm maps them into
 * the process), so write(2) and stores through a mapping meet in the same bytes. Anonymous
 * objects live on a RAM mount of their own, made at the first one and never in the namespace:
 * whatever the root is (ext2 by default) or a chroot names, shared anonymous memory works.
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

static struct fs_mount *anon_mnt; /* internal: in no mount table, never unmounted */

long fs_mmap_anon(struct fs_proc *p, uint64_t size, struct fs_vnode **out)
{
    (void)p;
    if (!anon_mnt) {
        struct fs_mount *m = fs_alloc(sizeof *m);
        if (!m)
            return -FS_ENOMEM;
        *m = (struct fs_mount){.type = &fs_ramfs, .path = "(anon)", .source = "anon"};
        long r = fs_ramfs.mount(m, NULL);
        if (r < 0) {
            fs_free(m, sizeof *m);
            return r;
        }
        anon_mnt = m;
    }
    return fs_ramfs_anon(anon_mnt, size, out);
}
