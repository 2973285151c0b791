/*
 * test_spawn.c: a refused spawn leaves no trace. Images the ELF checker refuses, and one too
 * big for memory that fails half loaded, are spawned again and again; afterwards exactly as
 * many pages and env slots are free as before.
 */
#include "exotest.h"

#include <common/elf.h>

#define KEEP 512 /* free pages left while the test runs: every count stays this cheap */
#define ROUNDS 8
#define BIG_VA 0x40000000ull

/* An image that passes the checker but needs 1 GiB - 2 pages of memory: its load runs out. */
static struct {
    struct exo_elf64_ehdr eh;
    struct exo_elf64_phdr ph;
} img;

static void make_big(void)
{
    img.eh = (struct exo_elf64_ehdr){
        .e_ident = {0x7f, 'E', 'L', 'F', EXO_ELFCLASS64, EXO_ELFDATA2LSB, EXO_EV_CURRENT},
        .e_type = EXO_ET_EXEC,
        .e_machine = EXO_EM_X86_64,
        .e_version = EXO_EV_CURRENT,
        .e_entry = BIG_VA,
        .e_phoff = sizeof img.eh,
        .e_ehsize = sizeof img.eh,
        .e_phentsize = sizeof img.ph,
        .e_phnum = 1,
    };
    img.ph = (struct exo_elf64_phdr){.p_type = EXO_PT_LOAD,
                                     .p_flags = 6,
                                     .p_vaddr = BIG_VA,
                                     .p_memsz = EXO_ELF_MAX_SPAN - 2 * EXO_PAGE};
}

static uint64_t held[KEEP];

/* Free pages, exactly: takes them all, counts, gives them back (-1 if more than KEEP). */
static int64_t free_pages(void)
{
    int64_t n = 0, p;
    while ((p = exo_page_alloc(EXO_CAP_SELF, EXO_ANY)) >= 0 && n < KEEP)
        held[n++] = (uint64_t)p;
    int64_t over = p >= 0 || p != EXO_E_NOMEM;
    if (p >= 0)
        exo_page_free(EXO_CAP_SELF, (uint64_t)p);
    for (int64_t i = 0; i < n; i++)
        exo_page_free(EXO_CAP_SELF, held[i]);
    return over ? -1 : n;
}

/* Env slots left, exactly: creates envs until exo refuses, then destroys them. */
static int64_t free_envs(void)
{
    int64_t made[EXO_NCAPS], n = 0, c;
    while (n < EXO_NCAPS && (c = exo_env_create()) >= 0)
        made[n++] = c;
    for (int64_t i = 0; i < n; i++)
        exo_env_destroy((uint64_t)made[i]);
    return n;
}

/* Takes every free page but the last KEEP (the test's env owns them until it ends). */
static int leave_keep_free(void)
{
    int64_t p, n = 0;
    while ((p = exo_page_alloc(EXO_CAP_SELF, EXO_ANY)) >= 0)
        held[n++ % KEEP] = (uint64_t)p;
    if (p != EXO_E_NOMEM || n < KEEP)
        return 1;
    for (int i = 0; i < KEEP; i++)
        exo_page_free(EXO_CAP_SELF, held[i]);
    return 0;
}

EXOTEST(spawn_failures_free_the_child)
{
    make_big();
    int64_t envs = free_envs();
    CHECK(envs > 0);
    CHECK_EQ(leave_keep_free(), 0);
    /* A first spawn makes this env's page directory and table for its scratch mapping
     * (LOS_SCRATCH_VA, the PML4 slot of LOS_INFO_VA): this env's own, kept after it, so taken
     * before counting. Exactly those two pages go. */
    CHECK_EQ(free_pages(), KEEP);
    CHECK_EQ(los_spawn(&img, sizeof img, 0), EXO_E_NOMEM);
    int64_t pages = free_pages();
    CHECK_EQ(pages, KEEP - 2);
    for (int i = 0; i < ROUNDS; i++) {
        img.eh.e_ident[0] = 0; /* refused by the checker, before any exo call */
        CHECK_EQ(los_spawn(&img, sizeof img, 0), EXO_E_INVAL);
        img.eh.e_ident[0] = 0x7f;
        CHECK_EQ(los_spawn(&img, sizeof img - 1, 0), EXO_E_INVAL); /* truncated */
        CHECK_EQ(los_spawn(&img, sizeof img, 0), EXO_E_NOMEM);     /* half loaded, then gone */
        CHECK_EQ(free_pages(), pages);
    }
    CHECK_EQ(free_envs(), envs);
    return 0;
}
