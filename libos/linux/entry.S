/*
 * entry.S: the Linux runtime's ways in. lnx_rt_entry is where pm starts the env (the
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
 * Threads: each thread of the binary has its own way in. The first thread's is
 * lnx_syscall_entry, on the runtime's stack; the thread in row i of libos/thread registers
 * lnx_thread_entries + 32 * i (exo keeps a handler per env), which runs its calls on the stack
 * in its row (LOS_THREAD_CALL_TOP), its rsp kept in its own word: nothing needs the FS base
 * (the binary's) or a register to find it. The fast entry is one for every thread (one
 * trampoline page, no register of its own), so it finds the calling thread by its GS base,
 * which exo keeps per env (gs_set) and the binary does not use on x86-64: each thread's points
 * at its own struct lnx_gs (its call stack's top), the first thread's too. lnx_resume starts a new thread
 * in the binary as Linux's clone does: the registers of the parent's call, rax = 0, rsp = the
 * stack it was given.
 *
 * Signals: a slice upcall that interrupts a thread here, in the runtime, delivers nothing (its
 * context would be the runtime's: libos/signal tells by rip, per thread); lnx_deliver hands a
 * signal to the binary's own context as an upcall of the libOS's (LOS_UPCALL_SELF), on the
 * calling thread's own upcall state page and stack.
 */
#define THREAD_VA 0x00006f9000000000 /* LOS_THREAD_VA (libos/thread/include/thread/thread.h) */
#define THREAD_STRIDE 0x100000       /* LOS_THREAD_STRIDE */
#define THREAD_CALL_TOP 0x1d000      /* LOS_THREAD_CALL_TOP */
#define THREAD_MAX 32                /* LOS_THREAD_MAX */
#define SELF 4                       /* LOS_UPCALL_SELF */
#define OP_DELIVER 1                 /* SIG_OP_DELIVER (libos/signal/sigstate.h) */
#define FAULT 1                      /* EXO_UPCALL_FAULT */
#define ENTRY_SAVED 7                /* LNX_ENTRY_SAVED: an entry's first instruction's length */
#define GETPID 39                    /* LNX_getpid */

/* On the call's stack, below the binary's rsp (pushed already): the binary's registers as
 * struct exo_regs, from its last field down (rflags = r11, rip = rcx: what `syscall` left),
 * then its address in rdi for the call. */
.macro SAVE
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

/* rsp: a struct exo_regs; rax: the result. Every register back but rax, rcx = the rip after,
 * r11 = rflags, as Linux's `sysret` leaves them, and back to the binary. */
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
 * rip after it and r11 = rflags, then the same path on the calling thread's own call stack,
 * found through its GS base: every thread's points at its own struct lnx_gs (runtime.c, exo's
 * gs_set; the binary never has GS: arch_prctl's ARCH_SET_GS is refused), whose first word is
 * the stack's top, the second a word for the binary's rsp, the third the thread's count of
 * direct calls. The flags are taken before anything here changes them (mov leaves them). */
    .global lnx_fast_entry
lnx_fast_entry:
    pop     %rcx                    /* the rip after the site; rsp is the binary's again */
    /* The leaf: getpid again from the site the thread's last getpid was checked at, nothing for
     * the process to look at: the answer it had, no table and no frame. The flags go to the
     * slot the call used (the red-zone rule lets the call write it) and come back as they were;
     * r11 = rflags, rcx = the rip after, as `syscall` leaves them. */
    pushfq
    cmp     $GETPID, %eax           /* Linux reads eax */
    jne     1f
    cmp     %rcx, %gs:24            /* struct lnx_gs's site */
    jne     1f
    mov     lnx_attention(%rip), %r11
    cmpl    $0, (%r11)
    jne     1f
    mov     %gs:32, %eax            /* its pid */
    incq    %gs:16
    mov     (%rsp), %r11
    popfq
    jmp     *%rcx
1:  popfq                           /* the flags as the call left them, rsp the binary's */
    mov     %rsp, %gs:8             /* (GS base 0 would be the trampoline's page: a fault) */
    mov     %gs:0, %rsp
    pushfq
    pop     %r11
    incq    %gs:16                  /* the thread's own: no lock, no lost count */
    pushq   %gs:8                   /* struct exo_regs, from its last field down */
    SAVE
    call    lnx_fast_call           /* rax: the result */
    RESTORE

    .global lnx_syscall_entry
lnx_syscall_entry:                  /* the first thread's */
    mov     %rsp, lnx_user_rsp(%rip)
