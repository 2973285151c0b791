/*
 * test_env.c: envs, the call table's edges, and faults: exact results of the basic exo calls.
 */
#include "exotest.h"

EXOTEST(null_call_returns_zero)
{
    CHECK_EQ(exo_null(), 0);
    CHECK_EQ(exo_syscall(EXO_NCALLS, 0, 0, 0, 0, 0), EXO_E_NOSYS);
    CHECK_EQ(exo_syscall((uint64_t)-1, 0, 0, 0, 0, 0), EXO_E_NOSYS);
    return 0;
}

EXOTEST(cons_write_checks_the_buffer)
{
    static const char msg[] = "    (console output from a test)\n";
    CHECK_EQ(exo_cons_write((uint64_t)msg, sizeof msg - 1), sizeof msg - 1);
    CHECK_EQ(exo_cons_write(0, 10), EXO_E_FAULT);                     /* unmapped */
    CHECK_EQ(exo_cons_write(0xffffffff80100000ull, 10), EXO_E_FAULT); /* exo's own memory */
    CHECK_EQ(exo_cons_write((uint64_t)msg, 4097), EXO_E_RANGE);
    return 0;
}

EXOTEST(caps_resolve_exactly)
{
    CHECK(exo_env_self() > 0);
    CHECK_EQ(exo_page_alloc(EXO_NCAPS, EXO_ANY), EXO_E_RANGE);         /* no such slot */
    CHECK_EQ(exo_page_alloc(EXO_NCAPS - 1, EXO_ANY), EXO_E_NOENT);     /* empty slot */
    CHECK_EQ(exo_env_start(EXO_CAP_SELF, 0x400000, 0, 0), EXO_E_BUSY); /* already running */
    return 0;
}

EXOTEST(child_env_runs_and_ends)
{
    int64_t c = los_spawn_file("exotest", EXOTEST_ARG_EXIT);
    CHECK(c > 0);
    los_wait((uint64_t)c);
    CHECK_EQ(exo_yield((uint64_t)c), EXO_E_NOENT); /* gone: its cap no longer resolves */
    CHECK_EQ(exo_env_runs((uint64_t)c), EXO_E_NOENT);
    CHECK_EQ(exo_env_runs(EXO_NCAPS), EXO_E_RANGE);
    int64_t runs = exo_env_runs(EXO_CAP_SELF);
    CHECK(runs > 0);
    CHECK(exo_env_runs(EXO_CAP_SELF) > runs); /* that call's return entered us again (at least) */
    return 0;
}

static int fault_resumes(struct exo_upcall_state *s)
{
    if (s->kind != EXO_UPCALL_FAULT || s->vector != 14 || s->addr != 0x5000000)
        return 1;
    /* demand paging in miniature: map the page and let the access run again */
    return los_page_new(0x5000000, EXO_PROT_R | EXO_PROT_W) < 0;
}

EXOTEST(page_fault_upcall_resumes)
{
    CHECK_EQ(los_upcall_init(), 0);
    los_upcall_handle(EXO_UPCALL_FAULT, fault_resumes);
    volatile uint64_t *p = (volatile uint64_t *)0x5000000;
    CHECK_EQ(*p, 0); /* faults, the handler maps a zeroed page, the load runs again */
    *p = 42;
    CHECK_EQ(*p, 42);
    CHECK_EQ(los_upcall_state()->vector, 14);
    CHECK_EQ(los_upcall_state()->in_upcall, 0);
    return 0;
}

static volatile uint64_t slices, last_tick;

static int count_slice(struct exo_upcall_state *s)
{
    slices++;
    last_tick = s->error;
    return 0; /* resume where the slice ended */
}

EXOTEST(slice_end_upcall)
{
    CHECK_EQ(los_upcall_init(), 0);
    los_upcall_handle(EXO_UPCALL_SLICE, count_slice);
    uint64_t hz = (uint64_t)exo_clock(), start = __builtin_ia32_rdtsc();
    volatile uint64_t work = 0;
    while (slices < 3 && __builtin_ia32_rdtsc() - start < 10 * hz)
        work++; /* compute: only the timer can take the CPU away */
    CHECK(slices >= 3);
    CHECK(last_tick > 0);
    CHECK_EQ(los_upcall_state()->kind, EXO_UPCALL_SLICE);
    CHECK_EQ(los_upcall_state()->in_upcall, 0);
    return 0;
}

