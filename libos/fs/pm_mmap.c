/*
 * pm_mmap.c: shared mappings served by pm (docs/concepts/memory.md). A shared mapping's pages
 * are a RAM file's own pages, which pm owns: pm maps them into the process's env (page_map, as
 * their owner) at the addresses the process asks, so every process mapping the file, and the
 * file layer serving read(2) and write(2), meet in the same bytes at once. Shared anonymous
 * memory is an unnamed RAM file. pm keeps which objects each process maps (taken at mmap,
 * copied at fork, given back when the process's last range of one goes, at exec and exit);
 * an object's file reference goes with its last user. A page the file frees (truncate, the
 * file's end) is taken back from every mapping first (fs_page_unlend: exo's page_free unmaps
 * it everywhere), so no mapping ever sees a page reused for something else.
 */
#include <fs/abi.h>
#include <fs/fs.h>
#include <fs/vfs.h>
#include <proc/pm.h>

#include <los/los.h>
#include <los/spawn.h>

#define OBJ_MAX 256                   /* objects mapped at once, all processes */
#define ATT_MAX 32                    /* objects one process maps at once */
#define MAP_TOP 0x00006f0000000000ull /* the libOS's own ranges start here: never mapped over */
#define P EXO_PAGE
#define ANON_MAX (1ull << 30) /* a RAM file's largest size */

struct pm_fs_obj {
    struct fs_vnode *vn; /* referenced; NULL: a free slot */
    uint32_t users;      /* processes mapping it */
    int anon;            /* shared anonymous memory: grows with its mappings (mremap) */
};
static struct pm_fs_obj objs[OBJ_MAX]; /* ids are 1 + the index */

struct att {
    uint16_t obj; /* 0: free */
    uint8_t prot; /* PROT_* bits the process may map it with */
};
static struct att atts[PROC_MAX][ATT_MAX];
static int started;

struct fs_proc *pm_fs_proc(struct pm_proc *p);

static struct att *att_find(struct pm_proc *p, uint32_t obj)
{
    for (int i = 0; i < ATT_MAX; i++)
        if (atts[p->slot][i].obj == obj && obj)
            return &atts[p->slot][i];
    return 0;
}

static void obj_put(uint32_t id)
{
    struct pm_fs_obj *o = &objs[id - 1];
    if (--o->users == 0) {
        fs_vnode_put(o->vn);
        o->vn = 0;
    }
}

static void detach(struct att *a)
{
    obj_put(a->obj);
    a->obj = 0;
    a->prot = 0;
}

/* The object for vn (taking over the caller's reference), attached to p with prot: its id,
 * or -ENOMEM (the reference dropped). *fresh: p had not attached it before. */
static long attach(struct pm_proc *p, struct fs_vnode *vn, uint32_t prot, int *fresh)
{
    int free_o = -1, id = -1;
    for (int i = 0; i < OBJ_MAX; i++) {
        if (objs[i].vn == vn)
            id = i + 1;
        else if (!objs[i].vn && free_o < 0)
            free_o = i;
    }
    struct att *a = id > 0 ? att_find(p, (uint32_t)id) : 0;
    *fresh = !a;
    if (a) {
        fs_vnode_put(vn); /* the object holds one already */
        a->prot |= (uint8_t)prot;
        return id;
    }
    for (int i = 0; i < ATT_MAX && !a; i++)
        if (!atts[p->slot][i].obj)
            a = &atts[p->slot][i];
    if (!a || (id < 0 && free_o < 0)) {
        fs_vnode_put(vn);
        return -FS_ENOMEM;
    }
    if (id < 0) {
        id = free_o + 1;
        objs[free_o].vn = vn;
        objs[free_o].anon = 0;
    } else {
        fs_vnode_put(vn);
    }
    objs[id - 1].users++;
    a->obj = (uint16_t)id;
    a->prot = (uint8_t)prot;
    return id;
}

static int part_fork(struct pm_proc *parent, struct pm_proc *child)
{
    for (int i = 0; i < ATT_MAX; i++) {
        atts[child->slot][i] = atts[parent->slot][i];
        if (atts[child->slot][i].obj)
            objs[atts[child->slot][i].obj - 1].users++;
    }
    return 0;
}

static void part_gone(struct pm_proc *p) /* exec and exit: the address space is gone */
{
    for (int i = 0; i < ATT_MAX; i++)
        if (atts[p->slot][i].obj)
            detach(&atts[p->slot][i]);
}

