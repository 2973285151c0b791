/*
 * crt0.S: a newlib program's _start. The libOS's entry (libos/posix/entry.S, the ELF entry of
 * every native program) has built the Linux process-entry block and jumps here with rsp on it:
 * argc, argv[0..argc-1], NULL, envp..., NULL, auxv. newlib has no start file of its own for a
 * bare x86_64 target (libgloss would bring one; it is not built), so this is it.
 */
    .text
    .global _start
_start:
    xor     %ebp, %ebp              /* backtraces stop here */
    mov     (%rsp), %edi            /* argc */
    lea     8(%rsp), %rsi           /* argv */
    lea     16(%rsp,%rdi,8), %rdx   /* envp: past argv's NULL */
    and     $-16, %rsp              /* the ABI's alignment at a call */
    call    los_newlib_start        /* never returns */
    hlt

    .section .note.GNU-stack, "", @progbits
