/*
 * upcall.h: the libOS side of upcalls. exo saves the interrupted context in this env's state
 * page and enters los_upcall_entry on the upcall stack; the libOS calls the handler registered
 * for the cause and, if it returns 0, resumes the saved context itself (no exo call). A handler
 * that returns nonzero ends the env, as exo would have without a handler.
 *
 * The interrupted context's x87/SSE/AVX state is saved by the entry before the handler runs
 * and loaded back when it resumes, so handlers are ordinary C that may use those registers.
 */
#ifndef LOS_UPCALL_H
#define LOS_UPCALL_H

#include <exo/abi.h>

#define LOS_UPCALL_STATE_VA 0x00006ffe00000000ull  /* the state page */
#define LOS_UPCALL_STACK_TOP 0x00006ffe00010000ull /* 8 pages below, the handler's stack */

/* What the resume skips below the interrupted rsp, under which it finds rip, rflags and rdi: 0 in
 * Tessera code (built without a red zone); a Linux binary's 128-byte red zone in the Linux
 * runtime (libos/linux), which builds the libOS with LOS_LINUX_RUNTIME. */
#ifdef LOS_LINUX_RUNTIME
#define LOS_UPCALL_RESUME_SKIP 128
#else
#define LOS_UPCALL_RESUME_SKIP 0
#endif

/* Not exo's: the libOS enters its own upcall path for this kind (signal delivery and
 * sigreturn, libos/signal), so that work runs as an upcall does, with exo's upcalls held off. */
#define LOS_UPCALL_SELF 4
#define LOS_UPCALL_KINDS 5

typedef int (*los_upcall_fn)(struct exo_upcall_state *s);

/* Maps the state page and the upcall stack and registers them with exo. 0 or an exo error. */
int los_upcall_init(void);

/* The same for a thread (env_thread) of this env: maps a state page of its own at state_va
 * and 8 stack pages below stack_top, and registers them for the calling thread, which then
 * takes its upcalls there, with the handlers los_upcall_handle chose for the whole env. */
int los_upcall_init_at(uint64_t state_va, uint64_t stack_top);

/* Registers the upcall entry with exo again, on the state page and stack already mapped: for
 * a forked child, whose copied memory has them but whose env exo has never heard of. */
int los_upcall_register(void);

/* Handler for EXO_UPCALL_FAULT / EXO_UPCALL_REVOKE / EXO_UPCALL_SLICE / LOS_UPCALL_SELF. With none,
 * a fault or revocation request ends the env and a slice end simply resumes. Returns the handler
 * it replaces (NULL: none), for one that looks first and passes the rest on. */
los_upcall_fn los_upcall_handle(uint64_t kind, los_upcall_fn fn);

/* The demand pager: consulted first for every fault, before the uaccess fixup and the FAULT
 * handler; returns 1 if it made the faulting access valid (the context resumes and retries
 * it), else 0. The stack's growth lives here (libos/signal), so a copy to a stack page not
 * mapped yet grows the stack instead of failing with EFAULT. */
void los_upcall_pager(int (*fn)(struct exo_upcall_state *s));

/* Called before every resume with the rsp the context resumes with: the resume writes rip,
 * rflags and rdi in the 24 bytes below it while exo's upcalls are still held off, so a page
 * fault there would end the env; fn maps that page if it is the stack's to grow into. */
void los_upcall_room(void (*fn)(uint64_t rsp));

/* Called instead of a resume whose 24 bytes below rsp have no writable page even then (a
 * sigreturn to a stack that is not there: rsp 0, a kernel address): fn makes it the fault
 * Linux would see, either ending the process or pointing s at a handler's context on another
 * stack and returning 1 (that context is resumed instead). Without one, or if that context
 * cannot be resumed either, the resume's first store ends the env. Checked for the libOS's
 * own upcalls (sigreturn, delivery), slices, and every resume once the process has threads. */
void los_upcall_lost(int (*fn)(struct exo_upcall_state *s));

/* The state page (valid after los_upcall_init). */
struct exo_upcall_state *los_upcall_state(void);

/* Inside a handler of the upcall whose state page is s: the interrupted context's extended
 * state as the entry saved it, in XSAVE layout (64-byte aligned; FXSAVE's 512-byte layout if
 * the CPU has no XSAVE). Changes to it take effect when the context resumes (a signal frame's
 * copy goes here at sigreturn). With XSAVE, a component whose XSTATE_BV bit (header, byte 512)
 * is clear was in its initial state: its bytes are stale and XRSTOR ignores them unless the bit
 * is set. Per upcall (each thread has its own state page and stack): the entry keeps the
 * image's address in the state page's last word, LOS_UPCALL_FPU_SLOT, past exo's struct. */
#define LOS_UPCALL_FPU_SLOT 4088
void *los_upcall_fpu(const struct exo_upcall_state *s);

#endif
