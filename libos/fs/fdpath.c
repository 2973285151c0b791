/*
 * fdpath.c: what a descriptor names, as /proc/PID/fd/FD shows it. A vnode has no parent
 * pointer (a file may have many names), so a description remembers the directory it was opened
 * in and the name it was opened by; at each question the name is looked up again by inode
 * number there (a rename inside that directory is followed, as Linux follows it), and the
 * directory's own path is walked up through "..". An unlinked file shows the last name it was
 * seen by with " (deleted)", as on Linux (which would know a rename since; we know the last).
 */
#include <fs/sock.h>

#include "internal.h"

void fs_file_remember(struct fs_file *f, const struct fs_walk *w)
{
    if (!w->dir || w->last != FS_LAST_NORM || !w->len)
        return; /* "/", "." and ".." are directories: fs_dir_path names them */
    char *n = fs_alloc(w->len + 1);
    if (!n)
        return; /* only /proc's answer is poorer for it */
    fs_memcpy(n, w->name, w->len);
    n[w->len] = 0;
    fs_vnode_ref(w->dir);
    f->dir = w->dir;
    f->name = n;
    f->name_size = (uint16_t)(w->len + 1);
}

/* Appends s to buf[*at, size): bytes that do not fit are cut. */
static void add(char *buf, uint64_t size, uint64_t *at, const char *s)
{
    for (; *s && *at < size; s++)
        buf[(*at)++] = *s;
}

static void add_num(char *buf, uint64_t size, uint64_t *at, uint64_t v)
{
    char d[24];
    int n = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while ((v /= 10));
    while (n && *at < size)
        buf[(*at)++] = d[--n];
}

long fs_fd_path(struct fs_proc *p, int fd, char *buf, uint64_t size)
{
    static char path[FS_PATH_MAX];
    static char name[FS_NAME_MAX + 1];
    struct fs_file *f = fs_fd_file(p, fd);
    if (!f)
        return -FS_EBADF;
    uint64_t at = 0;
    if (f->type == FS_FILE_EPOLL) {
        add(buf, size, &at, "anon_inode:[eventpoll]");
        return (long)at;
    }
    if (f->type == FS_FILE_SOCK) {
        add(buf, size, &at, "socket:[");
        add_num(buf, size, &at, f->sock->ino);
        add(buf, size, &at, "]");
        return (long)at;
    }
    if (!f->vn) { /* an anonymous pipe: its object's address stands for Linux's inode number */
        add(buf, size, &at, "pipe:[");
        add_num(buf, size, &at, ((uint64_t)(uintptr_t)f->pipe >> 4) & 0xffffffu);
        add(buf, size, &at, "]");
        return (long)at;
    }
    if (fs_is_dir(f->vn) || !f->dir) { /* a directory, or a file opened without a name */
        long n = fs_is_dir(f->vn) ? fs_dir_path(p, f->vn, path, sizeof path) : -FS_ENOENT;
        if (n < 0 && f->dev) {
            add(buf, size, &at, "/dev/");
            add(buf, size, &at, f->dev->name);
        } else if (n > 0) {
            add(buf, size, &at, path);
        }
        return (long)at;
    }
    long n = fs_dir_path(p, f->dir, path, sizeof path);
    if (n > 0 && !(n == 2 && path[0] == '/'))
        add(buf, size, &at, path);
    add(buf, size, &at, "/");
    long k = f->vn->nlink ? fs_name_in(f->dir, f->vn, name) : -FS_ENOENT;
    if (k >= 0) {
        name[k] = 0;
        add(buf, size, &at, name);
        int same = (size_t)k + 1 == f->name_size && fs_memeq(name, f->name, (size_t)k);
        char *n = same ? NULL : fs_alloc((size_t)k + 1);
        if (n) { /* renamed: remember the new name, for " (deleted)" later */
            fs_memcpy(n, name, (size_t)k + 1);
            fs_free(f->name, f->name_size);
            f->name = n;
            f->name_size = (uint16_t)(k + 1);
        }
    } else {
        add(buf, size, &at, f->name);
        add(buf, size, &at, " (deleted)"); /* (or moved to another directory: Linux knows) */
    }
    return (long)at;
}
