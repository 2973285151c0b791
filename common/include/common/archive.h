/*
 * archive.h: the boot archive, a cpio "newc" image the loader brings from the ESP. exo only
 * reads it (the first env and the console font come from here); every bound is checked, so a
 * corrupt archive is an error, never a crash.
 */
#ifndef COMMON_ARCHIVE_H
#define COMMON_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

struct exo_archive_entry {
    const char *name; /* NUL-terminated inside the archive */
    const void *data;
    uint64_t size;
    uint32_t mode; /* st_mode bits from the header */
};

/* Walks the archive: `*off` starts at 0 and advances. Returns 1 with an entry, 0 at the trailer,
 * EXO_E_CORRUPT if a header, name or body does not fit or is malformed. */
int exo_archive_next(const void *base, uint64_t size, uint64_t *off, struct exo_archive_entry *e);

/* Finds a regular file by exact name: 0, EXO_E_NOENT, or EXO_E_CORRUPT. */
int exo_archive_find(const void *base, uint64_t size, const char *name,
                     struct exo_archive_entry *e);

#endif
