/*
 * test_perm.c: permission checks against credentials (libos/fs/perm.c, meta.c): owner, group,
 * supplementary groups and others; search permission on every directory of a path; root's
 * bypass (but not of execute on a file with no x bit); access() with real ids against
 * AT_EACCESS; chmod/chown rules (EPERM, set-ID bits cleared); sticky /tmp; utimensat's
 * owner-or-writer rule; umask.
 */
#include <check.h>

#include "host_hooks.h"

TEST_CASE(owner_group_other)
{
    struct fs_proc *root = host_proc("ugo");
    CHECK_EQ(host_put(root, "f", "x"), 0);
    CHECK_EQ(fs_chown(root, "f", 1000, 500), 0);
    CHECK_EQ(fs_chmod(root, "f", 0640), 0);
    struct fs_proc *owner = host_user(root, 1000, 1000);
    struct fs_proc *member = host_user(root, 2000, 500);
    struct fs_proc *other = host_user(root, 3000, 3000);
    CHECK_EQ(fs_open(owner, "f", FS_O_RDWR, 0), 0);
    CHECK_EQ(fs_open(member, "f", FS_O_RDONLY, 0), 0);
    CHECK_EQ(fs_open(member, "f", FS_O_WRONLY, 0), -FS_EACCES);
    CHECK_EQ(fs_open(other, "f", FS_O_RDONLY, 0), -FS_EACCES);
    other->cred.ngroups = 2;
    other->cred.groups[0] = 7;
    other->cred.groups[1] = 500; /* a supplementary group counts */
    CHECK_EQ(fs_open(other, "f", FS_O_RDONLY, 0), 0);
    CHECK_EQ(fs_open(other, "f", FS_O_RDONLY | FS_O_TRUNC, 0), -FS_EACCES);
    /* The owner's bits rule the owner even if the group's would allow more. */
    CHECK_EQ(fs_chmod(root, "f", 0070), 0);
    CHECK_EQ(fs_open(owner, "f", FS_O_RDONLY, 0), -FS_EACCES);
    CHECK_EQ(fs_open(member, "f", FS_O_RDWR, 0), 1);
    CHECK_EQ(fs_open(root, "f", FS_O_RDWR, 0), 0); /* root reads and writes anything */
    CHECK_EQ(fs_access(root, "f", FS_X_OK), 0);    /* an x bit is set (group) */
    CHECK_EQ(fs_chmod(root, "f", 0666), 0);
    CHECK_EQ(fs_access(root, "f", FS_X_OK), -FS_EACCES);
    CHECK_EQ(fs_access(root, "f", FS_R_OK | FS_W_OK), 0);
    CHECK_EQ(fs_access(root, "f", 8), -FS_EINVAL);
    CHECK_EQ(fs_access(root, "nothere", FS_F_OK), -FS_ENOENT);
    fs_proc_exit(owner);
    fs_proc_exit(member);
    fs_proc_exit(other);
    fs_proc_exit(root);
}

TEST_CASE(search_permission)
{
    struct fs_proc *root = host_proc("search");
    CHECK_EQ(fs_mkdir(root, "d", 0755), 0);
    CHECK_EQ(host_put(root, "d/f", "x"), 0);
    CHECK_EQ(fs_chmod(root, "d/f", 0644), 0);
    struct fs_proc *u = host_user(root, 1000, 1000);
    struct fs_stat st;
    CHECK_EQ(fs_stat(u, "d/f", &st), 0);
    CHECK_EQ(fs_chmod(root, "d", 0700), 0);
    CHECK_EQ(fs_stat(u, "d/f", &st), -FS_EACCES);
    CHECK_EQ(fs_stat(u, "d", &st), 0); /* the directory itself still stats */
    CHECK_EQ(fs_chdir(u, "d"), -FS_EACCES);
    CHECK_EQ(fs_chmod(root, "d", 0711), 0); /* search without read */
    CHECK_EQ(fs_stat(u, "d/f", &st), 0);
    CHECK_EQ(fs_open(u, "d", FS_O_RDONLY, 0), -FS_EACCES);
    CHECK_EQ(fs_open(u, "d/new", FS_O_CREAT | FS_O_WRONLY, 0644), -FS_EACCES);
    CHECK_EQ(fs_unlink(u, "d/f"), -FS_EACCES);
    CHECK_EQ(fs_mkdir(u, "d/x", 0755), -FS_EACCES);
    CHECK_EQ(fs_rename(u, "d/f", "d/g"), -FS_EACCES);
    fs_proc_exit(u);
    fs_proc_exit(root);
}

