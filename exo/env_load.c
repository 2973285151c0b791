/*
 * env_load.c: loading init from the boot archive (see env_load.h). The ELF is checked with the
 * same code the EFI loader uses, against the user half of the address space.
 */
#include <common/archive.h>
#include <exo/console.h>
#include <common/elf.h>
#include <exo/env.h>
#include <exo/env_load.h>
#include <exo/error.h>
#include <exo/irq.h>
#include <exo/vio.h>
#include <exo/page.h>
#include <exo/pmap.h>
#include <exo/vm.h>

extern struct exo_pages exo_pages;

/* The page of e mapped at va, taking and mapping a zeroed one if there is none yet. */
static int page_at(struct env *e, uint64_t va, uint32_t prot, uint8_t **mem)
{
    uint32_t old;
    uint64_t pte = pmap_lookup(e->pml4, va, &old), ppn;
    if (pte) {
        ppn = (pte & PTE_ADDR) >> EXO_PAGE_SHIFT;
        prot |= old; /* two segments sharing a page: the union of their rights */
    } else {
        int r = exo_page_alloc(&exo_pages, e->id, &ppn);
        if (r < 0)
            return r;
        vm_page_zero(ppn);
    }
    *mem = phys_to_virt(ppn * EXO_PAGE);
    return pmap_enter(e->pml4, va, ppn, prot);
}

/* Maps [va, va + memsz) in e with prot, filled from src[0, filesz) and zeros after. */
static int load_range(struct env *e, uint64_t va, uint64_t memsz, const uint8_t *src,
                      uint64_t filesz, uint32_t prot)
{
    for (uint64_t p = va & ~(EXO_PAGE - 1); p < va + memsz; p += EXO_PAGE) {
        uint8_t *mem;
        int r = page_at(e, p, prot, &mem);
        if (r < 0)
            return r;
        exo_elf_fill_page(mem, p, va, src, filesz);
    }
    return EXO_OK;
}

/* One PT_LOAD segment of init (exo_elf_each_load). */
static int64_t load_segment(void *e, const struct exo_elf_load *s)
{
    return load_range(e, s->va, s->memsz, s->src, s->filesz, s->prot);
}

/* Copies the command line to the top of e's stack; returns its address (the new stack top is
 * just below it, 16-byte aligned). */
static uint64_t push_cmdline(struct env *e, const char *cmdline)
{
    uint64_t len = 0;
    while (cmdline[len])
        len++;
    uint64_t va = (EXO_INIT_STACK_TOP - (len + 1)) & ~15ull;
    if (user_copy_to(e, va, cmdline, len + 1) < 0)
        return 0;
    return va;
}

int env_load_init(const void *archive, uint64_t size, const char *cmdline)
{
    struct exo_archive_entry f;
    int r = exo_archive_find(archive, size, "init", &f);
    if (r < 0)
        return r;
    struct exo_elf_info info;
    r = exo_elf_check(f.data, f.size, EXO_PAGE, EXO_USER_TOP, &info);
    if (r < 0) {
        kprintf("exo: init: %s\n", exo_elf_strerror(r));
        return EXO_E_INVAL;
    }
    struct env *e;
    r = env_alloc(0, &e);
    if (r < 0)
        return r;
    r = (int)exo_elf_each_load(f.data, load_segment, e);
    if (r == EXO_OK)
        r = load_range(e, EXO_INIT_STACK_TOP - EXO_INIT_STACK_PAGES * EXO_PAGE,
                       EXO_INIT_STACK_PAGES * EXO_PAGE, NULL, 0, EXO_PROT_R | EXO_PROT_W);
    if (r == EXO_OK)
        r = load_range(e, EXO_INIT_ARCHIVE_VA, size, archive, size, EXO_PROT_R);
    if (r < 0) {
        env_free(e);
        return r;
    }
    uint64_t cmd = push_cmdline(e, cmdline);
    e->tf = (struct trapframe){.rip = info.entry,
                               .rsp = cmd,
                               .rdi = EXO_INIT_ARCHIVE_VA,
                               .rsi = size,
                               .rdx = cmd,
                               .rflags = 0x202};
    e->state = ENV_RUNNABLE;
    irq_cap_init(e); /* init alone starts with the device vectors (EXO_CAP_IRQS) */
    vio_cap_init(e); /* and the virtio devices (EXO_CAP_DEVS) */
    return (int)e->id;
}
