/*
 * entry.S: the first instructions of exo. The loader jumps here with RDI = physical address of
 * the boot info (see bootinfo.h); exo moves to its own stack at once, because the loader's stack
 * lives in boot-services memory that exo is about to hand out.
 */
    .section .text.entry, "ax"
    .global exo_entry
exo_entry:
    cli
    rdtsc                           /* entry time stamp for the boot benchmark */
    shl     $32, %rdx
    or      %rax, %rdx
    mov     %rdx, %rsi              /* exo_main(bootinfo_phys, tsc_entry) */
    lea     exo_boot_stack_top(%rip), %rsp
    xor     %ebp, %ebp              /* backtraces stop here */
    call    exo_main
1:  cli
    hlt
    jmp     1b

    .section .bss.stack, "aw", @nobits
    .balign 4096
    .global exo_stack_guard
exo_stack_guard:                    /* left unmapped: an overflow faults instead of corrupting */
    .skip   4096
    .global exo_boot_stack
exo_boot_stack:
    .skip   32768
    .global exo_boot_stack_top
exo_boot_stack_top:

    .section .note.GNU-stack, "", @progbits