static volatile uint64_t top_vector, top_rip;

/* A #GP past the top of user space: resume as if the call that got there had returned. */
static int past_the_top(struct exo_upcall_state *s)
{
    top_vector = s->vector;
    top_rip = s->regs.rip;
    if (s->kind != EXO_UPCALL_FAULT || s->vector != 13 || s->regs.rip != EXO_USER_TOP)
        return 1;
    s->regs.rip = *(const uint64_t *)s->regs.rsp; /* pop the return address */
    s->regs.rsp += 8;
    return 0;
}

EXOTEST(syscall_in_the_last_user_bytes)
{
    /* rcx after it is EXO_USER_TOP, not canonical: iretq there would #GP in exo itself. */
    CHECK_EQ(los_upcall_init(), 0);
    los_upcall_handle(EXO_UPCALL_FAULT, past_the_top);
    CHECK(los_page_new(EXO_USER_TOP - EXO_PAGE, EXO_PROT_R | EXO_PROT_W | EXO_PROT_X) > 0);
    volatile uint8_t *code = (volatile uint8_t *)(EXO_USER_TOP - 2);
    code[0] = 0x0f; /* syscall */
    code[1] = 0x05;
    int64_t r;
    __asm__ volatile("call *%1"
                     : "=a"(r)
                     : "r"(EXO_USER_TOP - 2), "a"((uint64_t)EXO_CALL_env_self)
                     : "rcx", "r11", "memory");
    CHECK_EQ(top_vector, 13); /* the env's own #GP, at the first fetch past the top */
    CHECK_EQ(top_rip, EXO_USER_TOP);
    CHECK_EQ(r, exo_env_self()); /* and the call itself was made */
    return 0;
}

EXOTEST(env_calls_counts_exactly)
{
    int64_t c0 = exo_env_calls(EXO_CAP_SELF);
    CHECK(c0 > 0);
    exo_null();
    exo_null();
    CHECK_EQ(exo_env_calls(EXO_CAP_SELF) - c0, 3); /* two nulls and this call */
    CHECK_EQ(exo_env_calls(EXO_NCAPS), EXO_E_RANGE);
    const void *elf;
    uint64_t size, entry, stack;
    CHECK_EQ(los_archive_find("exotest", &elf, &size), 0);
    int64_t c = los_spawn_prepare(elf, size, &entry, &stack);
    CHECK(c > 0);
    CHECK_EQ(exo_env_calls((uint64_t)c), 0); /* built, never run */
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(exo_env_calls((uint64_t)c), EXO_E_NOENT);
    return 0;
}

static uint64_t fs_word(void)
{
    uint64_t v;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(v));
    return v;
}

EXOTEST(fs_base_is_per_env)
{
    CHECK(los_page_new(0x6000000, EXO_PROT_R | EXO_PROT_W) >= 0);
    *(volatile uint64_t *)0x6000000 = 0x1122334455667788ull;
    CHECK_EQ(exo_fs_set(0x6000000), 0);
    CHECK_EQ(fs_word(), 0x1122334455667788ull);
    /* Another env runs on this CPU with its own FS base (0), then we run again. */
    int64_t c = los_spawn_file("exotest", EXOTEST_ARG_EXIT);
    CHECK(c > 0);
    los_wait((uint64_t)c);
    exo_yield(EXO_ANY);
    CHECK_EQ(fs_word(), 0x1122334455667788ull);
    /* Refused without a trace: not a user address. */
    CHECK_EQ(exo_fs_set(EXO_USER_TOP), EXO_E_RANGE);
    CHECK_EQ(exo_fs_set(0xffff800000000000ull), EXO_E_RANGE);
    CHECK_EQ(fs_word(), 0x1122334455667788ull);
    CHECK_EQ(exo_fs_set(0), 0);
    return 0;
}

