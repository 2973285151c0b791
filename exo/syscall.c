/*
 * syscall.c: the dispatch generated from syscalls.def, and the calls that belong to no other
 * object (null, cons_write, clock). A call's result goes into the caller's saved rax; calls that
 * block or switch envs leave through the scheduler instead of returning here.
 */
#include <exo/console.h>
#include <exo/lapic.h>
#include <exo/lock.h>
#include <exo/pmap.h>
#include <exo/sched.h>
#include <exo/syscall.h>

#define EXO_ARG0(a)
#define EXO_ARG1(a) a[0]
#define EXO_ARG2(a) a[0], a[1]
#define EXO_ARG3(a) a[0], a[1], a[2]
#define EXO_ARG4(a) a[0], a[1], a[2], a[3]
#define EXO_ARG5(a) a[0], a[1], a[2], a[3], a[4]

static const char *const names[] = {
#define EXO_CALL(num, name, nargs, params, doc) [num] = #name,
#include <exo/syscalls.def>
#undef EXO_CALL
};

const char *syscall_name(uint64_t n)
{
    return n < sizeof names / sizeof names[0] ? names[n] : NULL;
}

static int64_t dispatch(uint64_t n, const uint64_t *a)
{
    (void)a;
    switch (n) {
#define EXO_CALL(num, name, nargs, params, doc)                                                    \
    case num:                                                                                      \
        return sys_##name(EXO_ARG##nargs(a));
#include <exo/syscalls.def>
#undef EXO_CALL
    }
    return EXO_E_NOSYS;
}

void syscall_trap(struct trapframe *tf)
{
    bkl_lock();
    struct env *e = env_current();
    if (!e) /* another CPU ended our env while it ran here (env_free) */
        sched_run();
    env_charge();
    e->tf = *tf;
    uint64_t n = tf->rax;
    if (n >> 32 == EXO_CALL_TAG_HI) {
        n = (uint32_t)n;
    } else if (e->reflect_rip) { /* a Linux binary's call: its runtime's (EXO_UPCALL_SYSCALL) */
        e->reflected++;
        e->tf.rip = e->reflect_rip; /* rcx and r11 already hold the way back */
        env_run(e);
    }
    e->calls++;
    const uint64_t a[5] = {tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8};
    e->tf.rax = (uint64_t)dispatch(n, a);
    env_run(e);
}

int64_t sys_syscall_reflect(uint64_t handler)
{
    struct env *self = caller();
    if (handler >= EXO_USER_TOP)
        return EXO_E_INVAL;
    uint64_t old = self->reflect_rip;
    self->reflect_rip = handler;
    return (int64_t)old;
}

int64_t sys_null(void)
{
    return 0;
}

int64_t sys_cons_write(uint64_t buf, uint64_t len)
{
    char chunk[256];
    if (len > 4096)
        return EXO_E_RANGE;
    int r = user_check(caller(), buf, len, 0); /* all of it, before a byte is printed */
    if (r < 0)
        return r;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < sizeof chunk ? len - done : sizeof chunk;
        r = user_copy_from(caller(), chunk, buf + done, n);
        if (r < 0)
            return r;
        console_write(chunk, n);
        done += n;
    }
    return (int64_t)len;
}

int64_t sys_clock(void)
{
    return (int64_t)exo_tsc_hz;
}
