/*
 * spawn.h: building a new env from user space, with exo calls only (the exokernel way: ELF
 * loading is library code). The child gets its segments and a stack in pages it owns, the boot
 * archive mapped read-only where the parent has it, and an info page (struct los_info).
 */
#ifndef LOS_SPAWN_H
#define LOS_SPAWN_H

#include <stdint.h>

#define LOS_INFO_VA 0x00006ff000000000ull    /* struct los_info, read-only, in every program */
#define LOS_SCRATCH_VA 0x00006fe000000000ull /* where a parent maps a child's page to fill it */
#define LOS_STACK_TOP 0x00007ffffff00000ull  /* same place exo puts init's stack */
#define LOS_STACK_PAGES 16
#define LOS_PIE_BASE 0x0000555555554000ull /* where a static-PIE image is loaded (as Linux) */
/* Where a Linux binary's ET_DYN interpreter (ld.so) is loaded: Linux's base for it with no
 * address randomization, below the stack, above the mmap region and the libOS's range. */
#define LOS_INTERP_BASE 0x00007ffff7fc3000ull

#define LOS_CMDLINE_MAX 1024 /* bytes of a program's command line, its NUL included */

struct los_info {
    uint64_t archive_va; /* the boot archive (cpio), read-only */
    uint64_t archive_size;
    uint64_t parent;               /* the parent's env id */
    uint64_t entry;                /* the program's ELF entry point */
    uint64_t phdr;                 /* where its program headers lie in its memory (0: nowhere) */
    uint64_t phnum;                /* how many */
    uint64_t bias;                 /* where a static-PIE image was put (0: ET_EXEC) */
    uint64_t image_end;            /* the end of its last segment (page-rounded): brk's start */
    uint64_t interp_base;          /* a Linux binary's interpreter (PT_INTERP): its load base */
    uint64_t interp_entry;         /* and its entry, where the process starts (0: none) */
    char cmdline[LOS_CMDLINE_MAX]; /* argv, space-separated ("" if none given) */
};

/* The note every Tessera program carries (name "Tessera", this type, no descriptor: crt0.S
 * and posix/entry.S add it); exec runs an ELF without it as a Linux binary (libos/linux). */
#define LOS_NOTE_TYPE 0x7e55
#define LOS_LIBOS_LO 0x00006f0000000000ull /* the libOS's range: no Linux image reaches it */
#define LOS_LIBOS_HI 0x0000700000000000ull
int los_elf_native(const void *elf, uint64_t size);

/* Linux binaries (libos/linux): an env holding the Linux ELF [elf, elf + size) at its own
 * addresses (static, or static-PIE at LOS_PIE_BASE; the info page describes it) and the
 * runtime image [rt, rt + rt_size) (linked at its own fixed address in the libOS range), to
 * be started at the runtime's entry (*entry). A dynamic executable (PT_INTERP) comes with its
 * interpreter [interp, interp + interp_size) (ET_DYN, loaded at LOS_INTERP_BASE; the info
 * page's interp_base and interp_entry say so); interp NULL: none (a PT_INTERP is refused).
 * Otherwise as los_spawn_prepare_flags. */
int64_t los_spawn_prepare_linux(const void *rt, uint64_t rt_size, const void *elf, uint64_t size,
                                const void *interp, uint64_t interp_size, uint64_t flags,
                                uint64_t *entry, uint64_t *stack_top);

/* This program's info (NULL in init before los_init_info, which crt0 arranges). */
const struct los_info *los_info(void);

/* Finds a file in the boot archive: 0 and its bytes, or EXO_E_NOENT / EXO_E_CORRUPT. */
int los_archive_find(const char *name, const void **data, uint64_t *size);

/* Creates an env from the ELF image [elf, elf + size) (checked with common/elf.c against the
 * user half; a static-PIE image, ET_DYN without PT_INTERP, is loaded at LOS_PIE_BASE) without
 * starting it: *entry and *stack_top say where to start it with
 * exo_env_start. Returns the child's capability slot in the caller's table, or an exo error
 * (EXO_E_INVAL for an image the checker refuses); on any error the child is gone, with every
 * page it took. */
int64_t los_spawn_prepare(const void *elf, uint64_t size, uint64_t *entry, uint64_t *stack_top);

/* los_spawn_prepare, with a command line for the child (argv of a native program, space-
 * separated; NULL: none). EXO_E_RANGE if it is LOS_CMDLINE_MAX bytes or longer. */
int64_t los_spawn_prepare_args(const void *elf, uint64_t size, const char *cmdline, uint64_t *entry,
                               uint64_t *stack_top);

/* los_spawn_prepare_args with flags: LOS_SPAWN_NO_ARCHIVE leaves the boot archive out of the
 * child (its info page says there is none): a process whose files come from elsewhere (pm's
 * exec) is cheaper to make and to fork without ~600 archive pages bound in it. */
#define LOS_SPAWN_NO_ARCHIVE 1ull
int64_t los_spawn_prepare_flags(const void *elf, uint64_t size, const char *cmdline, uint64_t flags,
                                uint64_t *entry, uint64_t *stack_top);

/* los_spawn_prepare, then starts it with main(arg, 0). Returns the child's capability slot, or
 * an exo error with the child gone. */
int64_t los_spawn(const void *elf, uint64_t size, uint64_t arg);

/* Spawns the archive's program `name`. */
int64_t los_spawn_file(const char *name, uint64_t arg);

/* Runs the archive's program `name` to its end with command line `cmdline` (NULL: none) and
 * main(arg, 0), passing on the caller's rights to bind interrupt vectors and to use the virtio
 * devices (slots EXO_CAP_IRQS and EXO_CAP_DEVS, where it holds them). 0 once it has ended, or
 * an exo error with no child left behind. */
int64_t los_run(const char *name, const char *cmdline, uint64_t arg);

/* Waits (yielding the CPU to it) until the env in capability slot `child` has ended. */
void los_wait(uint64_t child);

/* A page mapped in the caller at va, owned by the caller: its number, or an exo error. */
int64_t los_page_new(uint64_t va, uint64_t prot);

#endif
