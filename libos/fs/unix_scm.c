/*
 * unix_scm.c: descriptors passed over AF_UNIX sockets (SCM_RIGHTS). The file layer owns every
 * process's descriptor table, so passing a descriptor is moving a reference to its open file
 * description: the send takes one per descriptor (the message holds them while it is queued),
 * the receive installs them in the receiver's table (MSG_CMSG_CLOEXEC: close-on-exec), and a
 * message freed unread (its socket closed) drops them. Control records are parsed as Linux's
 * __scm_send does: a malformed record is EINVAL, other levels are skipped, SCM_CREDENTIALS is
 * accepted and ignored, any other type is EINVAL; a bad descriptor EBADF. A description in
 * flight inside its own queue, closed everywhere else, is unix_gc.c's to collect.
 */
#include "unix.h"

long unix_rights_take(struct fs_proc *p, const struct fs_msg *m, struct unix_rights **out)
{
    *out = NULL;
    const uint8_t *c = m->control, *end = c + m->controllen;
    struct unix_rights *r = NULL;
    long err = 0;
    while (c && end - c >= (long)sizeof(struct fs_cmsghdr)) {
        struct fs_cmsghdr h;
        fs_memcpy(&h, c, sizeof h);
        if (h.cmsg_len < sizeof h || h.cmsg_len > (uint64_t)(end - c)) {
            err = -FS_EINVAL;
            break;
        }
        if (h.cmsg_level == FS_SOL_SOCKET && h.cmsg_type == FS_SCM_RIGHTS) {
            uint64_t n = (h.cmsg_len - sizeof h) / sizeof(int32_t);
            if (n && !r && !(r = fs_alloc(sizeof *r))) {
                err = -FS_ENOMEM;
                break;
            }
            if (n > FS_SCM_MAX_FD || (r && r->n + n > FS_SCM_MAX_FD)) {
                err = -FS_EINVAL;
                break;
            }
            for (uint64_t i = 0; i < n && !err; i++) {
                int32_t fd;
                fs_memcpy(&fd, c + sizeof h + i * sizeof fd, sizeof fd);
                struct fs_file *f = fs_fd_file(p, fd);
                if (!f)
                    err = -FS_EBADF;
                else
                    (r->file[r->n++] = f)->refs++;
            }
            if (err)
                break;
        } else if (h.cmsg_level == FS_SOL_SOCKET && h.cmsg_type != FS_SCM_CREDENTIALS) {
            err = -FS_EINVAL;
            break;
        }
        uint64_t step = FS_CMSG_ALIGN(h.cmsg_len);
        if (step >= (uint64_t)(end - c))
            break;
        c += step;
    }
    if (err || (r && r->n == 0)) {
        unix_rights_put(r);
        return err;
    }
    *out = r;
    return 0;
}

void unix_rights_put(struct unix_rights *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; i < r->n; i++)
        fs_file_put(r->file[i]);
    fs_free(r, sizeof *r);
}

void unix_rights_give(struct fs_proc *p, struct unix_rights *r, struct fs_msg *m, int flags)
{
    uint64_t room = m->control ? m->controllen : 0;
    uint64_t max =
        room > sizeof(struct fs_cmsghdr) ? (room - sizeof(struct fs_cmsghdr)) / sizeof(int32_t) : 0;
    uint32_t i = 0;
    for (; i < r->n && i < max; i++) {
        long fd = fs_fd_install(p, r->file[i], 0, flags & FS_MSG_CMSG_CLOEXEC);
        if (fd < 0)
            break; /* EMFILE: the rest are dropped, MSG_CTRUNC says so */
        int32_t v = (int32_t)fd;
        fs_memcpy((uint8_t *)m->control + sizeof(struct fs_cmsghdr) + i * sizeof v, &v, sizeof v);
        r->file[i] = NULL; /* the reference is the new descriptor's now */
    }
    uint64_t used = 0;
    if (i) {
        struct fs_cmsghdr h = {FS_CMSG_LEN(i * sizeof(int32_t)), FS_SOL_SOCKET, FS_SCM_RIGHTS};
        fs_memcpy(m->control, &h, sizeof h);
        used = FS_CMSG_SPACE(i * sizeof(int32_t));
        if (used > room)
            used = room;
    }
    m->controllen = used;
    if (i < r->n)
        m->flags |= FS_MSG_CTRUNC;
    for (uint32_t k = 0; k < r->n; k++)
        if (r->file[k])
            fs_file_put(r->file[k]);
    fs_free(r, sizeof *r);
}
