/*
 * fork_entry.S: the registers a forked child resumes with. proc_fork_save is setjmp: it keeps
 * the callee-saved registers, the stack pointer and return address, MXCSR and the x87 control
 * word in the parent's memory, which the copy carries into the child; it returns 0. The child
 * starts at proc_fork_child (exo_env_start, rdi = that record in its copy, rsp = a page of
 * its own: its stack is shared copy-on-write, and a write fault there can be answered only
 * once its upcall entry is registered): it sets up what exo keeps per env (its thread
 * pointer, its upcall registration: proc_fork_child_setup), loads the registers and returns
 * from proc_fork_save a second time, with 1.
 */
    .text
    .globl proc_fork_save
proc_fork_save:
    mov %rbx, 0(%rdi)
    mov %rbp, 8(%rdi)
    mov %r12, 16(%rdi)
    mov %r13, 24(%rdi)
    mov %r14, 32(%rdi)
    mov %r15, 40(%rdi)
    lea 8(%rsp), %rax
    mov %rax, 48(%rdi)            /* rsp once returned */
    mov (%rsp), %rax
    mov %rax, 56(%rdi)            /* where it returns */
    stmxcsr 64(%rdi)
    fnstcw 68(%rdi)
    xor %eax, %eax
    ret

    .globl proc_fork_child
proc_fork_child:
    mov %rdi, %rbx
    and $-16, %rsp
    call proc_fork_child_setup
    mov %rbx, %rdi
    ldmxcsr 64(%rdi)
    fldcw 68(%rdi)
    mov 48(%rdi), %rsp
    mov 0(%rdi), %rbx
    mov 8(%rdi), %rbp
    mov 16(%rdi), %r12
    mov 24(%rdi), %r13
    mov 32(%rdi), %r14
    mov 40(%rdi), %r15
    mov $1, %eax
    jmp *56(%rdi)

    .section .note.GNU-stack,"",@progbits
