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

/* The Tessera note (libos/include/los/spawn.h LOS_NOTE_TYPE): exec runs an ELF without it
 * as a Linux binary. */
    .section .note.tessera, "a", @note
    .balign 4
    .long   8                       /* namesz: "Tessera\0" */
    .long   0                       /* descsz */
    .long   0x7e55                  /* type */
    .asciz  "Tessera"

    .section .note.GNU-stack, "", @progbits
