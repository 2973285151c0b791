/*
 * pmap.h: an env's page tables, as exo builds them at env request. The user half holds only
 * what the env (or its parent) bound through page_map; the upper half is exo's, shared by all.
 * The kernel never dereferences user pointers: user_copy_* walk the env's tables and copy
 * through the direct map, so a bad pointer is an error code, never a kernel fault.
 */
#ifndef EXO_PMAP_H
#define EXO_PMAP_H

#include <exo/env.h>

#include <stddef.h>
#include <stdint.h>

/* A new top-level table: empty user half, exo's upper half. */
int pmap_create(uint64_t *pml4);

#define PMAP_UNCACHED 0x100u /* pmap_enter prot flag: device registers (PCD | PWT) */

/* Installs ppn at va with prot (EXO_PROT_*, PMAP_UNCACHED) in the tables at pml4, replacing
 * what was there. */
int pmap_enter(uint64_t pml4, uint64_t va, uint64_t ppn, uint32_t prot);

/* The leaf entry for va (0 if none); *prot gets its EXO_PROT_* bits. */
uint64_t pmap_lookup(uint64_t pml4, uint64_t va, uint32_t *prot);

/* Removes va's mapping; EXO_E_NOENT if there was none. */
int pmap_remove(uint64_t pml4, uint64_t va);

/* Removes every mapping of page ppn from every env's tables (page freed or taken back). */
void pmap_remove_everywhere(uint64_t ppn);

/* Removes every mapping of every page `owner` holds, in one walk of each env's tables (an env
 * ending: one walk per page would be quadratic, with interrupts off). */
void pmap_remove_owned(uint32_t owner);

/* The lowest user va >= va (page-aligned, below EXO_USER_TOP) with a present leaf in the tables
 * at pml4, skipping absent upper-level entries whole; EXO_E_NOENT if none. */
int64_t pmap_next(uint64_t pml4, uint64_t va);
/* Frees the user-half table pages (not the pages they map). */
void pmap_destroy(uint64_t pml4);

/* The one check for every user buffer exo reads or writes: the page behind va is mapped
 * user-accessible in e (writable when `write`) and is a page of RAM exo manages, never a
 * device's registers (the doorbell page vio_direct maps): its ppn, or EXO_E_FAULT. */
int pmap_user_page(const struct env *e, uint64_t va, int write, uint64_t *ppn);

/* pmap_user_page for every page of [va, va + len), which must lie below EXO_USER_TOP: 0 or
 * EXO_E_FAULT. For calls that act in parts and must check the whole buffer first. */
int user_check(const struct env *e, uint64_t va, size_t len, int write);

/* Copies between exo and env memory that passes user_check: 0 or EXO_E_FAULT, nothing
 * copied then. */
int user_copy_from(const struct env *e, void *dst, uint64_t va, size_t len);
int user_copy_to(const struct env *e, uint64_t va, const void *src, size_t len);

/* Sets CR3 to pml4 if it is not already. */
void pmap_activate(uint64_t pml4);

#endif
