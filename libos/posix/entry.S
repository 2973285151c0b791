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

/* The Tessera note (libos/include/los/spawn.h LOS_NOTE_TYPE): exec runs an ELF without it
 * as a Linux binary. */
    .section .note.tessera, "a", @note
    .balign 4
    .long   8                       /* namesz: "Tessera\0" */
    .long   0                       /* descsz */
    .long   0x7e55                  /* type */
    .asciz  "Tessera"

    .section .note.GNU-stack, "", @progbits
