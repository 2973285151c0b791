/*
 * pm_entry.S: where a protected control transfer into pm enters (exo_pct_entry). exo sets the
 * main loop's general registers aside but leaves its x87/SSE state live: save it before any C
 * runs (pm serves one call at a time, so one save area is enough), serve the call, load it
 * back, and return the result to the caller with pct_return.
 *   rdi = the caller's env id, rsi = op, rdx = unused; rsp + 8 is 16-byte aligned.
 */
    .text
    .globl pm_pct_entry
pm_pct_entry:
    fxsave64 pm_fpu_area(%rip)
    sub $8, %rsp                 /* 16-byte aligned at the call */
    call pm_serve                /* rax = result */
    fxrstor64 pm_fpu_area(%rip)
    mov %rax, %rdi
    mov $21, %eax                /* EXO_CALL_pct_return */
    syscall
1:  jmp 1b                       /* not reached: pct_return does not come back here */

    .bss
    .balign 16
pm_fpu_area:
    .skip 512

    .section .note.GNU-stack,"",@progbits
