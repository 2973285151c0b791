/*
 * syscall.S: entering exo from ring 3 through `syscall`, and leaving to ring 3 from a saved
 * context. Entry builds the same struct trapframe a trap from ring 3 builds (vector 0x100 marks a
 * syscall) on this CPU's kernel stack and calls syscall_trap, which never returns: every way
 * back to an env goes through env_pop_tf, with iretq.
 */
#include "frame.inc"
#define SEL_UCODE 0x23
#define SEL_UDATA 0x1b

    .text
    .global syscall_entry
syscall_entry:
    swapgs                          /* GS base: this CPU's struct percpu */
    mov     %rsp, %gs:8             /* percpu.user_rsp */
    mov     %gs:0, %rsp             /* percpu.kstack_top */
    pushq   $SEL_UDATA              /* ss */
    pushq   %gs:8                   /* rsp */
    pushq   %r11                    /* rflags, as syscall saved them */
    pushq   $SEL_UCODE              /* cs */
    pushq   %rcx                    /* rip, as syscall saved it */
    pushq   $0                      /* error */
    pushq   $0x100                  /* vector: a syscall */
    PUSH_GPRS
    xor     %ebp, %ebp              /* backtraces stop at the user boundary */
    mov     %rsp, %rdi
    call    syscall_trap
1:  hlt                             /* not reached */
    jmp     1b

/* env_pop_tf(struct trapframe *tf): restores a ring-3 context and enters it. */
    .global env_pop_tf
env_pop_tf:
    mov     %rdi, %rsp
    POP_GPRS
    add     $16, %rsp               /* vector and error */
    swapgs                          /* back to the env's GS base */
    iretq

    .section .note.GNU-stack, "", @progbits
