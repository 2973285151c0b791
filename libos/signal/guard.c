/*
 * guard.c: the stack's growth and its guard. The spawner maps the top LOS_STACK_PAGES of the
 * stack; below them lies a reserve the stack grows into on demand (a page fault there maps a
 * fresh zeroed page, from the pager every fault consults first), down to LOS_STACK_LIMIT
 * below the top (8 MiB, Linux's default RLIMIT_STACK). Below that, the guard: nothing is ever
 * mapped there by the libOS, so running past the limit is a page fault the pager refuses, and
 * the program gets SIGSEGV (SEGV_MAPERR, si_addr in the guard), on its alternate stack if it
 * asked for one, since its own stack has no room left. The same pager then asks the memory
 * part for demand pages (posix_memory_demand).
 */
#include "sigstate.h"

#include <posix/calls.h>

#include <los/los.h>
#include <los/spawn.h>

#define LOS_STACK_LIMIT (8ull << 20)
#define PF_PRESENT 1

/* Everything in [low, LOS_STACK_TOP) is mapped: the spawner's pages, then what grew. */
static uint64_t low = LOS_STACK_TOP - LOS_STACK_PAGES * EXO_PAGE;

int sig_stack_grow_at(uint64_t addr)
{
    if (addr >= LOS_STACK_TOP || addr < LOS_STACK_TOP - LOS_STACK_LIMIT)
        return 0;
    uint64_t page = addr & ~(EXO_PAGE - 1);
    while (low > page) { /* contiguous, as a stack is: every page down to addr's */
        int64_t r = exo_page_lookup(EXO_CAP_SELF, low - EXO_PAGE);
        if (r < 0 && los_page_new(low - EXO_PAGE, EXO_PROT_R | EXO_PROT_W) < 0)
            return 0;
        low -= EXO_PAGE;
    }
    return exo_page_lookup(EXO_CAP_SELF, page) >= 0; /* above low, but unmapped since? */
}

/* The fault upcall's pager: the stack's growth, then the memory part's demand pages
 * (anonymous mappings and the break, paged in at their first touch: posix/memory.c). */
int sig_stack_pager(struct exo_upcall_state *s)
{
    return s->vector == 14 && !(s->error & PF_PRESENT) &&
           (sig_stack_grow_at(s->addr) || posix_memory_demand(s->addr));
}

void sig_stack_room(uint64_t rsp)
{
    uint64_t a = rsp - 24; /* what the resume pushes */
    if (a < low && a >= LOS_STACK_TOP - LOS_STACK_LIMIT)
        sig_stack_grow_at(a);
    else
        posix_memory_room(rsp); /* a thread's stack in a mapping, never touched there */
}
