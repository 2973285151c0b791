/*
 * memory.c: a process's memory, built from exo pages: the break (brk) after the program's
 * last segment, and mappings (mmap/munmap/mprotect/mremap/msync/mincore/madvise) in a region
 * of their own, recorded in the mapping table (posix/vma.h): placed first-fit, so addresses
 * munmap freed are reused. Private anonymous pages and the break's are the process's own,
 * taken from exo (zeroed) at their first touch (the demand pager, posix_memory_demand, which
 * the fault upcall consults: so a 1 GiB mapping costs the pages touched; MAP_POPULATE maps them
 * at once) and given back when unmapped; a private file mapping's pages are filled from the
 * file at mmap (mmap_file.c). Shared pages (MAP_SHARED) are lent by pm, which owns them: a RAM
 * file's own pages, or an unnamed RAM file's for shared anonymous memory (docs/concepts/memory.md);
 * fork passes them on as they are (posix_memory_shared), unmapping only unmaps them.
 * Layout (user half): program from 4 MiB, break up to POSIX_BRK_MAX above it, mappings from
 * POSIX_MMAP_BASE up, libOS pages from 0x6f00'0000'0000.
 * A private page made PROT_NONE is unmapped but stays ours (exo keeps a page its owner
 * unmaps), listed in none[] so mprotect maps it back with its bytes and munmap frees it; a
 * fault there is SEGV_ACCERR (libos/signal). A shared page made PROT_NONE is unmapped and
 * listed too (NONE_LENT: no page of ours behind it); pm lends it again when mprotect raises
 * it. madvise(MADV_DONTNEED) zeroes private anonymous
 * memory (it reads as zero after it, as on Linux). Threads share the layout: one at a time
 * changes it (layout_lock).
 */
#include <posix/calls.h>
#include <posix/vma.h>
#include <proc/client.h>

#include <los/cow.h>
#include <los/los.h>
#include <los/spawn.h>
#include <los/uaccess.h>

#define PAGE EXO_PAGE
#define POSIX_BRK_MAX (1ull << 30)
#define POSIX_MMAP_BASE 0x0000100000000000ull
#define POSIX_MMAP_TOP 0x0000200000000000ull
#define LNX_MREMAP_MAYMOVE 1
#define LNX_MREMAP_FIXED 2
/* Linux's mmap_min_addr: nothing of a program's lies below. The Linux runtime keeps its
 * trampoline and pointer pages there (libos/linux/fastpath.c), out of mmap's, munmap's and
 * mprotect's reach. */
#define MIN_ADDR 0x10000ull

/* The libOS's own range [LOS_LIBOS_LO, LOS_LIBOS_HI) (its data, upcall stacks, mailbox; a
 * Linux binary's runtime and vDSO) is not the program's to change: to these calls it is as
 * memory not mapped is to Linux's. munmap leaves it (0), mprotect and madvise are ENOMEM, a
 * MAP_FIXED or mremap into it ENOMEM; each refused before anything changes. Without this a
 * program unmapping it would lose the code its next call runs. */
static int libos_range(uint64_t lo, uint64_t hi)
{
    return lo < LOS_LIBOS_HI && LOS_LIBOS_LO < hi;
}
#define LNX_MS_ASYNC 1
#define LNX_MS_INVALIDATE 2
#define LNX_MS_SYNC 4
#define LNX_EACCES 13
#define LNX_MAP_POPULATE 0x8000
#define LNX_MAP_FIXED_NOREPLACE 0x100000
#define LNX_EEXIST 17
#define NOREPLACE_SCAN 16384 /* pages MAP_FIXED_NOREPLACE looks at one by one */

extern char _end[]; /* the linker's end of the program's last segment */

#define NONE_MAX 1024 /* PROT_NONE pages that still hold bytes */
#define LNX_MADV_DONTNEED 4

static struct {
    uint64_t va, ppn;
} none[NONE_MAX];
static int nnone;
static uint64_t none_child[NONE_MAX]; /* fork: the child's copies of none[], made by us */
#define NONE_LENT (~0ull) /* none[].ppn of a shared page made PROT_NONE: pm's, unmapped */