3:  .if     3b - lnx_syscall_entry - ENTRY_SAVED
    .error  "lnx_site_fault resumes an entry past its first instruction: ENTRY_SAVED bytes"
    .endif
    lea     lnx_stack_top(%rip), %rsp
    pushq   lnx_user_rsp(%rip)
    jmp     lnx_syscall_common

/* Row i's: its own word for the binary's rsp, its own stack (mapped by libos/thread). */
    .balign 32
    .global lnx_thread_entries
lnx_thread_entries:
    .set    i, 0
    .rept   THREAD_MAX
4:  mov     %rsp, lnx_thread_rsp + 8 * i(%rip)
5:  .if     5b - 4b - ENTRY_SAVED
    .error  "lnx_site_fault resumes an entry past its first instruction: ENTRY_SAVED bytes"
    .endif
    movabs  $(THREAD_VA + THREAD_STRIDE * i + THREAD_CALL_TOP), %rsp
    pushq   lnx_thread_rsp + 8 * i(%rip)
    jmp     lnx_syscall_common
    .balign 32
    .set    i, i + 1
    .endr

lnx_syscall_common:
    incq    lnx_calls_trap(%rip)    /* flags: the binary's are in r11 already */
    SAVE
    call    lnx_trap_call           /* rax: the result */
lnx_syscall_return:                 /* rsp: a struct exo_regs; rax: the result */
    RESTORE

/* void lnx_resume(const struct exo_regs *r): a new thread enters the binary with r's
 * registers but rax = 0 (clone's answer in the child), as a reflected call returns. r is
 * only read (it is the row's copy, which stays while the thread lives). */
    .global lnx_resume
lnx_resume:
    mov     %rdi, %rsp
    xor     %eax, %eax
    jmp     lnx_syscall_return

/* void lnx_fetch_fault(const struct exo_regs *u, uint64_t addr, uint64_t state, uint64_t
 * stack_top): the context u as a fault upcall on the calling thread's upcall state page and
 * stack, a page fault at addr by a user instruction fetch, for the libOS's fault handling
 * (SIGSEGV, SEGV_MAPERR at addr, as Linux has it). Its error code says present and protection
 * key (0x35), as the execute-only page's own faults do: "not present" would have the demand
 * pager find the trampoline page there and resume the context, again and again. */
    .global lnx_fetch_fault
lnx_fetch_fault:
    mov     %rdx, %r11
    mov     %rcx, %r9
    movq    $1, (%r11)              /* in_upcall */
    movq    $FAULT, 8(%r11)
    movq    $14, 16(%r11)           /* #PF */
    movq    $0x35, 24(%r11)         /* protection key | fetch | user | present */
    mov     %rsi, 32(%r11)
    jmp     2f

/* void lnx_deliver(const struct exo_regs *u, uint64_t state, uint64_t stack_top): the
 * binary's context u, its call's result in rax, becomes a LOS_UPCALL_SELF upcall on the
 * calling thread's upcall state page and stack that delivers pending signals to it (handler
 * frames on its own stack, as libos/signal builds them for any upcall) and resumes it. */
    .global lnx_deliver
lnx_deliver:
    mov     %rsi, %r11
    mov     %rdx, %r9
    movq    $1, (%r11)              /* in_upcall: from here exo delivers no upcall */
    movq    $SELF, 8(%r11)
    movq    $0, 16(%r11)
    movq    $OP_DELIVER, 24(%r11)
    movq    $0, 32(%r11)
2:  mov     %rdi, %rsi
    lea     40(%r11), %rdi          /* regs */
    mov     $18, %ecx
    rep movsq
    mov     %r11, %rdi
    lea     -8(%r9), %rsp           /* as exo enters: rsp + 8 16-byte aligned */
    jmp     los_upcall_entry

    .bss
    .balign 16
lnx_stack:
    .skip   65536                   /* the first thread's stack for its calls */
    .global lnx_stack_top
lnx_stack_top:
    .global lnx_user_rsp, lnx_thread_rsp
lnx_user_rsp:
    .skip   8
lnx_thread_rsp:
    .skip   8 * THREAD_MAX
    .global lnx_calls_fast, lnx_calls_trap
lnx_calls_fast:
    .skip   8                       /* fastpath.c's corrections (each thread counts its own) */
lnx_calls_trap:
    .skip   8                       /* calls reflected by exo (the trap path) */

    .section .note.GNU-stack, "", @progbits
