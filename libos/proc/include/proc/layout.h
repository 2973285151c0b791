/*
 * layout.h: where the process machinery lives in every address space (design11.md gives proc
 * 0x6fd0_0000_0000 .. 0x6fdf_ffff_ffff): a process's mailbox and the process table at fixed
 * addresses in every process, and in pm (init) one mailbox view per table slot.
 */
#ifndef PROC_LAYOUT_H
#define PROC_LAYOUT_H

#define PROC_AREA_VA 0x00006fd000000000ull  /* first byte of the range */
#define PROC_AREA_END 0x00006fe000000000ull /* first byte past it (fork copies none of it) */

#define PROC_MBOX_VA 0x00006fd000000000ull /* a process's mailbox, read-write, owned by pm */
#define PROC_MBOX_PAGES 4
#define PROC_TABLE_VA 0x00006fd000100000ull /* the process table, read-only, owned by pm */
#define PROC_TABLE_PAGES 3
/* ext2's shared block cache (docs/concepts/ext2.md): pm's index and buffers, read-only in a
 * process, each page mapped when pm first serves it a pread from it; buffer g at
 * PROC_CACHE_DATA_VA + g * 4096, its entry the g-th of the index (ext2/share.h). */
#define PROC_CACHE_INDEX_VA 0x00006fd000200000ull
#define PROC_CACHE_ZERO_VA 0x00006fd000201000ull /* pm only: what a taken-back buffer shows */
#define PROC_CACHE_DATA_VA 0x00006fd000400000ull
#define PROC_CACHE_SLOTS 256 /* two mounts of 128 buffers: one index page of 16-byte entries */
#define PM_VIEW_VA                                                                                 \
    0x00006fd100000000ull /* pm only: slot s's mailbox at PM_VIEW_VA + s * PM_VIEW_STEP */
#define PM_VIEW_STEP 0x10000ull

#endif