EXOTEST(spawn_command_line_fits_or_is_refused)
{
    static char line[LOS_CMDLINE_MAX + 1];
    for (int i = 0; i < LOS_CMDLINE_MAX; i++)
        line[i] = 'x';
    const void *elf;
    uint64_t size, entry, stack;
    CHECK_EQ(los_archive_find("exotest", &elf, &size), 0);
    int64_t before = exo_env_calls(EXO_CAP_SELF);
    line[LOS_CMDLINE_MAX] = 0; /* no room for the NUL: refused before any env exists */
    CHECK_EQ(los_spawn_prepare_args(elf, size, line, &entry, &stack), EXO_E_RANGE);
    CHECK_EQ(exo_env_calls(EXO_CAP_SELF) - before, 1); /* only this count: no env_create */
    line[LOS_CMDLINE_MAX - 1] = 0;                     /* the longest that fits */
    int64_t c = los_spawn_prepare_args(elf, size, line, &entry, &stack);
    CHECK(c > 0);
    /* The child's info page holds it whole: read it through the scratch window. */
    int64_t pte = exo_page_lookup((uint64_t)c, LOS_INFO_VA);
    CHECK(pte >= 0);
    CHECK_EQ(exo_page_map(EXO_CAP_SELF, LOS_SCRATCH_VA, (uint64_t)pte >> 12, EXO_PROT_R), 0);
    const struct los_info *ci = (const struct los_info *)LOS_SCRATCH_VA;
    CHECK_EQ(ci->cmdline[0], 'x');
    CHECK_EQ(ci->cmdline[LOS_CMDLINE_MAX - 2], 'x');
    CHECK_EQ(ci->cmdline[LOS_CMDLINE_MAX - 1], 0);
    CHECK_EQ(ci->entry, entry);
    CHECK_EQ(ci->parent, (uint64_t)exo_env_self());
    CHECK_EQ(exo_page_unmap(EXO_CAP_SELF, LOS_SCRATCH_VA), 0);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    return 0;
}

EXOTEST(env_watch_posts_at_every_end)
{
    int64_t ev = exo_event_create(), c;
    CHECK(ev > 0);
    /* An exit of its own (watched before it starts: on another CPU it could end first). */
    const void *elf;
    uint64_t size, entry, stack;
    CHECK_EQ(los_archive_find("exotest", &elf, &size), 0);
    c = los_spawn_prepare(elf, size, &entry, &stack);
    CHECK(c > 0);
    CHECK(exo_env_watch((uint64_t)c, (uint64_t)ev) > 0);
    CHECK_EQ(exo_env_start((uint64_t)c, entry, stack, EXOTEST_ARG_EXIT), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);
    CHECK_EQ(exo_yield((uint64_t)c), EXO_E_NOENT);
    /* Killed by exo for a fault without a handler (nothing is mapped at its rip). */
    c = exo_env_create();
    CHECK(c > 0);
    CHECK(exo_env_watch((uint64_t)c, (uint64_t)ev) > 0);
    CHECK_EQ(exo_env_start((uint64_t)c, 0x400000, 0x800000, 0), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);
    /* Destroyed: exactly one post (counted, as no one waits yet). */
    int64_t g = exo_env_create();
    CHECK(g > 0);
    CHECK(exo_env_watch((uint64_t)g, (uint64_t)ev) > 0);
    CHECK_EQ(exo_env_destroy((uint64_t)g), 0);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 2); /* the end's post and ours, nothing more */
    return 0;
}

