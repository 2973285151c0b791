/*
 * piehello.c: `piehello`, a static-PIE program (ET_DYN, linked -static-pie, no libc and no
 * relocations: every address it takes is rip-relative), for exec's test (apps/posix/
 * ut_proc.c): the loader must place it at a bias (LOS_PIE_BASE). It prints one line and ends
 * through pm with exit status 0x5e if it runs where a static-PIE image belongs, 1 if not.
 */
#include <exo/abi.h>
#include <proc/layout.h>
#include <proc/msg.h>
#include <proc/status.h>

#define PIE_BASE 0x0000555555554000ull /* libos/include/los/spawn.h LOS_PIE_BASE */

void pie_main(void) __attribute__((noreturn));

/* The entry: rsp is the stack's top; align it as a call would have. */
__asm__(".text\n.globl _start\n_start:\n  and $-16, %rsp\n  call pie_main\n");

/* The Tessera note (libos/include/los/spawn.h): a native program, not a Linux binary. */
__asm__(".section .note.tessera, \"a\", @note\n.balign 4\n.long 8, 0, 0x7e55\n"
        ".asciz \"Tessera\"\n.text\n");

void pie_main(void)
{
    static const char msg[] = "piehello: a static-PIE image, loaded at its bias\n";
    uint64_t here = (uint64_t)&pie_main;
    int ok = here >= PIE_BASE && here - PIE_BASE < (1ull << 30);
    if (ok)
        exo_cons_write((uint64_t)msg, sizeof msg - 1);
    struct proc_mbox *mb = (struct proc_mbox *)PROC_MBOX_VA;
    mb->msg.a[0] = PROC_W_EXITED(ok ? 0x5e : 1);
    for (;;) { /* pm ends us in the call; it comes back only while pm is busy: again */
        exo_pct_call(mb->pm_cap, PM_OP_exit, 0);
        exo_yield(EXO_ANY);
    }
}
