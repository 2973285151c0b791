/*
 * machine.c: the machine call: facts a libOS needs to answer sysconf(_SC_NPROCESSORS_ONLN),
 * sched_getaffinity and /proc/meminfo honestly. Exposing them costs nothing (no rights): an
 * exokernel hides no resource's size, only who holds it.
 */
#include <exo/abi.h>
#include <exo/error.h>
#include <exo/page.h>
#include <exo/percpu.h>
#include <exo/syscall.h>

extern struct exo_pages exo_pages;

int64_t sys_machine(uint64_t what)
{
    const uint64_t *n = exo_pages.nstate;
    switch (what) {
    case EXO_MACHINE_CPUS:
        return exo_ncpu;
    case EXO_MACHINE_PAGES:
        return (int64_t)(n[EXO_PAGE_FREE] + n[EXO_PAGE_OWNED] + n[EXO_PAGE_SHARED]);
    default:
        return EXO_E_INVAL;
    }
}
