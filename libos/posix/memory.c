/*
 * memory.c: a process's memory, built from exo pages: the break (brk) after the program's
 * last segment, and anonymous mappings (mmap/munmap/mprotect) in a region of their own. Every
 * page is the process's own, taken from exo (zeroed) when mapped and given back when unmapped.
 * Layout (user half): program from 4 MiB, break up to POSIX_BRK_MAX above it, mappings from
 * POSIX_MMAP_BASE up (addresses are not reused yet), libOS pages from 0x6fe0'0000'0000.
 * A page made PROT_NONE is unmapped but stays ours (exo keeps a page its owner unmaps), listed
 * in none[] so mprotect maps it back with its bytes and munmap frees it; a fault there is
 * SEGV_ACCERR (libos/signal). madvise(MADV_DONTNEED) zeroes (private anonymous memory reads
 * as zero after it, as on Linux). File mappings, sharing across fork and demand paging arrive
 * later. Threads share the layout: one at a time changes it (layout_lock).
 */
#include <posix/calls.h>

#include <los/cow.h>
#include <los/los.h>
#include <los/spawn.h>

#define PAGE EXO_PAGE
#define POSIX_BRK_MAX (1ull << 30)
#define POSIX_MMAP_BASE 0x0000100000000000ull
#define POSIX_MMAP_TOP 0x0000200000000000ull

extern char _end[]; /* the linker's end of the program's last segment */

#define NONE_MAX 1024 /* PROT_NONE pages that still hold bytes */
#define LNX_MADV_DONTNEED 4

static struct {
    uint64_t va, ppn;
} none[NONE_MAX];
static int nnone;
static uint64_t none_child[NONE_MAX]; /* fork: the child's copies of none[], made by us */

static uint64_t brk_base, brk_cur; /* brk_cur: the break; pages below round_up(it) are ours */
static uint64_t mmap_next = POSIX_MMAP_BASE;

/* One thread at a time changes the layout (threads share it: libos/thread): a spin lock that
 * gives the CPU away when its holder seems to have lost its own. */
static volatile uint32_t layout_lock;

static void layout_take(void)
{
    for (uint32_t spins = 0; __atomic_exchange_n(&layout_lock, 1, __ATOMIC_ACQUIRE); spins++)
        if (spins > 1000) {
            exo_yield(EXO_ANY);
            spins = 0;
        }
}

static void layout_give(void)
{
    __atomic_store_n(&layout_lock, 0, __ATOMIC_RELEASE);
}

static uint64_t round_up(uint64_t v)
{
    return (v + PAGE - 1) & ~(PAGE - 1);
}

static uint32_t exo_prot(long prot)
{
    uint32_t p = EXO_PROT_R; /* x86 pages are always readable */
    if (prot & LNX_PROT_WRITE)
        p |= EXO_PROT_W;
    if (prot & LNX_PROT_EXEC)
        p |= EXO_PROT_X;
    return p;
}

/* The none[] slot of the PROT_NONE page at va, or -1. */
static int none_find(uint64_t va)
{
    for (int i = 0; i < nnone; i++)
        if (none[i].va == va)
            return i;
    return -1;
}

int posix_memory_prot_none(uint64_t va)
{
    return none_find(va & ~(PAGE - 1)) >= 0;
}

static void none_remove(int i)
{
    none[i] = none[--nnone];
}

/* Gives the page at va back to exo, if one is mapped there (or kept there as PROT_NONE). */
static void drop(uint64_t va)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
    if (pte >= 0 && (pte & EXO_LOOKUP_SHARED))
        exo_page_unmap(EXO_CAP_SELF, va); /* copy-on-write: exo frees it with its last mapping */
    else if (pte >= 0)
        exo_page_free(EXO_CAP_SELF, (uint64_t)pte >> 12); /* unmaps it first */
    int i = none_find(va);
    if (i >= 0) {
        exo_page_free(EXO_CAP_SELF, none[i].ppn);
        none_remove(i);
    }
}

static void drop_range(uint64_t lo, uint64_t hi)
{
    for (uint64_t va = lo; va < hi; va += PAGE)
        drop(va);
}

