/*
 * call_on.S: los_thread_call_on(arg, fn, top): calls fn(arg) on the stack whose top is `top`
 * (16-byte aligned) and never comes back: how an ending thread leaves its own stack (which
 * pthread_join may free the moment the thread's clear-tid word is zero) for its row's.
 */
    .text
    .global los_thread_call_on
los_thread_call_on:
    mov     %rdx, %rsp
    xor     %ebp, %ebp              /* backtraces stop here */
    call    *%rsi
    ud2                             /* fn does not return */

    .section .note.GNU-stack, "", @progbits
