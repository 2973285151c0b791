/*
 * test_mmap.c: what mappings ask of the file layer (libos/fs/mmap.c, ramfs.c): MAP_SHARED's
 * checks with Linux's errno (EBADF, ENODEV, EACCES) and the protection a descriptor allows,
 * the file's own pages lent (write(2) and the page are the same bytes), shared anonymous
 * memory as an unnamed file that goes with its last reference, and a lent page taken back
 * (fs_page_unlend) before a truncate or the file's end frees it.
 */
#include <check.h>

#include "host_hooks.h"

#include <fs/vfs.h>

#include <string.h>

static int unlent;
static int unlend(void *page)
{
    (void)page;
    unlent++;
    return 0;
}

TEST_CASE(mmap_checks)
{
    struct fs_proc *p = host_proc("mmap");
    struct fs_vnode *vn;
    uint32_t prot = 0;
    CHECK_EQ(host_put(p, "f", "0123456789"), 0);
    CHECK_EQ(fs_mmap_file(p, 99, 0, &prot, &vn), -FS_EBADF);
    long rw = fs_open(p, "f", FS_O_RDWR, 0), ro = fs_open(p, "f", FS_O_RDONLY, 0);
    long wo = fs_open(p, "f", FS_O_WRONLY, 0), ap = fs_open(p, "f", FS_O_RDWR | FS_O_APPEND, 0);
    long pa = fs_open(p, "f", FS_O_PATH, 0), d = fs_open(p, ".", FS_O_RDONLY, 0);
    CHECK_EQ(fs_mmap_file(p, (int)wo, 0, &prot, &vn), -FS_EACCES);
    CHECK_EQ(fs_mmap_file(p, (int)ro, 1, &prot, &vn), -FS_EACCES);
    CHECK_EQ(fs_mmap_file(p, (int)ap, 1, &prot, &vn), -FS_EACCES); /* as Linux */
    CHECK_EQ(fs_mmap_file(p, (int)pa, 0, &prot, &vn), -FS_EBADF);
    CHECK_EQ(fs_mmap_file(p, (int)d, 0, &prot, &vn), -FS_ENODEV);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(fs_mmap_file(p, fds[0], 0, &prot, &vn), -FS_ENODEV);
    CHECK_EQ(fs_mmap_file(p, (int)ro, 0, &prot, &vn), 0);
    CHECK_EQ(prot, 5);
    fs_vnode_put(vn);
    CHECK_EQ(fs_mmap_file(p, (int)rw, 1, &prot, &vn), 0);
    CHECK_EQ(prot, 7);
    /* The lent page is the file's: a write shows in it, a store in it is what read returns. */
    fs_page_unlend = unlend;
    char *pg = fs_ramfs_page(vn, 3);
    CHECK_EQ(pg != NULL, 1);
    CHECK_EQ(pg[3], '3');
    CHECK_EQ(fs_pwrite(p, (int)rw, "X", 1, 4), 1);
    CHECK_EQ(pg[4], 'X');
    pg[5] = 'Y';
    char b[4] = {0};
    CHECK_EQ(fs_pread(p, (int)rw, b, 1, 5), 1);
    CHECK_EQ(b[0], 'Y');
    CHECK_EQ(fs_ramfs_page(vn, 10) == NULL, 1); /* past the end */
    unlent = 0;
    CHECK_EQ(fs_ftruncate(p, (int)rw, 0), 0);
    CHECK_EQ(unlent, 1); /* taken back before it was freed */
    fs_vnode_put(vn);
    fs_page_unlend = NULL;
}

TEST_CASE(mmap_anon)
{
    struct fs_proc *p = host_proc("mmap_anon");
    struct fs_vnode *vn;
    long out = host_pages_out;
    CHECK_EQ(fs_mmap_anon(p, 3 * 4096, &vn), 0);
    CHECK_EQ(vn->size, 3 * 4096);
    CHECK_EQ(vn->nlink, 0);
    /* on a RAM mount of its own, whatever the root is (ext2 by default), in no mount table */
    CHECK_EQ(vn->mnt != p->root->mnt, 1);
    for (int i = 0; fs_mount_nth(i); i++)
        CHECK_EQ(fs_mount_nth(i) != vn->mnt, 1);
    char *a = fs_ramfs_page(vn, 2 * 4096);
    CHECK_EQ(a != NULL && a[0] == 0, 1);
    CHECK_EQ(fs_ramfs_page(vn, 3 * 4096) == NULL, 1);
    struct fs_vnode *big;
    CHECK_EQ(fs_mmap_anon(p, (1ull << 30) + 4096, &big), -FS_ENOMEM); /* past a RAM file */
    fs_vnode_put(vn); /* the last reference: every page back */
    CHECK_EQ(host_pages_out <= out + 1, 1);
}
