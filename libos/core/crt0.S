/*
 * crt0.S: where every Tessera program starts. exo (for init) or the spawning libOS sets rsp,
 * rdi, rsi (and rdx: init's command line); crt0 aligns the stack and hands them to los_start,
 * which sets the libOS up, calls main and ends the env with its result.
 */
    .text
    .global _start
_start:
    xor     %ebp, %ebp              /* backtraces stop here */
    and     $-16, %rsp
    call    los_start
1:  jmp     1b                      /* los_start never returns */

    .section .note.GNU-stack, "", @progbits
