/*
 * test_reflect.c: syscall_reflect (exo call 46), how a Linux binary's `syscall` reaches its
 * runtime. With a handler set, an untagged `syscall` is no exo call: exo resumes the env at
 * the handler with every register as the instruction left them (rcx = the rip after it,
 * r11 = rflags); tagged calls (every abi.h stub) still reach exo. A refused call changes
 * nothing.
 */
#include "exotest.h"

/* The handler: records what it was entered with, answers rax = -rax, returns through rcx
 * (as a Linux runtime does: rcx and r11 are the call's clobbers). No stack is touched. */
uint64_t reflect_seen[8];
void reflect_handler(void);
__asm__(".text\n"
        "reflect_handler:\n"
        "  mov %rax, reflect_seen+0(%rip)\n"
        "  mov %rcx, reflect_seen+8(%rip)\n"
        "  mov %r11, reflect_seen+16(%rip)\n"
        "  mov %rdi, reflect_seen+24(%rip)\n"
        "  mov %r10, reflect_seen+32(%rip)\n"
        "  mov %rsp, reflect_seen+40(%rip)\n"
        "  mov %r9, reflect_seen+48(%rip)\n"
        "  neg %rax\n"
        "  jmp *%rcx\n");

/* A Linux-style call: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9. Returns rax,
 * and where the `syscall` instruction ended (*after) and the rsp at it (*sp). */
static uint64_t lnx_call(uint64_t n, uint64_t a0, uint64_t a3, uint64_t a5, uint64_t *after,
                         uint64_t *sp)
{
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r9 __asm__("r9") = a5;
    uint64_t ret;
    __asm__ volatile("lea 1f(%%rip), %%rax\n"
                     "mov %%rax, %[after]\n"
                     "mov %%rsp, %[sp]\n"
                     "mov %[n], %%rax\n"
                     "syscall\n"
                     "1:\n"
                     : "=&a"(ret), [after] "=m"(*after), [sp] "=m"(*sp)
                     : [n] "r"(n), "D"(a0), "r"(r10), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

EXOTEST(syscall_reflect_sends_untagged_calls_to_the_handler)
{
    CHECK_EQ(exo_syscall_reflect(EXO_USER_TOP), EXO_E_INVAL); /* refused: nothing changed */
    CHECK_EQ(exo_syscall_reflect((uint64_t)-1), EXO_E_INVAL);
    /* Untagged, with no handler: still an exo call (null). */
    uint64_t after, sp;
    CHECK_EQ(lnx_call(EXO_CALL_null, 0, 0, 0, &after, &sp), 0);
    CHECK_EQ(exo_syscall_reflect((uint64_t)reflect_handler), 0);
    uint64_t r = lnx_call(39, 0x1111, 0x2222, 0x3333, &after, &sp);
    CHECK_EQ(r, (uint64_t)-39);
    CHECK_EQ(reflect_seen[0], 39);
    CHECK_EQ(reflect_seen[1], after);  /* rcx: the rip after `syscall` */
    CHECK(reflect_seen[2] & 0x200);    /* r11: rflags, IF set */
    CHECK_EQ(reflect_seen[3], 0x1111); /* rdi, r10, r9 untouched */
    CHECK_EQ(reflect_seen[4], 0x2222);
    CHECK_EQ(reflect_seen[6], 0x3333);
    CHECK_EQ(reflect_seen[5], sp); /* the caller's own stack */
    /* Numbers exo knows are reflected too: only the tag makes an exo call. */
    CHECK_EQ(lnx_call(EXO_CALL_null, 0, 0, 0, &after, &sp), (uint64_t)-EXO_CALL_null);
    CHECK_EQ(exo_null(), 0); /* tagged: exo's */
    /* Replacing returns the old handler; 0 turns it off. */
    CHECK_EQ(exo_syscall_reflect(0), (int64_t)(uint64_t)reflect_handler);
    CHECK_EQ(exo_syscall_reflect(0), 0);
    reflect_seen[0] = 0;
    CHECK_EQ(lnx_call(EXO_CALL_null, 0, 0, 0, &after, &sp), 0);
    CHECK_EQ(reflect_seen[0], 0);
    return 0;
}
