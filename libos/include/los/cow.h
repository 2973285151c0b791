/*
 * cow.h: copy-on-write in user space, over exo's shared pages (page_share, call 40). A fork
 * shares the parent's writable private pages with the child, read-only in both; the first
 * write to one of them, in either, is a write fault that this part answers in the upcall
 * itself: the last process mapping the page takes it back (writable again, no copy), any
 * other copies it into a page of its own. See docs/concepts/processes.md.
 *
 * The rule the libOS keeps: a shared page at or above los_cow_floor (the program's own data,
 * libos/eager.ld; else the image's end), outside the hole (the libOS's and libc's bss, which
 * fork copies at once), is copy-on-write, so a write to it is never an error; pages below the
 * floor (text, read-only data) are shared only read-only, and a write there stays SIGSEGV
 * (SEGV_ACCERR), as does a write to any page the program made read-only itself (those are never
 * shared: mprotect breaks sharing first).
 */
#ifndef LOS_COW_H
#define LOS_COW_H

#include <exo/abi.h>

/* cow's own range, 0x6f50'0000'0000 up: clear of the file layer's heap (0x6fa0'0000'0000 up),
 * which the copy used to share its first page with. The map: docs/concepts/address-space.md. */
#define LOS_COW_SCRATCH_VA 0x00006f5000000000ull /* where a copy is filled */
#define LOS_COW_STACK_VA 0x00006f5000010000ull   /* a forked child's first stack (one page) */

/* What copy-on-write has done in this process (inherited at fork, like all its memory). */
struct los_cow_stats {
    uint64_t shared; /* pages a fork shared with its child */
    uint64_t eager;  /* pages a fork copied at once (see proc/fork.c for which) */
    uint64_t copied; /* write faults answered with a copy */
    uint64_t taken;  /* write faults answered by taking the page back (the last mapper) */
};
extern struct los_cow_stats los_cow_stats;

/* Pages below this address are never made writable by a write fault (set by fork), nor pages
 * in [los_cow_hole_lo, los_cow_hole_hi) (the libOS's and libc's bss: never shared). */
extern uint64_t los_cow_floor, los_cow_hole_lo, los_cow_hole_hi;

/* May the page at va be copy-on-write? */
static inline int los_cow_area(uint64_t va)
{
    return va >= los_cow_floor && va < EXO_USER_TOP &&
           (va < los_cow_hole_lo || va >= los_cow_hole_hi);
}

/* Would a store at va succeed, given its page_lookup result pte (>= 0)? Writable, or
 * copy-on-write (the store makes it ours). For checks of a buffer before it is written. */
static inline int los_cow_writable(uint64_t va, int64_t pte)
{
    return (pte & EXO_PROT_W) || ((pte & EXO_LOOKUP_SHARED) && los_cow_area(va));
}

/* Makes the page at va writable if it is a copy-on-write page (shared, at or above the
 * floor): 1 if it is writable now, 0 if not (not mapped, not copy-on-write, no memory). Safe
 * from an upcall and from any thread (one at a time; re-entered by a fault of the thread that
 * holds it, as fork's own stack writes are). */
int los_cow_break(uint64_t va);

/* Every shared page of [lo, hi), wherever it lies, made private (taken or copied), keeping
 * its protection plus write: before the libOS writes there from an upcall, or changes the
 * protection (mprotect), so that "shared" keeps meaning "copy-on-write". 0, or -1 if a page
 * could not be (no memory). */
int los_cow_break_range(uint64_t lo, uint64_t hi);

/* The write-fault upcall's first stop (los_upcall_dispatch): 1 if s was a write to a
 * copy-on-write page, now writable (resume), else 0. */
int los_cow_fault(const struct exo_upcall_state *s);

/* The upcall state page (its address) of a thread still starting (los_clone holds the lock
 * for it until it can take faults): its upcalls resume without taking the lock, which its
 * creator holds while it waits for it. 0: none. */
extern uint64_t los_cow_unlocked_state;

/* Before an upcall resumes a context: the words the resume pushes below its rsp must be
 * writable, since a fault inside the upcall would end the env. Costs nothing until fork. */
void los_cow_resume_room(uint64_t rsp);

/* fork's side: hold the copy-on-write lock while the address space is shared (a fault on
 * another thread waits; the forking thread's own faults go through), and the child's start. */
void los_cow_lock(void);
void los_cow_unlock(void);
void los_cow_forked_child(void);

#endif
