/*
 * fastpath.c: the binary's `syscall`s turned into direct calls into the runtime (the zpoline
 * idea), done once at the start, before the binary's first instruction. The trampoline page at
 * VA 0 holds a nop sled, then at 512 a jump to lnx_fast_entry (entry.S) through the pointer
 * on the page at LNX_FAST_PTR_VA, then hlt to the page's end; each `syscall` (0f 05) the
 * scanner (scan.c) judges safe in the binary's executable segments (and its interpreter's, a
 * dynamic binary's ld.so), in memory, becomes
 * `call *%rax` (ff d0): with rax the call's number, the call lands in the sled at that number
 * and slides into the runtime, no trap. No Linux number is above 511 (x32's carry bit 30):
 * any other lands on a byte that faults (or on the jump itself: ENOSYS as any), or calls an
 * address outside the page, which faults too, and lnx_site_fault makes that fault the -ENOSYS
 * the `syscall` would have returned. The file is never changed: pm loaded the segments into
 * pages of this env's own, and only those are written. What is not rewritten (code the binary
 * makes at run time, sites the scanner is unsure of) still traps and is reflected as before.
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

#include <los/los.h>
#include <los/spawn.h>
#include <los/upcall.h>
#include <thread/thread.h>

/* Numbers below SLED slide into the jump: every number of Linux's 64-bit table (it ends near
 * 460; x32's numbers carry bit 30). The sled is nops of 15 bytes (14 operand-size prefixes and
 * 0x90, the longest instruction x86 allows), so a call slides in one instruction per 15 bytes,
 * not one per byte, and one that lands inside a nop runs a shorter one to the same end. The
 * jump is `jmp *rel32(%rip)` (ff 25 fa ed 00 00), its target read from the pointer page: no
 * register holds it, so a number that lands on it goes to lnx_fast_entry with rax intact
 * (ENOSYS); one that lands inside it runs "and $0xedfa,%eax" (513), cli (514), "in (%dx),%eax"
 * (515), "add %al,(%rax)" (516, a store to the page) or "add %dh,%ah" (517), each ending at a
 * fault (hlt follows: #GP) having changed at most rax and the flags, which the call's result
 * replaces (C code keeps nothing in the flags across a `syscall`). Linux never maps below 64 KiB
 * (mmap_min_addr): the pointer page at 60 KiB is read-only data no Linux program can have
 * there. */
#define SLED 512
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
    for (uint32_t i = 0; i < SLED; i++) /* 66 ... 66 90: a nop, whatever byte it starts at */
        p[i] = i % NOP_LEN == NOP_LEN - 1 || i == SLED - 1 ? 0x90 : 0x66;
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

struct segment {
    uint64_t va;
};

static void found(void *ctx, uint64_t off, int verdict)
{
    const struct segment *s = ctx;
    if (verdict != LNX_SITE_REWRITE)
        return;
    if (lnx_fast.nsites == MAX_SITES) {
        lnx_fast.full++;
        return;
    }
    sites[lnx_fast.nsites++] = s->va + off;
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
static uint32_t rewrite_page(uint32_t i, uint32_t *kept)
{
    uint64_t page = sites[i] & ~(EXO_PAGE - 1), prot, prot2 = 0;
    int open = open_page(page, &prot), open2 = 0;
    uint32_t k = i;
    for (; k < lnx_fast.nsites && (sites[k] & ~(EXO_PAGE - 1)) == page; k++) {
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
        struct segment s = {bias + ph[i].vaddr};
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
     * later are not scanned (their calls trap). */
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
        i += rewrite_page(i, &kept);
    lnx_fast.nsites = kept;
}

int lnx_fast_site(uint64_t va)
{
    uint32_t lo = 0, hi = lnx_fast.nsites;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sites[mid] == va)
            return 1;
        if (sites[mid] < va)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}
