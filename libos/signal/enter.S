/*
 * enter.S: how the libOS runs signal work as an upcall of its own (LOS_UPCALL_SELF), so that
 * delivery and sigreturn happen exactly as they do from exo's fault and slice upcalls: on the
 * upcall stack, with the interrupted context in the state page and its x87/SSE/AVX state saved
 * by the upcall entry, and with exo's upcalls held off meanwhile (in_upcall = 1, set first).
 * The context saved is "this call returns value": callee-saved registers as they are now.
 * Nothing touches the stack once in_upcall is set (a fault then would end the env). The state
 * page and upcall stack are the calling thread's (los_sig_enter in deliver.c asks
 * los_thread_upcall_area): exo's in_upcall guard is per thread, and two threads' signal work
 * must not share a stack.
 * And the restorer of handlers installed without one (rt_sigreturn with the frame's place).
 */
#define SELF 4                      /* LOS_UPCALL_SELF */
#define R(n) (40 + 8 * (n))         /* offsetof(struct exo_upcall_state, regs) + 8 * n */

    .text
    .global los_sig_enter_at
/* long los_sig_enter_at(long op, long value, uint64_t arg, uint64_t state, uint64_t top):
 * the calling thread's upcall state page and upcall stack top (los_sig_enter, deliver.c) */
los_sig_enter_at:
    pushfq                          /* before in_upcall: a push may fault (the stack grows) */
    pop     %r10
    mov     %rcx, %r11
    movq    $1, (%r11)              /* in_upcall: from here exo delivers no upcall */
    movq    $SELF, 8(%r11)          /* kind */
    movq    $0, 16(%r11)            /* vector */
    mov     %rdi, 24(%r11)          /* error: the op */
    mov     %rdx, 32(%r11)          /* addr: its argument */
    mov     %r15, R(0)(%r11)
    mov     %r14, R(1)(%r11)
    mov     %r13, R(2)(%r11)
    mov     %r12, R(3)(%r11)
    xor     %eax, %eax              /* caller-saved registers: zero, not stale values */
    .irp n, 4, 5, 6, 7, 9, 10, 11, 12
    mov     %rax, R(\n)(%r11)
    .endr
    mov     %rbp, R(8)(%r11)
    mov     %rbx, R(13)(%r11)
    mov     %rsi, R(14)(%r11)       /* rax: the value the call returns */
    mov     (%rsp), %rax
    mov     %rax, R(15)(%r11)       /* rip: our return address */
    mov     %r10, R(16)(%r11)       /* rflags */
    lea     8(%rsp), %rax
    mov     %rax, R(17)(%r11)       /* rsp: as after our ret */
    mov     %r11, %rdi
    lea     -8(%r8), %rsp           /* as exo enters: rsp + 8 16-byte aligned */
    jmp     los_upcall_entry

    .global los_sig_restorer
/* A handler returns here with rsp at its frame's ucontext: rt_sigreturn(ucontext). */
los_sig_restorer:
    mov     %rsp, %rsi
    mov     $15, %edi               /* LNX_rt_sigreturn */
    call    los_syscall
    ud2                             /* rt_sigreturn does not return */

    .section .note.GNU-stack, "", @progbits
