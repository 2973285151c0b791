/*
 * share.c: the owner's side of the shared cache index (share.h). Entry i describes bufs[i]:
 * tagged when a read or write of a regular file leaves a block of it there, untagged (under an
 * odd seq) before anything else happens to the buffer: taken for another block, forgotten
 * (block freed), written (a write tags it again after), or its file truncated, grown past the
 * block that held its end, evicted, or the file system unmounted. A reader that saw the old
 * tag sees seq move and asks the owner instead.
 */
#include "internal.h"

static struct ext2_share_ent *ent(struct ext2_fs *fs, struct ext2_buf *b)
{
    return fs->share ? &fs->share[b - fs->bufs] : 0;
}

static void begin(struct ext2_share_ent *e)
{
    __atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED); /* odd */
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* before any byte of the buffer changes */
}

static void end(struct ext2_share_ent *e)
{
    __atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE); /* even, after the changes */
}

static void set(struct ext2_fs *fs, struct ext2_share_ent *e, uint32_t ino, uint64_t lblk,
                uint64_t size)
{
    uint64_t start = lblk << fs->log_bsize;
    uint64_t valid = size > start ? size - start : 0;
    if (valid > fs->bsize)
        valid = fs->bsize;
    if (lblk > 0xffffffffull || valid == 0)
        ino = 0; /* nothing a reader could use */
    __atomic_store_n(&e->ino, ino, __ATOMIC_RELAXED);
    __atomic_store_n(&e->lblk, (uint32_t)lblk, __ATOMIC_RELAXED);
    __atomic_store_n(&e->valid, (uint16_t)valid, __ATOMIC_RELAXED);
}

void ext2_share_tag(struct ext2_fs *fs, struct ext2_buf *b, uint32_t ino, uint64_t lblk,
                    uint64_t size)
{
    struct ext2_share_ent *e = ent(fs, b);
    if (!e || ino == 0)
        return;
    uint64_t start = lblk << fs->log_bsize;
    uint64_t valid = size > start ? size - start : 0;
    if (valid > fs->bsize)
        valid = fs->bsize;
    if (e->ino == ino && e->lblk == lblk && e->valid == valid)
        return; /* already so: no store into the readers' lines */
    begin(e);
    set(fs, e, ino, lblk, size);
    end(e);
}

void ext2_share_untag(struct ext2_fs *fs, struct ext2_buf *b)
{
    struct ext2_share_ent *e = ent(fs, b);
    if (!e || e->ino == 0)
        return;
    begin(e);
    __atomic_store_n(&e->ino, 0, __ATOMIC_RELAXED);
    end(e);
}

void ext2_share_write_begin(struct ext2_fs *fs, struct ext2_buf *b)
{
    struct ext2_share_ent *e = ent(fs, b);
    if (!e)
        return;
    begin(e);
    __atomic_store_n(&e->ino, 0, __ATOMIC_RELAXED);
}

void ext2_share_write_end(struct ext2_fs *fs, struct ext2_buf *b, uint32_t ino, uint64_t lblk,
                          uint64_t size)
{
    struct ext2_share_ent *e = ent(fs, b);
    if (!e)
        return;
    if (ino)
        set(fs, e, ino, lblk, size);
    end(e);
}

void ext2_share_drop(struct ext2_fs *fs, uint32_t ino, int partial)
{
    if (!fs->share)
        return;
    for (uint32_t i = 0; i < fs->nbufs; i++) {
        struct ext2_share_ent *e = &fs->share[i];
        if (e->ino == ino && (!partial || e->valid < fs->bsize))
            ext2_share_untag(fs, &fs->bufs[i]);
    }
}

void ext2_share_reset(struct ext2_fs *fs)
{
    if (!fs->share)
        return;
    for (uint32_t i = 0; i < fs->nbufs; i++) {
        struct ext2_share_ent *e = &fs->share[i];
        begin(e);
        __atomic_store_n(&e->ino, 0, __ATOMIC_RELAXED);
        e->fsid = fs->dev->share_fsid;
        e->log_bsize = (uint8_t)fs->log_bsize;
        end(e);
    }
}
