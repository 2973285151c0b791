/*
 * fastpath.c: the binary's `syscall`s turned into direct calls into the runtime (the zpoline
 * idea), done at the start, before the binary's first instruction, and again for each library
 * a dynamic binary's ld.so maps, at its mmap (lnx_fast_mapped). The trampoline page at
 * VA 0 holds a sled (short jumps, then nops), then at 512 a jump to lnx_fast_entry (entry.S)
 * through the pointer on the page at LNX_FAST_PTR_VA, then hlt to the page's end; each `syscall`
 * (0f 05) the scanner (scan.c) judges safe in the binary's executable segments (and its
 * interpreter's, a dynamic binary's ld.so), in memory, becomes `call *%rax` (ff d0): with rax the
 * call's number, the call lands in the sled at that number and slides into the runtime, no trap. No
 * Linux number is above 511 (x32's carry bit 30): any other lands on a byte that faults (or on the
 * jump itself: ENOSYS as any), or calls an address outside the page, which faults too unless the
 * process has code there, and lnx_site_fault makes that fault the -ENOSYS the `syscall` would have
 * returned (a number that is the address of the process's own code runs it, as any `call` would:
 * docs/concepts/linux.md). The file is never changed: pm loaded the segments into pages of this
 * env's own, and only those are written. What is not rewritten (code the binary makes at run time,
 * sites the scanner is unsure of) still traps and is reflected as before. Anonymous executable
 * memory is never swept: a JIT writes its code at any time after mmap, so no moment has it whole,
 * and bytes rewritten under a writer would corrupt it.
 *
 * The page is execute-only (EXO_PROT_XONLY: protection key 1, which exo's PKRU denies data
 * access): a NULL load or store still faults (SIGSEGV, SEGV_MAPERR, si_addr 0, as on Linux).
 * A CPU without protection keys gets no page and no rewriting: every call traps.
 * A site's `call` writes its return address below rsp, which `syscall` never did: a thread that
 * unmapped its own stack (musl's __unmapself, then exit) faults there, and lnx_site_fault makes
 * that fault the trap the `syscall` was.
 */
#include <linux_rt/lnx.h>
#include <linux_rt/scan.h>

#include <posix/calls.h>

#include <los/cow.h>
#include <los/los.h>
#include <los/spawn.h>
#include <los/upcall.h>
#include <thread/thread.h>

/* Numbers below SLED slide into the jump: every number of Linux's 64-bit table (it ends near
 * 460; x32's numbers carry bit 30). The sled's first HOPS bytes are `eb 40` pairs: a call that
 * lands on an eb jumps 66 bytes on, one that lands on a 40 runs `40 eb 40` (a REX prefix, which a
 * short jump ignores) and jumps 67 on; neither changes a register or a flag. Then 0x90 (after
 * the last 40 it makes `40 90`, a nop) and 15-byte nops (14 operand-size prefixes and 0x90, the
 * longest instruction x86 allows) to the jump: one that lands inside a nop runs a shorter one
 * to the same end. So any number reaches the jump in at most 12 instructions (getpid's, 39,
 * in 8), where nops alone took up to 34. The
 * jump is `jmp *rel32(%rip)` (ff 25 fa ed 00 00), its target read from the pointer page: no
 * register holds it, so a number that lands on it goes to lnx_fast_entry with rax intact
 * (ENOSYS); one that lands inside it runs "and $0xedfa,%eax" (513), cli (514), "in (%dx),%eax"
 * (515), "add %al,(%rax)" (516, a store to the page) or "add %dh,%ah" (517), each ending at a
 * fault (hlt follows: #GP) having changed at most rax and the flags, which the call's result
 * replaces (C code keeps nothing in the flags across a `syscall`). Linux never maps below 64 KiB
 * (mmap_min_addr): the pointer page at 60 KiB is read-only data no Linux program can have
 * there. */
#define SLED 512
#define HOPS 444 /* the `eb 40` pairs' end: from HOPS - 2 and - 1, hops land at HOPS + 64, 66 */
#define NOP_LEN 15
#define JUMP_LEN 6
#define MAX_SITES 8192 /* rewritten sites the runtime remembers (more: left to trap) */
#define PT_LOAD 1
#define PF_X 1

