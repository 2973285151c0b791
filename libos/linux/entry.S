/*
 * entry.S: the Linux runtime's two ways in. lnx_rt_entry is where pm starts the env (the
 * runtime's ELF entry): the runtime sets the libOS up on a stack of its own, lays the Linux
 * process's entry block at the main stack's top and jumps to the binary's entry with the
 * registers Linux gives a new process. lnx_syscall_entry is where exo resumes the env at each
 * reflected `syscall` (syscall_reflect, EXO_UPCALL_SYSCALL): rcx holds the rip after it, r11
 * the rflags, every other register is the binary's. The call runs on the runtime's stack (the
 * binary's own, red zone included, is never written), then every register comes back but rax
 * (the result), rcx and r11, as Linux's `sysret` leaves them. lnx_fast_entry is the same for a
 * `syscall` site the runtime rewrote to `call *%rax` (fastpath.c): no trap, the return address
 * the call pushed taken back first.
 *
 * Signals: los_sig_in_call is 1 from the first instruction to the last, so a slice upcall
 * meanwhile delivers nothing (its saved context would be the runtime's); lnx_deliver hands a
 * signal to the binary's own context as an upcall of the libOS's (LOS_UPCALL_SELF).
 */
#define STATE 0x00006ffe00000000     /* LOS_UPCALL_STATE_VA */
#define STACK_TOP 0x00006ffe00010000 /* LOS_UPCALL_STACK_TOP */
#define SELF 4                       /* LOS_UPCALL_SELF */
#define OP_DELIVER 1                 /* SIG_OP_DELIVER (libos/signal/sigstate.h) */
#define FAULT 1                      /* EXO_UPCALL_FAULT */

/* On the runtime's stack: the binary's registers as struct exo_regs, from its last field down
 * (rsp from lnx_user_rsp, rflags = r11, rip = rcx: what `syscall` left), then its address in
 * rdi for the call. */
.macro SAVE
    pushq   lnx_user_rsp(%rip)
    push    %r11                    /* rflags */
    push    %rcx                    /* rip: after the `syscall` */
    push    %rax
    push    %rbx
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rbp
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    mov     %rsp, %rdi
    cld
.endm

/* Every register back but rax (the result), rcx = the rip after, r11 = rflags, as Linux's
 * `sysret` leaves them, and back to the binary. */
.macro RESTORE
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rbp
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %rcx
    pop     %rbx
    add     $16, %rsp               /* rax (the result is in it), rip (rcx has it) */
    popfq                           /* the binary's flags; nothing below changes them */
    mov     (%rsp), %rsp
    movq    $0, los_sig_in_call(%rip)
    jmp     *%rcx
.endm

    .text
    .global lnx_rt_entry
lnx_rt_entry:
    xor     %ebp, %ebp
    mov     %rsp, %rdi              /* the main stack's top: the entry block goes below it */
    lea     lnx_stack_top(%rip), %rsp
    call    lnx_rt_main             /* returns the binary's rsp */
    mov     %rax, %rsp
    xor     %eax, %eax              /* Linux starts a process with every register 0 */
    xor     %ebx, %ebx
    xor     %ecx, %ecx
    xor     %edx, %edx              /* rdx: no exit function for the C library to register */
    xor     %esi, %esi
    xor     %edi, %edi
    xor     %ebp, %ebp
    xor     %r8d, %r8d
    xor     %r9d, %r9d
    xor     %r10d, %r10d
    xor     %r11d, %r11d
    xor     %r12d, %r12d
    xor     %r13d, %r13d
    xor     %r14d, %r14d
    xor     %r15d, %r15d
    jmp     *lnx_entry(%rip)

/* A rewritten site's `call *%rax` through the trampoline page (fastpath.c): rsp points at the
 * return address (the instruction after the 2-byte site), r11 was the trampoline's, rcx is the
 * binary's (a `syscall` clobbers both). Made into what a reflected `syscall` leaves, rcx = the
 * rip after it and r11 = rflags, then the same path; the flags are taken before anything here
 * changes them. */
    .global lnx_fast_entry
lnx_fast_entry:
    movq    $1, los_sig_in_call(%rip)
    pop     %rcx                    /* the rip after the site; rsp is the binary's again */
    mov     %rsp, lnx_user_rsp(%rip)
    lea     lnx_stack_top(%rip), %rsp
    pushfq
    pop     %r11
    incq    lnx_calls_fast(%rip)
    SAVE
    call    lnx_fast_call           /* rax: the result */
    RESTORE

    .global lnx_syscall_entry
lnx_syscall_entry:
    movq    $1, los_sig_in_call(%rip)
    mov     %rsp, lnx_user_rsp(%rip)
    lea     lnx_stack_top(%rip), %rsp
    incq    lnx_calls_trap(%rip)    /* flags: the binary's are in r11 already */
    SAVE
    call    lnx_call                /* rax: the result */
    RESTORE

/* void lnx_fetch_fault(const struct exo_regs *u, uint64_t addr): the context u as a fault
 * upcall, a page fault at addr by a user instruction fetch, for the libOS's fault handling
 * (SIGSEGV, SEGV_MAPERR at addr, as Linux has it). Its error code says present and protection
 * key (0x35), as the execute-only page's own faults do: "not present" would have the demand
 * pager find the trampoline page there and resume the context, again and again. */
    .global lnx_fetch_fault
lnx_fetch_fault:
    movabs  $STATE, %r11
    movq    $1, (%r11)              /* in_upcall */
    movq    $FAULT, 8(%r11)
    movq    $14, 16(%r11)           /* #PF */
    movq    $0x35, 24(%r11)         /* protection key | fetch | user | present */
    mov     %rsi, 32(%r11)
    jmp     2f

/* void lnx_deliver(const struct exo_regs *u): the binary's context u, its call's result in
 * rax, becomes a LOS_UPCALL_SELF upcall that delivers pending signals to it (handler frames
 * on its own stack, as libos/signal builds them for any upcall) and resumes it. */
    .global lnx_deliver
lnx_deliver:
    movabs  $STATE, %r11
    movq    $1, (%r11)              /* in_upcall: from here exo delivers no upcall */
    movq    $SELF, 8(%r11)
    movq    $0, 16(%r11)
    movq    $OP_DELIVER, 24(%r11)
    movq    $0, 32(%r11)
2:  mov     %rdi, %rsi
    lea     40(%r11), %rdi          /* regs */
    mov     $18, %ecx
    rep movsq
    movq    $0, los_sig_in_call(%rip) /* the context saved is the binary's: not in a call */
    mov     %r11, %rdi
    movabs  $STACK_TOP - 8, %rsp
    jmp     los_upcall_entry

    .bss
    .balign 16
lnx_stack:
    .skip   65536                   /* the runtime's stack (one thread: libos/linux/README.md) */
    .global lnx_stack_top
lnx_stack_top:
lnx_user_rsp:
    .skip   8
    .global lnx_calls_fast, lnx_calls_trap
lnx_calls_fast:
    .skip   8                       /* calls through the trampoline page */
lnx_calls_trap:
    .skip   8                       /* calls reflected by exo (the trap path) */

    .section .note.GNU-stack, "", @progbits
