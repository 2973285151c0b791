/*
 * test_elf.c: host unit test of common/elf.c, the ELF64 checker shared by the loader, exo and
 * the libOS.
 *
 * Each case starts from one valid in-memory kernel image (two PT_LOADs at the kernel link
 * address, like exo.elf), breaks exactly one thing, and asserts the exact error code.
 */
#include <check.h>

#include <common/elf.h>
#include <exo/abi.h>
#include <exo/bootinfo.h>

#define KBASE EXO_KERNEL_BASE /* the range the EFI loader allows: the top of memory */

#define IMG_SIZE 0x3000u
#define TEXT_VA 0xffffffff80100000ull
#define DATA_VA 0xffffffff80102000ull

struct image {
    uint8_t bytes[IMG_SIZE];
    uint64_t size; /* what is passed to exo_elf_check */
};

static struct exo_elf64_ehdr *eh(struct image *im)
{
    return (struct exo_elf64_ehdr *)im->bytes;
}

static struct exo_elf64_phdr *ph(struct image *im, int i)
{
    return (struct exo_elf64_phdr *)(im->bytes + sizeof(struct exo_elf64_ehdr)) + i;
}

/* A good image: a note header, .text (0x1800 bytes) and .data+.bss (0x100 file, 0x5000 mem). */
static void make_valid(struct image *im)
{
    memset(im, 0, sizeof(*im));
    im->size = IMG_SIZE;
    struct exo_elf64_ehdr *e = eh(im);
    memcpy(e->e_ident,
           "\x7f"
           "ELF",
           4);
    e->e_ident[4] = EXO_ELFCLASS64;
    e->e_ident[5] = EXO_ELFDATA2LSB;
    e->e_ident[6] = EXO_EV_CURRENT;
    e->e_type = EXO_ET_EXEC;
    e->e_machine = EXO_EM_X86_64;
    e->e_version = EXO_EV_CURRENT;
    e->e_entry = TEXT_VA + 0x10;
    e->e_phoff = sizeof(struct exo_elf64_ehdr);
    e->e_ehsize = sizeof(struct exo_elf64_ehdr);
    e->e_phentsize = sizeof(struct exo_elf64_phdr);
    e->e_phnum = 3;

    *ph(im, 0) = (struct exo_elf64_phdr){
        .p_type = 4 /* PT_NOTE */, .p_offset = 0x200, .p_filesz = 0x20, .p_memsz = 0x20};
    *ph(im, 1) = (struct exo_elf64_phdr){.p_type = EXO_PT_LOAD,
                                         .p_offset = 0x1000,
                                         .p_vaddr = TEXT_VA,
                                         .p_paddr = 0x100000,
                                         .p_filesz = 0x1800,
                                         .p_memsz = 0x1800,
                                         .p_align = 0x1000};
    *ph(im, 2) = (struct exo_elf64_phdr){.p_type = EXO_PT_LOAD,
                                         .p_offset = 0x2800,
                                         .p_vaddr = DATA_VA + 0x800,
                                         .p_paddr = 0x102800,
                                         .p_filesz = 0x100,
                                         .p_memsz = 0x5000,
                                         .p_align = 0x1000};
}

typedef void (*mutator)(struct image *);