/* Fresh zeroed pages over [lo, hi) with prot; all or none (-ENOMEM). */
static long fill_range(uint64_t lo, uint64_t hi, uint32_t prot)
{
    for (uint64_t va = lo; va < hi; va += PAGE) {
        int64_t r = los_page_new(va, prot);
        if (r < 0) {
            drop_range(lo, va);
            return posix_errno(r);
        }
    }
    return 0;
}

static long brk_locked(const long a[6])
{
    if (!brk_base)
        brk_base = brk_cur = round_up((uint64_t)_end);
    uint64_t want = (uint64_t)a[0];
    if (want < brk_base || want > brk_base + POSIX_BRK_MAX)
        return (long)brk_cur; /* Linux: a failed brk returns the break unchanged */
    uint64_t have = round_up(brk_cur), need = round_up(want);
    if (need > have && fill_range(have, need, EXO_PROT_R | EXO_PROT_W) < 0)
        return (long)brk_cur;
    if (need < have)
        drop_range(need, have);
    brk_cur = want;
    return (long)brk_cur;
}

static long mmap_locked(const long a[6])
{
    uint64_t addr = (uint64_t)a[0], len = round_up((uint64_t)a[1]);
    long prot = a[2], flags = a[3];
    if (!a[1] || len < (uint64_t)a[1] || !(flags & (LNX_MAP_PRIVATE | LNX_MAP_SHARED)))
        return -LNX_EINVAL;
    if (!(flags & LNX_MAP_ANONYMOUS))
        return -LNX_ENODEV; /* no files to map yet */
    if (flags & LNX_MAP_FIXED) {
        if (addr & (PAGE - 1) || addr + len < addr || addr + len > EXO_USER_TOP || !addr)
            return -LNX_EINVAL;
    } else {
        if (len > POSIX_MMAP_TOP - mmap_next)
            return -LNX_ENOMEM;
        addr = mmap_next; /* the hint is not honoured */
    }
    if (flags & LNX_MAP_FIXED)
        drop_range(addr, addr + len);
    if (prot & (LNX_PROT_READ | LNX_PROT_WRITE | LNX_PROT_EXEC)) {
        long r = fill_range(addr, addr + len, exo_prot(prot));
        if (r < 0)
            return r;
    } /* PROT_NONE: the range is reserved, no page behind it (mprotect fills it) */
    if (!(flags & LNX_MAP_FIXED))
        mmap_next += len;
    return (long)addr;
}

static long munmap_locked(const long a[6])
{
    uint64_t addr = (uint64_t)a[0], len = round_up((uint64_t)a[1]);
    if (addr & (PAGE - 1) || !a[1] || addr + len < addr || addr + len > EXO_USER_TOP)
        return -LNX_EINVAL;
    drop_range(addr, addr + len);
    return 0;
}

static long mprotect_locked(const long a[6])
{
    uint64_t addr = (uint64_t)a[0], len = round_up((uint64_t)a[1]);
    long prot = a[2];
    if (addr & (PAGE - 1) || addr + len < addr || addr + len > EXO_USER_TOP)
        return -LNX_EINVAL;
    /* Copy-on-write pages become ours first: "shared" must keep meaning "copy on write", and
     * a PROT_NONE page kept in none[] must be one we own. */
    if (los_cow_break_range(addr, addr + len) < 0)
        return -LNX_ENOMEM;
    if (!(prot & (LNX_PROT_READ | LNX_PROT_WRITE | LNX_PROT_EXEC))) {
        int need = 0; /* room for every mapped page first: all or nothing */
        for (uint64_t va = addr; va < addr + len; va += PAGE)
            need += exo_page_lookup(EXO_CAP_SELF, va) >= 0;
        if (nnone + need > NONE_MAX)
            return -LNX_ENOMEM;
        for (uint64_t va = addr; va < addr + len; va += PAGE) {
            int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
            if (pte < 0)
                continue; /* reserved, or PROT_NONE already */
            int64_t r = exo_page_unmap(EXO_CAP_SELF, va);
            if (r < 0)
                return posix_errno(r);
            none[nnone].va = va;
            none[nnone++].ppn = (uint64_t)pte >> 12;
        }
        return 0;
    }
    for (uint64_t va = addr; va < addr + len; va += PAGE) {
        int64_t r = exo_page_lookup(EXO_CAP_SELF, va);
        int i = r < 0 ? none_find(va) : -1;
        if (r >= 0)
            r = exo_page_protect(EXO_CAP_SELF, va, exo_prot(prot));
        else if (i >= 0) /* PROT_NONE: the same page back, bytes and all */
            r = exo_page_map(EXO_CAP_SELF, va, none[i].ppn, exo_prot(prot));
        else
            r = los_page_new(va, exo_prot(prot)); /* a reserved page gets one now */
        if (r < 0)
            return posix_errno(r);
        if (i >= 0)
            none_remove(i);
    }
    return 0;
}

