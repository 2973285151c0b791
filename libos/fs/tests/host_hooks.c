/*
 * host_hooks.c: the file layer's hooks for the host tests, and their helpers (host_hooks.h).
 */
#include "host_hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long host_pages_out;
int host_fail_pages = -1;
long host_wakes;
const void *host_last_wake;
static int64_t clock_sec = 1000;

void *fs_page_alloc(void)
{
    if (host_fail_pages == 0)
        return NULL;
    if (host_fail_pages > 0)
        host_fail_pages--;
    void *p = aligned_alloc(4096, 4096);
    if (p) {
        memset(p, 0, 4096);
        host_pages_out++;
    }
    return p;
}

void fs_page_free(void *page)
{
    free(page);
    host_pages_out--;
}

void fs_wake(const void *object)
{
    host_wakes++;
    host_last_wake = object;
}

void fs_now(struct fs_timespec *t)
{
    t->tv_sec = clock_sec++;
    t->tv_nsec = 0;
}

struct fs_proc *host_proc(const char *name)
{
    static int started;
    if (!started) {
        if (fs_init() != 0) {
            fprintf(stderr, "fs_init failed\n");
            exit(2);
        }
        started = 1;
    }
    struct fs_proc *p = fs_proc_new();
    char path[256];
    fs_mkdir(p, "/t", 0755);
    snprintf(path, sizeof path, "/t/%s", name);
    if (fs_mkdir(p, path, 0777) != 0 || fs_chmod(p, path, 0777) != 0 || fs_chdir(p, path) != 0) {
        fprintf(stderr, "host_proc(%s): cannot make its directory\n", name);
        exit(2);
    }
    return p;
}

struct fs_proc *host_user(struct fs_proc *like, uint32_t uid, uint32_t gid)
{
    struct fs_proc *p = fs_proc_fork(like);
    for (int fd = 0; fd < FS_NFD; fd++)
        if (p->fd[fd])
            fs_close(p, fd);
    p->cred.uid = p->cred.euid = p->cred.suid = uid;
    p->cred.gid = p->cred.egid = p->cred.sgid = gid;
    p->cred.ngroups = 0;
    p->pid = (int)uid + 100;
    return p;
}

long host_put(struct fs_proc *p, const char *path, const char *text)
{
    long fd = fs_open(p, path, FS_O_WRONLY | FS_O_CREAT | FS_O_TRUNC, 0644);
    if (fd < 0)
        return fd;
    long n = fs_write(p, (int)fd, text, strlen(text));
    fs_close(p, (int)fd);
    return n < 0 ? n : 0;
}

long host_get(struct fs_proc *p, const char *path, char *buf, long size)
{
    long fd = fs_open(p, path, FS_O_RDONLY, 0);
    if (fd < 0)
        return fd;
    long n = fs_read(p, (int)fd, buf, (uint64_t)size - 1);
    fs_close(p, (int)fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}
