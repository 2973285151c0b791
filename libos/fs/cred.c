/*
 * cred.c: changing a process's credentials (struct fs_cred) by Linux's rules: root (effective
 * uid 0) may set any id; anyone else may set each of its real, effective and saved ids only to
 * one of the three it has. setuid as root sets all three, else the effective one; setgroups is
 * root's alone. The permission checks (perm.c) read what these leave.
 */
#include "internal.h"

#define KEEP 0xffffffffu /* -1: this id stays */

static int one_of(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
{
    return id == a || id == b || id == c;
}

static long set3(uint32_t *r, uint32_t *e, uint32_t *s, uint32_t nr, uint32_t ne, uint32_t ns,
                 int root)
{
    if (!root &&
        ((nr != KEEP && !one_of(nr, *r, *e, *s)) || (ne != KEEP && !one_of(ne, *r, *e, *s)) ||
         (ns != KEEP && !one_of(ns, *r, *e, *s))))
        return -FS_EPERM;
    if (nr != KEEP)
        *r = nr;
    if (ne != KEEP)
        *e = ne;
    if (ns != KEEP)
        *s = ns;
    return 0;
}

long fs_setresuid(struct fs_proc *p, uint32_t ruid, uint32_t euid, uint32_t suid)
{
    struct fs_cred *c = &p->cred;
    return set3(&c->uid, &c->euid, &c->suid, ruid, euid, suid, c->euid == 0);
}

long fs_setresgid(struct fs_proc *p, uint32_t rgid, uint32_t egid, uint32_t sgid)
{
    struct fs_cred *c = &p->cred;
    return set3(&c->gid, &c->egid, &c->sgid, rgid, egid, sgid, c->euid == 0);
}

long fs_setuid(struct fs_proc *p, uint32_t uid)
{
    struct fs_cred *c = &p->cred;
    if (uid == KEEP)
        return -FS_EINVAL;
    if (c->euid == 0)
        return fs_setresuid(p, uid, uid, uid);
    return uid == c->uid || uid == c->suid ? fs_setresuid(p, KEEP, uid, KEEP) : -FS_EPERM;
}

long fs_setgid(struct fs_proc *p, uint32_t gid)
{
    struct fs_cred *c = &p->cred;
    if (gid == KEEP)
        return -FS_EINVAL;
    if (c->euid == 0)
        return fs_setresgid(p, gid, gid, gid);
    return gid == c->gid || gid == c->sgid ? fs_setresgid(p, KEEP, gid, KEEP) : -FS_EPERM;
}

/* setreuid: a new saved id follows the effective one when the real one is set, or the
 * effective one is set to other than the old real one (Linux's rule). */
long fs_setreuid(struct fs_proc *p, uint32_t ruid, uint32_t euid)
{
    struct fs_cred *c = &p->cred;
    int root = c->euid == 0;
    if (!root && ((ruid != KEEP && ruid != c->uid && ruid != c->euid) ||
                  (euid != KEEP && !one_of(euid, c->uid, c->euid, c->suid))))
        return -FS_EPERM;
    uint32_t old_r = c->uid;
    if (ruid != KEEP)
        c->uid = ruid;
    if (euid != KEEP)
        c->euid = euid;
    if (ruid != KEEP || (euid != KEEP && euid != old_r))
        c->suid = c->euid;
    return 0;
}

long fs_setregid(struct fs_proc *p, uint32_t rgid, uint32_t egid)
{
    struct fs_cred *c = &p->cred;
    int root = c->euid == 0;
    if (!root && ((rgid != KEEP && rgid != c->gid && rgid != c->egid) ||
                  (egid != KEEP && !one_of(egid, c->gid, c->egid, c->sgid))))
        return -FS_EPERM;
    uint32_t old_r = c->gid;
    if (rgid != KEEP)
        c->gid = rgid;
    if (egid != KEEP)
        c->egid = egid;
    if (rgid != KEEP || (egid != KEEP && egid != old_r))
        c->sgid = c->egid;
    return 0;
}

long fs_setgroups(struct fs_proc *p, uint64_t n, const uint32_t *groups)
{
    if (n > FS_NGROUPS)
        return -FS_EINVAL;
    if (p->cred.euid != 0)
        return -FS_EPERM;
    for (uint64_t i = 0; i < n; i++)
        p->cred.groups[i] = groups[i];
    p->cred.ngroups = (uint32_t)n;
    return 0;
}

long fs_setcred(struct fs_proc *p, int64_t which, uint32_t a, uint32_t b, uint32_t c)
{
    switch (which) {
    case 0:
        return fs_setuid(p, a);
    case 1:
        return fs_setgid(p, a);
    case 2:
        return fs_setreuid(p, a, b);
    case 3:
        return fs_setregid(p, a, b);
    case 4:
        return fs_setresuid(p, a, b, c);
    case 5:
        return fs_setresgid(p, a, b, c);
    }
    return -FS_EINVAL;
}
