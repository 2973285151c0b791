/*
 * runtime.c: the start of a Linux process. pm put the binary at its own addresses and this
 * runtime in the libOS's range (los_spawn_prepare_linux); the info page describes the binary.
 * The runtime sets the libOS up as a native program's start does (posix/start.c: the process
 * table, the clock, upcalls and signals, what exec kept), points brk after the binary's image,
 * maps the vDSO and its vvar page (vdso_map.c), lays Linux's entry block (argc, argv, envp, auxv)
 * at the main stack's top, rewrites the binary's `syscall` sites into calls through the trampoline
 * page (fastpath.c; not with TESSERA_LINUX_TRAP=1 in its environment), asks exo to reflect the
 * env's other `syscall`s to lnx_syscall_entry, points the thread's GS base at its struct lnx_gs
 * (the fast entry's way to its call stack; each thread has its own: clone.c), and returns the
 * binary's rsp to entry.S, which jumps to the binary's entry, or to its interpreter's (a dynamic
 * binary: ld.so, which pm mapped at interp_base; AT_BASE says where, AT_PHDR and AT_ENTRY still
 * describe the program). TESSERA_LINUX_STATS=1 makes it report at exit how the calls came in
 * (call.c).
 */
#include <linux_rt/lnx.h>

#include <posix/calls.h>
#include <proc/client.h>

#include <los/los.h>
#include <los/spawn.h>

#include <signal/sig.h>
#include <thread/thread.h>

uint64_t lnx_entry; /* the binary's entry, for entry.S */
extern int lnx_stats;
void lnx_syscall_entry(void);
uint64_t *lnx_rt_main(char *top);

/* core/start.c's los_start names main; the runtime never runs it (entry.S is the entry). */
int main(uint64_t arg0, uint64_t arg1)
{
    (void)arg0;
    (void)arg1;
    return 127;
}

struct lnx_gs lnx_gs[LOS_THREAD_MAX + 1];
_Static_assert(__builtin_offsetof(struct lnx_gs, fast) == 16 &&
                   __builtin_offsetof(struct lnx_gs, site) == 24 &&
                   __builtin_offsetof(struct lnx_gs, pid) == 32,
               "entry.S reads %gs:16, %gs:24 and %gs:32");
static const uint32_t no_pm = 1;
const volatile uint32_t *lnx_attention = &no_pm;

void lnx_gs_forget_sites(void)
{
    for (int i = 0; i < LOS_THREAD_MAX + 1; i++)
        __atomic_store_n(&lnx_gs[i].site, 0, __ATOMIC_RELAXED);
}

int lnx_gs_own(int row)
{
    struct lnx_gs *g = &lnx_gs[row + 1];
    g->site = 0; /* a forked child's pid is not its parent's: found again by the slow way */
    if (proc_present)
        lnx_attention = PROC_ATTENTION;
    g->top = row < 0 ? (uint64_t)lnx_stack_top
                     : LOS_THREAD_VA + LOS_THREAD_STRIDE * (uint64_t)row + LOS_THREAD_CALL_TOP;
    return exo_gs_set((uint64_t)g) < 0 ? -1 : 0;
}

/* The first thread's ways in: its reflected calls' entry and its GS base (the fast entry's),
 * at start and again in a forked child, whose one thread is the first's (fork.c). */
static void reflect(void)
{
    if (exo_syscall_reflect((uint64_t)lnx_syscall_entry) < 0 || lnx_gs_own(-1) < 0) {
        los_printf("linux: syscall_reflect or gs_set refused\n");
        los_exit(127);
    }
}

/* Is "name=1" among the n environment strings packed at env? */
static int env_set(const char *env, uint64_t n, const char *name)
{
    for (uint64_t i = 0; i < n; i++) {
        const char *a = env, *b = name;
        while (*b && *a == *b)
            a++, b++;
        if (!*b && a[0] == '=' && a[1] == '1' && !a[2])
            return 1;
        while (*env)
            env++;
        env++;
    }
    return 0;
}

static uint32_t cpuid1_edx(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return d;
}

/* Linux's AT_MINSIGSTKSZ (arch/x86/kernel/signal.c init_sigframe_size): the rt_sigframe (440
 * bytes) and its alignment padding (15), the XSAVE area of the enabled state (CPUID.0xD.0:EBX,
 * for XCR0 as exo set it) with FP_XSTATE_MAGIC2 (4), the i387 fsave header IA32 emulation keeps
 * room for (112) and the XSAVE area's alignment (63), rounded up to 16. */
