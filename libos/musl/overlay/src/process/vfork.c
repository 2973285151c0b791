/* Tessera: vfork is the libOS's own call (SYS_vfork, a function call like every other):
 * the child gets a copy-on-write view of the parent's memory and the parent returns only once
 * the child has exec'd or exited (libos/proc/fork.c). musl's generic version calls SYS_fork,
 * which would not suspend the parent. */
#define _GNU_SOURCE
#include <unistd.h>
#include "syscall.h"

pid_t vfork(void)
{
    return syscall(SYS_vfork);
}
