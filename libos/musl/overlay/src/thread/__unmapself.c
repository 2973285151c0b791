/* Tessera (libos/musl/README.md): musl's __unmapself (a detached thread frees its own stack
 * and exits) without a `syscall`: the libOS does both from a stack of its own
 * (libos/thread, los_thread_unmapself). Replaces musl's generic src/thread/__unmapself.c;
 * x86_64/__unmapself.s is removed (removed.txt). */
#include "pthread_impl.h"

_Noreturn void los_thread_unmapself(void *base, size_t size);

void __unmapself(void *base, size_t size)
{
    los_thread_unmapself(base, size);
}
