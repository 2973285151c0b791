/*
 * trap.S: the entry stubs of all 256 interrupt vectors. Each stub is 16 bytes (idt.c computes
 * stub addresses from that): it pushes a zero error code where the CPU pushes none, then the
 * vector number, and joins trap_common, which saves the general registers as a struct
 * trapframe and calls trap_dispatch. Traps from ring 3 come back here only for a TLB
 * shootdown IPI (answered without the lock); all others leave through env_pop_tf (syscall.S).
 * Either way the swapgs is undone on the way back to ring 3.
 */
#include "frame.inc"
    .text
    .balign 16
    .global trap_stubs
trap_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    /* vectors 8, 10-14, 17, 21, 29, 30 come with an error code from the CPU */
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq   $0
    .endif
    pushq   $vec
    jmp     trap_common
    .set vec, vec + 1
    .endr

trap_common:
    testb   $3, 24(%rsp)            /* CS of the interrupted code: from ring 3? */
    jz      1f
    swapgs                          /* then take this CPU's GS base (undone in env_pop_tf) */
    pushq   $2                      /* and drop the env's AC (unlike syscall's FMASK, a gate */
    popfq                           /* keeps it: SMAP would be off in exo); IF is 0 already */
1:  PUSH_GPRS
    cld
    mov     %rsp, %rdi
    call    trap_dispatch
    POP_GPRS
    add     $16, %rsp               /* vector and error code */
    testb   $3, 8(%rsp)             /* back to ring 3? then its GS base again */
    jz      2f
    swapgs
2:  iretq

    .section .note.GNU-stack, "", @progbits