TEST_CASE(access_real_vs_effective)
{
    struct fs_proc *root = host_proc("access");
    CHECK_EQ(host_put(root, "f", "x"), 0);
    CHECK_EQ(fs_chown(root, "f", 1000, 1000), 0);
    CHECK_EQ(fs_chmod(root, "f", 0600), 0);
    struct fs_proc *u = host_user(root, 1000, 1000);
    u->cred.uid = 2000; /* a set-user-ID program: real 2000, effective 1000 */
    CHECK_EQ(fs_access(u, "f", FS_R_OK), -FS_EACCES);
    CHECK_EQ(fs_faccessat(u, FS_AT_FDCWD, "f", FS_R_OK, FS_AT_EACCESS), 0);
    CHECK_EQ(fs_faccessat(u, FS_AT_FDCWD, "f", FS_R_OK, 0x1), -FS_EINVAL);
    fs_proc_exit(u);
    fs_proc_exit(root);
}

TEST_CASE(chmod_chown_rules)
{
    struct fs_proc *root = host_proc("chown");
    CHECK_EQ(host_put(root, "f", "x"), 0);
    CHECK_EQ(fs_chown(root, "f", 1000, 1000), 0);
    struct fs_proc *owner = host_user(root, 1000, 1000);
    struct fs_proc *other = host_user(root, 2000, 2000);
    struct fs_stat st;
    CHECK_EQ(fs_chmod(other, "f", 0777), -FS_EPERM);
    CHECK_EQ(fs_chmod(owner, "f", 06755), 0);
    CHECK_EQ(fs_stat(root, "f", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFREG | 06755);
    CHECK_EQ(fs_chown(owner, "f", 2000, (uint32_t)-1), -FS_EPERM); /* no giving away */
    CHECK_EQ(fs_chown(owner, "f", (uint32_t)-1, 2000), -FS_EPERM); /* not its group */
    owner->cred.ngroups = 1;
    owner->cred.groups[0] = 2000;
    CHECK_EQ(fs_chown(owner, "f", (uint32_t)-1, 2000), 0);
    CHECK_EQ(fs_stat(root, "f", &st), 0);
    CHECK_EQ(st.st_gid, 2000);
    CHECK_EQ(st.st_mode, FS_S_IFREG | 0755); /* set-ID bits cleared by the change */
    CHECK_EQ(fs_chown(root, "f", 3000, 3000), 0);
    CHECK_EQ(fs_stat(root, "f", &st), 0);
    CHECK_EQ(st.st_uid, 3000);
    CHECK_EQ(fs_chown(other, "f", (uint32_t)-1, (uint32_t)-1), 0); /* no change: allowed */
    /* set-group-ID dropped when the owner is not in the file's group */
    CHECK_EQ(host_put(owner, "g", "x"), 0);
    CHECK_EQ(fs_chown(root, "g", 1000, 4000), 0);
    CHECK_EQ(fs_chmod(owner, "g", 02755), 0);
    CHECK_EQ(fs_stat(root, "g", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFREG | 0755);
    CHECK_EQ(fs_symlink(root, "g", "lg"), 0);
    CHECK_EQ(fs_lchown(root, "lg", 5, 5), 0);
    CHECK_EQ(fs_lstat(root, "lg", &st), 0);
    CHECK_EQ(st.st_uid, 5);
    CHECK_EQ(fs_stat(root, "lg", &st), 0);
    CHECK_EQ(st.st_uid, 1000);
    long fd = fs_open(owner, "g", FS_O_RDONLY, 0);
    CHECK_EQ(fs_fchmod(owner, (int)fd, 0600), 0);
    CHECK_EQ(fs_fchown(owner, (int)fd, 1, 1), -FS_EPERM);
    CHECK_EQ(fs_fchmod(owner, 77, 0600), -FS_EBADF);
    fs_proc_exit(owner);
    fs_proc_exit(other);
    fs_proc_exit(root);
}

TEST_CASE(sticky_tmp)
{
    struct fs_proc *root = host_proc("sticky");
    struct fs_proc *a = host_user(root, 1000, 1000);
    struct fs_proc *b = host_user(root, 2000, 2000);
    CHECK_EQ(host_put(a, "/tmp/a-file", "x"), 0);
    CHECK_EQ(fs_unlink(b, "/tmp/a-file"), -FS_EPERM);
    CHECK_EQ(fs_rename(b, "/tmp/a-file", "/tmp/b-file"), -FS_EPERM);
    CHECK_EQ(host_put(b, "/tmp/b-own", "x"), 0);
    CHECK_EQ(fs_rename(b, "/tmp/b-own", "/tmp/a-file"), -FS_EPERM); /* replacing a's */
    CHECK_EQ(fs_unlink(a, "/tmp/a-file"), 0);
    CHECK_EQ(fs_unlink(root, "/tmp/b-own"), 0);
    fs_proc_exit(a);
    fs_proc_exit(b);
    fs_proc_exit(root);
}

TEST_CASE(utimens_rules)
{
    struct fs_proc *root = host_proc("utimens");
    CHECK_EQ(host_put(root, "f", "x"), 0);
    CHECK_EQ(fs_chown(root, "f", 1000, 1000), 0);
    CHECK_EQ(fs_chmod(root, "f", 0666), 0);
    struct fs_proc *owner = host_user(root, 1000, 1000);
    struct fs_proc *other = host_user(root, 2000, 2000);
    struct fs_timespec t[2] = {{100, 5}, {200, 6}};
    struct fs_stat st;
    CHECK_EQ(fs_utimensat(other, FS_AT_FDCWD, "f", t, 0), -FS_EPERM);
    CHECK_EQ(fs_utimensat(other, FS_AT_FDCWD, "f", NULL, 0), 0); /* now: a writer may */
    CHECK_EQ(fs_utimensat(owner, FS_AT_FDCWD, "f", t, 0), 0);
    CHECK_EQ(fs_stat(root, "f", &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 100);
    CHECK_EQ(st.st_atim.tv_nsec, 5);
    CHECK_EQ(st.st_mtim.tv_sec, 200);
    CHECK_EQ(st.st_mtim.tv_nsec, 6);
    struct fs_timespec omit[2] = {{0, FS_UTIME_OMIT}, {300, 0}};
    CHECK_EQ(fs_utimensat(owner, FS_AT_FDCWD, "f", omit, 0), 0);
    CHECK_EQ(fs_stat(root, "f", &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 100);
    CHECK_EQ(st.st_mtim.tv_sec, 300);
    struct fs_timespec bad[2] = {{0, 1000000000}, {0, 0}};
    CHECK_EQ(fs_utimensat(owner, FS_AT_FDCWD, "f", bad, 0), -FS_EINVAL);
    CHECK_EQ(fs_chmod(root, "f", 0644), 0);
    CHECK_EQ(fs_utimensat(other, FS_AT_FDCWD, "f", NULL, 0), -FS_EACCES);
    long fd = fs_open(owner, "f", FS_O_RDONLY, 0);
    CHECK_EQ(fs_utimensat(owner, (int)fd, NULL, t, 0), 0); /* futimens */
    CHECK_EQ(fs_utimensat(owner, 99, NULL, t, 0), -FS_EBADF);
    fs_proc_exit(owner);
    fs_proc_exit(other);
    fs_proc_exit(root);
}

TEST_CASE(umask_and_setgid_dirs)
{
    struct fs_proc *root = host_proc("umask");
    CHECK_EQ(fs_umask(root, 077), 022);
    CHECK_EQ(fs_umask(root, 0), 077);
    CHECK_EQ(fs_umask(root, 01777), 0);
    CHECK_EQ(fs_umask(root, 027), 0777); /* only the permission bits are kept */
    struct fs_stat st;
    CHECK_EQ(host_put(root, "f", "x"), 0);
    CHECK_EQ(fs_stat(root, "f", &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFREG | 0640);
    CHECK_EQ(fs_mkdir(root, "g", 0777), 0);
    CHECK_EQ(fs_chown(root, "g", 0, 77), 0);
    CHECK_EQ(fs_chmod(root, "g", 02777), 0);
    CHECK_EQ(host_put(root, "g/f", "x"), 0);
    CHECK_EQ(fs_mkdir(root, "g/d", 0777), 0);
    CHECK_EQ(fs_stat(root, "g/f", &st), 0);
    CHECK_EQ(st.st_gid, 77);
    CHECK_EQ(fs_stat(root, "g/d", &st), 0);
    CHECK_EQ(st.st_gid, 77);
    CHECK_EQ(st.st_mode, FS_S_IFDIR | 02750);
    fs_proc_exit(root);
}