#define LOCKED(name)                                                                               \
    long posix_##name(const long a[6])                                                             \
    {                                                                                              \
        layout_take();                                                                             \
        long r = name##_locked(a);                                                                 \
        layout_give();                                                                             \
        return r;                                                                                  \
    }
LOCKED(brk)
LOCKED(mmap)
LOCKED(munmap)
LOCKED(mprotect)

long posix_madvise(const long a[6])
{
    uint64_t addr = (uint64_t)a[0], len = round_up((uint64_t)a[1]);
    if (addr & (PAGE - 1) || addr + len < addr || addr + len > EXO_USER_TOP)
        return -LNX_EINVAL;
    if (a[2] != LNX_MADV_DONTNEED)
        return 0;                             /* other advice: every page stays as it is */
    uint64_t anon = round_up((uint64_t)_end); /* above the program's file-backed segments */
    for (uint64_t va = addr < anon ? anon : addr; va < addr + len; va += PAGE) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, va); /* private anonymous: zero after */
        if (pte < 0)
            continue;
        if (pte & EXO_PROT_W) {
            __builtin_memset((void *)va, 0, PAGE);
        } else { /* read-only (or copy-on-write): a fresh zeroed page, same protection */
            uint64_t prot = (uint64_t)pte & (EXO_PROT_R | EXO_PROT_W | EXO_PROT_X);
            if (pte & EXO_LOOKUP_SHARED)
                prot |= EXO_PROT_W; /* copy-on-write: the program may write it */
            drop(va);
            int64_t r = los_page_new(va, prot);
            if (r < 0)
                return posix_errno(r);
        }
    }
    return 0;
}

/* fork, in the parent (libos/proc/fork.c), before its walk copies this file's data: a copy of
 * every PROT_NONE page, unmapped so the walk does not see it, in a page the child owns. The
 * child puts them in its none[] (posix_memory_forked). 0, or an exo error (the fork fails; pm
 * destroys the child and the copies with it). */
long posix_memory_fork(uint64_t child);
long posix_memory_fork(uint64_t child)
{
    const uint64_t mine = LOS_COW_SCRATCH_VA + PAGE, theirs = LOS_SCRATCH_VA;
    int64_t r = 0;
    layout_take();
    for (int i = 0; i < nnone && r >= 0; i++) {
        int64_t np = exo_page_alloc(child, EXO_ANY);
        r = np;
        if (r >= 0)
            r = exo_page_map(EXO_CAP_SELF, theirs, (uint64_t)np, EXO_PROT_R | EXO_PROT_W);
        if (r >= 0)
            r = exo_page_map(EXO_CAP_SELF, mine, none[i].ppn, EXO_PROT_R);
        if (r >= 0) {
            __builtin_memcpy((void *)theirs, (const void *)mine, PAGE);
            none_child[i] = (uint64_t)np;
        }
    }
    exo_page_unmap(EXO_CAP_SELF, mine);
    layout_give();
    return r < 0 ? r : 0;
}

/* fork, in the child: the PROT_NONE pages are the copies the parent made for us. */
void posix_memory_forked(void);
void posix_memory_forked(void)
{
    for (int i = 0; i < nnone; i++)
        none[i].ppn = none_child[i];
    layout_lock = 0; /* the parent may have held it while our copy was made */
}