EXOTEST(env_watch_checks_and_replaces)
{
    int64_t ev = exo_event_create(), c = exo_env_create();
    CHECK(ev > 0 && c > 0);
    CHECK_EQ(exo_env_watch((uint64_t)c, EXO_CAP_SELF), EXO_E_NOENT); /* an env, not an event */
    CHECK_EQ(exo_env_watch((uint64_t)c, EXO_NCAPS), EXO_E_RANGE);
    CHECK_EQ(exo_env_watch(EXO_NCAPS, (uint64_t)ev), EXO_E_RANGE);
    CHECK_EQ(exo_env_watch((uint64_t)ev, (uint64_t)ev), EXO_E_NOENT); /* an event, not an env */
    int64_t run_only = exo_cap_copy((uint64_t)c, EXO_CAP_SELF, EXO_RIGHT_RUN);
    int64_t wait_only = exo_cap_copy((uint64_t)ev, EXO_CAP_SELF, EXO_RIGHT_WAIT);
    CHECK(run_only > 0 && wait_only > 0);
    CHECK_EQ(exo_env_watch((uint64_t)run_only, (uint64_t)ev), EXO_E_PERM); /* no DESTROY */
    CHECK_EQ(exo_env_watch((uint64_t)c, (uint64_t)wait_only), EXO_E_PERM); /* no POST */
    /* Returns the env's id, as the env itself knows it (a spawned exotest prints it). */
    CHECK_EQ(exo_env_watch(EXO_CAP_SELF, (uint64_t)ev), exo_env_self());
    CHECK_EQ(exo_env_watch(EXO_CAP_SELF, EXO_ANY), exo_env_self());
    /* Removed with EXO_ANY: the end posts nothing. */
    int64_t id = exo_env_watch((uint64_t)c, (uint64_t)ev);
    CHECK(id > 0);
    CHECK_EQ(exo_env_watch((uint64_t)c, EXO_ANY), id);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);
    CHECK_EQ(exo_env_watch((uint64_t)c, (uint64_t)ev), EXO_E_NOENT); /* it has ended */
    /* Replaced: only the second event hears of the end. */
    int64_t ev2 = exo_event_create();
    c = exo_env_create();
    CHECK(ev2 > 0 && c > 0);
    CHECK(exo_env_watch((uint64_t)c, (uint64_t)ev) > 0);
    CHECK(exo_env_watch((uint64_t)c, (uint64_t)ev2) > 0);
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev2), 1);
    CHECK_EQ(exo_event_post((uint64_t)ev), 0);
    CHECK_EQ(exo_event_wait((uint64_t)ev), 1);
    return 0;
}

/* env_cputime (call 43): ring-3 time only. A busy loop's time is counted, never more than the
 * wall time around the two reads; a sleep's is not. Bounds, not times, and each wall reading
 * taken outside the CPU-time reads it brackets: the host may stop a vCPU anywhere (a CI
 * machine under load), and that time is the env's and the wall's alike. */
EXOTEST(env_cputime_counts_ring3_time)
{
    CHECK_EQ(exo_env_cputime(EXO_NCAPS), EXO_E_RANGE);
    uint64_t hz = (uint64_t)exo_clock(), w0 = __builtin_ia32_rdtsc();
    int64_t c0 = exo_env_cputime(EXO_CAP_SELF);
    CHECK(c0 > 0);
    while (__builtin_ia32_rdtsc() - w0 < hz / 20) /* 50 ms of computing */
        ;
    int64_t c1 = exo_env_cputime(EXO_CAP_SELF);
    uint64_t w1 = __builtin_ia32_rdtsc();
    CHECK(c1 > c0);
    CHECK((uint64_t)(c1 - c0) <= w1 - w0);
    int64_t ev = exo_event_create();
    CHECK(ev >= 0);
    uint64_t wa = __builtin_ia32_rdtsc();
    c1 = exo_env_cputime(EXO_CAP_SELF);
    CHECK_EQ(exo_event_wait_until((uint64_t)ev, __builtin_ia32_rdtsc() + hz / 10), 0);
    int64_t c2 = exo_env_cputime(EXO_CAP_SELF);
    uint64_t wb = __builtin_ia32_rdtsc();
    CHECK(wb - wa >= hz / 10);
    CHECK((uint64_t)(c2 - c1) <= wb - wa - hz / 20); /* 100 ms asleep: not its CPU time */
    const void *elf;
    uint64_t size, entry, stack;
    CHECK_EQ(los_archive_find("exotest", &elf, &size), 0);
    int64_t c = los_spawn_prepare(elf, size, &entry, &stack);
    CHECK(c > 0);
    CHECK_EQ(exo_env_cputime((uint64_t)c), 0); /* built, never run */
    CHECK_EQ(exo_env_destroy((uint64_t)c), 0);
    CHECK_EQ(exo_env_cputime((uint64_t)c), EXO_E_NOENT);
    return 0;
}