static void m_none(struct image *im)
{
    (void)im;
}
static void m_magic(struct image *im)
{
    eh(im)->e_ident[1] = 'e';
}
static void m_class32(struct image *im)
{
    eh(im)->e_ident[4] = 1; /* ELFCLASS32 */
}
static void m_bigendian(struct image *im)
{
    eh(im)->e_ident[5] = 2; /* ELFDATA2MSB */
}
static void m_ident_version(struct image *im)
{
    eh(im)->e_ident[6] = 0;
}
static void m_version(struct image *im)
{
    eh(im)->e_version = 2;
}
static void m_machine(struct image *im)
{
    eh(im)->e_machine = 3; /* EM_386 */
}
static void m_dyn(struct image *im)
{
    eh(im)->e_type = 3; /* ET_DYN */
}
static void m_rel(struct image *im)
{
    eh(im)->e_type = 1; /* ET_REL */
}
static void m_truncated(struct image *im)
{
    im->size = sizeof(struct exo_elf64_ehdr) - 1;
}
static void m_empty(struct image *im)
{
    im->size = 0;
}
static void m_ehsize(struct image *im)
{
    eh(im)->e_ehsize = 52;
}
static void m_phentsize(struct image *im)
{
    eh(im)->e_phentsize = 32;
}
static void m_phoff_beyond(struct image *im)
{
    eh(im)->e_phoff = IMG_SIZE + 8;
}
static void m_phoff_tail(struct image *im)
{
    eh(im)->e_phoff = IMG_SIZE - 56; /* 3 don't fit */
}
static void m_phnum_overflow(struct image *im)
{
    eh(im)->e_phoff = UINT64_MAX - 100;
    eh(im)->e_phnum = 0xffff;
}
static void m_filesz(struct image *im)
{
    ph(im, 2)->p_filesz = ph(im, 2)->p_memsz + 1;
}
static void m_seg_past_eof(struct image *im)
{
    ph(im, 2)->p_filesz = 0x900; /* 0x2800+0x900 */
}
static void m_seg_offset_wrap(struct image *im)
{
    ph(im, 2)->p_offset = UINT64_MAX - 0x10;
}
static void m_seg_vaddr_wrap(struct image *im)
{
    ph(im, 2)->p_vaddr = UINT64_MAX - 0x1000;
}
static void m_below_base(struct image *im)
{
    ph(im, 1)->p_vaddr = EXO_KERNEL_BASE - 0x1000;
}
static void m_low_half(struct image *im)
{
    ph(im, 2)->p_vaddr = 0x100000;
}
static void m_entry_outside(struct image *im)
{
    eh(im)->e_entry = DATA_VA + 0x800 + 0x5000;
}
static void m_entry_gap(struct image *im)
{
    eh(im)->e_entry = TEXT_VA + 0x1900;
}
static void m_no_load(struct image *im)
{
    ph(im, 1)->p_type = 6;          /* PT_PHDR */
    ph(im, 2)->p_type = 0x6474e551; /* PT_GNU_STACK */
}
static void m_no_phdrs(struct image *im)
{
    eh(im)->e_phnum = 0;
}
static void m_span(struct image *im)
{
    ph(im, 2)->p_memsz = (1ull << 30);
}
static void m_span_exact(struct image *im)
{
    /* lo = TEXT_VA, end rounds up to exactly TEXT_VA + 1 GiB: the limit is exclusive. */
    ph(im, 2)->p_memsz = TEXT_VA + (1ull << 30) - (DATA_VA + 0x800) - 0x10;
}
static void m_span_just_ok(struct image *im)
{
    ph(im, 2)->p_memsz = TEXT_VA + (1ull << 30) - 0x1000 - (DATA_VA + 0x800);
}
static void m_entry_last_byte(struct image *im)
{
    eh(im)->e_entry = DATA_VA + 0x800 + 0x4fff;
}
static void m_unaligned_lo(struct image *im)
{
    ph(im, 1)->p_vaddr = TEXT_VA + 0x123;
    eh(im)->e_entry = TEXT_VA + 0x200;
}

struct test_case {
    const char *name;
    mutator mutate;
    int expect;
};

