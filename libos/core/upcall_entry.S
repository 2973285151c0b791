/*
 * upcall_entry.S: where exo enters the libOS for an upcall (rdi = the state page, on the upcall
 * stack), and how the libOS resumes the interrupted context by itself, without an exo call:
 * it rebuilds rip, rflags and rdi on the interrupted stack, restores every register, and returns.
 * (Tessera code is built without a red zone, so the words pushed below the old rsp are free;
 * the Linux runtime's build, LOS_LINUX_RUNTIME, pushes them below a Linux binary's 128-byte
 * red zone and `ret $128` steps back over it.)
 *
 * exo leaves the x87/SSE/AVX registers alone at an upcall: they still hold the interrupted
 * context's values. Before any C runs, the entry saves them on the upcall stack (XSAVE with
 * the components in XCR0, or FXSAVE: upcall.c probes which) and gives the handler the ABI's
 * control state (FNINIT, MXCSR 0x1F80, DF clear); it loads them back just before resuming.
 * los_upcall_fpu(s) points at the saved image meanwhile (its address is in s's page).
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

#define FPU_SLOT 4088             /* LOS_UPCALL_FPU_SLOT: the state page's last word */
#define XSAVE_HEADER 512          /* XRSTOR refuses a header with stray bits: zero it first */
#define MXCSR_DEFAULT 0x1f80

    .text
    .global los_upcall_entry
los_upcall_entry:
    cld
    mov     %rdi, %rbx              /* the state page; rbx and r12 survive the C call */
    sub     los_upcall_fpu_size(%rip), %rsp
    and     $-64, %rsp              /* XSAVE wants 64-byte alignment; the C call 16 */
    mov     %rsp, %r12
    mov     %r12, FPU_SLOT(%rbx)    /* los_upcall_fpu(s): this upcall's own, per thread */
    xor     %eax, %eax
    .irp off, 0, 8, 16, 24, 32, 40, 48, 56
    mov     %rax, XSAVE_HEADER + \off(%r12)
    .endr
    mov     los_upcall_fpu_mask(%rip), %eax
    mov     los_upcall_fpu_mask + 4(%rip), %edx
    test    %eax, %eax              /* 0: no XSAVE, FXSAVE's x87 and SSE state */
    jz      1f
    xsave64 (%r12)
    jmp     2f
1:  fxsave64 (%r12)
2:  fninit
    pushq   $MXCSR_DEFAULT
    ldmxcsr (%rsp)
    add     $8, %rsp
    mov     %rbx, %rdi
    call    los_upcall_dispatch     /* returns only if the context is to be resumed */
    mov     %rax, %rbx              /* the state page to resume from */
    mov     los_upcall_fpu_mask(%rip), %eax
    mov     los_upcall_fpu_mask + 4(%rip), %edx
    test    %eax, %eax
    jz      3f
    xrstor64 (%r12)
    jmp     4f
3:  fxrstor64 (%r12)
4:  mov     %rbx, %rdi
    .global los_upcall_resume
los_upcall_resume:
    mov     RSP(%rdi), %rsp
    /* rdi, rflags and rip are below rsp already (a Linux binary's 128-byte red zone skipped):
     * los_upcall_dispatch wrote them under the copy-on-write lock, so a fork by another thread
     * sharing the page again since cannot make this a write fault; the pops only read. */
#ifdef LOS_LINUX_RUNTIME
    sub     $(128 + 24), %rsp
#else
    sub     $24, %rsp
#endif
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
    pop     %rdi
    popfq
#ifdef LOS_LINUX_RUNTIME
    ret     $128                    /* rip, then rsp back above the red zone */
#else
    ret
#endif

    .section .note.GNU-stack, "", @progbits