static const struct pm_part mmap_part = {part_fork, part_gone, part_gone};

/* A lent page is freed: a fresh page takes its place in pm, the old one goes back to exo,
 * unmapped from every process that mapped it. */
static int unlend(void *page)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, (uint64_t)page);
    if (pte < 0)
        return 0;
    exo_page_free(EXO_CAP_SELF, (uint64_t)pte >> EXO_PAGE_SHIFT);
    return los_page_new((uint64_t)page, EXO_PROT_R | EXO_PROT_W) < 0 ? -1 : 0;
}

static uint64_t exo_prot(uint32_t prot)
{
    return EXO_PROT_R | (prot & 2 ? EXO_PROT_W : 0) | (prot & 4 ? EXO_PROT_X : 0);
}

long pm_op_mem_map(struct pm_proc *p, struct pm_msg *m)
{
    int64_t fd = m->a[0];
    uint64_t off = (uint64_t)m->a[1], len = (uint64_t)m->a[2], va = (uint64_t)m->a[3];
    uint32_t prot = (uint32_t)m->a[4] & 7, id = (uint32_t)m->a[5];
    if ((off | len | va) & (P - 1) || !len || !va || va + len < va || va + len > MAP_TOP ||
        off + len < off)
        return -FS_EINVAL;
    struct fs_proc *fp = pm_fs_proc(p);
    if (!fp)
        return -FS_ENOMEM;
    if (!started) { /* started only once its exit and exec hooks are in (no attachment may
                       outlive its process) */
        if (pm_parts_add(&mmap_part) < 0)
            return -FS_ENOMEM;
        fs_page_unlend = unlend;
        started = 1;
    }
    struct fs_vnode *vn;
    uint32_t maxprot = 7;
    long r = 0;
    int fresh = 0;
    if (fd >= 0) {
        r = fs_mmap_file(fp, (int)fd, prot & 2, &maxprot, &vn);
    } else if (fd == -1) {
        r = off ? -FS_EINVAL : fs_mmap_anon(fp, len, &vn);
    } else { /* more of an object the caller maps already (mremap, mprotect) */
        struct att *a = att_find(p, id);
        if (!a)
            return -FS_EINVAL;
        if (prot & ~a->prot)
            return -FS_EACCES;
        vn = objs[id - 1].vn;
        if (objs[id - 1].anon && off + len > vn->size) {
            if (off + len > ANON_MAX)
                return -FS_ENOMEM;
            vn->size = off + len; /* memory, not a file: no end to meet */
        }
        fs_vnode_ref(vn);
    }
    if (r < 0)
        return r;
    r = attach(p, vn, maxprot, &fresh);
    if (r < 0)
        return r;
    id = (uint32_t)r;
    if (fd == -1)
        objs[id - 1].anon = 1;
    for (uint64_t i = 0; i < len && off + i < vn->size; i += P) {
        void *pg = fs_ramfs_page(vn, off + i);
        int64_t ppte = pg ? exo_page_lookup(EXO_CAP_SELF, (uint64_t)pg) : -1;
        if (ppte < 0 || exo_page_map(p->env_cap, va + i, (uint64_t)ppte >> EXO_PAGE_SHIFT,
                                     exo_prot(prot)) < 0) {
            r = -FS_ENOMEM; /* the caller unmaps the range */
            break;
        }
    }
    m->r[0] = (int64_t)vn->size; /* before a detach that may free vn */
    if (r < 0 && fresh)
        detach(att_find(p, id));
    return r < 0 ? r : (long)id;
}

long pm_op_mem_release(struct pm_proc *p, struct pm_msg *m)
{
    struct att *a = att_find(p, (uint32_t)m->a[0]);
    if (!a)
        return -FS_EINVAL;
    detach(a);
    return 0;
}

long pm_op_mem_file(struct pm_proc *p, struct pm_msg *m)
{
    struct fs_proc *fp = pm_fs_proc(p);
    if (!fp)
        return -FS_ENOMEM;
    struct fs_vnode *vn;
    uint32_t maxprot;
    long r = fs_mmap_file(fp, (int)m->a[0], 0, &maxprot, &vn);
    if (r < 0)
        return r;
    m->r[0] = (int64_t)vn->size;
    fs_vnode_put(vn);
    return 0;
}
