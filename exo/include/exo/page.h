/*
 * page.h: the physical page table, exo's record of who holds every 4 KiB page of RAM.
 *
 * Exokernel rule 1 (expose allocation) starts here: pages are named by their physical page
 * number (ppn), an env may ask for a specific one, and exo answers with exactly what it got.
 * Ownership recorded here is what secure bindings check when a page is mapped.
 */
#ifndef EXO_PAGE_H
#define EXO_PAGE_H

#include <exo/abi.h> /* EXO_PAGE, EXO_PAGE_SHIFT: the page size is the ABI's */

#include <stdint.h>

#define EXO_OWNER_KERNEL 0u /* owner id of pages exo itself holds */

/* Ordered from least to most restricted: building the table from the firmware's map only ever
 * raises a page's state, so an overlapping (corrupt) map can never free a reserved page. */
enum exo_page_state {
    EXO_PAGE_ABSENT = 0,   /* not RAM: a hole, MMIO, or past the end of memory */
    EXO_PAGE_FREE = 1,     /* RAM nobody holds */
    EXO_PAGE_KERNEL = 2,   /* held by exo (its image, tables, the loader's hand-over data) */
    EXO_PAGE_FIRMWARE = 3, /* firmware's: runtime services, ACPI tables and NVS, reserved */
    EXO_PAGE_OWNED = 4,    /* held by an env (owner field) */
    EXO_PAGE_SHARED = 5,   /* held by its mappings, none of them writable (page_share): freed
                            * when the last goes, not when the env that shared it ends */
    EXO_PAGE_NSTATES
};

struct exo_page {
    uint8_t state;   /* enum exo_page_state */
    uint8_t granted; /* a page_grant capability for it may exist (sys_page.c): 0 lets a free
                      * skip the scan of every capability table */
    uint16_t dma;   /* device descriptors in flight that name it (vio_pin.c): not freed meanwhile */
    uint32_t owner; /* env id when OWNED, EXO_OWNER_KERNEL otherwise */
    uint32_t maps;  /* user page-table entries that map it (pmap.c): 0 lets a free skip the
                     * walk of every address space */
    uint32_t hint_pml4;  /* one live mapping of it (pml4's ppn, 0: none) at hint_va, so that */
    uint64_t hint_va;    /* freeing a page mapped once finds its one entry without a walk */
    uint32_t next, prev; /* OWNED: the owner's bucket list (EXO_PAGE_NONE ends it) */
};

/* Pages held by envs are listed per owner bucket (owner % EXO_PAGE_BUCKETS): an env's end
 * visits its own pages, not all of RAM. exo's env ids are slot + 1 + 256 * generation,
 * so with 256 buckets (EXO_NENV) a bucket holds one live env's pages. */
#define EXO_PAGE_BUCKETS 256
#define EXO_PAGE_NONE 0xffffffffu

struct exo_pages {
    struct exo_page *page; /* one entry per ppn in [0, count) */
    uint64_t count;
    uint64_t hint;                     /* where the next "any page" search starts */
    uint64_t nstate[EXO_PAGE_NSTATES]; /* pages in each state */
    uint32_t bucket[EXO_PAGE_BUCKETS]; /* first OWNED page of each owner bucket */
};

/* Bytes of storage a table covering ppns [0, count) needs. */
uint64_t exo_pages_bytes(uint64_t count);

/* Starts a table over caller-provided storage; every page begins ABSENT. */
void exo_pages_init(struct exo_pages *t, struct exo_page *storage, uint64_t count);

/* Raises pages [first, first+n) to at least `state` (never lowers). Pages past the table's end
 * are ignored. Used only while building the table from the firmware's map. */
void exo_pages_raise(struct exo_pages *t, uint64_t first, uint64_t n, enum exo_page_state state);

/* Takes any free page for `owner` (EXO_OWNER_KERNEL gives state KERNEL, otherwise OWNED).
 * Returns 0 and the page number, or EXO_E_NOMEM. */
int exo_page_alloc(struct exo_pages *t, uint32_t owner, uint64_t *ppn);

/* Takes the specific page `ppn` for `owner`: EXO_E_RANGE if it is beyond the table or not RAM,
 * EXO_E_BUSY if someone holds it. */
int exo_page_alloc_at(struct exo_pages *t, uint64_t ppn, uint32_t owner);

/* Takes `n` physically contiguous free pages, lowest first; EXO_E_NOMEM if no run fits. */
int exo_page_alloc_run(struct exo_pages *t, uint64_t n, uint32_t owner, uint64_t *first);

/* Gives page `ppn` back. Only its holder may: EXO_E_PERM if `owner` does not hold it,
 * EXO_E_RANGE if it is not RAM, EXO_E_INVAL if it is already free. */
int exo_page_free(struct exo_pages *t, uint64_t ppn, uint32_t owner);

/* Page ppn, which `owner` holds, becomes SHARED (no owner, off the owner's list): EXO_E_PERM
 * if owner does not hold it. */
int exo_page_share(struct exo_pages *t, uint64_t ppn, uint32_t owner);

/* A SHARED page ppn becomes `owner`'s (OWNED); EXO_E_PERM if it is not SHARED. */
int exo_page_take(struct exo_pages *t, uint64_t ppn, uint32_t owner);

/* Gives a SHARED page back (its last mapping went); EXO_E_PERM if it is not SHARED. */
int exo_page_free_shared(struct exo_pages *t, uint64_t ppn);

/* Takes page ppn from env `owner` for exo for good (state KERNEL), instead of freeing it: a
 * page a device that would not reset may still write. EXO_E_PERM if owner does not hold it. */
int exo_page_retire(struct exo_pages *t, uint64_t ppn, uint32_t owner);

/* The first page `owner` holds (state OWNED), or EXO_PAGE_NONE; then the next one after ppn
 * (which owner holds). Fetch the next before freeing the current one. */
uint64_t exo_page_first_owned(const struct exo_pages *t, uint32_t owner);
uint64_t exo_page_next_owned(const struct exo_pages *t, uint64_t ppn, uint32_t owner);

/* The state of page `ppn` (ABSENT for anything past the end). */
enum exo_page_state exo_page_state(const struct exo_pages *t, uint64_t ppn);

/* 1 if env `who` holds page ppn (state OWNED, that owner), else 0: the one test of "does env
 * X own page P", which secure bindings, revocation, the IOMMU and the queue checks all ask.
 * A macro (t and ppn are read twice: pass plain values) so that `who` is read after the state
 * lookup, as the checks it replaced did; an inline function reads it first and keeps it across
 * the call, 3 more instructions on the upcall path (bench exo --icount). */
#define exo_page_owned_by(t, ppn, who)                                                             \
    (exo_page_state((t), (ppn)) == EXO_PAGE_OWNED && (t)->page[(ppn)].owner == (who))

#endif
