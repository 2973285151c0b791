/*
 * unix_name.c: AF_UNIX names. A path name is a socket inode (S_IFSOCK) made in the VFS by bind,
 * as mknod makes one (EADDRINUSE where the name exists), whose vnode points back at the bound
 * socket while it lives; unlinking removes the name, not the binding (getsockname still says
 * it), and a connect finds the socket through the inode: none there, or not a socket inode, is
 * ECONNREFUSED, as is a socket inode whose socket has closed. An abstract name (sun_path[0] ==
 * 0) is the exact bytes given and lives only while its socket does; as on Linux, each socket
 * type has its own abstract names. bind with only the family picks a free abstract name
 * ("\0" and five hex digits).
 */
#include "unix.h"

#define SUN_PATH_OFF 2 /* offsetof(struct sockaddr_un, sun_path) */

long unix_addr_check(const void *addr, uint32_t len)
{
    uint16_t family;
    if (len <= SUN_PATH_OFF || len > sizeof(struct fs_sockaddr_un))
        return -FS_EINVAL;
    fs_memcpy(&family, addr, sizeof family);
    return family == FS_AF_UNIX ? 0 : -FS_EINVAL;
}

static struct unix_addr *addr_new(const void *sun, uint32_t len)
{
    struct unix_addr *a = fs_alloc(sizeof *a);
    if (!a)
        return NULL;
    a->refs = 1;
    a->len = len;
    fs_memcpy(&a->sun, sun, len);
    a->sun.sun_family = FS_AF_UNIX;
    return a;
}

void unix_addr_put(struct unix_addr *a)
{
    if (a && --a->refs == 0)
        fs_free(a, sizeof *a);
}

/* The path an address names, NUL-terminated (Linux ends it at the given length). */
static void path_of(const void *addr, uint32_t len, char *path)
{
    fs_memcpy(path, (const char *)addr + SUN_PATH_OFF, len - SUN_PATH_OFF);
    path[len - SUN_PATH_OFF] = 0;
}

static struct unix_sock *abstract_find(const struct fs_sockaddr_un *sun, uint32_t len, int type)
{
    for (struct unix_sock *u = unix_all; u; u = u->all_next)
        if (u->addr && !u->vn && u->addr->len == len && u->s.type == type &&
            fs_memeq(&u->addr->sun, sun, len))
            return u;
    return NULL;
}

long unix_autobind(struct unix_sock *u)
{
    static uint32_t order;
    struct fs_sockaddr_un sun = {FS_AF_UNIX, {0}};
    for (uint32_t tries = 0; tries < 0x100000; tries++) {
        uint32_t n = order++ & 0xfffff;
        for (int i = 0; i < 5; i++)
            sun.sun_path[5 - i] = "0123456789abcdef"[(n >> (4 * i)) & 15];
        if (!abstract_find(&sun, SUN_PATH_OFF + 6, u->s.type)) {
            if (!(u->addr = addr_new(&sun, SUN_PATH_OFF + 6)))
                return -FS_ENOMEM;
            return 0;
        }
    }
    return -FS_ENOSPC;
}

long unix_bind(struct fs_proc *p, struct fs_sock *s, const void *addr, uint32_t len)
{
    struct unix_sock *u = U(s);
    uint16_t family = 0;
    if (len >= sizeof family)
        fs_memcpy(&family, addr, sizeof family);
    if (len == SUN_PATH_OFF && family == FS_AF_UNIX)
        return u->addr ? -FS_EINVAL : unix_autobind(u);
    long r = unix_addr_check(addr, len);
    if (r < 0)
        return r;
    if (u->addr)
        return -FS_EINVAL;
    const char *name = (const char *)addr + SUN_PATH_OFF;
    if (name[0] == 0) { /* abstract */
        if (abstract_find(addr, len, s->type))
            return -FS_EADDRINUSE;
        return (u->addr = addr_new(addr, len)) ? 0 : -FS_ENOMEM;
    }
    char path[FS_UNIX_PATH_MAX + 1];
    path_of(addr, len, path);
    uint32_t plen = (uint32_t)fs_strnlen(path, sizeof path);
    struct unix_addr *a = addr_new(addr, SUN_PATH_OFF + plen + 1);
    if (!a)
        return -FS_ENOMEM;
    a->sun.sun_path[plen] = 0;
    r = fs_mknodat(p, FS_AT_FDCWD, path, FS_S_IFSOCK | 0777, 0);
    struct fs_walk w;
    if (r == 0)
        r = fs_walk(p, FS_AT_FDCWD, path, 0, &w);
    if (r < 0) {
        unix_addr_put(a);
        return r == -FS_EEXIST ? -FS_EADDRINUSE : r;
    }
    u->vn = w.vn;
    fs_vnode_ref(u->vn);
    fs_walk_done(&w);
    u->vn->sock = u;
    u->addr = a;
    return 0;
}

void unix_unbind(struct unix_sock *u)
{
    if (u->vn) {
        if (u->vn->sock == u)
            u->vn->sock = NULL;
        fs_vnode_put(u->vn);
        u->vn = NULL;
    }
    unix_addr_put(u->addr);
    u->addr = NULL;
}

long unix_find(struct fs_proc *p, const void *addr, uint32_t len, int type, struct unix_sock **out)
{
    long r = unix_addr_check(addr, len);
    if (r < 0)
        return r;
    const char *name = (const char *)addr + SUN_PATH_OFF;
    struct unix_sock *u;
    if (name[0] == 0) {
        u = abstract_find(addr, len, type);
        if (!u)
            return -FS_ECONNREFUSED;
    } else {
        char path[FS_UNIX_PATH_MAX + 1];
        path_of(addr, len, path);
        struct fs_walk w;
        if ((r = fs_walk(p, FS_AT_FDCWD, path, FS_WALK_FOLLOW, &w)) < 0)
            return r;
        r = fs_perm(p, w.vn, FS_W_OK, 0);
        u = w.vn->sock;
        if (r == 0 && (!FS_S_ISTYPE(w.vn->mode, FS_S_IFSOCK) || !u))
            r = -FS_ECONNREFUSED;
        if (r == 0 && u->s.type != type)
            r = -FS_EPROTOTYPE;
        fs_walk_done(&w);
        if (r < 0)
            return r;
    }
    *out = u;
    return 0;
}

long unix_getname(struct fs_sock *s, int peer, void *addr, uint32_t *len)
{
    struct unix_sock *u = U(s);
    if (peer) {
        if (!u->peer || (s->type != FS_SOCK_DGRAM && u->state != UNIX_CONNECTED))
            return -FS_ENOTCONN;
        u = u->peer;
    }
    struct fs_sockaddr_un none = {FS_AF_UNIX, {0}};
    const void *a = u->addr ? (const void *)&u->addr->sun : &none;
    uint32_t n = u->addr ? u->addr->len : SUN_PATH_OFF;
    fs_memcpy(addr, a, *len < n ? *len : n);
    *len = n;
    return 0;
}
