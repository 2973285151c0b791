/*
 * upcall_entry.S: where exo enters the libOS for an upcall (rdi = the state page, on the upcall
 * stack), and how the libOS resumes the interrupted context by itself, without an exo call:
 * it rebuilds rip and rflags on the interrupted stack, restores every register, and returns.
 * (Tessera code is built without a red zone, so the words pushed below the old rsp are free.)
 */
#define R(n) (40 + 8 * (n))         /* offsetof(struct exo_upcall_state, regs) + 8 * n */
#define R15 R(0)
#define R14 R(1)
#define R13 R(2)
#define R12 R(3)
#define R11 R(4)
#define R10 R(5)
#define R9  R(6)
#define R8  R(7)
#define RBP R(8)
#define RDI R(9)
#define RSI R(10)
#define RDX R(11)
#define RCX R(12)
#define RBX R(13)
#define RAX R(14)
#define RIP R(15)
#define RFLAGS R(16)
#define RSP R(17)

    .text
    .global los_upcall_entry
los_upcall_entry:
    sub     $8, %rsp                /* entered "as if called": realign for the C call */
    call    los_upcall_dispatch     /* returns only if the context is to be resumed */
    /* fall through: rdi still points at the state page (los_upcall_dispatch returns it) */
    mov     %rax, %rdi
    .global los_upcall_resume
los_upcall_resume:
    mov     RSP(%rdi), %rsp
    pushq   RIP(%rdi)
    pushq   RFLAGS(%rdi)
    mov     R15(%rdi), %r15
    mov     R14(%rdi), %r14
    mov     R13(%rdi), %r13
    mov     R12(%rdi), %r12
    mov     R11(%rdi), %r11
    mov     R10(%rdi), %r10
    mov     R9(%rdi), %r9
    mov     R8(%rdi), %r8
    mov     RBP(%rdi), %rbp
    mov     RSI(%rdi), %rsi
    mov     RDX(%rdi), %rdx
    mov     RCX(%rdi), %rcx
    mov     RBX(%rdi), %rbx
    mov     RAX(%rdi), %rax
    movq    $0, (%rdi)              /* in_upcall = 0: the next fault may upcall again */
    mov     RDI(%rdi), %rdi
    popfq
    ret

    .section .note.GNU-stack, "", @progbits
