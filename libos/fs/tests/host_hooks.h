/*
 * host_hooks.h: the embedder's side of the file layer for the host tests (host_hooks.c): pages
 * from the host allocator with a failure switch, fs_wake calls recorded, a clock that ticks one
 * second per reading; and helpers every test file uses (a fresh file system is not possible
 * once started, so each test works in its own directory).
 */
#ifndef FS_HOST_HOOKS_H
#define FS_HOST_HOOKS_H

#include <fs/fs.h>

extern long host_pages_out; /* pages given minus pages freed */
extern int host_fail_pages; /* >= 0: that many more pages succeed, then NULL */
extern long host_wakes;     /* fs_wake calls */
extern const void *host_last_wake;

/* fs_init once, then a root process whose cwd is a new directory /t/<name>. */
struct fs_proc *host_proc(const char *name);
/* A process with the given ids (no supplementary groups), cwd of `like`. */
struct fs_proc *host_user(struct fs_proc *like, uint32_t uid, uint32_t gid);
/* Writes a whole file (created 0644); 0 or -errno. */
long host_put(struct fs_proc *p, const char *path, const char *text);
/* Reads a whole file into buf (NUL-terminated); its length or -errno. */
long host_get(struct fs_proc *p, const char *path, char *buf, long size);

#endif