static uint64_t minsigstksz(void)
{
    uint32_t a = 0, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    uint64_t fpu = 512; /* FXSAVE's area without XSAVE */
    if (a >= 0xd) {
        a = 0xd, c = 0;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
        fpu = b + 4;
    }
    return (440 + 15 + fpu + 112 + 63 + 15) & ~15ull;
}

uint64_t *lnx_rt_main(char *top)
{
    los_init(0, 0, 0);
    const struct los_info *in = los_info();
    posix_pid = (long)exo_env_self();
    posix_ppid = (long)in->parent;
    proc_init();
    const struct proc_mbox *mb = (const struct proc_mbox *)PROC_MBOX_VA;
    if (!proc_present || !mb->exec_len) { /* only pm's exec starts a Linux binary */
        los_printf("linux: not started by exec\n");
        los_exit(127);
    }
    posix_clock_init((uint64_t)exo_clock());
    if (los_sig_init() < 0) {
        los_printf("linux: no upcall handler\n");
        los_exit(127);
    }
    struct los_sig_exec keep = {mb->exec_sig[0], mb->exec_sig[1], mb->exec_sig[2]};
    los_sig_exec_restore(&keep);
    posix_memory_image_end(in->image_end);
    proc_fork_child_hook = reflect;

    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t x = ((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ull, y = x ^ (x >> 29);
    uint8_t random[16];
    for (int i = 0; i < 8; i++) {
        random[i] = (uint8_t)(x >> (8 * i));
        random[8 + i] = (uint8_t)(y >> (8 * i));
    }
    /* Linux's order (create_elf_tables: x86's ARCH_DLINFO first). */
    uint64_t vdso = lnx_vdso_map();
    uint64_t auxv[] = {
        LNX_AT_SYSINFO_EHDR, vdso, /* AT_IGNORE below if there is none: Linux leaves it out */
        LNX_AT_MINSIGSTKSZ,  minsigstksz(),
        LNX_AT_HWCAP,        cpuid1_edx(),
        LNX_AT_PAGESZ,       EXO_PAGE,
        LNX_AT_CLKTCK,       100,
        LNX_AT_PHDR,         in->phdr,
        LNX_AT_PHENT,        56, /* sizeof(Elf64_Phdr) */
        LNX_AT_PHNUM,        in->phnum,
        LNX_AT_BASE,         in->interp_base, /* ld.so's (0: a static binary) */
        LNX_AT_FLAGS,        0,
        LNX_AT_ENTRY,        in->entry, /* the program's, even when ld.so starts first */
        LNX_AT_UID,          mb->exec_ids[0],
        LNX_AT_EUID,         mb->exec_ids[1],
        LNX_AT_GID,          mb->exec_ids[2],
        LNX_AT_EGID,         mb->exec_ids[3],
        LNX_AT_SECURE,       mb->exec_secure,
        LNX_AT_RANDOM,       0, /* (the values of these three: lnx_stack_build's) */
        LNX_AT_HWCAP2,       0, /* no FSGSBASE (exo leaves CR4.FSGSBASE off) */
        LNX_AT_EXECFN,       0,
        LNX_AT_PLATFORM,     0,
        LNX_AT_NULL,         0,
    };
    if (!vdso)
        auxv[0] = LNX_AT_IGNORE;
    const char *path = (const char *)mb->msg.data, *args = path;
    while (*args)
        args++;
    uint64_t *sp = lnx_stack_build(top, LOS_STACK_PAGES * EXO_PAGE - 64, path, args + 1,
                                   mb->exec_argc, mb->exec_envc, auxv, random);
    if (!sp) {
        los_printf("linux: arguments do not fit the entry block\n");
        los_exit(127);
    }
    lnx_entry = in->interp_entry ? in->interp_entry : in->entry; /* ld.so first, as Linux */
    const char *env = args + 1;
    for (uint64_t i = 0; i < mb->exec_argc; i++) {
        while (*env)
            env++;
        env++;
    }
    lnx_stats = env_set(env, mb->exec_envc, "TESSERA_LINUX_STATS");
    if (!env_set(env, mb->exec_envc, "TESSERA_LINUX_TRAP")) /* every call by the trap: bench */
        lnx_fast_setup(in);
    reflect();
    return sp;
}