static const struct test_case cases[] = {
    {"valid", m_none, EXO_ELF_OK},
    {"bad magic", m_magic, EXO_ELF_ERR_MAGIC},
    {"32-bit class", m_class32, EXO_ELF_ERR_CLASS},
    {"big-endian", m_bigendian, EXO_ELF_ERR_DATA},
    {"e_ident version 0", m_ident_version, EXO_ELF_ERR_VERSION},
    {"e_version 2", m_version, EXO_ELF_ERR_VERSION},
    {"wrong machine", m_machine, EXO_ELF_ERR_MACHINE},
    {"ET_DYN", m_dyn, EXO_ELF_ERR_TYPE},
    {"ET_REL", m_rel, EXO_ELF_ERR_TYPE},
    {"truncated below ehdr", m_truncated, EXO_ELF_ERR_TRUNCATED},
    {"empty file", m_empty, EXO_ELF_ERR_TRUNCATED},
    {"wrong ehsize", m_ehsize, EXO_ELF_ERR_EHSIZE},
    {"wrong phentsize", m_phentsize, EXO_ELF_ERR_PHENTSIZE},
    {"phoff beyond file", m_phoff_beyond, EXO_ELF_ERR_PH_RANGE},
    {"phdrs cross EOF", m_phoff_tail, EXO_ELF_ERR_PH_RANGE},
    {"phnum*phentsize overflow", m_phnum_overflow, EXO_ELF_ERR_PH_OVERFLOW},
    {"filesz > memsz", m_filesz, EXO_ELF_ERR_SEG_SIZE},
    {"segment past EOF", m_seg_past_eof, EXO_ELF_ERR_SEG_FILE},
    {"segment offset wraps", m_seg_offset_wrap, EXO_ELF_ERR_SEG_FILE},
    {"segment vaddr wraps", m_seg_vaddr_wrap, EXO_ELF_ERR_SEG_WRAP},
    {"vaddr below kernel base", m_below_base, EXO_ELF_ERR_SEG_VADDR},
    {"vaddr in low half", m_low_half, EXO_ELF_ERR_SEG_VADDR},
    {"entry outside PT_LOADs", m_entry_outside, EXO_ELF_ERR_ENTRY},
    {"entry in gap", m_entry_gap, EXO_ELF_ERR_ENTRY},
    {"no PT_LOAD", m_no_load, EXO_ELF_ERR_NO_LOAD},
    {"no phdrs", m_no_phdrs, EXO_ELF_ERR_NO_LOAD},
    {"span too big", m_span, EXO_ELF_ERR_SPAN},
    {"span exactly 1 GiB", m_span_exact, EXO_ELF_ERR_SPAN},
    {"span 1 GiB - 4 KiB", m_span_just_ok, EXO_ELF_OK},
    {"entry on last byte", m_entry_last_byte, EXO_ELF_OK},
    {"unaligned lowest vaddr", m_unaligned_lo, EXO_ELF_OK},
};

static struct image im_storage;

static void expect_u64(const char *name, const char *what, uint64_t got, uint64_t want)
{
    CHECK_MSG(got == want, "%s: %s = 0x%llx, want 0x%llx", name, what, (unsigned long long)got,
              (unsigned long long)want);
}

/* What exo_elf_each_load hands a loader, recorded; a negative `stop_at` result ends the walk. */
struct seen {
    int n, stop_at;
    struct exo_elf_load s[4];
};

static int64_t record(void *ctx, const struct exo_elf_load *s)
{
    struct seen *v = ctx;
    if (v->n < 4)
        v->s[v->n] = *s;
    return ++v->n == v->stop_at ? -42 : 0;
}

TEST_CASE(each_load_walks_pt_loads)
{
    struct image *im = &im_storage;
    make_valid(im);
    ph(im, 1)->p_flags = 5; /* R X */
    ph(im, 2)->p_flags = 6; /* R W */
    struct seen v = {0, 0, {{0}}};
    expect_u64("each_load", "result", (uint64_t)exo_elf_each_load(im->bytes, record, &v), 0);
    expect_u64("each_load", "segments (the note skipped)", (uint64_t)v.n, 2);
    expect_u64("each_load", "text va", v.s[0].va, TEXT_VA);
    expect_u64("each_load", "text memsz", v.s[0].memsz, 0x1800);
    expect_u64("each_load", "text src", (uint64_t)(v.s[0].src - im->bytes), 0x1000);
    expect_u64("each_load", "text filesz", v.s[0].filesz, 0x1800);
    expect_u64("each_load", "text prot", v.s[0].prot, EXO_PROT_R | EXO_PROT_X);
    expect_u64("each_load", "data va", v.s[1].va, DATA_VA + 0x800);
    expect_u64("each_load", "data memsz", v.s[1].memsz, 0x5000);
    expect_u64("each_load", "data filesz", v.s[1].filesz, 0x100);
    expect_u64("each_load", "data prot", v.s[1].prot, EXO_PROT_R | EXO_PROT_W);
    struct seen stop = {0, 1, {{0}}};
    expect_u64("each_load", "error passed on",
               (uint64_t)exo_elf_each_load(im->bytes, record, &stop), (uint64_t)-42);
    expect_u64("each_load", "stops at the error", (uint64_t)stop.n, 1);
}

