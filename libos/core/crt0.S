/*
 * crt0.S: where every Tessera program starts. exo (for init) or the spawning libOS sets rsp,
 * rdi and rsi; crt0 aligns the stack, calls main(rdi, rsi) and ends the env with its result.
 */
    .text
    .global _start
_start:
    xor     %ebp, %ebp              /* backtraces stop here */
    and     $-16, %rsp
    call    main
    mov     %eax, %edi
    call    los_exit
1:  jmp     1b

    .section .note.GNU-stack, "", @progbits
