/*
 * share.h: the block cache's index, shared read-only with readers outside the owner. The
 * owner (pm) is the only writer of the cache; every buffer has one entry saying which file
 * block it holds: (file system, inode, block of the file, bytes of it inside the file), under a
 * per-entry sequence number (a seqlock). The owner makes seq odd before it changes a buffer's
 * identity or bytes and even after; a reader takes seq (even), checks the key, copies, takes
 * seq again: the same value means the bytes were that file block's, whole; anything else and
 * it asks the owner (docs/concepts/ext2.md, "The shared cache").
 *
 * The reader's side (ext2_share_read) is here, inline and freestanding, for the libOS's pread;
 * the owner's side is share.c. The embedder decides where index and buffers live: the reader
 * is handed the index, the buffers' pages (slot g at pages + g * 4096) and which slots it may
 * touch (a bitmap: mapped in its address space).
 */
#ifndef EXT2_SHARE_H
#define EXT2_SHARE_H

#include <stdint.h>

/* One buffer's entry (16 bytes: 256 of them in a page). */
struct ext2_share_ent {
    uint32_t seq;   /* even: stable; odd: the owner is changing this buffer */
    uint32_t ino;   /* the inode whose block the buffer holds; 0: none a reader may use */
    uint32_t lblk;  /* which block of that file */
    uint16_t valid; /* bytes of the block inside the file (i_size): all of it but in the last */
    uint8_t fsid;   /* which file system (the embedder's number for its mount) */
    uint8_t log_bsize;
};

#define EXT2_SHARE_PAGE 4096u /* one buffer per page, whatever the block size */

static inline void ext2_share_copy(uint8_t *d, const uint8_t *s, uint64_t n)
{
#if defined(__x86_64__)
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
#else
    while (n--)
        *d++ = *s++;
#endif
}

/* Copies bytes [off, off + len) of file `ino` on file system `fsid` (blocks of 1 << log_bsize
 * bytes) out of the shared cache into buf, if every block of the range is there (up to the end
 * of the file when a block says the file ends inside it): the byte count (0 at the end of the
 * file), or -1: the cache cannot answer (a miss, a slot not mapped, a change under way), ask the
 * owner. Slots [first, first + count) are searched, *hint first (updated). buf may have been
 * written even on -1. Each block is copied whole from one version of it; blocks of one call are
 * not one snapshot (as a reader racing a writer on Linux may see). */
static inline long ext2_share_read(const struct ext2_share_ent *ix, const uint8_t *pages,
                                   const uint64_t *mapped, unsigned first, unsigned count,
                                   unsigned *hint, unsigned fsid, uint32_t ino, unsigned log_bsize,
                                   uint8_t *buf, uint64_t len, uint64_t off)
{
    uint64_t bsize = 1ull << log_bsize, done = 0;
    if (ino == 0 || log_bsize < 10 || log_bsize > 12)
        return -1;
    while (done < len) {
        uint64_t pos = off + done;
        uint64_t lblk = pos >> log_bsize;
        uint32_t in_blk = (uint32_t)(pos & (bsize - 1));
        if (lblk > 0xffffffffull)
            return -1;
        unsigned g = *hint;
        if (g < first || g >= first + count ||
            __atomic_load_n(&ix[g].ino, __ATOMIC_RELAXED) != ino ||
            __atomic_load_n(&ix[g].lblk, __ATOMIC_RELAXED) != (uint32_t)lblk) {
            for (g = first; g < first + count; g++)
                if (__atomic_load_n(&ix[g].ino, __ATOMIC_RELAXED) == ino &&
                    __atomic_load_n(&ix[g].lblk, __ATOMIC_RELAXED) == (uint32_t)lblk)
                    break;
            if (g == first + count)
                return -1;
            *hint = g;
        }
        if (!(mapped[g / 64] >> (g % 64) & 1))
            return -1;
        const struct ext2_share_ent *e = &ix[g];
        uint32_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
        if (s1 & 1)
            return -1;
        uint32_t valid = __atomic_load_n(&e->valid, __ATOMIC_RELAXED);
        if (__atomic_load_n(&e->ino, __ATOMIC_RELAXED) != ino ||
            __atomic_load_n(&e->lblk, __ATOMIC_RELAXED) != (uint32_t)lblk ||
            __atomic_load_n(&e->fsid, __ATOMIC_RELAXED) != fsid ||
            __atomic_load_n(&e->log_bsize, __ATOMIC_RELAXED) != log_bsize || valid > bsize)
            return -1;
        uint64_t n = 0;
        if (in_blk < valid) {
            n = valid - in_blk;
            if (n > len - done)
                n = len - done;
            ext2_share_copy(buf + done, pages + (uint64_t)g * EXT2_SHARE_PAGE + in_blk, n);
        } else if (valid == bsize) {
            return -1; /* cannot be: in_blk < bsize */
        }
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != s1)
            return -1;
        done += n;
        if (valid < bsize && in_blk + n >= valid)
            break; /* the file ends in this block */
    }
    return (long)done;
}

#endif
