/*
 * uaccess.S: the routines that touch a caller's memory for uaccess.c. Each is a leaf (nothing
 * pushed), so a fault anywhere between los_uaccess_begin and los_uaccess_end is recovered by
 * resuming at los_uaccess_fault with the same rsp: it returns -EFAULT to the routine's caller
 * (los_uaccess_fixup, core/upcall.c, moves the rip there from the fault upcall).
 */
    .text
    .global los_uaccess_begin, los_uaccess_end, los_uaccess_fault
    .global los_uaccess_copy, los_uaccess_strnlen, los_uaccess_touch_read, los_uaccess_touch_write
    .global los_uaccess_put2
los_uaccess_begin:

/* long los_uaccess_copy(void *dst, const void *src, size_t n): 0 */
los_uaccess_copy:
    mov     %rdx, %rcx
    rep movsb
    xor     %eax, %eax
    ret

/* long los_uaccess_strnlen(const char *s, size_t max): the length, at most max */
los_uaccess_strnlen:
    xor     %eax, %eax
1:  cmp     %rsi, %rax
    jae     2f
    cmpb    $0, (%rdi, %rax)
    je      2f
    inc     %rax
    jmp     1b
2:  ret

/* long los_uaccess_touch_read(const void *p): 0 if the byte at p can be read */
los_uaccess_touch_read:
    movzbl  (%rdi), %eax
    xor     %eax, %eax
    ret

/* long los_uaccess_touch_write(void *p): 0 if the byte at p can be written (left unchanged:
 * an atomic OR of 0, so a concurrent writer loses nothing) */
los_uaccess_touch_write:
    lock orb $0, (%rdi)
    xor     %eax, %eax
    ret

/* long los_uaccess_put2(uint64_t *dst, uint64_t a, uint64_t b): 0 once dst[0] = a and
 * dst[1] = b (a timespec: clock_gettime's fast path, no copy loop) */
los_uaccess_put2:
    mov     %rsi, (%rdi)
    mov     %rdx, 8(%rdi)
    xor     %eax, %eax
    ret

los_uaccess_end:

los_uaccess_fault:
    mov     $-14, %rax              /* -EFAULT */
    ret

    .section .note.GNU-stack, "", @progbits