struct phdr { /* Elf64_Phdr */
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

void lnx_fast_entry(void);

struct lnx_fast lnx_fast;
static uint64_t sites[MAX_SITES]; /* the rewritten sites' addresses, ascending */

/* A fresh page filled by fill at the scratch address, then mapped at va with prot: 1, or 0
 * (nothing left behind). */
static int page_at(uint64_t va, uint64_t prot, void (*fill)(uint8_t *p))
{
    int64_t ppn = exo_page_alloc(EXO_CAP_SELF, EXO_ANY);
    if (ppn < 0)
        return 0;
    if (exo_page_map(EXO_CAP_SELF, LOS_SCRATCH_VA, (uint64_t)ppn, EXO_PROT_R | EXO_PROT_W) < 0) {
        exo_page_free(EXO_CAP_SELF, (uint64_t)ppn);
        return 0;
    }
    fill((uint8_t *)LOS_SCRATCH_VA);
    exo_page_unmap(EXO_CAP_SELF, LOS_SCRATCH_VA);
    if (exo_page_map(EXO_CAP_SELF, va, (uint64_t)ppn, prot) < 0) {
        exo_page_free(EXO_CAP_SELF, (uint64_t)ppn);
        return 0;
    }
    return 1;
}

static void fill_pointer(uint8_t *p)
{
    for (uint32_t i = 0; i < EXO_PAGE; i++)
        p[i] = 0;
    *(uint64_t *)p = (uint64_t)lnx_fast_entry;
}

static void fill_trampoline(uint8_t *p)
{
    _Static_assert(HOPS % 2 == 0 && HOPS + 66 < SLED, "every hop lands before the jump");
    for (uint32_t i = 0; i < HOPS; i++) /* eb 40: jmp +0x40, or rex jmp after a 40 */
        p[i] = i % 2 ? 0x40 : 0xeb;
    p[HOPS] = 0x90;                            /* after the last 40: `40 90`, a nop */
    for (uint32_t i = HOPS + 1; i < SLED; i++) /* 66 ... 66 90 nops ending at the jump, 15 */
        p[i] = (SLED - 1 - i) % NOP_LEN == 0 ? 0x90 : 0x66; /* bytes each but the first */
    int32_t rel = (int32_t)(LNX_FAST_PTR_VA - (SLED + JUMP_LEN));
    p[SLED] = 0xff; /* jmp *rel(%rip) */
    p[SLED + 1] = 0x25;
    for (int i = 0; i < 4; i++)
        p[SLED + 2 + i] = (uint8_t)((uint32_t)rel >> (8 * i));
    for (uint32_t i = SLED + JUMP_LEN; i < EXO_PAGE; i++)
        p[i] = 0xf4; /* hlt: #GP (an int3 would have the libOS read its byte here) */
}

/* The pointer page, then the trampoline page at VA 0, execute-only (a CPU without protection
 * keys refuses it: no NULL fault, so no page and no rewriting). */
static int trampoline(void)
{
    if (!page_at(LNX_FAST_PTR_VA, EXO_PROT_R, fill_pointer))
        return 0;
    if (!page_at(0, EXO_PROT_X | EXO_PROT_XONLY, fill_trampoline)) {
        int64_t pte = exo_page_lookup(EXO_CAP_SELF, LNX_FAST_PTR_VA);
        if (pte >= 0)
            exo_page_free(EXO_CAP_SELF, (uint64_t)pte >> EXO_PAGE_SHIFT);
        return 0;
    }
    return 1;
}

/* A segment being swept: its address, and the end of the table's part its sites go to (past
 * lnx_fast.nsites, where no lookup reads, until they are rewritten and merged in). */
struct segment {
    uint64_t va;
    uint32_t *end;
};

/* The sites found and left to trap (for the exit report only: not dropped at munmap). */
static uint64_t left[LNX_LEFT_MAX];
static uint32_t nleft;

static void found(void *ctx, uint64_t off, int verdict)
{
    const struct segment *s = ctx;
    if (verdict == LNX_SITE_REWRITE && *s->end < MAX_SITES) {
        sites[(*s->end)++] = s->va + off;
        return;
    }
    if (verdict == LNX_SITE_REWRITE)
        lnx_fast.full++;
    if (nleft < LNX_LEFT_MAX)
        left[nleft++] = s->va + off;
}

int lnx_fast_left(uint64_t va)
{
    for (uint32_t i = 0; i < nleft; i++)
        if (left[i] == va)
            return 1;
    return 0;
}

/* The table changes under a sequence count (odd while it changes; writers hold the layout
 * lock): another thread's lookup (lnx_fast_site, the call of a site from a library mapped
 * long ago) reads again if a change of the table overlapped its read. */
static volatile uint32_t sites_seq;

static void table_begin(void)
{
    __atomic_fetch_add(&sites_seq, 1, __ATOMIC_SEQ_CST);
}

static void table_end(void)
{
    __atomic_fetch_add(&sites_seq, 1, __ATOMIC_SEQ_CST);
    lnx_gs_forget_sites(); /* a getpid site dropped or moved must not be answered by the leaf */
}

/* The first of sites[0, nsites) at or above va. */
static uint32_t lower_bound(uint64_t va)
{
    uint32_t lo = 0, hi = lnx_fast.nsites;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sites[mid] < va)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The page of the binary's code at page made writable for a moment (1), or left as it was
 * because it is writable already (0), or not at all (-1); *prot gets its protection. */
static int open_page(uint64_t page, uint64_t *prot)
{
    int64_t pte = exo_page_lookup(EXO_CAP_SELF, page);
    if (pte < 0)
        return -1;
    *prot = (uint64_t)pte & (EXO_PROT_R | EXO_PROT_W | EXO_PROT_X);
    if (*prot & EXO_PROT_W)
        return 0;
    return exo_page_protect(EXO_CAP_SELF, page, *prot | EXO_PROT_W) < 0 ? -1 : 1;
}

/* Rewrites sites[i..] that lie on the page of sites[i] (a site across the page's end too, its
 * next page opened as well); returns how many it looked at, and keeps in sites[*kept..] those
 * it rewrote. Two exo calls per page, not per site. */
static uint32_t rewrite_page(uint32_t i, uint32_t end, uint32_t *kept)
{
    uint64_t page = sites[i] & ~(EXO_PAGE - 1), prot, prot2 = 0;
    int open = open_page(page, &prot), open2 = 0;
    uint32_t k = i;
    for (; k < end && (sites[k] & ~(EXO_PAGE - 1)) == page; k++) {
        uint64_t va = sites[k];
        if (open < 0)
            continue;
        if ((va + 1) % EXO_PAGE == 0) { /* its second byte on the next page */
            open2 = open_page(page + EXO_PAGE, &prot2);
            if (open2 < 0)
                continue;
        }
        *(volatile uint8_t *)va = 0xff; /* call *%rax */
        *(volatile uint8_t *)(va + 1) = 0xd0;
        sites[(*kept)++] = va;
    }
    if (open > 0)
        exo_page_protect(EXO_CAP_SELF, page, prot);
    if (open2 > 0)
        exo_page_protect(EXO_CAP_SELF, page + EXO_PAGE, prot2);
    return k - i;
}

static los_upcall_fn next_fault; /* the signal part's */

/* The return address a rewritten site's `call *%rax` left at rsp, if that is what is there: a
 * fault at the call's target, in the trampoline page or at rax itself. 0 otherwise. */
static uint64_t stray_call(const struct exo_upcall_state *s)
{
    uint64_t rip = s->regs.rip, rsp = s->regs.rsp, ret;
    if (rip >= EXO_PAGE && rip != s->regs.rax)
        return 0;
    if (rsp & 7 || exo_page_lookup(EXO_CAP_SELF, rsp & ~(EXO_PAGE - 1)) < 0)
        return 0; /* (read in an upcall: only from a page that is there) */
    ret = *(const uint64_t *)rsp;
    return ret >= 2 && lnx_fast_site(ret - 2) ? ret : 0;
}

int lnx_site_fault(struct exo_upcall_state *s)
{
    const uint64_t pf_write = 2;
    uint64_t ret = 0;
    if (s->vector == 14 && (s->error & pf_write) && s->addr == s->regs.rsp - 8 &&
        lnx_fast_site(s->regs.rip)) {
        /* The site's call could not push its return address (a thread that unmapped its own
         * stack): the `syscall` it was, as a trap. */
        s->regs.rcx = s->regs.rip + 2;
    } else if (s->vector == 13 && lnx_fast_site(s->regs.rip) &&
               s->regs.rax + (1ull << 47) >= (1ull << 48)) {
        /* A non-canonical number: the call itself faulted (as Intel's CPUs report it). */
        s->regs.rcx = s->regs.rip + 2;
        s->regs.rax = (uint64_t)-1;
        lnx_calls_fast++, lnx_calls_trap--; /* counted as the rewritten call it was */
    } else if (s->regs.rip == (uint64_t)lnx_fast_entry ||
               s->regs.rip == (uint64_t)lnx_fast_entry + 1) {
        /* The entry's first instruction (the pop of the return address) or its second (pushfq,
         * 1 byte after it: the stack readable but not writable) faulted: the binary came into
         * the trampoline page with a stack it cannot use (a jump there, or a sigreturn to rip 0
         * with a bad rsp), not through a site's call, which pushed there. Linux faults at the
         * fetch: so do we, at 0, rsp as it came, as lnx_fast_call does for a call through NULL.
         * Resumed as it is, the context would slide into the entry and fault here again. */
        if (s->regs.rip != (uint64_t)lnx_fast_entry)
            s->regs.rsp -= 8; /* the pop's */
        s->regs.rip = 0;
        s->vector = 14;
        s->error = 0x35; /* protection key | fetch | user | present, as lnx_fetch_fault */
        s->addr = 0;
        return next_fault ? next_fault(s) : 1;
    } else if ((ret = stray_call(s)) != 0) {
        /* A number no Linux call has: the call went and faulted where it landed. The number is
         * rax if it landed there (else the trampoline's bytes may have changed rax: -1, which
         * every bad number's ENOSYS shares). */
        s->regs.rax = s->regs.rip == s->regs.rax ? s->regs.rax : (uint64_t)-1;
        s->regs.rsp += 8;
        s->regs.rcx = ret;
        lnx_calls_fast++, lnx_calls_trap--;
    } else {
        return next_fault ? next_fault(s) : 1;
    }
    /* Resumed at the calling thread's entry past its store of rsp, the word written here, on
     * that thread's call stack (free: the thread was in the binary), with what `syscall` would
     * have left: rcx = the rip after the site, r11 = rflags. */
    s->regs.r11 = s->regs.rflags;
    int row = los_thread_row();
    if (row < 0) {
        lnx_user_rsp = s->regs.rsp;
        s->regs.rip = (uint64_t)lnx_syscall_entry + LNX_ENTRY_SAVED;
        s->regs.rsp = (uint64_t)lnx_stack_top;
    } else {
        lnx_thread_rsp[row] = s->regs.rsp;
        s->regs.rip = (uint64_t)(lnx_thread_entries + 32 * row) + LNX_ENTRY_SAVED;
        s->regs.rsp = LOS_THREAD_VA + LOS_THREAD_STRIDE * (uint64_t)row + LOS_THREAD_CALL_TOP;
    }
    return 0;
}

/* The sites of an object's executable segments, its program headers ph[0, n), at bias. */
static void scan_object(const struct phdr *ph, uint64_t n, uint64_t bias)
{
    for (uint64_t i = 0; i < n; i++) {
        if (ph[i].type != PT_LOAD || !(ph[i].flags & PF_X))
            continue;
        struct segment s = {bias + ph[i].vaddr, &lnx_fast.nsites};
        lnx_scan((const uint8_t *)s.va, ph[i].filesz, found, &s, &lnx_fast.scan);
    }
}

void lnx_fast_setup(const struct los_info *in)
{
    if (!in->phdr || !trampoline())
        return;
    lnx_fast.on = 1;
    next_fault = los_upcall_handle(EXO_UPCALL_FAULT, lnx_site_fault);
    scan_object((const struct phdr *)in->phdr, in->phnum, in->bias);
    /* A dynamic binary's interpreter (ld.so, loaded by pm at interp_base and checked there):
     * its headers lie in its first page, as in every shared object; the libraries it maps
     * later are scanned as it maps them (lnx_fast_mapped). */
    const uint8_t *ih = (const uint8_t *)in->interp_base;
    if (ih && exo_page_lookup(EXO_CAP_SELF, in->interp_base) >= 0) {
        uint64_t phoff = *(const uint64_t *)(ih + 32), phnum = *(const uint16_t *)(ih + 56);
        if (phoff + phnum * sizeof(struct phdr) <= EXO_PAGE)
            scan_object((const struct phdr *)(ih + phoff), phnum, in->interp_base);
    }
    /* Ascending (segments come in any order in the headers): insertion, over a few hundred. */
    for (uint32_t i = 1; i < lnx_fast.nsites; i++)
        for (uint32_t j = i; j > 0 && sites[j - 1] > sites[j]; j--) {
            uint64_t t = sites[j];
            sites[j] = sites[j - 1];
            sites[j - 1] = t;
        }
    uint32_t kept = 0;
    for (uint32_t i = 0; i < lnx_fast.nsites;)
        i += rewrite_page(i, lnx_fast.nsites, &kept);
    lnx_fast.nsites = kept;
}

static void reverse(uint32_t i, uint32_t j)
{
    for (; i + 1 < j; i++, j--) {
        uint64_t t = sites[i];
        sites[i] = sites[j - 1];
        sites[j - 1] = t;
    }
}

/* Drops the sites in [lo, hi) from the table: their code is gone (munmap, or a new mapping over
 * it), and a later mapping there must not inherit them. */
static void drop_sites(uint64_t lo, uint64_t hi)
{
    uint32_t i = lower_bound(lo), j = lower_bound(hi), n = lnx_fast.nsites;
    if (i == j)
        return;
    table_begin();
    for (uint32_t k = j; k < n; k++)
        sites[i + k - j] = sites[k];
    lnx_fast.nsites = n - (j - i);
    table_end();
}

struct elf_head { /* Elf64_Ehdr, as far as e_phnum */
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum;
};

#define MAX_PH 32
static struct phdr map_ph[MAX_PH]; /* the mapped file's headers (under the layout lock) */

/* The program headers of the ELF file fd names (read by pread: the file, not what memory holds
 * of it), into map_ph: how many, 0 if it is no x86-64 ELF file this can read. */
static uint32_t file_headers(long fd)
{
    struct elf_head h;
    long a[6] = {fd, (long)&h, sizeof h, 0, 0, 0};
    if (posix_pread64(a) != (long)sizeof h || h.ident[0] != 0x7f || h.ident[1] != 'E' ||
        h.ident[2] != 'L' || h.ident[3] != 'F' || h.ident[4] != 2 /* 64-bit */ ||
        h.machine != 62 /* x86-64 */ || h.phentsize != sizeof(struct phdr) || !h.phnum ||
        h.phnum > MAX_PH)
        return 0;
    long b[6] = {fd, (long)map_ph, (long)(h.phnum * sizeof(struct phdr)), (long)h.phoff, 0, 0};
    return posix_pread64(b) == (long)(h.phnum * sizeof(struct phdr)) ? h.phnum : 0;
}

void posix_memory_lock(void);
void posix_memory_unlock(void);

/* A private file mapping [lo, lo + len) of fd's bytes from off, just made executable: the
 * executable segments whose first byte it holds swept from there, their sites rewritten in
 * memory (the process's own copy of the file's bytes) and merged into the table. */
static void scan_mapping(uint64_t lo, uint64_t len, long fd, uint64_t off)
{
    uint64_t vlo, vhi, voff;
    posix_memory_lock(); /* no other thread unmaps or forks meanwhile */
    if (!posix_memory_file_at(lo, &vlo, &vhi, &voff) || vlo != lo || vhi < lo + len ||
        voff != off || los_cow_break_range(lo, lo + len) < 0) {
        posix_memory_unlock();
        return;
    }
    uint32_t nph = file_headers(fd), n0 = lnx_fast.nsites, end = n0;
    for (uint32_t i = 0; i < nph; i++) {
        uint64_t n;
        if (map_ph[i].type != PT_LOAD || !(map_ph[i].flags & PF_X))
            continue;
        int64_t at = lnx_seg_range(off, len, map_ph[i].offset, map_ph[i].filesz, &n);
        if (at < 0)
            continue;
        /* (bytes past the file's end have no page: the sweep stops at the last one there) */
        uint64_t va = lo + (uint64_t)at, have = 0;
        while (have < n && exo_page_lookup(EXO_CAP_SELF, (va + have) & ~(EXO_PAGE - 1)) >= 0)
            have = ((va + have) & ~(EXO_PAGE - 1)) + EXO_PAGE - va;
        struct segment s = {va, &end};
        lnx_scan((const uint8_t *)va, have < n ? have : n, found, &s, &lnx_fast.scan);
    }
    /* The new sites, sites[n0, end), ascending within each segment; segments in file order are
     * ascending in memory too, but sort them to be sure (a few hundred). */
    for (uint32_t i = n0 + 1; i < end; i++)
        for (uint32_t j = i; j > n0 && sites[j - 1] > sites[j]; j--) {
            uint64_t t = sites[j];
            sites[j] = sites[j - 1];
            sites[j - 1] = t;
        }
    uint32_t kept = n0;
    for (uint32_t i = n0; i < end;)
        i += rewrite_page(i, end, &kept);
    if (kept > n0) {
        /* In place: the table's sites from the first above the new ones rotated past them
         * (none of the old lies in [lo, lo + len): dropped with the mapping's making). */
        uint32_t p = lower_bound(sites[n0]);
        table_begin();
        reverse(p, n0);
        reverse(n0, kept);
        reverse(p, kept);
        lnx_fast.nsites = kept;
        table_end();
    }
    posix_memory_unlock();
}

/* mremap of [old, old + olen) to [to, to + nlen): the sites of what moved move with it (their
 * bytes are rewritten already: left out of the table, their calls would be stray), those of
 * what was cut off or replaced at to go. */
static void moved(uint64_t old, uint64_t olen, uint64_t nlen, uint64_t to)
{
    posix_memory_lock();
    if (nlen < olen) {
        drop_sites(old + nlen, old + olen);
        olen = nlen;
    }
    if (to != old) {
        drop_sites(to, to + nlen); /* (Linux's ranges never overlap) */
        uint32_t i = lower_bound(old), j = lower_bound(old + olen);
        if (i < j) {
            table_begin();
            for (uint32_t k = i; k < j; k++)
                sites[k] += to - old;
            for (uint32_t k = 1; k < lnx_fast.nsites; k++) /* ascending again */
                for (uint32_t m = k; m > 0 && sites[m - 1] > sites[m]; m--) {
                    uint64_t t = sites[m];
                    sites[m] = sites[m - 1];
                    sites[m - 1] = t;
                }
            table_end();
        }
    }
    posix_memory_unlock();
}

void lnx_fast_mapped(long n, const long a[6], long r)
{
    const uint64_t page = EXO_PAGE - 1;
    if ((unsigned long)r >= (unsigned long)-4095)
        return; /* refused: nothing changed */
    uint64_t len = ((uint64_t)a[1] + page) & ~page;
    if (n == LNX_munmap) {
        posix_memory_lock();
        drop_sites((uint64_t)a[0], (uint64_t)a[0] + len);
        posix_memory_unlock();
        return;
    }
    if (n == LNX_mremap) {
        moved((uint64_t)a[0], len, ((uint64_t)a[2] + page) & ~page, (uint64_t)r);
        return;
    }
    if (n != LNX_mmap)
        return;
    posix_memory_lock();
    drop_sites((uint64_t)r, (uint64_t)r + len); /* what a MAP_FIXED replaced */
    posix_memory_unlock();
    /* Only a private file mapping: code made at run time (anonymous memory, a shared mapping
     * another process may write) stays on the trap, where no byte of it is changed. */
    if (lnx_fast.on && (a[2] & LNX_PROT_EXEC) && (a[3] & 3) == LNX_MAP_PRIVATE &&
        !(a[3] & LNX_MAP_ANONYMOUS))
        scan_mapping((uint64_t)r, len, a[4], (uint64_t)a[5]);
}

int lnx_fast_site(uint64_t va)
{
    for (;;) {
        uint32_t seq = __atomic_load_n(&sites_seq, __ATOMIC_ACQUIRE);
        if (seq & 1) {
            __asm__ volatile("pause");
            continue;
        }
        uint32_t i = lower_bound(va);
        int r = i < lnx_fast.nsites && sites[i] == va;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&sites_seq, __ATOMIC_RELAXED) == seq)
            return r;
    }
}
