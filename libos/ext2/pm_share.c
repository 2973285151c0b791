/*
 * pm_share.c: pm lends ext2's block cache to processes, read-only (docs/concepts/ext2.md,
 * "The shared cache"). When pm serves a pread of an ext2 regular file it maps the cache's index
 * page and the buffers the read used into the caller at their PROC_AREA addresses (once per
 * env: the mailbox's cache_map says which), and tells it in the reply what the fd names
 * (file system, inode, block size) and under which descriptor table number (cache_fdgen),
 * which pm publishes after every op. The caller's libOS then reads those blocks itself
 * (ext2/share.h) until the number changes. pm stays the only writer of the cache; a process
 * can read there only blocks of files it had read through pm, and scribbling on its own
 * mailbox words only makes it ask pm again, or fault itself.
 */
#include <ext2/vfs.h>
#include <proc/pm.h>

#include <los/los.h>

static struct proc_mbox *mbox_of(struct pm_proc *p)
{
    return (struct proc_mbox *)((uint8_t *)p->msg - __builtin_offsetof(struct proc_mbox, msg));
}

/* pm's page at va mapped read-only at va in p's env: 0 or an exo error. */
static int64_t lend(struct pm_proc *p, uint64_t va)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
    if (pte < 0)
        return pte;
    return exo_page_map(p->env_cap, va, (uint64_t)pte >> EXO_PAGE_SHIFT, EXO_PROT_R);
}

void pm_share_publish(struct pm_proc *p, uint64_t fdgen)
{
    struct proc_mbox *mb = mbox_of(p);
    if (mb->cache_fdgen != fdgen)
        __atomic_store_n(&mb->cache_fdgen, fdgen, __ATOMIC_RELEASE);
}

void pm_share_pread(struct pm_proc *p, struct fs_vnode *vn, uint64_t off, uint64_t n,
                    uint64_t fdgen)
{
    struct ext2_fs *fs = fs_ext2_of(vn);
    if (!fs || !fs->share || n == 0)
        return;
    struct proc_mbox *mb = mbox_of(p);
    volatile uint64_t *map = mb->cache_map; /* the process's words: only ever hurt itself */
    int any = (map[0] | map[1] | map[2] | map[3]) != 0;
    if (!any && lend(p, PROC_CACHE_INDEX_VA) < 0)
        return; /* (mapped before a process scribbled on its map: the same page again) */
    uint32_t ino = (uint32_t)vn->ino;
    unsigned base = (unsigned)(fs->share - (struct ext2_share_ent *)PROC_CACHE_INDEX_VA);
    uint64_t first = off >> fs->log_bsize, last = (off + n - 1) >> fs->log_bsize;
    for (uint32_t i = 0; i < fs->nbufs; i++) {
        const struct ext2_share_ent *e = &fs->share[i];
        unsigned g = base + i;
        if (e->ino != ino || e->lblk < first || e->lblk > last || g >= PROC_CACHE_SLOTS)
            continue;
        if (map[g / 64] >> (g % 64) & 1)
            continue;
        if (lend(p, PROC_CACHE_DATA_VA + (uint64_t)g * 4096) < 0)
            return;
        map[g / 64] |= 1ull << (g % 64);
    }
    if (!(map[0] | map[1] | map[2] | map[3]))
        return; /* nothing mapped: the index may not be either */
    struct pm_msg *m = p->msg;
    m->r[0] = 1;
    m->r[1] = fs->dev->share_fsid;
    m->r[2] = ino;
    m->r[3] = fs->log_bsize;
    m->r[4] = (int64_t)fdgen;
    m->r[5] = base;
}