/* Each mutation of the valid image gives its exact error, and every error has a message. */
TEST_CASE(error_table)
{
    struct image *im = &im_storage;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct test_case *c = &cases[i];
        make_valid(im);
        c->mutate(im);
        struct exo_elf_info info;
        int got = exo_elf_check(im->bytes, im->size, KBASE, 0, &info);
        CHECK_MSG(got == c->expect, "%s: got %d (%s), want %d (%s)", c->name, got,
                  exo_elf_strerror(got), c->expect, exo_elf_strerror(c->expect));
        CHECK_MSG(c->expect == EXO_ELF_OK ||
                      strcmp(exo_elf_strerror(c->expect), "unknown ELF error") != 0,
                  "%s: no message for %d", c->name, c->expect);
    }
}

/* The exact geometry of the valid image. */
TEST_CASE(valid_geometry)
{
    struct image *im = &im_storage;
    make_valid(im);
    struct exo_elf_info info;
    memset(&info, 0xa5, sizeof(info));
    expect_u64("valid", "result", (uint64_t)exo_elf_check(im->bytes, im->size, KBASE, 0, &info), 0);
    expect_u64("valid", "entry", info.entry, TEXT_VA + 0x10);
    expect_u64("valid", "virt_lo", info.virt_lo, TEXT_VA);
    expect_u64("valid", "span", info.span,
               0x8000); /* DATA_VA + 0x800 + 0x5000 = +0x7800, page up */
    expect_u64("valid", "nload", info.nload, 2);

    make_valid(im);
    m_unaligned_lo(im);
    expect_u64("unaligned", "result", (uint64_t)exo_elf_check(im->bytes, im->size, KBASE, 0, &info),
               0);
    expect_u64("unaligned", "virt_lo", info.virt_lo, TEXT_VA);
    expect_u64("unaligned", "span", info.span, 0x8000);
}

/* The allowed range is the caller's: the same image is refused for a range it overflows (its
 * data segment ends at DATA_VA + 0x5800) or starts above. */
TEST_CASE(caller_range)
{
    struct image *im = &im_storage;
    make_valid(im);
    expect_u64("range", "hi cuts the data segment",
               (uint64_t)exo_elf_check(im->bytes, im->size, KBASE, DATA_VA + 0x1000, NULL),
               (uint64_t)EXO_ELF_ERR_SEG_VADDR);
    expect_u64("range", "hi just fits",
               (uint64_t)exo_elf_check(im->bytes, im->size, KBASE, DATA_VA + 0x5800, NULL), 0);
    expect_u64("range", "user range refuses a kernel image",
               (uint64_t)exo_elf_check(im->bytes, im->size, 0x1000, 1ull << 47, NULL),
               (uint64_t)EXO_ELF_ERR_SEG_VADDR);
}

/* Works on an unaligned buffer and with a NULL info. */
TEST_CASE(unaligned_buffer)
{
    struct image *im = &im_storage;
    static uint8_t shifted[IMG_SIZE + 1];
    make_valid(im);
    memcpy(shifted + 1, im->bytes, IMG_SIZE);
    expect_u64("unaligned buffer", "result",
               (uint64_t)exo_elf_check(shifted + 1, IMG_SIZE, KBASE, 0, NULL), 0);
    struct exo_elf64_phdr p;
    exo_elf_phdr(shifted + 1, 2, &p);
    expect_u64("unaligned buffer", "phdr[2].p_vaddr", p.p_vaddr, DATA_VA + 0x800);
    expect_u64("NULL image", "result", (uint64_t)exo_elf_check(NULL, 100, KBASE, 0, NULL),
               (uint64_t)(int64_t)EXO_ELF_ERR_TRUNCATED);
}

/* Page filling: a segment of 0x1800 file bytes at 0x10800 spans three pages. */
TEST_CASE(fill_page)
{
    static uint8_t src[0x1800], page[EXO_PAGE];
    for (unsigned i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 7 + 1);
    memset(page, 0, sizeof page);
    exo_elf_fill_page(page, 0x10000, 0x10800, src, sizeof src); /* starts mid-page */
    expect_u64("fill", "before the segment stays zero", page[0x7ff], 0);
    expect_u64("fill", "first byte", page[0x800], src[0]);
    expect_u64("fill", "last byte of page 1", page[0xfff], src[0x7ff]);
    memset(page, 0, sizeof page);
    exo_elf_fill_page(page, 0x11000, 0x10800, src, sizeof src); /* wholly inside */
    expect_u64("fill", "page 2 starts at src[0x800]", page[0], src[0x800]);
    expect_u64("fill", "page 2 ends at src[0x17ff]", page[0xfff], src[0x17ff]);
    memset(page, 0, sizeof page);
    exo_elf_fill_page(page, 0x12000, 0x10800, src, sizeof src); /* past filesz: .bss */
    expect_u64("fill", "bss page stays zero", page[0] | page[0xfff], 0);
}

