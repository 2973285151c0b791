/*
 * trap.S: the entry stubs of all 256 interrupt vectors. Each stub is 16 bytes (idt.c computes
 * stub addresses from that): it pushes a zero error code where the CPU pushes none, then the
 * vector number, and joins trap_common, which saves the general registers as a struct
 * trapframe and calls trap_dispatch. Traps from ring 3 come back here only for a TLB
 * shootdown IPI or a stray interrupt (trap.c; answered without the lock); all others leave
 * through env_pop_tf (syscall.S). Either way the swapgs is undone on the way back to ring 3.
 *
 * Vectors whose exception pushes an error code (8, 10-14, 17, 21, 29, 30) can also arrive as
 * interrupts, which push none: a device message or IPI with that vector (QEMU delivers any
 * vector, docs/status.md). A ring-3 `int n` cannot: every gate has DPL 0, so it is a #GP.
 * trap_errcode tells the two apart by the stack alone (see there), so the frame is never
 * misread.
 */
#include <exo/trap.h>
#include "frame.inc"
    .text
    .balign 16
    .global trap_stubs
trap_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    pushq   $vec                    /* an error code, if the CPU pushed one, lies above */
    jmp     trap_errcode
    .else
    pushq   $0
    pushq   $vec
    jmp     trap_common
    .endif
    .set vec, vec + 1
    .endr

/* In 64-bit mode the CPU aligns RSP down to 16 bytes before it pushes a frame (SDM vol. 3,
 * 6.14.2: every interrupt and exception, with or without a stack switch). Five qwords (ss, rsp,
 * rflags, cs, rip) plus the error code and our vector is 7: RSP = 8 mod 16; without the error
 * code it is 6: RSP = 0 mod 16. Then the vector came as an interrupt: a zero error code goes
 * in under it, and TRAP_STRAY marks the vector for trap_dispatch. */
trap_errcode:
    testb   $8, %spl
    jnz     trap_common             /* the error code is there: the exception itself */
    pushq   (%rsp)                  /* [vec][rip].. -> [vec][vec][rip].. */
    movq    $0, 8(%rsp)             /* -> [vec][0][rip]..: the layout trap_common expects */
    orq     $TRAP_STRAY, (%rsp)
    jmp     trap_common

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
