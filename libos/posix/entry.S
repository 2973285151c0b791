/*
 * entry.S: where a native program starts (its ELF entry, set by tessera-cc and
 * tessera_native_program). The spawner leaves rsp at the top of the stack; posix_start builds
 * the argc/argv/envp/auxv block there, in the POSIX_START_ROOM bytes it runs below, and
 * musl's own _start (crt1.o) takes over on it, as on Linux.
 */
#define POSIX_START_ROOM 24576

    .text
    .global los_posix_entry
los_posix_entry:
    xor     %ebp, %ebp              /* backtraces stop here */
    mov     %rsp, %rdi              /* top: the block goes below it */
    sub     $POSIX_START_ROOM, %rsp
    and     $-16, %rsp
    mov     $POSIX_START_ROOM, %esi
    call    posix_start             /* returns where argc lies */
    mov     %rax, %rsp
    xor     %edx, %edx              /* no exit function from a dynamic linker */
    jmp     _start

    .section .note.GNU-stack, "", @progbits