static uint64_t brk_base, brk_cur; /* brk_cur: the break; pages below round_up(it) are ours */
static unsigned long demand_pages; /* pages the demand pager gave */
static uint64_t image_end_va;      /* where the program's image ends, if not at _end */

void posix_memory_image_end(uint64_t end)
{
    image_end_va = end;
}

static uint64_t image_end(void)
{
    return image_end_va ? image_end_va : (uint64_t)_end;
}
static struct vma_table vmas; /* the mappings (fork copies it with the data) */

/* One thread at a time changes the layout (threads share it: libos/thread): a spin lock that
 * gives the CPU away when its holder seems to have lost its own. It holds the holder's env id
 * (a thread's own): the demand pager, in a fault upcall, must not wait for its own thread. */
static volatile uint32_t layout_lock;
static uint32_t layout_depth; /* the holder's takes beyond its first (only it touches this) */

static void layout_take(void)
{
    uint32_t me = (uint32_t)exo_env_self();
    if (__atomic_load_n(&layout_lock, __ATOMIC_ACQUIRE) == me) {
        layout_depth++; /* fork holds it around posix_memory_fork's own take */
        return;
    }
    for (uint32_t spins = 0, free = 0; !__atomic_compare_exchange_n(
             &layout_lock, &free, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
         spins++, free = 0)
        if (spins > 1000) {
            exo_yield(EXO_ANY);
            spins = 0;
        }
}

static void layout_give(void)
{
    if (layout_depth) {
        layout_depth--;
        return;
    }
    __atomic_store_n(&layout_lock, 0, __ATOMIC_RELEASE);
}

/* The order is layout, then copy-on-write, everywhere: mprotect and mincore take the cow lock
 * (unsharing a page) inside the layout lock, so fork takes the layout lock before its cow lock
 * (libos/proc/fork.c), or a fork and an mprotect in two threads would wait for each other. */
void posix_memory_lock(void);
void posix_memory_lock(void)
{
    layout_take();
}

void posix_memory_unlock(void);
void posix_memory_unlock(void)
{
    layout_give();
}

static uint64_t round_up(uint64_t v)
{
    return (v + PAGE - 1) & ~(PAGE - 1);
}

static int demand_page(uint64_t va, uint32_t *prot);

static uint32_t exo_prot(long prot)
{
    uint32_t p = EXO_PROT_R; /* x86 pages are always readable */
    if (prot & LNX_PROT_WRITE)
        p |= EXO_PROT_W;
    if (prot & LNX_PROT_EXEC)
        p |= EXO_PROT_X;
    return p;
}

static int any_prot(long prot)
{
    return (prot & (LNX_PROT_READ | LNX_PROT_WRITE | LNX_PROT_EXEC)) != 0;
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
    va &= ~(PAGE - 1);
    const struct vma *v = vma_find(&vmas, va);
    return none_find(va) >= 0 || (v && !any_prot(v->prot));
}

static void none_remove(int i)
{
    none[i] = none[--nnone];
}

/* Gives the page at va back to exo, if one is mapped there (or kept there as PROT_NONE). */
static void drop(uint64_t va)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
    if (pte >= 0 && (pte & EXO_PROT_XONLY))
        return; /* the Linux runtime's trampoline page at VA 0: not the program's to drop */
    if (pte >= 0 && (pte & EXO_LOOKUP_SHARED))
        exo_page_unmap(EXO_CAP_SELF, va); /* copy-on-write: exo frees it with its last mapping */
    else if (pte >= 0 && exo_page_free(EXO_CAP_SELF, (uint64_t)pte >> 12) < 0)
        exo_page_unmap(EXO_CAP_SELF, va); /* not ours: a shared mapping's page, pm's */
    int i = none_find(va);
    if (i >= 0) {
        if (none[i].ppn != NONE_LENT)
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
        brk_base = brk_cur = round_up(image_end());
    uint64_t want = (uint64_t)a[0];
    if (want < brk_base || want > brk_base + POSIX_BRK_MAX)
        return (long)brk_cur; /* Linux: a failed brk returns the break unchanged */
    uint64_t have = round_up(brk_cur), need = round_up(want);
    /* Growth maps nothing: the demand pager gives each page at its first touch. */
    if (need < have)
        drop_range(need, have);
    brk_cur = want;
    return (long)brk_cur;
}

long posix_mmap_shared(int64_t fd, uint64_t off, uint64_t len, uint64_t va, long prot, uint32_t obj,
                       uint32_t *id);
void posix_mmap_release(uint32_t obj);
long posix_mmap_private(int64_t fd, uint64_t off, uint64_t lo, uint64_t hi, uint32_t prot);

/* The shared objects [lo, hi) names, given back to pm if no range names them any more. */
static void release_gone(const uint32_t *objs, int n)
{
    for (int i = 0; i < n; i++)
        if (!vma_uses(&vmas, objs[i]))
            posix_mmap_release(objs[i]);
}

/* Unmaps [lo, hi): its pages go (ours to exo, pm's unmapped), its ranges are cut. */
static long unmap_range(uint64_t lo, uint64_t hi)
{
    uint32_t objs[VMA_MAX];
    int n = 0;
    for (int i = 0; i < vmas.n; i++)
        if (vmas.v[i].kind == VMA_SHARED && vmas.v[i].lo < hi && lo < vmas.v[i].hi)
            objs[n++] = vmas.v[i].obj;
    if (vma_remove(&vmas, lo, hi) < 0)
        return -LNX_ENOMEM; /* a split past the table's size: nothing changed */
    drop_range(lo, hi);
    release_gone(objs, n);
    return 0;
}

/* Unmaps the pages pm just lent at [lo, hi). */
static void unmap_only(uint64_t lo, uint64_t hi)
{
    for (uint64_t va = lo; va < hi; va += PAGE)
        exo_page_unmap(EXO_CAP_SELF, va);
}

/* The shared pages at [lo, hi) made PROT_NONE: unmapped, listed in none[] (a touch is
 * SEGV_ACCERR, not SIGBUS; mprotect has pm lend them again). 0 or -ENOMEM. */
static long shared_none(uint64_t lo, uint64_t hi)
{
    for (uint64_t va = lo; va < hi; va += PAGE) {
        if (exo_page_lookup(EXO_CAP_SELF, va) < 0)
            continue; /* past the file's end: SIGBUS */
        exo_page_unmap(EXO_CAP_SELF, va);
        if (nnone == NONE_MAX)
            return -LNX_ENOMEM;
        none[nnone].va = va;
        none[nnone++].ppn = NONE_LENT;
    }
    return 0;
}

/* The pages of a new range [addr, addr + len) of kind, and its row. */
static long map_new(uint64_t addr, uint64_t len, long prot, long flags, int64_t fd, uint64_t off)
{
    int shared = (flags & LNX_MAP_SHARED) && !((flags & LNX_MAP_ANONYMOUS) && !proc_present);
    uint32_t kind = shared ? VMA_SHARED : flags & LNX_MAP_ANONYMOUS ? VMA_ANON : VMA_FILE;
    uint32_t id = 0;
    long r = 0;
    if (vmas.n == VMA_MAX)
        return -LNX_ENOMEM;
    if (kind == VMA_SHARED) {
        r = posix_mmap_shared(flags & LNX_MAP_ANONYMOUS ? -1 : fd,
                              flags & LNX_MAP_ANONYMOUS ? 0 : off, len, addr, prot, 0, &id);
        if (r == 0 && !any_prot(prot))
            r = shared_none(addr, addr + len);
    } else if (kind == VMA_FILE) {
        r = posix_mmap_private(fd, off, addr, addr + len, exo_prot(prot));
    } else if (any_prot(prot) && (flags & LNX_MAP_POPULATE)) {
        r = fill_range(addr, addr + len, exo_prot(prot));
    } /* else on demand (posix_memory_demand); PROT_NONE: reserved, no page behind it */
    if (r == 0 && vma_insert(&vmas, addr, addr + len, kind, id, off, (uint32_t)prot & 7) < 0)
        r = -LNX_ENOMEM;
    if (r < 0) {
        drop_range(addr, addr + len);
        if (id)
            posix_mmap_release(id);
    }
    return r;
}

/* Is anything of the program's in [lo, hi) (MAP_FIXED_NOREPLACE's EEXIST)? A mapping, the
 * break, or a page (its image, its stack): pages looked at one by one over the first
 * NOREPLACE_SCAN only (beyond, mappings and the break: a larger range over the image or the
 * stack is not seen). */
static int taken(uint64_t lo, uint64_t hi)
{
    if (!vma_free(&vmas, lo, hi) || (brk_base && lo < round_up(brk_cur) && brk_base < hi))
        return 1;
    for (uint64_t va = lo, n = 0; va < hi && n < NOREPLACE_SCAN; va += PAGE, n++)
        if (exo_page_lookup(EXO_CAP_SELF, va) >= 0 || none_find(va) >= 0)
            return 1;
    return 0;
}

static long mmap_locked(const long a[6])
{
    uint64_t addr = (uint64_t)a[0], len = round_up((uint64_t)a[1]), off = (uint64_t)a[5];
    long prot = a[2], flags = a[3];
    int noreplace = (flags & LNX_MAP_FIXED_NOREPLACE) != 0;
    if (noreplace) /* Linux's: MAP_FIXED, but EEXIST where something is */
        flags |= LNX_MAP_FIXED;
    if (!a[1] || len < (uint64_t)a[1] || !(flags & (LNX_MAP_PRIVATE | LNX_MAP_SHARED)))
        return -LNX_EINVAL;
    if (!(flags & LNX_MAP_ANONYMOUS) && (off & (PAGE - 1) || off + len < off))
        return -LNX_EINVAL;
    if (flags & LNX_MAP_FIXED) {
        if (addr & (PAGE - 1) || addr + len < addr || addr + len > EXO_USER_TOP)
            return -LNX_EINVAL;
        if (addr < MIN_ADDR)
            return -LNX_EPERM;
        if (libos_range(addr, addr + len))
            return -LNX_ENOMEM;
        if (noreplace && taken(addr, addr + len))
            return -LNX_EEXIST;
    } else if (!(addr & (PAGE - 1)) && addr >= POSIX_MMAP_BASE && addr + len > addr &&
               addr + len <= POSIX_MMAP_TOP && vma_free(&vmas, addr, addr + len)) {
        /* the hint is free: there */
    } else if (!(addr = vma_gap(&vmas, POSIX_MMAP_BASE, POSIX_MMAP_TOP, len))) {
        return -LNX_ENOMEM;
    }
    if (flags & LNX_MAP_FIXED) {
        long r = unmap_range(addr, addr + len);
        if (r < 0)
            return r;
    }
    long r = map_new(addr, len, prot, flags, a[4], off);
    return r < 0 ? r : (long)addr;
}

static long munmap_locked(const long a[6])
{
    uint64_t addr = (uint64_t)a[0], len = round_up((uint64_t)a[1]);
    if (addr & (PAGE - 1) || !a[1] || addr + len < addr || addr + len > EXO_USER_TOP)
        return -LNX_EINVAL;
    if (addr + len <= MIN_ADDR)
        return 0; /* nothing of the program's is there */
    addr = addr < MIN_ADDR ? MIN_ADDR : addr;
    if (!libos_range(addr, addr + len))
        return unmap_range(addr, addr + len);
    if (addr >= LOS_LIBOS_LO && addr + len <= LOS_LIBOS_HI)
        return 0; /* all the libOS's */
    /* The program's parts on either side, both or neither (a split may not fit the table). */
    uint64_t lo_end = addr < LOS_LIBOS_LO ? LOS_LIBOS_LO : addr;
    uint64_t hi_start = addr + len > LOS_LIBOS_HI ? LOS_LIBOS_HI : addr + len;
    if (vmas.n + 2 > VMA_MAX)
        return -LNX_ENOMEM;
    long r = addr < lo_end ? unmap_range(addr, lo_end) : 0;
    return r < 0 || hi_start == addr + len ? r : unmap_range(hi_start, addr + len);
}

/* A shared range's page at va lent again by pm with prot (mprotect raising it, mremap moving
 * it): 0, or -EACCES past what the mapping allows. */
static long relend(const struct vma *v, uint64_t va, uint64_t len, long prot)
{
    uint32_t id;
    return posix_mmap_shared(-2, v->off + (va - v->lo), len, va, prot, v->obj, &id);
}

static long mprotect_locked(const long a[6])
{
    uint64_t addr = (uint64_t)a[0], len = round_up((uint64_t)a[1]);
    long prot = a[2];
    if (addr & (PAGE - 1) || addr + len < addr || addr + len > EXO_USER_TOP)
        return -LNX_EINVAL;
    if ((addr < MIN_ADDR && len) || libos_range(addr, addr + len))
        return -LNX_ENOMEM; /* no page of the program's is there, as Linux says of a range not
                             * mapped */
    /* Copy-on-write pages become ours first: "shared" must keep meaning "copy on write", and
     * a PROT_NONE page kept in none[] must be one we own. */
    if (los_cow_break_range(addr, addr + len) < 0)
        return -LNX_ENOMEM;
    /* The break has no range to remember a protection in: its untouched pages get their zeroed
     * page (below), so the protection applies to a page (else the demand pager would give one
     * read-write at the first touch). No one sees the difference but exo's free count. */
    int need = 0; /* PROT_NONE: room for every page first (mapped, or the break's): all or none */
    for (uint64_t va = addr; va < addr + len && !any_prot(prot); va += PAGE) {
        uint32_t bp;
        need += exo_page_lookup(EXO_CAP_SELF, va) >= 0 ||
                (!vma_find(&vmas, va) && demand_page(va, &bp));
    }
    if (nnone + need > NONE_MAX)
        return -LNX_ENOMEM;
    if (vma_protect(&vmas, addr, addr + len, (uint32_t)prot & 7) < 0)
        return -LNX_ENOMEM; /* what a page paged in later gets */
    for (uint64_t va = addr; va < addr + len; va += PAGE) {
        uint32_t bp;
        if (!vma_find(&vmas, va) && demand_page(va, &bp) && exo_page_lookup(EXO_CAP_SELF, va) < 0 &&
            los_page_new(va, bp) < 0)
            return -LNX_ENOMEM;
    }
    if (!any_prot(prot)) {
        for (uint64_t va = addr; va < addr + len; va += PAGE) {
            const struct vma *v = vma_find(&vmas, va);
            int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
            if (pte < 0)
                continue; /* reserved, or PROT_NONE already */
            int64_t r = exo_page_unmap(EXO_CAP_SELF, va);
            if (r < 0)
                return posix_errno(r);
            none[nnone].va = va; /* pm's page (shared): lent again when raised */
            none[nnone++].ppn = v && v->kind == VMA_SHARED ? NONE_LENT : (uint64_t)pte >> 12;
        }
        return 0;
    }
    for (uint64_t va = addr; va < addr + len; va += PAGE) {
        const struct vma *v = vma_find(&vmas, va);
        int64_t r = exo_page_lookup(EXO_CAP_SELF, va);
        int i = r < 0 ? none_find(va) : -1;
        if (v && v->kind == VMA_SHARED) {
            if (r < 0 || exo_page_protect(EXO_CAP_SELF, va, exo_prot(prot)) < 0) {
                long e = relend(v, va, PAGE, prot);
                if (e < 0)
                    return e;
            }
            if (i >= 0)
                none_remove(i);
            continue;
        }
        if (v && v->kind == VMA_FILE && r < 0 && i < 0)
            continue; /* past the file's end: stays SIGBUS */
        if (v && v->kind == VMA_ANON && r < 0 && i < 0)
            continue; /* never touched: paged in at its first touch, with the range's prot */
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

/* The protection of the range's page at va (PROT_* bits; 0 for none). */
static long prot_at(uint64_t va)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, va);
    if (pte < 0)
        return 0;
    long p = LNX_PROT_READ;
    if ((pte & EXO_PROT_W) || (pte & EXO_LOOKUP_SHARED))
        p |= LNX_PROT_WRITE;
    if (pte & EXO_PROT_X)
        p |= LNX_PROT_EXEC;
    return p;
}

/* Pages for [lo, hi), the grown part of range v (mremap), with prot. */
static long grow_fill(const struct vma *v, uint64_t lo, uint64_t hi, long prot)
{
    if (!any_prot(prot))
        return 0;
    if (v->kind == VMA_SHARED)
        return relend(v, lo, hi - lo, prot);
    if (v->kind == VMA_ANON)
        return 0;                              /* on demand */
    return fill_range(lo, hi, exo_prot(prot)); /* a private file's growth reads as zero */
}

/* Moves [old, old + olen) of range v to [to, to + nlen) (free, nlen >= olen): our pages are
 * mapped there as they are (copy-on-write ones made ours first), pm's lent there again. */
static long move_range(struct vma *v, uint64_t old, uint64_t olen, uint64_t to, uint64_t nlen)
{
    struct vma keep = *v;
    keep.off = v->off + (old - v->lo);
    long prot = prot_at(old);
    if (vmas.n + 2 > VMA_MAX)
        return -LNX_ENOMEM;
    if (keep.kind == VMA_SHARED) {
        uint32_t id;
        long r =
            any_prot(prot) ? posix_mmap_shared(-2, keep.off, nlen, to, prot, keep.obj, &id) : 0;
        if (r < 0) {
            unmap_only(to, to + nlen);
            return r;
        }
        for (uint64_t i = 0; i < olen; i += PAGE) {
            int k = none_find(old + i);
            exo_page_unmap(EXO_CAP_SELF, old + i);
            if (k >= 0) { /* PROT_NONE: so at its new address too */
                none[k].va = to + i;
                exo_page_unmap(EXO_CAP_SELF, to + i);
            }
        }
    } else {
        if (los_cow_break_range(old, old + olen) < 0)
            return -LNX_ENOMEM;
        for (uint64_t i = 0; i < olen; i += PAGE) {
            int64_t pte = exo_page_lookup(EXO_CAP_SELF, old + i);
            int k = pte < 0 ? none_find(old + i) : -1;
            if (k >= 0)
                none[k].va = to + i;
            if (pte < 0)
                continue;
            exo_page_unmap(EXO_CAP_SELF, old + i); /* ours: exo keeps it for us */
            int64_t r = exo_page_map(EXO_CAP_SELF, to + i, (uint64_t)pte >> 12,
                                     (uint64_t)pte & (EXO_PROT_R | EXO_PROT_W | EXO_PROT_X));
            if (r < 0)
                exo_page_free(EXO_CAP_SELF, (uint64_t)pte >> 12); /* (not expected) */
        }
        if (nlen > olen && grow_fill(&keep, to + olen, to + nlen, prot) < 0) {
            drop_range(to, to + nlen); /* the old range's pages went with it */
            vma_remove(&vmas, old, old + olen);
            return -LNX_ENOMEM;
        }
    }
    vma_remove(&vmas, old, old + olen);
    vma_insert(&vmas, to, to + nlen, keep.kind, keep.obj, keep.off, keep.prot);
    return 0;
}

static long mremap_locked(const long a[6])
{
    uint64_t old = (uint64_t)a[0], olen = round_up((uint64_t)a[1]), nlen = round_up((uint64_t)a[2]);
    long flags = a[3];
    uint64_t to = (uint64_t)a[4];
    if (old & (PAGE - 1) || flags & ~(LNX_MREMAP_MAYMOVE | LNX_MREMAP_FIXED) ||
        ((flags & LNX_MREMAP_FIXED) && !(flags & LNX_MREMAP_MAYMOVE)) || !a[2] ||
        nlen < (uint64_t)a[2] || !a[1] || olen < (uint64_t)a[1])
        return -LNX_EINVAL;
    struct vma *v = vma_find(&vmas, old);
    if (!v || old + olen > v->hi)
        return -LNX_EFAULT; /* (the libOS's range has no row: EFAULT there too) */
    if (flags & LNX_MREMAP_FIXED) {
        if (to & (PAGE - 1) || to + nlen < to || to + nlen > EXO_USER_TOP ||
            (to < old + olen && old < to + nlen))
            return -LNX_EINVAL;
        if (to < MIN_ADDR)
            return -LNX_EPERM;
        if (libos_range(to, to + nlen))
            return -LNX_ENOMEM;
        long r = unmap_range(to, to + nlen);
        if (r < 0)
            return r;
        v = vma_find(&vmas, old);
        if (nlen < olen) {
            if ((r = unmap_range(old + nlen, old + olen)) < 0)
                return r;
            olen = nlen;
            v = vma_find(&vmas, old);
        }
        r = move_range(v, old, olen, to, nlen);
        return r < 0 ? r : (long)to;
    }
    if (nlen <= olen) { /* shrink in place */
        long r = nlen < olen ? unmap_range(old + nlen, old + olen) : 0;
        return r < 0 ? r : (long)old;
    }
    uint64_t top = old < POSIX_MMAP_TOP ? POSIX_MMAP_TOP : EXO_USER_TOP;
    if (old + olen == v->hi && old + nlen <= top && old + nlen > old &&
        !libos_range(old + olen, old + nlen) &&
        vma_free(&vmas, old + olen, old + nlen)) { /* grow in place */
        long r = grow_fill(v, old + olen, old + nlen, prot_at(old + olen - PAGE));
        if (r < 0) {
            drop_range(old + olen, old + nlen);
            return r;
        }
        v->hi = old + nlen;
        return (long)old;
    }
    if (!(flags & LNX_MREMAP_MAYMOVE) ||
        !(to = vma_gap(&vmas, POSIX_MMAP_BASE, POSIX_MMAP_TOP, nlen)))
        return -LNX_ENOMEM;
    long r = move_range(v, old, olen, to, nlen);
    return r < 0 ? r : (long)to;
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
LOCKED(mremap)

/* A shared mapping's pages are the file's own: nothing to write back or to invalidate. */
long posix_msync(const long a[6])
{
    uint64_t addr = (uint64_t)a[0], len = round_up((uint64_t)a[1]);
    long flags = a[2];
    if (addr & (PAGE - 1) || flags & ~(LNX_MS_ASYNC | LNX_MS_INVALIDATE | LNX_MS_SYNC) ||
        (flags & (LNX_MS_ASYNC | LNX_MS_SYNC)) == (LNX_MS_ASYNC | LNX_MS_SYNC) || addr + len < addr)
        return -LNX_EINVAL;
    layout_take();
    int ok = vma_covered(&vmas, addr, addr + len);
    layout_give();
    return ok ? 0 : -LNX_ENOMEM;
}

/* Which pages of the range have a page behind them now (1), which do not (0). */
long posix_mincore(const long a[6])
{
    uint64_t addr = (uint64_t)a[0], len = round_up((uint64_t)a[1]);
    uint8_t *vec = (uint8_t *)a[2];
    if (addr & (PAGE - 1) || addr + len < addr)
        return -LNX_EINVAL;
    layout_take();
    long r = vma_covered(&vmas, addr, addr + len) ? 0 : -LNX_ENOMEM;
    for (uint64_t va = addr; r == 0 && va < addr + len; va += PAGE) {
        uint8_t in = exo_page_lookup(EXO_CAP_SELF, va) >= 0 || none_find(va) >= 0;
        r = los_copy_to_user(vec + (va - addr) / PAGE, &in, 1);
    }
    layout_give();
    return r;
}

/* fork (libos/proc/fork.c): is the page at va a shared mapping's (passed on as it is)? */
int posix_memory_shared(uint64_t va)
{
    const struct vma *v = vma_find(&vmas, va & ~(PAGE - 1));
    return v && v->kind == VMA_SHARED;
}

/* For the Linux runtime's fast path (libos/linux/fastpath.c), under the layout lock: 1 if va
 * lies in a private file mapping (its pages the process's own copy, filled at mmap: never the
 * file's or pm's, so they may be written), with the range's [*lo, *hi) and the file offset at
 * *lo; 0 otherwise (anonymous memory, a shared mapping, nothing). */
int posix_memory_file_at(uint64_t va, uint64_t *lo, uint64_t *hi, uint64_t *off)
{
    const struct vma *v = vma_find(&vmas, va & ~(PAGE - 1));
    if (!v || v->kind != VMA_FILE)
        return 0;
    *lo = v->lo, *hi = v->hi, *off = v->off;
    return 1;
}

/* Would the demand pager give the page at va one (an anonymous page or the break's, never
 * touched, not PROT_NONE)? Its protection in *prot. */
static int demand_page(uint64_t va, uint32_t *prot)
{
    const struct vma *v = vma_find(&vmas, va);
    if (v && v->kind == VMA_ANON && any_prot(v->prot)) {
        *prot = exo_prot(v->prot);
        return none_find(va) < 0;
    }
    *prot = EXO_PROT_R | EXO_PROT_W;
    return !v && brk_base && va >= brk_base && va < round_up(brk_cur) && none_find(va) < 0;
}

/* The demand pager (the fault upcall's, libos/signal; and whoever is about to write there
 * from an upcall): a fresh zeroed page at va if it is an anonymous or break page never
 * touched. 1 if a page is there now. Safe from an upcall: it takes the layout lock unless its
 * own thread holds it (a call of ours touching the caller's buffer), and writes only this
 * file's data (the libOS's, copied at fork). */
int posix_memory_demand(uint64_t va)
{
    va &= ~(PAGE - 1);
    if (va >= EXO_USER_TOP)
        return 0;
    int mine = __atomic_load_n(&layout_lock, __ATOMIC_ACQUIRE) == (uint32_t)exo_env_self();
    if (!mine)
        layout_take();
    uint32_t prot;
    int r = exo_page_lookup(EXO_CAP_SELF, va) >= 0; /* another thread paged it in meanwhile */
    if (!r && demand_page(va, &prot) && los_page_new(va, prot) >= 0) {
        demand_pages++;
        r = 1;
    }
    if (!mine)
        layout_give();
    return r;
}

/* Before an upcall resumes a context: the three words the resume pushes below rsp must have a
 * page (a thread's fresh stack, never touched, is a mapping's). */
void posix_memory_room(uint64_t rsp)
{
    if (rsp < 24 || rsp > EXO_USER_TOP)
        return; /* no user page: the resume's first store ends the thread (and the walk below
                   would wrap past 2^64 to 0 and go on for ever) */
    for (uint64_t va = (rsp - 24) & ~(PAGE - 1); va < rsp; va += PAGE) {
        uint32_t prot;
        if (demand_page(va, &prot) && exo_page_lookup(EXO_CAP_SELF, va) < 0)
            posix_memory_demand(va);
    }
}

unsigned long posix_memory_demand_count(void)
{
    return demand_pages;
}

/* A fault (libos/signal): a file mapping's page with nothing behind it (past the file's end
 * when mapped, or taken back since by a truncate) is SIGBUS, as Linux. So is an anonymous or
 * break page the demand pager could not give (exo had no page left): Linux's answer when a
 * fault cannot be backed (VM_FAULT_SIGBUS), never an end of the env. */
int posix_memory_sigbus(uint64_t va)
{
    va &= ~(PAGE - 1);
    const struct vma *v = vma_find(&vmas, va);
    uint32_t prot;
    if (exo_page_lookup(EXO_CAP_SELF, va) >= 0)
        return 0;
    return (v && v->kind != VMA_ANON && none_find(va) < 0) || demand_page(va, &prot);
}

static long madvise_locked(const long a[6])
{
    uint64_t addr = (uint64_t)a[0], len = round_up((uint64_t)a[1]);
    if (addr & (PAGE - 1) || addr + len < addr || addr + len > EXO_USER_TOP)
        return -LNX_EINVAL;
    if ((addr < MIN_ADDR && len) || libos_range(addr, addr + len))
        return -LNX_ENOMEM; /* nothing of the program's: as Linux says of memory not mapped */
    if (a[2] != LNX_MADV_DONTNEED)
        return 0;                          /* other advice: every page stays as it is */
    uint64_t anon = round_up(image_end()); /* above the program's file-backed segments */
    for (uint64_t va = addr < anon ? anon : addr; va < addr + len; va += PAGE) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, va); /* private anonymous: zero after */
        if (pte < 0 || posix_memory_shared(va))
            continue; /* a shared page keeps its bytes (they are the file's) */
        const struct vma *v = vma_find(&vmas, va);
        if (v && v->kind == VMA_ANON) {
            drop(va); /* its next touch pages in a zeroed one */
            continue;
        }
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

/* Under the layout lock, as every change to the pages of the space is: a fork's walk
 * (libos/proc/fork.c) or another thread's demand fault never sees a page half dropped. */
long posix_madvise(const long a[6])
{
    layout_take();
    long r = madvise_locked(a);
    layout_give();
    return r;
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
        if (none[i].ppn == NONE_LENT) { /* a shared page: the child asks pm too */
            none_child[i] = NONE_LENT;
            continue;
        }
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
    layout_lock = 0; /* the parent held it while our copy was made */
    layout_depth = 0;
}
