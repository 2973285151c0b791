/*
 * pm_share.c: pm lends ext2's block cache to processes, read-only (docs/concepts/ext2.md,
 * "The shared cache"). When pm serves a pread of an ext2 regular file it maps the cache's index
 * page and the buffers the read used into the caller at their PROC_AREA addresses (once per
 * env: the mailbox's cache_map says which), and tells it in the reply what the fd names
 * (file system, inode, block size) and under which descriptor table number (cache_fdgen),
 * which pm publishes after every op. The caller's libOS then reads those blocks itself
 * (ext2/share.h) until the number changes. pm stays the only writer of the cache; a buffer
 * about to hold another block is taken back from every process it was lent to (the zero page
 * mapped there instead), so a process sees in the lent pages only blocks it read through pm;
 * scribbling on its own mailbox words only makes it ask pm again, or fault itself.
 */
#include <ext2/vfs.h>
#include <proc/pm.h>

#include <los/los.h>
#include <los/spawn.h>

static struct proc_mbox *mbox_of(struct pm_proc *p)
{
    return (struct proc_mbox *)((uint8_t *)p->msg - __builtin_offsetof(struct proc_mbox, msg));
}

/* pm's own record of what it lent (the mailbox's cache_map is the process's copy, which it may
 * scribble on): per table slot, for the env it was lent to, the index and which buffers. */
static struct {
    uint32_t env;
    int index;
    uint64_t bufs[PROC_CACHE_SLOTS / 64];
} lent[PROC_MAX];
static uint64_t lent_any[PROC_CACHE_SLOTS / 64]; /* buffers lent to anyone */
static uint64_t zero_ppn;                        /* a page of zeros (PROC_CACHE_ZERO_VA) */

static int has(const uint64_t *map, unsigned g)
{
    return map[g / 64] >> (g % 64) & 1;
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

/* The library's hook (ext2_dev.share_reuse): buffer `slot` of d is about to hold another block.
 * Every process it was lent to gets the zero page there instead (a mapping replaced, never
 * removed: a reader in the middle of a copy reads zeros, its seq check fails, it asks pm) and
 * its bit cleared, so that no process sees a block it never read through pm. */
void pm_share_reuse(struct ext2_dev *d, uint32_t slot)
{
    unsigned g = (unsigned)(d->share - (struct ext2_share_ent *)PROC_CACHE_INDEX_VA) + slot;
    if (g >= PROC_CACHE_SLOTS || !has(lent_any, g))
        return;
    lent_any[g / 64] &= ~(1ull << (g % 64));
    for (int s = 0; s < PROC_MAX; s++) {
        if (!has(lent[s].bufs, g))
            continue;
        lent[s].bufs[g / 64] &= ~(1ull << (g % 64));
        struct pm_proc *p = &pm_procs[s];
        if (!p->msg || pm_table->e[s].state != PROC_ALIVE || pm_table->e[s].env != lent[s].env)
            continue; /* that env is gone, and its mappings with it */
        exo_page_map(p->env_cap, PROC_CACHE_DATA_VA + (uint64_t)g * 4096, zero_ppn, EXO_PROT_R);
        __atomic_and_fetch(&mbox_of(p)->cache_map[g / 64], ~(1ull << (g % 64)), __ATOMIC_RELEASE);
    }
}

void pm_share_pread(struct pm_proc *p, struct fs_vnode *vn, uint64_t off, uint64_t n,
                    uint64_t fdgen)
{
    struct ext2_fs *fs = fs_ext2_of(vn);
    if (!fs || !fs->share || n == 0)
        return;
    if (!zero_ppn) {
        int64_t z = los_page_new(PROC_CACHE_ZERO_VA, EXO_PROT_R | EXO_PROT_W);
        if (z < 0)
            return;
        zero_ppn = (uint64_t)z;
    }
    int s = p->slot;
    if (lent[s].env != p->e->env) { /* a new env in the slot: nothing lent to it yet */
        lent[s].env = p->e->env;
        lent[s].index = 0;
        for (unsigned i = 0; i < PROC_CACHE_SLOTS / 64; i++)
            lent[s].bufs[i] = 0;
    }
    if (!lent[s].index) {
        if (lend(p, PROC_CACHE_INDEX_VA) < 0)
            return;
        lent[s].index = 1;
    }
    struct proc_mbox *mb = mbox_of(p);
    uint32_t ino = (uint32_t)vn->ino;
    unsigned base = (unsigned)(fs->share - (struct ext2_share_ent *)PROC_CACHE_INDEX_VA);
    uint64_t first = off >> fs->log_bsize, last = (off + n - 1) >> fs->log_bsize;
    for (uint32_t i = 0; i < fs->nbufs; i++) {
        const struct ext2_share_ent *e = &fs->share[i];
        unsigned g = base + i;
        if (e->ino != ino || e->lblk < first || e->lblk > last || g >= PROC_CACHE_SLOTS)
            continue;
        if (!has(lent[s].bufs, g)) {
            if (lend(p, PROC_CACHE_DATA_VA + (uint64_t)g * 4096) < 0)
                return;
            lent[s].bufs[g / 64] |= 1ull << (g % 64);
            lent_any[g / 64] |= 1ull << (g % 64);
        }
        if (!has(mb->cache_map, g)) /* (the process's copy: set again if it cleared it) */
            __atomic_or_fetch(&mb->cache_map[g / 64], 1ull << (g % 64), __ATOMIC_RELEASE);
    }
    struct pm_msg *m = p->msg;
    m->r[0] = 1;
    m->r[1] = fs->dev->share_fsid;
    m->r[2] = ino;
    m->r[3] = fs->log_bsize;
    m->r[4] = (int64_t)fdgen;
    m->r[5] = base;
}