/* A static-PIE image (ET_DYN, segments from 0): exo_elf_check refuses it, exo_elf_check_at
 * takes it at a page-aligned bias (entry, range and segments moved by it), refuses a bias
 * that is not a page or a PT_INTERP (a dynamic executable: exo_elf_check_prog takes it), and
 * leaves ET_EXEC unmoved. */
TEST_CASE(static_pie_at_a_bias)
{
    const uint64_t bias = 0x555555554000ull;
    struct image *im = &im_storage;
    make_valid(im);
    eh(im)->e_type = EXO_ET_DYN;
    eh(im)->e_entry = 0x10;
    ph(im, 1)->p_vaddr = 0;
    ph(im, 2)->p_vaddr = 0x2800;
    struct exo_elf_info info;
    expect_u64("pie", "exo_elf_check",
               (uint64_t)exo_elf_check(im->bytes, im->size, 0x1000, 1ull << 47, &info),
               (uint64_t)EXO_ELF_ERR_TYPE);
    expect_u64("pie", "at bias",
               (uint64_t)exo_elf_check_at(im->bytes, im->size, bias, 0x1000, 1ull << 47, &info), 0);
    expect_u64("pie", "entry", info.entry, bias + 0x10);
    expect_u64("pie", "virt_lo", info.virt_lo, bias);
    expect_u64("pie", "span", info.span, 0x8000);
    expect_u64("pie", "at 0: below the allowed range",
               (uint64_t)exo_elf_check_at(im->bytes, im->size, 0, 0x1000, 1ull << 47, &info),
               (uint64_t)EXO_ELF_ERR_SEG_VADDR);
    expect_u64("pie", "unaligned bias",
               (uint64_t)exo_elf_check_at(im->bytes, im->size, bias + 8, 0x1000, 1ull << 47, &info),
               (uint64_t)EXO_ELF_ERR_SEG_WRAP);
    expect_u64(
        "pie", "bias past the top",
        (uint64_t)exo_elf_check_at(im->bytes, im->size, 1ull << 47, 0x1000, 1ull << 47, &info),
        (uint64_t)EXO_ELF_ERR_SEG_VADDR);
    struct seen v = {0, 0, {{0}}};
    expect_u64("pie", "each_load_at", (uint64_t)exo_elf_each_load_at(im->bytes, bias, record, &v),
               0);
    expect_u64("pie", "text va", v.s[0].va, bias);
    expect_u64("pie", "data va", v.s[1].va, bias + 0x2800);
    ph(im, 0)->p_type = EXO_PT_INTERP;
    expect_u64("pie", "PT_INTERP",
               (uint64_t)exo_elf_check_at(im->bytes, im->size, bias, 0x1000, 1ull << 47, &info),
               (uint64_t)EXO_ELF_ERR_TYPE);
    /* exo_elf_check_prog (a loader that maps the interpreter too): the same PIE, taken */
    expect_u64("pie", "PT_INTERP, check_prog",
               (uint64_t)exo_elf_check_prog(im->bytes, im->size, bias, 0x1000, 1ull << 47, &info),
               0);
    expect_u64("pie", "check_prog entry", info.entry, bias + 0x10);
    make_valid(im); /* ET_EXEC: where it says, whatever the bias */
    expect_u64("exec", "at bias",
               (uint64_t)exo_elf_check_at(im->bytes, im->size, bias, KBASE, 0, &info), 0);
    expect_u64("exec", "entry", info.entry, TEXT_VA + 0x10);
    struct seen w = {0, 0, {{0}}};
    exo_elf_each_load_at(im->bytes, bias, record, &w);
    expect_u64("exec", "text va", w.s[0].va, TEXT_VA);
}
