/*
 * start.c: a native program's start, before musl's: the libOS core, then the process's
 * identity and clock read once from exo (so that getpid and clock_gettime need no exo call
 * later), then the entry stack block (stack.h) from the spawner's command line and the ELF
 * facts it left on the info page.
 */
#include <posix/calls.h>
#include <posix/stack.h>
#include <proc/client.h>

#include <los/los.h>
#include <los/spawn.h>

#include <signal/sig.h>

uint64_t *posix_start(char *top, size_t room);

uint64_t *posix_start(char *top, size_t room)
{
    los_init(0, 0, 0);
    const struct los_info *in = los_info();
    posix_pid = (long)exo_env_self();
    posix_ppid = (long)in->parent;
    proc_init(); /* made by pm: identity from the process table (libos/proc) */
    posix_clock_init((uint64_t)exo_clock());
    if (los_sig_init() < 0) { /* faults, EFAULT, signals and the stack's growth need upcalls */
        los_printf("posix: no upcall handler\n");
        los_exit(127);
    }
    const struct proc_mbox *mbx = (const struct proc_mbox *)PROC_MBOX_VA;
    if (proc_present && mbx->exec_len) { /* exec: the old image's mask, pending, ignored */
        struct los_sig_exec keep = {mbx->exec_sig[0], mbx->exec_sig[1], mbx->exec_sig[2]};
        los_sig_exec_restore(&keep);
    }

    uint32_t lo, hi; /* AT_RANDOM: only musl's stack-protector canary uses it today */
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t x = ((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ull, y = x ^ (x >> 29);
    uint8_t random[16];
    for (int i = 0; i < 8; i++) {
        random[i] = (uint8_t)(x >> (8 * i));
        random[8 + i] = (uint8_t)(y >> (8 * i));
    }
    const struct proc_mbox *mb = (const struct proc_mbox *)PROC_MBOX_VA;
    /* The ids pm gave this image at exec (set-user-ID files change them); else root's. */
    int exec = proc_present && mb->exec_len;
    const uint64_t auxv[] = {
        LNX_AT_PHDR,   in->phdr,
        LNX_AT_PHENT,  56, /* sizeof(Elf64_Phdr) */
        LNX_AT_PHNUM,  in->phnum,
        LNX_AT_PAGESZ, EXO_PAGE,
        LNX_AT_ENTRY,  in->entry,
        LNX_AT_UID,    exec ? mb->exec_ids[0] : 0,
        LNX_AT_EUID,   exec ? mb->exec_ids[1] : 0,
        LNX_AT_GID,    exec ? mb->exec_ids[2] : 0,
        LNX_AT_EGID,   exec ? mb->exec_ids[3] : 0,
        LNX_AT_SECURE, exec ? mb->exec_secure : 0,
        LNX_AT_NULL,
    };
    uint64_t *sp;
    if (exec) { /* exec left argv and envp in the mailbox: pm checked
                                            they are path, argc and envc strings */
        const char *args = (const char *)mb->msg.data;
        while (*args)
            args++; /* past the path */
        sp = posix_stack_build_packed(top, room, args + 1, mb->exec_argc, mb->exec_envc, auxv,
                                      random);
    } else {
        sp = posix_stack_build(top, room, in->cmdline, NULL, auxv, random);
    }
    if (!sp) {
        los_printf("posix: command line does not fit the start block\n");
        los_exit(127);
    }
    return sp;
}
