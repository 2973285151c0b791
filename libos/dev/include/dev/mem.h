/*
 * mem.h: the memory devices, /dev/null, /dev/zero and /dev/full (Linux's semantics: null reads
 * end of file and swallows writes, zero reads zeros, full reads zeros and refuses writes with
 * ENOSPC), and /dev/urandom and /dev/random (both the never-blocking generator of random.h once
 * it is seeded; writes mix bytes in). Pure: host-tested.
 */
#ifndef DEV_MEM_H
#define DEV_MEM_H

#include <dev/fs_dev.h>

extern const struct fs_dev_ops dev_null_ops, dev_zero_ops, dev_full_ops, dev_random_ops;

#endif
