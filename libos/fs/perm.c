/*
 * perm.c: permission checks against a process's credentials, as Linux makes them: the owner's
 * bits if the (file system) uid owns the file, else the group's if the gid or a supplementary
 * group matches, else the others'. Root passes every read and write check and the execute check
 * of a directory, or of a file with at least one execute bit. access() asks with the real ids.
 */
#include "internal.h"

int fs_in_group(const struct fs_cred *c, uint32_t gid, int real)
{
    if ((real ? c->gid : c->egid) == gid)
        return 1;
    for (uint32_t i = 0; i < c->ngroups && i < FS_NGROUPS; i++)
        if (c->groups[i] == gid)
            return 1;
    return 0;
}

long fs_perm(const struct fs_proc *p, const struct fs_vnode *vn, int mask, int real)
{
    const struct fs_cred *c = &p->cred;
    uint32_t uid = real ? c->uid : c->euid;
    mask &= FS_R_OK | FS_W_OK | FS_X_OK;
    if (uid == 0) {
        if (!(mask & FS_X_OK) || fs_is_dir(vn) || (vn->mode & 0111))
            return 0;
        return -FS_EACCES;
    }
    uint32_t bits;
    if (vn->uid == uid)
        bits = vn->mode >> 6;
    else if (fs_in_group(c, vn->gid, real))
        bits = vn->mode >> 3;
    else
        bits = vn->mode;
    return (mask & ~bits & 7) ? -FS_EACCES : 0;
}

int fs_owner_or_root(const struct fs_proc *p, const struct fs_vnode *vn)
{
    return p->cred.euid == 0 || p->cred.euid == vn->uid;
}

long fs_sticky_ok(const struct fs_proc *p, const struct fs_vnode *dir, const struct fs_vnode *vn)
{
    if (!(dir->mode & FS_S_ISVTX) || fs_owner_or_root(p, vn) || p->cred.euid == dir->uid)
        return 0;
    return -FS_EPERM;
}
