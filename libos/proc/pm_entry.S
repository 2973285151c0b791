/*
 * pm_entry.S: where a protected control transfer into pm enters (exo_pct_entry). exo sets the
 * main loop's general registers aside but leaves its x87/SSE/AVX state live: save all of it
 * (XSAVE with the components exo enabled, pm_xsave_mask from pm_init: the YMM upper halves
 * too; FXSAVE where exo runs without XSAVE) before any C runs (pm serves one call at a time,
 * so one save area is enough), serve the call, load it back, and return the result to the
 * caller with pct_return.
 *   rdi = the caller's env id, rsi = op, rdx = unused; rsp + 8 is 16-byte aligned.
 */
    .text
    .globl pm_pct_entry
pm_pct_entry:
    mov pm_xsave_mask(%rip), %eax
    xor %edx, %edx
    test %eax, %eax
    jz 1f
    xsave64 pm_fpu_area(%rip)
    jmp 2f
1:  fxsave64 pm_fpu_area(%rip)
2:  sub $8, %rsp                 /* 16-byte aligned at the call */
    call pm_serve                /* rax = result */
    mov %rax, %rbx               /* (the main loop's rbx is set aside by exo) */
    mov pm_xsave_mask(%rip), %eax
    xor %edx, %edx
    test %eax, %eax
    jz 3f
    xrstor64 pm_fpu_area(%rip)
    jmp 4f
3:  fxrstor64 pm_fpu_area(%rip)
4:  mov %rbx, %rdi
    mov $21, %eax                /* EXO_CALL_pct_return */
    syscall
5:  jmp 5b                       /* not reached: pct_return does not come back here */

    .bss
    .balign 64
pm_fpu_area:                     /* legacy area, XSAVE header, AVX: 832 bytes */
    .skip 1024

    .section .note.GNU-stack,"",@progbits
