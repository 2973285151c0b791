/* Tessera (libos/musl/README.md): musl's __clone, which pthread_create calls, without a
 * `syscall`: the libOS makes the thread (libos/thread, los_clone). Replaces musl's generic
 * src/thread/clone.c (ENOSYS); x86_64/clone.s is removed (removed.txt). */
#include <stdarg.h>
#include "pthread_impl.h"

long los_clone(unsigned long flags, void *stack, int *ptid, int *ctid, unsigned long tls,
               int (*fn)(void *), void *arg);

int __clone(int (*func)(void *), void *stack, int flags, void *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int *ptid = va_arg(ap, int *);
    void *tls = va_arg(ap, void *);
    int *ctid = va_arg(ap, int *);
    va_end(ap);
    return (int)los_clone((unsigned)flags, stack, ptid, ctid, (unsigned long)tls, func, arg);
}
