/* Tessera: musl's system-call entry for x86_64, replaced (libos/musl/README.md). Where musl
 * would execute `syscall`, a Tessera program calls the libOS: los_syscall (libos/posix)
 * takes the Linux call number and arguments and returns the result or -errno, as the kernel
 * would. No trap: the POSIX layer runs in the caller's own address space.
 *
 * No VDSO_* macros: there is no vDSO; clock_gettime goes to los_syscall, which reads the TSC. */

#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

long los_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);

static __inline long __syscall0(long n)
{
    return los_syscall(n, 0, 0, 0, 0, 0, 0);
}

static __inline long __syscall1(long n, long a1)
{
    return los_syscall(n, a1, 0, 0, 0, 0, 0);
}

static __inline long __syscall2(long n, long a1, long a2)
{
    return los_syscall(n, a1, a2, 0, 0, 0, 0);
}

static __inline long __syscall3(long n, long a1, long a2, long a3)
{
    return los_syscall(n, a1, a2, a3, 0, 0, 0);
}

static __inline long __syscall4(long n, long a1, long a2, long a3, long a4)
{
    return los_syscall(n, a1, a2, a3, a4, 0, 0);
}

static __inline long __syscall5(long n, long a1, long a2, long a3, long a4, long a5)
{
    return los_syscall(n, a1, a2, a3, a4, a5, 0);
}

static __inline long __syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    return los_syscall(n, a1, a2, a3, a4, a5, a6);
}

#define IPC_64 0
